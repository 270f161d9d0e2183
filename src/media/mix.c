/**
 * @file mix.c  Mixing with saturation, and loss concealment by fading
 *
 * Gains are Q15 with 32768 meaning unity, so a full-volume source passes
 * through bit-exact.  Sums stay in 32 bits until the one clip at the end:
 * 65536 full-scale sources would be needed to overflow the accumulator.
 */
#include <re.h>
#include <limits.h>
#include <string.h>
#include "media/mix.h"

enum { Q15_ONE = 32768 };

/* Gain of the n-th consecutive concealed frame: a repeat that fades
 * out (1, 1/2, 1/4) and then silence, before the buzz of a looping
 * frame gets annoying. */
static const int32_t plc_gain[] = {Q15_ONE, Q15_ONE / 2, Q15_ONE / 4};


void mix_add(int32_t *acc, const int16_t *src, size_t n, int32_t gain_q15)
{
	if (!acc || !src || gain_q15 <= 0)
		return;

	if (gain_q15 >= Q15_ONE) {
		for (size_t i = 0; i < n; i++)
			acc[i] += src[i];
		return;
	}

	/* rounded; the product fits: |src| * gain < 2^30 */
	for (size_t i = 0; i < n; i++)
		acc[i] += (src[i] * gain_q15 + Q15_ONE / 2) >> 15;
}


void mix_clip(int16_t *out, const int32_t *acc, size_t n)
{
	if (!out || !acc)
		return;

	for (size_t i = 0; i < n; i++) {
		int32_t v = acc[i];

		out[i] = v > INT16_MAX ? INT16_MAX :
			v < INT16_MIN ? INT16_MIN : (int16_t)v;
	}
}


void mix_interleave(int16_t *stereo, const int16_t *left,
		    const int16_t *right, size_t n)
{
	if (!stereo || !left || !right)
		return;

	for (size_t i = 0; i < n; i++) {
		stereo[2 * i]     = left[i];
		stereo[2 * i + 1] = right[i];
	}
}


/* Square law: amplitude (v/100)^2 is 40*log10(v/100) dB, so 50 gives
 * -12 dB and 10 gives -40 dB: even steps sound even, and 0 is silence. */
int32_t mix_gain(unsigned volume)
{
	uint64_t v = min(volume, 100u);

	return (int32_t)((v * v * Q15_ONE + 5000) / 10000);
}


void mix_plc_good(struct mix_plc *p, const int16_t *frame)
{
	if (!p || !frame)
		return;

	memcpy(p->last, frame, sizeof(p->last));
	p->lost = 0;
}


void mix_plc_conceal(struct mix_plc *p, int16_t *frame)
{
	int32_t g;

	if (!p || !frame)
		return;

	if (p->lost >= ARRAY_SIZE(plc_gain)) {
		if (p->lost < UINT_MAX)
			p->lost++;
		memset(frame, 0, sizeof(p->last));
		return;
	}

	g = plc_gain[p->lost++];
	for (size_t i = 0; i < ARRAY_SIZE(p->last); i++)
		frame[i] = (int16_t)((p->last[i] * g + Q15_ONE / 2) >> 15);
}
