/**
 * @file jb.h  Adaptive jitter buffer of one RTP source
 *
 * Holds payloads keyed by RTP sequence number and releases one 20 ms slot
 * per tick of the media clock.  The target depth follows the measured
 * interarrival jitter (RFC 3550) between a floor and a ceiling; late
 * packets are dropped, reordered ones put in place, a new SSRC or a jump
 * in sequence or timestamp resets the buffer instead of stalling it.
 * Not thread-safe: owned by the media thread.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jb;

struct jb_stats {
	uint64_t received;
	uint64_t lost;         /* slots played without a packet         */
	uint64_t late;         /* arrived after their slot was played   */
	uint64_t reordered;
	uint64_t duplicates;
	uint64_t resets;       /* SSRC change, jumps                    */
	uint64_t overflow;     /* dropped: beyond the buffer's room     */
	uint32_t ssrc;
	double   jitter_ms;    /* RFC 3550 interarrival jitter          */
	unsigned depth_ms;     /* current target depth                  */
};

enum jb_result {
	JB_FRAME = 0,          /* a payload for this slot               */
	JB_LOST,               /* the slot's packet is missing: conceal */
	JB_EMPTY,              /* buffering or the source is idle       */
};

/* clock: RTP clock rate; frame_ts: timestamp units per 20 ms slot */
int  jb_alloc(struct jb **jbp, uint32_t clock, uint32_t frame_ts,
	      unsigned min_ms, unsigned max_ms);
/* now_us: monotonic arrival time in microseconds (whole milliseconds
 * would quantise the jitter and spread estimates).  Copies the payload
 * (at most 1500 bytes).  0 when stored; EALREADY for a duplicate or
 * late packet, EOVERFLOW when it lies beyond the buffer's room (both
 * counted). */
int  jb_put(struct jb *jb, uint16_t seq, uint32_t ts, uint32_t ssrc,
	    const uint8_t *payload, size_t len, uint64_t now_us);
/* One slot per media tick.  On JB_FRAME *p and *len stay valid until the
 * next jb_ call.  A payload of k frames (timestamp step of k slots) is
 * returned once, followed by k-1 JB_EMPTY ticks in which the caller
 * plays the rest of that payload's audio.  JB_EMPTY is also returned
 * while (re)buffering and while the playout point is held back to grow
 * the depth; JB_LOST only for a slot whose packet is missing. */
enum jb_result jb_get(struct jb *jb, const uint8_t **p, size_t *len);
void jb_stats(const struct jb *jb, struct jb_stats *st);
void jb_flush(struct jb *jb);
