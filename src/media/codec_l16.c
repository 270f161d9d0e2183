/**
 * @file codec_l16.c  L16: 16-bit linear PCM, 16 kHz mono (RFC 3551)
 *
 * Samples travel in network byte order; at our internal rate this codec
 * is a byte swap, which makes it the bit-exact reference for the path.
 */
#include <re.h>
#include "media/codec.h"
#include "media/codec_int.h"

struct codec_dec {
	int unused;
};

struct codec_enc {
	int unused;
};


int codec_l16_dec_alloc(struct codec_dec **dp, const char *fmtp)
{
	int err;
	void *d = codec_state_alloc(dp, sizeof(struct codec_dec), NULL, &err);

	return codec_state_out(dp, d, err);
}


int codec_l16_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		     const uint8_t *p, size_t len)
{
	size_t cnt = len / 2;

	if (!d || !pcm || !n || !p)
		return EINVAL;

	/* half a sample means the payload was cut or is not L16 mono */
	if (!len || len % 2 || len > CODEC_PAYLOAD_MAX)
		return EBADMSG;

	if (*n < cnt)
		return EOVERFLOW;

	for (size_t i = 0; i < cnt; i++)
		pcm[i] = (int16_t)(((uint16_t)p[2*i] << 8) | p[2*i + 1]);

	*n = cnt;
	return 0;
}


int codec_l16_enc_alloc(struct codec_enc **ep, const char *fmtp)
{
	int err;
	void *e = codec_state_alloc(ep, sizeof(struct codec_enc), NULL, &err);

	return codec_state_out(ep, e, err);
}


int codec_l16_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		     const int16_t *pcm)
{
	if (!e || !p || !len || !pcm)
		return EINVAL;

	if (*len < 2 * AUD_FRAME)
		return EOVERFLOW;

	for (size_t i = 0; i < AUD_FRAME; i++) {
		const uint16_t v = (uint16_t)pcm[i];

		p[2*i]     = v >> 8;
		p[2*i + 1] = v & 0xff;
	}

	*len = 2 * AUD_FRAME;
	return 0;
}
