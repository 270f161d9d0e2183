/**
 * @file test_record.c  The recorder's parts: the lock-free ring, the Ogg
 *                      Opus writer and reader, the index and verify
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include "core/store.h"
#include "record/rec.h"
#include "record/rec_int.h"
#include "testutil.h"


static void tone(int16_t *pcm, size_t n, size_t t0, double hz, double amp)
{
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)(amp * sin(2 * M_PI * hz * (double)(t0 + i) /
					     REC_RATE));
}


static double rms(const int16_t *x, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return sqrt(s / (double)n);
}


static void ring_full_drops(void **state)
{
	struct rec_ring rg;
	int16_t pcm[REC_PCM] = {0};
	const struct rec_frame *f;

	(void)state;
	assert_int_equal(rec_ring_init(&rg, 3), EINVAL);
	assert_int_equal(rec_ring_init(&rg, 4), 0);

	for (uint64_t i = 0; i < 4; i++) {
		pcm[0] = (int16_t)i;
		assert_true(rec_ring_put(&rg, "tg1", 0, i, pcm));
	}
	assert_false(rec_ring_put(&rg, "tg1", 0, 4, pcm));
	assert_int_equal(atomic_load(&rg.dropped), 1);

	for (uint64_t i = 0; i < 4; i++) {
		f = rec_ring_peek(&rg);
		assert_non_null(f);
		assert_int_equal(f->tick, i);
		assert_int_equal(f->pcm[0], (int)i);
		assert_string_equal(f->stream, "tg1");
		rec_ring_pop(&rg);
	}
	assert_null(rec_ring_peek(&rg));
	/* room again after the consumer caught up */
	assert_true(rec_ring_put(&rg, "tg2", 1, 9, pcm));
	rec_ring_free(&rg);
}


/* 2 s of 1 kHz written, read back: as long, the same level, and the hash
 * the writer reported is the file's */
static void file_roundtrip(void **state)
{
	struct tu_fx *fx = *state;
	struct rec_tags tags = {"tg1", "rx", "sip:r1@x", NULL, "0"};
	struct rec_file *f;
	int16_t pcm[REC_PCM], *out = NULL;
	char path[256], sha[65], sha2[65];
	uint64_t bytes = 0;
	size_t n = 0;

	tu_path(path, sizeof(path), fx->dir, "a.opus");
	assert_int_equal(rec_file_open(&f, path, &tags), 0);
	assert_int_equal(rec_file_open(&f, path, &tags), EEXIST);
	for (size_t i = 0; i < 100; i++) {
		tone(pcm, REC_PCM, i * REC_PCM, 1000, 8000);
		assert_int_equal(rec_file_write(f, pcm, REC_PCM), 0);
	}
	assert_int_equal(rec_file_close(f, sha, &bytes), 0);
	assert_true(bytes > 1000);

	assert_int_equal(rec_sha256_file(path, sha2), 0);
	assert_string_equal(sha, sha2);

	assert_int_equal(rec_decode_file(path, &out, &n), 0);
	assert_int_equal(n, 100 * REC_PCM);
	/* 8000 peak: 5657 rms, within 1 dB after the codec */
	assert_true(fabs(20 * log10(rms(out + REC_RATE / 2, REC_RATE) /
				   5657.0)) < 1.0);
	free(out);
}


static void decode_rejects(void **state)
{
	static const uint8_t junk[] = "OggS\0\2 not really a page";
	int16_t *pcm = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(rec_decode_buf(junk, sizeof(junk), &pcm, &n),
			 EBADMSG);
	assert_int_equal(rec_decode_buf((const uint8_t *)"", 0, &pcm, &n),
			 EBADMSG);
	assert_int_equal(rec_decode_file("/nonexistent/x.opus", &pcm, &n),
			 ENOENT);
}


static void problem_count(const char *file, const char *what, void *arg)
{
	char *buf = arg;

	(void)re_snprintf(buf + strlen(buf), 512 - strlen(buf), "%s: %s\n",
			  file, what);
}


static void add_row(struct tu_fx *fx, const char *file, const char *sha,
		    const char *audit_sha)
{
	struct rec_out o;
	char sql[512];

	memset(&o, 0, sizeof(o));
	str_ncpy(o.file, file, sizeof(o.file));
	str_ncpy(o.resource, "tg1", sizeof(o.resource));
	str_ncpy(o.kind, "rtp", sizeof(o.kind));
	str_ncpy(o.stream, "tg1", sizeof(o.stream));
	str_ncpy(o.direction, "rx", sizeof(o.direction));
	str_ncpy(o.sha256, sha, sizeof(o.sha256));
	o.bytes = 1;
	assert_int_equal(rec_index_add(fx->st, &o, "s", "n"), 0);

	re_snprintf(sql, sizeof(sql), "INSERT INTO audit(ts, actor, action,"
		    " object, result, detail, prev, hash) VALUES (0, 'system',"
		    " 'recording.close', '%s', 'ok', '{\"sha256\":\"%s\"}',"
		    " '', '')", file, audit_sha);
	assert_int_equal(store_exec(fx->st, sql), 0);
}


static void verify_finds(void **state)
{
	struct tu_fx *fx = *state;
	char dir[128], day[160], path[256], sha[65], probs[512] = "";
	unsigned count = 0;
	FILE *f;

	tu_path(dir, sizeof(dir), fx->dir, "rec");
	assert_int_equal(mkdir(dir, 0700), 0);
	re_snprintf(day, sizeof(day), "%s/d", dir);
	assert_int_equal(mkdir(day, 0700), 0);

	for (int i = 0; i < 3; i++) {
		re_snprintf(path, sizeof(path), "%s/%d.opus", day, i);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "recording %d", i);
		fclose(f);
	}
	re_snprintf(path, sizeof(path), "%s/0.opus", day);
	assert_int_equal(rec_sha256_file(path, sha), 0);
	add_row(fx, "d/0.opus", sha, sha);
	assert_int_equal(rec_verify(fx->st, dir, problem_count, probs,
				    &count), EBADMSG);
	/* 1 and 2 are on disk but nobody indexed them */
	assert_non_null(strstr(probs, "d/1.opus: not in the index"));
	assert_null(strstr(probs, "d/0.opus"));

	re_snprintf(path, sizeof(path), "%s/1.opus", day);
	assert_int_equal(rec_sha256_file(path, sha), 0);
	add_row(fx, "d/1.opus", sha, sha);
	re_snprintf(path, sizeof(path), "%s/2.opus", day);
	assert_int_equal(rec_sha256_file(path, sha), 0);
	/* someone rewrote the index row's hash: the audit trail wins */
	add_row(fx, "d/2.opus", sha, "00");
	probs[0] = '\0';
	assert_int_equal(rec_verify(fx->st, dir, problem_count, probs,
				    &count), EBADMSG);
	assert_int_equal(count, 3);
	assert_non_null(strstr(probs, "d/2.opus: index hash differs"));
	assert_non_null(strstr(probs, "d/2.opus: altered"));
	assert_null(strstr(probs, "d/1.opus"));

	re_snprintf(path, sizeof(path), "%s/1.opus", day);
	assert_int_equal(unlink(path), 0);
	probs[0] = '\0';
	(void)rec_verify(fx->st, dir, problem_count, probs, &count);
	assert_non_null(strstr(probs, "d/1.opus: missing"));
}


/* 1 s of a tone into dir/name */
static void tone_file(const char *dir, const char *name, double hz)
{
	struct rec_tags tags = {"tg1", "rx", NULL, NULL, "0"};
	struct rec_file *f;
	int16_t pcm[REC_PCM];
	char path[256], sha[65];
	uint64_t bytes;

	tu_path(path, sizeof(path), dir, name);
	assert_int_equal(rec_file_open(&f, path, &tags), 0);
	for (size_t i = 0; i < 50; i++) {
		tone(pcm, REC_PCM, i * REC_PCM, hz, 8000);
		assert_int_equal(rec_file_write(f, pcm, REC_PCM), 0);
	}
	assert_int_equal(rec_file_close(f, sha, &bytes), 0);
}


struct replay_res {
	int err;
	char wav[1024];
	unsigned calls;
};


static void replay_h(int err, const char *wav, void *arg)
{
	struct replay_res *res = arg;

	res->err = err;
	str_ncpy(res->wav, wav, sizeof(res->wav));
	++res->calls;
	re_cancel();
}


/* Samples in a WAV the worker wrote (the 44-byte header) */
static long wav_samples(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return (long)(sb.st_size - 44) / 2;
}


/* The replay worker: two recordings half a second apart, mixed on their
 * timeline (1.5 s) or one after the other (2 s), delivered on the main
 * loop; a missing file is refused at once */
static void replay_worker(void **state)
{
	struct tu_fx *fx = *state;
	struct rec_replay *rp = NULL;
	struct replay_res *res = mem_zalloc(sizeof(*res), NULL);
	json_t *rows = json_pack("[{s:s, s:i}, {s:s, s:i}]", "file", "b.opus",
				 "start", 1500, "file", "a.opus", "start",
				 1000);
	json_t *gone = json_pack("[{s:s, s:i}]", "file", "no.opus", "start",
				 0);

	tone_file(fx->dir, "a.opus", 440);
	tone_file(fx->dir, "b.opus", 880);
	assert_int_equal(rec_replay_alloc(&rp, fx->dir), 0);

	assert_int_equal(rec_replay_start(rp, fx->dir, rows, true, "P1",
					  replay_h, res), 0);
	assert_int_equal(re_main(NULL), 0);
	assert_int_equal(res->calls, 1);
	assert_int_equal(res->err, 0);
	assert_int_equal(wav_samples(res->wav), 3 * REC_RATE / 2);

	assert_int_equal(rec_replay_start(rp, fx->dir, rows, false, "P1",
					  replay_h, res), 0);
	assert_int_equal(re_main(NULL), 0);
	assert_int_equal(res->calls, 2);
	assert_int_equal(wav_samples(res->wav), 2 * REC_RATE);

	assert_int_equal(rec_replay_start(rp, fx->dir, gone, false, "P1",
					  replay_h, res), ENOENT);
	assert_int_equal(res->calls, 2);

	mem_deref(rp);
	mem_deref(res);
	json_decref(rows);
	json_decref(gone);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_full_drops),
		cmocka_unit_test_setup_teardown(file_roundtrip, tu_setup_dir,
						tu_teardown),
		cmocka_unit_test(decode_rejects),
		cmocka_unit_test_setup_teardown(verify_finds, tu_setup_store,
						tu_teardown),
		cmocka_unit_test_setup_teardown(replay_worker, tu_setup_dir,
						tu_teardown),
	};
	int n;

	if (libre_init())
		return 1;
	n = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return n;
}
