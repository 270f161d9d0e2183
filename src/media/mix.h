/**
 * @file mix.h  Mixing with saturation, and loss concealment by fading
 *
 * A dispatch console's mixer adds many talkgroups into two channels: the
 * headset and the speaker.  Sums saturate at the int16 range (never wrap),
 * and each source has a gain.  These are plain functions on 16 kHz mono
 * frames of AUD_FRAME samples so they can be tested and benchmarked alone.
 */
#include <stddef.h>
#include <stdint.h>

/* acc += src * gain_q15 / 32768, in 32 bit; gain_q15 0..32768 */
void mix_add(int32_t *acc, const int16_t *src, size_t n, int32_t gain_q15);
/* Saturate an accumulator into int16 */
void mix_clip(int16_t *out, const int32_t *acc, size_t n);
/* Interleave two mono channels into stereo L/R */
void mix_interleave(int16_t *stereo, const int16_t *left,
		    const int16_t *right, size_t n);
/* Volume 0..100 (percent, on a perceptual curve) to a Q15 gain */
int32_t mix_gain(unsigned volume);

/* Concealment for codecs without PLC: repeat the last good frame with a
 * falling gain, then silence (after about 60 ms). */
struct mix_plc {
	int16_t last[320];
	unsigned lost;         /* consecutive concealed frames */
};
void mix_plc_good(struct mix_plc *p, const int16_t *frame);
void mix_plc_conceal(struct mix_plc *p, int16_t *frame);
