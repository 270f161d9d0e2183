/**
 * @file fuzz_ogg.c  libFuzzer target: recordings read back (Ogg pages,
 *                   OpusHead/OpusTags, Opus packets)
 *
 * A recording on disk is outside data when it is replayed or exported:
 * an altered or truncated file must fail with an error, never crash.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <re.h>
#include "record/rec.h"
#include "record/rec_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int16_t *pcm = NULL;
	size_t n = 0;

	if (!rec_decode_buf(data, size, &pcm, &n)) {
		/* the decoded length is bounded by what the pages carry */
		if (n > (size_t)REC_RATE * 3600)
			__builtin_trap();
		free(pcm);
	}

	return 0;
}
