/**
 * @file test_pei.c  TETRA PEI line parser and command builder
 *
 * Streams are written the way a terminal sends them (CRLF framing, echo,
 * unsolicited results between a command and its OK); examples are the
 * ones radio-protocols.md §4 quotes from svxlink and ftl/tetra-pei.  Each
 * stream is fed whole, split at every position and byte by byte, and
 * must give the same events every time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "radio/tetra/pei.h"

struct rec {
	char   sig[4096];
	size_t len;
};

static void add(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->sig + r->len, sizeof(r->sig) - r->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(r->sig) - r->len);
	r->len += (size_t)n;
}

/* One event as "NAME{field=value ...}", only the fields it carries */
static void on_ev(const struct pei_ev *ev, void *arg)
{
	struct rec *r = arg;
	static const struct {
		const char *n;
		size_t off;
	} f[] = {
#define F(x) {#x, offsetof(struct pei_ev, x)}
		F(code), F(cci), F(cause), F(ai_service), F(hook),
		F(simplex), F(e2ee), F(comms_type), F(codec), F(prio),
		F(tx_perm), F(id_type), F(id2_type),
#undef F
	};

	add(r, "%s{", pei_ev_name(ev->type));
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		int v;

		memcpy(&v, (const char *)ev + f[i].off, sizeof(v));
		if (v >= 0)
			add(r, "%s=%d ", f[i].n, v);
	}
	if (ev->id[0])
		add(r, "id=%s ", ev->id);
	if (ev->id2[0])
		add(r, "id2=%s ", ev->id2);
	if (ev->type == PEI_EV_SDS)
		add(r, "bits=%zu sds=%02X%02X ", ev->sds_bits, ev->sds[0],
		    ev->sds[1]);
	if (ev->type == PEI_EV_BAD) {
		assert_non_null(ev->reason);
		assert_true(strlen(ev->reason) > 0);
	}
	add(r, "}");
}

static const struct {
	const char *in;
	const char *want;
} streams[] = {
	/* echo of our command, then OK; CR-only, LF-only, LFCR framing */
	{"AT+CTGS=1,1001\r\r\nOK\r\n", "ECHO{}OK{}"},
	{"\nOK\n\rERROR\r", "OK{}ERROR{}"},
	/* talker granted and released between a command and its OK */
	{"ATH\r\r\n+CTXG: 1,3,0,0,5,09011638300023404\r\n\r\n+CDTXC: 1,0"
	 "\r\n\r\nOK\r\n",
	 "ECHO{}CTXG{code=3 cci=1 e2ee=0 tx_perm=0 id_type=5 "
	 "id=09011638300023404 }TX CEASED{cci=1 tx_perm=0 }OK{}"},
	{"\r\n+CTICN: 1,0,0,5,09011638300023404,1,1,0,1,1,5,"
	 "09011638300000001,0\r\n",
	 "CTICN{code=0 cci=1 ai_service=0 hook=1 simplex=1 e2ee=0 "
	 "comms_type=1 codec=1 prio=0 id_type=5 id2_type=5 "
	 "id=09011638300023404 id2=09011638300000001 }"},
	{"+CTOCP: 1,2,0\r\n+CTCC: 1,1,1,0\r\n+CTXI: 1\r\n+CTXW: 1,0\r\n"
	 "+CTXC: 1,0\r\n+CTCR: 1,13\r\n",
	 "CTOCP{code=2 cci=1 ai_service=0 }CTCC{cci=1 }CTXI{cci=1 }"
	 "CTXW{cci=1 }TX CEASED{cci=1 tx_perm=0 }CTCR{cci=1 cause=13 }"},
	/* SDS header and payload line (svxlink's example) */
	{"\r\n+CTSDSR: 12,23404,0,23401,0,112\r\n"
	 "82040801476A61746A616A676A61\r\n",
	 "SDS{ai_service=12 id_type=0 id2_type=0 id=23404 id2=23401 "
	 "bits=112 sds=8204 }"},
	{"+CTSDSR: 13,23401,16\r\n\r\n8005\r\n",
	 "SDS{ai_service=13 id2=23401 bits=16 sds=8005 }"},
	/* header whose payload never comes: reported, next line kept */
	{"+CTSDSR: 13,23404,0,23401,0,16\r\n+CTCR: 1,1\r\n",
	 "BAD{}CTCR{cci=1 cause=1 }"},
	{"+CME ERROR: 35\r\n+CME ERROR: invalid index\r\n",
	 "CME ERROR{code=35 }CME ERROR{}"},
	{"NO CARRIER\r\nBUSY\r\n", "ERROR{}ERROR{}"},
	{"+CTBOGUS: 1,2\r\nHELLO\r\nOK\r\n", "UNKNOWN{}UNKNOWN{}OK{}"},
	{"\r\nRDY\r\n", "REBOOT{}"},
	{"AT+CMGS=23401,16\r\r\n> 8005\x1a\r\n+CMGS: 0,4,5\r\nOK\r\n",
	 "ECHO{}PROMPT{}ECHO{}CMGS{}OK{}"},
	{"+CNUMF: 6,09011638300023401\r\n+CTGS: 1,09011638300000001\r\n",
	 "CNUM{id_type=6 id=09011638300023401 }"
	 "CTGS{id_type=1 id=09011638300000001 }"},
	/* malformed known results are reported, parsing goes on */
	{"+CTCR: x,1\r\n+CTXG: 1\r\n+CTICN: 1,0,0,5,12ab\r\n"
	 "+CME ERROR:\r\nOK\r\n",
	 "BAD{}BAD{}BAD{}BAD{}OK{}"},
	{"+CTSDSR: 12,1,0,2,0,0\r\n+CTSDSR: 12,1\r\n", "BAD{}BAD{}"},
	{"\x01\x02\r\nOK\r\n", "BAD{}OK{}"},
};


static void feed_split(const char *in, size_t len, size_t cut, size_t step,
		       struct rec *r)
{
	struct pei *p;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pei_alloc(&p, on_ev, r), 0);
	pei_feed(p, (const uint8_t *)in, cut);
	for (size_t i = cut; i < len; i += step) {
		size_t n = len - i < step ? len - i : step;

		pei_feed(p, (const uint8_t *)in + i, n);
	}
	mem_deref(p);
}


static void test_streams(void **state)
{
	struct rec r;

	for (size_t i = 0; i < ARRAY_SIZE(streams); i++) {
		const char *in = streams[i].in;
		size_t len = strlen(in);

		for (size_t cut = 0; cut <= len; cut++) {
			feed_split(in, len, cut, len ? len : 1, &r);
			if (strcmp(r.sig, streams[i].want))
				print_error("stream %zu cut %zu: %s\n", i,
					    cut, r.sig);
			assert_string_equal(r.sig, streams[i].want);
		}
		feed_split(in, len, 0, 1, &r);
		assert_string_equal(r.sig, streams[i].want);
	}
}


static void test_long_line(void **state)
{
	char in[PEI_LINE_MAX + 64];
	struct rec r;

	memset(in, 'A' + 1, PEI_LINE_MAX + 10);
	strcpy(in + PEI_LINE_MAX + 10, "\r\nOK\r\n");
	feed_split(in, strlen(in), 0, 7, &r);
	assert_string_equal(r.sig, "BAD{}OK{}");
}


static void test_line_parse(void **state)
{
	struct pei_ev ev;
	const char *reason = NULL;

	assert_int_equal(pei_line_parse(&ev, "+CTXG: 1,0,1,0", &reason), 0);
	assert_int_equal(ev.type, PEI_EV_CTXG);
	assert_int_equal(ev.code, 0);
	assert_string_equal(ev.id, "");
	assert_int_equal(ev.nparam, 4);
	assert_int_equal(ev.param[2], 1);

	assert_int_equal(pei_line_parse(&ev, "+CTCR: 1,99999999999",
					&reason), EBADMSG);
	assert_non_null(reason);
	assert_int_equal(ev.type, PEI_EV_BAD);
	assert_ptr_equal(ev.reason, reason);
	assert_int_equal(ev.cci, -1);

	assert_int_equal(pei_line_parse(&ev,
		"+CNUMF: 6,123456789012345678901234", &reason), EBADMSG);
	assert_int_equal(pei_line_parse(&ev,
		"+CTXG: 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", &reason),
		EBADMSG);
	assert_int_equal(pei_line_parse(&ev, "+X", &reason), 0);
	assert_int_equal(ev.type, PEI_EV_UNKNOWN);
	assert_int_equal(pei_line_parse(NULL, "OK", &reason), EINVAL);
}


static void test_commands(void **state)
{
	static const uint8_t st[2] = {0x80, 0x05};
	static const struct {
		enum pei_cmd cmd;
		struct pei_arg a;
		const char *want;
	} ok[] = {
		{PEI_CMD_RESET,       {0}, "ATZ\r"},
		{PEI_CMD_ECHO_OFF,    {0}, "ATE0\r"},
		{PEI_CMD_CTOM,        {.n = 0}, "AT+CTOM=0\r"},
		{PEI_CMD_CTSP_VOICE,  {0}, "AT+CTSP=2,0,0\r"},
		{PEI_CMD_CTGS,        {.id = "1001"}, "AT+CTGS=1,1001\r"},
		{PEI_CMD_CTSDC_GROUP, {0}, "AT+CTSDC=0,0,0,1,1,0,1,1,0,0,0\r"},
		{PEI_CMD_CTSDC_INDIV, {.prio = 15},
		 "AT+CTSDC=0,0,0,1,1,0,0,1,0,15,0\r"},
		{PEI_CMD_DIAL,        {.id = "1001"}, "ATD1001\r"},
		{PEI_CMD_CTXD,        {.n = 1, .prio = 1}, "AT+CTXD=1,1\r"},
		{PEI_CMD_CUTXC,       {.n = 1}, "AT+CUTXC=1\r"},
		{PEI_CMD_HANGUP,      {0}, "ATH\r"},
		{PEI_CMD_CTSDS_STATUS, {0}, "AT+CTSDS=13,0\r"},
		{PEI_CMD_CMGS, {.id = "23401", .data = st, .bits = 16},
		 "AT+CMGS=23401,16\r\n8005\x1a"},
	};
	static const struct {
		enum pei_cmd cmd;
		struct pei_arg a;
	} bad[] = {
		{PEI_CMD_CTOM,  {.n = 7}},
		{PEI_CMD_CTXD,  {.n = 1, .prio = 4}},
		{PEI_CMD_DIAL,  {.id = "12a"}},
		{PEI_CMD_DIAL,  {.id = ""}},
		{PEI_CMD_CTGS,  {0}},
		{PEI_CMD_CMGS,  {.id = "1", .data = st, .bits = 0}},
		{PEI_CMD_CMGS,  {.id = "1", .data = st, .bits = 2048}},
		{PEI_CMD_COUNT, {0}},
	};
	struct pei_line l;
	const char *reason;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(pei_cmd_build(&l, ok[i].cmd, &ok[i].a,
					       NULL), 0);
		assert_string_equal(l.s, ok[i].want);
		assert_int_equal(l.len, strlen(ok[i].want));
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		reason = NULL;
		assert_int_equal(pei_cmd_build(&l, bad[i].cmd, &bad[i].a,
					       &reason), EINVAL);
		assert_non_null(reason);
	}
}


static void test_sequences(void **state)
{
	struct pei_line v[PEI_SEQ_MAX];
	size_t n;

	assert_int_equal(pei_seq_startup(v, PEI_SEQ_MAX, &n, 0, "1001",
					 NULL), 0);
	assert_int_equal(n, 11);
	assert_string_equal(v[0].s, "ATZ\r");
	assert_string_equal(v[1].s, "ATE0\r");
	assert_string_equal(v[2].s, "AT+CTOM=0\r");
	assert_string_equal(v[9].s, "AT+CNUMF?\r");
	assert_string_equal(v[10].s, "AT+CTGS=1,1001\r");

	assert_int_equal(pei_seq_startup(v, PEI_SEQ_MAX, &n, 1, NULL, NULL),
			 0);
	assert_int_equal(n, 10);
	assert_string_equal(v[2].s, "AT+CTOM=1\r");

	/* after a reboot: resynchronise, no second reset, group again */
	assert_int_equal(pei_seq_reinit(v, PEI_SEQ_MAX, &n, 0, "1001",
					 NULL), 0);
	assert_int_equal(n, 11);
	assert_string_equal(v[0].s, "AT\r");
	assert_string_equal(v[10].s, "AT+CTGS=1,1001\r");

	assert_int_equal(pei_seq_startup(v, 3, &n, 0, "1001", NULL),
			 EOVERFLOW);
	assert_int_equal(pei_seq_startup(v, PEI_SEQ_MAX, &n, 9, NULL, NULL),
			 EINVAL);
}


/* +CTCR causes in words, from the §4.2 table; gaps and junk say so */
static void test_causes(void **state)
{
	(void)state;
	assert_string_equal(pei_cause_str(1), "user request");
	assert_string_equal(pei_cause_str(11), "called party rejection");
	assert_string_equal(pei_cause_str(13), "timer expiry");
	assert_string_equal(pei_cause_str(40),
			    "security parameter mismatch");
	assert_string_equal(pei_cause_str(25), "unknown cause");
	assert_string_equal(pei_cause_str(41), "unknown cause");
	assert_string_equal(pei_cause_str(-1), "unknown cause");
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_line_parse),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_causes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
