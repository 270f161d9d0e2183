/**
 * @file esn_floor.h  Floor arbitration of one group (TS 24.380 §6.3,
 * simplified): who holds the floor, who waits, who is pre-empted.
 *
 * Pure: no sockets, no timers, no clock.  Participants are small integer
 * ids chosen by the caller; every decision comes out as a list of
 * actions for the caller to turn into floor messages and timers.
 */
#include <stdbool.h>
#include <stdint.h>

enum {
	ESN_FL_QMAX  = 16,       /* queued requests per group              */
	ESN_FL_NONE  = 0,        /* "no participant"                       */
};

/* Reject causes used (TS 24.380 §8.2.6.2 deny, §8.2.10.2 revoke) */
enum {
	ESN_DENY_BUSY        = 1,  /* another client has permission        */
	ESN_DENY_RECV_ONLY   = 5,  /* receive only: a broadcast call       */
	ESN_DENY_QUEUE_FULL  = 7,
	ESN_REVOKE_TOO_LONG  = 2,  /* media burst too long                 */
	ESN_REVOKE_PREEMPTED = 4,  /* media burst pre-empted               */
};

enum esn_fl_act {
	ESN_FA_GRANT = 0,  /* to part: Floor Granted (duration, prio)      */
	ESN_FA_TAKEN,      /* to part: Floor Taken, talker = holder        */
	ESN_FA_DENY,       /* to part: Floor Deny (cause)                  */
	ESN_FA_QUEUED,     /* to part: Queue Position Info (qpos)          */
	ESN_FA_REVOKE,     /* to part: Floor Revoke (cause)                */
	ESN_FA_IDLE,       /* to part: Floor Idle                          */
	ESN_FA_LIMIT,      /* start the transmit time limit (seconds), or
			    * stop it when seconds is 0                     */
};

struct esn_fl_out {
	enum esn_fl_act act;
	uint32_t part;           /* addressee (0 for ESN_FA_LIMIT)         */
	uint32_t holder;         /* who talks (GRANT, TAKEN)               */
	uint16_t cause;
	uint16_t seconds;        /* GRANT duration, LIMIT                  */
	uint8_t  prio;
	uint8_t  qpos;           /* QUEUED: 1 = next                       */
	bool     emerg;          /* holder's request was an emergency      */
};

typedef void (esn_fl_out_h)(const struct esn_fl_out *o, void *arg);

struct esn_fl_req {
	uint32_t part;
	uint8_t  prio;
	bool     emerg;          /* Floor Indicator emergency/imminent bit */
	bool     bcast;          /* Floor Indicator broadcast group call   */
	bool     queueing;       /* offered mc_queueing                    */
	uint64_t seq;            /* set by the module: arrival order       */
};

struct esn_floor {
	uint32_t members[64];
	unsigned memberc;
	struct esn_fl_req holder;   /* holder.part == 0: idle              */
	struct esn_fl_req queue[ESN_FL_QMAX];
	unsigned queuec;
	uint16_t limit_s;           /* transmit time limit                 */
	uint64_t nseq;
	esn_fl_out_h *outh;
	void *arg;
};

void esn_floor_init(struct esn_floor *f, uint16_t limit_s,
		    esn_fl_out_h *outh, void *arg);
/* Late entry: a joiner is told who talks (Floor Taken) */
int  esn_floor_join(struct esn_floor *f, uint32_t part);
void esn_floor_leave(struct esn_floor *f, uint32_t part);
void esn_floor_request(struct esn_floor *f, const struct esn_fl_req *r);
void esn_floor_release(struct esn_floor *f, uint32_t part);
/* The transmit time limit ran out */
void esn_floor_expire(struct esn_floor *f);
uint32_t esn_floor_holder(const struct esn_floor *f);
/* Queue position of part, 1-based; 0 when not queued */
unsigned esn_floor_qpos(const struct esn_floor *f, uint32_t part);
