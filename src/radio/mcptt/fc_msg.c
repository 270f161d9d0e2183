/**
 * @file fc_msg.c  MCPTT floor control messages (TS 24.380 §8.1, §8.2)
 *
 * Each message is one RTCP APP packet: V=2, P=0, a 5-bit subtype whose
 * 0x10 bit asks for a Floor Ack, PT 204, the RFC 3550 length (32-bit
 * words minus one, header included), the sender's SSRC, the name "MCPT",
 * then fields of id (8 bits), length (8 bits), value, zero padding to
 * 32 bits.  What each message may carry, in which order, and how each
 * field is coded lives in the two tables below; the code only walks them.
 */
#include <re.h>
#include <errno.h>
#include <string.h>
#include "radio/mcptt/fc.h"

enum {
	HDR_LEN   = 12,     /* RTCP_APP (204) comes from re_rtp.h */
	ACK_BIT   = 0x10,
	/* Field ids from here up have a 16-bit length (Rel-17 onwards,
	 * seen only in Wireshark's dissector): we skip them correctly. */
	WIDE_ID   = 192,
};

static const uint8_t mcpt_name[4] = {'M', 'C', 'P', 'T'};

enum kind {
	K_U16,       /* 16-bit value                           */
	K_U8SP,      /* 8-bit value + 8-bit spare              */
	K_QINFO,     /* position + priority                    */
	K_TEXT,      /* octets up to 255, padded               */
	K_CAUSE,     /* 16-bit cause + optional phrase         */
	K_TRACK,     /* Track Info                             */
	K_SSRC,      /* 32-bit SSRC + 16-bit spare             */
};

struct fdesc {
	const char *name;
	enum kind   kind;
	uint8_t     fixlen;  /* value length, 0 = variable    */
	uint8_t     legacy;  /* V13.0 id, 0 = none            */
	size_t      off;     /* member of struct fc_msg       */
	size_t      size;    /* its size (text buffers)       */
};

#define M(x) offsetof(struct fc_msg, x), sizeof(((struct fc_msg *)0)->x)

/* V13.0 ids ran 102..116 with 107 unused; the SSRC field came later */
static const struct fdesc fdv[FC_F_COUNT] = {
	[FC_F_PRIORITY]   = {"Floor Priority",   K_U8SP,  2, 102, M(prio)},
	[FC_F_DURATION]   = {"Duration",         K_U16,   2, 103, M(duration)},
	[FC_F_REJECT_CAUSE] = {"Reject Cause",   K_CAUSE, 0, 104, M(cause)},
	[FC_F_QUEUE_INFO] = {"Queue Info",       K_QINFO, 2, 105, M(qpos)},
	[FC_F_GRANTED_ID] = {"Granted Party's Identity", K_TEXT, 0, 106,
			     M(granted_id)},
	[FC_F_PERMISSION] = {"Permission to Request the Floor", K_U16, 2, 108,
			     M(permission)},
	[FC_F_USER_ID]    = {"User ID",          K_TEXT,  0, 109, M(user_id)},
	[FC_F_QUEUE_SIZE] = {"Queue Size",       K_U16,   2, 110,
			     M(queue_size)},
	[FC_F_SEQNUM]     = {"Message Sequence Number", K_U16, 2, 111, M(seq)},
	[FC_F_QUEUED_USER_ID] = {"Queued User ID", K_TEXT, 0, 112,
				 M(queued_id)},
	[FC_F_SOURCE]     = {"Source",           K_U16,   2, 113, M(source)},
	[FC_F_TRACK_INFO] = {"Track Info",       K_TRACK, 0, 114, M(track)},
	[FC_F_MSG_TYPE]   = {"Message Type",     K_U8SP,  2, 115,
			     M(acked_type)},
	[FC_F_FLOOR_IND]  = {"Floor Indicator",  K_U16,   2, 116,
			     M(floor_ind)},
	[FC_F_SSRC]       = {"SSRC",             K_SSRC,  6, 0,   M(fssrc)},
};

#undef M

enum { ORDER_MAX = 8, NO_FIELD = 0xff };

struct mdesc {
	const char *name;
	bool        ackable;       /* may carry the A bit            */
	uint32_t    mandatory;
	uint8_t     order[ORDER_MAX]; /* fields it carries, in order */
};

#define H(f) FC_HAS(FC_F_##f)
#define L(...) {__VA_ARGS__, NO_FIELD}

/* Field sets of TS 24.380 §8.2.4-8.2.13 as NIST psc-ns3 reproduces them
 * (on- and off-network).  The off-network queue list of Floor Granted is
 * skipped on decode.  Mandatory marks only what nobody can omit. */
static const struct mdesc mdv[16] = {
	[FC_FLOOR_REQUEST] = {"Floor Request", false, 0,
		L(FC_F_PRIORITY, FC_F_USER_ID, FC_F_TRACK_INFO,
		  FC_F_FLOOR_IND)},
	[FC_FLOOR_GRANTED] = {"Floor Granted", true, 0,
		L(FC_F_DURATION, FC_F_SSRC, FC_F_PRIORITY, FC_F_USER_ID,
		  FC_F_QUEUE_SIZE, FC_F_TRACK_INFO, FC_F_FLOOR_IND)},
	[FC_FLOOR_TAKEN] = {"Floor Taken", true, 0,
		L(FC_F_GRANTED_ID, FC_F_PERMISSION, FC_F_USER_ID,
		  FC_F_SEQNUM, FC_F_TRACK_INFO, FC_F_FLOOR_IND)},
	[FC_FLOOR_DENY] = {"Floor Deny", true, H(REJECT_CAUSE),
		L(FC_F_REJECT_CAUSE, FC_F_USER_ID, FC_F_TRACK_INFO,
		  FC_F_FLOOR_IND)},
	[FC_FLOOR_RELEASE] = {"Floor Release", true, 0,
		L(FC_F_USER_ID, FC_F_TRACK_INFO, FC_F_FLOOR_IND)},
	[FC_FLOOR_IDLE] = {"Floor Idle", true, 0,
		L(FC_F_SEQNUM, FC_F_TRACK_INFO, FC_F_FLOOR_IND)},
	[FC_FLOOR_REVOKE] = {"Floor Revoke", false, H(REJECT_CAUSE),
		L(FC_F_REJECT_CAUSE, FC_F_TRACK_INFO, FC_F_FLOOR_IND)},
	[FC_QUEUE_POS_REQ] = {"Floor Queue Position Request", false, 0,
		L(FC_F_USER_ID, FC_F_TRACK_INFO)},
	[FC_QUEUE_POS_INFO] = {"Floor Queue Position Info", true,
		H(QUEUE_INFO),
		L(FC_F_USER_ID, FC_F_SSRC, FC_F_QUEUED_USER_ID,
		  FC_F_QUEUE_INFO, FC_F_TRACK_INFO, FC_F_FLOOR_IND)},
	[FC_FLOOR_ACK] = {"Floor Ack", false, H(SOURCE) | H(MSG_TYPE),
		L(FC_F_SOURCE, FC_F_MSG_TYPE, FC_F_TRACK_INFO)},
};

#undef L
#undef H


static const struct mdesc *mdesc(unsigned type)
{
	return type < ARRAY_SIZE(mdv) && mdv[type].name ? &mdv[type] : NULL;
}


static uint32_t allowed(const struct mdesc *md)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < ORDER_MAX && md->order[i] != NO_FIELD; i++)
		mask |= FC_HAS(md->order[i]);

	return mask;
}


static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}


static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


/* -------------------------------------------------------- encoding -- */

struct wbuf {
	uint8_t *p;
	size_t   size;
	size_t   pos;
	bool     ovf;
};


static void put(struct wbuf *w, const void *v, size_t n)
{
	if (w->ovf || w->size - w->pos < n) {
		w->ovf = true;
		return;
	}
	if (n)
		memcpy(w->p + w->pos, v, n);
	w->pos += n;
}


static void put8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}


static void put16(struct wbuf *w, uint16_t v)
{
	const uint8_t b[2] = {v >> 8, v & 0xff};

	put(w, b, 2);
}


static void put32(struct wbuf *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}


static void put_pad(struct wbuf *w, size_t n)
{
	static const uint8_t zero[4];

	put(w, zero, n);
}


/* Value length of field f in m, or -1 when it cannot be coded */
static int value_len(const struct fc_msg *m, const struct fdesc *fd)
{
	const char *s = (const char *)m + fd->off;
	size_t n;

	switch (fd->kind) {

	case K_TEXT:
		n = strnlen(s, fd->size);
		return n <= FC_TEXT_MAX ? (int)n : -1;

	case K_CAUSE:
		n = 2 + strnlen(m->phrase, sizeof(m->phrase));
		return n <= FC_TEXT_MAX ? (int)n : -1;

	case K_TRACK:
		n = strnlen(m->track.ptype, sizeof(m->track.ptype));
		if (m->track.refc > FC_TRACK_REFS)
			return -1;
		n = 2 + n + pad4(n) + 4u * m->track.refc;
		return n <= FC_TEXT_MAX ? (int)n : -1;

	default:
		return fd->fixlen;
	}
}


static void put_value(struct wbuf *w, const struct fc_msg *m,
		      const struct fdesc *fd, size_t len)
{
	const uint8_t *v = (const uint8_t *)m + fd->off;
	size_t n;

	switch (fd->kind) {

	case K_U16:   put16(w, *(const uint16_t *)(const void *)v); break;
	case K_U8SP:  put8(w, *v); put8(w, 0);                     break;
	case K_QINFO: put8(w, m->qpos); put8(w, m->qprio);          break;
	case K_TEXT:  put(w, v, len);                               break;
	case K_SSRC:  put32(w, m->fssrc); put16(w, 0);              break;

	case K_CAUSE:
		put16(w, m->cause);
		put(w, m->phrase, len - 2);
		break;

	case K_TRACK:
		n = strlen(m->track.ptype);
		put8(w, m->track.qcap);
		put8(w, (uint8_t)n);
		put(w, m->track.ptype, n);
		put_pad(w, pad4(n));
		for (size_t i = 0; i < m->track.refc; i++)
			put32(w, m->track.refv[i]);
		break;
	}
}


static int put_field(struct wbuf *w, const struct fc_msg *m,
		     enum fc_field f, enum fc_ids ids, const char **reason)
{
	const struct fdesc *fd = &fdv[f];
	int len = value_len(m, fd);

	if (len < 0) {
		*reason = "field value longer than 255 octets";
		return EINVAL;
	}
	if (ids == FC_IDS_LEGACY && !fd->legacy) {
		*reason = "field has no legacy (V13.0) id";
		return EINVAL;
	}

	put8(w, ids == FC_IDS_LEGACY ? fd->legacy : (uint8_t)f);
	put8(w, (uint8_t)len);
	put_value(w, m, fd, (size_t)len);
	put_pad(w, pad4(2 + (size_t)len));

	return 0;
}


static int check_encodable(const struct fc_msg *m, const struct mdesc *md,
			   const char **reason)
{
	if (!md) {
		*reason = "unknown message type";
		return EINVAL;
	}
	if (m->ack_req && !md->ackable) {
		*reason = "message type cannot ask for an ack";
		return EINVAL;
	}
	if (m->has & ~allowed(md)) {
		*reason = "field not carried by this message type";
		return EINVAL;
	}
	if ((m->has & md->mandatory) != md->mandatory) {
		*reason = "mandatory field missing";
		return EINVAL;
	}

	return 0;
}


void fc_msg_init(struct fc_msg *m, enum fc_type type, uint32_t ssrc)
{
	if (!m)
		return;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->ssrc = ssrc;
}


int fc_msg_encode(uint8_t *buf, size_t size, size_t *lenp,
		  const struct fc_msg *m, enum fc_ids ids,
		  const char **reason)
{
	const char *why = NULL;
	struct wbuf w = {buf, size, 0, false};
	const struct mdesc *md;
	int err;

	if (!reason)
		reason = &why;
	if (!buf || !lenp || !m) {
		*reason = "missing argument";
		return EINVAL;
	}

	md = mdesc(m->type);
	err = check_encodable(m, md, reason);
	if (err)
		return err;

	put8(&w, 0x80 | m->type | (m->ack_req ? ACK_BIT : 0));
	put8(&w, RTCP_APP);
	put16(&w, 0);
	put32(&w, m->ssrc);
	put(&w, mcpt_name, sizeof(mcpt_name));

	for (size_t i = 0; i < ORDER_MAX && md->order[i] != NO_FIELD; i++) {
		if (!(m->has & FC_HAS(md->order[i])))
			continue;
		err = put_field(&w, m, md->order[i], ids, reason);
		if (err)
			return err;
	}

	if (w.ovf) {
		*reason = "buffer too small";
		return EOVERFLOW;
	}

	buf[2] = (uint8_t)((w.pos / 4 - 1) >> 8);
	buf[3] = (uint8_t)((w.pos / 4 - 1) & 0xff);
	*lenp = w.pos;

	return 0;
}


/* -------------------------------------------------------- decoding -- */

static int bad(const char **reason, const char *why)
{
	*reason = why;
	return EBADMSG;
}


/* Copies text; a field may end in NULs, but a NUL inside would cut
 * what the console shows, so such a field is refused. */
static int get_text(char *dst, size_t dsz, const uint8_t *v, size_t n,
		    const char **reason)
{
	while (n && v[n - 1] == '\0')
		--n;
	if (memchr(v, '\0', n))
		return bad(reason, "NUL inside a text field");
	if (n >= dsz)
		return bad(reason, "text field too long");

	memcpy(dst, v, n);
	dst[n] = '\0';

	return 0;
}


static int get_track(struct fc_track *t, const uint8_t *v, size_t n,
		     const char **reason)
{
	size_t ptl, refs;
	int err;

	if (n < 2)
		return bad(reason, "Track Info shorter than 2 octets");

	ptl = v[1];
	if (2 + ptl + pad4(ptl) > n)
		return bad(reason, "Track Info participant type overruns");

	refs = n - 2 - ptl - pad4(ptl);
	if (refs % 4)
		return bad(reason, "Track Info reference not 32 bits");

	t->qcap = v[0];
	err = get_text(t->ptype, sizeof(t->ptype), v + 2, ptl, reason);
	if (err)
		return err;

	v += 2 + ptl + pad4(ptl);
	t->refc = (uint8_t)(refs / 4);
	for (size_t i = 0; i < t->refc; i++)
		t->refv[i] = get32(v + 4 * i);

	return 0;
}


static int get_value(struct fc_msg *m, const struct fdesc *fd,
		     const uint8_t *v, size_t n, const char **reason)
{
	uint8_t *dst = (uint8_t *)m + fd->off;

	if (fd->fixlen && n != fd->fixlen)
		return bad(reason, "wrong length for a fixed-size field");

	switch (fd->kind) {

	case K_U16:   *(uint16_t *)(void *)dst = get16(v); return 0;
	case K_U8SP:  *dst = v[0];                         return 0;
	case K_SSRC:  m->fssrc = get32(v);                 return 0;

	case K_QINFO:
		m->qpos  = v[0];
		m->qprio = v[1];
		return 0;

	case K_TEXT:
		return get_text((char *)dst, fd->size, v, n, reason);

	case K_CAUSE:
		if (n < 2)
			return bad(reason, "Reject Cause shorter than 2");
		m->cause = get16(v);
		return get_text(m->phrase, sizeof(m->phrase), v + 2, n - 2,
				reason);

	case K_TRACK:
		return get_track(&m->track, v, n, reason);
	}

	return bad(reason, "internal: unknown field kind");
}


/* Current id of a received one, or -1 when we do not know it */
static int field_of(uint8_t id)
{
	if (id < FC_F_COUNT)
		return id;

	for (int f = 0; f < FC_F_COUNT; f++) {
		if (fdv[f].legacy && fdv[f].legacy == id)
			return f;
	}

	return -1;
}


/* Off-network Floor Granted lists the queue after Queue Size by
 * repeating SSRC; a repeat anywhere else is an error. */
static bool repeat_ok(const struct fc_msg *m)
{
	return m->type == FC_FLOOR_GRANTED &&
		(m->has & FC_HAS(FC_F_QUEUE_SIZE));
}


static int take_field(struct fc_msg *m, uint32_t ok, uint8_t id,
		      const uint8_t *v, size_t n, const char **reason)
{
	int f = field_of(id);
	int err;

	if (f < 0 || !(ok & FC_HAS(f))) {
		++m->skipped;
		return 0;
	}
	if (m->has & FC_HAS(f)) {
		if (!repeat_ok(m))
			return bad(reason, "field repeated");
		++m->skipped;
		return 0;
	}

	err = get_value(m, &fdv[f], v, n, reason);
	if (err)
		return err;

	m->has |= FC_HAS(f);
	return 0;
}


static int get_fields(struct fc_msg *m, const struct mdesc *md,
		      const uint8_t *p, size_t end, const char **reason)
{
	const uint32_t ok = allowed(md);
	size_t pos = HDR_LEN;

	while (pos < end) {
		const size_t hl = p[pos] >= WIDE_ID ? 3 : 2;
		size_t n, step;
		int err;

		if (end - pos < hl)
			return bad(reason, "truncated field header");

		n = hl == 3 ? get16(p + pos + 1) : p[pos + 1];
		if (end - pos - hl < n)
			return bad(reason, "field overruns the packet");

		step = hl + n + pad4(hl + n);
		if (end - pos < step)
			return bad(reason, "field padding overruns the packet");

		err = take_field(m, ok, p[pos], p + pos + hl, n, reason);
		if (err)
			return err;

		pos += step;
	}

	if ((m->has & md->mandatory) != md->mandatory)
		return bad(reason, "mandatory field missing");

	return 0;
}


static int get_header(struct fc_msg *m, const uint8_t *p, size_t len,
		      size_t *totp, const char **reason)
{
	const struct mdesc *md;
	size_t tot;
	uint8_t sub;

	if (len < HDR_LEN)
		return bad(reason, "truncated header");
	if ((p[0] >> 6) != 2)
		return bad(reason, "RTP version is not 2");
	if (p[0] & 0x20)
		return bad(reason, "padding bit set");
	if (p[1] != RTCP_APP)
		return bad(reason, "not an RTCP APP packet");

	tot = ((size_t)get16(p + 2) + 1) * 4;
	if (tot < HDR_LEN)
		return bad(reason, "length shorter than the APP header");
	if (tot > len)
		return bad(reason, "length exceeds the data");
	if (memcmp(p + 8, mcpt_name, sizeof(mcpt_name)))
		return bad(reason, "name is not MCPT");

	sub = p[0] & 0x1f;
	md = mdesc(sub & 0x0f);
	if (!md)
		return bad(reason, "unknown floor control subtype");
	if ((sub & ACK_BIT) && !md->ackable)
		return bad(reason, "A bit on a message that takes no ack");

	m->type    = sub & 0x0f;
	m->ack_req = (sub & ACK_BIT) != 0;
	m->ssrc    = get32(p + 4);
	*totp = tot;

	return 0;
}


int fc_msg_decode(struct fc_msg *m, const uint8_t *p, size_t len,
		  size_t *usedp, const char **reason)
{
	const char *why = NULL;
	size_t tot = 0;
	int err;

	if (!reason)
		reason = &why;
	if (!m || !p) {
		*reason = "missing argument";
		return EINVAL;
	}

	memset(m, 0, sizeof(*m));

	err = get_header(m, p, len, &tot, reason);
	if (err)
		return err;

	err = get_fields(m, mdesc(m->type), p, tot, reason);
	if (err)
		return err;

	if (usedp)
		*usedp = tot;

	return 0;
}


/* ----------------------------------------------------------- names -- */

const char *fc_type_name(enum fc_type type)
{
	const struct mdesc *md = mdesc(type);

	return md ? md->name : "?";
}


const char *fc_field_name(enum fc_field f)
{
	return (unsigned)f < FC_F_COUNT ? fdv[f].name : "?";
}


struct cause_name {
	uint16_t    cause;
	const char *text;
};


static const char *cause_str(const struct cause_name *v, size_t n,
			     uint16_t cause)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].cause == cause)
			return v[i].text;
	}

	return "Unknown cause";
}


const char *fc_deny_cause_str(uint16_t cause)
{
	static const struct cause_name v[] = {
		{1,   "Another MCPTT client has permission"},
		{2,   "Internal floor control server error"},
		{3,   "Only one participant"},
		{4,   "Retry-after timer has not expired"},
		{5,   "Receive only"},
		{6,   "No resources available"},
		{7,   "Queue full"},
		{255, "Other reason"},
	};

	return cause_str(v, ARRAY_SIZE(v), cause);
}


const char *fc_revoke_cause_str(uint16_t cause)
{
	static const struct cause_name v[] = {
		{1,   "Only one MCPTT client"},
		{2,   "Media burst too long"},
		{3,   "No permission to send a Media Burst"},
		{4,   "Media Burst pre-empted"},
		{6,   "No resources available"},
		{255, "Other reason"},
	};

	return cause_str(v, ARRAY_SIZE(v), cause);
}
