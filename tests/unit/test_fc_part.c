/**
 * @file test_fc_part.c  MCPTT floor participant state machine (§6.2.4)
 *
 * Each scenario is a table of steps: an input (PTT, a received message,
 * RTP, a timer expiry) and what must follow: the state, the message sent
 * (if any), what the console is told (if anything) and which timers run.
 * A recorder stands in for the socket, the timer wheel and the console.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "radio/mcptt/fc.h"

enum { MAXREC = 32 };

struct rec {
	struct fc_msg   sent[MAXREC];
	int             nsent;
	bool            running[FC_TMR_COUNT];
	uint32_t        ms[FC_TMR_COUNT];
	int             starts[FC_TMR_COUNT];
	struct fc_ui_ev ui[MAXREC];
	char            talker[MAXREC][FC_TEXT_MAX + 1];
	char            phrase[MAXREC][FC_TEXT_MAX + 1];
	int             nui;
};

static int rec_send(const struct fc_msg *m, void *arg)
{
	struct rec *r = arg;

	assert_true(r->nsent < MAXREC);
	r->sent[r->nsent++] = *m;
	return 0;
}

static void rec_start(enum fc_timer t, uint32_t ms, void *arg)
{
	struct rec *r = arg;

	r->running[t] = true;
	r->ms[t] = ms;
	++r->starts[t];
}

static void rec_stop(enum fc_timer t, void *arg)
{
	struct rec *r = arg;

	assert_true(r->running[t]);   /* never stops what is not running */
	r->running[t] = false;
}

static void rec_ui(const struct fc_ui_ev *ev, void *arg)
{
	struct rec *r = arg;

	assert_true(r->nui < MAXREC);
	r->ui[r->nui] = *ev;
	str_ncpy(r->talker[r->nui], ev->talker ? ev->talker : "",
		 sizeof(r->talker[0]));
	str_ncpy(r->phrase[r->nui], ev->phrase ? ev->phrase : "",
		 sizeof(r->phrase[0]));
	++r->nui;
}

static const struct fc_part_h handlers = {
	rec_send, rec_start, rec_stop, rec_ui
};

struct fx {
	struct rec rec;
	struct fc_part *fp;
};

static int setup(void **state)
{
	struct fc_part_conf conf;
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fc_part_conf_default(&conf);
	conf.ssrc = 0x11223344;
	conf.prio = 5;
	assert_int_equal(fc_part_alloc(&fx->fp, &conf, &handlers, &fx->rec),
			 0);
	fc_part_start(fx->fp, false);
	assert_int_equal(fc_part_state(fx->fp), FC_PS_NO_PERM);
	memset(&fx->rec, 0, sizeof(fx->rec));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	mem_deref(fx->fp);
	free(fx);
	return 0;
}


/* Server messages as a real one would send them */
static void server_msg(struct fc_msg *m, enum fc_type type, bool ack)
{
	fc_msg_init(m, type, 0xaabbccdd);
	m->ack_req = ack;

	switch (type) {

	case FC_FLOOR_GRANTED:
		m->duration = 30;
		m->prio = 5;
		m->has = FC_HAS(FC_F_DURATION) | FC_HAS(FC_F_PRIORITY);
		break;
	case FC_FLOOR_DENY:
		m->cause = 1;
		str_ncpy(m->phrase, "unit 42 talks", sizeof(m->phrase));
		m->has = FC_HAS(FC_F_REJECT_CAUSE);
		break;
	case FC_FLOOR_TAKEN:
		str_ncpy(m->granted_id, "sip:unit42@esn.example",
			 sizeof(m->granted_id));
		m->permission = 1;
		m->has = FC_HAS(FC_F_GRANTED_ID) | FC_HAS(FC_F_PERMISSION);
		break;
	case FC_FLOOR_REVOKE:
		m->cause = 2;
		m->has = FC_HAS(FC_F_REJECT_CAUSE);
		break;
	case FC_QUEUE_POS_INFO:
		m->qpos = 2;
		m->qprio = 5;
		m->has = FC_HAS(FC_F_QUEUE_INFO);
		break;
	default:
		break;
	}
}


enum in { PTT_DOWN, PTT_UP, RX, RX_ACK, TMR, RTP, QUERY, STOP };

#define NONE (-1)
#define T(x) (1u << FC_##x)

struct step {
	enum in in;
	int     arg;      /* RX: fc_type; TMR: fc_timer          */
	enum fc_pstate st;
	int     sent;     /* fc_type sent, or NONE               */
	int     ui;       /* fc_ui told, or NONE                 */
	uint32_t tmr;     /* timers that must run afterwards     */
};

static void apply(struct fx *fx, const struct step *s)
{
	struct fc_msg m;

	switch (s->in) {

	case PTT_DOWN: fc_part_ptt(fx->fp, true);                  break;
	case PTT_UP:   fc_part_ptt(fx->fp, false);                 break;
	case RTP:      fc_part_rtp(fx->fp);                        break;
	case QUERY:    fc_part_queue_query(fx->fp);                break;
	case STOP:     fc_part_stop(fx->fp);                       break;
	case TMR:
		/* the owner only reports what it was asked to run */
		assert_true(fx->rec.running[s->arg]);
		fx->rec.running[s->arg] = false;
		fc_part_timer_expired(fx->fp, s->arg);
		break;
	case RX:
	case RX_ACK:
		server_msg(&m, s->arg, s->in == RX_ACK);
		fc_part_recv(fx->fp, &m);
		break;
	}
}

static void run_steps(struct fx *fx, const struct step *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rec *r = &fx->rec;
		int sent0 = r->nsent, ui0 = r->nui;
		uint32_t tmr = 0;

		apply(fx, &v[i]);

		for (int t = 0; t < FC_TMR_COUNT; t++)
			tmr |= r->running[t] ? 1u << t : 0;

		if (fc_part_state(fx->fp) != v[i].st)
			fail_msg("step %zu: state '%s', want '%s'", i,
				 fc_pstate_name(fc_part_state(fx->fp)),
				 fc_pstate_name(v[i].st));
		if (v[i].sent == NONE)
			assert_int_equal(r->nsent, sent0);
		else {
			assert_int_equal(r->nsent, sent0 + 1);
			assert_int_equal(r->sent[sent0].type, v[i].sent);
		}
		if (v[i].ui == NONE)
			assert_int_equal(r->nui, ui0);
		else {
			assert_int_equal(r->nui, ui0 + 1);
			assert_int_equal(r->ui[ui0].what, v[i].ui);
			assert_int_equal(r->ui[ui0].state, v[i].st);
		}
		if (tmr != v[i].tmr)
			fail_msg("step %zu: timers 0x%x, want 0x%x", i, tmr,
				 v[i].tmr);
	}
}

#define RUN(fx, v) run_steps(fx, v, ARRAY_SIZE(v))


/* ------------------------------------------------------- scenarios -- */

static void test_talk_and_release(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, NONE, FC_UI_GRANTED, 0},
		{PTT_UP, 0, FC_PS_PEND_REL, FC_FLOOR_RELEASE, FC_UI_STATE,
		 T(T100)},
		{RX, FC_FLOOR_IDLE, FC_PS_NO_PERM, NONE, FC_UI_IDLE, 0},
	};
	struct fx *fx = *state;
	const struct fc_msg *req = &fx->rec.sent[0];

	RUN(fx, v);
	assert_int_equal(req->ssrc, 0x11223344);
	assert_int_equal(req->prio, 5);
	assert_int_equal(req->floor_ind, FC_IND_NORMAL);
	assert_true(req->has & FC_HAS(FC_F_PRIORITY));
	assert_true(fx->rec.ui[1].tx);       /* granted: may send media */
	assert_false(fx->rec.ui[2].tx);      /* released: mic closed    */
	assert_int_equal(fx->rec.ms[FC_T101], 2000);
}


static void test_deny_shows_reason(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_FLOOR_DENY, FC_PS_NO_PERM, NONE, FC_UI_DENIED, 0},
		{PTT_UP, 0, FC_PS_NO_PERM, NONE, NONE, 0},
	};
	struct fx *fx = *state;

	RUN(fx, v);
	assert_int_equal(fx->rec.ui[1].cause, 1);
	assert_string_equal(fx->rec.phrase[1], "unit 42 talks");
	assert_false(fx->rec.ui[1].tx);
}


static void test_taken_shows_talker(void **state)
{
	static const struct step v[] = {
		{RX, FC_FLOOR_TAKEN, FC_PS_NO_PERM, NONE, FC_UI_TALKER,
		 T(T103)},
		{RTP, 0, FC_PS_NO_PERM, NONE, NONE, T(T103)},
		{TMR, FC_T103, FC_PS_NO_PERM, NONE, FC_UI_MEDIA_END, 0},
		{RX, FC_FLOOR_TAKEN, FC_PS_NO_PERM, NONE, FC_UI_TALKER,
		 T(T103)},
		{RX, FC_FLOOR_IDLE, FC_PS_NO_PERM, NONE, FC_UI_IDLE, 0},
	};
	struct fx *fx = *state;

	RUN(fx, v);
	assert_string_equal(fx->rec.talker[0], "sip:unit42@esn.example");
	assert_int_equal(fx->rec.starts[FC_T103], 3);
	assert_int_equal(fx->rec.ms[FC_T103], 4000);
}


static void test_queued(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_QUEUE_POS_INFO, FC_PS_QUEUED, NONE, FC_UI_QUEUED, 0},
		{QUERY, 0, FC_PS_QUEUED, FC_QUEUE_POS_REQ, NONE, T(T104)},
		{TMR, FC_T104, FC_PS_QUEUED, FC_QUEUE_POS_REQ, NONE, T(T104)},
		{RX, FC_QUEUE_POS_INFO, FC_PS_QUEUED, NONE, FC_UI_QUEUED, 0},
		{RX, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, NONE, FC_UI_GRANTED, 0},
	};
	struct fx *fx = *state;

	RUN(fx, v);
	assert_int_equal(fx->rec.ui[1].qpos, 2);
}


static void test_queued_gives_up_asking(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_QUEUE_POS_INFO, FC_PS_QUEUED, NONE, FC_UI_QUEUED, 0},
		{QUERY, 0, FC_PS_QUEUED, FC_QUEUE_POS_REQ, NONE, T(T104)},
		{TMR, FC_T104, FC_PS_QUEUED, FC_QUEUE_POS_REQ, NONE, T(T104)},
		{TMR, FC_T104, FC_PS_QUEUED, FC_QUEUE_POS_REQ, NONE, T(T104)},
		{TMR, FC_T104, FC_PS_QUEUED, NONE, FC_UI_NO_ANSWER, 0},
		{PTT_UP, 0, FC_PS_PEND_REL, FC_FLOOR_RELEASE, FC_UI_STATE,
		 T(T100)},
	};

	RUN((struct fx *)*state, v);
}


/* C101 = 3: the request goes out three times, then the user is told */
static void test_t101_retransmits_then_gives_up(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{TMR, FC_T101, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, NONE, T(T101)},
		{TMR, FC_T101, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, NONE, T(T101)},
		{TMR, FC_T101, FC_PS_NO_PERM, NONE, FC_UI_NO_ANSWER, 0},
	};
	struct fx *fx = *state;

	RUN(fx, v);
	fc_part_timer_expired(fx->fp, FC_T101);   /* stale: ignored */
	assert_int_equal(fx->rec.nsent, 3);
	assert_int_equal(fx->rec.ui[1].timer, FC_T101);
	assert_int_equal(fc_part_state(fx->fp), FC_PS_NO_PERM);
}


/* Lost Floor Request: the retransmission gets the grant */
static void test_lost_request(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{TMR, FC_T101, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, NONE, T(T101)},
		{RX, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, NONE, FC_UI_GRANTED, 0},
	};
	struct fx *fx = *state;

	RUN(fx, v);
	/* a stale expiry after the grant must not resend */
	fc_part_timer_expired(fx->fp, FC_T101);
	assert_int_equal(fx->rec.nsent, 2);
}


/* Lost Floor Release (or Idle): T100 repeats it C100 times */
static void test_lost_release(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, NONE, FC_UI_GRANTED, 0},
		{PTT_UP, 0, FC_PS_PEND_REL, FC_FLOOR_RELEASE, FC_UI_STATE,
		 T(T100)},
		{TMR, FC_T100, FC_PS_PEND_REL, FC_FLOOR_RELEASE, NONE, T(T100)},
		{TMR, FC_T100, FC_PS_PEND_REL, FC_FLOOR_RELEASE, NONE, T(T100)},
		{TMR, FC_T100, FC_PS_NO_PERM, NONE, FC_UI_NO_ANSWER, 0},
	};

	RUN((struct fx *)*state, v);
}


/* Lost Floor Idle, but someone else's media shows the release worked */
static void test_media_ends_pending_release(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, NONE, FC_UI_GRANTED, 0},
		{PTT_UP, 0, FC_PS_PEND_REL, FC_FLOOR_RELEASE, FC_UI_STATE,
		 T(T100)},
		{RTP, 0, FC_PS_NO_PERM, NONE, FC_UI_STATE, T(T103)},
	};

	RUN((struct fx *)*state, v);
}


static void test_revoke_stops_talking(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, NONE, FC_UI_GRANTED, 0},
		{RX, FC_FLOOR_REVOKE, FC_PS_PEND_REL, FC_FLOOR_RELEASE,
		 FC_UI_REVOKED, T(T100)},
		{PTT_UP, 0, FC_PS_PEND_REL, NONE, NONE, T(T100)},
		{RX, FC_FLOOR_IDLE, FC_PS_NO_PERM, NONE, FC_UI_IDLE, 0},
	};
	struct fx *fx = *state;

	RUN(fx, v);
	assert_false(fx->rec.ui[2].tx);
	assert_int_equal(fx->rec.ui[2].cause, 2);
}


/* The A bit: a Floor Ack naming the message goes out first */
static void test_ack_required(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX_ACK, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, FC_FLOOR_ACK,
		 FC_UI_GRANTED, 0},
		/* a retransmitted grant: acked again, nothing else */
		{RX_ACK, FC_FLOOR_GRANTED, FC_PS_HAS_PERM, FC_FLOOR_ACK, NONE,
		 0},
	};
	struct fx *fx = *state;
	const struct fc_msg *ack = &fx->rec.sent[1];

	RUN(fx, v);
	assert_int_equal(ack->ssrc, 0x11223344);
	assert_int_equal(ack->source, 0);
	assert_int_equal(ack->acked_type, 0x11);
	assert_int_equal(ack->has,
			 FC_HAS(FC_F_SOURCE) | FC_HAS(FC_F_MSG_TYPE));
}


/* Floor Taken with Permission to Request = 0 (e.g. a broadcast call) */
static void test_not_permitted(void **state)
{
	struct fx *fx = *state;
	struct fc_msg m;

	server_msg(&m, FC_FLOOR_TAKEN, false);
	m.permission = 0;
	fc_part_recv(fx->fp, &m);
	fc_part_ptt(fx->fp, true);
	assert_int_equal(fc_part_state(fx->fp), FC_PS_NO_PERM);
	assert_int_equal(fx->rec.nsent, 0);
	assert_int_equal(fx->rec.ui[fx->rec.nui - 1].what,
			 FC_UI_NOT_PERMITTED);

	server_msg(&m, FC_FLOOR_IDLE, false);
	fc_part_recv(fx->fp, &m);
	fc_part_ptt(fx->fp, true);
	assert_int_equal(fc_part_state(fx->fp), FC_PS_PEND_REQ);
}


/* Call released: every timer stops, later messages are ignored */
static void test_stop(void **state)
{
	static const struct step v[] = {
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{RX, FC_FLOOR_TAKEN, FC_PS_NO_PERM, NONE, FC_UI_TALKER,
		 T(T103)},
		{STOP, 0, FC_PS_START_STOP, NONE, FC_UI_STATE, 0},
		{RX_ACK, FC_FLOOR_GRANTED, FC_PS_START_STOP, NONE, NONE, 0},
		{PTT_DOWN, 0, FC_PS_START_STOP, NONE, NONE, 0},
	};

	RUN((struct fx *)*state, v);
}


/* Implicit request in the INVITE: T101 runs, nothing is sent */
static void test_implicit_request(void **state)
{
	struct fx *fx = *state;

	fc_part_stop(fx->fp);
	fc_part_start(fx->fp, true);
	assert_int_equal(fc_part_state(fx->fp), FC_PS_PEND_REQ);
	assert_true(fx->rec.running[FC_T101]);
	assert_int_equal(fx->rec.nsent, 0);

	fx->rec.running[FC_T101] = false;
	fc_part_timer_expired(fx->fp, FC_T101);
	assert_int_equal(fx->rec.nsent, 1);
	assert_int_equal(fx->rec.sent[0].type, FC_FLOOR_REQUEST);
}


/* Messages that mean nothing in a state leave it alone */
static void test_stray_messages(void **state)
{
	static const struct step v[] = {
		{RX, FC_FLOOR_GRANTED, FC_PS_NO_PERM, NONE, NONE, 0},
		{RX, FC_FLOOR_REVOKE, FC_PS_NO_PERM, NONE, NONE, 0},
		{PTT_UP, 0, FC_PS_NO_PERM, NONE, NONE, 0},
		{PTT_DOWN, 0, FC_PS_PEND_REQ, FC_FLOOR_REQUEST, FC_UI_STATE,
		 T(T101)},
		{PTT_DOWN, 0, FC_PS_PEND_REQ, NONE, NONE, T(T101)},
		{RX, FC_FLOOR_REVOKE, FC_PS_PEND_REQ, NONE, NONE, T(T101)},
	};

	RUN((struct fx *)*state, v);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
#define TC(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		TC(test_talk_and_release),
		TC(test_deny_shows_reason),
		TC(test_taken_shows_talker),
		TC(test_queued),
		TC(test_queued_gives_up_asking),
		TC(test_t101_retransmits_then_gives_up),
		TC(test_lost_request),
		TC(test_lost_release),
		TC(test_media_ends_pending_release),
		TC(test_revoke_stops_talking),
		TC(test_ack_required),
		TC(test_not_permitted),
		TC(test_stop),
		TC(test_implicit_request),
		TC(test_stray_messages),
#undef TC
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
