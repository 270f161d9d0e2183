/**
 * @file test_codec.c  Voice codecs: round trip quality, RFC 4867 layouts,
 * malformed payloads
 *
 * Quality is an SNR of a 1 kHz tone at -12 dBFS after encode + decode,
 * compared at the codec's delay.  A tone repeats every 16 samples, so
 * the delay is first found on a chirp (no period) and then refined on
 * the tone itself within half a period.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <stdio.h>
#include <cmocka.h>
#include <re.h>
#include "media/codec.h"

enum {
	SECS = 1,
	NSAMP = AUD_SRATE * SECS,
	NFRAMES = NSAMP / AUD_FRAME,
	MAXLAG = 640,
	SKIP = 1600,             /* let the codecs settle: 100 ms */
};

static int16_t tone[NSAMP], chirp[NSAMP], out[NSAMP + 4 * AUD_FRAME];


static void make_signals(void)
{
	const double a = 32767.0 * pow(10.0, -12.0 / 20.0);
	const double f0 = 200.0, f1 = 6000.0;

	for (int i = 0; i < NSAMP; i++) {
		const double t = (double)i / AUD_SRATE;

		tone[i] = (int16_t)lrint(a * sin(2 * M_PI * 1000.0 * t));
		chirp[i] = (int16_t)lrint(a * sin(2 * M_PI *
					  (f0 * t + (f1 - f0) / (2.0 * SECS)
					   * t * t)));
	}
}


/* Encode and decode every 20 ms frame; returns samples decoded */
static size_t roundtrip(const char *name, const char *fmtp,
			const int16_t *in)
{
	const struct codec_ops *ops = codec_find(name);
	struct codec_enc *enc = NULL;
	struct codec_dec *dec = NULL;
	uint8_t pl[CODEC_PAYLOAD_MAX];
	size_t total = 0;

	assert_non_null(ops);
	assert_int_equal(ops->enc_alloc(&enc, fmtp), 0);
	assert_int_equal(ops->dec_alloc(&dec, fmtp), 0);

	for (int f = 0; f < NFRAMES; f++) {
		size_t len = sizeof(pl), n = ARRAY_SIZE(out) - total;

		assert_int_equal(ops->encode(enc, pl, &len,
					     in + f * AUD_FRAME), 0);
		assert_true(len > 0 && len <= sizeof(pl));
		assert_int_equal(ops->decode(dec, out + total, &n, pl, len),
				 0);
		assert_int_equal(n, AUD_FRAME);
		total += n;
	}

	mem_deref(enc);
	mem_deref(dec);
	return total;
}


static double xcorr(const int16_t *x, const int16_t *y, size_t n, int lag)
{
	double s = 0, ex = 0, ey = 0;

	for (size_t i = SKIP; i + lag < n; i++) {
		s  += (double)x[i] * y[i + lag];
		ex += (double)x[i] * x[i];
		ey += (double)y[i + lag] * y[i + lag];
	}

	return ex > 0 && ey > 0 ? s / sqrt(ex * ey) : 0;
}


static int best_lag(const int16_t *x, const int16_t *y, size_t n,
		    int lo, int hi)
{
	double best = -2;
	int lag = 0;

	for (int l = lo < 0 ? 0 : lo; l <= hi; l++) {
		const double c = xcorr(x, y, n, l);

		if (c > best) {
			best = c;
			lag = l;
		}
	}

	return lag;
}


static double snr_at(const int16_t *x, const int16_t *y, size_t n, int lag)
{
	double sig = 0, err = 0;

	for (size_t i = SKIP; i + lag < n; i++) {
		const double d = (double)y[i + lag] - x[i];

		sig += (double)x[i] * x[i];
		err += d * d;
	}

	return err > 0 ? 10.0 * log10(sig / err) : INFINITY;
}


static double measure(const char *name, const char *fmtp, int *delayp)
{
	size_t n;
	int d;
	double snr;

	n = roundtrip(name, fmtp, chirp);
	d = best_lag(chirp, out, n, 0, MAXLAG);

	n = roundtrip(name, fmtp, tone);
	d = best_lag(tone, out, n, d - 8, d + 7);
	snr = snr_at(tone, out, n, d);

	printf("# %s%s%s: delay %d samples, SNR %.1f dB\n", name,
	       fmtp ? " " : "", fmtp ? fmtp : "", d, snr);
	*delayp = d;
	return snr;
}


static void test_table(void **state)
{
	static const struct {
		const char *name;
		uint32_t clock;
		uint8_t pt;
	} want[] = {
		{"pcmu", 8000, 0}, {"PCMA", 8000, 8}, {"amr-wb", 16000, 96},
		{"OPUS", 48000, 111}, {"l16", 16000, 97},
	};
	const struct codec_ops *ops;
	size_t n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ops = codec_find(want[i].name);
		assert_non_null(ops);
		assert_int_equal(ops->clock, want[i].clock);
		assert_int_equal(ops->pt, want[i].pt);
	}

	assert_null(codec_find("G729"));
	assert_null(codec_find(NULL));
	ops = codec_table(&n);
	assert_int_equal(n, ARRAY_SIZE(want));
	assert_ptr_equal(codec_find("opus"), &ops[3]);
	assert_null(codec_find("PCMU")->conceal);
	assert_non_null(codec_find("AMR-WB")->conceal);
	assert_non_null(codec_find("opus")->conceal);
}


static void test_l16_exact(void **state)
{
	const struct codec_ops *ops = codec_find("L16");
	struct codec_enc *enc;
	uint8_t pl[2 * AUD_FRAME];
	size_t n, len = sizeof(pl);
	int d;

	(void)state;
	n = roundtrip("L16", NULL, tone);
	assert_int_equal(n, NSAMP);
	assert_memory_equal(out, tone, sizeof(tone));
	assert_true(isinf(measure("L16", NULL, &d)));
	assert_int_equal(d, 0);

	/* network byte order on the wire */
	assert_int_equal(ops->enc_alloc(&enc, NULL), 0);
	assert_int_equal(ops->encode(enc, pl, &len, tone), 0);
	assert_int_equal(len, 640);
	assert_int_equal(pl[2], (uint16_t)tone[1] >> 8);
	assert_int_equal(pl[3], (uint16_t)tone[1] & 0xff);
	mem_deref(enc);
}


static void test_g711_snr(void **state)
{
	int d;

	(void)state;
	/* measured 40.9 and 43.7 dB; the delay is our two 79-tap FIRs */
	assert_true(measure("PCMU", NULL, &d) >= 37.0);
	assert_int_equal(d, 78);
	assert_true(measure("PCMA", NULL, &d) >= 40.0);
	assert_int_equal(d, 78);
}


static void test_amrwb_snr(void **state)
{
	int d;

	(void)state;
	/* measured 21.6, 21.6 and 21.4 dB (12.65 kbit/s), 95 samples */
	assert_true(measure("AMR-WB", NULL, &d) >= 18.0);
	assert_in_range(d, 1, 160);
	assert_true(measure("AMR-WB", "octet-align=1", &d) >= 18.0);
	assert_in_range(d, 1, 160);
	assert_true(measure("AMR-WB", "mode-set=0,1,2", &d) >= 18.0);
}


static void test_opus_snr(void **state)
{
	int d;

	(void)state;
	/* measured 20.8 dB, 104 samples */
	assert_true(measure("opus", NULL, &d) >= 17.0);
	assert_in_range(d, 1, 160);
}


/* RFC 4867 bit writer of the test's own, MSB first */
struct bw {
	uint8_t b[CODEC_PAYLOAD_MAX];
	size_t pos;
};


static void put(struct bw *w, unsigned n, unsigned v)
{
	for (unsigned i = 0; i < n; i++, w->pos++) {
		if ((v >> (n - 1 - i)) & 1)
			w->b[w->pos / 8] |= 0x80 >> (w->pos % 8);
	}
}


static void put_frame(struct bw *w, const uint8_t *f, unsigned nbits)
{
	for (unsigned i = 0; i < nbits; i++)
		put(w, 1, (f[i / 8] >> (7 - i % 8)) & 1);
}


static size_t bw_len(const struct bw *w)
{
	return (w->pos + 7) / 8;
}


/* Two mode 8 frames from the octet-aligned encoder: "F0 44" + 60 bytes */
static void enc_frames(uint8_t fr[2][60])
{
	const struct codec_ops *ops = codec_find("AMR-WB");
	struct codec_enc *enc;
	uint8_t pl[CODEC_PAYLOAD_MAX];

	assert_int_equal(ops->enc_alloc(&enc, "octet-align=1"), 0);
	for (int i = 0; i < 2; i++) {
		size_t len = sizeof(pl);

		assert_int_equal(ops->encode(enc, pl, &len,
					     tone + i * AUD_FRAME), 0);
		assert_int_equal(len, 62);
		assert_int_equal(pl[0], 0xf0);   /* CMR 15, no request */
		assert_int_equal(pl[1], 0x44);   /* F 0, FT 8, Q 1 */
		memcpy(fr[i], pl + 2, 60);
	}
	mem_deref(enc);
}


static size_t dec_one(const char *fmtp, const uint8_t *p, size_t len,
		      int16_t *pcm, size_t room)
{
	const struct codec_ops *ops = codec_find("AMR-WB");
	struct codec_dec *dec;
	size_t n = room;

	assert_int_equal(ops->dec_alloc(&dec, fmtp), 0);
	assert_int_equal(ops->decode(dec, pcm, &n, p, len), 0);
	mem_deref(dec);
	return n;
}


static void test_amrwb_layouts(void **state)
{
	static int16_t ref[2 * AUD_FRAME], pcm[4 * AUD_FRAME];
	const struct codec_ops *ops = codec_find("AMR-WB");
	struct codec_enc *enc;
	struct codec_dec *dec;
	uint8_t fr[2][60], pl[CODEC_PAYLOAD_MAX];
	struct bw be = {0}, oa = {0};
	size_t n, len = sizeof(pl);

	(void)state;
	enc_frames(fr);

	/* reference: each frame decoded in its own payload, in order */
	assert_int_equal(ops->dec_alloc(&dec, "octet-align=1"), 0);
	for (int i = 0; i < 2; i++) {
		uint8_t one[62] = {0xf0, 0x44};

		memcpy(one + 2, fr[i], 60);
		n = AUD_FRAME;
		assert_int_equal(ops->decode(dec, ref + i * AUD_FRAME, &n,
					     one, sizeof(one)), 0);
	}
	mem_deref(dec);

	/* 4.3 bandwidth-efficient, one frame: CMR(4) F FT(4) Q, 477 bits */
	put(&be, 4, 15); put(&be, 1, 0); put(&be, 4, 8); put(&be, 1, 1);
	put_frame(&be, fr[0], 477);
	assert_int_equal(bw_len(&be), 61);
	assert_int_equal(dec_one(NULL, be.b, bw_len(&be), pcm, 4 * AUD_FRAME),
			 AUD_FRAME);
	assert_memory_equal(pcm, ref, AUD_FRAME * sizeof(int16_t));

	/* our encoder packs the same bits */
	assert_int_equal(ops->enc_alloc(&enc, NULL), 0);
	assert_int_equal(ops->encode(enc, pl, &len, tone), 0);
	assert_int_equal(len, 61);
	assert_memory_equal(pl, be.b, 61);
	mem_deref(enc);

	/* 4.3, two frames: F=1 on the first ToC entry */
	memset(&be, 0, sizeof(be));
	put(&be, 4, 15);
	put(&be, 1, 1); put(&be, 4, 8); put(&be, 1, 1);
	put(&be, 1, 0); put(&be, 4, 8); put(&be, 1, 1);
	put_frame(&be, fr[0], 477);
	put_frame(&be, fr[1], 477);
	assert_int_equal(bw_len(&be), 122);
	assert_int_equal(dec_one(NULL, be.b, bw_len(&be), pcm, 4 * AUD_FRAME),
			 2 * AUD_FRAME);
	assert_memory_equal(pcm, ref, sizeof(ref));

	/* 4.4 octet-aligned, two frames: CMR byte, ToC bytes, frames */
	put(&oa, 8, 0xf0); put(&oa, 8, 0xc4); put(&oa, 8, 0x44);
	put_frame(&oa, fr[0], 480);
	put_frame(&oa, fr[1], 480);
	assert_int_equal(dec_one("octet-align=1", oa.b, bw_len(&oa), pcm,
				 4 * AUD_FRAME), 2 * AUD_FRAME);
	assert_memory_equal(pcm, ref, sizeof(ref));

	/* two frames do not fit a one-frame buffer */
	assert_int_equal(ops->dec_alloc(&dec, "octet-align=1"), 0);
	n = AUD_FRAME;
	assert_int_equal(ops->decode(dec, pcm, &n, oa.b, bw_len(&oa)),
			 EOVERFLOW);
	mem_deref(dec);
}


static void test_amrwb_nodata(void **state)
{
	static const uint8_t be[] = {0xf7, 0xc0};   /* 1111 0 1111 1 */
	static const uint8_t oa[] = {0xf0, 0x7c};
	int16_t pcm[4 * AUD_FRAME];
	uint8_t fr[2][60];
	struct bw w = {0};

	(void)state;
	assert_int_equal(dec_one(NULL, be, sizeof(be), pcm, 4 * AUD_FRAME),
			 AUD_FRAME);
	assert_int_equal(dec_one("octet-align=1", oa, sizeof(oa), pcm,
				 4 * AUD_FRAME), AUD_FRAME);

	/* a speech frame then a NO_DATA slot: 40 ms */
	enc_frames(fr);
	put(&w, 4, 15);
	put(&w, 1, 1); put(&w, 4, 8); put(&w, 1, 1);
	put(&w, 1, 0); put(&w, 4, 15); put(&w, 1, 1);
	put_frame(&w, fr[0], 477);
	assert_int_equal(dec_one(NULL, w.b, bw_len(&w), pcm, 4 * AUD_FRAME),
			 2 * AUD_FRAME);
}


static void test_amrwb_fmtp(void **state)
{
	const struct codec_ops *ops = codec_find("AMR-WB");
	struct codec_enc *enc;
	struct codec_dec *dec;
	uint8_t pl[CODEC_PAYLOAD_MAX];
	size_t len = sizeof(pl);

	(void)state;
	assert_int_equal(ops->enc_alloc(&enc, "mode-set=0,2;octet-align=1"),
			 0);
	assert_int_equal(ops->encode(enc, pl, &len, tone), 0);
	assert_int_equal(len, 2 + 32);           /* mode 2: 253 bits */
	assert_int_equal(pl[1], 2 << 3 | 0x04);
	len = 10;
	assert_int_equal(ops->encode(enc, pl, &len, tone), EOVERFLOW);
	mem_deref(enc);

	assert_int_equal(ops->enc_alloc(&enc, "mode-set=x"), EINVAL);
	assert_int_equal(ops->enc_alloc(&enc, "mode-set=9"), EINVAL);
	assert_int_equal(ops->enc_alloc(&enc, "crc=1"), ENOTSUP);
	assert_int_equal(ops->dec_alloc(&dec, "interleaving=4"), ENOTSUP);
}


static void test_conceal(void **state)
{
	static const char *const names[] = {"AMR-WB", "opus"};
	int16_t pcm[AUD_FRAME];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct codec_ops *ops = codec_find(names[i]);
		struct codec_enc *enc;
		struct codec_dec *dec;
		uint8_t pl[CODEC_PAYLOAD_MAX];
		double e = 0;
		size_t n;

		assert_int_equal(ops->enc_alloc(&enc, NULL), 0);
		assert_int_equal(ops->dec_alloc(&dec, NULL), 0);
		for (int f = 0; f < 10; f++) {
			size_t len = sizeof(pl);

			n = AUD_FRAME;
			assert_int_equal(ops->encode(enc, pl, &len,
						tone + f * AUD_FRAME), 0);
			assert_int_equal(ops->decode(dec, pcm, &n, pl, len),
					 0);
		}

		/* the lost frame continues the tone, not silence */
		n = AUD_FRAME;
		assert_int_equal(ops->conceal(dec, pcm, &n), 0);
		assert_int_equal(n, AUD_FRAME);
		for (size_t k = 0; k < n; k++)
			e += (double)pcm[k] * pcm[k];
		assert_true(e / n > 1e5);

		n = AUD_FRAME - 1;
		assert_int_equal(ops->conceal(dec, pcm, &n), EOVERFLOW);
		mem_deref(enc);
		mem_deref(dec);
	}
}


static void test_malformed(void **state)
{
	static uint8_t big[CODEC_PAYLOAD_MAX + 1], chain[41];
	static uint8_t oa_short[61] = {0xf0, 0x44}, oa_long[63] = {0xf0, 0x44};
	const struct {
		const char *name, *fmtp;
		const uint8_t *p;
		size_t len;
	} badv[] = {
#define B(name, fmtp, ...) {name, fmtp, (const uint8_t[]){__VA_ARGS__}, \
			    sizeof((const uint8_t[]){__VA_ARGS__})}
		{"AMR-WB", NULL, oa_short, 0},
		B("AMR-WB", NULL, 0xf0),             /* ToC cut */
		B("AMR-WB", NULL, 0xf4, 0x40),       /* mode 8, no frame */
		B("AMR-WB", NULL, 0xf5, 0x40),       /* FT 10 reserved */
		B("AMR-WB", NULL, 0xf6, 0xc0),       /* FT 13 reserved */
		B("AMR-WB", NULL, 0xf7, 0xc0, 0x00), /* NO_DATA + byte */
		B("AMR-WB", NULL, 0xff, 0xc0),       /* F=1, ToC ends */
		B("AMR-WB", "octet-align=1", 0xf0),
		B("AMR-WB", "octet-align=1", 0xf0, 0x54),
		B("AMR-WB", "octet-align=1", 0xf0, 0x7c, 0x00),
		B("AMR-WB", "octet-align=1", 0xf0, 0xfc),
		{"AMR-WB", "octet-align=1", oa_short, sizeof(oa_short)},
		{"AMR-WB", "octet-align=1", oa_long, sizeof(oa_long)},
		{"AMR-WB", "octet-align=1", chain, sizeof(chain)},
		{"AMR-WB", NULL, big, sizeof(big)},
		B("L16", NULL, 0x01),
		B("L16", NULL, 0x00, 0x01, 0x02),
		{"PCMU", NULL, big, 0},
		{"PCMA", NULL, big, sizeof(big)},
		{"opus", NULL, big, 0},
		B("opus", NULL, 0x03),               /* code 3, no count */
		B("opus", NULL, 0x03, 0x00),         /* zero frames */
		B("opus", NULL, 0x01, 0x00),         /* code 1, odd size */
		B("opus", NULL, 0x02, 0xff),         /* frame past end */
#undef B
	};
	static int16_t pcm[8 * CODEC_PAYLOAD_MAX];

	(void)state;
	chain[0] = 0xf0;      /* 40 NO_DATA entries, all with F=1 */
	memset(chain + 1, 0xfc, sizeof(chain) - 1);

	for (size_t i = 0; i < ARRAY_SIZE(badv); i++) {
		const struct codec_ops *ops = codec_find(badv[i].name);
		struct codec_dec *dec;
		size_t n = ARRAY_SIZE(pcm);
		int err;

		assert_int_equal(ops->dec_alloc(&dec, badv[i].fmtp), 0);
		err = ops->decode(dec, pcm, &n, badv[i].p, badv[i].len);
		if (err != EBADMSG || n != ARRAY_SIZE(pcm))
			fail_msg("bad payload %zu (%s): err %d, n %zu", i,
				 badv[i].name, err, n);
		mem_deref(dec);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_l16_exact),
		cmocka_unit_test(test_g711_snr),
		cmocka_unit_test(test_amrwb_snr),
		cmocka_unit_test(test_opus_snr),
		cmocka_unit_test(test_amrwb_layouts),
		cmocka_unit_test(test_amrwb_nodata),
		cmocka_unit_test(test_amrwb_fmtp),
		cmocka_unit_test(test_conceal),
		cmocka_unit_test(test_malformed),
	};

	make_signals();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
