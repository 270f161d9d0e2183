/**
 * @file fuzz_h264.c  libFuzzer target: the H.264 the relay reads itself
 *
 * An access unit as it comes from the camera (Annex B or a bare NAL
 * unit): NAL scanning for keyframes and the SPS (profile, level, picture
 * size).  A size found must be a real picture size.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "camera/cam_relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h264_info hi;
	char codec[32];
	uint8_t *p = malloc(size ? size : 1);
	int err;

	if (!p)
		return 0;
	memcpy(p, data, size);
	err = h264_scan(p, size, &hi);
	if (err && err != EBADMSG)
		abort();
	if (!err && hi.sps) {
		if (hi.width < 0 || hi.height < 0 || hi.width > 16384 ||
		    hi.height > 16384)
			abort();
		if (hi.profile && h264_codec_string(codec, sizeof(codec), &hi))
			abort();
	}
	free(p);
	return 0;
}
