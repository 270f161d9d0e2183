/**
 * @file codec_int.h  Internals the codec files share
 *
 * The codec table lives in codec.c; each codec file exports its ops
 * functions here.  Include after <re.h> and "media/codec.h".
 */

/* 8 kHz <-> AUD_SRATE resampling for G.711.  librem's auresamp (0.6.0)
 * measured 0.65 gain and 8.6 dB SNR on a 1 kHz tone round trip, so this
 * is a linear-phase FIR of our own; state is per stream. */
enum { RS_TAPS = 79 };

struct codec_rs {
	float hist[RS_TAPS - 1];   /* last inputs at 16 kHz, oldest first */
	bool up;                   /* 8 kHz -> 16 kHz                     */
};

void codec_rs_init(struct codec_rs *rs, bool up);
/* up: inn samples at 8 kHz give 2 * inn; down: inn (even) give inn / 2 */
int  codec_rs_run(struct codec_rs *rs, int16_t *out, size_t *outn,
		  const int16_t *in, size_t inn);

/* Head and tail of every codec's dec_alloc and enc_alloc, so a codec only
 * sets its own state up.  codec_state_alloc: zeroed state of the codec's
 * size, or NULL with *errp EINVAL (nowhere to put it, pp NULL) or ENOMEM.
 * codec_state_out: hands st over through pp (a struct codec_dec ** or
 * struct codec_enc **) when err is 0, frees it otherwise; returns err. */
void *codec_state_alloc(const void *pp, size_t size, mem_destroy_h *dh,
			int *errp);
int   codec_state_out(void *pp, void *st, int err);

/* fmtp "a=1;b=x,y": value of a parameter, or whether it is "1" */
bool codec_fmtp_get(const char *fmtp, const char *name, struct pl *val);
bool codec_fmtp_on(const char *fmtp, const char *name);

/* G.711, PCMU and PCMA (codec_g711.c) */
int codec_pcmu_dec_alloc(struct codec_dec **dp, const char *fmtp);
int codec_pcma_dec_alloc(struct codec_dec **dp, const char *fmtp);
int codec_g711_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		      const uint8_t *p, size_t len);
int codec_pcmu_enc_alloc(struct codec_enc **ep, const char *fmtp);
int codec_pcma_enc_alloc(struct codec_enc **ep, const char *fmtp);
int codec_g711_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		      const int16_t *pcm);

/* AMR-WB, RFC 4867 (codec_amrwb.c) */
int codec_amrwb_dec_alloc(struct codec_dec **dp, const char *fmtp);
int codec_amrwb_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		       const uint8_t *p, size_t len);
int codec_amrwb_conceal(struct codec_dec *d, int16_t *pcm, size_t *n);
int codec_amrwb_enc_alloc(struct codec_enc **ep, const char *fmtp);
int codec_amrwb_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		       const int16_t *pcm);

/* Opus at 16 kHz inside (codec_opus.c) */
int codec_opus_dec_alloc(struct codec_dec **dp, const char *fmtp);
int codec_opus_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		      const uint8_t *p, size_t len);
int codec_opus_conceal(struct codec_dec *d, int16_t *pcm, size_t *n);
int codec_opus_enc_alloc(struct codec_enc **ep, const char *fmtp);
int codec_opus_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		      const int16_t *pcm);

/* L16 at 16 kHz mono (codec_l16.c) */
int codec_l16_dec_alloc(struct codec_dec **dp, const char *fmtp);
int codec_l16_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		     const uint8_t *p, size_t len);
int codec_l16_enc_alloc(struct codec_enc **ep, const char *fmtp);
int codec_l16_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		     const int16_t *pcm);
