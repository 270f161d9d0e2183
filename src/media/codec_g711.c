/**
 * @file codec_g711.c  G.711 mu-law (PCMU) and A-law (PCMA), RFC 3551
 *
 * The wire runs at 8 kHz; a FIR resampler (codec.c) converts to and
 * from the internal 16 kHz inside the codec so a source is decoded once.
 * librem supplies the G.711 tables.
 * Each decoder and encoder keeps its own filter history: the resampler
 * state is per stream, never shared.
 */
#include <re.h>
#include <rem.h>
#include "media/codec.h"
#include "media/codec_int.h"

enum {
	G711_SRATE = 8000,
	G711_FRAME = AUD_FRAME * G711_SRATE / AUD_SRATE,  /* 160 bytes */
};

struct codec_dec {
	struct codec_rs rs;
	bool alaw;
};

struct codec_enc {
	struct codec_rs rs;
	bool alaw;
};


static int dec_alloc(struct codec_dec **dp, bool alaw)
{
	struct codec_dec *d;
	int err;

	d = codec_state_alloc(dp, sizeof(*d), NULL, &err);
	if (!d)
		return err;

	d->alaw = alaw;
	codec_rs_init(&d->rs, true);

	return codec_state_out(dp, d, 0);
}


int codec_pcmu_dec_alloc(struct codec_dec **dp, const char *fmtp)
{
	return dec_alloc(dp, false);
}


int codec_pcma_dec_alloc(struct codec_dec **dp, const char *fmtp)
{
	return dec_alloc(dp, true);
}


/* Any whole number of bytes is a valid G.711 payload; only the empty
 * one and one larger than a packet can be are refused */
int codec_g711_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		      const uint8_t *p, size_t len)
{
	int16_t nb[CODEC_PAYLOAD_MAX];

	if (!d || !pcm || !n || !p)
		return EINVAL;

	if (!len || len > CODEC_PAYLOAD_MAX)
		return EBADMSG;

	if (*n < 2 * len)
		return EOVERFLOW;

	for (size_t i = 0; i < len; i++)
		nb[i] = d->alaw ? g711_alaw2pcm(p[i]) : g711_ulaw2pcm(p[i]);

	return codec_rs_run(&d->rs, pcm, n, nb, len);
}


static int enc_alloc(struct codec_enc **ep, bool alaw)
{
	struct codec_enc *e;
	int err;

	e = codec_state_alloc(ep, sizeof(*e), NULL, &err);
	if (!e)
		return err;

	e->alaw = alaw;
	codec_rs_init(&e->rs, false);

	return codec_state_out(ep, e, 0);
}


int codec_pcmu_enc_alloc(struct codec_enc **ep, const char *fmtp)
{
	return enc_alloc(ep, false);
}


int codec_pcma_enc_alloc(struct codec_enc **ep, const char *fmtp)
{
	return enc_alloc(ep, true);
}


int codec_g711_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		      const int16_t *pcm)
{
	int16_t nb[G711_FRAME];
	size_t cnt = ARRAY_SIZE(nb);
	int err;

	if (!e || !p || !len || !pcm)
		return EINVAL;

	if (*len < G711_FRAME)
		return EOVERFLOW;

	err = codec_rs_run(&e->rs, nb, &cnt, pcm, AUD_FRAME);
	if (err)
		return err;

	for (size_t i = 0; i < cnt; i++)
		p[i] = e->alaw ? g711_pcm2alaw(nb[i]) : g711_pcm2ulaw(nb[i]);

	*len = cnt;
	return 0;
}
