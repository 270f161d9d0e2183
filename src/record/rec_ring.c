/**
 * @file rec_ring.c  The lock-free ring between the media thread and the
 *                   recorder thread
 *
 * One producer, one consumer: each side writes only its own index, so
 * two atomics with acquire/release order are the whole protocol.  When
 * the ring is full the frame is dropped and counted: the media thread's
 * 20 ms clock is worth more than one lost frame of a recording, and the
 * count raises an alarm.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "record/rec_int.h"


int rec_ring_init(struct rec_ring *rg, size_t cap)
{
	if (!rg || !cap || (cap & (cap - 1)))
		return EINVAL;

	rg->v = calloc(cap, sizeof(*rg->v));
	if (!rg->v)
		return ENOMEM;

	rg->cap = cap;
	atomic_init(&rg->head, 0);
	atomic_init(&rg->tail, 0);
	atomic_init(&rg->dropped, 0);
	atomic_init(&rg->frames, 0);

	return 0;
}


void rec_ring_free(struct rec_ring *rg)
{
	if (!rg)
		return;

	free(rg->v);
	rg->v = NULL;
}


/* media thread */
bool rec_ring_put(struct rec_ring *rg, const char *stream, uint8_t dir,
		  uint64_t tick, const int16_t *pcm)
{
	size_t head = atomic_load_explicit(&rg->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&rg->tail, memory_order_acquire);
	struct rec_frame *f;

	if (head - tail >= rg->cap) {
		atomic_fetch_add_explicit(&rg->dropped, 1,
					  memory_order_relaxed);
		return false;
	}

	f = &rg->v[head & (rg->cap - 1)];
	str_ncpy(f->stream, stream, sizeof(f->stream));
	f->dir = dir;
	f->tick = tick;
	memcpy(f->pcm, pcm, sizeof(f->pcm));

	atomic_store_explicit(&rg->head, head + 1, memory_order_release);
	atomic_fetch_add_explicit(&rg->frames, 1, memory_order_relaxed);

	return true;
}


/* recorder thread */
const struct rec_frame *rec_ring_peek(struct rec_ring *rg)
{
	size_t tail = atomic_load_explicit(&rg->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&rg->head, memory_order_acquire);

	if (tail == head)
		return NULL;

	return &rg->v[tail & (rg->cap - 1)];
}


void rec_ring_pop(struct rec_ring *rg)
{
	size_t tail = atomic_load_explicit(&rg->tail, memory_order_relaxed);

	atomic_store_explicit(&rg->tail, tail + 1, memory_order_release);
}
