/**
 * @file tetra.c  The TETRA bearer: the PEI link, its command queue,
 * start-up and supervision
 *
 * One command is on the line at a time: the next goes when the terminal
 * gave the final result of the last (OK, ERROR, +CME ERROR), because a
 * PEI answers in order and unsolicited results may come in between.  A
 * terminal that does not answer within CMD_TIMEOUT_MS, closes the
 * connection or prints a start-up banner has lost every call: the link
 * is reported down, and start-up runs again (re-attaching the groups
 * still wanted) when it is back.  An idle link is probed with a bare AT
 * every KEEPALIVE_MS, so a terminal that silently went away is noticed
 * within seconds.
 */
#include <string.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>
#include <re.h>
#include "core/conf.h"
#include "core/log.h"
#include "media/media.h"
#include "radio/radio.h"
#include "radio/tetra/pei.h"
#include "radio/tetra/tetra.h"
#include "radio/tetra/tetra_int.h"

#define MOD "tetra"

enum {
	CMD_TIMEOUT_MS = 3000,
	KEEPALIVE_MS   = 2000,
	RECONNECT_MS   = 1000,
	CMDQ_MAX       = 128,
};

static void conn_start(struct tetra *te);
static void startup_done(struct tetra *te, const struct tetra_cmd *c,
			 bool ok, const char *why);
static void conn_tmr(void *arg)
{
	conn_start(arg);
}


/* "tetra:<ISSI>" from a PEI identity: an extended TSI (MCC 4 + MNC 5 +
 * SSI 8 digits) keeps its SSI; leading zeros go */
void tetra_id(char *buf, size_t sz, const char *pei_id)
{
	const char *s = pei_id ? pei_id : "";

	if (strlen(s) == 17)
		s += 9;
	while (s[0] == '0' && s[1])
		++s;
	(void)re_snprintf(buf, sz, "tetra:%s", s);
}


void tetra_link(struct tetra *te, bool up, const char *reason)
{
	if (te->up == up)
		return;

	te->up = up;
	log_notice(MOD, "terminal %s %s%s%s", te->terminal, up ? "ready" :
		   "down", reason ? ": " : "", reason ? reason : "");
	if (te->ev->link)
		te->ev->link(up, reason, te->arg);
}


/* ---- the line ---- */

static int line_write(struct tetra *te, const struct pei_line *l)
{
	struct mbuf *mb;
	int err;

	if (te->serial) {
		ssize_t n = te->fd >= 0 ? write(te->fd, l->s, l->len) : -1;

		return n == (ssize_t)l->len ? 0 : EIO;
	}
	if (!te->tc)
		return ENOTCONN;
	mb = mbuf_alloc(l->len);
	if (!mb)
		return ENOMEM;
	(void)mbuf_write_mem(mb, (const uint8_t *)l->s, l->len);
	mb->pos = 0;
	err = tcp_send(te->tc, mb);
	mem_deref(mb);
	return err;
}


static void cmd_timeout(void *arg);

static void cmd_next(struct tetra *te)
{
	struct le *le = list_head(&te->cmdq);

	if (te->cur || !le || !te->connected)
		return;

	te->cur = le->data;
	list_unlink(le);
	if (line_write(te, &te->cur->line)) {
		log_warn(MOD, "cannot write to the terminal");
		tmr_start(&te->tmr_cmd, 0, cmd_timeout, te);
		return;
	}
	tmr_start(&te->tmr_cmd, CMD_TIMEOUT_MS, cmd_timeout, te);
}


int tetra_cmd(struct tetra *te, enum pei_cmd cmd, const struct pei_arg *a,
	      enum tetra_tag tag, const char *tg)
{
	const char *reason = NULL;
	struct tetra_cmd *c;
	int err;

	if (list_count(&te->cmdq) >= CMDQ_MAX)
		return ENOSPC;
	c = mem_zalloc(sizeof(*c), NULL);
	if (!c)
		return ENOMEM;
	err = pei_cmd_build(&c->line, cmd, a, &reason);
	if (err) {
		log_warn(MOD, "command %d: %s", cmd, reason);
		mem_deref(c);
		return err;
	}
	c->tag = tag;
	str_ncpy(c->tg, tg ? tg : "", sizeof(c->tg));
	list_append(&te->cmdq, &c->le, c);
	cmd_next(te);
	return 0;
}


static void cmd_finish(struct tetra *te, bool ok, const char *why)
{
	struct tetra_cmd *c = te->cur;

	if (!c)
		return;
	te->cur = NULL;
	tmr_cancel(&te->tmr_cmd);
	if (!ok)
		log_info(MOD, "%b: %s", c->line.s, strcspn(c->line.s, "\r"),
			 why);
	if (c->tag == T_STARTUP || c->tag == T_STARTUP_LAST)
		startup_done(te, c, ok, why);
	else
		tetra_cmd_done(te, c, ok, why);
	mem_deref(c);
	cmd_next(te);
}


/* ---- start-up ---- */

static void startup(struct tetra *te, bool reboot)
{
	struct pei_line v[PEI_SEQ_MAX];
	const char *reason = NULL;
	size_t n = 0;
	int err;

	list_flush(&te->cmdq);
	err = reboot ? pei_seq_reinit(v, ARRAY_SIZE(v), &n, te->mode, NULL,
				      &reason)
		: pei_seq_startup(v, ARRAY_SIZE(v), &n, te->mode, NULL,
				  &reason);
	if (err) {
		log_error(MOD, "start-up sequence: %s", reason);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct tetra_cmd *c = mem_zalloc(sizeof(*c), NULL);

		if (!c)
			return;
		c->line = v[i];
		c->tag = i + 1 == n ? T_STARTUP_LAST : T_STARTUP;
		list_append(&te->cmdq, &c->le, c);
	}
	cmd_next(te);
}


/* The terminal lost its state: calls are gone, groups must be
 * attached again once start-up is through */
static void lost(struct tetra *te, const char *reason)
{
	te->cur = mem_deref(te->cur);
	tmr_cancel(&te->tmr_cmd);
	list_flush(&te->cmdq);
	tetra_calls_lost(te, reason);
	tetra_link(te, false, reason);
}


static void conn_close(struct tetra *te)
{
	te->connected = false;
	te->tc = mem_deref(te->tc);
	if (te->fd >= 0) {
		fd_close(te->fd);
		(void)close(te->fd);
		te->fd = -1;
	}
}


static void reconnect_later(struct tetra *te, const char *reason)
{
	conn_close(te);
	lost(te, reason);
	tmr_start(&te->tmr_conn, RECONNECT_MS, conn_tmr, te);
}


static void cmd_timeout(void *arg)
{
	reconnect_later(arg, "the terminal does not answer");
}


static void keepalive(void *arg)
{
	struct tetra *te = arg;

	tmr_start(&te->tmr_keep, KEEPALIVE_MS, keepalive, te);
	if (te->up && !te->cur && !list_head(&te->cmdq))
		(void)tetra_cmd(te, PEI_CMD_PROBE, NULL, T_PLAIN, NULL);
}


/* What the start-up commands answered */
static void startup_done(struct tetra *te, const struct tetra_cmd *c,
			 bool ok, const char *why)
{
	char r[160];

	if (c->tag == T_STARTUP && !ok && c->line.s[2] == 'Z') {
		/* ATZ is optional on some terminals: go on */
		return;
	}
	if (!ok) {
		re_snprintf(r, sizeof(r), "start-up: %b: %s", c->line.s,
			    strcspn(c->line.s, "\r"), why);
		reconnect_later(te, r);
		return;
	}
	if (c->tag == T_STARTUP_LAST) {
		tetra_link(te, true, NULL);
		/* attach what was wanted before */
		for (struct le *le = list_head(&te->grps); le; le = le->next) {
			struct tetra_grp *g = le->data;
			struct pei_arg a = {.id = g->gssi};

			if (g->indiv)
				continue;
			(void)tetra_cmd(te, PEI_CMD_CTGS, &a, T_ATTACH, g->tg);
		}
	}
}


/* ---- what the terminal says ---- */

static void pei_handler(const struct pei_ev *ev, void *arg)
{
	struct tetra *te = arg;
	char why[64];

	switch (ev->type) {

	case PEI_EV_OK:
		cmd_finish(te, true, NULL);
		break;

	case PEI_EV_ERROR:
		cmd_finish(te, false, ev->line);
		break;

	case PEI_EV_CME_ERROR:
		re_snprintf(why, sizeof(why), "+CME ERROR %d", ev->code);
		cmd_finish(te, false, why);
		break;

	case PEI_EV_REBOOT:
		log_notice(MOD, "terminal restarted (%s)", ev->line);
		lost(te, "terminal restarted");
		startup(te, true);
		break;

	case PEI_EV_CNUM:
		str_ncpy(te->issi, ev->id, sizeof(te->issi));
		break;

	case PEI_EV_SDS:
		tetra_sds_ev(te, ev);
		break;

	case PEI_EV_CTICN: case PEI_EV_CTOCP: case PEI_EV_CTCC:
	case PEI_EV_CTCR: case PEI_EV_CTXG: case PEI_EV_TX_CEASED:
	case PEI_EV_CTXI: case PEI_EV_CTXW:
		tetra_call_ev(te, ev);
		break;

	case PEI_EV_BAD:
		log_warn(MOD, "terminal: bad line (%s): %s", ev->reason,
			 ev->line);
		break;

	case PEI_EV_UNKNOWN:
		log_debug(MOD, "terminal: ignored: %s", ev->line);
		break;

	default:   /* echo, prompt, +CMGS, +CTGS */
		break;
	}
}


/* ---- TCP or serial ---- */

static void tcp_estab(void *arg)
{
	struct tetra *te = arg;

	te->connected = true;
	pei_reset(te->pei);
	startup(te, false);
}


static void tcp_recv(struct mbuf *mb, void *arg)
{
	struct tetra *te = arg;

	pei_feed(te->pei, mbuf_buf(mb), mbuf_get_left(mb));
}


static void tcp_close(int err, void *arg)
{
	struct tetra *te = arg;
	char r[96];

	re_snprintf(r, sizeof(r), "terminal connection lost: %m", err);
	reconnect_later(te, r);
}


static void serial_read(int flags, void *arg)
{
	struct tetra *te = arg;
	uint8_t buf[512];
	ssize_t n;

	(void)flags;
	n = read(te->fd, buf, sizeof(buf));
	if (n > 0) {
		pei_feed(te->pei, buf, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		reconnect_later(te, "serial line closed");
}


/* 9600 8N1 raw, the usual PEI setting */
static int serial_open(struct tetra *te)
{
	struct termios tio;
	int fd = open(te->terminal, O_RDWR | O_NOCTTY | O_NONBLOCK);
	int err;

	if (fd < 0)
		return errno;
	if (!tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		(void)cfsetispeed(&tio, B9600);
		(void)cfsetospeed(&tio, B9600);
		tio.c_cflag |= CLOCAL | CREAD;
		(void)tcsetattr(fd, TCSANOW, &tio);
	}
	err = fd_listen(fd, FD_READ, serial_read, te);
	if (err) {
		(void)close(fd);
		return err;
	}
	te->fd = fd;
	return 0;
}


static void conn_start(struct tetra *te)
{
	char r[96];
	int err;

	conn_close(te);
	if (te->serial) {
		err = serial_open(te);
		if (!err) {
			tcp_estab(te);
			return;
		}
	}
	else {
		err = tcp_connect(&te->tc, &te->srv, tcp_estab, tcp_recv,
				  tcp_close, te);
		if (!err)
			return;
	}
	re_snprintf(r, sizeof(r), "cannot reach the terminal: %m", err);
	reconnect_later(te, r);
}


/* ---- the bearer table ---- */

static void tetra_destructor(void *arg)
{
	struct tetra *te = arg;

	tmr_cancel(&te->tmr_cmd);
	tmr_cancel(&te->tmr_keep);
	tmr_cancel(&te->tmr_conn);
	list_flush(&te->grps);
	list_flush(&te->cmdq);
	mem_deref(te->cur);
	conn_close(te);
	mem_deref(te->pei);
	mem_deref(te->terminal);
}


static int addressing(struct tetra *te, const struct conf *conf)
{
	int err;

	te->serial = conf->tetra_terminal[0] == '/';
	err = str_dup(&te->terminal, conf->tetra_terminal);
	if (!err && !te->serial)
		err = sa_decode(&te->srv, conf->tetra_terminal,
				strlen(conf->tetra_terminal));
	if (!err)
		err = sa_decode(&te->rtp_local, conf->tetra_rtp_local,
				strlen(conf->tetra_rtp_local));
	if (!err && conf->tetra_rtp_remote)
		err = sa_decode(&te->rtp_remote, conf->tetra_rtp_remote,
				strlen(conf->tetra_rtp_remote));
	return err;
}


int tetra_bearer_alloc(struct bearer **bp, const struct conf *conf,
		       const struct radio_events *ev, void *arg,
		       struct media *media)
{
	static const struct radio_events none;
	struct tetra *te;
	int err;

	if (!bp || !conf)
		return EINVAL;
	if (!conf->tetra_terminal)
		return ENOENT;

	te = mem_zalloc(sizeof(*te), tetra_destructor);
	if (!te)
		return ENOMEM;

	te->b.ops = &tetra_bearer_ops;
	te->ev = ev ? ev : &none;
	te->arg = arg;
	te->media = media;
	te->fd = -1;
	te->gone_cci = -1;
	te->mode = conf->tetra_mode;
	te->prio = conf->tetra_priority;
	str_ncpy(te->codec, conf->tetra_codec ? conf->tetra_codec : "PCMA",
		 sizeof(te->codec));
	tmr_init(&te->tmr_cmd);
	tmr_init(&te->tmr_keep);
	tmr_init(&te->tmr_conn);

	err = addressing(te, conf);
	err = err ? err : pei_alloc(&te->pei, pei_handler, te);
	if (err) {
		mem_deref(te);
		return err;
	}
	tmr_start(&te->tmr_conn, 0, conn_tmr, te);
	tmr_start(&te->tmr_keep, KEEPALIVE_MS, keepalive, te);
	*bp = &te->b;
	return 0;
}


static void op_free(struct bearer *b)
{
	mem_deref(b);
}


static int op_join(struct bearer *b, const char *tg, const char *group)
{
	return tetra_join((struct tetra *)b, tg, group);
}


static int op_leave(struct bearer *b, const char *tg)
{
	return tetra_leave((struct tetra *)b, tg);
}


static int op_ptt(struct bearer *b, const char *tg, uint8_t prio,
		  bool emergency)
{
	(void)prio;   /* TETRA has its own: tetra.priority */
	return tetra_ptt((struct tetra *)b, tg, true, emergency);
}


static int op_release(struct bearer *b, const char *tg)
{
	return tetra_ptt((struct tetra *)b, tg, false, false);
}


static int op_text(struct bearer *b, const char *to, const char *text)
{
	return text ? tetra_send((struct tetra *)b, to, text, 0) : EINVAL;
}


static int op_status(struct bearer *b, const char *to, unsigned status)
{
	return status <= 0xffff ? tetra_send((struct tetra *)b, to, NULL,
					     status) : EINVAL;
}


static int op_emergency(struct bearer *b, const char *tg, bool on)
{
	return tetra_emergency((struct tetra *)b, tg, on);
}


static int op_call(struct bearer *b, char **callp, const char *peer,
		   bool emergency)
{
	return tetra_pc_dial((struct tetra *)b, callp, peer, emergency);
}


static int op_answer(struct bearer *b, const char *call, bool accept)
{
	return tetra_pc_answer((struct tetra *)b, call, accept);
}


static int op_hangup(struct bearer *b, const char *call)
{
	return tetra_pc_hangup((struct tetra *)b, call);
}


/* ptt_request/ptt_release serve individual calls too: tg is then the
 * call id (tetra_pcall.c) */
const struct bearer_ops tetra_bearer_ops = {
	.name           = "tetra",
	.alloc          = tetra_bearer_alloc,
	.free           = op_free,
	.group_join     = op_join,
	.group_leave    = op_leave,
	.ptt_request    = op_ptt,
	.ptt_release    = op_release,
	.send_text      = op_text,
	.send_status    = op_status,
	.emergency      = op_emergency,
	.private_call   = op_call,
	.private_answer = op_answer,
	.private_hangup = op_hangup,
};
