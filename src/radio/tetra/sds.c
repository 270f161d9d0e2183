/**
 * @file sds.c  TETRA SDS payload codecs (status, SDS-TL text, LIP)
 *
 * SDS-TL byte layout after EN 300 392-2 §29.4 as ftl/tetra-pei and
 * svxlink read it; the LIP short location report bit layout after
 * TS 100 392-18-1 §6.2.1 (table liptab below).  Well-formed input we do
 * not handle gives ENOTSUP, malformed input EBADMSG, both with a reason.
 * Nothing is read past bits/8 rounded up.
 */
#include <re.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include "radio/tetra/sds.h"

enum {
	LIP_BITS   = 84,    /* PID 8 + short location report 76      */
	TL_SFC     = 0x01,  /* storage/forward control present       */
	TL_SSEL    = 0x02,  /* service selection: 0 = short form     */
	TL_ACKREQ  = 0x08,  /* SDS-REPORT: ack required              */
	TXT_TS     = 0x80,  /* timestamp present in the coding byte  */
	CODING_7BIT = 0,
};

/* LIP short location report, in transmission order after the PDU
 * type (2 bits, 0 = short location report) */
static const struct lfield {
	uint8_t bits;
	bool    sign;
	size_t  off;
	uint8_t size;
} liptab[] = {
#define L(f, n, s) {n, s, offsetof(struct sds_lip, f), \
		    sizeof(((struct sds_lip *)0)->f)}
	L(time_elapsed, 2, false),
	L(lon_raw,     25, true),
	L(lat_raw,     24, true),
	L(pos_err,      3, false),
	L(velocity,     7, false),
	L(direction,    4, false),
	L(add_type,     1, false),
	L(add_data,     8, false),
#undef L
};

/* Position error (TS 100 392-18-1): upper bound in metres */
static const int pos_err_m[8] = {
	2, 20, 200, 2000, 20000, 200000, -1, -1
};


struct bits {
	uint8_t *buf;
	size_t   pos;
	size_t   end;    /* in bits */
};


static uint32_t bget(struct bits *b, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++, b->pos++) {
		v <<= 1;
		if (b->pos < b->end)
			v |= (b->buf[b->pos / 8] >> (7 - b->pos % 8)) & 1u;
	}
	return v;
}


static void bput(struct bits *b, uint32_t v, unsigned n)
{
	for (unsigned i = n; i-- > 0; b->pos++) {
		uint8_t m = (uint8_t)(0x80u >> (b->pos % 8));

		if (v >> i & 1u)
			b->buf[b->pos / 8] |= m;
		else
			b->buf[b->pos / 8] &= (uint8_t)~m;
	}
}


enum sds_status_class sds_status_class(uint16_t value)
{
	if (value == SDS_STATUS_EMERGENCY)
		return SDS_ST_EMERGENCY;
	if (value == SDS_STATUS_EMERGENCY_CANCEL)
		return SDS_ST_EMERGENCY_CANCEL;
	if (value < 0x7c00)
		return SDS_ST_RESERVED;
	if (value < 0x8000)
		return SDS_ST_SDSTL;
	return SDS_ST_USER;
}


int sds_lip_error_m(uint8_t pos_err)
{
	return pos_err_m[pos_err & 7];
}


/* 0..28 km/h in 1 km/h steps, then v = 16 * 1.038^(k - 13) */
double sds_lip_speed_kmh(uint8_t velocity)
{
	if (velocity >= 127)
		return -1.0;
	if (velocity <= 28)
		return velocity;
	return 16.0 * pow(1.038, velocity - 13);
}


static int32_t clamp_round(double v, int32_t lo, int32_t hi)
{
	double r = round(v);

	if (!(r >= lo))      /* also catches NaN */
		return lo;
	return r > hi ? hi : (int32_t)r;
}


void sds_lip_set_pos(struct sds_lip *lip, double lat, double lon)
{
	if (!lip)
		return;
	lip->lat_raw = clamp_round(lat * (1 << 24) / 180.0,
				   -(1 << 23), (1 << 23) - 1);
	lip->lon_raw = clamp_round(lon * (1 << 25) / 360.0,
				   -(1 << 24), (1 << 24) - 1);
	lip->lat = lip->lat_raw * 180.0 / (1 << 24);
	lip->lon = lip->lon_raw * 360.0 / (1 << 25);
}


static int lip_decode(struct sds_lip *lip, const uint8_t *buf,
		      size_t bits, const char **reason)
{
	struct bits b = {(uint8_t *)(uintptr_t)buf, 8, bits};

	if (bits < LIP_BITS) {
		*reason = "LIP report too short";
		return EBADMSG;
	}
	if (bget(&b, 2) != 0) {
		*reason = "LIP: only the short location report is handled";
		return ENOTSUP;
	}
	if (bits > LIP_BITS + 7) {
		*reason = "LIP short report has trailing data";
		return EBADMSG;
	}
	memset(lip, 0, sizeof(*lip));
	for (size_t i = 0; i < ARRAY_SIZE(liptab); i++) {
		const struct lfield *f = &liptab[i];
		uint32_t v = bget(&b, f->bits);
		uint8_t *p = (uint8_t *)lip + f->off;

		if (f->size == 1) {
			*p = (uint8_t)v;
			continue;
		}
		int32_t sv = (int32_t)v;
		if (f->sign && v >> (f->bits - 1))
			sv = (int32_t)(v | ~((1u << f->bits) - 1));
		memcpy(p, &sv, sizeof(sv));
	}
	lip->lat = lip->lat_raw * 180.0 / (1 << 24);
	lip->lon = lip->lon_raw * 360.0 / (1 << 25);
	return 0;
}


static int lip_encode(uint8_t *buf, size_t size, size_t *bitsp,
		      const struct sds_lip *lip, const char **reason)
{
	struct bits b = {buf, 0, LIP_BITS};

	if (size * 8 < LIP_BITS) {
		*reason = "buffer too small";
		return EOVERFLOW;
	}
	if (lip->lat_raw < -(1 << 23) || lip->lat_raw >= (1 << 23) ||
	    lip->lon_raw < -(1 << 24) || lip->lon_raw >= (1 << 24) ||
	    lip->time_elapsed > 3 || lip->pos_err > 7 ||
	    lip->velocity > 127 || lip->direction > 15 || lip->add_type > 1) {
		*reason = "LIP field out of range";
		return EINVAL;
	}
	memset(buf, 0, (LIP_BITS + 7) / 8);
	bput(&b, SDS_PID_LIP, 8);
	bput(&b, 0, 2);
	for (size_t i = 0; i < ARRAY_SIZE(liptab); i++) {
		const struct lfield *f = &liptab[i];
		const uint8_t *p = (const uint8_t *)lip + f->off;
		int32_t sv;
		uint32_t v;

		if (f->size == 1) {
			v = *p;
		}
		else {
			memcpy(&sv, p, sizeof(sv));
			v = (uint32_t)sv & ((1u << f->bits) - 1);
		}
		bput(&b, v, f->bits);
	}
	*bitsp = LIP_BITS;
	return 0;
}


/* 8-bit text from byte off on; the coding byte has been read */
static int text_body(struct sds_text *t, const uint8_t *buf, size_t n,
		     size_t off, const char **reason)
{
	if (t->coding == CODING_7BIT) {
		*reason = "7-bit text coding not supported";
		return ENOTSUP;
	}
	if (t->has_ts) {
		if (n < off + 3) {
			*reason = "text timestamp truncated";
			return EBADMSG;
		}
		t->ts = (uint32_t)buf[off] << 16 | buf[off + 1] << 8 |
			buf[off + 2];
		off += 3;
	}
	t->len = n - off;
	if (t->len > SDS_TEXT_MAX) {
		*reason = "text too long";
		return EBADMSG;
	}
	memcpy(t->text, buf + off, t->len);
	t->text[t->len] = '\0';
	return 0;
}


static int tl_decode(struct sds_msg *m, const uint8_t *buf, size_t n,
		     const char **reason)
{
	struct sds_text *t = &m->text;

	if (n < 4) {
		*reason = "SDS-TL PDU too short";
		return EBADMSG;
	}
	t->msg_type = buf[1] >> 4;
	switch (t->msg_type) {
	case 0:   /* SDS-TRANSFER */
		t->dr_req = (buf[1] >> 2) & 3;
		t->short_form = !(buf[1] & TL_SSEL);
		if (buf[1] & TL_SFC) {
			*reason = "store/forward control not supported";
			return ENOTSUP;
		}
		t->ref = buf[2];
		t->has_ts = buf[3] & TXT_TS;
		t->coding = buf[3] & 0x7f;
		m->kind = SDS_TEXT;
		return text_body(t, buf, n, 4, reason);
	case 1:   /* SDS-REPORT */
	case 2:   /* SDS-ACK */
		t->dr_req = (buf[1] & TL_ACKREQ) ? 1 : 0;
		t->status = buf[2];
		t->ref = buf[3];
		m->kind = SDS_REPORT;
		return 0;
	default:
		*reason = "unknown SDS-TL message type";
		return EBADMSG;
	}
}


int sds_decode(struct sds_msg *m, unsigned ai_service, const uint8_t *buf,
	       size_t bits, const char **reason)
{
	const char *dummy;
	size_t n = bits / 8;

	if (!reason)
		reason = &dummy;
	if (!m || !buf) {
		*reason = "no message";
		return EINVAL;
	}
	memset(m, 0, sizeof(*m));
	if (ai_service == SDS_AI_STATUS) {
		if (bits != 16) {
			*reason = "status must be 16 bits";
			return EBADMSG;
		}
		m->kind = SDS_STATUS;
		m->status = (uint16_t)(buf[0] << 8 | buf[1]);
		return 0;
	}
	if (ai_service != SDS_AI_SDSTL) {
		*reason = "AI service is not SDS-TL or status";
		return ENOTSUP;
	}
	if (bits < 8) {
		*reason = "no protocol identifier";
		return EBADMSG;
	}
	m->pid = buf[0];
	switch (m->pid) {
	case SDS_PID_LIP:
		m->kind = SDS_LIP;
		return lip_decode(&m->lip, buf, bits, reason);
	case SDS_PID_SIMPLE_TEXT:
	case SDS_PID_SIMPLE_IMM:
		if (n < 2) {
			*reason = "simple text too short";
			return EBADMSG;
		}
		m->kind = SDS_TEXT;
		m->text.coding = buf[1] & 0x7f;   /* bit 7 is a fill bit */
		return text_body(&m->text, buf, n, 2, reason);
	case SDS_PID_TEXT:
	case SDS_PID_TEXT_IMM:
		return tl_decode(m, buf, n, reason);
	default:
		*reason = "protocol identifier not supported";
		return ENOTSUP;
	}
}


static int text_encode(uint8_t *buf, size_t size, size_t *np,
		       const struct sds_msg *m, const char **reason)
{
	const struct sds_text *t = &m->text;
	bool simple = m->pid == SDS_PID_SIMPLE_TEXT ||
		      m->pid == SDS_PID_SIMPLE_IMM;
	size_t n = 0, need;

	if (!simple && m->pid != SDS_PID_TEXT && m->pid != SDS_PID_TEXT_IMM) {
		*reason = "not a text protocol identifier";
		return EINVAL;
	}
	if (t->coding == CODING_7BIT || t->coding > 0x7f || t->dr_req > 3 ||
	    t->len > SDS_TEXT_MAX || (simple && t->has_ts)) {
		*reason = "text field out of range";
		return EINVAL;
	}
	need = (simple ? 2 : 4) + (t->has_ts ? 3 : 0) + t->len;
	if (need > size || need * 8 > 2047) {
		*reason = "text too long for one SDS";
		return EOVERFLOW;
	}
	buf[n++] = m->pid;
	if (!simple) {
		buf[n++] = (uint8_t)(t->dr_req << 2 |
				     (t->short_form ? 0 : TL_SSEL));
		buf[n++] = t->ref;
	}
	buf[n++] = (uint8_t)(t->coding | (t->has_ts ? TXT_TS : 0));
	if (t->has_ts) {
		buf[n++] = (uint8_t)(t->ts >> 16);
		buf[n++] = (uint8_t)(t->ts >> 8);
		buf[n++] = (uint8_t)t->ts;
	}
	memcpy(buf + n, t->text, t->len);
	*np = n + t->len;
	return 0;
}


int sds_encode(uint8_t *buf, size_t size, size_t *bitsp,
	       unsigned *ai_service, const struct sds_msg *m,
	       const char **reason)
{
	const char *dummy;
	size_t n = 0;
	int err;

	if (!reason)
		reason = &dummy;
	if (!buf || !bitsp || !ai_service || !m) {
		*reason = "no message";
		return EINVAL;
	}
	*ai_service = SDS_AI_SDSTL;
	switch (m->kind) {
	case SDS_STATUS:
		if (size < 2)
			goto small;
		buf[0] = (uint8_t)(m->status >> 8);
		buf[1] = (uint8_t)m->status;
		*ai_service = SDS_AI_STATUS;
		*bitsp = 16;
		return 0;
	case SDS_LIP:
		return lip_encode(buf, size, bitsp, &m->lip, reason);
	case SDS_TEXT:
		err = text_encode(buf, size, &n, m, reason);
		if (!err)
			*bitsp = n * 8;
		return err;
	case SDS_REPORT:
		if (m->text.msg_type < 1 || m->text.msg_type > 2 ||
		    (m->pid != SDS_PID_TEXT && m->pid != SDS_PID_TEXT_IMM)) {
			*reason = "report needs a TL protocol and type 1/2";
			return EINVAL;
		}
		if (size < 4)
			goto small;
		buf[0] = m->pid;
		buf[1] = (uint8_t)(m->text.msg_type << 4 |
				   (m->text.dr_req ? TL_ACKREQ : 0));
		buf[2] = m->text.status;
		buf[3] = m->text.ref;
		*bitsp = 32;
		return 0;
	}
	*reason = "unknown message kind";
	return EINVAL;
 small:
	*reason = "buffer too small";
	return EOVERFLOW;
}


static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}


int sds_hex_decode(uint8_t *buf, size_t size, size_t *np, const char *hex,
		   size_t len)
{
	if (!buf || !np || !hex)
		return EINVAL;
	if (len % 2)
		return EBADMSG;
	if (len / 2 > size)
		return EOVERFLOW;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexv(hex[i]), lo = hexv(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return EBADMSG;
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*np = len / 2;
	return 0;
}
