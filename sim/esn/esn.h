/**
 * @file esn.h  The simulated ESN network (internal to sim/esn)
 *
 * One process, one libre main loop: a SIP registrar and MCPTT group
 * server on mutual TLS, per-dispatcher RTP/SRTP and floor legs, the
 * floor server of each group, simulated field radios and the HTTP
 * control API.  Include after <re.h>, "media/codec.h", "esn_floor.h".
 */
#include "common/heard.h"

enum { ESN_KEY_LEN = 30 };

struct esn;

struct esn_group {
	struct le le;
	char *uri;
	char *name;
	struct list legs;            /* struct esn_leg                     */
	struct esn_floor floor;
	struct tmr tmr_limit;
	uint16_t fseq;               /* Message Sequence Number            */
	bool emerg;                  /* a radio's emergency is on          */
	struct esn *esn;
	/* a private call: a group of one radio and one dispatcher that
	 * lives as long as the call (esn_pcall.c) */
	struct esn_radio *pc_radio;
	struct esn_leg *pc_ringing;  /* manual commencement: not answered */
	struct mbuf *pc_answer;      /* the 200's SDP, kept while ringing  */
	struct tmr tmr_answer;
};

/* One dispatcher in one group session */
struct esn_leg {
	struct le le;
	uint32_t part;               /* floor participant id               */
	struct esn_group *grp;
	struct sipsess *sess;
	char *mcptt_id;
	struct rtp_sock *rtp;
	struct udp_sock *fus;        /* our m=application port             */
	struct srtp *tx, *rx;
	uint8_t key[ESN_KEY_LEN];    /* ours, sent in the answer           */
	struct sa raddr_rtp, raddr_fc;
	uint8_t max_prio;
	bool queueing;
	bool emerg;
	bool imminent, broadcast;    /* the kind of call it asked for      */
	/* the last ack-required floor message, re-sent until acked */
	uint8_t pend[512];
	size_t pendlen;
	unsigned pendc;
	struct tmr tmr_ack;
	/* what the network heard from this dispatcher */
	struct codec_dec *dec;
	struct mbuf *ldesc;          /* our current SDP answer             */
	struct sdp_session *sdp;     /* our offer, while it is one         */
	struct sdp_media *sdp_au, *sdp_ap;   /* its media (owned by sdp)  */
	/* the dialog as seen on the wire, for requests the network sends
	 * over the dispatcher's own connection (see esn_sip.c) */
	char *callid, *ltag, *rtag, *ruri, *luri, *target;
	struct sa src;
	struct sim_heard heard;      /* what the network heard from it     */
};

struct esn_radio {
	struct le le;
	uint32_t part;
	char *id, *alias, *mcptt_id;
	char *groups[8];
	unsigned groupc;
	uint8_t prio;
	uint32_t every_s;            /* talk on a schedule, 0: on command  */
	struct tmr tmr_sched;
	char *speech_text;
	int16_t *pcm;                /* 16 kHz mono speech                 */
	size_t pcmn;
	/* a talk in progress */
	struct esn_group *tgrp;
	bool granted;
	size_t pos;
	uint64_t t_next, t_end;
	struct tmr tmr;
	struct codec_enc *enc;
	uint16_t seq;
	uint32_t ts, ssrc;
	bool emerg;
	/* private calls to this radio: "auto" answers at once, "manual"
	 * rings answer_ms (or until /answer), "reject" declines */
	char *answer;
	uint32_t answer_ms;
	struct esn *esn;
};

struct esn_reg {
	struct le le;
	char *aor, *cn, *contact;
	struct sa src;
	uint32_t expires;
	uint64_t since;
};

struct esn_disp {                /* configured dispatcher identity      */
	struct le le;
	char *mcptt_id, *cn;
};

struct esn {
	char *listen, *domain, *cert, *ca, *http;
	uint16_t limit_s;
	struct list groups, radios, regs, disps;
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct sipsess_sock *ssock;
	struct tls *tls;
	struct dnsc *dnsc;
	struct http_sock *hs;
	struct sa laddr;
	uint32_t next_part;
	uint64_t msgs_in;
	bool drop_idle;              /* fault: Floor Idle is not sent      */
	char last_msg[512];
};

/* esn_conf.c */
int  esn_conf_load(struct esn *esn, const char *path);

/* esn.c */
struct esn_group *esn_group_find(struct esn *esn, const char *uri);
struct esn_radio *esn_radio_find(struct esn *esn, const char *id);
struct esn_reg   *esn_reg_find(struct esn *esn, const char *aor);
uint64_t esn_now_ms(void);
const char *esn_part_name(const struct esn_group *g, uint32_t part);

/* esn_sip.c */
int  esn_sip_start(struct esn *esn);
extern const char esn_feature_tags[];
/* The sessions' handlers of a dispatcher leg (esn_sip.c) */
sipsess_offer_h  esn_leg_offer_h;
sipsess_estab_h  esn_leg_estab_h;
sipsess_close_h  esn_leg_close_h;
int  esn_sip_message(struct esn *esn, const char *to_aor, const char *body);
int  esn_sip_emergency(struct esn_leg *leg, const struct esn_radio *r,
		       bool on);

/* esn_body.c: multipart/mixed, mcptt-info XML, SDP */
struct esn_info {
	char group[256];
	char calling[256];
	bool emerg, alert, has_emerg;
	bool priv;                   /* session-type private               */
	bool imminent, broadcast;    /* imminentperil-ind, broadcast-ind   */
};
int  esn_body_split(const struct sip_msg *msg, struct pl *sdp,
		    struct pl *info);
int  esn_info_parse(struct esn_info *inf, const struct pl *xml);
int  esn_info_print(struct mbuf *mb, const char *group, const char *calling,
		    bool emerg, bool priv);
int  esn_sdp_answer(struct esn_leg *leg, const struct pl *offer,
		    struct mbuf **ansp, const char **reason);
int  esn_sdp_offer(struct esn_leg *leg, uint8_t prio, struct mbuf **offerp);
int  esn_sdp_answered(struct esn_leg *leg, const struct pl *answer,
		      const char **reason);

/* esn_pcall.c: private calls between a radio and a dispatcher */
int  esn_pcall_group(struct esn *e, struct esn_radio *r,
		     struct esn_group **gp);
/* A dispatcher's INVITE to a radio, accepted: ring or answer */
int  esn_pcall_incoming(struct esn_group *g, struct esn_leg *leg,
			const struct sip_msg *msg, struct mbuf *ans);
int  esn_pcall_answer(struct esn_group *g);
/* A radio calls a dispatcher */
int  esn_pcall_dial(struct esn *e, struct esn_radio *r, const char *to,
		    bool emerg, struct esn_group **gp);
int  esn_pcall_hangup(struct esn_group *g);
/* after a leg of g went: a private call without legs ends */
void esn_pcall_check(struct esn_group *g);
struct esn_group *esn_pcall_of(struct esn *e, const struct esn_radio *r);

/* esn_leg.c: media and floor sockets of one dispatcher */
int  esn_leg_alloc(struct esn_leg **legp, struct esn_group *grp,
		   const char *mcptt_id, const struct sa *laddr);
int  esn_leg_start(struct esn_leg *leg, const uint8_t *rkey);
void esn_leg_rtp_send(struct esn_leg *leg, const uint8_t *pkt, size_t len);
int  esn_leg_audio(struct re_printf *pf, const struct esn_leg *leg);

/* esn_fcsrv.c: the floor server of a group on the wire */
void esn_fcsrv_init(struct esn_group *grp);
void esn_fcsrv_recv(struct esn_leg *leg, const struct sa *src,
		    struct mbuf *mb);
void esn_fcsrv_stop(struct esn_leg *leg);

/* esn_radio.c */
int  esn_radio_init(struct esn_radio *r);
bool esn_radio_in(const struct esn_radio *r, const struct esn_group *g);
void esn_radio_leave(struct esn_radio *r, const struct esn_group *g);
int  esn_radio_talk(struct esn_radio *r, struct esn_group *g,
		    unsigned seconds, const char *text);
void esn_radio_floor(struct esn_radio *r, const struct esn_fl_out *o);
int  esn_radio_emergency(struct esn_radio *r, struct esn_group *g, bool on);

/* esn_http.c */
int  esn_http_start(struct esn *esn);
