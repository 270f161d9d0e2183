/**
 * @file pei.c  TETRA PEI line parser (EN 300 392-5 / TS 100 392-5)
 *
 * Where each result's fields go lives in rtab[]; fields whose meaning
 * the public sources do not give are kept only as raw integers in
 * ev->param[] so that nothing is thrown away.  The byte-level machine
 * decides everything per byte, so any split of the input into chunks
 * yields the same events.
 */
#include <re.h>
#include <errno.h>
#include <string.h>
#include "radio/tetra/pei.h"

enum { CTRL_Z = 0x1a };

/* Where a field of a result goes */
enum slot {
	S_RAW = 0, S_CCI, S_CODE, S_AI, S_HOOK, S_SIMPLEX, S_E2EE, S_COMMS,
	S_CODEC, S_PRIO, S_CAUSE, S_PERM, S_IDT, S_ID, S_ID2T, S_ID2,
	S_BITS,
};

struct rdesc {
	const char      *name;
	enum pei_ev_type type;
	uint8_t          min;     /* fields that must be present */
	uint8_t          slot[PEI_PARAM_MAX];
};

/* +CTOCP, +CTCC, +CTXI, +CTXW, +CTXC, +CNUMS: only the leading fields
 * are known for sure (radio-protocols.md §4.2); the rest stay raw. */
static const struct rdesc rtab[] = {
	{"+CTICN",  PEI_EV_CTICN, 3, {S_CCI, S_CODE, S_AI, S_IDT, S_ID,
		S_HOOK, S_SIMPLEX, S_E2EE, S_COMMS, S_CODEC, S_ID2T, S_ID2,
		S_PRIO}},
	{"+CTOCP",  PEI_EV_CTOCP, 2, {S_CCI, S_CODE, S_AI}},
	{"+CTCC",   PEI_EV_CTCC,  1, {S_CCI}},
	{"+CTCR",   PEI_EV_CTCR,  2, {S_CCI, S_CAUSE}},
	{"+CTXG",   PEI_EV_CTXG,  2, {S_CCI, S_CODE, S_PERM, S_E2EE, S_IDT,
		S_ID}},
	{"+CDTXC",  PEI_EV_TX_CEASED, 1, {S_CCI, S_PERM}},
	{"+CTXC",   PEI_EV_TX_CEASED, 1, {S_CCI, S_PERM}},
	{"+CTXI",   PEI_EV_CTXI,  1, {S_CCI}},
	{"+CTXW",   PEI_EV_CTXW,  1, {S_CCI}},
	{"+CMGS",   PEI_EV_CMGS,  1, {S_RAW}},
	{"+CNUMF",  PEI_EV_CNUM,  2, {S_IDT, S_ID}},
	{"+CNUMS",  PEI_EV_CNUM,  2, {S_IDT, S_ID}},
	{"+CTGS",   PEI_EV_CTGS,  2, {S_IDT, S_ID}},
};

/* +CTSDSR comes with 3, 4, 6 or 7 fields depending on the radio
 * (ftl/tetra-pei sds.go, after TS 100 392-5 V2.7.1 §6.13.3) */
static const struct rdesc sdstab[] = {
	{"+CTSDSR", PEI_EV_SDS, 3, {S_AI, S_ID2, S_BITS}},
	{"+CTSDSR", PEI_EV_SDS, 4, {S_AI, S_ID2, S_ID2T, S_BITS}},
	{"+CTSDSR", PEI_EV_SDS, 6, {S_AI, S_ID, S_IDT, S_ID2, S_ID2T,
		S_BITS}},
	{"+CTSDSR", PEI_EV_SDS, 7, {S_AI, S_ID, S_IDT, S_ID2, S_ID2T,
		S_BITS, S_E2EE}},
};

static const struct {
	const char      *word;
	enum pei_ev_type type;
} words[] = {
	{"OK",          PEI_EV_OK},
	{"ERROR",       PEI_EV_ERROR},
	{"NO CARRIER",  PEI_EV_ERROR},
	{"BUSY",        PEI_EV_ERROR},
	{"NO ANSWER",   PEI_EV_ERROR},
	{"NO DIALTONE", PEI_EV_ERROR},
};

/* What a terminal prints when it (re)starts is vendor specific and not
 * in EN 300 392-5: these are the usual V.250 modem banners.  INFERRED. */
static const char *const banners[] = {
	"RDY", "^SYSSTART", "+SYSSTART", "START", "READY",
};

static const char *const evnames[] = {
	"OK", "ERROR", "CME ERROR", "PROMPT", "ECHO", "REBOOT", "CTICN",
	"CTOCP", "CTCC", "CTCR", "CTXG", "TX CEASED", "CTXI", "CTXW", "SDS",
	"CMGS", "CNUM", "CTGS", "UNKNOWN", "BAD",
};

struct pei {
	pei_ev_h *evh;
	void     *arg;
	char      buf[PEI_LINE_MAX + 1];
	size_t    len;
	bool      overflow;
	bool      sds_wait;          /* +CTSDSR seen, payload next */
	struct pei_ev sds;
	char      hdr[PEI_LINE_MAX + 1];
};


const char *pei_ev_name(enum pei_ev_type type)
{
	if ((size_t)type >= ARRAY_SIZE(evnames))
		return "?";
	return evnames[type];
}


/* +CTCR disconnect causes (radio-protocols.md §4.2, after svxlink's
 * TetraLib.h DisconnectCause[]); 23..30 are not assigned there */
static const char *const causes[] = {
	"unknown cause", "user request", "called party busy",
	"called party not reachable", "called party does not support "
	"encryption", "network congestion", "not allowed traffic",
	"incompatible traffic", "service not available", "pre-emption",
	"invalid call identifier", "called party rejection",
	"no idle CC entity", "timer expiry", "SwMI disconnect",
	"no acknowledgement", "unknown TETRA identity", "SS dependent",
	"unknown external subscriber number", "call restoration failed",
	"called party requires encryption", "concurrent set-up not "
	"supported", "same DM-GATE", NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, "unacceptable service", "pre-emption by a "
	"late-entering gateway", "DM-REP link failed", "gateway link failed",
	"rejected by the gateway", "V+D set-up failure", "V+D resource lost "
	"or call timer expired", "transmit authorisation lost",
	"channel occupied", "security parameter mismatch",
};


const char *pei_cause_str(int cause)
{
	if (cause < 0 || (size_t)cause >= ARRAY_SIZE(causes) ||
	    !causes[cause])
		return "unknown cause";
	return causes[cause];
}


static void ev_init(struct pei_ev *ev, const char *line)
{
	memset(ev, 0, sizeof(*ev));
	ev->line = line;
	ev->name = "";
	ev->code = ev->cci = ev->cause = ev->ai_service = -1;
	ev->hook = ev->simplex = ev->e2ee = ev->comms_type = -1;
	ev->codec = ev->prio = ev->tx_perm = -1;
	ev->id_type = ev->id2_type = -1;
}


/* A decimal of at most 9 digits (fits an int), else -1 */
static int num(const char *s, size_t n)
{
	int v = 0;

	if (!n || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}


static int *int_slot(struct pei_ev *ev, enum slot s)
{
	switch (s) {
	case S_CCI:     return &ev->cci;
	case S_CODE:    return &ev->code;
	case S_AI:      return &ev->ai_service;
	case S_HOOK:    return &ev->hook;
	case S_SIMPLEX: return &ev->simplex;
	case S_E2EE:    return &ev->e2ee;
	case S_COMMS:   return &ev->comms_type;
	case S_CODEC:   return &ev->codec;
	case S_PRIO:    return &ev->prio;
	case S_CAUSE:   return &ev->cause;
	case S_PERM:    return &ev->tx_perm;
	case S_IDT:     return &ev->id_type;
	case S_ID2T:    return &ev->id2_type;
	default:        return NULL;
	}
}


static int put_field(struct pei_ev *ev, enum slot s, const char *f,
		     size_t n, const char **reason)
{
	char *id = s == S_ID ? ev->id : s == S_ID2 ? ev->id2 : NULL;
	int v = num(f, n), *ip;

	if (id) {
		if (!n) {
			*reason = "identity missing";
			return EBADMSG;
		}
		for (size_t i = 0; i < n; i++) {
			if (f[i] < '0' || f[i] > '9') {
				*reason = "identity is not a number";
				return EBADMSG;
			}
		}
		if (n >= PEI_ID_MAX) {
			*reason = "identity too long";
			return EBADMSG;
		}
		memcpy(id, f, n);
		id[n] = '\0';
		return 0;
	}
	if (s == S_BITS) {
		if (v <= 0 || v > PEI_SDS_MAX * 8 - 1) {
			*reason = "SDS length out of range";
			return EBADMSG;
		}
		ev->sds_bits = (size_t)v;
		return 0;
	}
	ip = int_slot(ev, s);
	if (ip) {
		if (v < 0) {
			*reason = "field is not a number";
			return EBADMSG;
		}
		*ip = v;
	}
	return 0;
}


/* Split "a, b,,c" into trimmed fields; count them into ev->nparam */
static size_t split(const char *p, const char *fs[], size_t fl[],
		    struct pei_ev *ev)
{
	size_t n = 0;

	for (;;) {
		const char *e = p;

		while (*e && *e != ',')
			++e;
		const char *b = p, *t = e;
		while (b < t && *b == ' ')
			++b;
		while (t > b && t[-1] == ' ')
			--t;
		if (n < PEI_PARAM_MAX) {
			fs[n] = b;
			fl[n] = (size_t)(t - b);
			ev->param[n] = num(b, fl[n]);
		}
		++n;
		if (!*e)
			break;
		p = e + 1;
	}
	ev->nparam = (int)(n < PEI_PARAM_MAX ? n : PEI_PARAM_MAX);
	return n;
}


static int fill(struct pei_ev *ev, const struct rdesc *d, size_t n,
		const char *fs[], const size_t fl[], const char **reason)
{
	int err;

	if (n > PEI_PARAM_MAX) {
		*reason = "too many fields";
		return EBADMSG;
	}
	if (n < d->min) {
		*reason = "too few fields";
		return EBADMSG;
	}
	ev->type = d->type;
	ev->name = d->name;
	for (size_t i = 0; i < n; i++) {
		/* an empty optional field stays absent */
		if (!fl[i] && i >= d->min)
			continue;
		err = put_field(ev, (enum slot)d->slot[i], fs[i], fl[i],
				reason);
		if (err)
			return err;
	}
	return 0;
}


static int parse_result(struct pei_ev *ev, const char *line,
			const char **reason)
{
	const char *colon = strchr(line, ':'), *fs[PEI_PARAM_MAX];
	size_t nl = colon ? (size_t)(colon - line) : strlen(line);
	size_t fl[PEI_PARAM_MAX], n = 0;

	if (nl < 2 || nl > 16) {
		*reason = "bad result name";
		return EBADMSG;
	}
	if (colon)
		n = split(colon + 1, fs, fl, ev);

	if (nl == 7 && !strncmp(line, "+CTSDSR", 7)) {
		for (size_t i = 0; i < ARRAY_SIZE(sdstab); i++) {
			if (sdstab[i].min == n)
				return fill(ev, &sdstab[i], n, fs, fl,
					    reason);
		}
		*reason = "+CTSDSR: wrong field count";
		return EBADMSG;
	}
	for (size_t i = 0; i < ARRAY_SIZE(rtab); i++) {
		if (strlen(rtab[i].name) == nl &&
		    !strncmp(line, rtab[i].name, nl))
			return fill(ev, &rtab[i], n, fs, fl, reason);
	}
	ev->type = PEI_EV_UNKNOWN;
	return 0;
}


int pei_line_parse(struct pei_ev *ev, const char *line,
		   const char **reason)
{
	const char *dummy;

	if (!ev || !line)
		return EINVAL;
	if (!reason)
		reason = &dummy;
	ev_init(ev, line);

	for (const char *c = line; *c; c++) {
		if ((uint8_t)*c < 0x20 || (uint8_t)*c > 0x7e) {
			ev->type = PEI_EV_BAD;
			*reason = ev->reason = "non-printable byte";
			return EBADMSG;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strcmp(line, words[i].word)) {
			ev->type = words[i].type;
			return 0;
		}
	}
	if (!strncmp(line, "+CME ERROR:", 11)) {
		const char *v = line + 11;

		while (*v == ' ')
			++v;
		if (!*v) {
			ev->type = PEI_EV_BAD;
			*reason = ev->reason = "+CME ERROR without a code";
			return EBADMSG;
		}
		ev->type = PEI_EV_CME_ERROR;
		ev->name = "+CME ERROR";
		ev->code = num(v, strlen(v));
		return 0;
	}
	if (!strncasecmp(line, "AT", 2)) {
		ev->type = PEI_EV_ECHO;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(banners); i++) {
		if (!strcmp(line, banners[i])) {
			ev->type = PEI_EV_REBOOT;
			return 0;
		}
	}
	if (line[0] == '+') {
		int err = parse_result(ev, line, reason);

		/* no half-filled fields on a rejected line */
		if (err) {
			ev_init(ev, line);
			ev->type = PEI_EV_BAD;
			ev->reason = *reason;
		}
		return err;
	}
	ev->type = PEI_EV_UNKNOWN;
	return 0;
}


static void emit_bad(struct pei *p, const char *line, const char *reason)
{
	struct pei_ev ev;

	ev_init(&ev, line);
	ev.type = PEI_EV_BAD;
	ev.reason = reason;
	p->evh(&ev, p->arg);
}


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}


/* The line after +CTSDSR; false if it is not a payload after all */
static bool sds_payload(struct pei *p, const char *line, size_t len)
{
	struct pei_ev *ev = &p->sds;

	if (len * 4 < ev->sds_bits || (len + 1) / 2 > PEI_SDS_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (hexval(line[i]) < 0)
			return false;
	}
	memset(ev->sds, 0, sizeof(ev->sds));
	for (size_t i = 0; i < len; i++)
		ev->sds[i / 2] |= (uint8_t)(hexval(line[i]) << (i & 1 ? 0 : 4));
	ev->line = p->hdr;
	p->evh(ev, p->arg);
	return true;
}


static void end_line(struct pei *p, bool ctrlz)
{
	struct pei_ev ev;
	const char *reason = NULL;
	size_t len = p->len;

	p->buf[len] = '\0';
	p->len = 0;
	if (p->overflow) {
		p->overflow = false;
		p->sds_wait = false;
		emit_bad(p, p->buf, "line too long");
		return;
	}
	if (!len)
		return;
	if (ctrlz) {
		/* only our own SDS data ends in Ctrl-Z: it is an echo */
		ev_init(&ev, p->buf);
		ev.type = PEI_EV_ECHO;
		p->evh(&ev, p->arg);
		return;
	}
	if (p->sds_wait) {
		p->sds_wait = false;
		if (sds_payload(p, p->buf, len))
			return;
		emit_bad(p, p->hdr, "+CTSDSR without its payload");
	}
	if (pei_line_parse(&ev, p->buf, &reason)) {
		ev.type = PEI_EV_BAD;
		ev.reason = reason;
	}
	else if (ev.type == PEI_EV_SDS) {
		memcpy(p->hdr, p->buf, len + 1);
		p->sds = ev;
		p->sds_wait = true;
		return;
	}
	p->evh(&ev, p->arg);
}


void pei_feed(struct pei *p, const uint8_t *buf, size_t len)
{
	if (!p || !buf)
		return;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (c == '\r' || c == '\n' || c == CTRL_Z) {
			end_line(p, c == CTRL_Z);
			continue;
		}
		if (p->len == 1 && p->buf[0] == '>' && c == ' ') {
			struct pei_ev ev;

			p->len = 0;
			ev_init(&ev, "> ");
			ev.type = PEI_EV_PROMPT;
			p->evh(&ev, p->arg);
			continue;
		}
		if (p->len >= PEI_LINE_MAX) {
			p->overflow = true;
			continue;
		}
		p->buf[p->len++] = (char)c;
	}
}


void pei_reset(struct pei *p)
{
	if (!p)
		return;
	p->len = 0;
	p->overflow = false;
	p->sds_wait = false;
}


int pei_alloc(struct pei **pp, pei_ev_h *evh, void *arg)
{
	struct pei *p;

	if (!pp || !evh)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	p->evh = evh;
	p->arg = arg;
	*pp = p;
	return 0;
}


/* Commands.  The CTSDC strings follow svxlink's group call set-up
 * (AI service 0 speech, SSI addressing, hook 1, simplex 1, comms type 1
 * point-to-multipoint, slots/codec 1); for an individual call only the
 * comms type changes to 0 (point-to-point).  The meaning of the hook
 * value is INFERRED. */
enum akind {
	A_NONE,    /* literal                        */
	A_N,       /* one number: a->n <= max        */
	A_ID,      /* digits                         */
	A_N_PRIO,  /* a->n, a->prio <= max           */
	A_PRIO,    /* a->prio <= max                 */
	A_CMGS,    /* id, bits, hex data, Ctrl-Z     */
};

static const struct cdesc {
	enum akind  kind;
	unsigned    max;
	const char *fmt;
} ctab[PEI_CMD_COUNT] = {
	[PEI_CMD_PROBE]        = {A_NONE, 0, "AT\r"},
	[PEI_CMD_RESET]        = {A_NONE, 0, "ATZ\r"},
	[PEI_CMD_ECHO_OFF]     = {A_NONE, 0, "ATE0\r"},
	[PEI_CMD_CTOM]         = {A_N,    6, "AT+CTOM=%u\r"},
	[PEI_CMD_CTSP_VOICE]   = {A_NONE, 0, "AT+CTSP=2,0,0\r"},
	[PEI_CMD_CTSP_TEXT]    = {A_NONE, 0, "AT+CTSP=1,3,130\r"},
	[PEI_CMD_CTSP_STATUS]  = {A_NONE, 0, "AT+CTSP=1,2,20\r"},
	[PEI_CMD_CTSP_LIP]     = {A_NONE, 0, "AT+CTSP=1,3,10\r"},
	[PEI_CMD_CTSP_GROUP]   = {A_NONE, 0, "AT+CTSP=1,1,11\r"},
	[PEI_CMD_CNUMF]        = {A_NONE, 0, "AT+CNUMF?\r"},
	[PEI_CMD_CTGS]         = {A_ID,   0, "AT+CTGS=1,%s\r"},
	[PEI_CMD_CTSDC_GROUP]  = {A_PRIO, 15,
				  "AT+CTSDC=0,0,0,1,1,0,1,1,0,%u,0\r"},
	[PEI_CMD_CTSDC_INDIV]  = {A_PRIO, 15,
				  "AT+CTSDC=0,0,0,1,1,0,0,1,0,%u,0\r"},
	[PEI_CMD_DIAL]         = {A_ID,   0, "ATD%s\r"},
	[PEI_CMD_ANSWER]       = {A_NONE, 0, "ATA\r"},
	[PEI_CMD_HANGUP]       = {A_NONE, 0, "ATH\r"},
	[PEI_CMD_CTXD]         = {A_N_PRIO, 3, "AT+CTXD=%u,%u\r"},
	[PEI_CMD_CUTXC]        = {A_N,    999, "AT+CUTXC=%u\r"},
	[PEI_CMD_CTSDS_SDSTL]  = {A_NONE, 0, "AT+CTSDS=12,0\r"},
	[PEI_CMD_CTSDS_STATUS] = {A_NONE, 0, "AT+CTSDS=13,0\r"},
	[PEI_CMD_CMGS]         = {A_CMGS, 0, "AT+CMGS=%s,%zu\r\n"},
};


static bool digits_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (!n || n >= PEI_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (id[i] < '0' || id[i] > '9')
			return false;
	}
	return true;
}


static int cmgs(struct pei_line *out, const char *fmt,
		const struct pei_arg *a, const char **reason)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t nb = (a->bits + 7) / 8;
	int n;

	if (!a->data || !a->bits || a->bits > PEI_SDS_MAX * 8 - 1) {
		*reason = "SDS length out of range";
		return EINVAL;
	}
	n = snprintf(out->s, sizeof(out->s), fmt, a->id, a->bits);
	if (n < 0 || (size_t)n + nb * 2 + 2 > sizeof(out->s)) {
		*reason = "command too long";
		return EOVERFLOW;
	}
	out->len = (size_t)n;
	for (size_t i = 0; i < nb; i++) {
		out->s[out->len++] = hx[a->data[i] >> 4];
		out->s[out->len++] = hx[a->data[i] & 15];
	}
	out->s[out->len++] = CTRL_Z;
	out->s[out->len] = '\0';
	return 0;
}


int pei_cmd_build(struct pei_line *out, enum pei_cmd cmd,
		  const struct pei_arg *a, const char **reason)
{
	static const struct pei_arg none;
	const struct cdesc *d;
	const char *dummy;
	int n = 0;

	if (!reason)
		reason = &dummy;
	if (!out || (unsigned)cmd >= PEI_CMD_COUNT) {
		*reason = "no such command";
		return EINVAL;
	}
	if (!a)
		a = &none;
	d = &ctab[cmd];
	if (d->kind == A_ID || d->kind == A_CMGS) {
		if (!digits_ok(a->id)) {
			*reason = "identity must be 1-23 digits";
			return EINVAL;
		}
	}
	if ((d->kind == A_N && a->n > d->max) ||
	    (d->kind == A_N_PRIO && (a->n > 999 || a->prio > d->max)) ||
	    (d->kind == A_PRIO && a->prio > d->max)) {
		*reason = "argument out of range";
		return EINVAL;
	}

	switch (d->kind) {
	case A_NONE:   n = snprintf(out->s, sizeof(out->s), "%s", d->fmt);
		       break;
	case A_N:      n = snprintf(out->s, sizeof(out->s), d->fmt, a->n);
		       break;
	case A_ID:     n = snprintf(out->s, sizeof(out->s), d->fmt, a->id);
		       break;
	case A_PRIO:   n = snprintf(out->s, sizeof(out->s), d->fmt,
				    a->prio);
		       break;
	case A_N_PRIO: n = snprintf(out->s, sizeof(out->s), d->fmt, a->n,
				    a->prio);
		       break;
	case A_CMGS:   return cmgs(out, d->fmt, a, reason);
	}
	out->len = (size_t)n;
	return 0;
}


/* Start-up order: reset, echo off (so replies are not doubled), mode,
 * route the services to us, learn our own identity, attach the group.
 * After a reboot the terminal has just reset itself, so reinit starts
 * with a bare AT to resynchronise instead of a second ATZ. */
static const enum pei_cmd startup[] = {
	PEI_CMD_RESET, PEI_CMD_ECHO_OFF, PEI_CMD_CTOM, PEI_CMD_CTSP_VOICE,
	PEI_CMD_CTSP_TEXT, PEI_CMD_CTSP_STATUS, PEI_CMD_CTSP_LIP,
	PEI_CMD_CTSP_GROUP, PEI_CMD_CTSDS_SDSTL, PEI_CMD_CNUMF, PEI_CMD_CTGS,
};

static const enum pei_cmd reinit[] = {
	PEI_CMD_PROBE, PEI_CMD_ECHO_OFF, PEI_CMD_CTOM, PEI_CMD_CTSP_VOICE,
	PEI_CMD_CTSP_TEXT, PEI_CMD_CTSP_STATUS, PEI_CMD_CTSP_LIP,
	PEI_CMD_CTSP_GROUP, PEI_CMD_CTSDS_SDSTL, PEI_CMD_CNUMF, PEI_CMD_CTGS,
};


static int seq(struct pei_line *v, size_t n, size_t *np,
	       const enum pei_cmd *tab, size_t ntab, unsigned mode,
	       const char *gtsi, const char **reason)
{
	struct pei_arg a = {.n = mode, .id = gtsi};
	const char *dummy;
	size_t k = 0;
	int err;

	if (!reason)
		reason = &dummy;
	if (!v || !np)
		return EINVAL;
	for (size_t i = 0; i < ntab; i++) {
		if (tab[i] == PEI_CMD_CTGS && !gtsi)
			continue;
		if (k >= n) {
			*reason = "sequence buffer too small";
			return EOVERFLOW;
		}
		err = pei_cmd_build(&v[k++], tab[i], &a, reason);
		if (err)
			return err;
	}
	*np = k;
	return 0;
}


int pei_seq_startup(struct pei_line *v, size_t n, size_t *np,
		    unsigned mode, const char *gtsi, const char **reason)
{
	return seq(v, n, np, startup, ARRAY_SIZE(startup), mode, gtsi,
		   reason);
}


int pei_seq_reinit(struct pei_line *v, size_t n, size_t *np,
		   unsigned mode, const char *gtsi, const char **reason)
{
	return seq(v, n, np, reinit, ARRAY_SIZE(reinit), mode, gtsi,
		   reason);
}
