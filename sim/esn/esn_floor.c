/**
 * @file esn_floor.c  Floor arbitration of one group (pure state)
 *
 * The decision for a Floor Request, in order:
 *
 *   floor idle                         -> grant
 *   requester already holds it         -> grant again (refresh)
 *   requester pre-empts the holder     -> revoke holder (cause 4), grant
 *   requester offered queueing         -> queue by priority, tell position
 *   otherwise                          -> deny (cause 1, floor is busy)
 *
 * Pre-emption (as NIST's IsPreemptive): an emergency request beats a
 * normal holder; within the same class a strictly higher priority wins.
 * The queue is ordered by class, then priority, then arrival, so two
 * equal requests are served first come first served.
 */
#include <string.h>
#include "esn_floor.h"

static void out(struct esn_floor *f, enum esn_fl_act act, uint32_t part,
		uint16_t cause, uint8_t qpos)
{
	struct esn_fl_out o;

	memset(&o, 0, sizeof(o));
	o.act    = act;
	o.part   = part;
	o.holder = f->holder.part;
	o.cause  = cause;
	o.prio   = f->holder.prio;
	o.emerg  = f->holder.emerg;
	o.qpos   = qpos;
	o.seconds = act == ESN_FA_GRANT ? f->limit_s : 0;
	f->outh(&o, f->arg);
}

static void limit(struct esn_floor *f, uint16_t seconds)
{
	struct esn_fl_out o;

	memset(&o, 0, sizeof(o));
	o.act = ESN_FA_LIMIT;
	o.seconds = seconds;
	f->outh(&o, f->arg);
}

/* True when a must be served before (or instead of) b */
static bool ranks_above(const struct esn_fl_req *a,
			const struct esn_fl_req *b)
{
	if (a->emerg != b->emerg)
		return a->emerg;
	return a->prio > b->prio;
}

static bool queue_before(const struct esn_fl_req *a,
			 const struct esn_fl_req *b)
{
	if (a->emerg != b->emerg || a->prio != b->prio)
		return ranks_above(a, b);
	return a->seq < b->seq;
}

static int qfind(const struct esn_floor *f, uint32_t part)
{
	for (unsigned i = 0; i < f->queuec; i++) {
		if (f->queue[i].part == part)
			return (int)i;
	}
	return -1;
}

static void qremove(struct esn_floor *f, int i)
{
	if (i < 0)
		return;
	memmove(&f->queue[i], &f->queue[i + 1],
		(f->queuec - (unsigned)i - 1) * sizeof(f->queue[0]));
	--f->queuec;
}

static void qinsert(struct esn_floor *f, const struct esn_fl_req *r)
{
	unsigned i = 0;

	while (i < f->queuec && queue_before(&f->queue[i], r))
		++i;
	memmove(&f->queue[i + 1], &f->queue[i],
		(f->queuec - i) * sizeof(f->queue[0]));
	f->queue[i] = *r;
	++f->queuec;
}

static void tell_queue(struct esn_floor *f)
{
	for (unsigned i = 0; i < f->queuec; i++)
		out(f, ESN_FA_QUEUED, f->queue[i].part, 0, (uint8_t)(i + 1));
}

static void grant(struct esn_floor *f, const struct esn_fl_req *r)
{
	f->holder = *r;
	qremove(f, qfind(f, r->part));
	limit(f, f->limit_s);
	out(f, ESN_FA_GRANT, r->part, 0, 0);
	for (unsigned i = 0; i < f->memberc; i++) {
		if (f->members[i] != r->part)
			out(f, ESN_FA_TAKEN, f->members[i], 0, 0);
	}
}

/* The holder is gone: the queue head talks next, else the floor idles */
static void next(struct esn_floor *f)
{
	if (f->queuec) {
		struct esn_fl_req head = f->queue[0];

		grant(f, &head);
		tell_queue(f);
		return;
	}
	memset(&f->holder, 0, sizeof(f->holder));
	limit(f, 0);
	for (unsigned i = 0; i < f->memberc; i++)
		out(f, ESN_FA_IDLE, f->members[i], 0, 0);
}

void esn_floor_init(struct esn_floor *f, uint16_t limit_s,
		    esn_fl_out_h *outh, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->limit_s = limit_s;
	f->outh = outh;
	f->arg = arg;
}

int esn_floor_join(struct esn_floor *f, uint32_t part)
{
	for (unsigned i = 0; i < f->memberc; i++) {
		if (f->members[i] == part)
			goto known;
	}
	if (f->memberc >= sizeof(f->members) / sizeof(f->members[0]))
		return 28; /* ENOSPC */
	f->members[f->memberc++] = part;
 known:
	if (f->holder.part && f->holder.part != part)
		out(f, ESN_FA_TAKEN, part, 0, 0);
	return 0;
}

void esn_floor_leave(struct esn_floor *f, uint32_t part)
{
	for (unsigned i = 0; i < f->memberc; i++) {
		if (f->members[i] != part)
			continue;
		f->members[i] = f->members[--f->memberc];
		break;
	}
	qremove(f, qfind(f, part));
	if (f->holder.part == part)
		next(f);
}

void esn_floor_request(struct esn_floor *f, const struct esn_fl_req *req)
{
	struct esn_fl_req r = *req;
	int qi;

	if (!r.part)
		return;
	r.seq = ++f->nseq;

	if (!f->holder.part || f->holder.part == r.part) {
		grant(f, &r);
		return;
	}
	/* A broadcast group call: everyone else only listens, unless an
	 * emergency; the broadcaster himself takes the floor at once */
	if (f->holder.bcast && !r.emerg) {
		out(f, ESN_FA_DENY, r.part, ESN_DENY_RECV_ONLY, 0);
		return;
	}
	if (r.bcast && !f->holder.emerg) {
		out(f, ESN_FA_REVOKE, f->holder.part, ESN_REVOKE_PREEMPTED, 0);
		grant(f, &r);
		return;
	}
	if (ranks_above(&r, &f->holder)) {
		out(f, ESN_FA_REVOKE, f->holder.part, ESN_REVOKE_PREEMPTED, 0);
		grant(f, &r);
		return;
	}
	if (!r.queueing) {
		out(f, ESN_FA_DENY, r.part, ESN_DENY_BUSY, 0);
		return;
	}
	qi = qfind(f, r.part);
	if (qi >= 0)
		qremove(f, qi);    /* a repeat request may change priority */
	else if (f->queuec >= ESN_FL_QMAX) {
		out(f, ESN_FA_DENY, r.part, ESN_DENY_QUEUE_FULL, 0);
		return;
	}
	qinsert(f, &r);
	out(f, ESN_FA_QUEUED, r.part, 0, (uint8_t)esn_floor_qpos(f, r.part));
}

void esn_floor_release(struct esn_floor *f, uint32_t part)
{
	int qi = qfind(f, part);

	if (qi >= 0) {           /* a queued participant gives up */
		qremove(f, qi);
		tell_queue(f);
		return;
	}
	if (part && f->holder.part == part)
		next(f);
}

void esn_floor_expire(struct esn_floor *f)
{
	if (!f->holder.part)
		return;
	out(f, ESN_FA_REVOKE, f->holder.part, ESN_REVOKE_TOO_LONG, 0);
	next(f);
}

uint32_t esn_floor_holder(const struct esn_floor *f)
{
	return f->holder.part;
}

unsigned esn_floor_qpos(const struct esn_floor *f, uint32_t part)
{
	int i = qfind(f, part);

	return i < 0 ? 0 : (unsigned)i + 1;
}
