/**
 * @file test_jb.c  Jitter buffer: scripted arrivals, expected playout
 *
 * Each case is a script of packets (seq, ts, ssrc, arrival tick) and the
 * result jb_get must give on every 20 ms tick.  Packets of a tick are put
 * before that tick's get, as the media thread does.  Expectations are
 * written as tokens: a number is the seq of the payload played, "a-b" a
 * run of them, "E"/"L" JB_EMPTY/JB_LOST, "Ex3" a repeat.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "media/jb.h"

enum {
	CLOCK = 8000, FTS = 160, MIN_MS = 40, MAX_MS = 200,
	ROOM = MAX_MS / 20 + 8,
	A = 0x11111111, B = 0x22222222,
	R_EMPTY = -1, R_LOST = -2,
	MAXT = 64, MAXP = 128,
};

/* n packets from (seq, ts, tick) on, step slots apart (0: 1) */
struct run {
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	unsigned tick;
	unsigned n;
	unsigned step;
};

struct want {
	uint64_t lost, late, dups, reord, resets;
};

struct jb_case {
	const char *name;
	unsigned min_ms;             /* 0: MIN_MS */
	struct run runs[16];
	const char *expect;
	struct want want;
};

static const struct jb_case cases[] = {
	{"steady, end of talk is no loss", 0,
	 {{0, 1000, A, 0, 10, 0}},
	 "Ex2 0-9 Lx7 Ex3", {0, 0, 0, 0, 0}},
	{"one loss", 0,
	 {{0, 1000, A, 0, 5, 0}, {6, 1000 + 6 * FTS, A, 6, 4, 0}},
	 "Ex2 0-4 L 6-9", {1, 0, 0, 0, 0}},
	{"reordered by 1 and 2", 0,
	 {{0, 0, A, 0, 3, 0}, {4, 4 * FTS, A, 4, 1, 0},
	  {3, 3 * FTS, A, 4, 1, 0}, {5, 5 * FTS, A, 5, 1, 0},
	  {7, 7 * FTS, A, 7, 2, 0}, {6, 6 * FTS, A, 8, 1, 0},
	  {9, 9 * FTS, A, 9, 1, 0}},
	 "Ex2 0-9", {0, 0, 0, 2, 0}},
	{"reordered by 3 at 80 ms", 80,
	 {{0, 0, A, 0, 3, 0}, {4, 4 * FTS, A, 4, 3, 0},
	  {3, 3 * FTS, A, 6, 1, 0}, {7, 7 * FTS, A, 7, 1, 0}},
	 "Ex4 0-7", {0, 0, 0, 1, 0}},
	{"duplicate dropped, replay of a played one is late", 0,
	 {{0, 0, A, 0, 6, 0}, {3, 3 * FTS, A, 4, 1, 0},
	  {1, 1 * FTS, A, 5, 1, 0}},
	 "Ex2 0-2 Ex2 3-5", {0, 1, 1, 0, 0}},
	{"late packet counted, depth grows by a slot", 0,
	 {{0, 0, A, 0, 3, 0}, {4, 4 * FTS, A, 4, 1, 0},
	  {3, 3 * FTS, A, 6, 1, 0}, {5, 5 * FTS, A, 6, 5, 0}},
	 "Ex2 0-2 L E 4-9", {1, 1, 0, 0, 0}},
	{"SSRC change resets and plays the new source", 0,
	 {{0, 0, A, 0, 5, 0}, {5000, 99999, B, 5, 6, 0}},
	 "Ex2 0-2 Ex2 5000-5005", {0, 0, 0, 0, 1}},
	{"sequence and timestamp wrap", 0,
	 {{65533, 4294967000u, A, 0, 8, 0}},
	 "Ex2 65533-65535 0-4", {0, 0, 0, 0, 0}},
	{"timestamp jump of 10 s", 0,
	 {{0, 0, A, 0, 5, 0}, {5, 5 * FTS + 10 * CLOCK, A, 5, 6, 0}},
	 "Ex2 0-2 Ex2 5-10", {0, 0, 0, 0, 1}},
	{"sequence jump of 400", 0,
	 {{0, 0, A, 0, 5, 0}, {405, 5 * FTS, A, 5, 6, 0}},
	 "Ex2 0-2 Ex2 405-410", {0, 0, 0, 0, 1}},
	{"idle, then the source restarts", 0,
	 {{0, 0, A, 0, 5, 0}, {5, 30 * FTS, A, 30, 5, 0}},
	 "Ex2 0-4 Lx7 Ex16 Ex2 5-9", {0, 0, 0, 0, 0}},
	{"payloads of two frames", 0,
	 {{0, 0, A, 0, 6, 2}},
	 "Ex2 0 E 1 E 2 E 3 E 4 E 5 E", {0, 0, 0, 0, 0}},
	{"a lost two-frame payload conceals both slots", 0,
	 {{0, 0, A, 0, 2, 2}, {3, 6 * FTS, A, 6, 2, 2}},
	 "Ex2 0 E 1 E L L 3 E 4", {2, 0, 0, 0, 0}},
};


static size_t parse(int *r, size_t max, const char *s)
{
	size_t n = 0;

	while (*s) {
		char *e;
		long a, b;
		unsigned rep = 1;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (*s == 'E' || *s == 'L') {
			a = b = *s == 'E' ? R_EMPTY : R_LOST;
			e = (char *)s + 1;
		}
		else {
			a = b = strtol(s, &e, 10);
			if (*e == '-')
				b = strtol(e + 1, &e, 10);
		}
		if (*e == 'x')
			rep = (unsigned)strtoul(e + 1, &e, 10);
		s = e;

		for (unsigned k = 0; k < rep; k++)
			for (long v = a; v <= b; v++) {
				assert_true(n < max);
				r[n++] = (int)v;
			}
	}

	return n;
}


struct pkt {
	uint16_t seq;
	uint32_t ts, ssrc;
	unsigned tick;
};


static size_t expand(struct pkt *p, const struct run *runs)
{
	size_t n = 0;

	for (const struct run *r = runs; r->n; r++) {
		unsigned step = r->step ? r->step : 1;

		for (unsigned i = 0; i < r->n; i++) {
			assert_true(n < MAXP);
			p[n].seq = (uint16_t)(r->seq + i);
			p[n].ts = r->ts + i * step * FTS;
			p[n].ssrc = r->ssrc;
			p[n].tick = r->tick + i * step;
			n++;
		}
	}

	return n;
}


static int put(struct jb *jb, const struct pkt *p, uint64_t now_ms)
{
	uint8_t pl[160];

	memset(pl, 0x55, sizeof(pl));
	pl[0] = (uint8_t)(p->seq >> 8);
	pl[1] = (uint8_t)p->seq;

	return jb_put(jb, p->seq, p->ts, p->ssrc, pl, sizeof(pl),
		      now_ms * 1000);
}


/* One tick's get, as the token notation: R_EMPTY, R_LOST or the seq */
static int get(struct jb *jb)
{
	const uint8_t *p = NULL;
	size_t len = 0;

	switch (jb_get(jb, &p, &len)) {

	case JB_FRAME:
		assert_int_equal(len, 160);
		return p[0] << 8 | p[1];
	case JB_LOST:
		return R_LOST;
	default:
		return R_EMPTY;
	}
}


static void run_case(const struct jb_case *c)
{
	struct pkt pk[MAXP];
	int want[MAXT * 4], got[MAXT * 4];
	size_t np, nt;
	struct jb *jb = NULL;
	struct jb_stats st;

	print_message("case: %s\n", c->name);
	np = expand(pk, c->runs);
	nt = parse(want, ARRAY_SIZE(want), c->expect);
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS,
				  c->min_ms ? c->min_ms : MIN_MS, MAX_MS), 0);

	for (unsigned t = 0; t < nt; t++) {
		for (size_t i = 0; i < np; i++)
			if (pk[i].tick == t)
				(void)put(jb, &pk[i], t * 20);
		got[t] = get(jb);
	}
	for (unsigned t = 0; t < nt; t++) {
		if (got[t] != want[t])
			print_error("%s: tick %u: got %d, want %d\n",
				    c->name, t, got[t], want[t]);
		assert_int_equal(got[t], want[t]);
	}

	jb_stats(jb, &st);
	assert_int_equal(st.lost, c->want.lost);
	assert_int_equal(st.late, c->want.late);
	assert_int_equal(st.duplicates, c->want.dups);
	assert_int_equal(st.reordered, c->want.reord);
	assert_int_equal(st.resets, c->want.resets);
	assert_int_equal(st.received, np);
	mem_deref(jb);
}


static void test_scripts(void **state)
{
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
}


static void test_ssrc_reported(void **state)
{
	struct jb *jb = NULL;
	struct jb_stats st;
	const struct pkt a = {7, 0, A, 0}, b = {9, 0, B, 0};

	(void)state;
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS, MIN_MS, MAX_MS), 0);
	assert_int_equal(put(jb, &a, 0), 0);
	jb_stats(jb, &st);
	assert_int_equal(st.ssrc, A);
	assert_int_equal(put(jb, &b, 20), 0);
	jb_stats(jb, &st);
	assert_int_equal(st.ssrc, B);
	assert_int_equal(st.resets, 1);
	mem_deref(jb);
}


/* Arrivals spread over 0..60 ms around the 20 ms grid: once the depth
 * has adapted (2 s), not one slot may be concealed. */
static void test_jitter_grows(void **state)
{
	enum { N = 300, SETTLE = 100 };
	uint64_t at[N];
	uint32_t rnd = 12345;
	struct jb *jb = NULL;
	struct jb_stats st;
	uint64_t late0 = 0;
	unsigned frames = 0, next = 0;

	(void)state;
	for (unsigned k = 0; k < N; k++) {
		rnd = rnd * 1103515245u + 12345u;
		at[k] = 20 * k + (rnd >> 16) % 61;
	}
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS, MIN_MS, MAX_MS), 0);

	for (unsigned t = 0; t < N; t++) {
		int r;

		/* deliver in arrival order; ties keep seq order */
		for (uint64_t ms = t ? 20 * t - 19 : 0; ms <= 20 * t; ms++)
			for (unsigned k = 0; k < N; k++) {
				struct pkt p = {(uint16_t)k, k * FTS, A, t};

				if (at[k] == ms)
					(void)put(jb, &p, ms);
			}

		if (t == SETTLE) {
			jb_stats(jb, &st);
			late0 = st.late;
			assert_true(st.depth_ms >= 60);
			assert_true(st.jitter_ms > 5);
		}
		r = get(jb);
		if (t >= SETTLE) {
			assert_int_not_equal(r, R_LOST);
		}
		if (r >= 0) {
			/* in order, none skipped after settling */
			if (t > SETTLE)
				assert_int_equal(r, next);
			next = (unsigned)r + 1;
			frames++;
		}
	}

	jb_stats(jb, &st);
	assert_int_equal(st.late, late0);
	assert_true(st.depth_ms <= MAX_MS);
	assert_true(frames > N - 20);
	mem_deref(jb);
}


/* A burst far beyond the room is dropped and counted, never stored;
 * a long run of it resynchronises on the newer packets. */
static void test_bounded(void **state)
{
	struct jb *jb = NULL;
	struct jb_stats st;
	int last = -1;
	unsigned frames = 0;

	(void)state;
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS, MIN_MS, MAX_MS), 0);
	for (unsigned k = 0; k < 100; k++) {
		struct pkt p = {(uint16_t)k, k * FTS, A, 0};

		(void)put(jb, &p, 0);
	}

	for (unsigned t = 0; t < 40; t++) {
		int r = get(jb);

		if (r >= 0) {
			assert_true(r > last);
			last = r;
			frames++;
		}
	}
	/* every packet either played or counted: none silently lost */
	jb_stats(jb, &st);
	assert_true(frames > 0);
	assert_true(frames <= ROOM);
	assert_true(st.overflow > 0);
	assert_int_equal(st.overflow + st.resets * ROOM + frames, 100);
	mem_deref(jb);
}


/* A regular 50 pps stream as stream.c feeds it (20 ms floor, arrivals
 * in microseconds) with its arrival phase swept across the 20 ms tick,
 * jittered by up to +-jit_us.  Every packet must play in the first tick
 * at or after its latest possible arrival plus the floor, never later,
 * and none may be concealed.  Packets due at a tick are put first. */
static void phase_run(unsigned phase_us, unsigned jit_us)
{
	enum { N = 150, TICK = 20000, FLOOR = 20000, T0 = 1000000 };
	uint32_t rnd = phase_us + 1;
	uint64_t at[N];
	struct jb *jb = NULL;
	struct jb_stats st;
	unsigned k = 0, played = 0;

	for (unsigned i = 0; i < N; i++) {
		int j = 0;

		rnd = rnd * 1103515245u + 12345u;
		if (jit_us)
			j = (int)((rnd >> 16) % (2 * jit_us + 1)) - (int)jit_us;
		at[i] = T0 + phase_us + (uint64_t)TICK * i + j;
	}
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS, 20, 300), 0);

	for (uint64_t now = T0; played < N && now < T0 + TICK * (N + 5);
	     now += TICK) {
		const uint8_t *p;
		size_t len;
		enum jb_result r;

		for (; k < N && at[k] <= now; k++)
			assert_int_equal(jb_put(jb, (uint16_t)k, k * FTS, A,
						(uint8_t *)&k, 1, at[k]), 0);

		r = jb_get(jb, &p, &len);
		assert_int_not_equal(r, JB_LOST);
		if (r == JB_FRAME) {
			uint64_t lim = T0 + phase_us + (uint64_t)TICK * played
				+ jit_us + FLOOR;
			uint64_t due = (lim + TICK - 1) / TICK * TICK;

			if (now > due)
				print_error("phase %u us: packet %u played at "
					    "%llu, due %llu\n", phase_us,
					    played, (unsigned long long)now,
					    (unsigned long long)due);
			assert_true(now <= due);
			assert_true(now >= at[played] + FLOOR);
			played++;
		}
	}

	jb_stats(jb, &st);
	assert_int_equal(played, N);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.depth_ms, 20);
	mem_deref(jb);
}


static void test_phase_sweep(void **state)
{
	(void)state;

	for (unsigned ph = 0; ph <= 20000; ph += 125) {
		phase_run(ph, 0);
		phase_run(ph, 100);
	}
	phase_run(1, 0);
	phase_run(19999, 0);
}


/* The media clock stalls for 3 ticks while packets keep arriving: the
 * 60 ms of audio that piled up must be given back (one slot a second),
 * not kept until the talker stops; nothing is concealed meanwhile. */
static void test_stall_shrinks(void **state)
{
	enum { N = 400, STALL = 100, SKIP = 3 };
	struct jb *jb = NULL;
	struct jb_stats st;
	int d0 = -1, d = -1;

	(void)state;
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS, 20, 300), 0);

	for (unsigned t = 0; t < N; t++) {
		uint8_t pl[2] = {(uint8_t)(t >> 8), (uint8_t)t};
		const uint8_t *p;
		size_t len;
		enum jb_result r;

		/* arrives 5 ms before tick t */
		assert_int_equal(jb_put(jb, (uint16_t)t, t * FTS, A, pl, 2,
					t * 20000ull + 15000), 0);
		if (t >= STALL && t < STALL + SKIP)
			continue;

		r = jb_get(jb, &p, &len);
		assert_int_not_equal(r, JB_LOST);
		if (r != JB_FRAME)
			continue;

		d = (int)t - (p[0] << 8 | p[1]);
		if (t == STALL - 1)
			d0 = d;
		if (t == STALL + SKIP)
			assert_int_equal(d, d0 + SKIP);
	}

	/* a slot a second: back to the delay before the stall */
	assert_int_equal(d0, 1);
	assert_int_equal(d, d0);
	jb_stats(jb, &st);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	mem_deref(jb);
}


static void test_args(void **state)
{
	struct jb *jb = NULL;
	uint8_t big[1501] = {0};

	(void)state;
	assert_int_equal(jb_alloc(&jb, 0, FTS, MIN_MS, MAX_MS), EINVAL);
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS, 300, 200), EINVAL);
	assert_int_equal(jb_alloc(&jb, CLOCK, FTS, MIN_MS, MAX_MS), 0);
	assert_int_equal(jb_put(jb, 1, 0, A, big, sizeof(big), 0), EINVAL);
	assert_int_equal(jb_put(jb, 1, 0, A, big, 1500, 0), 0);
	assert_int_equal(jb_get(jb, NULL, NULL), JB_EMPTY);
	jb_flush(jb);
	for (int i = 0; i < 5; i++)
		assert_int_equal(jb_get(jb, NULL, NULL), JB_EMPTY);
	mem_deref(jb);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_ssrc_reported),
		cmocka_unit_test(test_jitter_grows),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_phase_sweep),
		cmocka_unit_test(test_stall_shrinks),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
