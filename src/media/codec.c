/**
 * @file codec.c  The codec table and helpers the codecs share
 *
 * Behaviour lives in the table: SDP negotiation and the stream code look
 * a codec up by name and only ever call through its ops.
 */
#include <math.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include "media/codec.h"
#include "media/codec_int.h"

static const struct codec_ops codecv[] = {
	{"PCMU", 8000, 0, codec_pcmu_dec_alloc, codec_g711_decode, NULL,
	 codec_pcmu_enc_alloc, codec_g711_encode},
	{"PCMA", 8000, 8, codec_pcma_dec_alloc, codec_g711_decode, NULL,
	 codec_pcma_enc_alloc, codec_g711_encode},
	{"AMR-WB", 16000, 96, codec_amrwb_dec_alloc, codec_amrwb_decode,
	 codec_amrwb_conceal, codec_amrwb_enc_alloc, codec_amrwb_encode},
	{"opus", 48000, 111, codec_opus_dec_alloc, codec_opus_decode,
	 codec_opus_conceal, codec_opus_enc_alloc, codec_opus_encode},
	{"L16", 16000, 97, codec_l16_dec_alloc, codec_l16_decode, NULL,
	 codec_l16_enc_alloc, codec_l16_encode},
};


const struct codec_ops *codec_find(const char *name)
{
	if (!name)
		return NULL;

	for (size_t i = 0; i < ARRAY_SIZE(codecv); i++) {
		if (!strcasecmp(codecv[i].name, name))
			return &codecv[i];
	}

	return NULL;
}


const struct codec_ops *codec_table(size_t *countp)
{
	if (countp)
		*countp = ARRAY_SIZE(codecv);

	return codecv;
}


/* Half of a symmetric 79-tap low-pass at 16 kHz: Kaiser-windowed sinc
 * (beta 6.5), cut-off 3.75 kHz, flat to 3.4 kHz, -24 dB at 4 kHz and
 * below -70 dB from 4.2 kHz, unity DC gain.  Linear phase: a resampling
 * pass delays by (RS_TAPS - 1) / 2 = 39 samples at 16 kHz. */
static const float rs_half[RS_TAPS / 2 + 1] = {
	5.935785433e-05f, -7.051791717e-05f, -1.691043804e-04f, 1.047295548e-04f,
	3.591913425e-04f, -9.747845336e-05f, -6.465458798e-04f, -1.421881787e-18f,
	1.035372949e-03f, 2.513682323e-04f, -1.509189513e-03f, -7.311858461e-04f,
	2.023105805e-03f, 1.517893883e-03f, -2.497426179e-03f, -2.684225705e-03f,
	2.813431766e-03f, 4.286018531e-03f, -2.811646760e-03f, -6.350845362e-03f,
	2.291874801e-03f, 8.868152691e-03f, -1.012593584e-03f, -1.178260502e-02f,
	-1.315708805e-03f, 1.499207093e-02f, 5.054809022e-03f, -1.835115428e-02f,
	-1.070716824e-02f, 2.168044303e-02f, 1.909882609e-02f, -2.478082392e-02f,
	-3.190278206e-02f, 2.745142334e-02f, 5.344529933e-02f, -2.950911511e-02f,
	-9.975516511e-02f, 3.080719415e-02f, 3.161635708e-01f, 4.687622960e-01f
};


static inline float rs_tap(size_t k)
{
	return k <= RS_TAPS / 2 ? rs_half[k] : rs_half[RS_TAPS - 1 - k];
}


void codec_rs_init(struct codec_rs *rs, bool up)
{
	if (!rs)
		return;

	memset(rs, 0, sizeof(*rs));
	rs->up = up;
}


static int16_t rs_sat(float v)
{
	if (v > 32767.0f)
		return 32767;
	if (v < -32768.0f)
		return -32768;

	return (int16_t)lrintf(v);
}


/* Both directions filter at 16 kHz: up inserts a zero after each 8 kHz
 * sample (gain 2 keeps the level), down keeps every second output */
int codec_rs_run(struct codec_rs *rs, int16_t *out, size_t *outn,
		 const int16_t *in, size_t inn)
{
	enum { H = RS_TAPS - 1 };
	float buf[H + 2 * CODEC_PAYLOAD_MAX];
	const size_t step = rs && rs->up ? 1 : 2;
	size_t m, outc;

	if (!rs || !out || !outn || !in)
		return EINVAL;

	m = rs->up ? 2 * inn : inn;
	if (m > 2 * CODEC_PAYLOAD_MAX || m % 2)
		return EINVAL;

	outc = m / step;
	if (*outn < outc)
		return EOVERFLOW;

	memcpy(buf, rs->hist, sizeof(rs->hist));
	for (size_t i = 0; i < inn; i++) {
		if (rs->up) {
			buf[H + 2*i]     = 2.0f * in[i];
			buf[H + 2*i + 1] = 0.0f;
		}
		else {
			buf[H + i] = in[i];
		}
	}

	for (size_t j = 0; j < outc; j++) {
		const float *x = buf + j * step;
		float y = 0.0f;

		for (size_t k = 0; k < RS_TAPS; k++)
			y += rs_tap(k) * x[k];

		out[j] = rs_sat(y);
	}

	memcpy(rs->hist, buf + m, sizeof(rs->hist));
	*outn = outc;
	return 0;
}


bool codec_fmtp_get(const char *fmtp, const char *name, struct pl *val)
{
	struct pl pl;

	if (!fmtp || !name)
		return false;

	pl_set_str(&pl, fmtp);

	return fmt_param_get(&pl, name, val);
}


bool codec_fmtp_on(const char *fmtp, const char *name)
{
	struct pl val;

	if (!codec_fmtp_get(fmtp, name, &val))
		return false;

	return pl_u32(&val) == 1;
}
