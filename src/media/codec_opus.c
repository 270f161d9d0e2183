/**
 * @file codec_opus.c  Opus (RFC 7587), coded at 16 kHz inside
 *
 * The RTP clock is always 48 kHz (RFC 7587) but libopus decodes and
 * encodes at 16 kHz directly, so no resampler is needed here.  VOIP
 * application, 20 ms frames, 24 kbit/s; loss is concealed by the
 * decoder's own PLC.
 */
#include <re.h>
#include <opus.h>
#include "media/codec.h"
#include "media/codec_int.h"

enum {
	OPUS_BITRATE = 24000,
	OPUS_MAXFRAME = AUD_SRATE * 120 / 1000,  /* longest Opus packet */
};

struct codec_dec {
	OpusDecoder *od;
};

struct codec_enc {
	OpusEncoder *oe;
};


static void dec_destructor(void *arg)
{
	struct codec_dec *d = arg;

	if (d->od)
		opus_decoder_destroy(d->od);
}


int codec_opus_dec_alloc(struct codec_dec **dp, const char *fmtp)
{
	struct codec_dec *d;
	int oerr, err;

	d = codec_state_alloc(dp, sizeof(*d), dec_destructor, &err);
	if (!d)
		return err;

	d->od = opus_decoder_create(AUD_SRATE, 1, &oerr);
	if (!d->od)
		err = oerr == OPUS_ALLOC_FAIL ? ENOMEM : EINVAL;

	return codec_state_out(dp, d, err);
}


int codec_opus_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		      const uint8_t *p, size_t len)
{
	int cnt;

	if (!d || !pcm || !n || !p)
		return EINVAL;

	/* an empty payload would silently run the PLC instead */
	if (!len || len > CODEC_PAYLOAD_MAX)
		return EBADMSG;

	cnt = opus_packet_get_nb_samples(p, (opus_int32)len, AUD_SRATE);
	if (cnt <= 0 || cnt > OPUS_MAXFRAME)
		return EBADMSG;

	if (*n < (size_t)cnt)
		return EOVERFLOW;

	cnt = opus_decode(d->od, p, (opus_int32)len, pcm, cnt, 0);
	if (cnt < 0)
		return EBADMSG;

	*n = (size_t)cnt;
	return 0;
}


int codec_opus_conceal(struct codec_dec *d, int16_t *pcm, size_t *n)
{
	int cnt;

	if (!d || !pcm || !n)
		return EINVAL;

	if (*n < AUD_FRAME)
		return EOVERFLOW;

	cnt = opus_decode(d->od, NULL, 0, pcm, AUD_FRAME, 0);
	if (cnt < 0)
		return EPROTO;

	*n = (size_t)cnt;
	return 0;
}


static void enc_destructor(void *arg)
{
	struct codec_enc *e = arg;

	if (e->oe)
		opus_encoder_destroy(e->oe);
}


int codec_opus_enc_alloc(struct codec_enc **ep, const char *fmtp)
{
	struct codec_enc *e;
	int oerr, err;

	e = codec_state_alloc(ep, sizeof(*e), enc_destructor, &err);
	if (!e)
		return err;

	e->oe = opus_encoder_create(AUD_SRATE, 1, OPUS_APPLICATION_VOIP,
				    &oerr);
	if (!e->oe) {
		err = oerr == OPUS_ALLOC_FAIL ? ENOMEM : EINVAL;
		goto out;
	}

	if (opus_encoder_ctl(e->oe, OPUS_SET_BITRATE(OPUS_BITRATE)) != OPUS_OK)
		err = EINVAL;

 out:
	return codec_state_out(ep, e, err);
}


int codec_opus_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		      const int16_t *pcm)
{
	opus_int32 room, cnt;

	if (!e || !p || !len || !pcm)
		return EINVAL;

	room = (opus_int32)min(*len, (size_t)CODEC_PAYLOAD_MAX);

	cnt = opus_encode(e->oe, pcm, AUD_FRAME, p, room);
	if (cnt == OPUS_BUFFER_TOO_SMALL)
		return EOVERFLOW;
	if (cnt < 0)
		return EPROTO;

	*len = (size_t)cnt;
	return 0;
}
