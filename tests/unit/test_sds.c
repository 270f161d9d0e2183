/**
 * @file test_sds.c  TETRA SDS payloads: status, SDS-TL text, LIP
 *
 * The text vector is svxlink's captured SDS (radio-protocols.md §4.3).
 * The LIP vectors were laid out bit by bit from the TS 100 392-18-1
 * short location report (PID 8, PDU type 2, time elapsed 2, longitude
 * 25, latitude 24, position error 3, velocity 7, direction 4, type of
 * additional data 1, additional data 8) and the second one was checked
 * against svxlink's nibble-wise decoder, so they do not come from the
 * codec under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "radio/tetra/sds.h"

static size_t unhex(uint8_t *buf, size_t size, const char *hex)
{
	size_t n;

	assert_int_equal(sds_hex_decode(buf, size, &n, hex, strlen(hex)),
			 0);
	return n;
}


static void roundtrip(const struct sds_msg *m, const uint8_t *want,
		      size_t bits, unsigned ai)
{
	uint8_t out[300];
	size_t obits;
	unsigned oai;

	assert_int_equal(sds_encode(out, sizeof(out), &obits, &oai, m,
				    NULL), 0);
	assert_int_equal(obits, bits);
	assert_int_equal(oai, ai);
	assert_memory_equal(out, want, (bits + 7) / 8);
}


static void test_status(void **state)
{
	static const struct {
		const char *hex;
		uint16_t    val;
		enum sds_status_class cls;
	} v[] = {
		{"0000", 0x0000, SDS_ST_EMERGENCY},
		{"0001", 0x0001, SDS_ST_RESERVED},
		{"7C05", 0x7c05, SDS_ST_SDSTL},
		{"8005", 0x8005, SDS_ST_USER},
		{"FE0F", 0xfe0f, SDS_ST_USER},
		{"FFFE", 0xfffe, SDS_ST_EMERGENCY_CANCEL},   /* INFERRED */
	};
	uint8_t buf[4];
	struct sds_msg m;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		unhex(buf, sizeof(buf), v[i].hex);
		assert_int_equal(sds_decode(&m, SDS_AI_STATUS, buf, 16, NULL),
				 0);
		assert_int_equal(m.kind, SDS_STATUS);
		assert_int_equal(m.status, v[i].val);
		assert_int_equal(sds_status_class(m.status), v[i].cls);
		roundtrip(&m, buf, 16, SDS_AI_STATUS);
	}
}


static void test_text(void **state)
{
	uint8_t buf[64];
	struct sds_msg m;
	size_t n;

	/* 82 PID, 04 TRANSFER + "received" report, 08 ref, 01 Latin-1 */
	n = unhex(buf, sizeof(buf), "82040801476A61746A616A676A61");
	assert_int_equal(sds_decode(&m, SDS_AI_SDSTL, buf, n * 8, NULL), 0);
	assert_int_equal(m.kind, SDS_TEXT);
	assert_int_equal(m.pid, SDS_PID_TEXT);
	assert_int_equal(m.text.msg_type, 0);
	assert_int_equal(m.text.dr_req, 1);
	assert_true(m.text.short_form);
	assert_int_equal(m.text.ref, 8);
	assert_int_equal(m.text.coding, 1);
	assert_false(m.text.has_ts);
	assert_string_equal(m.text.text, "Gjatjajgja");
	roundtrip(&m, buf, n * 8, SDS_AI_SDSTL);

	/* with a timestamp, 8-bit text including a Latin-1 byte */
	n = unhex(buf, sizeof(buf), "82020781123456E9");
	assert_int_equal(sds_decode(&m, SDS_AI_SDSTL, buf, n * 8, NULL), 0);
	assert_false(m.text.short_form);
	assert_true(m.text.has_ts);
	assert_int_equal(m.text.ts, 0x123456);
	assert_int_equal(m.text.len, 1);
	assert_int_equal((uint8_t)m.text.text[0], 0xe9);
	roundtrip(&m, buf, n * 8, SDS_AI_SDSTL);

	/* simple text: the coding byte's top bit is fill */
	n = unhex(buf, sizeof(buf), "02814869");
	assert_int_equal(sds_decode(&m, SDS_AI_SDSTL, buf, n * 8, NULL), 0);
	assert_int_equal(m.text.coding, 1);
	assert_string_equal(m.text.text, "Hi");

	/* SDS-REPORT "received" for reference 8 (svxlink's 821000<ref>) */
	n = unhex(buf, sizeof(buf), "82100008");
	assert_int_equal(sds_decode(&m, SDS_AI_SDSTL, buf, n * 8, NULL), 0);
	assert_int_equal(m.kind, SDS_REPORT);
	assert_int_equal(m.text.msg_type, 1);
	assert_int_equal(m.text.status, 0);
	assert_int_equal(m.text.ref, 8);
	roundtrip(&m, buf, 32, SDS_AI_SDSTL);
}


static void test_lip(void **state)
{
	uint8_t buf[16];
	struct sds_msg m;
	size_t n;

	/* 45 N, 90 W, <5 min old, <200 m, 10 km/h, east, PTT pressed */
	n = unhex(buf, sizeof(buf), "0A1C000002000002148030");
	assert_int_equal(sds_decode(&m, SDS_AI_SDSTL, buf, 84, NULL), 0);
	assert_int_equal(m.kind, SDS_LIP);
	assert_int_equal(m.lip.time_elapsed, 1);
	assert_int_equal(m.lip.lon_raw, -(1 << 23));
	assert_int_equal(m.lip.lat_raw, 1 << 22);
	assert_true(m.lip.lat == 45.0);
	assert_true(m.lip.lon == -90.0);
	assert_int_equal(m.lip.pos_err, 2);
	assert_int_equal(sds_lip_error_m(m.lip.pos_err), 200);
	assert_int_equal(m.lip.velocity, 10);
	assert_true(sds_lip_speed_kmh(m.lip.velocity) == 10.0);
	assert_int_equal(m.lip.direction, 4);
	assert_int_equal(m.lip.add_type, 0);
	assert_int_equal(m.lip.add_data, 3);
	roundtrip(&m, buf, 84, SDS_AI_SDSTL);
	assert_int_equal(n, 11);

	/* every field at an odd value; 88 bits as radios pad to bytes */
	unhex(buf, sizeof(buf), "0A040181C900184FFFFA50");
	assert_int_equal(sds_decode(&m, SDS_AI_SDSTL, buf, 88, NULL), 0);
	assert_int_equal(m.lip.time_elapsed, 0);
	assert_int_equal(m.lip.lon_raw, (1 << 23) + 12345);
	assert_int_equal(m.lip.lat_raw, (1 << 21) + 777);
	assert_true(fabs(m.lip.lat - 22.50833) < 1e-4);
	assert_true(fabs(m.lip.lon - 90.13245) < 1e-4);
	assert_int_equal(m.lip.pos_err, 7);
	assert_int_equal(sds_lip_error_m(7), -1);
	assert_int_equal(m.lip.velocity, 127);
	assert_true(sds_lip_speed_kmh(127) < 0);
	assert_int_equal(m.lip.direction, 15);
	assert_int_equal(m.lip.add_type, 1);
	assert_int_equal(m.lip.add_data, 0xa5);
	roundtrip(&m, buf, 84, SDS_AI_SDSTL);

	/* speed table: linear to 28, then 16 * 1.038^(k - 13) */
	assert_true(sds_lip_speed_kmh(28) == 28.0);
	assert_true(fabs(sds_lip_speed_kmh(29) - 29.06) < 0.01);

	/* degrees in, nearest raw value, and extremes clamp */
	sds_lip_set_pos(&m.lip, 51.5, -0.125);
	assert_int_equal(m.lip.lat_raw, 4800148);
	assert_int_equal(m.lip.lon_raw, -11651);
	assert_true(fabs(m.lip.lat - 51.5) < 180.0 / (1 << 24));
	sds_lip_set_pos(&m.lip, 90.0, 180.0);
	assert_int_equal(m.lip.lat_raw, (1 << 23) - 1);
	assert_int_equal(m.lip.lon_raw, (1 << 24) - 1);
}


static void test_malformed(void **state)
{
	static const struct {
		unsigned    ai;
		const char *hex;
		size_t      bits;
		int         err;
	} v[] = {
		{SDS_AI_STATUS, "80",       8,  EBADMSG},
		{SDS_AI_STATUS, "800500",   24, EBADMSG},
		{SDS_AI_SDSTL,  "",         0,  EBADMSG},
		{SDS_AI_SDSTL,  "82",       8,  EBADMSG},
		{SDS_AI_SDSTL,  "820408",   24, EBADMSG},
		{SDS_AI_SDSTL,  "82300001", 32, EBADMSG},
		{SDS_AI_SDSTL,  "8200018112", 40, EBADMSG},
		{SDS_AI_SDSTL,  "02",       8,  EBADMSG},
		{SDS_AI_SDSTL,  "0A1C00000200000214",  72, EBADMSG},
		{SDS_AI_SDSTL,  "0A1C0000020000021480300000", 104, EBADMSG},
		{SDS_AI_SDSTL,  "0A40000000000000000000", 84, ENOTSUP},
		{SDS_AI_SDSTL,  "82000100414243", 56, ENOTSUP},
		{SDS_AI_SDSTL,  "8201010141", 40, ENOTSUP},
		{SDS_AI_SDSTL,  "55000000", 32, ENOTSUP},
		{9,             "1234",     16, ENOTSUP},
	};
	uint8_t buf[32];
	struct sds_msg m;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		const char *reason = NULL;

		unhex(buf, sizeof(buf), v[i].hex);
		assert_int_equal(sds_decode(&m, v[i].ai, buf, v[i].bits,
					    &reason), v[i].err);
		assert_non_null(reason);
	}
}


static void test_encode_errors(void **state)
{
	uint8_t buf[300];
	struct sds_msg m;
	size_t bits;
	unsigned ai;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.kind = SDS_TEXT;
	m.pid = SDS_PID_TEXT;
	m.text.coding = 1;
	m.text.len = SDS_TEXT_MAX;
	assert_int_equal(sds_encode(buf, sizeof(buf), &bits, &ai, &m, NULL),
			 EOVERFLOW);
	m.text.len = 3;
	m.text.coding = 0;
	assert_int_equal(sds_encode(buf, sizeof(buf), &bits, &ai, &m, NULL),
			 EINVAL);
	m.kind = SDS_LIP;
	m.lip.direction = 16;
	assert_int_equal(sds_encode(buf, sizeof(buf), &bits, &ai, &m, NULL),
			 EINVAL);
	m.kind = SDS_STATUS;
	assert_int_equal(sds_encode(buf, 1, &bits, &ai, &m, NULL),
			 EOVERFLOW);

	assert_int_equal(sds_hex_decode(buf, 4, &n, "123", 3), EBADMSG);
	assert_int_equal(sds_hex_decode(buf, 4, &n, "12G4", 4), EBADMSG);
	assert_int_equal(sds_hex_decode(buf, 1, &n, "1234", 4), EOVERFLOW);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_lip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_encode_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
