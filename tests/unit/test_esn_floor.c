/**
 * @file test_esn_floor.c  Floor arbitration of the ESN simulator
 *
 * What a dispatcher relies on from the network's floor server: the queue
 * serves by priority, an emergency takes the floor from whoever talks,
 * a release hands the floor to the queue head, and nobody talks past
 * the transmit time limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "../../sim/esn/esn_floor.h"

enum { A = 1, B, C, D };

struct rec {
	struct esn_fl_out v[64];
	unsigned n;
};

static void outh(const struct esn_fl_out *o, void *arg)
{
	struct rec *r = arg;

	assert_true(r->n < 64);
	r->v[r->n++] = *o;
}

/* The first action of kind act addressed to part, or NULL */
static const struct esn_fl_out *find(const struct rec *r,
				     enum esn_fl_act act, uint32_t part)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (r->v[i].act == act && r->v[i].part == part)
			return &r->v[i];
	}
	return NULL;
}

static void setup4(struct esn_floor *f, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	esn_floor_init(f, 30, outh, r);
	for (uint32_t p = A; p <= D; p++)
		assert_int_equal(esn_floor_join(f, p), 0);
	assert_int_equal(r->n, 0);
}

static void req(struct esn_floor *f, uint32_t part, uint8_t prio,
		bool emerg, bool queueing)
{
	struct esn_fl_req q = {.part = part, .prio = prio, .emerg = emerg,
			       .queueing = queueing};

	esn_floor_request(f, &q);
}

static void test_grant_and_taken(void **state)
{
	struct esn_floor f;
	struct rec r;
	const struct esn_fl_out *g;

	setup4(&f, &r);
	req(&f, A, 5, false, true);
	g = find(&r, ESN_FA_GRANT, A);
	assert_non_null(g);
	assert_int_equal(g->seconds, 30);
	assert_int_equal(g->prio, 5);
	for (uint32_t p = B; p <= D; p++) {
		const struct esn_fl_out *t = find(&r, ESN_FA_TAKEN, p);

		assert_non_null(t);
		assert_int_equal(t->holder, A);
	}
	assert_null(find(&r, ESN_FA_TAKEN, A));
	assert_int_equal(esn_floor_holder(&f), A);
}

static void test_busy_denied_without_queueing(void **state)
{
	struct esn_floor f;
	struct rec r;
	const struct esn_fl_out *d;

	setup4(&f, &r);
	req(&f, A, 5, false, false);
	r.n = 0;
	req(&f, B, 5, false, false);
	d = find(&r, ESN_FA_DENY, B);
	assert_non_null(d);
	assert_int_equal(d->cause, ESN_DENY_BUSY);
	assert_int_equal(esn_floor_holder(&f), A);
}

static void test_queue_by_priority(void **state)
{
	struct esn_floor f;
	struct rec r;

	setup4(&f, &r);
	req(&f, A, 9, false, true);
	req(&f, B, 3, false, true);
	req(&f, C, 7, false, true);
	req(&f, D, 3, false, true);   /* same as B, later: after B */
	assert_int_equal(esn_floor_qpos(&f, C), 1);
	assert_int_equal(esn_floor_qpos(&f, B), 2);
	assert_int_equal(esn_floor_qpos(&f, D), 3);
	assert_int_equal(esn_floor_holder(&f), A);

	/* C was told position 1 when it queued */
	assert_int_equal(find(&r, ESN_FA_QUEUED, C)->qpos, 1);
}

static void test_release_grants_queue_head(void **state)
{
	struct esn_floor f;
	struct rec r;
	const struct esn_fl_out *t;

	setup4(&f, &r);
	req(&f, A, 9, false, true);
	req(&f, B, 3, false, true);
	req(&f, C, 7, false, true);
	r.n = 0;
	esn_floor_release(&f, A);
	assert_int_equal(esn_floor_holder(&f), C);
	assert_non_null(find(&r, ESN_FA_GRANT, C));
	t = find(&r, ESN_FA_TAKEN, A);
	assert_non_null(t);
	assert_int_equal(t->holder, C);
	assert_int_equal(esn_floor_qpos(&f, B), 1);
	assert_null(find(&r, ESN_FA_IDLE, A));

	r.n = 0;
	esn_floor_release(&f, C);
	assert_int_equal(esn_floor_holder(&f), B);
	r.n = 0;
	esn_floor_release(&f, B);
	assert_int_equal(esn_floor_holder(&f), 0);
	for (uint32_t p = A; p <= D; p++)
		assert_non_null(find(&r, ESN_FA_IDLE, p));
}

static void test_emergency_preempts(void **state)
{
	struct esn_floor f;
	struct rec r;
	const struct esn_fl_out *v;

	setup4(&f, &r);
	req(&f, A, 200, false, true);
	r.n = 0;
	req(&f, B, 1, true, true);        /* low priority, but emergency */
	v = find(&r, ESN_FA_REVOKE, A);
	assert_non_null(v);
	assert_int_equal(v->cause, ESN_REVOKE_PREEMPTED);
	assert_non_null(find(&r, ESN_FA_GRANT, B));
	assert_true(find(&r, ESN_FA_GRANT, B)->emerg);
	assert_int_equal(find(&r, ESN_FA_TAKEN, A)->holder, B);
	assert_int_equal(esn_floor_holder(&f), B);

	/* a normal request, however high, does not take it back */
	r.n = 0;
	req(&f, C, 255, false, false);
	assert_non_null(find(&r, ESN_FA_DENY, C));
	assert_int_equal(esn_floor_holder(&f), B);
}

static void test_higher_priority_preempts(void **state)
{
	struct esn_floor f;
	struct rec r;

	setup4(&f, &r);
	req(&f, A, 3, false, true);
	r.n = 0;
	req(&f, B, 8, false, true);
	assert_non_null(find(&r, ESN_FA_REVOKE, A));
	assert_int_equal(esn_floor_holder(&f), B);
}

static void test_time_limit(void **state)
{
	struct esn_floor f;
	struct rec r;
	const struct esn_fl_out *v;

	setup4(&f, &r);
	req(&f, A, 5, false, true);
	assert_non_null(find(&r, ESN_FA_LIMIT, 0));
	assert_int_equal(find(&r, ESN_FA_LIMIT, 0)->seconds, 30);
	r.n = 0;
	esn_floor_expire(&f);
	v = find(&r, ESN_FA_REVOKE, A);
	assert_non_null(v);
	assert_int_equal(v->cause, ESN_REVOKE_TOO_LONG);
	assert_int_equal(esn_floor_holder(&f), 0);
	assert_non_null(find(&r, ESN_FA_IDLE, B));
	assert_int_equal(find(&r, ESN_FA_LIMIT, 0)->seconds, 0);

	/* expiry with nobody talking changes nothing */
	r.n = 0;
	esn_floor_expire(&f);
	assert_int_equal(r.n, 0);
}

/* A broadcast: its originator pre-empts a normal talker; everyone else
 * is receive-only (no queue) until it ends, unless an emergency */
static void test_broadcast_receive_only(void **state)
{
	struct esn_floor f;
	struct rec r;
	struct esn_fl_req bc = {.part = B, .prio = 1, .bcast = true};
	const struct esn_fl_out *o;

	setup4(&f, &r);
	req(&f, A, 200, false, true);
	esn_floor_request(&f, &bc);
	assert_non_null(find(&r, ESN_FA_REVOKE, A));
	assert_int_equal(esn_floor_holder(&f), B);

	r.n = 0;
	req(&f, C, 255, false, true);       /* top priority, queueing: no */
	o = find(&r, ESN_FA_DENY, C);
	assert_non_null(o);
	assert_int_equal(o->cause, ESN_DENY_RECV_ONLY);
	assert_int_equal(esn_floor_qpos(&f, C), 0);

	req(&f, D, 1, true, true);          /* an emergency still goes */
	assert_int_equal(esn_floor_holder(&f), D);
}


static void test_late_entry_and_leave(void **state)
{
	struct esn_floor f;
	struct rec r;

	memset(&r, 0, sizeof(r));
	esn_floor_init(&f, 30, outh, &r);
	esn_floor_join(&f, A);
	esn_floor_join(&f, B);
	req(&f, A, 5, false, true);
	req(&f, B, 5, false, true);
	r.n = 0;
	esn_floor_join(&f, C);
	assert_int_equal(find(&r, ESN_FA_TAKEN, C)->holder, A);
	r.n = 0;
	esn_floor_leave(&f, A);            /* the talker hangs up */
	assert_int_equal(esn_floor_holder(&f), B);
	assert_non_null(find(&r, ESN_FA_GRANT, B));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_and_taken),
		cmocka_unit_test(test_busy_denied_without_queueing),
		cmocka_unit_test(test_queue_by_priority),
		cmocka_unit_test(test_release_grants_queue_head),
		cmocka_unit_test(test_emergency_preempts),
		cmocka_unit_test(test_higher_priority_preempts),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_late_entry_and_leave),
		cmocka_unit_test(test_broadcast_receive_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
