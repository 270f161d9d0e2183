/**
 * @file tsim.c  `iccs-sim tetra`: the terminal's PEI on a TCP port
 *
 * Commands end in CR (CRLF accepted); the reply is the usual V.250 one:
 * unsolicited results (+CTICN, +CTXG, ...) may come between a command
 * and its OK, as a real terminal's do.  AT+CMGS takes its hex user data
 * up to Ctrl-Z.  What is accepted is what radio-protocols.md §4 lists;
 * the rest gets ERROR.
 *
 * Config (YAML, or JSON when the file does not end in .yaml/.yml; the
 * same keys, etc/tetra-sim.yaml):
 *   {"pei": "127.0.0.1:7001", "http": "127.0.0.1:8091",
 *    "rtp": "127.0.0.1:40000", "rtp_remote": "127.0.0.1:40010",
 *    "codec": "PCMA", "issi": "1001", "hang_time": 3,
 *    "groups": [{"gssi": "2001", "name": "Ops"}],
 *    "radios": [{"issi": "2345", "alias": "Bravo 1",
 *                "groups": ["2001"], "speech": "text or a .wav",
 *                "answer": "auto" | "manual" | "reject"}]}
 */
#include <string.h>
#include <stdarg.h>
#include <time.h>
#include <re.h>
#include <jansson.h>
#include "media/codec.h"
#include "core/log.h"
#include "radio/tetra/sds.h"
#include "common/heard.h"
#include "common/yaml_json.h"
#include "tsim.h"

enum { CTRL_Z = 0x1a, LINE_MAX_ = 1200 };


uint64_t ts_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}


struct ts_group *ts_group_find(struct tsim *s, const char *gssi)
{
	for (struct le *le = s->groups.head; gssi && le; le = le->next) {
		struct ts_group *g = le->data;

		if (!strcmp(g->gssi, gssi))
			return g;
	}
	return NULL;
}


struct ts_radio *ts_radio_find(struct tsim *s, const char *issi)
{
	for (struct le *le = s->radios.head; issi && le; le = le->next) {
		struct ts_radio *r = le->data;

		if (!strcmp(r->issi, issi))
			return r;
	}
	return NULL;
}


bool ts_radio_in(const struct ts_radio *r, const struct ts_group *g)
{
	for (unsigned i = 0; i < r->groupc; i++) {
		if (!strcmp(r->groups[i], g->gssi))
			return true;
	}
	return false;
}


/* One line to the bearer, CRLF around it as terminals do */
void ts_send(struct tsim *s, const char *fmt, ...)
{
	struct mbuf *mb;
	va_list ap;

	if (!s->tc)
		return;
	mb = mbuf_alloc(256);
	if (!mb)
		return;
	va_start(ap, fmt);
	(void)mbuf_write_str(mb, "\r");
	(void)mbuf_vprintf(mb, fmt, ap);
	(void)mbuf_write_str(mb, "\r");
	va_end(ap);
	mb->pos = 0;
	(void)tcp_send(s->tc, mb);
	mem_deref(mb);
}


/* ---- commands ---- */

/* AT+CMGS=<to>,<bits>CRLF<hex>: what the dispatcher sent, decoded */
static int cmgs(struct tsim *s, const char *line)
{
	const char *hex = strchr(line, '\n');
	const char *reason = NULL;
	uint8_t buf[256];
	struct sds_msg m;
	unsigned bits;
	char to[32];
	size_t n = 0;
	json_t *j = NULL;

	if (sscanf(line, "AT+CMGS=%23[0-9],%u", to, &bits) != 2 || !hex ||
	    sds_hex_decode(buf, sizeof(buf), &n, hex + 1, strlen(hex + 1)) ||
	    n * 8 < bits)
		return EBADMSG;
	if (sds_decode(&m, s->sds_ai, buf, bits, &reason)) {
		log_warn("tetra", "CMGS to %s: %s", to, reason);
		return EBADMSG;
	}
	if (m.kind == SDS_STATUS) {
		ts_emergency_sds(s, s->issi, to, m.status);
		j = json_pack("{s:s, s:s, s:i}", "to", to, "type", "status",
			      "status", m.status);
	}
	else if (m.kind == SDS_TEXT)
		j = json_pack("{s:s, s:s, s:s}", "to", to, "type", "text",
			      "text", m.text.text);
	if (j) {
		json_array_append_new(s->out, j);
		while (json_array_size(s->out) > TS_OUT_MAX)
			json_array_remove(s->out, 0);
	}
	ts_send(s, "+CMGS: 0,%u", (unsigned)json_array_size(s->out));
	return 0;
}


static int ctgs(struct tsim *s, const char *line)
{
	char gssi[24];
	struct ts_group *g;

	if (sscanf(line, "AT+CTGS=1,%23[0-9]", gssi) != 1)
		return EBADMSG;
	g = ts_group_find(s, gssi);
	if (!g)
		return ENOENT;
	g->attached = true;
	ts_send(s, "+CTGS: 1,%s", g->gssi);
	return 0;
}


static int num_cmd(struct tsim *s, const char *line)
{
	int cci = 0;
	unsigned prio = 0, v[11] = {0};

	if (sscanf(line, "AT+CTXD=%d,%u", &cci, &prio) == 2)
		return ts_txd(s, cci, prio);
	if (sscanf(line, "AT+CUTXC=%d", &cci) == 1)
		return ts_utxc(s, cci);
	if (sscanf(line, "AT+CTSDC=%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
		   &v[9], &v[10]) == 11) {
		s->ctsdc_simplex = v[4];
		s->ctsdc_comms = v[6];
		s->ctsdc_prio = v[9];
		return 0;
	}
	if (sscanf(line, "AT+CTSDS=%u", &v[0]) == 1) {
		if (v[0] != SDS_AI_SDSTL && v[0] != SDS_AI_STATUS)
			return EINVAL;
		s->sds_ai = v[0];
		return 0;
	}
	if (sscanf(line, "AT+CTOM=%u", &v[0]) == 1)
		return v[0] <= 6 ? 0 : EINVAL;
	return ENOSYS;
}


static int command(struct tsim *s, const char *line)
{
	static const char *const plain[] = {
		"AT", "ATZ", "ATE0", "AT+CTSP=2,0,0", "AT+CTSP=1,3,130",
		"AT+CTSP=1,2,20", "AT+CTSP=1,3,10", "AT+CTSP=1,1,11",
	};

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		if (!strcmp(line, plain[i]))
			return 0;
	}
	if (!strcmp(line, "AT+CNUMF?")) {
		ts_send(s, "+CNUMF: 0,%s", s->issi);
		return 0;
	}
	if (!strncmp(line, "AT+CMGS=", 8))
		return cmgs(s, line);
	if (!strncmp(line, "AT+CTGS=", 8))
		return ctgs(s, line);
	if (!strncmp(line, "ATD", 3))
		return ts_dial(s, line + 3);
	if (!strcmp(line, "ATA"))
		return ts_pc_answer(s);
	if (!strcmp(line, "ATH")) {
		ts_hangup(s, 1);
		return 0;
	}
	return num_cmd(s, line);
}


static void line_done(struct tsim *s, const char *line)
{
	int err;

	if (!*line)
		return;
	++s->cmds;
	if (s->mute)
		return;
	err = command(s, line);
	ts_send(s, err ? "ERROR" : "OK");
	if (err)
		log_info("tetra", "PEI: '%s': ERROR (%m)", line, err);
}


/* Bytes from the bearer: CR ends a command, except that AT+CMGS keeps
 * its CRLF and hex data up to Ctrl-Z */
static void pei_recv(struct mbuf *mb, void *arg)
{
	struct tsim *s = arg;

	while (mbuf_get_left(mb)) {
		uint8_t c = mbuf_read_u8(mb);
		struct mbuf *in = s->inb;
		bool cmgs_ = in->end >= 8 && !memcmp(in->buf, "AT+CMGS=", 8);
		char line[LINE_MAX_ + 1];

		if (c == '\n' && !in->end)
			continue;
		if ((c == '\r' && !cmgs_) || c == CTRL_Z) {
			size_t n = min(in->end, (size_t)LINE_MAX_);

			memcpy(line, in->buf, n);
			line[n] = 0;
			mbuf_reset(in);
			line_done(s, line);
			continue;
		}
		if (c == '\r')
			continue;   /* inside CMGS: the LF stays */
		if (in->end < LINE_MAX_)
			(void)mbuf_write_u8(in, c);
	}
}


static void pei_close(int err, void *arg)
{
	struct tsim *s = arg;

	log_info("tetra", "PEI connection closed (%m)", err);
	s->tc = mem_deref(s->tc);
	mbuf_reset(s->inb);
}


static void pei_conn(const struct sa *peer, void *arg)
{
	struct tsim *s = arg;

	/* one bearer at a time: a new one replaces the old */
	s->tc = mem_deref(s->tc);
	mbuf_reset(s->inb);
	if (tcp_accept(&s->tc, s->ts, NULL, pei_recv, pei_close, s))
		return;
	log_info("tetra", "PEI connection from %J", peer);
}


/* The terminal went away: the connection drops */
void ts_drop(struct tsim *s)
{
	ts_hangup(s, 0);
	s->tc = mem_deref(s->tc);
}


/* The terminal restarts: calls and the scan list are gone; it prints
 * its start-up banner */
void ts_reboot(struct tsim *s)
{
	ts_hangup(s, 0);
	for (struct le *le = s->groups.head; le; le = le->next)
		((struct ts_group *)le->data)->attached = false;
	ts_send(s, "+SYSSTART");
}


/* ---- config and start ---- */

static void radio_destructor(void *arg)
{
	struct ts_radio *r = arg;

	list_unlink(&r->le);
	mem_deref(r->speech);
	mem_deref(r->pcm);
}


static void group_destructor(void *arg)
{
	list_unlink(&((struct ts_group *)arg)->le);
}


/* A string, or a number as text (YAML: issi: 1001 unquoted) */
static const char *jval(json_t *v, const char *def)
{
	static char buf[4][24];
	static unsigned n;
	char *b = buf[n++ % 4];

	if (json_is_string(v))
		return json_string_value(v);
	if (!json_is_integer(v))
		return def;
	(void)re_snprintf(b, sizeof(buf[0]), "%lld",
			  (long long)json_integer_value(v));
	return b;
}


static const char *jstr(json_t *o, const char *k, const char *def)
{
	return jval(json_object_get(o, k), def);
}


static int conf_load(struct tsim *s, const char *path)
{
	char why[256] = "not a mapping";
	json_t *c = NULL, *v;
	size_t i, k;
	int err = sim_conf_load(&c, path, why, sizeof(why));

	if (err || !json_is_object(c)) {
		re_fprintf(stderr, "tetra: %s\n", why);
		json_decref(c);
		return err ? err : EINVAL;
	}
	str_ncpy(s->pei, jstr(c, "pei", "127.0.0.1:7001"), sizeof(s->pei));
	str_ncpy(s->http, jstr(c, "http", "127.0.0.1:8091"), sizeof(s->http));
	str_ncpy(s->rtp, jstr(c, "rtp", "127.0.0.1:40100"), sizeof(s->rtp));
	str_ncpy(s->rtp_remote, jstr(c, "rtp_remote", ""),
		 sizeof(s->rtp_remote));
	str_ncpy(s->codec, jstr(c, "codec", "PCMA"), sizeof(s->codec));
	str_ncpy(s->issi, jstr(c, "issi", "1001"), sizeof(s->issi));
	v = json_object_get(c, "hang_time");
	s->hang_s = json_is_integer(v) ? (unsigned)json_integer_value(v) : 3;

	json_array_foreach(json_object_get(c, "groups"), i, v) {
		struct ts_group *g = mem_zalloc(sizeof(*g), group_destructor);

		if (!g) {
			err = ENOMEM;
			break;
		}
		str_ncpy(g->gssi, jstr(v, "gssi", ""), sizeof(g->gssi));
		str_ncpy(g->name, jstr(v, "name", ""), sizeof(g->name));
		list_append(&s->groups, &g->le, g);
	}
	json_array_foreach(json_object_get(c, "radios"), i, v) {
		struct ts_radio *r = mem_zalloc(sizeof(*r), radio_destructor);
		json_t *gv;

		if (!r) {
			err = ENOMEM;
			break;
		}
		r->ts = s;
		str_ncpy(r->issi, jstr(v, "issi", ""), sizeof(r->issi));
		str_ncpy(r->alias, jstr(v, "alias", r->issi),
			 sizeof(r->alias));
		err = str_dup(&r->speech, jstr(v, "speech", ""));
		r->answer = !strcmp(jstr(v, "answer", ""), "manual") ?
			TS_ANSWER_MANUAL : !strcmp(jstr(v, "answer", ""),
						   "reject") ?
			TS_ANSWER_REJECT : TS_ANSWER_AUTO;
		json_array_foreach(json_object_get(v, "groups"), k, gv) {
			if (r->groupc < TS_GROUPS && jval(gv, NULL))
				str_ncpy(r->groups[r->groupc++],
					 jval(gv, NULL), 24);
		}
		list_append(&s->radios, &r->le, r);
		if (err)
			break;
	}
	json_decref(c);
	return err;
}


static void signal_h(int sig)
{
	(void)sig;
	re_cancel();
}


static int usage(void)
{
	re_fprintf(stderr, "usage: iccs-sim tetra --config "
		   "FILE.yaml|FILE.json");
	return 2;
}


int tetra_main(int argc, char *argv[])
{
	struct tsim s;
	struct sa a;
	int err;

	memset(&s, 0, sizeof(s));
	if (argc != 3 || strcmp(argv[1], "--config"))
		return usage();
	log_setup(LOG_LVL_INFO, LOG_TARGET_STDERR, "iccs-sim");
	s.out = json_array();
	s.inb = mbuf_alloc(LINE_MAX_);
	tmr_init(&s.call.tmr_talk);
	tmr_init(&s.call.tmr_hang);
	tmr_init(&s.call.tmr_answer);
	err = s.out && s.inb ? conf_load(&s, argv[2]) : ENOMEM;
	for (struct le *le = s.radios.head; !err && le; le = le->next)
		(void)ts_radio_prepare(le->data);
	err = err ? err : sa_decode(&a, s.pei, strlen(s.pei));
	err = err ? err : tcp_listen(&s.ts, &a, pei_conn, &s);
	err = err ? err : ts_net_start(&s);
	err = err ? err : ts_http_start(&s);
	if (err) {
		re_fprintf(stderr, "tetra: start: %m", err);
		goto out;
	}
	re_printf("tetra: ready pei=%s http=%s rtp=%s", s.pei, s.http,
		  s.rtp);
	fflush(stdout);
	err = re_main(signal_h);
 out:
	ts_net_close(&s);
	s.tc = mem_deref(s.tc);
	s.ts = mem_deref(s.ts);
	s.hs = mem_deref(s.hs);
	list_flush(&s.radios);
	list_flush(&s.groups);
	mem_deref(s.inb);
	json_decref(s.out);
	return err ? 1 : 0;
}
