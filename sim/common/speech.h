/**
 * @file speech.h  Speech for simulated radios and callers: text spoken by
 * espeak-ng, or a recording, as 16 kHz mono 16-bit samples
 */
#include <stddef.h>
#include <stdint.h>

/* text ending in ".wav" is a recording (any rate, any channels); else
 * espeak-ng speaks it.  *pcmp is mem_alloc'd with room for one extra
 * 20 ms frame of padding. */
int sim_speech(const char *text, int16_t **pcmp, size_t *np);
