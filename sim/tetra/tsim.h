/**
 * @file tsim.h  The simulated TETRA terminal and network (sim/tetra)
 *
 * One process, one libre main loop: a TETRA terminal's PEI on a TCP
 * port (the AT command set iccsd's tetra bearer speaks), the radio
 * gateway's RTP voice next to it, a simulated network behind it with
 * groups and field radios that talk (speech or a recording), send
 * status, text, location and emergency alarms, and an HTTP control API
 * on loopback.  Include after <re.h>, "media/codec.h" and
 * "common/heard.h".
 */

enum { TS_GROUPS = 16, TS_OUT_MAX = 50 };

struct tsim;

struct ts_group {
	struct le le;
	char gssi[24];
	char name[64];
	bool attached;              /* in the terminal's scan list        */
	bool emergency;             /* an emergency alarm is on           */
	char em_by[24];             /* ISSI that raised it                */
	struct sim_heard heard;
};

/* How a radio takes an individual call */
enum ts_answer { TS_ANSWER_AUTO = 0, TS_ANSWER_MANUAL, TS_ANSWER_REJECT };

struct ts_radio {
	struct le le;
	char issi[24];
	char alias[64];
	char groups[TS_GROUPS][24];
	unsigned groupc;
	char *speech;
	int16_t *pcm;               /* 16 kHz mono                        */
	size_t pcmn;
	enum ts_answer answer;
	struct sim_heard heard;      /* the dispatcher in its own call     */
	struct tsim *ts;
};

/* The one call the terminal carries: a group call (grp) or an
 * individual call with a radio (peer) */
struct ts_call {
	int cci;                    /* 0: none                            */
	struct ts_group *grp;
	struct ts_radio *peer;
	bool incoming, ringing;
	struct tmr tmr_answer;
	char talker[24];            /* ISSI, "" idle, "disp": dispatcher  */
	struct ts_radio *radio;     /* talking radio                      */
	size_t pos;
	uint64_t t_next, t_end;
	struct tmr tmr_talk;
	struct tmr tmr_hang;
	unsigned prio;
};

struct tsim {
	char pei[64], http[64], rtp[64], rtp_remote[64], codec[16];
	char issi[24];
	unsigned hang_s;
	struct list groups, radios;
	struct tcp_sock *ts;
	struct tcp_conn *tc;        /* the bearer, one at a time          */
	struct mbuf *inb;           /* a command line being received      */
	bool mute;                  /* stop answering (a hung terminal)   */
	unsigned ctsdc_prio;         /* AT+CTSDC call priority            */
	unsigned ctsdc_comms;        /* AT+CTSDC comms type: 0 individual */
	unsigned ctsdc_simplex;
	unsigned sds_ai;             /* AT+CTSDS: 12 SDS-TL, 13 status     */
	int ccis;
	struct ts_call call;
	struct udp_sock *us;
	struct sa raddr;
	const struct codec_ops *codec_ops;
	struct codec_enc *enc;
	struct codec_dec *dec;
	uint16_t seq;
	uint32_t rtp_ts, ssrc;
	struct http_sock *hs;
	json_t *out;                /* what the dispatcher sent by SDS    */
	uint64_t cmds;
};

/* tsim.c */
uint64_t ts_now_ms(void);
struct ts_group *ts_group_find(struct tsim *s, const char *gssi);
struct ts_radio *ts_radio_find(struct tsim *s, const char *issi);
bool ts_radio_in(const struct ts_radio *r, const struct ts_group *g);
void ts_send(struct tsim *s, const char *fmt, ...);
void ts_drop(struct tsim *s);
void ts_reboot(struct tsim *s);

/* tsim_net.c */
int  ts_net_start(struct tsim *s);
void ts_net_close(struct tsim *s);
int  ts_radio_prepare(struct ts_radio *r);
int  ts_radio_talk(struct ts_radio *r, struct ts_group *g, unsigned secs);
int  ts_dial(struct tsim *s, const char *gssi);
int  ts_txd(struct tsim *s, int cci, unsigned prio);
int  ts_utxc(struct tsim *s, int cci);
void ts_hangup(struct tsim *s, unsigned cause);
int  ts_sds(struct tsim *s, const char *from, const char *to,
	    unsigned ai, const uint8_t *buf, size_t bits);
void ts_call_new(struct tsim *s, struct ts_group *g, unsigned prio);
void ts_talk_start(struct tsim *s, struct ts_radio *r, unsigned secs);

/* tsim_pcall.c: individual calls */
int  ts_pc_dial(struct tsim *s, struct ts_radio *r);
int  ts_pc_call(struct ts_radio *r, bool emergency);
int  ts_pc_answer(struct tsim *s);
int  ts_pc_radio_answer(struct ts_radio *r, bool accept);
int  ts_pc_radio_hangup(struct ts_radio *r);
int  ts_pc_talk(struct ts_radio *r, unsigned secs);
void ts_emergency_sds(struct tsim *s, const char *from, const char *to,
		      unsigned status);

/* tsim_http.c */
int  ts_http_start(struct tsim *s);
