/**
 * @file fuzz_amrwb.c  libFuzzer target: AMR-WB RTP payloads (RFC 4867)
 *
 * Every input goes to a fresh decoder in each payload format,
 * bandwidth-efficient and octet-aligned, followed by one concealed
 * frame, so a finding replays from the input alone.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "media/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmtpv[] = {NULL, "octet-align=1"};
	static int16_t pcm[64 * AUD_FRAME];
	const struct codec_ops *ops = codec_find("AMR-WB");

	for (size_t i = 0; i < ARRAY_SIZE(fmtpv); i++) {
		struct codec_dec *dec;
		size_t n = ARRAY_SIZE(pcm);

		if (ops->dec_alloc(&dec, fmtpv[i]))
			continue;

		if (!ops->decode(dec, pcm, &n, data, size)) {
			if (n % AUD_FRAME || n > ARRAY_SIZE(pcm))
				__builtin_trap();
		}

		n = AUD_FRAME;
		(void)ops->conceal(dec, pcm, &n);
		mem_deref(dec);
	}

	return 0;
}
