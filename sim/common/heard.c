/**
 * @file heard.c  The last second a simulated network heard, and its
 * level and strongest tone (Goertzel scan, 100..4000 Hz in 10 Hz steps)
 */
#include <math.h>
#include <time.h>
#include <re.h>
#include "media/codec.h"
#include "common/heard.h"


static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}


void sim_heard_add(struct sim_heard *h, const int16_t *pcm, size_t n)
{
	++h->packets;
	h->last_ms = now_ms();
	for (size_t i = 0; pcm && i < n; i++) {
		h->ring[h->ringpos] = pcm[i];
		h->ringpos = (h->ringpos + 1) % SIM_RING;
	}
}


/* Goertzel power of one frequency over n samples */
static double power(const int16_t *x, size_t n, double f)
{
	double w = 2 * M_PI * f / AUD_SRATE, c = 2 * cos(w);
	double s0, s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}


int sim_heard_print(struct re_printf *pf, const struct sim_heard *h)
{
	static int16_t x[SIM_RING];
	double sum = 0, best = 0, bestf = 0, db = -120;
	bool recent = h->packets && now_ms() - h->last_ms < 1000;

	for (size_t i = 0; i < SIM_RING; i++)
		x[i] = h->ring[(h->ringpos + i) % SIM_RING];
	if (recent) {
		for (size_t i = 0; i < SIM_RING; i++)
			sum += (double)x[i] * x[i];
		db = 20 * log10(sqrt(sum / SIM_RING) / 32768 + 1e-9);
		for (double f = 100; f <= 4000; f += 10) {
			double p = power(x + SIM_RING - 4000, 4000, f);

			if (p > best) {
				best = p;
				bestf = f;
			}
		}
	}
	return re_hprintf(pf, "\"packets\":%llu,\"level_db\":%.1f,"
			  "\"freq_hz\":%.0f", (unsigned long long)h->packets,
			  db, bestf);
}
