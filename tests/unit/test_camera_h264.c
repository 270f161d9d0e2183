/**
 * @file test_camera_h264.c  What the relay reads of H.264 itself: the
 *                           keyframe test and the SPS (codec string,
 *                           picture size), on NAL units cut from real
 *                           streams (fuzz/corpus/h264: the simulator's
 *                           x264 baseline 640x360 and an x264 high
 *                           profile 1920x1080, which needs cropping)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "camera/cam_relay.h"

static size_t load(uint8_t *buf, size_t sz, const char *name)
{
	const char *src = getenv("ICCS_SRCDIR");
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/fuzz/corpus/h264/%s",
		 src ? src : ".", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, sz, f);
	fclose(f);
	return n;
}


static void test_baseline_sps(void **state)
{
	uint8_t b[4096];
	size_t n = load(b, sizeof(b), "sps_baseline.bin");
	struct h264_info hi;
	char codec[32];

	(void)state;
	assert_int_equal(h264_scan(b, n, &hi), 0);
	assert_true(hi.sps);
	assert_false(hi.idr);
	assert_int_equal(hi.width, 640);
	assert_int_equal(hi.height, 360);
	assert_int_equal(h264_codec_string(codec, sizeof(codec), &hi), 0);
	assert_string_equal(codec, "avc1.42C01E");
}


static void test_high_sps_cropped(void **state)
{
	uint8_t b[4096];
	size_t n = load(b, sizeof(b), "sps_high_1080.bin");
	struct h264_info hi;
	char codec[32];

	(void)state;
	assert_int_equal(h264_scan(b, n, &hi), 0);
	assert_int_equal(hi.width, 1920);
	assert_int_equal(hi.height, 1080);
	assert_int_equal(h264_codec_string(codec, sizeof(codec), &hi), 0);
	assert_string_equal(codec, "avc1.640028");
}


static void test_keyframe(void **state)
{
	uint8_t b[4096];
	size_t n = load(b, sizeof(b), "au_idr.bin");
	struct h264_info hi;

	(void)state;
	assert_int_equal(h264_scan(b, n, &hi), 0);
	assert_true(hi.idr);
	assert_true(hi.sps);
	n = load(b, sizeof(b), "slice_p.bin");
	assert_int_equal(h264_scan(b, n, &hi), 0);
	assert_false(hi.idr);
	assert_false(hi.sps);
}


static void test_bad(void **state)
{
	static const uint8_t forbidden[] = {0x80, 1, 2};
	static const uint8_t only_zeros[] = {0, 0, 1, 0, 0, 0};
	struct h264_info hi;

	(void)state;
	assert_int_equal(h264_scan(forbidden, sizeof(forbidden), &hi),
			 EBADMSG);
	assert_int_equal(h264_scan(only_zeros, sizeof(only_zeros), &hi),
			 EBADMSG);
	assert_int_equal(h264_scan(forbidden, 0, &hi), EBADMSG);
	memset(&hi, 0, sizeof(hi));
	assert_int_equal(h264_codec_string((char[32]){0}, 32, &hi), EINVAL);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_sps),
		cmocka_unit_test(test_high_sps_cropped),
		cmocka_unit_test(test_keyframe),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
