/**
 * @file acd.c  Call distribution: tables, service order, dispatch
 *
 * Two ordered lists carry the whole policy.  acd->wait holds queued calls
 * in the order they are to be served: queue priority (999 before 101),
 * then calls sent back to the head by a lost position, then the original
 * arrival time (kept across overflow), then arrival order.  acd->avail
 * holds available agents, longest idle first.  Dispatch walks the calls
 * in that order and gives each the first available agent with every
 * skill it needs, so a call no one can take never blocks the ones behind.
 * All memory is taken at acd_alloc: calls live in a fixed pool.
 */
#include <re.h>
#include <string.h>
#include "phone/acd.h"
#include "phone/acd_int.h"

static const char *astate_names[ACD_A_COUNT] = {
	[ACD_A_LOGGED_OUT] = "logged-out",
	[ACD_A_NOT_READY]  = "not-ready",
	[ACD_A_AVAILABLE]  = "available",
	[ACD_A_RINGING]    = "ringing",
	[ACD_A_ON_CALL]    = "on-call",
	[ACD_A_WRAP_UP]    = "wrap-up",
};

static const char *end_names[ACD_END_COUNT] = {
	[ACD_END_COMPLETED]     = "completed",
	[ACD_END_CLEARED]       = "cleared",
	[ACD_END_ABANDONED]     = "abandoned",
	[ACD_END_CALLER_HUNGUP] = "caller-hungup",
	[ACD_END_NOROOM]        = "refused-no-room",
	[ACD_END_NOQUEUE]       = "refused-no-queue",
	[ACD_END_RESTART]       = "restart",
};

static const char *cancel_names[ACD_CANCEL_COUNT] = {
	[ACD_CANCEL_TIMEOUT]    = "ring-timeout",
	[ACD_CANCEL_REJECT]     = "rejected",
	[ACD_CANCEL_ABANDON]    = "abandoned",
	[ACD_CANCEL_LOGOUT]     = "logout",
	[ACD_CANCEL_DISCONNECT] = "disconnect",
	[ACD_CANCEL_RESTART]    = "restart",
};


const char *acd_astate_name(enum acd_astate st)
{
	return (unsigned)st < ACD_A_COUNT ? astate_names[st] : "?";
}


const char *acd_end_name(enum acd_end why)
{
	return (unsigned)why < ACD_END_COUNT ? end_names[why] : "?";
}


const char *acd_cancel_name(enum acd_cancel why)
{
	return (unsigned)why < ACD_CANCEL_COUNT ? cancel_names[why] : "?";
}


static void destructor(void *arg)
{
	struct acd *acd = arg;

	hash_clear(acd->calls_h);
	hash_clear(acd->agents_h);
	list_clear(&acd->free);
	list_clear(&acd->wait);
	list_clear(&acd->avail);
	mem_deref(acd->calls_h);
	mem_deref(acd->agents_h);
	mem_deref(acd->calls);
	mem_deref(acd->agents);
	mem_deref(acd->queues);
}


int acd_alloc(struct acd **acdp, const struct acd_conf *conf,
	      const struct acd_h *h, void *arg)
{
	struct acd *acd;
	uint32_t i;
	int err;

	if (!acdp || !conf || !h || !conf->max_queues || !conf->max_agents
	    || !conf->max_calls || !conf->ring_s)
		return EINVAL;

	acd = mem_zalloc(sizeof(*acd), destructor);
	if (!acd)
		return ENOMEM;

	acd->conf = *conf;
	acd->h = *h;
	acd->arg = arg;

	acd->queues = mem_zalloc(conf->max_queues * sizeof(*acd->queues),
				 NULL);
	acd->agents = mem_zalloc(conf->max_agents * sizeof(*acd->agents),
				 NULL);
	acd->calls = mem_zalloc(conf->max_calls * sizeof(*acd->calls),
				NULL);
	if (!acd->queues || !acd->agents || !acd->calls) {
		err = ENOMEM;
		goto out;
	}

	err  = hash_alloc(&acd->agents_h, hash_valid_size(conf->max_agents));
	err |= hash_alloc(&acd->calls_h, hash_valid_size(conf->max_calls));
	if (err) {
		err = ENOMEM;
		goto out;
	}

	for (i = 0; i < conf->max_calls; i++)
		list_append(&acd->free, &acd->calls[i].le, &acd->calls[i]);

 out:
	if (err)
		mem_deref(acd);
	else
		*acdp = acd;

	return err;
}


/* -------------------------------------------------------------- lookup */

struct acd_queue *acd_queue_find(const struct acd *acd, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < acd->nqueues; i++) {
		if (acd->queues[i].c.id == id)
			return &acd->queues[i];
	}

	return NULL;
}


static bool agent_cmp(struct le *le, void *arg)
{
	const struct acd_agent *a = le->data;

	return a->id == *(const uint32_t *)arg;
}


struct acd_agent *acd_agent_find(const struct acd *acd, uint32_t id)
{
	return list_ledata(hash_lookup(acd->agents_h, id, agent_cmp, &id));
}


static uint32_t call_key(uint64_t id)
{
	return (uint32_t)(id ^ (id >> 32));
}


static bool call_cmp(struct le *le, void *arg)
{
	const struct acd_call *c = le->data;

	return c->i.id == *(const uint64_t *)arg;
}


struct acd_call *acd_call_find(const struct acd *acd, uint64_t id)
{
	return list_ledata(hash_lookup(acd->calls_h, call_key(id), call_cmp,
				       &id));
}


/* ----------------------------------------------------------- config -- */

int acd_queue_add(struct acd *acd, const struct acd_queue_conf *qc)
{
	if (!acd || !qc || qc->id == ACD_NONE)
		return EINVAL;
	if (acd_queue_find(acd, qc->id))
		return EALREADY;
	if (acd->nqueues >= acd->conf.max_queues)
		return ENOSPC;

	/* The target must exist already: overflow chains cannot loop */
	if (qc->overflow_q != ACD_NONE &&
	    (!acd_queue_find(acd, qc->overflow_q) || !qc->overflow_s))
		return EINVAL;

	acd->queues[acd->nqueues].c = *qc;
	acd->queues[acd->nqueues].waiting = 0;
	++acd->nqueues;

	return 0;
}


int acd_agent_add(struct acd *acd, uint32_t id, uint64_t skills,
		  uint32_t wrap_s)
{
	struct acd_agent *a;

	if (!acd || id == ACD_NONE)
		return EINVAL;
	if (acd_agent_find(acd, id))
		return EALREADY;
	if (acd->nagents >= acd->conf.max_agents)
		return ENOSPC;

	a = &acd->agents[acd->nagents++];
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->skills = skills;
	a->wrap_ms = (uint64_t)wrap_s * 1000;
	a->st = ACD_A_LOGGED_OUT;
	hash_append(acd->agents_h, id, &a->he, a);
	++acd->st.agents[ACD_A_LOGGED_OUT];

	return 0;
}


/* ------------------------------------------------------------- calls -- */

struct acd_call *acd_call_new(struct acd *acd, uint64_t id)
{
	struct acd_call *c = list_ledata(list_head(&acd->free));

	if (!c)
		return NULL;

	list_unlink(&c->le);
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->i.id = id;
	c->seq = ++acd->seq;
	hash_append(acd->calls_h, call_key(id), &c->he, c);

	return c;
}


void acd_call_free(struct acd *acd, struct acd_call *c)
{
	hash_unlink(&c->he);
	c->used = false;
	list_append(&acd->free, &c->le, c);
}


/* Service order; see the file comment */
static bool call_before(const struct acd_call *a, const struct acd_call *b)
{
	bool ha = a->i.flags & ACD_F_HEAD, hb = b->i.flags & ACD_F_HEAD;

	if (a->q->c.prio != b->q->c.prio)
		return a->q->c.prio > b->q->c.prio;
	if (ha != hb)
		return ha;
	if (a->i.arrival != b->i.arrival)
		return a->i.arrival < b->i.arrival;

	return a->seq < b->seq;
}


/* Newcomers mostly belong near the tail, returned calls near the head */
void acd_wait_insert(struct acd *acd, struct acd_call *c, uint64_t now)
{
	struct le *le;

	c->i.state = ACD_C_QUEUED;
	++acd->st.calls[ACD_C_QUEUED];
	++c->q->waiting;
	if (c->q->c.announce_s && !c->ann) {
		c->ann = true;
		c->next_ann = now;
	}

	if (c->i.flags & ACD_F_HEAD) {
		for (le = acd->wait.head; le; le = le->next) {
			if (call_before(c, le->data))
				break;
		}
		if (le)
			list_insert_before(&acd->wait, le, &c->le, c);
		else
			list_append(&acd->wait, &c->le, c);
		return;
	}

	/* a 999 ahead of a long 101 queue: no walk at all */
	if (acd->wait.head && call_before(c, acd->wait.head->data)) {
		list_prepend(&acd->wait, &c->le, c);
		return;
	}

	for (le = acd->wait.tail; le; le = le->prev) {
		if (!call_before(c, le->data))
			break;
	}
	if (le)
		list_insert_after(&acd->wait, le, &c->le, c);
	else
		list_prepend(&acd->wait, &c->le, c);
}


void acd_wait_remove(struct acd *acd, struct acd_call *c)
{
	list_unlink(&c->le);
	--acd->st.calls[ACD_C_QUEUED];
	--c->q->waiting;
}


/* ------------------------------------------------------------ agents -- */

/* Longest idle first; a restored agent keeps its place */
void acd_avail_put(struct acd *acd, struct acd_agent *a)
{
	struct le *le;

	for (le = acd->avail.tail; le; le = le->prev) {
		const struct acd_agent *b = le->data;

		if (b->idle_since <= a->idle_since)
			break;
	}
	if (le)
		list_insert_after(&acd->avail, le, &a->le, a);
	else
		list_prepend(&acd->avail, &a->le, a);
}


/* Callers set idle_since before making an agent available */
void acd_agent_set(struct acd *acd, struct acd_agent *a,
		   enum acd_astate st, uint64_t now)
{
	if (a->st == ACD_A_AVAILABLE)
		list_unlink(&a->le);

	--acd->st.agents[a->st];
	++acd->st.agents[st];
	a->st = st;

	if (st == ACD_A_AVAILABLE)
		acd_avail_put(acd, a);
	else if (st == ACD_A_WRAP_UP)
		a->due = now + a->wrap_ms;
}


/* ---------------------------------------------------------- dispatch -- */

void acd_offer(struct acd *acd, struct acd_call *c, struct acd_agent *a,
	       uint64_t now)
{
	acd_wait_remove(acd, c);
	c->i.state = ACD_C_RINGING;
	++acd->st.calls[ACD_C_RINGING];
	c->agent = a;
	c->i.agent = a->id;
	++c->i.offers;

	if (a->resv == c)
		a->resv = NULL;
	c->i.reserved = ACD_NONE;

	a->call = c;
	a->due = now + (uint64_t)acd->conf.ring_s * 1000;
	acd_agent_set(acd, a, ACD_A_RINGING, now);

	++acd->st.offered;
	acd_emit_offer(acd, c, a->id);
}


static struct acd_agent *pick(struct acd *acd, struct acd_call *c)
{
	struct le *le;

	/* A call kept for its lost position waits for that agent only */
	if (c->i.reserved != ACD_NONE) {
		struct acd_agent *a = acd_agent_find(acd, c->i.reserved);

		return a && a->st == ACD_A_AVAILABLE ? a : NULL;
	}

	for (le = acd->avail.head; le; le = le->next) {
		struct acd_agent *a = le->data;

		if (!(c->need & ~a->skills))
			return a;
	}

	return NULL;
}


void acd_dispatch(struct acd *acd, uint64_t now)
{
	struct le *le = acd->wait.head;

	while (le && !list_isempty(&acd->avail)) {
		struct acd_call *c = le->data;
		struct acd_agent *a;

		le = le->next;
		a = pick(acd, c);
		if (a)
			acd_offer(acd, c, a, now);
	}
}


/* ---------------------------------------------------------- handlers -- */

#define EMIT(acd, fn, ...)                                              \
	do {                                                            \
		if ((acd)->h.fn) {                                      \
			++(acd)->in_cb;                                 \
			(acd)->h.fn(__VA_ARGS__, (acd)->arg);           \
			--(acd)->in_cb;                                 \
		}                                                       \
	} while (0)


void acd_emit_offer(struct acd *acd, struct acd_call *c, uint32_t agent)
{
	EMIT(acd, offer, &c->i, agent);
}


void acd_emit_cancel(struct acd *acd, struct acd_call *c, uint32_t agent,
		     enum acd_cancel why)
{
	EMIT(acd, cancel, &c->i, agent, why);
}


void acd_emit_announce(struct acd *acd, struct acd_call *c)
{
	uint32_t n = c->i.announcements++;

	EMIT(acd, announce, &c->i, n);
}


void acd_emit_overflow(struct acd *acd, struct acd_call *c, uint32_t from)
{
	EMIT(acd, overflow, &c->i, from);
}


void acd_emit_returned(struct acd *acd, struct acd_call *c, uint32_t agent)
{
	EMIT(acd, returned, &c->i, agent);
}


void acd_emit_ended(struct acd *acd, struct acd_call_info *ci,
		    enum acd_end why)
{
	++acd->st.ended;
	EMIT(acd, ended, ci, why);
}


/* ------------------------------------------------------------- query -- */

int acd_call_get(const struct acd *acd, uint64_t id,
		 struct acd_call_info *ci)
{
	const struct acd_call *c;

	if (!acd || !ci)
		return EINVAL;

	c = acd_call_find(acd, id);
	if (!c)
		return ENOENT;

	*ci = c->i;
	return 0;
}


enum acd_astate acd_agent_state(const struct acd *acd, uint32_t id)
{
	const struct acd_agent *a = acd ? acd_agent_find(acd, id) : NULL;

	return a ? a->st : ACD_A_LOGGED_OUT;
}


bool acd_agent_nr_after(const struct acd *acd, uint32_t id)
{
	const struct acd_agent *a = acd ? acd_agent_find(acd, id) : NULL;

	return a && a->nr_after;
}


void acd_stats(const struct acd *acd, struct acd_stats *st)
{
	if (acd && st)
		*st = acd->st;
}


/* ---------------------------------------------------------- invariants */

#define FAIL(msg) do { *why = (msg); return EPROTO; } while (0)

static int check_wait(const struct acd *acd, const char **why)
{
	const struct acd_call *prev = NULL;
	uint32_t n = 0, per_q = 0, i;
	struct le *le;

	for (le = acd->wait.head; le; le = le->next) {
		const struct acd_call *c = le->data;

		if (!c->used || c->i.state != ACD_C_QUEUED || c->agent)
			FAIL("queued call in a wrong state");
		if (prev && call_before(c, prev))
			FAIL("queue out of service order");
		prev = c;
		++n;
	}
	if (n != acd->st.calls[ACD_C_QUEUED])
		FAIL("queued count differs from the queue");

	for (i = 0; i < acd->nqueues; i++)
		per_q += acd->queues[i].waiting;
	if (per_q != n)
		FAIL("per-queue counts differ from the queue");

	return 0;
}


static int check_agents(const struct acd *acd, const char **why)
{
	uint32_t n[ACD_A_COUNT] = {0}, navail = 0, i;
	const struct acd_agent *prev = NULL;
	struct le *le;

	for (le = acd->avail.head; le; le = le->next) {
		const struct acd_agent *a = le->data;

		if (a->st != ACD_A_AVAILABLE)
			FAIL("unavailable agent in the available list");
		if (prev && prev->idle_since > a->idle_since)
			FAIL("available list not longest-idle first");
		prev = a;
		++navail;
	}

	for (i = 0; i < acd->nagents; i++) {
		const struct acd_agent *a = &acd->agents[i];
		bool busy = a->st == ACD_A_RINGING || a->st == ACD_A_ON_CALL;
		enum acd_cstate cs = a->st == ACD_A_RINGING ?
			ACD_C_RINGING : ACD_C_CONNECTED;

		++n[a->st];
		if (busy != (a->call != NULL))
			FAIL("agent call does not match its state");
		if (busy && (a->call->agent != a || a->call->i.state != cs))
			FAIL("agent and call disagree");
		if (a->resv && (a->resv->i.reserved != a->id ||
				a->st != ACD_A_LOGGED_OUT))
			FAIL("reservation without its agent");
	}
	if (navail != n[ACD_A_AVAILABLE])
		FAIL("available list misses agents");
	if (memcmp(n, acd->st.agents, sizeof(n)))
		FAIL("agent counters are wrong");

	return 0;
}


int acd_check(const struct acd *acd, const char **why)
{
	uint32_t n[ACD_C_COUNT] = {0}, used = 0, i;
	const char *dummy;
	int err;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!acd)
		return EINVAL;

	for (i = 0; i < acd->conf.max_calls; i++) {
		const struct acd_call *c = &acd->calls[i];

		if (!c->used)
			continue;
		++used;
		++n[c->i.state];
		if (acd_call_find(acd, c->i.id) != c)
			FAIL("call not found by its id");
		if (c->i.state != ACD_C_QUEUED &&
		    (!c->agent || c->agent->call != c))
			FAIL("offered call without its agent");
	}
	if (used + list_count(&acd->free) != acd->conf.max_calls)
		FAIL("call slots leaked");
	if (memcmp(n, acd->st.calls, sizeof(n)))
		FAIL("call counters are wrong");
	if (acd->st.arrived != acd->st.ended + used)
		FAIL("a call vanished: arrived != ended + live");

	err = check_wait(acd, why);
	if (!err)
		err = check_agents(acd, why);

	return err;
}
