/**
 * @file tetra_int.h  TETRA bearer objects shared by tetra*.c
 *
 * Include after re.h, radio/radio.h, radio/tetra/pei.h and
 * media/media.h.
 */

enum tetra_tag {
	T_PLAIN = 0,        /* nothing to do with the answer            */
	T_STARTUP,          /* a step of start-up                        */
	T_STARTUP_LAST,     /* its last step: the terminal is ready      */
	T_ATTACH,           /* AT+CTGS for a group                       */
	T_DIAL,             /* ATD of a group call we set up             */
	T_CTXD,             /* transmit demand                           */
	T_CUTXC,            /* transmission ceased                       */
	T_PC_DIAL,          /* ATD of an individual call we set up       */
	T_PC_ANSWER,        /* ATA of an individual call offered to us   */
	T_EMERG,            /* emergency status (on) or its cancel (off) */
	T_EMERG_OFF,
};

struct tetra_cmd {
	struct le le;
	struct pei_line line;
	enum tetra_tag tag;
	char tg[64];
};

/* A talkgroup as the terminal carries it: attached (scanned) group,
 * and at most one call at a time on it.  An individual call is one too
 * (indiv): tg is then its call id and gssi the peer's ISSI, so the
 * transmission grant, talker and voice code serves both. */
struct tetra_grp {
	struct le le;
	struct tetra *te;
	char tg[64];
	char gssi[PEI_ID_MAX];
	bool indiv;             /* an individual call, not a group        */
	bool connected;         /* indiv: +CTCC seen                      */
	enum radio_group_state st;
	int  cci;               /* CC instance of its call, -1: none     */
	bool dialing;           /* our ATD is under way                  */
	bool want_tx;           /* PTT pressed here                      */
	bool tx;                /* the terminal transmits for us         */
	bool media_up;
	char stream[MEDIA_ID_MAX];
};

struct tetra {
	struct bearer b;            /* first: radio.h reaches ops here  */
	const struct radio_events *ev;
	void *arg;
	struct media *media;        /* may be NULL: signalling only     */

	char *terminal;             /* host:port or a device path       */
	bool serial;
	struct sa srv;
	struct tcp_conn *tc;
	int fd;                     /* serial line, -1 when closed      */
	struct pei *pei;

	struct list cmdq;           /* struct tetra_cmd, waiting         */
	struct tetra_cmd *cur;      /* sent, waiting for its final code */
	struct tmr tmr_cmd;         /* the terminal must answer in time */
	struct tmr tmr_keep;        /* AT now and then: is it there?    */
	struct tmr tmr_conn;        /* reconnect                        */

	bool connected;
	bool up;                    /* start-up done                    */
	char issi[PEI_ID_MAX];      /* our own identity (+CNUMF)         */

	struct sa rtp_local, rtp_remote;
	char codec[16];
	unsigned mode, prio;

	struct list grps;           /* struct tetra_grp                  */
	unsigned pcseq;             /* individual call ids               */
	int gone_cci;               /* a call we released: its late +CTCR
				     * must not hit a call being set up */
};

/* tetra.c */
int  tetra_cmd(struct tetra *te, enum pei_cmd cmd, const struct pei_arg *a,
	       enum tetra_tag tag, const char *tg);
void tetra_link(struct tetra *te, bool up, const char *reason);
void tetra_id(char *buf, size_t sz, const char *pei_id);

/* tetra_call.c */
struct tetra_grp *tetra_grp_find(const struct tetra *te, const char *tg);
struct tetra_grp *tetra_grp_by_gssi(const struct tetra *te,
				    const char *gssi);
bool tetra_busy(const struct tetra *te);
void tetra_media(struct tetra_grp *g, bool on);
void tetra_grp_report(struct tetra_grp *g, enum radio_group_state st,
		      const char *reason);
void tetra_floor(struct tetra_grp *g, enum radio_floor_state st, bool tx,
		 const char *talker, const char *reason);
void tetra_call_ev(struct tetra *te, const struct pei_ev *ev);
void tetra_cmd_done(struct tetra *te, const struct tetra_cmd *c, bool ok,
		    const char *why);
void tetra_calls_lost(struct tetra *te, const char *reason);
void tetra_sds_ev(struct tetra *te, const struct pei_ev *ev);
int  tetra_join(struct tetra *te, const char *tg, const char *gssi);
int  tetra_leave(struct tetra *te, const char *tg);
int  tetra_ptt(struct tetra *te, const char *tg, bool on, bool emergency);
int  tetra_send(struct tetra *te, const char *to, const char *text,
		unsigned status);
int  tetra_emergency(struct tetra *te, const char *tg, bool on);

/* tetra_pcall.c: individual calls */
bool tetra_pc_offer(struct tetra *te, const struct pei_ev *ev);
bool tetra_pc_ev(struct tetra_grp *g, const struct pei_ev *ev);
void tetra_pc_cmd_done(struct tetra_grp *g, const struct tetra_cmd *c,
		       bool ok, const char *why);
void tetra_pc_end(struct tetra_grp *g, enum radio_call_state st,
		  const char *reason);
int  tetra_pc_dial(struct tetra *te, char **callp, const char *peer,
		   bool emergency);
int  tetra_pc_answer(struct tetra *te, const char *call, bool accept);
int  tetra_pc_hangup(struct tetra *te, const char *call);
