/**
 * @file heard.h  What a simulated network heard from a dispatcher: the
 * last second of decoded audio, for the control APIs' level and tone
 * readings (tests look for the tone a console sent)
 */
#include <stdint.h>
#include <stddef.h>

enum { SIM_RING = 16000 };    /* one second at 16 kHz */

struct sim_heard {
	uint64_t packets, last_ms;
	int16_t ring[SIM_RING];
	size_t ringpos;
};

/* One packet arrived; pcm (n samples, may be 0) is what it decoded to */
void sim_heard_add(struct sim_heard *h, const int16_t *pcm, size_t n);
/* "packets":N,"level_db":L,"freq_hz":F (JSON members, no braces) of
 * the last second, for "%H" */
int  sim_heard_print(struct re_printf *pf, const struct sim_heard *h);
