/**
 * @file test_acd.c  Call distribution: scripted scenarios, a flood, timing
 *
 * A scenario is a table of steps: at time t an event (a call arrives, an
 * agent answers, a tick...) and the decisions that must follow, written
 * as tokens in the order the handlers were called:
 *   O1:10   offer call 1 to agent 10 (O1:10s: the call is flagged silent)
 *   C1:10:ring-timeout   offer of call 1 to agent 10 cancelled, and why
 *   A1#0    announcement number 0 to call 1
 *   V1:2>3  call 1 overflowed from queue 2 to queue 3
 *   R1:10   call 1 back at the head after agent 10's position went
 *           (R1:10* : kept for agent 10 during the grace period)
 *   E1:completed   call 1 ended, and how
 * After every step the engine's own invariants must hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <re.h>
#include "phone/acd.h"

enum {
	Q999 = 1, Q101 = 2, QGEN = 3,
	K999 = 1 << 0, K101 = 1 << 1, KGEN = 1 << 2, KWELSH = 1 << 3,
	KPOLISH = 1 << 4,
	MAXSTEP = 24, MAXQ = 4, MAXA = 6,
};

enum op { END = 0, ARRIVE, ABANDON, CEND, LOGIN, LOGOUT, READY, NREADY,
	  ANSWER, REJECT, DISC, TICK, STATE, SHUTDOWN };

struct step {
	uint64_t t;
	enum op op;
	uint64_t id;         /* call or agent                          */
	uint32_t q;          /* ARRIVE: queue; STATE: acd_astate        */
	uint64_t skills;
	uint32_t flags;
	int rc;
	const char *expect;
};

struct agent_def { uint32_t id; uint64_t skills; uint32_t wrap_s; };

struct scenario {
	const char *name;
	struct acd_conf conf;             /* zero fields take defaults */
	struct acd_queue_conf q[MAXQ];
	struct agent_def a[MAXA];
	struct step s[MAXSTEP];
};

#define QDEF {Q999, 10, K999, 0, 0, 0}, {Q101, 1, K101, 0, 0, 0}
#define BOTH (K999 | K101)

static const struct scenario scenarios[] = {
	{"999 before 101 when both wait", {0},
	 {QDEF}, {{10, BOTH, 0}},
	 {{0, ARRIVE, 1, Q101, 0, 0, 0, ""},
	  {1000, ARRIVE, 2, Q999, 0, 0, 0, ""},
	  {1500, ARRIVE, 3, Q101, 0, 0, 0, ""},
	  {2000, LOGIN, 10, 0, 0, 0, 0, "O2:10"},
	  {2100, ANSWER, 10, 0, 0, 0, 0, ""},
	  {9000, CEND, 2, 0, 0, 0, 0, "E2:completed O1:10"},
	  {9100, ANSWER, 10, 0, 0, 0, 0, ""},
	  {9200, CEND, 1, 0, 0, 0, 0, "E1:completed O3:10"}}},

	{"longest-idle call taker first", {0},
	 {QDEF}, {{10, BOTH, 0}, {11, BOTH, 0}, {12, BOTH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1000, LOGIN, 11, 0, 0, 0, 0, ""},
	  {2000, LOGIN, 12, 0, 0, 0, 0, ""},
	  {3000, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {3100, ANSWER, 10, 0, 0, 0, 0, ""},
	  {4000, CEND, 1, 0, 0, 0, 0, "E1:completed"},
	  {5000, ARRIVE, 2, Q101, 0, 0, 0, "O2:11"},
	  {6000, ARRIVE, 3, Q101, 0, 0, 0, "O3:12"},
	  {6500, ABANDON, 3, 0, 0, 0, 0,
	   "C3:12:abandoned E3:abandoned"},
	  /* 12 lost no place by an offer the caller dropped */
	  {7000, ARRIVE, 4, Q999, 0, 0, 0, "O4:12"}}},

	{"skills: language, and no head-of-line blocking", {0},
	 {QDEF}, {{10, BOTH, 0}, {11, BOTH | KWELSH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1000, LOGIN, 11, 0, 0, 0, 0, ""},
	  {2000, ARRIVE, 3, Q999, KPOLISH, 0, 0, ""},
	  {3000, ARRIVE, 1, Q101, KWELSH, 0, 0, "O1:11"},
	  {4000, ARRIVE, 2, Q101, 0, ACD_F_SILENT, 0, "O2:10s"},
	  {5000, STATE, 11, ACD_A_RINGING, 0, 0, 0, ""}}},

	{"ring timeout moves on, no answer -> not ready",
	 {.ring_s = 10},
	 {QDEF}, {{10, BOTH, 0}, {11, BOTH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1000, LOGIN, 11, 0, 0, 0, 0, ""},
	  {2000, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {11999, TICK, 0, 0, 0, 0, 0, ""},
	  {12000, TICK, 0, 0, 0, 0, 0, "C1:10:ring-timeout O1:11"},
	  {12001, STATE, 10, ACD_A_NOT_READY, 0, 0, 0, ""},
	  {13000, REJECT, 11, 0, 0, 0, 0, "C1:11:rejected"},
	  {14000, READY, 10, 0, 0, 0, 0, "O1:10"},
	  {15000, ANSWER, 10, 0, 0, 0, 0, ""},
	  {15001, ANSWER, 10, 0, 0, 0, EPROTO, ""}}},

	{"not ready on a call: no offer after it, until ready", {0},
	 {QDEF}, {{10, BOTH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1000, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {1100, ANSWER, 10, 0, 0, 0, 0, ""},
	  {2000, ARRIVE, 2, Q101, 0, 0, 0, ""},
	  {3000, NREADY, 10, 0, 0, 0, 0, ""},
	  {3001, STATE, 10, ACD_A_ON_CALL, 0, 0, 0, ""},
	  {4000, CEND, 1, 0, 0, 0, 0, "E1:completed"},
	  {4001, STATE, 10, ACD_A_NOT_READY, 0, 0, 0, ""},
	  {5000, READY, 10, 0, 0, 0, 0, "O2:10"},
	  {5100, ANSWER, 10, 0, 0, 0, 0, ""},
	  /* asked and taken back during the call: offered as usual */
	  {6000, ARRIVE, 3, Q999, 0, 0, 0, ""},
	  {6100, NREADY, 10, 0, 0, 0, 0, ""},
	  {6200, READY, 10, 0, 0, 0, 0, ""},
	  {7000, CEND, 2, 0, 0, 0, 0, "E2:completed O3:10"}}},

	{"ring timeout, no answer -> back of the line",
	 {.ring_s = 10, .noanswer = ACD_NA_LAST},
	 {QDEF}, {{10, BOTH, 0}, {11, BOTH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1000, LOGIN, 11, 0, 0, 0, 0, ""},
	  {2000, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {12000, TICK, 0, 0, 0, 0, 0, "C1:10:ring-timeout O1:11"},
	  {22000, TICK, 0, 0, 0, 0, 0, "C1:11:ring-timeout O1:10"},
	  {22500, REJECT, 10, 0, 0, 0, 0, "C1:10:rejected O1:11"}}},

	{"wrap-up respected", {0},
	 {QDEF}, {{10, BOTH, 5}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {100, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {200, ANSWER, 10, 0, 0, 0, 0, ""},
	  {1000, CEND, 1, 0, 0, 0, 0, "E1:completed"},
	  {2000, ARRIVE, 2, Q999, 0, 0, 0, ""},
	  {5999, TICK, 0, 0, 0, 0, 0, ""},
	  {6000, TICK, 0, 0, 0, 0, 0, "O2:10"},
	  {6100, ANSWER, 10, 0, 0, 0, 0, ""},
	  {6200, LOGOUT, 10, 0, 0, 0, EBUSY, ""},
	  {7000, ABANDON, 2, 0, 0, 0, 0, "E2:caller-hungup"},
	  {7001, STATE, 10, ACD_A_WRAP_UP, 0, 0, 0, ""},
	  {7002, READY, 10, 0, 0, 0, 0, ""},
	  {7003, STATE, 10, ACD_A_AVAILABLE, 0, 0, 0, ""}}},

	{"overflow keeps the original arrival time", {0},
	 {{QGEN, 1, KGEN, 0, 0, 0}, {Q101, 1, K101, QGEN, 30, 0}},
	 {{10, K101, 0}, {11, KGEN, 0}},
	 {{0, ARRIVE, 1, Q101, 0, 0, 0, ""},
	  {10000, ARRIVE, 5, QGEN, 0, 0, 0, ""},
	  {29999, TICK, 0, 0, 0, 0, 0, ""},
	  {30000, TICK, 0, 0, 0, 0, 0, "V1:2>3"},
	  {31000, LOGIN, 11, 0, 0, 0, 0, "O1:11"},
	  {31500, LOGIN, 10, 0, 0, 0, 0, ""},
	  {32000, REJECT, 11, 0, 0, 0, 0, "C1:11:rejected"},
	  {33000, READY, 11, 0, 0, 0, 0, "O1:11"}}},

	{"disconnect returns the call to the head", {0},
	 {QDEF}, {{10, BOTH, 0}, {11, BOTH | KWELSH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {500, ARRIVE, 2, Q101, KWELSH, 0, 0, ""},
	  {1000, ARRIVE, 1, Q101, 0, 0, 0, "O1:10"},
	  {1500, ANSWER, 10, 0, 0, 0, 0, ""},
	  {3000, ARRIVE, 3, Q101, 0, 0, 0, ""},
	  {4000, DISC, 10, 0, 0, 0, 0, "R1:10"},
	  /* 1 before 2, which arrived earlier */
	  {5000, LOGIN, 11, 0, 0, 0, 0, "O1:11"},
	  {5100, DISC, 11, 0, 0, 0, 0, "C1:11:disconnect R1:11"},
	  {5200, LOGIN, 10, 0, 0, 0, 0, "O1:10"},
	  {5300, DISC, 10, 0, 0, 0, 0, "C1:10:disconnect R1:10"},
	  {5400, DISC, 10, 0, 0, 0, EPROTO, ""},
	  {5500, LOGIN, 11, 0, 0, 0, 0, "O1:11"}}},

	{"grace period: back to the same call taker", {.grace_s = 20},
	 {QDEF}, {{10, BOTH, 0}, {11, BOTH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1000, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {1500, ANSWER, 10, 0, 0, 0, 0, ""},
	  {2000, LOGIN, 11, 0, 0, 0, 0, ""},
	  {5000, DISC, 10, 0, 0, 0, 0, "R1:10*"},
	  {6000, ARRIVE, 2, Q101, 0, 0, 0, "O2:11"},
	  {15000, TICK, 0, 0, 0, 0, 0, ""},
	  {16000, LOGIN, 10, 0, 0, 0, 0, "O1:10"},
	  {16500, ANSWER, 10, 0, 0, 0, 0, ""},
	  {17000, CEND, 1, 0, 0, 0, 0, "E1:completed"}}},

	{"grace period over: the head goes to anyone", {.grace_s = 20},
	 {QDEF}, {{10, BOTH, 0}, {11, BOTH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1000, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {1500, ANSWER, 10, 0, 0, 0, 0, ""},
	  {2000, LOGIN, 11, 0, 0, 0, 0, ""},
	  {5000, DISC, 10, 0, 0, 0, 0, "R1:10*"},
	  {24999, TICK, 0, 0, 0, 0, 0, ""},
	  {25000, TICK, 0, 0, 0, 0, 0, "O1:11"},
	  {26000, LOGIN, 10, 0, 0, 0, 0, ""}}},

	{"announcements while waiting, none once offered", {0},
	 {{Q999, 10, K999, 0, 0, 15}}, {{10, BOTH, 0}},
	 {{0, ARRIVE, 1, Q999, 0, 0, 0, "A1#0"},
	  {14999, TICK, 0, 0, 0, 0, 0, ""},
	  {15000, TICK, 0, 0, 0, 0, 0, "A1#1"},
	  {30000, TICK, 0, 0, 0, 0, 0, "A1#2"},
	  {31000, LOGIN, 10, 0, 0, 0, 0, "O1:10"},
	  {61000, TICK, 0, 0, 0, 0, 0, "C1:10:ring-timeout A1#3"},
	  {75999, TICK, 0, 0, 0, 0, 0, ""},
	  {76000, TICK, 0, 0, 0, 0, 0, "A1#4"}}},

	{"limits refuse explicitly and record; restart ends all",
	 {.max_calls = 3},
	 {QDEF}, {{10, BOTH, 0}},
	 {{0, LOGIN, 10, 0, 0, 0, 0, ""},
	  {1, ARRIVE, 1, Q999, 0, 0, 0, "O1:10"},
	  {2, ARRIVE, 2, Q999, 0, 0, 0, ""},
	  {3, ARRIVE, 3, Q101, 0, 0, 0, ""},
	  {4, ARRIVE, 3, Q101, 0, 0, EALREADY, ""},
	  {5, ARRIVE, 4, Q999, 0, 0, ENOSPC, "E4:refused-no-room"},
	  {6, ARRIVE, 5, 77, 0, 0, ENOENT, "E5:refused-no-queue"},
	  {7, CEND, 3, 0, 0, 0, 0, "E3:cleared"},
	  {8, SHUTDOWN, 0, 0, 0, 0, 0,
	   "C1:10:restart E1:restart E2:restart"},
	  {9, STATE, 10, ACD_A_LOGGED_OUT, 0, 0, 0, ""}}},
};


/* ---------------------------------------------------------- recorder -- */

struct rec {
	char buf[512];
	struct acd *acd;
	int reentry;
};

static void rec_add(struct rec *r, const char *fmt, ...)
{
	size_t n = strlen(r->buf);
	va_list ap;

	if (n)
		r->buf[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(r->buf + n, sizeof(r->buf) - n, fmt, ap);
	va_end(ap);
}

static void h_offer(const struct acd_call_info *c, uint32_t agent,
		    void *arg)
{
	struct rec *r = arg;

	rec_add(r, "O%llu:%u%s", (unsigned long long)c->id, agent,
		c->flags & ACD_F_SILENT ? "s" : "");
	/* handlers may not re-enter: the engine must say so */
	r->reentry = acd_agent_answer(r->acd, agent, 0);
}

static void h_cancel(const struct acd_call_info *c, uint32_t agent,
		     enum acd_cancel why, void *arg)
{
	rec_add(arg, "C%llu:%u:%s", (unsigned long long)c->id, agent,
		acd_cancel_name(why));
}

static void h_announce(const struct acd_call_info *c, uint32_t n,
		       void *arg)
{
	rec_add(arg, "A%llu#%u", (unsigned long long)c->id, n);
}

static void h_overflow(const struct acd_call_info *c, uint32_t from,
		       void *arg)
{
	rec_add(arg, "V%llu:%u>%u", (unsigned long long)c->id, from,
		c->queue);
}

static void h_returned(const struct acd_call_info *c, uint32_t agent,
		       void *arg)
{
	rec_add(arg, "R%llu:%u%s", (unsigned long long)c->id, agent,
		c->reserved ? "*" : "");
}

static void h_ended(const struct acd_call_info *c, enum acd_end why,
		    void *arg)
{
	rec_add(arg, "E%llu:%s", (unsigned long long)c->id,
		acd_end_name(why));
}

static const struct acd_h rec_h = {h_offer, h_cancel, h_announce,
				   h_overflow, h_returned, h_ended};


/* ---------------------------------------------------------- scenarios */

static int do_step(struct acd *acd, const struct step *s)
{
	switch (s->op) {

	case ARRIVE:  return acd_call_arrive(acd, s->id, s->q, s->flags,
					     s->skills, s->t);
	case ABANDON: return acd_call_abandon(acd, s->id, s->t);
	case CEND:    return acd_call_end(acd, s->id, s->t);
	case LOGIN:   return acd_agent_login(acd, s->id, s->t);
	case LOGOUT:  return acd_agent_logout(acd, s->id, s->t);
	case READY:   return acd_agent_ready(acd, s->id, true, s->t);
	case NREADY:  return acd_agent_ready(acd, s->id, false, s->t);
	case ANSWER:  return acd_agent_answer(acd, s->id, s->t);
	case REJECT:  return acd_agent_reject(acd, s->id, s->t);
	case DISC:    return acd_agent_disconnect(acd, s->id, s->t);
	case TICK:    acd_tick(acd, s->t); return 0;
	case SHUTDOWN: acd_shutdown(acd, s->t); return 0;
	case STATE:
		assert_string_equal(acd_astate_name(s->q),
			acd_astate_name(acd_agent_state(acd, s->id)));
		return 0;
	default:      return EINVAL;
	}
}

static struct acd *make(const struct scenario *sc, struct rec *r)
{
	struct acd_conf conf = sc->conf;
	struct acd *acd = NULL;
	int i;

	conf.max_queues = conf.max_queues ? conf.max_queues : MAXQ;
	conf.max_agents = conf.max_agents ? conf.max_agents : MAXA;
	conf.max_calls  = conf.max_calls ? conf.max_calls : 64;
	conf.ring_s     = conf.ring_s ? conf.ring_s : 30;
	assert_int_equal(0, acd_alloc(&acd, &conf, &rec_h, r));
	r->acd = acd;

	for (i = 0; i < MAXQ && sc->q[i].id; i++)
		assert_int_equal(0, acd_queue_add(acd, &sc->q[i]));
	for (i = 0; i < MAXA && sc->a[i].id; i++)
		assert_int_equal(0, acd_agent_add(acd, sc->a[i].id,
			sc->a[i].skills, sc->a[i].wrap_s));

	return acd;
}

static void test_scenarios(void **state)
{
	size_t k;
	int i;

	for (k = 0; k < ARRAY_SIZE(scenarios); k++) {
		const struct scenario *sc = &scenarios[k];
		struct rec r;
		struct acd *acd;
		const char *why;

		memset(&r, 0, sizeof(r));
		acd = make(sc, &r);

		for (i = 0; i < MAXSTEP && sc->s[i].op != END; i++) {
			const struct step *s = &sc->s[i];
			int rc;

			r.buf[0] = '\0';
			rc = do_step(acd, s);
			if (rc != s->rc || strcmp(r.buf, s->expect))
				print_error("%s, step %d (t=%llu): rc %d, "
					    "decisions \"%s\"\n", sc->name, i,
					    (unsigned long long)s->t, rc,
					    r.buf);
			assert_int_equal(s->rc, rc);
			assert_string_equal(s->expect, r.buf);
			assert_int_equal(EDEADLK, r.reentry ? r.reentry
					 : EDEADLK);
			assert_int_equal(0, acd_check(acd, &why));
		}
		acd_shutdown(acd, 0);
		assert_int_equal(0, acd_check(acd, &why));
		mem_deref(acd);
	}
}


/* ------------------------------------------------------------- flood -- */

enum { NCALLS = 5000, NAGENTS = 20, STEP_MS = 100, GRACE_S = 10 };

enum act { ACT_NONE = 0, ACT_ANSWER, ACT_REJECT, ACT_END, ACT_LOGIN };

struct flood {
	struct acd *acd;
	uint32_t rnd;
	uint64_t now;
	struct { enum act act; uint64_t at; uint64_t call; } ag[NAGENTS];
	uint8_t answered[NCALLS + 1];
	int8_t ended[NCALLS + 1];
	uint32_t offers[NCALLS + 1];
	uint32_t nended, nreturned, ntimeout_left, nrejects;
};

static uint32_t rnd(struct flood *f, uint32_t n)
{
	f->rnd = f->rnd * 1103515245u + 12345u;
	return (f->rnd >> 8) % n;
}

static void fl_offer(const struct acd_call_info *c, uint32_t agent,
		     void *arg)
{
	struct flood *f = arg;
	uint32_t i = agent - 1, r = rnd(f, 100);

	f->offers[c->id]++;
	f->ag[i].call = c->id;
	if (r < 4) {
		f->ag[i].act = ACT_REJECT;
		f->ag[i].at = f->now + 500;
	}
	else if (r < 7) {
		f->ag[i].act = ACT_NONE;    /* lets it ring out */
		f->ntimeout_left++;
	}
	else {
		f->ag[i].act = ACT_ANSWER;
		f->ag[i].at = f->now + 200 + rnd(f, 1300);
	}
}

static void fl_cancel(const struct acd_call_info *c, uint32_t agent,
		      enum acd_cancel why, void *arg)
{
	struct flood *f = arg;

	if (f->ag[agent - 1].call == c->id)
		f->ag[agent - 1].act = ACT_NONE;
}

static void fl_returned(const struct acd_call_info *c, uint32_t agent,
			void *arg)
{
	((struct flood *)arg)->nreturned++;
}

static void fl_ended(const struct acd_call_info *c, enum acd_end why,
		     void *arg)
{
	struct flood *f = arg;

	assert_true(c->id >= 1 && c->id <= NCALLS);
	assert_int_equal(0, f->ended[c->id]);
	f->ended[c->id] = (int8_t)(why + 1);
	f->nended++;
}

static const struct acd_h flood_h = {fl_offer, fl_cancel, NULL, NULL,
				     fl_returned, fl_ended};

static void checked(struct flood *f, int err)
{
	const char *why = NULL;

	assert_int_equal(0, err);
	if (acd_check(f->acd, &why))
		fail_msg("invariant broken at t=%llu: %s",
			 (unsigned long long)f->now, why);
}

static void flood_agent(struct flood *f, uint32_t i)
{
	uint32_t id = i + 1;
	enum act act = f->ag[i].act;
	uint64_t call = f->ag[i].call;

	/* a position now and then goes away in mid-call */
	if (acd_agent_state(f->acd, id) == ACD_A_ON_CALL &&
	    rnd(f, 4000) == 0) {
		checked(f, acd_agent_disconnect(f->acd, id, f->now));
		f->ag[i].act = ACT_LOGIN;
		f->ag[i].at = f->now + 1000 + rnd(f, 2 * GRACE_S * 1000);
		return;
	}

	if (act == ACT_NONE || f->now < f->ag[i].at)
		return;

	f->ag[i].act = ACT_NONE;
	switch (act) {

	case ACT_ANSWER:
		checked(f, acd_agent_answer(f->acd, id, f->now));
		f->answered[call] = 1;
		f->ag[i].act = ACT_END;
		f->ag[i].at = f->now + 1000 + rnd(f, 4000);
		break;

	case ACT_REJECT:
		f->nrejects++;
		checked(f, acd_agent_reject(f->acd, id, f->now));
		break;

	case ACT_END:
		checked(f, acd_call_end(f->acd, call, f->now));
		break;

	case ACT_LOGIN:
		checked(f, acd_agent_login(f->acd, id, f->now));
		break;

	default:
		break;
	}
}

static void test_flood(void **state)
{
	static const struct acd_queue_conf qs[] = {
		{QGEN, 1, KGEN, 0, 0, 20},
		{Q999, 10, K999, 0, 0, 20},
		{Q101, 1, K101, QGEN, 120, 20},
	};
	struct acd_conf conf = {4, NAGENTS, NCALLS, 8, GRACE_S,
				ACD_NA_LAST};
	struct flood *f = calloc(1, sizeof(*f));
	struct acd_stats st;
	uint32_t i, next = 1, nok = 0;
	size_t k;

	assert_non_null(f);
	f->rnd = 42;
	assert_int_equal(0, acd_alloc(&f->acd, &conf, &flood_h, f));
	for (k = 0; k < ARRAY_SIZE(qs); k++)
		assert_int_equal(0, acd_queue_add(f->acd, &qs[k]));
	for (i = 0; i < NAGENTS; i++) {
		uint64_t sk = K999 | K101 | (i >= 10 ? KGEN : 0)
			| (i < 5 || i == 10 ? KWELSH : 0);

		assert_int_equal(0, acd_agent_add(f->acd, i + 1, sk, 1));
		checked(f, acd_agent_login(f->acd, i + 1, 0));
	}

	/* 10 calls/s for 500 s against ~4.4/s of capacity: a long queue */
	for (f->now = 0; f->nended < NCALLS && f->now < 4000000;
	     f->now += STEP_MS) {
		if (next <= NCALLS) {
			uint32_t q = rnd(f, 10) < 3 ? Q999 : Q101;
			uint64_t sk = rnd(f, 10) == 0 ? KWELSH : 0;
			uint32_t fl = rnd(f, 20) == 0 ? ACD_F_SILENT : 0;

			checked(f, acd_call_arrive(f->acd, next++, q, fl, sk,
						   f->now));
		}
		for (i = 0; i < NAGENTS; i++)
			flood_agent(f, i);
		acd_tick(f->acd, f->now);
		checked(f, 0);
	}

	for (i = 1; i <= NCALLS; i++) {
		if (f->answered[i] && f->offers[i] &&
		    f->ended[i] == ACD_END_COMPLETED + 1)
			nok++;
	}
	acd_stats(f->acd, &st);
	print_message("flood: %u calls, %u agents: %u answered+completed "
		      "in %llu s simulated; %llu offers, %llu ring timeouts,"
		      " %u rejects, %u returned by disconnect, %llu "
		      "overflowed\n", NCALLS, NAGENTS, nok,
		      (unsigned long long)f->now / 1000,
		      (unsigned long long)st.offered,
		      (unsigned long long)st.timeouts, f->nrejects,
		      f->nreturned, (unsigned long long)st.overflowed);
	assert_int_equal(NCALLS, nok);
	assert_int_equal(NCALLS, st.arrived);
	assert_int_equal(NCALLS, st.ended);
	assert_int_equal(0, st.refused);
	assert_true(st.timeouts > 0 && f->nrejects > 0 && f->nreturned > 0);
	assert_true(st.overflowed > 0);

	mem_deref(f->acd);
	free(f);
}


/* --------------------------------------------------------- benchmark -- */

static void bn_offer(const struct acd_call_info *c, uint32_t agent,
		     void *arg)
{
	*(uint64_t *)arg = c->id;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Not an assertion of speed: the figure is printed for the record */
static void test_bench_arrival(void **state)
{
	enum { QUEUED = 500, RUNS = 5000 };
	static const struct acd_h h = {.offer = bn_offer};
	struct acd_queue_conf q999 = {Q999, 10, K999, 0, 0, 20};
	struct acd_queue_conf q101 = {Q101, 1, K101, 0, 0, 20};
	struct acd_conf conf = {2, 20, QUEUED + 32, 30, 0, ACD_NA_LAST};
	static uint64_t ns[RUNS];
	uint64_t offered = 0, t0;
	struct acd *acd = NULL;
	uint32_t i;

	assert_int_equal(0, acd_alloc(&acd, &conf, &h, &offered));
	assert_int_equal(0, acd_queue_add(acd, &q999));
	assert_int_equal(0, acd_queue_add(acd, &q101));

	/* 19 call takers busy on 101, one free 999 call taker: the 500
	 * queued 101 calls are all passed over on every decision */
	for (i = 1; i <= 20; i++) {
		assert_int_equal(0, acd_agent_add(acd, i,
			i == 20 ? K999 : K101, 0));
		assert_int_equal(0, acd_agent_login(acd, i, 0));
		if (i == 20)
			break;
		assert_int_equal(0, acd_call_arrive(acd, i, Q101, 0, 0, 0));
		assert_int_equal(0, acd_agent_answer(acd, i, 0));
	}
	for (i = 0; i < QUEUED; i++)
		assert_int_equal(0, acd_call_arrive(acd, 100 + i, Q101, 0, 0,
						    1 + i));

	for (i = 0; i < RUNS; i++) {
		uint64_t id = 1000000 + i;

		t0 = ns_now();
		assert_int_equal(0, acd_call_arrive(acd, id, Q999, 0, 0,
						    1000 + i));
		ns[i] = ns_now() - t0;
		assert_int_equal(id, offered);
		assert_int_equal(0, acd_call_abandon(acd, id, 1000 + i));
	}

	qsort(ns, RUNS, sizeof(ns[0]), cmp_u64);
	print_message("acd decision, 999 arrival -> offer with %d queued "
		      "calls: p50 %.2f us, p99 %.2f us, max %.2f us "
		      "(budget p99 50000 us)\n", QUEUED,
		      ns[RUNS / 2] / 1e3, ns[RUNS * 99 / 100] / 1e3,
		      ns[RUNS - 1] / 1e3);

	acd_shutdown(acd, 0);
	mem_deref(acd);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_bench_arrival),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
