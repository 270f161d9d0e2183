/**
 * @file test_fc.c  MCPTT floor control codec (TS 24.380 §8)
 *
 * Vectors are written out byte by byte from the published layouts (the
 * Floor Request is the one tshark decodes in platform.md), so the codec
 * is checked against the wire format, not against itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "radio/mcptt/fc.h"

#define HDR(b0, words, ssrc) b0 " cc 00 " words " " ssrc " 4d 43 50 54 "
#define SRV "aa bb cc dd"
#define UE  "11 22 33 44"

static size_t unhex(uint8_t *buf, size_t size, const char *hex)
{
	size_t n = 0;
	unsigned v;
	int k;

	while (*hex) {
		if (*hex == ' ') {
			++hex;
			continue;
		}
		assert_int_equal(sscanf(hex, "%2x%n", &v, &k), 1);
		assert_true(n < size);
		buf[n++] = (uint8_t)v;
		hex += k;
	}

	return n;
}


static void decode_ok(struct fc_msg *m, const char *hex)
{
	uint8_t b[512];
	size_t n = unhex(b, sizeof(b), hex), used = 0;
	const char *why = NULL;
	int err = fc_msg_decode(m, b, n, &used, &why);

	if (err)
		fail_msg("decode: %s", why);
	assert_int_equal(used, n);
}


static void encode_eq(const struct fc_msg *m, enum fc_ids ids,
		      const char *hex)
{
	uint8_t want[512], got[512];
	size_t wn = unhex(want, sizeof(want), hex), gn = 0;
	const char *why = NULL;

	if (fc_msg_encode(got, sizeof(got), &gn, m, ids, &why))
		fail_msg("encode: %s", why);
	assert_int_equal(gn, wn);
	assert_memory_equal(got, want, wn);
}


/* ----------------------------------------------------- hand vectors -- */

static const char v_request[] =
	HDR("80", "04", UE) "00 02 05 00  0d 02 80 00";
static const char v_request_old[] =
	HDR("80", "04", UE) "66 02 05 00  74 02 80 00";

static void test_floor_request(void **state)
{
	struct fc_msg m;

	decode_ok(&m, v_request);
	assert_int_equal(m.type, FC_FLOOR_REQUEST);
	assert_false(m.ack_req);
	assert_int_equal(m.ssrc, 0x11223344);
	assert_int_equal(m.has, FC_HAS(FC_F_PRIORITY) | FC_HAS(FC_F_FLOOR_IND));
	assert_int_equal(m.prio, 5);
	assert_int_equal(m.floor_ind, FC_IND_NORMAL);

	encode_eq(&m, FC_IDS_CURRENT, v_request);
	encode_eq(&m, FC_IDS_LEGACY, v_request_old);

	decode_ok(&m, v_request_old);
	assert_int_equal(m.prio, 5);
	assert_int_equal(m.floor_ind, FC_IND_NORMAL);
	encode_eq(&m, FC_IDS_CURRENT, v_request);
}


/* ack required, Duration 30 s, priority 7, 21-octet User ID + 1 pad */
static const char v_granted[] =
	HDR("91", "0a", SRV) "01 02 00 1e  00 02 07 00  06 15"
	" 73 69 70 3a 64 69 73 70 31 40 65 73 6e 2e 65 78 61 6d 70 6c 65 00";
static const char v_granted_old[] =
	HDR("91", "0a", SRV) "67 02 00 1e  66 02 07 00  6d 15"
	" 73 69 70 3a 64 69 73 70 31 40 65 73 6e 2e 65 78 61 6d 70 6c 65 00";

static void test_floor_granted(void **state)
{
	struct fc_msg m;

	decode_ok(&m, v_granted);
	assert_int_equal(m.type, FC_FLOOR_GRANTED);
	assert_true(m.ack_req);
	assert_int_equal(m.ssrc, 0xaabbccdd);
	assert_int_equal(m.duration, 30);
	assert_int_equal(m.prio, 7);
	assert_string_equal(m.user_id, "sip:disp1@esn.example");
	encode_eq(&m, FC_IDS_CURRENT, v_granted);

	decode_ok(&m, v_granted_old);
	assert_int_equal(m.duration, 30);
	assert_string_equal(m.user_id, "sip:disp1@esn.example");
	encode_eq(&m, FC_IDS_LEGACY, v_granted_old);
}


/* 22-octet identity: no padding; Permission 1; sequence number 7 */
static const char v_taken[] =
	HDR("82", "0a", SRV) "04 16"
	" 73 69 70 3a 75 6e 69 74 34 32 40 65 73 6e 2e 65 78 61 6d 70 6c 65"
	" 05 02 00 01  08 02 00 07";
static const char v_taken_old[] =
	HDR("92", "0a", SRV) "6a 16"
	" 73 69 70 3a 75 6e 69 74 34 32 40 65 73 6e 2e 65 78 61 6d 70 6c 65"
	" 6c 02 00 01  6f 02 00 07";

static void test_floor_taken(void **state)
{
	struct fc_msg m;

	decode_ok(&m, v_taken);
	assert_int_equal(m.type, FC_FLOOR_TAKEN);
	assert_string_equal(m.granted_id, "sip:unit42@esn.example");
	assert_int_equal(m.permission, 1);
	assert_int_equal(m.seq, 7);
	encode_eq(&m, FC_IDS_CURRENT, v_taken);

	decode_ok(&m, v_taken_old);
	assert_true(m.ack_req);
	assert_string_equal(m.granted_id, "sip:unit42@esn.example");
	assert_int_equal(m.seq, 7);
}


static void test_floor_deny(void **state)
{
	struct fc_msg m;

	decode_ok(&m, HDR("83", "04", SRV) "02 06 00 01 62 75 73 79");
	assert_int_equal(m.type, FC_FLOOR_DENY);
	assert_int_equal(m.cause, 1);
	assert_string_equal(m.phrase, "busy");
	assert_string_equal(fc_deny_cause_str(m.cause),
			    "Another MCPTT client has permission");

	/* a 3-octet phrase: 2+2+3 = 7, one pad octet */
	decode_ok(&m, HDR("83", "04", SRV) "68 05 00 07 66 75 6c 00");
	assert_int_equal(m.cause, 7);
	assert_string_equal(m.phrase, "ful");
	encode_eq(&m, FC_IDS_CURRENT,
		  HDR("83", "04", SRV) "02 05 00 07 66 75 6c 00");
}


static void test_idle_revoke_ack_qpi(void **state)
{
	struct fc_msg m;

	decode_ok(&m, HDR("85", "03", SRV) "08 02 00 09");
	assert_int_equal(m.type, FC_FLOOR_IDLE);
	assert_int_equal(m.seq, 9);
	decode_ok(&m, HDR("85", "03", SRV) "6f 02 00 09");
	assert_int_equal(m.seq, 9);

	decode_ok(&m, HDR("86", "03", SRV) "02 02 00 02");
	assert_int_equal(m.type, FC_FLOOR_REVOKE);
	assert_int_equal(m.cause, 2);
	assert_string_equal(fc_revoke_cause_str(m.cause),
			    "Media burst too long");

	decode_ok(&m, HDR("8a", "04", UE) "0a 02 00 00 0c 02 11 00");
	assert_int_equal(m.type, FC_FLOOR_ACK);
	assert_int_equal(m.source, 0);
	assert_int_equal(m.acked_type, 0x11);
	decode_ok(&m, HDR("8a", "04", UE) "71 02 00 00 73 02 11 00");
	assert_int_equal(m.acked_type, 0x11);

	decode_ok(&m, HDR("89", "03", SRV) "03 02 02 05");
	assert_int_equal(m.type, FC_QUEUE_POS_INFO);
	assert_int_equal(m.qpos, 2);
	assert_int_equal(m.qprio, 5);
	decode_ok(&m, HDR("99", "03", SRV) "69 02 ff 05");
	assert_true(m.ack_req);
	assert_int_equal(m.qpos, FC_QPOS_UNKNOWN);
}


/* Track Info: 8-octet participant type (no pad) and one reference;
 * SSRC field: 32 bits + 16 spare in a Floor Queue Position Info */
static void test_track_ssrc(void **state)
{
	static const char v[] =
		HDR("89", "09", SRV) "0e 06 01 02 03 04 00 00  03 02 01 00"
		" 0b 0e 01 08 64 69 73 70 61 74 63 68 0a 0b 0c 0d";
	struct fc_msg m;

	decode_ok(&m, v);
	assert_int_equal(m.fssrc, 0x01020304);
	assert_int_equal(m.qpos, 1);
	assert_int_equal(m.track.qcap, 1);
	assert_string_equal(m.track.ptype, "dispatch");
	assert_int_equal(m.track.refc, 1);
	assert_int_equal(m.track.refv[0], 0x0a0b0c0d);
	encode_eq(&m, FC_IDS_CURRENT, v);
}


/* ------------------------------------------------------ round trips -- */

static void fill_all(struct fc_msg *m, enum fc_type type)
{
	fc_msg_init(m, type, 0x5a5a0001);
	m->prio = 9;
	m->duration = 45;
	m->cause = 255;
	str_ncpy(m->phrase, "no reason at all", sizeof(m->phrase));
	m->qpos = 3;
	m->qprio = 4;
	str_ncpy(m->granted_id, "sip:a@b", sizeof(m->granted_id));
	m->permission = 1;
	str_ncpy(m->user_id, "sip:me@esn", sizeof(m->user_id));
	m->queue_size = 2;
	m->seq = 65535;
	str_ncpy(m->queued_id, "sip:q@esn", sizeof(m->queued_id));
	m->source = 2;
	m->track.qcap = 1;
	str_ncpy(m->track.ptype, "dispatcher", sizeof(m->track.ptype));
	m->track.refc = 2;
	m->track.refv[0] = 7;
	m->track.refv[1] = 0xffffffff;
	m->acked_type = FC_FLOOR_IDLE;
	m->floor_ind = FC_IND_EMERGENCY | FC_IND_QUEUEING;
	m->fssrc = 0xdeadbeef;
}


static void round_trip(enum fc_type type, uint32_t has, bool ack,
		       enum fc_ids ids)
{
	struct fc_msg m, d;
	uint8_t buf[1024];
	size_t n = 0, used = 0;
	const char *why = NULL;

	fill_all(&m, type);
	m.has = has;
	m.ack_req = ack;
	if (fc_msg_encode(buf, sizeof(buf), &n, &m, ids, &why))
		fail_msg("%s: encode: %s", fc_type_name(type), why);
	assert_int_equal(n % 4, 0);
	assert_int_equal((buf[2] << 8 | buf[3]) + 1, n / 4);
	if (fc_msg_decode(&d, buf, n, &used, &why))
		fail_msg("%s: decode: %s", fc_type_name(type), why);

	/* compare only what was sent */
	assert_int_equal(d.type, type);
	assert_int_equal(d.ack_req, ack);
	assert_int_equal(d.has, has);
	assert_int_equal(d.skipped, 0);
#define SAME(fl, x) if (has & FC_HAS(fl)) assert_int_equal(d.x, m.x)
#define SAMES(fl, x) if (has & FC_HAS(fl)) assert_string_equal(d.x, m.x)
	SAME(FC_F_PRIORITY, prio);
	SAME(FC_F_DURATION, duration);
	SAME(FC_F_REJECT_CAUSE, cause);
	SAMES(FC_F_REJECT_CAUSE, phrase);
	SAME(FC_F_QUEUE_INFO, qpos);
	SAME(FC_F_QUEUE_INFO, qprio);
	SAMES(FC_F_GRANTED_ID, granted_id);
	SAME(FC_F_PERMISSION, permission);
	SAMES(FC_F_USER_ID, user_id);
	SAME(FC_F_QUEUE_SIZE, queue_size);
	SAME(FC_F_SEQNUM, seq);
	SAMES(FC_F_QUEUED_USER_ID, queued_id);
	SAME(FC_F_SOURCE, source);
	SAME(FC_F_TRACK_INFO, track.qcap);
	SAMES(FC_F_TRACK_INFO, track.ptype);
	SAME(FC_F_TRACK_INFO, track.refc);
	SAME(FC_F_TRACK_INFO, track.refv[1]);
	SAME(FC_F_MSG_TYPE, acked_type);
	SAME(FC_F_FLOOR_IND, floor_ind);
	SAME(FC_F_SSRC, fssrc);
#undef SAME
#undef SAMES
}


#define F(x) FC_HAS(FC_F_##x)

static const struct {
	enum fc_type type;
	bool ack;
	uint32_t has;   /* every field the message carries */
} every[] = {
	{FC_FLOOR_REQUEST, false,
	 F(PRIORITY) | F(USER_ID) | F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_FLOOR_GRANTED, true,
	 F(DURATION) | F(SSRC) | F(PRIORITY) | F(USER_ID) | F(QUEUE_SIZE) |
	 F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_FLOOR_TAKEN, true,
	 F(GRANTED_ID) | F(PERMISSION) | F(USER_ID) | F(SEQNUM) |
	 F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_FLOOR_DENY, true,
	 F(REJECT_CAUSE) | F(USER_ID) | F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_FLOOR_RELEASE, true, F(USER_ID) | F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_FLOOR_IDLE, true, F(SEQNUM) | F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_FLOOR_REVOKE, false,
	 F(REJECT_CAUSE) | F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_QUEUE_POS_REQ, false, F(USER_ID) | F(TRACK_INFO)},
	{FC_QUEUE_POS_INFO, true,
	 F(USER_ID) | F(SSRC) | F(QUEUED_USER_ID) | F(QUEUE_INFO) |
	 F(TRACK_INFO) | F(FLOOR_IND)},
	{FC_FLOOR_ACK, false, F(SOURCE) | F(MSG_TYPE) | F(TRACK_INFO)},
};

static void test_round_trips(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(every); i++) {
		const uint32_t all = every[i].has;
		const uint32_t old = all & ~F(SSRC);

		round_trip(every[i].type, all, every[i].ack, FC_IDS_CURRENT);
		round_trip(every[i].type, all, false, FC_IDS_CURRENT);
		round_trip(every[i].type, old, every[i].ack, FC_IDS_LEGACY);
	}
}

#undef F


/* ---------------------------------------------------- malformed ones -- */

static const struct {
	const char *name;
	const char *hex;
	const char *reason;
} bad[] = {
	{"empty", "", "truncated header"},
	{"truncated header", "80 cc 00 04 11 22 33 44 4d 43 50",
	 "truncated header"},
	{"bad version", "40 cc 00 02 " UE " 4d 43 50 54",
	 "RTP version is not 2"},
	{"padding bit", "a0 cc 00 02 " UE " 4d 43 50 54",
	 "padding bit set"},
	{"not APP (SR)", "80 c8 00 02 " UE " 4d 43 50 54",
	 "not an RTCP APP packet"},
	{"wrong name", "80 cc 00 02 " UE " 4d 43 50 43",
	 "name is not MCPT"},
	{"length beyond data", HDR("80", "05", UE) "00 02 05 00 0d 02 80 00",
	 "length exceeds the data"},
	{"length below header", "80 cc 00 01 " UE " 4d 43 50 54",
	 "length shorter than the APP header"},
	{"unknown subtype 7", HDR("87", "02", UE), "unknown floor control"},
	{"unknown subtype 12", HDR("8c", "02", UE), "unknown floor control"},
	{"A bit on request", HDR("90", "02", UE), "A bit on a message"},
	{"TLV overruns", HDR("80", "03", UE) "06 08 41 42",
	 "field overruns the packet"},
	{"wide TLV overruns", HDR("80", "03", UE) "c0 00 05 00",
	 "field overruns the packet"},
	{"fixed field length", HDR("80", "04", UE) "00 03 05 00 00 00 00 00",
	 "wrong length for a fixed-size field"},
	{"SSRC length 4", HDR("89", "04", SRV) "0e 04 01 02 03 04 00 00",
	 "wrong length for a fixed-size field"},
	{"deny without cause", HDR("83", "02", SRV),
	 "mandatory field missing"},
	{"deny with unknown field only", HDR("83", "03", SRV) "32 02 00 01",
	 "mandatory field missing"},
	{"ack without message type", HDR("8a", "03", UE) "0a 02 00 00",
	 "mandatory field missing"},
	{"QPI without queue info", HDR("89", "02", SRV),
	 "mandatory field missing"},
	{"repeated field", HDR("80", "04", UE) "00 02 05 00 00 02 06 00",
	 "field repeated"},
	{"same field, both ids", HDR("80", "04", UE) "00 02 05 00 66 02 06 00",
	 "field repeated"},
	{"NUL inside text", HDR("80", "03", UE) "06 02 00 41",
	 "NUL inside a text field"},
	{"cause too short", HDR("83", "03", SRV) "02 01 01 00",
	 "Reject Cause shorter than 2"},
	{"track type overruns", HDR("80", "04", UE) "0b 04 00 08 00 00 00 00",
	 "Track Info participant type overruns"},
	{"track ref not 32 bits", HDR("80", "04", UE) "0b 04 00 00 01 02 00 00",
	 "Track Info reference not 32 bits"},
	{"track too short", HDR("80", "03", UE) "0b 01 00 00",
	 "Track Info shorter than 2 octets"},
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t b[256];
		size_t n = unhex(b, sizeof(b), bad[i].hex), used = 99;
		const char *why = NULL;
		struct fc_msg m;
		int err = fc_msg_decode(&m, b, n, &used, &why);

		if (err != EBADMSG || !why || !strstr(why, bad[i].reason))
			fail_msg("%s: err %d, reason '%s'", bad[i].name, err,
				 why ? why : "(none)");
		assert_int_equal(used, 99);
	}
}


/* Unknown ids (a later release, or a 16-bit-length id >= 192), fields
 * not expected in this message, non-zero padding: all skipped */
static void test_tolerated(void **state)
{
	struct fc_msg m;

	decode_ok(&m, HDR("80", "08", UE) "32 02 ab cd  00 02 05 00"
		  "c8 00 03 01 02 03 00 00  01 02 00 1e  0d 02 80 00");
	assert_int_equal(m.prio, 5);
	assert_int_equal(m.floor_ind, FC_IND_NORMAL);
	assert_int_equal(m.has, FC_HAS(FC_F_PRIORITY) | FC_HAS(FC_F_FLOOR_IND));
	assert_int_equal(m.skipped, 3);

	decode_ok(&m, HDR("80", "04", UE) "06 03 61 62 63 ff 00 00");
	assert_string_equal(m.user_id, "abc");
}


/* Several APP packets may share one datagram (§8.1.1) */
static void test_two_in_one(void **state)
{
	uint8_t b[64];
	size_t n, used = 0;
	struct fc_msg m;

	n = unhex(b, sizeof(b), HDR("85", "03", SRV) "08 02 00 01"
		  HDR("82", "03", SRV) "08 02 00 02");
	assert_int_equal(fc_msg_decode(&m, b, n, &used, NULL), 0);
	assert_int_equal(used, 16);
	assert_int_equal(m.type, FC_FLOOR_IDLE);
	assert_int_equal(fc_msg_decode(&m, b + used, n - used, &used, NULL),
			 0);
	assert_int_equal(m.type, FC_FLOOR_TAKEN);
	assert_int_equal(m.seq, 2);
}


static void test_encode_refuses(void **state)
{
	uint8_t b[512];
	size_t n;
	struct fc_msg m;
	const char *why;

	fc_msg_init(&m, FC_FLOOR_REQUEST, 1);
	m.ack_req = true;
	assert_int_equal(fc_msg_encode(b, sizeof(b), &n, &m, 0, &why), EINVAL);
	assert_string_equal(why, "message type cannot ask for an ack");

	fc_msg_init(&m, FC_FLOOR_DENY, 1);
	assert_int_equal(fc_msg_encode(b, sizeof(b), &n, &m, 0, &why), EINVAL);
	assert_string_equal(why, "mandatory field missing");

	fc_msg_init(&m, FC_FLOOR_IDLE, 1);
	m.has = FC_HAS(FC_F_DURATION);
	assert_int_equal(fc_msg_encode(b, sizeof(b), &n, &m, 0, &why), EINVAL);
	assert_string_equal(why, "field not carried by this message type");

	fc_msg_init(&m, FC_FLOOR_GRANTED, 1);
	m.has = FC_HAS(FC_F_SSRC);
	assert_int_equal(fc_msg_encode(b, sizeof(b), &n, &m, FC_IDS_LEGACY,
				       &why), EINVAL);
	assert_string_equal(why, "field has no legacy (V13.0) id");

	fc_msg_init(&m, FC_FLOOR_DENY, 1);
	m.has = FC_HAS(FC_F_REJECT_CAUSE);
	memset(m.phrase, 'x', 254);
	assert_int_equal(fc_msg_encode(b, sizeof(b), &n, &m, 0, &why), EINVAL);
	m.phrase[253] = '\0';
	assert_int_equal(fc_msg_encode(b, sizeof(b), &n, &m, 0, &why), 0);
	assert_int_equal(n, 12 + 260);   /* 2 + 255 + 3 pad */
	assert_int_equal(fc_msg_encode(b, n - 1, &n, &m, 0, &why), EOVERFLOW);

	fc_msg_init(&m, 7, 1);
	assert_int_equal(fc_msg_encode(b, sizeof(b), &n, &m, 0, &why), EINVAL);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floor_request),
		cmocka_unit_test(test_floor_granted),
		cmocka_unit_test(test_floor_taken),
		cmocka_unit_test(test_floor_deny),
		cmocka_unit_test(test_idle_revoke_ack_qpi),
		cmocka_unit_test(test_track_ssrc),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tolerated),
		cmocka_unit_test(test_two_in_one),
		cmocka_unit_test(test_encode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
