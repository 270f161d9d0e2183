/**
 * @file media_int.h  Private to the media engine (media*.c, stream.c, play.c)
 *
 * Everything below the "media thread" line is owned by the media thread:
 * the main thread never touches it after media_alloc has started it.
 * Include after <re.h>, <pthread.h>, <stdatomic.h> and the
 * media headers (codec.h, jb.h, mix.h, media.h).
 */

enum {
	MEDIA_CMD_MAX    = 256,  /* commands in flight to the thread    */
	MEDIA_OUT_MAX    = 25,   /* batches waiting for the main loop   */
	MEDIA_CATCHUP    = 5,    /* missed ticks run at once, at most   */
	MEDIA_STATS_TICKS = 50,  /* 1 s                                 */
	MEDIA_ROUTE_MAX  = 64,
	MEDIA_PTT_MAX    = 8,
	MEDIA_MIC_FIFO   = 4,    /* mic frames buffered per position    */
	MEDIA_FMTP_MAX   = 256,
	MEDIA_PATH_MAX   = 512,
};

enum media_cmd_type {
	MCMD_STOP = 0,
	MCMD_STREAM_ADD,
	MCMD_STREAM_REMOVE,
	MCMD_POSITION,
	MCMD_ROUTE,
	MCMD_MUTE,
	MCMD_PTT,
	MCMD_MIC,
	MCMD_PLAY,
	MCMD_PATCH,
};

/* A mem_alloc'd copy of one call's arguments, freed by the media thread */
struct media_cmd {
	enum media_cmd_type type;
	char id[MEDIA_ID_MAX];        /* stream, position or play target */
	char id2[MEDIA_ID_MAX];       /* route source, PTT stream        */
	bool on;
	enum media_chan ch;
	unsigned volume;
	union {
		struct {
			struct media_stream_cfg cfg;
			struct sa local, remote;
			char codec[32];
			char fmtp[MEDIA_FMTP_MAX];
		} add;
		int16_t pcm[AUD_FRAME];
		struct {
			struct media_play prm;
			char wav[MEDIA_PATH_MAX];
		} play;
	} u;
};

/* One push to the main loop: a tick's frames, or a stats snapshot */
struct media_out {
	struct le le;
	json_t *stats;                /* handed over, never touched again */
	size_t n;
	struct media_frame frames[];
};

struct media_eng;

struct media {
	/* set by media_alloc, read-only afterwards */
	media_frames_h *frameh;
	void *arg;
	struct mqueue *mainq;         /* main thread's inbox             */
	pthread_t thread;
	bool started;

	/* startup handshake */
	pthread_mutex_t lock;         /* also guards outl and outn       */
	pthread_cond_t cond;
	bool ready;
	int start_err;
	struct mqueue *cmdq;          /* media thread's inbox            */

	atomic_uint ncmd;             /* commands in flight              */
	struct list outl;             /* struct media_out, FIFO          */
	unsigned outn;
	atomic_ullong out_dropped;

	/* tick timing, written by the media thread */
	atomic_ullong ticks;
	atomic_ullong tick_ns_sum;
	atomic_ullong tick_ns_max;
	atomic_ullong overruns;       /* ticks skipped after a stall     */

	/* recording tap (media_tap): arg is written before h */
	_Atomic(media_tap_h *) taph;
	void *tap_arg;

	json_t *stats;                /* main thread only                */

	/* ---- media thread ---- */
	struct media_eng *eng;
};

/* One active test/training source */
struct mplay;

/* One RTP endpoint */
struct mstream {
	struct le le;
	char id[MEDIA_ID_MAX];
	struct rtp_sock *rtp;
	struct udp_helper *uh_rtp, *uh_rtcp;
	struct srtp *srtp_rx, *srtp_tx;
	struct sa remote;
	bool remote_set;
	const struct codec_ops *ops;
	struct codec_dec *dec;
	struct codec_enc *enc;
	uint8_t pt;
	uint32_t frame_ts;
	struct jb *jb;
	struct mix_plc plc;
	uint32_t ssrc;                /* last received                   */

	/* this tick's decoded (and played-into) frame */
	int16_t pcm[AUD_FRAME];
	bool active;
	int16_t pend[4 * AUD_FRAME];  /* decoded, not yet played         */
	size_t npend;

	struct list plays;            /* struct mplay                    */
	struct list txplays;          /* sent, as if talked (announcements
				       * to a caller): target "tx:<id>"  */

	/* transmit */
	int32_t txacc[AUD_FRAME];
	unsigned talkers;             /* PTTs and patches, this tick     */
	bool talking;
	uint32_t tx_ts;
	struct mbuf *txmb;
	int16_t txpcm[AUD_FRAME];     /* this tick's sent frame (tap)    */
	bool txon;

	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, rx_bad;
	uint64_t rx_speech;         /* payloads with speech energy      */
};

struct mroute {
	char src[MEDIA_ID_MAX];
	struct mstream *s;            /* NULL while the stream is absent */
	enum media_chan ch;
	int32_t gain;
};

struct mpos {
	struct le le;
	char id[MEDIA_ID_MAX];
	bool active;
	uint32_t seq;
	bool mute[2];                 /* headset, speaker                */
	struct mroute routev[MEDIA_ROUTE_MAX];
	size_t routec;
	char pttv[MEDIA_PTT_MAX][MEDIA_ID_MAX];
	size_t pttc;
	int16_t micv[MEDIA_MIC_FIFO][AUD_FRAME];
	unsigned mic_head, mic_n;
	bool mic_run;                 /* primed: one frame of slack      */
	int16_t mic[AUD_FRAME];       /* this tick's mic frame           */
	struct list plays;            /* into the headset                */
};

/* A stream-to-stream patch (media_patch) */
struct mpatch {
	struct le le;
	char src[MEDIA_ID_MAX];
	char dst[MEDIA_ID_MAX];
	struct mstream *s, *d;        /* NULL while a stream is absent   */
};

struct media_eng {
	struct media *m;
	int tfd;
	struct list streams;
	struct list positions;
	struct list patches;          /* struct mpatch                   */
	unsigned npos_active;
	uint64_t tick;
	uint64_t t_start_ns;
};

/* media.c */
uint64_t media_now_ns(void);
struct mstream *media_stream_find(struct media_eng *e, const char *id);
struct mpos *media_pos_get(struct media_eng *e, const char *id);
/* For tests and benchmarks: tick count and CPU time per tick */
void media_tick_info(const struct media *m, uint64_t *ticks,
		     double *avg_us, double *max_us, uint64_t *overruns);

/* media_pos.c */
void mpos_routes_bind(struct media_eng *e, const char *id,
		      struct mstream *s);
void mpos_cmd_position(struct media_eng *e, const struct media_cmd *c);
void mpos_cmd_route(struct media_eng *e, const struct media_cmd *c);
void mpos_cmd_mute(struct media_eng *e, const struct media_cmd *c);
void mpos_cmd_ptt(struct media_eng *e, const struct media_cmd *c);
void mpos_cmd_mic(struct media_eng *e, const struct media_cmd *c);
void mpos_mic(struct media_eng *e, struct mpos *p);
void mpos_mix(struct mpos *p, struct media_frame *f);
void mpatch_bind(struct media_eng *e, const char *id, struct mstream *s);
void mpatch_cmd(struct media_eng *e, const struct media_cmd *c);
void mpatch_mix(struct media_eng *e);

/* stream.c */
int  mstream_alloc(struct mstream **sp, const struct media_cmd *cmd);
void mstream_tick_rx(struct mstream *s);
void mstream_tick_tx(struct mstream *s);
json_t *mstream_stats(struct mstream *s);

/* play.c */
int  mplay_alloc(struct mplay **pp, const struct media_play *prm,
		 struct list *owner);
/* Mix every play of list into acc; removes finished ones.
 * Returns true when one or more played this tick. */
bool mplay_mix(struct list *plays, int32_t *acc);
