/**
 * @file fuzz_sds.c  libFuzzer target: TETRA SDS payloads
 *
 * Byte 0 picks the AI service (status or SDS-TL) and how many bits of
 * the last byte count; the rest is the payload.  What decodes must
 * encode (an SDS never exceeds 2047 bits) and decode to the same
 * message.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "radio/tetra/sds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sds_msg m, m2;
	uint8_t buf[300], out[300];
	unsigned ai, ai2;
	size_t bits, obits;
	const char *reason = NULL;
	int err;

	if (!size)
		return 0;
	ai = data[0] & 1 ? SDS_AI_STATUS : SDS_AI_SDSTL;
	if (data[0] & 2)
		ai = data[0] >> 2;
	--size;
	if (size > 256)
		size = 256;
	/* an exact-size copy so ASan sees any read past the payload */
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, size);
	bits = size * 8;
	if (bits && (data[0] >> 5))
		bits -= data[0] >> 5;
	if (bits > 2047)
		bits = 2047;

	err = sds_decode(&m, ai, p, bits, &reason);
	free(p);
	if (err) {
		if (!reason)
			abort();
		return 0;
	}
	if (sds_encode(buf, sizeof(buf), &obits, &ai2, &m, &reason))
		abort();
	memcpy(out, buf, sizeof(out));
	if (sds_decode(&m2, ai2, out, obits, &reason) ||
	    memcmp(&m, &m2, sizeof(m)))
		abort();
	return 0;
}
