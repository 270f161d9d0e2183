/**
 * @file fc.h  MCPTT floor control (3GPP TS 24.380): codec and participant
 *
 * fc_msg_*: one floor control message is one RTCP APP packet (PT 204,
 * name "MCPT") of a 12-byte header and TLV fields.  Pure functions on
 * byte buffers, no sockets.  Decoding accepts the field ids of TS 24.380
 * V13.0 (102..116) and of V13.3 onwards (0..14); encoding writes the
 * current ones unless asked for the legacy set.
 *
 * fc_part_*: the on-network floor participant state machine (§6.2.4),
 * driven by the caller: received messages, PTT, RTP seen, and timer
 * expiry reported by whoever owns the timers.  Its outputs are callbacks.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fc_type {
	FC_FLOOR_REQUEST   = 0,
	FC_FLOOR_GRANTED   = 1,
	FC_FLOOR_TAKEN     = 2,
	FC_FLOOR_DENY      = 3,
	FC_FLOOR_RELEASE   = 4,
	FC_FLOOR_IDLE      = 5,
	FC_FLOOR_REVOKE    = 6,
	FC_QUEUE_POS_REQ   = 8,
	FC_QUEUE_POS_INFO  = 9,
	FC_FLOOR_ACK       = 10,
};

/* Field ids as written since V13.3; bit (1u << id) in fc_msg.has */
enum fc_field {
	FC_F_PRIORITY = 0,
	FC_F_DURATION,
	FC_F_REJECT_CAUSE,
	FC_F_QUEUE_INFO,
	FC_F_GRANTED_ID,
	FC_F_PERMISSION,
	FC_F_USER_ID,
	FC_F_QUEUE_SIZE,
	FC_F_SEQNUM,
	FC_F_QUEUED_USER_ID,
	FC_F_SOURCE,
	FC_F_TRACK_INFO,
	FC_F_MSG_TYPE,
	FC_F_FLOOR_IND,
	FC_F_SSRC,
	FC_F_COUNT
};

#define FC_HAS(f) (1u << (f))

/* Floor Indicator bits (field 13) */
enum {
	FC_IND_NORMAL     = 0x8000,
	FC_IND_BROADCAST  = 0x4000,
	FC_IND_SYSTEM     = 0x2000,
	FC_IND_EMERGENCY  = 0x1000,
	FC_IND_IMMINENT   = 0x0800,
	FC_IND_QUEUEING   = 0x0400,
	FC_IND_DUAL_FLOOR = 0x0200,
	FC_IND_TEMP_GROUP = 0x0100,
};

/* Queue Info position values with a special meaning */
enum {
	FC_QPOS_NOT_QUEUED = 254,
	FC_QPOS_UNKNOWN    = 255,
};

enum {
	FC_TEXT_MAX  = 255,   /* a field's length is one octet */
	FC_TRACK_REFS = 63,
};

struct fc_track {
	uint8_t  qcap;                   /* queueing capability 0/1 */
	char     ptype[FC_TEXT_MAX + 1]; /* participant type        */
	uint32_t refv[FC_TRACK_REFS];    /* floor participant refs  */
	uint8_t  refc;
};

struct fc_msg {
	enum fc_type type;
	bool     ack_req;        /* the 'A' bit of the subtype            */
	uint32_t ssrc;           /* header: SSRC of the sender            */
	uint32_t has;            /* FC_HAS(field) for each field present  */

	uint8_t  prio;           /* Floor Priority                        */
	uint16_t duration;       /* seconds                               */
	uint16_t cause;          /* Reject Cause (deny or revoke)         */
	char     phrase[FC_TEXT_MAX + 1];
	uint8_t  qpos;           /* Queue Info                            */
	uint8_t  qprio;
	char     granted_id[FC_TEXT_MAX + 1];
	uint16_t permission;     /* Permission to Request the Floor       */
	char     user_id[FC_TEXT_MAX + 1];
	uint16_t queue_size;
	uint16_t seq;            /* Message Sequence Number               */
	char     queued_id[FC_TEXT_MAX + 1];
	uint16_t source;         /* 0 participant, 1 participating, ...   */
	struct fc_track track;
	uint8_t  acked_type;     /* Message Type: subtype acknowledged    */
	uint16_t floor_ind;
	uint32_t fssrc;          /* SSRC field (granted/queued party)     */

	unsigned skipped;        /* decode: unknown/out-of-place fields   */
};

enum fc_ids {
	FC_IDS_CURRENT = 0,      /* 0..14 (V13.3 and later)               */
	FC_IDS_LEGACY,           /* 102..116 (V13.0)                      */
};

void fc_msg_init(struct fc_msg *m, enum fc_type type, uint32_t ssrc);
/* Writes one APP packet into buf.  *lenp gets its size.  EINVAL (with
 * *reason) for a field the message may not carry or a bad value,
 * EOVERFLOW when buf is too small. */
int  fc_msg_encode(uint8_t *buf, size_t size, size_t *lenp,
		   const struct fc_msg *m, enum fc_ids ids,
		   const char **reason);
/* Decodes the APP packet at p.  *usedp gets its size from the length
 * word, so that a caller can walk several packets in one datagram.
 * EBADMSG with *reason for anything malformed; reason may be NULL. */
int  fc_msg_decode(struct fc_msg *m, const uint8_t *p, size_t len,
		   size_t *usedp, const char **reason);
const char *fc_type_name(enum fc_type type);
const char *fc_field_name(enum fc_field f);
const char *fc_deny_cause_str(uint16_t cause);
const char *fc_revoke_cause_str(uint16_t cause);


/* Floor participant */

enum fc_pstate {
	FC_PS_START_STOP = 0,
	FC_PS_NO_PERM,           /* 'U: has no permission'  */
	FC_PS_PEND_REQ,          /* 'U: pending Request'    */
	FC_PS_HAS_PERM,          /* 'U: has permission'     */
	FC_PS_PEND_REL,          /* 'U: pending Release'    */
	FC_PS_QUEUED,            /* 'U: queued'             */
	FC_PS_COUNT
};

enum fc_timer {
	FC_T100 = 0,             /* Floor Release retransmission          */
	FC_T101,                 /* Floor Request retransmission          */
	FC_T103,                 /* end of RTP media from the talker      */
	FC_T104,                 /* Queue Position Request retransmission */
	FC_TMR_COUNT
};

/* What the console is told */
enum fc_ui {
	FC_UI_STATE = 0,         /* state changed                         */
	FC_UI_GRANTED,           /* may talk: play the permission tone    */
	FC_UI_DENIED,            /* cause and phrase                      */
	FC_UI_REVOKED,           /* stop talking now: cause               */
	FC_UI_TALKER,            /* someone else talks: talker (or NULL)  */
	FC_UI_IDLE,              /* floor is free                         */
	FC_UI_QUEUED,            /* qpos                                  */
	FC_UI_NO_ANSWER,         /* retries exhausted, gave up            */
	FC_UI_NOT_PERMITTED,     /* server said requests are not allowed */
	FC_UI_MEDIA_END,         /* T103: the talker's burst ended        */
};

struct fc_ui_ev {
	enum fc_ui     what;
	enum fc_pstate state;    /* state after the transition            */
	bool           tx;       /* may send media now                    */
	uint16_t       cause;
	const char    *phrase;   /* deny/revoke text, may be ""           */
	const char    *talker;   /* Granted Party's Identity or NULL      */
	uint8_t        qpos;
	enum fc_timer  timer;    /* FC_UI_NO_ANSWER: which one            */
};

struct fc_part_h {
	int  (*send)(const struct fc_msg *m, void *arg);
	void (*tmr_start)(enum fc_timer t, uint32_t ms, void *arg);
	void (*tmr_stop)(enum fc_timer t, void *arg);
	void (*ui)(const struct fc_ui_ev *ev, void *arg);
};

struct fc_part_conf {
	uint32_t ssrc;           /* ours, in the header we send           */
	uint8_t  prio;           /* <= negotiated mc_priority             */
	uint16_t floor_ind;      /* 0: none sent                          */
	uint32_t tmr_ms[FC_TMR_COUNT];
	uint8_t  c100, c101, c104; /* upper limits of the counters        */
};

struct fc_part;

void fc_part_conf_default(struct fc_part_conf *conf);
int  fc_part_alloc(struct fc_part **fpp, const struct fc_part_conf *conf,
		   const struct fc_part_h *h, void *arg);
/* implicit: the SIP INVITE carried the floor request (mc_implicit_request)*/
void fc_part_start(struct fc_part *fp, bool implicit);
void fc_part_stop(struct fc_part *fp);
void fc_part_ptt(struct fc_part *fp, bool pressed);
void fc_part_recv(struct fc_part *fp, const struct fc_msg *m);
void fc_part_rtp(struct fc_part *fp);
void fc_part_queue_query(struct fc_part *fp);
void fc_part_timer_expired(struct fc_part *fp, enum fc_timer t);
enum fc_pstate fc_part_state(const struct fc_part *fp);
const char *fc_pstate_name(enum fc_pstate st);
const char *fc_timer_name(enum fc_timer t);
