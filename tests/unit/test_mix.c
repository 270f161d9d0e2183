/**
 * @file test_mix.c  Mixer arithmetic and fade-out concealment
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "media/mix.h"

enum { N = 320, UNITY = 32768 };


static void test_saturation(void **state)
{
	static const int16_t hi[] = {32767, 32767, 20000, -32768, -32768};
	static const int16_t lo[] = {32767, 1, 20000, -32768, -1};
	static const int16_t want[] = {32767, 32767, 32767, -32768, -32768};
	int32_t acc[5] = {0};
	int16_t out[5];

	(void)state;
	mix_add(acc, hi, 5, UNITY);
	mix_add(acc, lo, 5, UNITY);
	mix_clip(out, acc, 5);
	assert_memory_equal(out, want, sizeof(want));

	/* many full-scale sources still clip, never wrap around */
	memset(acc, 0, sizeof(acc));
	for (int i = 0; i < 1000; i++)
		mix_add(acc, hi, 5, UNITY);
	mix_clip(out, acc, 5);
	assert_int_equal(out[0], 32767);
	assert_int_equal(out[3], -32768);
}


static void test_gain(void **state)
{
	int16_t src[N], out[N];
	int32_t acc[N] = {0};

	(void)state;
	for (int i = 0; i < N; i++)
		src[i] = (int16_t)(i * 997 % 65536 - 32768);

	assert_int_equal(mix_gain(0), 0);
	assert_int_equal(mix_gain(100), UNITY);
	assert_int_equal(mix_gain(150), UNITY);

	/* -12 dB at half volume: between -13 dB and -11 dB of unity */
	assert_true(mix_gain(50) > 7301 && mix_gain(50) < 9193);
	for (unsigned v = 1; v <= 100; v++)
		assert_true(mix_gain(v) > mix_gain(v - 1));

	/* volume 0 silences, 100 passes through bit-exact */
	mix_add(acc, src, N, mix_gain(0));
	mix_clip(out, acc, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(out[i], 0);

	mix_add(acc, src, N, mix_gain(100));
	mix_clip(out, acc, N);
	assert_memory_equal(out, src, sizeof(src));

	/* half gain halves (rounded) */
	memset(acc, 0, sizeof(acc));
	mix_add(acc, src, N, UNITY / 2);
	for (int i = 0; i < N; i++)
		assert_true(abs(acc[i] * 2 - src[i]) <= 1);
}


static void test_interleave(void **state)
{
	const int16_t l[3] = {1, 2, 3}, r[3] = {-1, -2, -3};
	const int16_t want[6] = {1, -1, 2, -2, 3, -3};
	int16_t st[6];

	(void)state;
	mix_interleave(st, l, r, 3);
	assert_memory_equal(st, want, sizeof(want));
}


static void test_plc_fade(void **state)
{
	struct mix_plc plc;
	int16_t good[N], f[N];

	(void)state;
	memset(&plc, 0, sizeof(plc));
	for (int i = 0; i < N; i++)
		good[i] = (int16_t)(i % 2 ? 16000 : -16000);
	mix_plc_good(&plc, good);

	/* 1, 1/2, 1/4, then silence for as long as the loss lasts */
	mix_plc_conceal(&plc, f);
	assert_memory_equal(f, good, sizeof(good));
	mix_plc_conceal(&plc, f);
	assert_int_equal(f[0], -8000);
	assert_int_equal(f[1], 8000);
	mix_plc_conceal(&plc, f);
	assert_int_equal(f[0], -4000);
	assert_int_equal(f[1], 4000);
	for (int k = 0; k < 5; k++) {
		mix_plc_conceal(&plc, f);
		for (int i = 0; i < N; i++)
			assert_int_equal(f[i], 0);
	}
	assert_int_equal(plc.lost, 8);

	/* a good frame restarts the sequence */
	mix_plc_good(&plc, good);
	assert_int_equal(plc.lost, 0);
	mix_plc_conceal(&plc, f);
	assert_memory_equal(f, good, sizeof(good));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_gain),
		cmocka_unit_test(test_interleave),
		cmocka_unit_test(test_plc_fade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
