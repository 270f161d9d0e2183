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


void *codec_state_alloc(const void *pp, size_t size, mem_destroy_h *dh,
			int *errp)
{
	void *st;

	if (!pp) {
		*errp = EINVAL;
		return NULL;
	}

	st = mem_zalloc(size, dh);
	*errp = st ? 0 : ENOMEM;

	return st;
}


/* pp points to a pointer to one codec's own struct, which codec.c cannot
 * name: memcpy stores st there without type punning through void ** */
int codec_state_out(void *pp, void *st, int err)
{
	if (err)
		mem_deref(st);
	else
		memcpy(pp, &st, sizeof(st));

	return err;
}


/* A symmetric 79-tap low-pass at 16 kHz: Kaiser-windowed sinc (beta
 * 6.5), cut-off 3.75 kHz, flat to 3.4 kHz, -24 dB at 4 kHz and below
 * -70 dB from 4.2 kHz, unity DC gain.  Linear phase: a resampling pass
 * delays by (RS_TAPS - 1) / 2 = 39 samples at 16 kHz.
 *
 * Stored as its two polyphase branches, taps h[2l] and h[2l+1], so
 * neither direction multiplies a zero it inserted or computes an output
 * it would throw away: upsampling runs each branch over the 8 kHz input
 * once, downsampling runs the even taps over the even inputs and the
 * odd taps over the odd ones.  Constant tables: codecs of several
 * threads share them without any set-up. */
enum {
	RS_EVEN = RS_TAPS / 2 + 1,   /* h[0], h[2] ... h[78] */
	RS_ODD  = RS_TAPS / 2,       /* h[1], h[3] ... h[77] */
	RS_HIST = RS_TAPS - 1,
	RS_BUF  = RS_HIST + 2 * CODEC_PAYLOAD_MAX,
};

static const float rs_even[RS_EVEN] = {
	5.935785433e-05f, -1.691043804e-04f, 3.591913425e-04f,
	-6.465458798e-04f, 1.035372949e-03f, -1.509189513e-03f,
	2.023105805e-03f, -2.497426179e-03f, 2.813431766e-03f,
	-2.811646760e-03f, 2.291874801e-03f, -1.012593584e-03f,
	-1.315708805e-03f, 5.054809022e-03f, -1.070716824e-02f,
	1.909882609e-02f, -3.190278206e-02f, 5.344529933e-02f,
	-9.975516511e-02f, 3.161635708e-01f, 3.161635708e-01f,
	-9.975516511e-02f, 5.344529933e-02f, -3.190278206e-02f,
	1.909882609e-02f, -1.070716824e-02f, 5.054809022e-03f,
	-1.315708805e-03f, -1.012593584e-03f, 2.291874801e-03f,
	-2.811646760e-03f, 2.813431766e-03f, -2.497426179e-03f,
	2.023105805e-03f, -1.509189513e-03f, 1.035372949e-03f,
	-6.465458798e-04f, 3.591913425e-04f, -1.691043804e-04f,
	5.935785433e-05f
};

static const float rs_odd[RS_ODD] = {
	-7.051791717e-05f, 1.047295548e-04f, -9.747845336e-05f,
	-1.421881787e-18f, 2.513682323e-04f, -7.311858461e-04f,
	1.517893883e-03f, -2.684225705e-03f, 4.286018531e-03f,
	-6.350845362e-03f, 8.868152691e-03f, -1.178260502e-02f,
	1.499207093e-02f, -1.835115428e-02f, 2.168044303e-02f,
	-2.478082392e-02f, 2.745142334e-02f, -2.950911511e-02f,
	3.080719415e-02f, 4.687622960e-01f, 3.080719415e-02f,
	-2.950911511e-02f, 2.745142334e-02f, -2.478082392e-02f,
	2.168044303e-02f, -1.835115428e-02f, 1.499207093e-02f,
	-1.178260502e-02f, 8.868152691e-03f, -6.350845362e-03f,
	4.286018531e-03f, -2.684225705e-03f, 1.517893883e-03f,
	-7.311858461e-04f, 2.513682323e-04f, -1.421881787e-18f,
	-9.747845336e-05f, 1.047295548e-04f, -7.051791717e-05f
};


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


/* acc[j] += sum of tap[l] * x[j + l]: tap-major, so the inner loop runs
 * over independent outputs and the compiler vectorises it */
static void rs_fir(float *acc, const float *x, size_t n,
		   const float *tap, size_t ntap)
{
	for (size_t l = 0; l < ntap; l++) {
		const float t = tap[l];
		const float *xl = x + l;

		for (size_t j = 0; j < n; j++)
			acc[j] += t * xl[j];
	}
}


/* 8 -> 16 kHz.  The 16 kHz signal (gain 2 keeps the level) is zero at
 * every odd index of buf, so output 2i sees only even taps and output
 * 2i+1 only odd ones, both over the even samples ev. */
static void rs_up(float *y, const float *ev, size_t half)
{
	float y0[CODEC_PAYLOAD_MAX], y1[CODEC_PAYLOAD_MAX];

	memset(y0, 0, half * sizeof(float));
	memset(y1, 0, half * sizeof(float));
	rs_fir(y0, ev, half, rs_even, RS_EVEN);
	rs_fir(y1, ev + 1, half, rs_odd, RS_ODD);

	for (size_t i = 0; i < half; i++) {
		y[2 * i]     = y0[i];
		y[2 * i + 1] = y1[i];
	}
}


/* 16 -> 8 kHz: only the kept outputs, y[j] = the filter at buf[2j] */
static void rs_down(float *y, const float *ev, const float *od, size_t n)
{
	memset(y, 0, n * sizeof(float));
	rs_fir(y, ev, n, rs_even, RS_EVEN);
	rs_fir(y, od, n, rs_odd, RS_ODD);
}


/* buf is the 16 kHz signal, history first, as a plain FIR over it would
 * see it; ev and od are its even and odd samples */
int codec_rs_run(struct codec_rs *rs, int16_t *out, size_t *outn,
		 const int16_t *in, size_t inn)
{
	float buf[RS_BUF], y[2 * CODEC_PAYLOAD_MAX];
	float ev[RS_BUF / 2 + 1], od[RS_BUF / 2 + 1];
	size_t m, outc;

	if (!rs || !out || !outn || !in)
		return EINVAL;

	m = rs->up ? 2 * inn : inn;
	if (m > 2 * CODEC_PAYLOAD_MAX || m % 2)
		return EINVAL;

	outc = rs->up ? m : m / 2;
	if (*outn < outc)
		return EOVERFLOW;

	memcpy(buf, rs->hist, sizeof(rs->hist));
	for (size_t i = 0; i < inn; i++) {
		if (rs->up) {
			buf[RS_HIST + 2*i]     = 2.0f * in[i];
			buf[RS_HIST + 2*i + 1] = 0.0f;
		}
		else {
			buf[RS_HIST + i] = in[i];
		}
	}

	/* RS_HIST + m is even: both halves have (RS_HIST + m) / 2 */
	for (size_t i = 0; i < (RS_HIST + m) / 2; i++) {
		ev[i] = buf[2 * i];
		od[i] = buf[2 * i + 1];
	}

	if (rs->up)
		rs_up(y, ev, inn);
	else
		rs_down(y, ev, od, outc);

	for (size_t j = 0; j < outc; j++)
		out[j] = rs_sat(y[j]);

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
