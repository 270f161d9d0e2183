/**
 * @file callers.h  `iccs-sim callers`: simulated 999/101 callers on a
 *                  SIP trunk (one call to a flood), with speech
 */

enum {
	CALLERS_KEY = 30,        /* SRTP master key + salt            */
	CALLERS_VOICES = 8,      /* --speech sentences, one per call in turn */
};

/* What each new call does (command line, or a POST /v1/calls body) */
struct callers_spec {
	char number[32];            /* dialled, e.g. "999"               */
	char caller[64];            /* caller id; "" = generated         */
	unsigned count;             /* calls to place                    */
	double rate;                /* calls per second                  */
	unsigned hold_s;            /* hang up this long after the answer;
				       0 = stay until the far end's BYE  */
	double abandon;             /* share of calls that hang up early */
	unsigned abandon_s;         /* ... this long after the answer    */
	bool silent;                /* silent caller: no speech energy   */
	unsigned tone_hz;           /* a tone instead of speech          */
};

struct callers {
	/* config */
	struct sa trunk;            /* the trunk's SIP address           */
	enum sip_transp tp;
	struct sa laddr;            /* our IP (SIP and RTP)              */
	bool srtp;
	char *user, *pass;          /* digest, or NULL                   */
	char *http;                 /* control API "127.0.0.1:port"      */
	const char *speech[CALLERS_VOICES];  /* texts or .wav files      */
	unsigned nspeech;

	/* state */
	struct dnsc *dnsc;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct tls *tls;
	struct http_sock *hs;
	struct {
		int16_t *pcm;       /* speech at 16 kHz                  */
		size_t n;
	} voice[CALLERS_VOICES];    /* made before the loop runs: espeak
				       inside it would stall every call */
	unsigned nvoice;
	struct list calls;          /* struct caller                     */
	struct list batches;        /* struct batch: calls still to place */
	struct tmr media;           /* 20 ms frame clock                 */
	uint64_t next_id, serial;
	unsigned placed, answered, failed, ended;
	bool wait_all;              /* exit when every call has ended    */
};

enum caller_state { CALLER_TRYING, CALLER_CONNECTED, CALLER_ENDED };

struct caller {
	struct le le;
	struct callers *cs;
	uint64_t id;
	struct callers_spec spec;   /* caller: this call's id            */
	enum caller_state st;
	uint16_t scode;             /* final answer to the INVITE        */
	char reason[64];
	bool abandon;
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *sdpm;
	struct rtp_sock *rtp;
	struct srtp *tx, *rx;
	uint8_t key[CALLERS_KEY];
	struct codec_enc *enc;
	struct codec_dec *dec;
	const struct codec_ops *codec;
	uint8_t pt;
	struct tmr end;
	uint64_t t_start, t_answer, t_next;   /* mono ms               */
	size_t pos;                 /* in the speech                     */
	uint16_t seq;
	uint32_t ts, ssrc;
	uint64_t tx_packets, rx_packets;
	double rx_sq;               /* energy of what we heard           */
	uint64_t rx_n;
};

/* callers.c */
uint64_t callers_now(void);
void callers_ended(struct caller *c);

/* caller.c */
int  caller_alloc(struct caller **cp, struct callers *cs,
		  const struct callers_spec *spec);
void caller_hangup(struct caller *c);
void caller_media_tick(struct caller *c, uint64_t now);
json_t *caller_json(const struct caller *c);

/* callers_http.c */
int  callers_http_start(struct callers *cs);
int  callers_spec_json(struct callers_spec *spec, json_t *j,
		       const char **why);
int  callers_batch_add(struct callers *cs, const struct callers_spec *spec);
