/**
 * @file tg.h  Talkgroups, whatever bearer carries them
 *
 * The console side of radio: which positions listen to a talkgroup (the
 * bearer joins its group while anyone does), where its voice streams are
 * (a radio gateway's fixed RTP stream, a bearer's call), who at this node
 * holds the talkgroup's PTT (one position at a time: console-side
 * arbitration before the network's floor control), and the floor,
 * emergency and link state consoles show.  Changes are published on the
 * bus as "radio.floor", "radio.emergency", "radio.link",
 * "radio.message", "radio.alarm" (a talkgroup changed bearer) and
 * "radio.patch".  Dual running (ESN and TETRA) and patches: see tg.c.
 * Main-loop thread only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct tg_service;
struct conf;
struct media;
struct pos_audio;

int  tg_alloc(struct tg_service **tsp, const struct conf *conf,
	      struct media *media, struct pos_audio *pa);
/* After a change of pos's routing of tg: apply it to every stream of
 * the talkgroup, and join or leave its group as listeners come and go */
void tg_route(struct tg_service *ts, const char *tg, const char *pos);
/* PTT of pos on tg.  EBUSY: another position of this node holds it */
int  tg_ptt(struct tg_service *ts, const char *tg, const char *pos,
	    bool on);
int  tg_emergency_ack(struct tg_service *ts, const char *tg,
		      const char *who);
/* A console raises (on) or cancels an emergency on tg over the bearer
 * carrying it; consoles learn it from the bearer's "radio.emergency".
 * ENOTSUP: that bearer (or a gateway-only talkgroup) has none;
 * ENOTCONN: no bearer carries tg now */
int  tg_emergency(struct tg_service *ts, const char *tg, bool on);
/* Failover and failback alarms go into this audit trail too */
struct audit;
void tg_audit_set(struct tg_service *ts, struct audit *au);
/* {"talkgroup", "bearer", "group", "floor": {...},
 *  "emergency": {"on", "by", "by_alias", "acks"}} */
json_t *tg_json(const struct tg_service *ts, const char *tg);
json_t *tg_list_json(const struct tg_service *ts);
/* {"esn": {"up", "reason"}, "tetra": {...}} for the bearers in use */
json_t *tg_links_json(const struct tg_service *ts);
/* The latest failover/failback alarms, oldest first */
json_t *tg_alarms_json(const struct tg_service *ts);
/* Bridge talkgroups a and b (on) or dissolve the bridge.  EBUSY: one of
 * them is in another patch; EALREADY: patched already; ENOENT: no such
 * patch */
int  tg_patch(struct tg_service *ts, const char *a, const char *b,
	      bool on, const char *who);
json_t *tg_patches_json(const struct tg_service *ts);
/* A text (text != NULL) or status to a radio ("tetra:N", "sip:...") or
 * a talkgroup id; *bearerp names the bearer used.  ENOTSUP: no bearer
 * for that address */
int  tg_send(struct tg_service *ts, const char *to, const char *text,
	     unsigned status, const char **bearerp);

/* Private (individual) calls travel on the same bearers; their events
 * go to the handlers attached here (src/radio/rcall.c).  b is the bearer
 * that carries the call. */
struct bearer;
struct radio_floor;
struct tg_call_h {
	void (*call_in)(struct bearer *b, const char *call, const char *from,
			const char *alias, bool emergency, void *arg);
	void (*call)(struct bearer *b, const char *call, int state,
		     const char *reason, const char *stream, void *arg);
	void (*floor)(struct bearer *b, const char *call,
		      const struct radio_floor *f, void *arg);
};
void tg_calls_attach(struct tg_service *ts, const struct tg_call_h *h,
		     void *arg);
/* The bearer that reaches a radio id ("tetra:N" or sip:...), or NULL */
struct bearer *tg_bearer_for(struct tg_service *ts, const char *radio);
/* The kind of group call PTT on tg makes (ENOTSUP where the bearer has
 * none): imminent peril, broadcast, or both false for a normal call */
int tg_call_kind(struct tg_service *ts, const char *tg, bool imminent,
		 bool broadcast);
