/**
 * @file fc_part.c  On-network floor participant (TS 24.380 §6.2.4)
 *
 * The machine is the transition table below: (state, event) -> action,
 * next state.  An action may choose another next state (a counter ran
 * out).  Events nobody listed leave the state alone: a stray or late
 * message must never move a dispatcher's floor.  Timers belong to the
 * owner, who is asked to start and stop them and reports expiry; an
 * expiry for a timer we no longer run (a race with a stop) is dropped.
 */
#include <re.h>
#include <string.h>
#include "radio/mcptt/fc.h"

enum ev {
	EV_START = 0,
	EV_START_IMPLICIT,
	EV_PTT_PRESS,
	EV_PTT_RELEASE,
	EV_GRANTED,
	EV_DENY,
	EV_TAKEN,
	EV_IDLE,
	EV_REVOKE,
	EV_QPI,
	EV_RTP,
	EV_QUERY,
	EV_T100,
	EV_T101,
	EV_T103,
	EV_T104,
};

struct fc_part {
	struct fc_part_conf conf;
	struct fc_part_h h;
	void *arg;
	enum fc_pstate st;
	uint8_t  cnt[FC_TMR_COUNT];  /* C100, C101, -, C104             */
	uint32_t running;            /* bit per timer we asked to start  */
	bool     may_request;        /* last Permission to Request       */
	char     talker[FC_TEXT_MAX + 1];
	struct fc_ui_ev ui;          /* what this transition tells       */
	bool     ui_set;
};

typedef enum fc_pstate (act_h)(struct fc_part *fp, const struct fc_msg *m,
			       enum fc_pstate next);


/* ---------------------------------------------------------- outputs -- */

static void timer_start(struct fc_part *fp, enum fc_timer t)
{
	fp->running |= 1u << t;
	if (fp->h.tmr_start)
		fp->h.tmr_start(t, fp->conf.tmr_ms[t], fp->arg);
}


static void timer_stop(struct fc_part *fp, enum fc_timer t)
{
	if (!(fp->running & (1u << t)))
		return;

	fp->running &= ~(1u << t);
	if (fp->h.tmr_stop)
		fp->h.tmr_stop(t, fp->arg);
}


static void send_msg(struct fc_part *fp, enum fc_type type)
{
	struct fc_msg m;

	fc_msg_init(&m, type, fp->conf.ssrc);

	if (type == FC_FLOOR_REQUEST) {
		m.prio = fp->conf.prio;
		m.has |= FC_HAS(FC_F_PRIORITY);
	}
	if (fp->conf.floor_ind && type != FC_QUEUE_POS_REQ) {
		m.floor_ind = fp->conf.floor_ind;
		m.has |= FC_HAS(FC_F_FLOOR_IND);
	}

	if (fp->h.send)
		(void)fp->h.send(&m, fp->arg);
}


/* The A bit asks for a Floor Ack naming what we acknowledge */
static void send_ack(struct fc_part *fp, const struct fc_msg *rx)
{
	struct fc_msg m;

	fc_msg_init(&m, FC_FLOOR_ACK, fp->conf.ssrc);
	m.source = 0;            /* the floor participant */
	m.acked_type = (uint8_t)(rx->type | (rx->ack_req ? 0x10 : 0));
	m.has = FC_HAS(FC_F_SOURCE) | FC_HAS(FC_F_MSG_TYPE);

	if (fp->h.send)
		(void)fp->h.send(&m, fp->arg);
}


static struct fc_ui_ev *ui(struct fc_part *fp, enum fc_ui what)
{
	memset(&fp->ui, 0, sizeof(fp->ui));
	fp->ui.what = what;
	fp->ui.phrase = "";
	fp->ui_set = true;

	return &fp->ui;
}


/* ---------------------------------------------------------- actions -- */

/* Sends a message under a retransmission timer, counter set to 1 */
static void send_timed(struct fc_part *fp, enum fc_type type,
		       enum fc_timer t)
{
	send_msg(fp, type);
	fp->cnt[t] = 1;
	timer_start(fp, t);
}


/* Timer expired: send again while the counter is below its limit */
static bool resend(struct fc_part *fp, enum fc_type type, enum fc_timer t,
		   uint8_t limit)
{
	if (fp->cnt[t] >= limit) {
		ui(fp, FC_UI_NO_ANSWER)->timer = t;
		return false;
	}

	send_msg(fp, type);
	++fp->cnt[t];
	timer_start(fp, t);

	return true;
}


static enum fc_pstate a_none(struct fc_part *fp, const struct fc_msg *m,
			     enum fc_pstate next)
{
	return next;
}


static enum fc_pstate a_implicit(struct fc_part *fp, const struct fc_msg *m,
				 enum fc_pstate next)
{
	/* the INVITE was the request: T101 guards its answer */
	fp->cnt[FC_T101] = 1;
	timer_start(fp, FC_T101);

	return next;
}


static enum fc_pstate a_request(struct fc_part *fp, const struct fc_msg *m,
				enum fc_pstate next)
{
	if (!fp->may_request) {
		ui(fp, FC_UI_NOT_PERMITTED);
		return fp->st;
	}

	send_timed(fp, FC_FLOOR_REQUEST, FC_T101);

	return next;
}


static enum fc_pstate a_request_again(struct fc_part *fp,
				      const struct fc_msg *m,
				      enum fc_pstate next)
{
	return resend(fp, FC_FLOOR_REQUEST, FC_T101, fp->conf.c101) ?
		next : FC_PS_NO_PERM;
}


static enum fc_pstate a_granted(struct fc_part *fp, const struct fc_msg *m,
				enum fc_pstate next)
{
	timer_stop(fp, FC_T101);
	timer_stop(fp, FC_T104);
	fp->talker[0] = '\0';
	ui(fp, FC_UI_GRANTED);

	return next;
}


static enum fc_pstate a_denied(struct fc_part *fp, const struct fc_msg *m,
			       enum fc_pstate next)
{
	struct fc_ui_ev *e;

	timer_stop(fp, FC_T101);
	timer_stop(fp, FC_T104);

	e = ui(fp, FC_UI_DENIED);
	e->cause  = m->cause;
	e->phrase = m->phrase;

	return next;
}


static enum fc_pstate a_release(struct fc_part *fp, const struct fc_msg *m,
				enum fc_pstate next)
{
	timer_stop(fp, FC_T101);
	timer_stop(fp, FC_T104);
	send_timed(fp, FC_FLOOR_RELEASE, FC_T100);

	return next;
}


static enum fc_pstate a_release_again(struct fc_part *fp,
				      const struct fc_msg *m,
				      enum fc_pstate next)
{
	return resend(fp, FC_FLOOR_RELEASE, FC_T100, fp->conf.c100) ?
		next : FC_PS_NO_PERM;
}


/* Revoke: stop sending media now and give the floor back (§6.2.4.5) */
static enum fc_pstate a_revoked(struct fc_part *fp, const struct fc_msg *m,
				enum fc_pstate next)
{
	struct fc_ui_ev *e;

	send_timed(fp, FC_FLOOR_RELEASE, FC_T100);

	e = ui(fp, FC_UI_REVOKED);
	e->cause  = m->cause;
	e->phrase = m->phrase;

	return next;
}


static enum fc_pstate a_taken(struct fc_part *fp, const struct fc_msg *m,
			      enum fc_pstate next)
{
	timer_stop(fp, FC_T100);
	timer_stop(fp, FC_T101);

	/* no identity: the server withholds it (privacy) */
	if (m->has & FC_HAS(FC_F_GRANTED_ID))
		str_ncpy(fp->talker, m->granted_id, sizeof(fp->talker));
	else
		fp->talker[0] = '\0';

	fp->may_request = !(m->has & FC_HAS(FC_F_PERMISSION)) ||
		m->permission != 0;

	timer_stop(fp, FC_T103);
	timer_start(fp, FC_T103);
	ui(fp, FC_UI_TALKER)->talker = fp->talker[0] ? fp->talker : NULL;

	return next;
}


static enum fc_pstate a_idle(struct fc_part *fp, const struct fc_msg *m,
			     enum fc_pstate next)
{
	timer_stop(fp, FC_T100);
	timer_stop(fp, FC_T103);
	fp->talker[0] = '\0';
	fp->may_request = true;
	ui(fp, FC_UI_IDLE);

	return next;
}


static enum fc_pstate a_rtp(struct fc_part *fp, const struct fc_msg *m,
			    enum fc_pstate next)
{
	/* media from someone else proves our release got through */
	timer_stop(fp, FC_T100);
	timer_stop(fp, FC_T103);
	timer_start(fp, FC_T103);

	return next;
}


static enum fc_pstate a_media_end(struct fc_part *fp, const struct fc_msg *m,
				  enum fc_pstate next)
{
	fp->talker[0] = '\0';
	ui(fp, FC_UI_MEDIA_END);

	return next;
}


static enum fc_pstate a_queued(struct fc_part *fp, const struct fc_msg *m,
			       enum fc_pstate next)
{
	timer_stop(fp, FC_T101);
	timer_stop(fp, FC_T104);
	ui(fp, FC_UI_QUEUED)->qpos = m->qpos;

	return next;
}


static enum fc_pstate a_query(struct fc_part *fp, const struct fc_msg *m,
			      enum fc_pstate next)
{
	send_timed(fp, FC_QUEUE_POS_REQ, FC_T104);

	return next;
}


/* Out of retries the request stays queued: only the answer is lost */
static enum fc_pstate a_query_again(struct fc_part *fp,
				    const struct fc_msg *m,
				    enum fc_pstate next)
{
	(void)resend(fp, FC_QUEUE_POS_REQ, FC_T104, fp->conf.c104);

	return next;
}


/* ------------------------------------------------------------ table -- */

#define S(x) FC_PS_##x

static const struct trans {
	enum fc_pstate st;
	enum ev        ev;
	act_h         *act;
	enum fc_pstate next;
} transv[] = {
	{S(START_STOP), EV_START,          a_none,          S(NO_PERM)},
	{S(START_STOP), EV_START_IMPLICIT, a_implicit,      S(PEND_REQ)},

	{S(NO_PERM),    EV_PTT_PRESS,      a_request,       S(PEND_REQ)},
	{S(NO_PERM),    EV_TAKEN,          a_taken,         S(NO_PERM)},
	{S(NO_PERM),    EV_IDLE,           a_idle,          S(NO_PERM)},
	{S(NO_PERM),    EV_RTP,            a_rtp,           S(NO_PERM)},
	{S(NO_PERM),    EV_T103,           a_media_end,     S(NO_PERM)},
	{S(NO_PERM),    EV_DENY,           a_denied,        S(NO_PERM)},
	{S(NO_PERM),    EV_QPI,            a_queued,        S(QUEUED)},

	{S(PEND_REQ),   EV_GRANTED,        a_granted,       S(HAS_PERM)},
	{S(PEND_REQ),   EV_DENY,           a_denied,        S(NO_PERM)},
	{S(PEND_REQ),   EV_TAKEN,          a_taken,         S(NO_PERM)},
	{S(PEND_REQ),   EV_QPI,            a_queued,        S(QUEUED)},
	{S(PEND_REQ),   EV_IDLE,           a_idle,          S(PEND_REQ)},
	{S(PEND_REQ),   EV_RTP,            a_rtp,           S(PEND_REQ)},
	{S(PEND_REQ),   EV_T103,           a_media_end,     S(PEND_REQ)},
	{S(PEND_REQ),   EV_T101,           a_request_again, S(PEND_REQ)},
	{S(PEND_REQ),   EV_PTT_RELEASE,    a_release,       S(PEND_REL)},

	{S(HAS_PERM),   EV_PTT_RELEASE,    a_release,       S(PEND_REL)},
	{S(HAS_PERM),   EV_REVOKE,         a_revoked,       S(PEND_REL)},

	{S(PEND_REL),   EV_IDLE,           a_idle,          S(NO_PERM)},
	{S(PEND_REL),   EV_TAKEN,          a_taken,         S(NO_PERM)},
	{S(PEND_REL),   EV_RTP,            a_rtp,           S(NO_PERM)},
	{S(PEND_REL),   EV_T100,           a_release_again, S(PEND_REL)},

	{S(QUEUED),     EV_QPI,            a_queued,        S(QUEUED)},
	{S(QUEUED),     EV_GRANTED,        a_granted,       S(HAS_PERM)},
	{S(QUEUED),     EV_DENY,           a_denied,        S(NO_PERM)},
	{S(QUEUED),     EV_TAKEN,          a_taken,         S(QUEUED)},
	{S(QUEUED),     EV_IDLE,           a_idle,          S(QUEUED)},
	{S(QUEUED),     EV_RTP,            a_rtp,           S(QUEUED)},
	{S(QUEUED),     EV_T103,           a_media_end,     S(QUEUED)},
	{S(QUEUED),     EV_PTT_RELEASE,    a_release,       S(PEND_REL)},
	{S(QUEUED),     EV_QUERY,          a_query,         S(QUEUED)},
	{S(QUEUED),     EV_T104,           a_query_again,   S(QUEUED)},
};

#undef S


static const struct trans *trans_find(enum fc_pstate st, enum ev ev)
{
	for (size_t i = 0; i < ARRAY_SIZE(transv); i++) {
		if (transv[i].st == st && transv[i].ev == ev)
			return &transv[i];
	}

	return NULL;
}


static void emit(struct fc_part *fp, enum fc_pstate old)
{
	if (!fp->ui_set && fp->st == old)
		return;
	if (!fp->ui_set)
		ui(fp, FC_UI_STATE);

	fp->ui_set   = false;
	fp->ui.state = fp->st;
	fp->ui.tx    = fp->st == FC_PS_HAS_PERM;

	if (fp->h.ui)
		fp->h.ui(&fp->ui, fp->arg);
}


static void run(struct fc_part *fp, enum ev ev, const struct fc_msg *m)
{
	const struct trans *t = trans_find(fp->st, ev);
	enum fc_pstate old = fp->st;

	if (!t)
		return;

	fp->ui_set = false;
	fp->st = t->act(fp, m, t->next);
	emit(fp, old);
}


/* ---------------------------------------------------------- the API -- */

void fc_part_conf_default(struct fc_part_conf *conf)
{
	if (!conf)
		return;

	memset(conf, 0, sizeof(*conf));
	/* TS 24.483 leaves them to provisioning; MCOP's defaults, and T103
	 * as the server's T1 (4 s) so a burst is not cut short */
	conf->tmr_ms[FC_T100] = 2000;
	conf->tmr_ms[FC_T101] = 2000;
	conf->tmr_ms[FC_T103] = 4000;
	conf->tmr_ms[FC_T104] = 2000;
	conf->c100 = 3;
	conf->c101 = 3;
	conf->c104 = 3;
	conf->prio = 0;
	conf->floor_ind = FC_IND_NORMAL;
}


int fc_part_alloc(struct fc_part **fpp, const struct fc_part_conf *conf,
		  const struct fc_part_h *h, void *arg)
{
	struct fc_part *fp;

	if (!fpp || !conf || !h)
		return EINVAL;

	fp = mem_zalloc(sizeof(*fp), NULL);
	if (!fp)
		return ENOMEM;

	fp->conf = *conf;
	fp->h    = *h;
	fp->arg  = arg;
	fp->st   = FC_PS_START_STOP;
	fp->may_request = true;

	*fpp = fp;

	return 0;
}


void fc_part_start(struct fc_part *fp, bool implicit)
{
	if (fp)
		run(fp, implicit ? EV_START_IMPLICIT : EV_START, NULL);
}


/* Call released: no more floor messages, every timer stopped (§6.2.2) */
void fc_part_stop(struct fc_part *fp)
{
	enum fc_pstate old;

	if (!fp)
		return;

	for (int t = 0; t < FC_TMR_COUNT; t++)
		timer_stop(fp, (enum fc_timer)t);

	old = fp->st;
	fp->st = FC_PS_START_STOP;
	fp->talker[0] = '\0';
	fp->may_request = true;
	fp->ui_set = false;
	emit(fp, old);
}


void fc_part_ptt(struct fc_part *fp, bool pressed)
{
	if (fp)
		run(fp, pressed ? EV_PTT_PRESS : EV_PTT_RELEASE, NULL);
}


void fc_part_recv(struct fc_part *fp, const struct fc_msg *m)
{
	static const struct {
		enum fc_type type;
		enum ev      ev;
	} map[] = {
		{FC_FLOOR_GRANTED,  EV_GRANTED},
		{FC_FLOOR_DENY,     EV_DENY},
		{FC_FLOOR_TAKEN,    EV_TAKEN},
		{FC_FLOOR_IDLE,     EV_IDLE},
		{FC_FLOOR_REVOKE,   EV_REVOKE},
		{FC_QUEUE_POS_INFO, EV_QPI},
	};

	if (!fp || !m || fp->st == FC_PS_START_STOP)
		return;

	/* acknowledged whatever the state does with it, or the server
	 * keeps retransmitting (T20, T7) */
	if (m->ack_req)
		send_ack(fp, m);

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].type == m->type) {
			run(fp, map[i].ev, m);
			return;
		}
	}
}


void fc_part_rtp(struct fc_part *fp)
{
	if (fp)
		run(fp, EV_RTP, NULL);
}


void fc_part_queue_query(struct fc_part *fp)
{
	if (fp)
		run(fp, EV_QUERY, NULL);
}


void fc_part_timer_expired(struct fc_part *fp, enum fc_timer t)
{
	static const enum ev evv[FC_TMR_COUNT] = {
		[FC_T100] = EV_T100, [FC_T101] = EV_T101,
		[FC_T103] = EV_T103, [FC_T104] = EV_T104,
	};

	if (!fp || (unsigned)t >= FC_TMR_COUNT ||
	    !(fp->running & (1u << t)))
		return;

	fp->running &= ~(1u << t);
	run(fp, evv[t], NULL);
}


enum fc_pstate fc_part_state(const struct fc_part *fp)
{
	return fp ? fp->st : FC_PS_START_STOP;
}


const char *fc_pstate_name(enum fc_pstate st)
{
	static const char *namev[FC_PS_COUNT] = {
		[FC_PS_START_STOP] = "Start-stop",
		[FC_PS_NO_PERM]    = "U: has no permission",
		[FC_PS_PEND_REQ]   = "U: pending Request",
		[FC_PS_HAS_PERM]   = "U: has permission",
		[FC_PS_PEND_REL]   = "U: pending Release",
		[FC_PS_QUEUED]     = "U: queued",
	};

	return (unsigned)st < FC_PS_COUNT ? namev[st] : "?";
}


const char *fc_timer_name(enum fc_timer t)
{
	static const char *namev[FC_TMR_COUNT] = {
		"T100", "T101", "T103", "T104",
	};

	return (unsigned)t < FC_TMR_COUNT ? namev[t] : "?";
}
