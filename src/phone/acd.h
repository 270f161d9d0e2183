/**
 * @file acd.h  Automatic call distribution of 999/101 calls (pure module)
 *
 * Queues, call takers (agents) and calls; events in, decisions out through
 * a handler table.  No SIP, no sockets, no threads, no clock of its own:
 * every event carries the caller's monotonic time in ms, and acd_tick()
 * drives ring timeouts, wrap-up, overflow, announcements and grace
 * periods.  Nothing but acd_call_abandon(), acd_call_end() and
 * acd_shutdown() (a restart) ever ends an accepted call.  Memory is fixed
 * at acd_alloc(); a full table is an explicit error and the refused call
 * is still reported through the ended handler.
 * Handlers must not call back into acd_ (EDEADLK).  Not thread-safe.
 */

struct acd;

enum { ACD_NONE = 0 };         /* no agent / no queue                     */

enum acd_astate {
	ACD_A_LOGGED_OUT = 0,  /* includes a position that disconnected    */
	ACD_A_NOT_READY,
	ACD_A_AVAILABLE,
	ACD_A_RINGING,
	ACD_A_ON_CALL,
	ACD_A_WRAP_UP,
	ACD_A_COUNT
};

enum acd_cstate {
	ACD_C_QUEUED = 0,      /* waiting, announcements play             */
	ACD_C_RINGING,         /* offered to one agent                    */
	ACD_C_CONNECTED,       /* answered                                */
	ACD_C_COUNT
};

/* call flags */
enum {
	ACD_F_SILENT = 1u << 0,   /* no speech from the caller (flagged)   */
	ACD_F_HEAD   = 1u << 1,   /* back at the head after a disconnect   */
};

enum acd_end {
	ACD_END_COMPLETED = 0,    /* acd_call_end after an answer          */
	ACD_END_CLEARED,          /* acd_call_end before an answer         */
	ACD_END_ABANDONED,        /* caller hung up before an answer       */
	ACD_END_CALLER_HUNGUP,    /* caller hung up while connected        */
	ACD_END_NOROOM,           /* refused: call table full              */
	ACD_END_NOQUEUE,          /* refused: unknown queue                */
	ACD_END_RESTART,          /* acd_shutdown                          */
	ACD_END_COUNT
};

enum acd_cancel {
	ACD_CANCEL_TIMEOUT = 0,   /* ring timeout                          */
	ACD_CANCEL_REJECT,        /* the agent declined it                 */
	ACD_CANCEL_ABANDON,       /* the caller hung up while ringing      */
	ACD_CANCEL_LOGOUT,        /* the agent logged out while ringing    */
	ACD_CANCEL_DISCONNECT,    /* the agent's position is gone          */
	ACD_CANCEL_RESTART,
	ACD_CANCEL_COUNT
};

/* What happens to an agent that let an offer ring out or rejected it */
enum acd_noanswer {
	ACD_NA_NOT_READY = 0,     /* needs acd_agent_ready again           */
	ACD_NA_LAST,              /* stays available, least idle           */
};

struct acd_conf {
	uint32_t max_queues;
	uint32_t max_agents;
	uint32_t max_calls;       /* queued + ringing + connected          */
	uint32_t ring_s;          /* offer unanswered -> next agent        */
	uint32_t grace_s;         /* disconnected agent keeps an answered
				     call reserved this long (0: never)    */
	enum acd_noanswer noanswer;
};

struct acd_queue_conf {
	uint32_t id;              /* != ACD_NONE                           */
	int      prio;            /* higher is served first (999 > 101)    */
	uint64_t skills;          /* every one required of the agent       */
	uint32_t overflow_q;      /* ACD_NONE: no overflow; must exist     */
	uint32_t overflow_s;      /* time waiting in this queue            */
	uint32_t announce_s;      /* 0: no announcements                   */
};

/* A call as handlers see it: valid during the handler only */
struct acd_call_info {
	uint64_t id;
	uint32_t queue;           /* current queue (after overflow)        */
	uint32_t orig_queue;
	uint32_t flags;
	uint64_t skills;          /* wanted by the call, besides the queue */
	uint64_t arrival;         /* ms, kept across overflow              */
	uint64_t answered;        /* ms, 0 if never                        */
	uint32_t agent;           /* ringing/connected/last agent          */
	uint32_t reserved;        /* agent it waits for in a grace period  */
	uint32_t offers;          /* how many times it was offered         */
	uint32_t announcements;
	enum acd_cstate state;
};

struct acd_h {
	void (*offer)(const struct acd_call_info *c, uint32_t agent,
		      void *arg);
	void (*cancel)(const struct acd_call_info *c, uint32_t agent,
		       enum acd_cancel why, void *arg);
	/* n counts from 0: the first one plays when a call must wait */
	void (*announce)(const struct acd_call_info *c, uint32_t n,
			 void *arg);
	void (*overflow)(const struct acd_call_info *c, uint32_t from_q,
			 void *arg);
	/* agent: the position that went; c->reserved says if it waits */
	void (*returned)(const struct acd_call_info *c, uint32_t agent,
			 void *arg);
	void (*ended)(const struct acd_call_info *c, enum acd_end why,
		      void *arg);
};

struct acd_stats {
	uint32_t calls[ACD_C_COUNT];
	uint32_t agents[ACD_A_COUNT];
	uint64_t arrived, refused, offered, answered, ended, overflowed;
	uint64_t returned, timeouts;
};

int  acd_alloc(struct acd **acdp, const struct acd_conf *conf,
	       const struct acd_h *h, void *arg);
int  acd_queue_add(struct acd *acd, const struct acd_queue_conf *qc);
int  acd_agent_add(struct acd *acd, uint32_t id, uint64_t skills,
		   uint32_t wrap_s);

/* Calls.  arrive: 0, or ENOSPC/ENOENT/EALREADY/EINVAL with the call
 * reported ended (refused) unless it was a duplicate id. */
int  acd_call_arrive(struct acd *acd, uint64_t id, uint32_t queue,
		     uint32_t flags, uint64_t skills, uint64_t now);
int  acd_call_flag(struct acd *acd, uint64_t id, uint32_t flags);
int  acd_call_abandon(struct acd *acd, uint64_t id, uint64_t now);
int  acd_call_end(struct acd *acd, uint64_t id, uint64_t now);

/* Agents.  EPROTO: the event makes no sense in the agent's state. */
int  acd_agent_login(struct acd *acd, uint32_t id, uint64_t now);
int  acd_agent_logout(struct acd *acd, uint32_t id, uint64_t now);
int  acd_agent_ready(struct acd *acd, uint32_t id, bool ready,
		     uint64_t now);
int  acd_agent_answer(struct acd *acd, uint32_t id, uint64_t now);
int  acd_agent_reject(struct acd *acd, uint32_t id, uint64_t now);
int  acd_agent_disconnect(struct acd *acd, uint32_t id, uint64_t now);

void acd_tick(struct acd *acd, uint64_t now);
/* Restart: every call ends with ACD_END_RESTART, agents log out */
void acd_shutdown(struct acd *acd, uint64_t now);

int  acd_call_get(const struct acd *acd, uint64_t id,
		  struct acd_call_info *ci);
enum acd_astate acd_agent_state(const struct acd *acd, uint32_t id);
/* Not ready was asked for during the agent's call: it will be after */
bool acd_agent_nr_after(const struct acd *acd, uint32_t id);
void acd_stats(const struct acd *acd, struct acd_stats *st);
/* Consistency of every list and counter: 0 or EPROTO with why */
int  acd_check(const struct acd *acd, const char **why);

const char *acd_astate_name(enum acd_astate st);
const char *acd_end_name(enum acd_end why);
const char *acd_cancel_name(enum acd_cancel why);
