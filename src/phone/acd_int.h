/**
 * @file acd_int.h  Internals shared by acd.c (tables, lists, dispatch)
 *                  and acd_ev.c (events, tick)
 */

struct acd_call;

struct acd_queue {
	struct acd_queue_conf c;
	uint32_t waiting;            /* calls queued in this queue         */
};

struct acd_agent {
	struct le he;                /* acd->agents_h                      */
	struct le le;                /* acd->avail, by idle_since          */
	uint32_t id;
	uint64_t skills;
	uint64_t wrap_ms;
	enum acd_astate st;
	uint64_t idle_since;         /* became available                   */
	uint64_t due;                /* ring timeout or end of wrap-up     */
	struct acd_call *call;       /* ringing or connected               */
	struct acd_call *resv;       /* waiting for us in a grace period   */
	bool nr_after;               /* not ready asked for on a call:
					  applies when it ends             */
};

struct acd_call {
	struct le he;                /* acd->calls_h                       */
	struct le le;                /* acd->wait, or acd->free            */
	struct acd_call_info i;
	struct acd_queue *q;
	uint64_t need;               /* queue skills | call skills         */
	uint64_t seq;                /* arrival order, breaks ties         */
	uint64_t enq_at;             /* entered the current queue          */
	uint64_t next_ann;           /* when `ann`                         */
	bool ann;                    /* announcements scheduled            */
	uint64_t resv_until;
	struct acd_agent *agent;
	bool used;
};

struct acd {
	struct acd_conf conf;
	struct acd_h h;
	void *arg;
	struct acd_queue *queues;
	uint32_t nqueues;
	struct acd_agent *agents;
	uint32_t nagents;
	struct hash *agents_h;
	struct acd_call *calls;
	struct hash *calls_h;
	struct list free;            /* unused call slots                  */
	struct list wait;            /* queued calls, in service order     */
	struct list avail;           /* available agents, longest idle 1st */
	struct acd_stats st;
	uint64_t seq;
	int in_cb;                   /* a handler is running               */
};

/* acd.c */
struct acd_queue *acd_queue_find(const struct acd *acd, uint32_t id);
struct acd_agent *acd_agent_find(const struct acd *acd, uint32_t id);
struct acd_call  *acd_call_find(const struct acd *acd, uint64_t id);
struct acd_call  *acd_call_new(struct acd *acd, uint64_t id);
void acd_call_free(struct acd *acd, struct acd_call *c);
void acd_wait_insert(struct acd *acd, struct acd_call *c, uint64_t now);
void acd_wait_remove(struct acd *acd, struct acd_call *c);
void acd_agent_set(struct acd *acd, struct acd_agent *a,
		   enum acd_astate st, uint64_t now);
void acd_avail_put(struct acd *acd, struct acd_agent *a);
void acd_offer(struct acd *acd, struct acd_call *c, struct acd_agent *a,
	       uint64_t now);
void acd_dispatch(struct acd *acd, uint64_t now);

/* handler calls, guarded against re-entry */
void acd_emit_offer(struct acd *acd, struct acd_call *c, uint32_t agent);
void acd_emit_cancel(struct acd *acd, struct acd_call *c, uint32_t agent,
		     enum acd_cancel why);
void acd_emit_announce(struct acd *acd, struct acd_call *c);
void acd_emit_overflow(struct acd *acd, struct acd_call *c, uint32_t from);
void acd_emit_returned(struct acd *acd, struct acd_call *c, uint32_t agent);
void acd_emit_ended(struct acd *acd, struct acd_call_info *ci,
		    enum acd_end why);
