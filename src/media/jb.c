/**
 * @file jb.c  Adaptive jitter buffer of one RTP source
 *
 * Packets are placed by timestamp into 20 ms slots of a ring; the media
 * tick plays the slot at the playout point.  The timestamp is unwrapped
 * into 64 bits from an offset base so reordered packets before the first
 * one still get a positive slot number and a 32-bit wrap costs nothing.
 *
 * Depth: the target is the largest of twice the RFC 3550 jitter, the
 * arrival spread (transit above the fastest packet) and what late
 * packets showed was missing, each over the last two 5 s windows.  A
 * larger target holds the playout point (JB_EMPTY ticks) at once; a
 * smaller one drops one slot per second while packets flow, so a jitter
 * burst is absorbed fast and the delay it cost is given back gently.
 * What is dropped is measured, not assumed: the fewest slots buffered
 * beyond the one due over the last second.  A stall of the media clock
 * (ticks skipped) or of the network (a burst after it) leaves more
 * audio buffered than the target without changing it; that excess is
 * given back the same way, one slot per second without late packets.
 */
#include <re.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "media/jb.h"

enum {
	SLOT_MS     = 20,
	SPARE       = 8,     /* slots beyond max_ms for bursts        */
	PAYLOAD_MAX = 1500,
	SEQ_JUMP    = 100,
	TS_JUMP_S   = 5,
	WIN_MS      = 5000,
	SHRINK_TICKS = 50,   /* at most one slot dropped per second   */
	SPAN_MAX    = 6,     /* slots a single payload may cover      */
};

/* First packet's slot: far from 0 so earlier ones stay positive */
#define BASE_SLOT ((int64_t)1 << 24)

struct slot {
	bool used;
	int64_t slot;
	uint16_t seq;
	size_t len;
	uint8_t buf[PAYLOAD_MAX];
};

struct win {
	double min_transit;
	double spread;       /* ms above the fastest packet            */
	unsigned jit_need;   /* slots for twice the jitter             */
	unsigned late_need;  /* slots of depth late packets needed     */
};

struct jb {
	struct slot *ring;
	unsigned n;
	uint32_t clock, frame_ts;
	unsigned min_slots, max_slots;

	bool have_ref;       /* a reference packet since the last reset */
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t hi_ts;
	int64_t hi_ext;      /* unwrapped hi_ts                        */
	int64_t hi_slot;     /* highest buffered slot while buffering  */
	unsigned span;       /* slots one payload covers               */

	bool playing;
	int64_t play;        /* next slot to play                      */
	unsigned count;      /* buffered packets                       */
	unsigned wait;       /* ticks spent buffering                  */
	unsigned delay;      /* playout delay now, in slots            */
	unsigned target;     /* wanted delay, in slots                 */
	unsigned hold;       /* ticks since the delay last changed     */
	unsigned cover;      /* slots left of the last payload         */
	unsigned idle;       /* ticks since the last packet            */
	unsigned lost_pending; /* LOST ticks not yet known to be loss  */
	unsigned late_run, over_run;

	bool have_transit;
	double transit;      /* ms, previous packet                    */
	double jitter;       /* ms                                     */
	uint64_t win_start;  /* us */
	unsigned low;        /* fewest slots ahead since the last change */
	bool late_seen;      /* a late packet since the last change      */
	struct win cur, prev;

	struct jb_stats st;
};


static void destructor(void *arg)
{
	struct jb *jb = arg;

	mem_deref(jb->ring);
}


static void win_clear(struct win *w)
{
	w->min_transit = INFINITY;
	w->spread = 0;
	w->late_need = 0;
	w->jit_need = 0;
}


static void timing_clear(struct jb *jb)
{
	jb->have_transit = false;
	jb->win_start = 0;
	win_clear(&jb->cur);
	win_clear(&jb->prev);
}


static void ring_clear(struct jb *jb)
{
	for (unsigned i = 0; i < jb->n; i++)
		jb->ring[i].used = false;

	jb->count = 0;
	jb->playing = false;
	jb->wait = 0;
	jb->cover = 0;
	jb->lost_pending = 0;
	jb->late_run = 0;
	jb->over_run = 0;
}


static void resync(struct jb *jb)
{
	ring_clear(jb);
	timing_clear(jb);
	jb->have_ref = false;
	jb->jitter = 0;
	jb->span = 1;
	jb->delay = 0;
	jb->target = jb->min_slots;
}


int jb_alloc(struct jb **jbp, uint32_t clock, uint32_t frame_ts,
	     unsigned min_ms, unsigned max_ms)
{
	struct jb *jb;
	int err = 0;

	if (!jbp || !clock || !frame_ts || max_ms < SLOT_MS ||
	    max_ms > 5000 || min_ms > max_ms)
		return EINVAL;

	jb = mem_zalloc(sizeof(*jb), destructor);
	if (!jb)
		return ENOMEM;

	jb->clock = clock;
	jb->frame_ts = frame_ts;
	jb->min_slots = max(1u, (min_ms + SLOT_MS - 1) / SLOT_MS);
	jb->max_slots = max(jb->min_slots, max_ms / SLOT_MS);
	jb->n = jb->max_slots + SPARE;

	jb->ring = mem_zalloc(jb->n * sizeof(*jb->ring), NULL);
	if (!jb->ring) {
		err = ENOMEM;
		goto out;
	}

	resync(jb);

 out:
	if (err)
		mem_deref(jb);
	else
		*jbp = jb;

	return err;
}


static unsigned ms_slots(double ms)
{
	unsigned n = ms <= 0 ? 0 : (unsigned)(ms / SLOT_MS);

	return n * SLOT_MS < ms ? n + 1 : n;
}


static void target_update(struct jb *jb)
{
	unsigned t = max(jb->cur.jit_need, jb->prev.jit_need);

	t = max(t, ms_slots(max(jb->cur.spread, jb->prev.spread)));
	t = max(t, max(jb->cur.late_need, jb->prev.late_need));
	jb->target = min(max(t, jb->min_slots), jb->max_slots);
}


/* RFC 3550 6.4.1 jitter, and the arrival spread; both are held at
 * their peak over two windows so a target near a slot boundary does
 * not flap between growing and shrinking. */
static void timing(struct jb *jb, int64_t ext, uint64_t now_us)
{
	double tr = (double)now_us / 1000.0 - (double)ext * 1000.0 / jb->clock;
	double lo;

	if (jb->have_transit) {
		double d = tr > jb->transit ? tr - jb->transit :
			jb->transit - tr;

		jb->jitter += (d - jb->jitter) / 16.0;
	}

	jb->transit = tr;
	jb->have_transit = true;

	if (!jb->win_start || now_us - jb->win_start >= WIN_MS * 1000ull) {
		jb->prev = jb->cur;
		win_clear(&jb->cur);
		jb->win_start = now_us ? now_us : 1;
	}

	jb->cur.min_transit = min(jb->cur.min_transit, tr);
	lo = min(jb->cur.min_transit, jb->prev.min_transit);
	jb->cur.spread = max(jb->cur.spread, tr - lo);
	jb->cur.jit_need = max(jb->cur.jit_need, ms_slots(2 * jb->jitter));
}


static void reference(struct jb *jb, uint16_t seq, uint32_t ts,
		      uint32_t ssrc)
{
	jb->have_ref = true;
	jb->ssrc = ssrc;
	jb->st.ssrc = ssrc;
	jb->max_seq = seq;
	jb->hi_ts = ts;
	jb->hi_ext = BASE_SLOT * jb->frame_ts;
}


static bool jumped(const struct jb *jb, uint16_t seq, uint32_t ts,
		   uint32_t ssrc)
{
	int dseq = (int16_t)(seq - jb->max_seq);
	int64_t dts = (int32_t)(ts - jb->hi_ts);

	return ssrc != jb->ssrc || abs(dseq) > SEQ_JUMP ||
		llabs(dts) > (int64_t)TS_JUMP_S * jb->clock;
}


/* Unwrap ts against the highest one seen; learn the payload span */
static int64_t unwrap(struct jb *jb, uint16_t seq, uint32_t ts,
		      bool *older)
{
	int32_t dts = (int32_t)(ts - jb->hi_ts);
	int64_t ext = jb->hi_ext + dts;
	int16_t dseq = (int16_t)(seq - jb->max_seq);

	if (dseq == 1 && dts > 0) {
		uint32_t step = (dts + jb->frame_ts / 2) / jb->frame_ts;

		if (step >= 1 && step <= SPAN_MAX)
			jb->span = step;
	}

	if (dseq > 0)
		jb->max_seq = seq;
	*older = dseq < 0;

	if (dts > 0) {
		jb->hi_ts = ts;
		jb->hi_ext = ext;
	}

	return ext;
}


static int late(struct jb *jb, int64_t slot)
{
	unsigned need = jb->delay + (unsigned)min(jb->play - slot,
						  (int64_t)jb->n);

	jb->st.late++;
	jb->late_seen = true;
	jb->cur.late_need = max(jb->cur.late_need, need);
	++jb->late_run;

	return EALREADY;
}


static int overflow(struct jb *jb)
{
	jb->st.overflow++;
	++jb->over_run;

	return EOVERFLOW;
}


/* Whether slot fits the ring; while buffering the window may still
 * move back to take a packet that was overtaken by a later one. */
static int admit(struct jb *jb, int64_t slot)
{
	if (jb->playing) {
		if (slot < jb->play)
			return late(jb, slot);
	}
	else if (!jb->count) {
		jb->play = jb->hi_slot = slot;
		jb->wait = 0;
	}
	else if (slot < jb->play) {
		if (jb->hi_slot - slot >= jb->n)
			return overflow(jb);
		jb->play = slot;
	}

	if (slot >= jb->play + jb->n)
		return overflow(jb);

	jb->hi_slot = max(jb->hi_slot, slot);
	return 0;
}


int jb_put(struct jb *jb, uint16_t seq, uint32_t ts, uint32_t ssrc,
	   const uint8_t *payload, size_t len, uint64_t now_us)
{
	struct slot *s = NULL;
	int64_t ext, slot;
	bool older;
	int err;

	if (!jb || (!payload && len) || len > PAYLOAD_MAX)
		return EINVAL;

	jb->st.received++;
	jb->idle = 0;

	if (jb->have_ref && (jumped(jb, seq, ts, ssrc) ||
			     jb->late_run > jb->n || jb->over_run > jb->n)) {
		resync(jb);
		jb->st.resets++;
	}
	if (!jb->have_ref)
		reference(jb, seq, ts, ssrc);

	ext = unwrap(jb, seq, ts, &older);
	slot = (ext + jb->frame_ts / 2) / jb->frame_ts;

	timing(jb, ext, now_us);

	err = admit(jb, slot);
	if (!err) {
		s = &jb->ring[slot % jb->n];
		if (s->used) {
			jb->st.duplicates++;
			err = EALREADY;
		}
	}

	target_update(jb);
	if (err)
		return err;

	jb->late_run = jb->over_run = 0;
	if (older)
		jb->st.reordered++;

	s->used = true;
	s->slot = slot;
	s->seq = seq;
	s->len = len;
	if (len)
		memcpy(s->buf, payload, len);
	jb->count++;

	return 0;
}


/* The delay just changed: measure the fill afresh */
static void hold_reset(struct jb *jb)
{
	jb->hold = 0;
	jb->low = UINT_MAX;
	jb->late_seen = false;
}


static struct slot *slot_at(struct jb *jb, int64_t slot)
{
	struct slot *s = &jb->ring[slot % jb->n];

	return s->used && s->slot == slot ? s : NULL;
}


static enum jb_result play(struct jb *jb, struct slot *s,
			   const uint8_t **p, size_t *len)
{
	s->used = false;
	jb->count--;
	jb->play++;
	jb->cover = jb->span - 1;

	/* slots concealed before this one were real gaps, not the end */
	jb->st.lost += jb->lost_pending;
	jb->lost_pending = 0;

	if (p)
		*p = s->buf;
	if (len)
		*len = s->len;

	return JB_FRAME;
}


/* Each second: shrink by one slot when, without a late packet, even
 * the lowest fill of that second held more than the target beyond the
 * slot due; only when this slot and the next both have audio: dropping
 * inside steady speech is inaudible enough, dropping into a gap would
 * turn one loss into two. */
static void shrink(struct jb *jb)
{
	struct slot *s = slot_at(jb, jb->play);
	unsigned ahead = jb->hi_slot > jb->play ?
		(unsigned)min(jb->hi_slot - jb->play, (int64_t)jb->n) : 0;
	bool excess;

	jb->low = min(jb->low, ahead);
	if (jb->hold < SHRINK_TICKS)
		return;

	excess = !jb->late_seen && jb->low > jb->target;
	hold_reset(jb);
	if (!excess || !s || !slot_at(jb, jb->play + 1))
		return;

	s->used = false;
	jb->count--;
	jb->play++;
	if (jb->delay > jb->target)
		jb->delay--;
}


static enum jb_result start(struct jb *jb)
{
	if (!jb->count || ++jb->wait <= jb->target)
		return JB_EMPTY;

	jb->playing = true;
	jb->delay = jb->target;
	hold_reset(jb);

	return JB_FRAME;
}


enum jb_result jb_get(struct jb *jb, const uint8_t **p, size_t *len)
{
	struct slot *s;

	if (!jb)
		return JB_EMPTY;

	jb->idle = min(jb->idle + 1, UINT_MAX - 1);

	if (!jb->playing && start(jb) == JB_EMPTY)
		return JB_EMPTY;

	if (jb->target > jb->delay) {
		jb->delay++;
		hold_reset(jb);
		return JB_EMPTY;
	}

	shrink(jb);
	jb->hold++;

	s = slot_at(jb, jb->play);
	if (s)
		return play(jb, s, p, len);

	if (!jb->count && jb->idle > jb->max_slots) {
		/* the source stopped: the trailing gap was no loss */
		ring_clear(jb);
		timing_clear(jb);
		return JB_EMPTY;
	}

	jb->play++;
	if (jb->cover) {
		jb->cover--;
		return JB_EMPTY;
	}

	jb->lost_pending++;
	return JB_LOST;
}


void jb_stats(const struct jb *jb, struct jb_stats *st)
{
	if (!jb || !st)
		return;

	*st = jb->st;
	st->jitter_ms = jb->jitter;
	st->depth_ms = jb->target * SLOT_MS;
}


void jb_flush(struct jb *jb)
{
	if (!jb)
		return;

	resync(jb);
}
