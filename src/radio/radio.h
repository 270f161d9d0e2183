/**
 * @file radio.h  Radio bearers: the one table the rest of iccsd sees
 *
 * A bearer (ESN/MCPTT, Airwave/TETRA) is a const struct bearer_ops and an
 * object it allocates.  Talkgroups are named by their resource id (conf
 * resources[].id); the bearer keeps its own addressing (a group URI, a
 * GSSI).  Every operation returns at once; what happens later comes back
 * through struct radio_events on the main loop thread.  Nothing here is
 * bearer specific: the console never learns which bearer carried a call.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bearer;
struct conf;
struct media;

enum radio_group_state {
	RADIO_GROUP_IDLE = 0,       /* not joined, or the call ended     */
	RADIO_GROUP_JOINING,
	RADIO_GROUP_JOINED,         /* voice and floor channel up        */
	RADIO_GROUP_FAILED,         /* reason says why; retry pending?   */
};

enum radio_floor_state {
	RADIO_FLOOR_IDLE = 0,       /* nobody talks                      */
	RADIO_FLOOR_REQUESTING,
	RADIO_FLOOR_GRANTED,        /* we may talk                       */
	RADIO_FLOOR_QUEUED,         /* qpos                              */
	RADIO_FLOOR_DENIED,         /* reason                            */
	RADIO_FLOOR_TAKEN,          /* talker, alias                     */
	RADIO_FLOOR_REVOKED,        /* reason: stop talking now          */
	RADIO_FLOOR_RELEASED,       /* our release was confirmed         */
	RADIO_FLOOR_NO_ANSWER,      /* the floor server did not answer   */
};

enum radio_call_state {
	RADIO_CALL_RINGING = 0,     /* outgoing: far end alerted         */
	RADIO_CALL_CONNECTED,
	RADIO_CALL_ENDED,           /* reason                            */
	RADIO_CALL_FAILED,          /* reason                            */
};

enum radio_msg_type {
	RADIO_MSG_TEXT = 0,
	RADIO_MSG_STATUS,
	RADIO_MSG_LOCATION,
};

struct radio_floor {
	enum radio_floor_state state;
	bool tx;                    /* may send voice now                */
	unsigned qpos;              /* RADIO_FLOOR_QUEUED                */
	const char *reason;         /* denied, revoked: text, else NULL  */
	const char *talker;         /* TAKEN: the talker's id            */
	const char *alias;          /* TAKEN: functional alias or NULL   */
};

struct radio_msg {
	enum radio_msg_type type;
	const char *from;           /* radio id (MCPTT ID, ISSI)         */
	const char *to;             /* us, or a group                    */
	const char *text;           /* RADIO_MSG_TEXT                    */
	unsigned status;            /* RADIO_MSG_STATUS                  */
	double lat, lon;            /* RADIO_MSG_LOCATION                */
	unsigned accuracy_m;
};

/* Events: every member may be NULL.  tg is the talkgroup resource id;
 * call is the bearer's id for a private call.  Strings live for the
 * duration of the callback only. */
struct radio_events {
	void (*link)(bool up, const char *reason, void *arg);
	/* stream: the media stream id carrying the group's voice, or NULL */
	void (*group)(const char *tg, enum radio_group_state st,
		      const char *reason, const char *stream, void *arg);
	void (*floor)(const char *tg, const struct radio_floor *f,
		      void *arg);
	void (*emergency)(const char *tg, bool on, const char *by,
			  void *arg);
	void (*message)(const struct radio_msg *m, void *arg);
	/* an incoming private call: answer with private_answer() */
	void (*call_in)(const char *call, const char *from,
			const char *alias, bool emergency, void *arg);
	void (*call)(const char *call, enum radio_call_state st,
		     const char *reason, const char *stream, void *arg);
};

/* What a bearer does.  tg: talkgroup resource id (<= 63 characters). */
struct bearer_ops {
	const char *name;           /* "esn", "tetra"                    */
	int  (*alloc)(struct bearer **bp, const struct conf *conf,
		      const struct radio_events *ev, void *arg,
		      struct media *media);
	void (*free)(struct bearer *b);
	int  (*group_join)(struct bearer *b, const char *tg,
			   const char *group);
	int  (*group_leave)(struct bearer *b, const char *tg);
	/* prio: 1..255, capped at what the network granted */
	int  (*ptt_request)(struct bearer *b, const char *tg, uint8_t prio,
			    bool emergency);
	int  (*ptt_release)(struct bearer *b, const char *tg);
	int  (*emergency)(struct bearer *b, const char *tg, bool on);
	/* callp gets the call id (mem_alloc'd string) */
	int  (*private_call)(struct bearer *b, char **callp,
			     const char *peer, bool emergency);
	int  (*private_answer)(struct bearer *b, const char *call,
			       bool accept);
	int  (*private_hangup)(struct bearer *b, const char *call);
	/* to: a radio id or a group */
	int  (*send_text)(struct bearer *b, const char *to,
			  const char *text);
	int  (*send_status)(struct bearer *b, const char *to,
			    unsigned status);
	/* optional (NULL: not supported): the kind of the group call the
	 * next floor requests belong to; both false: a normal call */
	int  (*call_kind)(struct bearer *b, const char *tg, bool imminent,
			  bool broadcast);
};

/* Every bearer object starts with this, so callers can reach its ops */
struct bearer {
	const struct bearer_ops *ops;
};

/* The ESN (MCPTT) bearer.  ENOENT when conf has no esn section. */
extern const struct bearer_ops mcptt_bearer_ops;
int mcptt_bearer_alloc(struct bearer **bp, const struct conf *conf,
		       const struct radio_events *ev, void *arg,
		       struct media *media);
