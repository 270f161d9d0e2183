/**
 * @file acd_ev.c  Call distribution: events, timers, restart, invariants
 *
 * Which agent event is allowed in which state is the table below; an
 * event outside it is EPROTO and changes nothing, so a late or doubled
 * signal from a console can never lose a call.  Every path that takes a
 * call off an agent puts it back in the queue; only abandon, end and
 * shutdown free a call, and each reports how it ended.
 */
#include <re.h>
#include <string.h>
#include "phone/acd.h"
#include "phone/acd_int.h"

#define S(st) (1u << ACD_A_##st)
#define LOGGED_IN (S(NOT_READY) | S(AVAILABLE) | S(RINGING) | S(ON_CALL) \
		   | S(WRAP_UP))

enum aev { AEV_LOGIN, AEV_LOGOUT, AEV_READY, AEV_NOT_READY, AEV_ANSWER,
	   AEV_REJECT, AEV_DISCONNECT, AEV_COUNT };

/* States in which each agent event is accepted */
static const uint32_t aev_from[AEV_COUNT] = {
	[AEV_LOGIN]      = S(LOGGED_OUT),
	[AEV_LOGOUT]     = S(NOT_READY) | S(AVAILABLE) | S(RINGING)
			   | S(WRAP_UP),
	[AEV_READY]      = S(NOT_READY) | S(AVAILABLE) | S(ON_CALL)
			   | S(WRAP_UP),
	[AEV_NOT_READY]  = S(NOT_READY) | S(AVAILABLE) | S(ON_CALL)
			   | S(WRAP_UP),
	[AEV_ANSWER]     = S(RINGING),
	[AEV_REJECT]     = S(RINGING),
	[AEV_DISCONNECT] = LOGGED_IN,
};

/* Where an agent goes after letting an offer go (conf.noanswer) */
static const enum acd_astate noanswer_to[] = {
	[ACD_NA_NOT_READY] = ACD_A_NOT_READY,
	[ACD_NA_LAST]      = ACD_A_AVAILABLE,
};


static int agent_get(struct acd *acd, uint32_t id, enum aev ev,
		     struct acd_agent **ap)
{
	struct acd_agent *a;

	if (!acd)
		return EINVAL;
	if (acd->in_cb)
		return EDEADLK;

	a = acd_agent_find(acd, id);
	if (!a)
		return ENOENT;
	if (!(aev_from[ev] & (1u << a->st)))
		return EPROTO;

	*ap = a;
	return 0;
}


static int call_get(struct acd *acd, uint64_t id, struct acd_call **cp)
{
	if (!acd)
		return EINVAL;
	if (acd->in_cb)
		return EDEADLK;

	*cp = acd_call_find(acd, id);

	return *cp ? 0 : ENOENT;
}


static void make_available(struct acd *acd, struct acd_agent *a,
			   uint64_t now)
{
	a->idle_since = now;
	acd_agent_set(acd, a, ACD_A_AVAILABLE, now);
}


/* Take the call off its ringing agent and queue it again (by arrival,
 * or at the head when `head`); `to` is where the agent goes. */
static void unring(struct acd *acd, struct acd_call *c, enum acd_astate to,
		   enum acd_cancel why, bool head, uint64_t now)
{
	struct acd_agent *a = c->agent;

	a->call = NULL;
	c->agent = NULL;
	--acd->st.calls[ACD_C_RINGING];

	acd_agent_set(acd, a, to, now);

	acd_emit_cancel(acd, c, a->id, why);

	if (head)
		c->i.flags |= ACD_F_HEAD;
	acd_wait_insert(acd, c, now);
}


static void finish(struct acd *acd, struct acd_call *c, enum acd_end why)
{
	struct acd_call_info ci = c->i;
	struct acd_agent *ra;

	if (c->i.reserved != ACD_NONE) {
		ra = acd_agent_find(acd, c->i.reserved);
		if (ra && ra->resv == c)
			ra->resv = NULL;
	}
	acd_call_free(acd, c);
	acd_emit_ended(acd, &ci, why);
}


/* The agent's connected call is over: wrap-up, or free at once */
static void hangup(struct acd *acd, struct acd_call *c, enum acd_end why,
		   uint64_t now)
{
	struct acd_agent *a = c->agent;

	a->call = NULL;
	--acd->st.calls[ACD_C_CONNECTED];
	if (a->nr_after) {
		a->nr_after = false;
		acd_agent_set(acd, a, ACD_A_NOT_READY, now);
	}
	else if (a->wrap_ms)
		acd_agent_set(acd, a, ACD_A_WRAP_UP, now);
	else
		make_available(acd, a, now);

	finish(acd, c, why);
}


/* ------------------------------------------------------------ calls -- */

static int refuse(struct acd *acd, uint64_t id, uint32_t queue,
		  uint32_t flags, uint64_t skills, uint64_t now,
		  enum acd_end why)
{
	struct acd_call_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.id = id;
	ci.queue = ci.orig_queue = queue;
	ci.flags = flags;
	ci.skills = skills;
	ci.arrival = now;
	++acd->st.refused;
	acd_emit_ended(acd, &ci, why);

	return why == ACD_END_NOROOM ? ENOSPC : ENOENT;
}


int acd_call_arrive(struct acd *acd, uint64_t id, uint32_t queue,
		    uint32_t flags, uint64_t skills, uint64_t now)
{
	struct acd_queue *q;
	struct acd_call *c;

	if (!acd)
		return EINVAL;
	if (acd->in_cb)
		return EDEADLK;
	if (acd_call_find(acd, id))
		return EALREADY;

	++acd->st.arrived;
	q = acd_queue_find(acd, queue);
	if (!q)
		return refuse(acd, id, queue, flags, skills, now,
			      ACD_END_NOQUEUE);

	c = acd_call_new(acd, id);
	if (!c)
		return refuse(acd, id, queue, flags, skills, now,
			      ACD_END_NOROOM);

	c->q = q;
	c->i.queue = c->i.orig_queue = queue;
	c->i.flags = flags & ~ACD_F_HEAD;
	c->i.skills = skills;
	c->need = skills | q->c.skills;
	c->i.arrival = c->enq_at = now;
	acd_wait_insert(acd, c, now);

	acd_dispatch(acd, now);

	/* Waiting: the caller hears the first announcement at once */
	if (c->i.state == ACD_C_QUEUED && c->ann) {
		acd_emit_announce(acd, c);
		c->next_ann = now + (uint64_t)q->c.announce_s * 1000;
	}

	return 0;
}


int acd_call_flag(struct acd *acd, uint64_t id, uint32_t flags)
{
	struct acd_call *c;
	int err = call_get(acd, id, &c);

	if (!err)
		c->i.flags |= flags & ~ACD_F_HEAD;

	return err;
}


static int call_over(struct acd *acd, uint64_t id, bool caller,
		     uint64_t now)
{
	struct acd_call *c;
	struct acd_agent *a;
	int err = call_get(acd, id, &c);

	if (err)
		return err;

	switch (c->i.state) {

	case ACD_C_QUEUED:
		acd_wait_remove(acd, c);
		finish(acd, c, caller ? ACD_END_ABANDONED : ACD_END_CLEARED);
		break;

	case ACD_C_RINGING:
		a = c->agent;
		a->call = NULL;
		c->agent = NULL;
		--acd->st.calls[ACD_C_RINGING];
		acd_agent_set(acd, a, ACD_A_AVAILABLE, now);
		acd_emit_cancel(acd, c, a->id, ACD_CANCEL_ABANDON);
		finish(acd, c, caller ? ACD_END_ABANDONED : ACD_END_CLEARED);
		break;

	default:
		hangup(acd, c, caller ? ACD_END_CALLER_HUNGUP :
		       ACD_END_COMPLETED, now);
		break;
	}

	acd_dispatch(acd, now);
	return 0;
}


int acd_call_abandon(struct acd *acd, uint64_t id, uint64_t now)
{
	return call_over(acd, id, true, now);
}


int acd_call_end(struct acd *acd, uint64_t id, uint64_t now)
{
	return call_over(acd, id, false, now);
}


/* ----------------------------------------------------------- agents -- */

int acd_agent_login(struct acd *acd, uint32_t id, uint64_t now)
{
	struct acd_agent *a;
	int err = agent_get(acd, id, AEV_LOGIN, &a);

	if (err)
		return err;

	a->nr_after = false;
	make_available(acd, a, now);

	/* Back within the grace period: their own call comes first */
	if (a->resv && a->resv->i.state == ACD_C_QUEUED)
		acd_offer(acd, a->resv, a, now);

	acd_dispatch(acd, now);
	return 0;
}


int acd_agent_logout(struct acd *acd, uint32_t id, uint64_t now)
{
	struct acd_agent *a;
	int err = agent_get(acd, id, AEV_LOGOUT, &a);

	/* a connected caller is never cut off by a logout */
	if (err == EPROTO && acd_agent_state(acd, id) == ACD_A_ON_CALL)
		return EBUSY;
	if (err)
		return err;

	if (a->st == ACD_A_RINGING)
		unring(acd, a->call, ACD_A_LOGGED_OUT, ACD_CANCEL_LOGOUT,
		       false, now);
	else
		acd_agent_set(acd, a, ACD_A_LOGGED_OUT, now);

	acd_dispatch(acd, now);
	return 0;
}


/* ready during wrap-up ends it early: the call taker's own choice */
int acd_agent_ready(struct acd *acd, uint32_t id, bool ready, uint64_t now)
{
	struct acd_agent *a;
	int err = agent_get(acd, id, ready ? AEV_READY : AEV_NOT_READY, &a);
	enum acd_astate to = ready ? ACD_A_AVAILABLE : ACD_A_NOT_READY;

	if (err || a->st == to)
		return err;

	/* on a call: "not ready after this call", as call takers expect of
	 * the button; ready again before the end takes it back */
	if (a->st == ACD_A_ON_CALL) {
		a->nr_after = !ready;
		return 0;
	}

	if (ready)
		make_available(acd, a, now);
	else
		acd_agent_set(acd, a, to, now);

	acd_dispatch(acd, now);
	return 0;
}


int acd_agent_answer(struct acd *acd, uint32_t id, uint64_t now)
{
	struct acd_agent *a;
	struct acd_call *c;
	int err = agent_get(acd, id, AEV_ANSWER, &a);

	if (err)
		return err;

	c = a->call;
	--acd->st.calls[ACD_C_RINGING];
	++acd->st.calls[ACD_C_CONNECTED];
	c->i.state = ACD_C_CONNECTED;
	c->i.flags &= ~ACD_F_HEAD;
	if (!c->i.answered)
		c->i.answered = now;
	++acd->st.answered;
	acd_agent_set(acd, a, ACD_A_ON_CALL, now);

	return 0;
}


static void let_go(struct acd *acd, struct acd_agent *a,
		   enum acd_cancel why, uint64_t now)
{
	enum acd_astate to = noanswer_to[acd->conf.noanswer];

	if (to == ACD_A_AVAILABLE)
		a->idle_since = now;   /* to the end of the line */
	unring(acd, a->call, to, why, false, now);
}


int acd_agent_reject(struct acd *acd, uint32_t id, uint64_t now)
{
	struct acd_agent *a;
	int err = agent_get(acd, id, AEV_REJECT, &a);

	if (err)
		return err;

	let_go(acd, a, ACD_CANCEL_REJECT, now);
	acd_dispatch(acd, now);
	return 0;
}


/* Position gone: its call goes to the head, kept for the agent if it
 * was answered and a grace period is configured. */
int acd_agent_disconnect(struct acd *acd, uint32_t id, uint64_t now)
{
	struct acd_agent *a;
	struct acd_call *c;
	int err = agent_get(acd, id, AEV_DISCONNECT, &a);

	if (err)
		return err;

	c = a->call;
	if (a->st == ACD_A_RINGING) {
		unring(acd, c, ACD_A_LOGGED_OUT, ACD_CANCEL_DISCONNECT, true,
		       now);
	}
	else if (a->st == ACD_A_ON_CALL) {
		a->call = NULL;
		c->agent = NULL;
		--acd->st.calls[ACD_C_CONNECTED];
		acd_agent_set(acd, a, ACD_A_LOGGED_OUT, now);
		c->i.flags |= ACD_F_HEAD;
		if (acd->conf.grace_s) {
			c->i.reserved = a->id;
			c->resv_until = now + (uint64_t)acd->conf.grace_s
				* 1000;
			a->resv = c;
		}
		acd_wait_insert(acd, c, now);
	}
	else {
		acd_agent_set(acd, a, ACD_A_LOGGED_OUT, now);
	}

	if (c) {
		++acd->st.returned;
		acd_emit_returned(acd, c, a->id);
	}

	acd_dispatch(acd, now);
	return 0;
}


/* ------------------------------------------------------------- tick -- */

static void tick_agents(struct acd *acd, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < acd->nagents; i++) {
		struct acd_agent *a = &acd->agents[i];

		if (a->st == ACD_A_RINGING && now >= a->due) {
			++acd->st.timeouts;
			let_go(acd, a, ACD_CANCEL_TIMEOUT, now);
		}
		else if (a->st == ACD_A_WRAP_UP && now >= a->due) {
			make_available(acd, a, now);
		}
	}
}


static void overflow(struct acd *acd, struct acd_call *c, uint64_t now)
{
	struct acd_queue *to = acd_queue_find(acd, c->q->c.overflow_q);
	uint32_t from = c->q->c.id;

	acd_wait_remove(acd, c);
	c->q = to;
	c->i.queue = to->c.id;
	c->need = c->i.skills | to->c.skills;
	c->enq_at = now;
	if (!to->c.announce_s)
		c->ann = false;
	else if (!c->ann) {
		c->ann = true;
		c->next_ann = now + (uint64_t)to->c.announce_s * 1000;
	}
	acd_wait_insert(acd, c, now);

	++acd->st.overflowed;
	acd_emit_overflow(acd, c, from);
}


static void tick_call(struct acd *acd, struct acd_call *c, uint64_t now)
{
	const struct acd_queue_conf *qc = &c->q->c;

	if (c->i.reserved != ACD_NONE && now >= c->resv_until) {
		struct acd_agent *a = acd_agent_find(acd, c->i.reserved);

		if (a && a->resv == c)
			a->resv = NULL;
		c->i.reserved = ACD_NONE;
	}

	if (c->i.reserved == ACD_NONE && qc->overflow_q != ACD_NONE &&
	    now >= c->enq_at + (uint64_t)qc->overflow_s * 1000)
		overflow(acd, c, now);

	if (c->ann && now >= c->next_ann) {
		acd_emit_announce(acd, c);
		c->next_ann = now + (uint64_t)c->q->c.announce_s * 1000;
	}
}


void acd_tick(struct acd *acd, uint64_t now)
{
	struct le *le;

	if (!acd || acd->in_cb)
		return;

	tick_agents(acd, now);

	/* Calls moved by overflow land behind `le` or were already seen */
	le = acd->wait.head;
	while (le) {
		struct acd_call *c = le->data;

		le = le->next;
		tick_call(acd, c, now);
	}

	acd_dispatch(acd, now);
}


void acd_shutdown(struct acd *acd, uint64_t now)
{
	uint32_t i;

	if (!acd || acd->in_cb)
		return;

	for (i = 0; i < acd->conf.max_calls; i++) {
		struct acd_call *c = &acd->calls[i];

		if (!c->used)
			continue;

		if (c->i.state == ACD_C_QUEUED)
			acd_wait_remove(acd, c);
		else if (c->i.state == ACD_C_RINGING)
			acd_emit_cancel(acd, c, c->agent->id,
					ACD_CANCEL_RESTART);

		if (c->i.state != ACD_C_QUEUED)
			--acd->st.calls[c->i.state];
		if (c->agent)
			c->agent->call = NULL;
		finish(acd, c, ACD_END_RESTART);
	}

	for (i = 0; i < acd->nagents; i++) {
		acd->agents[i].resv = NULL;
		acd_agent_set(acd, &acd->agents[i], ACD_A_LOGGED_OUT, now);
	}
}
