/**
 * @file phone_int.h  Objects shared by phone.c, trunk.c and call.c
 *
 * Include after re.h, phone/acd.h and phone/phone.h.
 */

enum {
	PHONE_ID_MAX = 64,
	PHONE_TICK_MS = 100,
	PHONE_MAX_CALLS = 4096,
};

struct trunk {
	struct le le;
	struct phone *ph;
	char id[PHONE_ID_MAX];
	enum sip_transp tp;
	struct sa laddr;
	struct tls *tls;
	bool srtp;
	char *user, *pass;          /* digest credentials, or NULL     */
	uint8_t ha1[16];            /* MD5(user:realm:pass), realm = id */
	uint8_t nkey[20];           /* signs our nonces                */
	struct hash *used;          /* nonces answered (one INVITE each) */
	struct list usedl;          /* the same, oldest first          */
};

enum pcall_state {
	PCALL_QUEUED = 0,
	PCALL_RINGING,
	PCALL_CONNECTED,
	PCALL_HELD,
	PCALL_DIALING,              /* our INVITE out, no answer yet   */
	PCALL_ENDED,
};

/* How two legs are tied together (link.c) */
enum pcall_link {
	PLINK_NONE = 0,
	PLINK_CONSULT,      /* the call taker talks to the second leg
			       while the first is held                */
	PLINK_CONF,         /* three-way: both legs and the position  */
	PLINK_TRANSFER,     /* the first leg waits for the second to
			       answer, then they are bridged          */
	PLINK_BRIDGE,       /* the two legs talk, no position         */
};

struct pcall {
	struct le le;               /* phone->calls                    */
	struct phone *ph;
	uint64_t id;                /* the ACD's id (changes on a
				       transfer into a queue)          */
	char stream[PHONE_ID_MAX];  /* media stream "call-<n>"         */
	const struct trunk *trunk;
	char number[32];            /* dialled                         */
	char caller[128];           /* caller id (URI user or "")      */
	char caller_name[64];
	char queue[PHONE_ID_MAX];   /* resource id                     */
	char pos[PHONE_ID_MAX];     /* ringing/connected position      */
	char last_pos[PHONE_ID_MAX];
	enum pcall_state st;
	uint64_t arrival;           /* unix ms                         */
	uint64_t answered;          /* unix ms or 0                    */
	bool transferring;          /* ACD end is a move, not the end  */
	bool direct;                /* rings one position, not in ACD  */
	bool outbound;              /* we placed it (dial out)         */
	bool unmanaged;             /* not an ACD call: outbound, or
				       bridged to an outside party     */
	struct pcall *link;         /* the other leg of a consult,
				       conference or bridge            */
	enum pcall_link link_kind;
	bool second;                /* the leg a consult/transfer made */
	uint64_t icom;              /* consulting a position over this
				       intercom (intercom.c), or 0     */
	bool silent;                /* no speech from the caller       */
	const char *end_why;        /* audited end reason, or NULL     */
	uint64_t rx_pkts, rx_at;    /* watch.c: RTP seen, mono ms      */
	uint64_t speech, speech_at; /* payloads with speech energy     */
	struct tmr ring;            /* direct: ring timeout            */

	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *sdpm;
	struct sa laddr;            /* our RTP address and port        */
	bool media_up;
	bool srtp;                  /* SDES keys below                 */
	uint8_t srtp_rx[30], srtp_tx[30];  /* caller's, ours           */
};

struct phone {
	const struct conf *conf;
	struct media *media;
	struct pos_audio *pa;
	struct audit *audit;

	struct acd *acd;
	char (*agents)[PHONE_ID_MAX];   /* agent id - 1 -> position id  */
	uint32_t *answered, *answered10; /* per queue id - 1, since start */
	uint32_t nagents;
	bool *ready;                     /* per agent                    */
	bool *lost;                      /* per agent: console dropped   */
	struct tmr tick;
	struct bus_sub *bus;             /* session.ended                */

	struct dnsc *dnsc;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct list trunks;              /* struct trunk                 */
	struct list calls;               /* struct pcall                 */
	struct list icoms;               /* struct icom (intercom.c)     */
	struct list sups;                /* struct sup (supervise.c)     */
	uint64_t seq;
	uint64_t last_stats;             /* mono ms of queue.update      */
	uint16_t next_port;              /* RTP port cursor (even)       */
	bool closing;
};

/* phone.c */
uint64_t phone_mono_ms(void);
uint64_t phone_unix_ms(void);
uint32_t phone_agent_id(const struct phone *ph, const char *pos);
uint32_t phone_queue_id(const struct phone *ph, const char *queue);
const char *phone_queue_name(const struct phone *ph, uint32_t qid);
struct pcall *phone_call_find(const struct phone *ph, uint64_t id);
void phone_call_publish(const struct phone *ph, const struct pcall *c);
void phone_call_arrived(struct phone *ph, struct pcall *c);
json_t *phone_queues_json(const struct phone *ph);

/* phone_direct.c */
int  phone_direct_offer(struct phone *ph, struct pcall *c, const char *pos);
void phone_direct_answered(struct pcall *c);
void phone_direct_requeue(struct phone *ph, struct pcall *c);
void phone_direct_end(struct phone *ph, struct pcall *c, const char *why);
void phone_direct_gone(struct phone *ph, const char *pos);
void phone_direct_shutdown(struct phone *ph);

/* dial.c: calls we place through a trunk */
int  phone_dial_leg(struct phone *ph, const char *pos, const char *number,
		    const char *trunk, struct pcall **cp);
bool phone_number_ok(const char *number);

/* link.c: consult, conference, transfer to an outside number */
void pcall_link_set(struct pcall *a, struct pcall *b, enum pcall_link k);
void pcall_unlink(struct pcall *c);
void pcall_link_gone(struct pcall *c);
void pcall_leg_up(struct pcall *c);
int  phone_transfer_out(struct phone *ph, struct pcall *a, const char *to);

/* intercom.c: position-to-position voice, and the voice pair that
 * supervision uses too */
struct vpair {
	char pos[2][PHONE_ID_MAX];
	char stream[2][PHONE_ID_MAX]; /* stream[i]: pos[i] talks on it and
					 hears pos[1-i] from it         */
	bool up;
};
int  vpair_up(struct phone *ph, struct vpair *vp, const char *name);
void vpair_down(struct phone *ph, struct vpair *vp);
void phone_route(struct phone *ph, const char *pos, const char *stream,
		 bool on);
void icom_position_gone(struct phone *ph, const char *pos);
int  icom_consult(struct phone *ph, struct pcall *a, const char *to);
void icom_consult_end(struct phone *ph, struct pcall *a, const char *why);
int  icom_consult_complete(struct phone *ph, struct pcall *a);
void icom_shutdown(struct phone *ph);

/* supervise.c */
void sup_call_gone(struct phone *ph, const struct pcall *c);
void sup_position_gone(struct phone *ph, const char *pos);
json_t *sup_json(const struct phone *ph, const struct pcall *c);

/* watch.c: callers who vanish or stay silent */
void phone_watch(struct phone *ph, uint64_t now);

/* phone_ctl.c */
int  phone_own_call(struct phone *ph, const char *pos, uint64_t id,
		    struct pcall **cp);
int  phone_leave(struct phone *ph, struct pcall *c);
json_t *pcall_json_links(const struct pcall *c, json_t *j);

/* trunk.c */
int  trunk_start(struct phone *ph);
int  trunk_number_queue(const struct phone *ph, const char *number,
			const char **queue);

/* trunk_auth.c */
int  trunk_auth_load(struct trunk *tr, const char *path);
void trunk_auth_close(struct trunk *tr);
bool trunk_auth_check(struct phone *ph, struct trunk *tr,
		      const struct sip_msg *msg);
/* sip_auth_h: answers a peer's challenge from the trunk's credentials
 * (arg: the struct trunk) */
int  trunk_auth_handler(char **user, char **pass, const char *realm,
			void *arg);

/* call.c */
struct pcall *pcall_new(struct phone *ph, const struct trunk *tr);
int  pcall_alloc(struct pcall **cp, struct phone *ph,
		 const struct trunk *tr, const struct sip_msg *msg,
		 const char *queue, uint16_t *scode, const char **reason);
int  pcall_media_start(struct pcall *c);
int  pcall_sdp_setup(struct pcall *c, const struct sa *laddr);
int  phone_port_pick(struct phone *ph, const struct sa *addr,
		     uint16_t *portp);
void pcall_media_route(struct pcall *c, const char *pos, bool on);
void pcall_announce(struct pcall *c, unsigned n);
void pcall_bye(struct pcall *c);
json_t *pcall_json(const struct pcall *c);
const char *pcall_state_name(enum pcall_state st);
