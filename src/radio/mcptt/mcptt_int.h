/**
 * @file mcptt_int.h  ESN bearer objects shared by mcptt*.c
 *
 * Include after re.h, radio/radio.h, radio/mcptt/fc.h,
 * radio/mcptt/mcptt.h and media/media.h.
 */

struct mcptt {
	struct bearer b;            /* first: radio.h reaches ops here  */
	const struct radio_events *ev;
	void *arg;
	struct media *media;        /* may be NULL: signalling only     */

	struct tls *tls;
	struct dnsc *dnsc;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct sipreg *reg;
	struct sip_keepalive *ka;   /* tells when the connection drops */
	struct tmr tmr_rereg;       /* quick re-registration when down */

	char *aor;                  /* our MCPTT ID                     */
	char *domain;
	char *host;                 /* server host, for TLS and Warning */
	char *route;                /* sip:host:port;transport=tls;lr   */
	char *psi;                  /* sip:mcptt-orig-part@domain       */
	struct uri route_uri;
	struct sa rtp_addr;
	uint8_t prio;               /* mc_priority asked for            */
	bool up;

	struct list calls;          /* struct mcptt_call                */
	unsigned callseq;
};

enum mcptt_kind {
	MCPTT_GROUP = 0,
	MCPTT_PRIVATE,
};

struct mcptt_call;

struct mcptt_fctmr {
	struct tmr tmr;
	struct mcptt_call *call;
	enum fc_timer t;
};

struct mcptt_call {
	struct le le;
	struct mcptt *mc;
	enum mcptt_kind kind;
	char id[64];                /* talkgroup id or private call id  */
	char target[MCPTT_URI_MAX]; /* group URI or callee              */
	char peer[MCPTT_URI_MAX];   /* incoming: the caller             */
	char stream[MEDIA_ID_MAX];
	enum radio_group_state st;
	bool incoming;
	bool emergency;             /* as the network last confirmed   */
	bool emerg_want;            /* as we asked in the last INVITE   */

	struct sipsess *sess;
	struct mcptt_sdp *sdp;
	struct mcptt_sdp_local l;
	struct mcptt_sdp_remote r;
	bool media_up;

	struct udp_sock *fcus;
	struct fc_part *fp;
	struct mcptt_fctmr fct[FC_TMR_COUNT];
	uint8_t ptt_prio;
	uint16_t ptt_ind;           /* Floor Indicator of the participant */
	struct tmr tmr_rx;          /* feeds T103 from received media    */
	uint64_t rx_seen;           /* rx packets of the stream, last look */
	bool imminent, broadcast;   /* the kind of call asked for        */

	struct tmr retry;
	unsigned attempts;
	char reason[160];
	char alias_uri[MCPTT_URI_MAX];  /* P-Asserted-Identity of the   */
	char alias[64];                 /* network's last re-INVITE     */
};

/* mcptt.c */
void mcptt_link_set(struct mcptt *mc, bool up, const char *reason);
int  mcptt_msg_send(struct mcptt *mc, const char *to, const char *type,
		    const char *text, unsigned status);

/* mcptt_sip.c */
int  mcptt_group_join(struct mcptt *mc, const char *tg, const char *group);
int  mcptt_group_leave(struct mcptt *mc, const char *tg);
int  mcptt_emergency(struct mcptt *mc, const char *tg, bool on);
int  mcptt_call_kind(struct mcptt *mc, const char *tg, bool imminent,
		     bool broadcast);
int  mcptt_private_call(struct mcptt *mc, char **callp, const char *peer,
			bool emergency);
int  mcptt_private_answer(struct mcptt *mc, const char *id, bool accept);
int  mcptt_private_hangup(struct mcptt *mc, const char *id);
void mcptt_sess_conn(const struct sip_msg *msg, void *arg);
struct mcptt_call *mcptt_call_find(const struct mcptt *mc, const char *id);

/* mcptt_floor.c */
int  mcptt_floor_alloc(struct mcptt_call *call);  /* socket, l.fc_port */
int  mcptt_floor_start(struct mcptt_call *call);  /* after the answer */
void mcptt_floor_stop(struct mcptt_call *call);
int  mcptt_floor_ptt(struct mcptt_call *call, bool pressed, uint8_t prio);
int  mcptt_port_pick(const struct sa *addr, uint16_t *portp);
int  mcptt_media_start(struct mcptt_call *call);
void mcptt_media_stop(struct mcptt_call *call);
