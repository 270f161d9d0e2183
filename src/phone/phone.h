/**
 * @file phone.h  Telephony: 999/101 calls from SIP trunks to call takers
 *
 * iccsd is a back-to-back user agent.  Every call from a trunk is a leg
 * (SIP session + RTP stream) that the ACD (acd.h) queues and offers to
 * a call taker; answered, the leg is routed to the position's headset
 * and the position's microphone goes out on it.  Consoles act through
 * the calls below (src/api/ops_call.c); news goes out on the event bus
 * as "call.update" (one call) and "queue.update" (one queue).
 * Main-loop thread only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct phone;
struct conf;
struct media;
struct pos_audio;
struct audit;

int  phone_alloc(struct phone **php, const struct conf *conf,
		 struct media *media, struct pos_audio *pa,
		 struct audit *audit);
/* Orderly end (restart): every call ends and is recorded as such */
void phone_shutdown(struct phone *ph);

/* Call taker at pos ready for calls (logs the agent in) or not */
int  phone_ready(struct phone *ph, const char *pos, bool ready);
/* The console at pos went away; its call returns to the queue */
void phone_position_gone(struct phone *ph, const char *pos);

/* The console at pos lost its connection without logging out: its
 * calls go back to the head of the queue (reserved for it during the
 * grace period); back, it is ready again and gets them offered. */
void phone_console_lost(struct phone *ph, const char *pos);
void phone_console_back(struct phone *ph, const char *pos);

/* Call control by the call taker at pos.  Errors: ENOENT no such call,
 * EPERM not this position's call, EPROTO not in a state for it. */
int  phone_answer(struct phone *ph, const char *pos, uint64_t call);
int  phone_hangup(struct phone *ph, const char *pos, uint64_t call);
int  phone_hold(struct phone *ph, const char *pos, uint64_t call, bool on);
/* Blind transfer to a queue id, a position id or an outside number */
int  phone_transfer(struct phone *ph, const char *pos, uint64_t call,
		    const char *target);

/* Dial an outside number through a trunk with a peer (trunk NULL: the
 * first such); the new call's id in *id.  ENODEV: no trunk dials out,
 * EINVAL: not a number. */
int  phone_dial(struct phone *ph, const char *pos, const char *number,
		const char *trunk, uint64_t *id);
/* Attended transfer and conference: consult an outside number with the
 * caller on hold (*bid the consult leg), then complete (the two talk,
 * the position leaves), cancel (back to the caller) or make it a
 * three-way conference.  id may name either leg. */
int  phone_consult(struct phone *ph, const char *pos, uint64_t id,
		   const char *to, const char *trunk, uint64_t *bid);
int  phone_consult_complete(struct phone *ph, const char *pos,
			    uint64_t id);
int  phone_consult_cancel(struct phone *ph, const char *pos, uint64_t id);
int  phone_conference(struct phone *ph, const char *pos, uint64_t id);

/* Supervision of another position's call: mode "listen", "whisper",
 * "barge" or "off".  EBUSY: another supervisor is on it, EALREADY: pos
 * is the call taker, EPROTO: nobody talks to the caller. */
int  phone_supervise(struct phone *ph, const char *pos, uint64_t id,
		     const char *mode);

/* Position-to-position intercom (no SIP): pos calls `to`, which rings
 * until answered or hung up by either side (*id the intercom) */
int  phone_icom_call(struct phone *ph, const char *pos, const char *to,
		     uint64_t *id);
int  phone_icom_answer(struct phone *ph, const char *pos, uint64_t id);
int  phone_icom_hangup(struct phone *ph, const char *pos, uint64_t id);
json_t *phone_icom_json(const struct phone *ph, const char *pos);
/* [{id, agent}] of every position (new ref) */
json_t *phone_positions_json(const struct phone *ph);

/* {"ready": bool, "calls": [...], "queues": [...]} for pos (new ref) */
json_t *phone_state_json(const struct phone *ph, const char *pos);
json_t *phone_call_json(const struct phone *ph, uint64_t call);
