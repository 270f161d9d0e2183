/**
 * @file fuzz_opus.c  libFuzzer target: Opus RTP payloads
 *
 * A fresh decoder per input, then one concealed frame, so a finding
 * replays from the input alone.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "media/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int16_t pcm[8 * AUD_FRAME];
	const struct codec_ops *ops = codec_find("opus");
	struct codec_dec *dec;
	size_t n = ARRAY_SIZE(pcm);

	if (ops->dec_alloc(&dec, NULL))
		return 0;

	if (!ops->decode(dec, pcm, &n, data, size)) {
		if (!n || n > ARRAY_SIZE(pcm))
			__builtin_trap();
	}

	n = AUD_FRAME;
	(void)ops->conceal(dec, pcm, &n);
	mem_deref(dec);
	return 0;
}
