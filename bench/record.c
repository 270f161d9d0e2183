/**
 * @file record.c  bench_record: how many streams one core records, and
 *                 what the recording tap costs the media thread
 *
 * Usage: bench_record [DIR] [STREAMS] [SECONDS]  (defaults /tmp, 64, 20)
 *
 * Recording: STREAMS streams of SECONDS of speech-like audio (a warbling
 * tone with noise, different per stream) go through the real path: the
 * lock-free ring, the recorder thread, Opus encoding, Ogg pages, SHA-256,
 * write and fsync into DIR.  Fed as fast as the recorder takes them, so
 * the CPU time per stream-second gives the streams one core records in
 * real time.  Then the same number of streams paced in real time (20 ms
 * ticks), which must drop nothing.
 *
 * Tap: the cost on the media thread of handing one frame to the recorder
 * (rec_ring_put: a 640-byte copy and two atomics), against mixing one
 * frame into a position (mix_add), which the media thread does anyway,
 * in the same run.
 *
 * Replay: the replay worker's job (decode a 5-minute recording to 16 kHz
 * and write the WAV), its CPU time, against ffmpeg decoding the same
 * file.
 *
 * Anchor, same run: FFmpeg encoding Ogg Opus (libopus, 24 kbit/s mono
 * 16 kHz, as the recorder) from a sine into a file, the child's CPU time
 * from wait4, expressed the same way (streams per core).  Five runs of
 * each, the median printed.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "media/codec.h"
#include "media/mix.h"
#include "record/rec.h"
#include "record/rec_int.h"

enum { RUNS = 5, TAP_N = 2000000, FF_SECONDS = 300 };

static atomic_uint closed_n;


static double now_s(clockid_t c)
{
	struct timespec ts;

	(void)clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}


static void out_h(struct rec_out *o, void *arg)
{
	(void)arg;
	if (o->type == REC_OUT_CLOSED)
		atomic_fetch_add(&closed_n, 1);
	free(o);
}


/* A 440 Hz sine as the anchor encodes, or speech-like: a warbling
 * tone with noise, different per stream */
static void signal_make(int16_t *pcm, unsigned stream, uint64_t tick,
			bool sine)
{
	for (size_t i = 0; i < AUD_FRAME; i++) {
		double t = (double)(tick * AUD_FRAME + i) / AUD_SRATE;
		double f = 300 + 40 * stream % 500 + 80 * sin(2 * M_PI * 3 * t);

		pcm[i] = sine ? (int16_t)(8000 * sin(2 * M_PI * 440 * t)) :
			(int16_t)(6000 * sin(2 * M_PI * f * t) +
				  (rand() % 600 - 300));
	}
}


/* One run: streams x seconds through ring and recorder thread; paced:
 * 20 ms ticks in real time.  Returns the recorder thread's CPU seconds
 * (the process's less the feeding thread's), *drops. */
static double rec_run(const char *dir, unsigned streams, unsigned seconds,
		      bool paced, bool sine, uint64_t *drops)
{
	static int16_t pcm[64][AUD_FRAME];
	struct rec_ring ring;
	struct rec_thr *thr;
	unsigned ticks = seconds * 50, s;
	double c0, m0, t0 = now_s(CLOCK_MONOTONIC);
	char id[32];

	if (rec_ring_init(&ring, REC_RING) ||
	    rec_thr_start(&thr, dir, 0, &ring, out_h, NULL)) {
		fprintf(stderr, "bench_record: cannot start the recorder\n");
		exit(1);
	}
	/* 64 consecutive frames, replayed: the sine stays continuous */
	for (s = 0; s < 64; s++)
		signal_make(pcm[s], sine ? 0 : s, s, sine);

	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	m0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	for (uint64_t k = 1; k <= ticks; k++) {
		for (s = 0; s < streams; s++) {
			re_snprintf(id, sizeof(id), "bench:s%u", s);
			while (!rec_ring_put(&ring, id, 0, k, pcm[(s + k) % 64])) {
				if (paced)
					break;    /* counted as a drop */
				atomic_fetch_sub(&ring.dropped, 1);
				(void)sched_yield();
			}
		}
		if (paced) {
			double due = t0 + (double)k * 0.020;
			double wait = due - now_s(CLOCK_MONOTONIC);

			if (wait > 0)
				(void)usleep((useconds_t)(wait * 1e6));
		}
	}
	/* the feeder's own CPU (copies, yields while the ring is full) is
	 * not the recorder's: only the recorder thread counts */
	m0 = now_s(CLOCK_THREAD_CPUTIME_ID) - m0;
	/* stop drains the ring and closes (fsync) every file */
	rec_thr_stop(thr);
	*drops = atomic_load(&ring.dropped);
	rec_ring_free(&ring);

	return now_s(CLOCK_PROCESS_CPUTIME_ID) - c0 - m0;
}


static double tap_ns(void)
{
	static int16_t pcm[AUD_FRAME];
	struct rec_ring ring;
	double t0;

	(void)rec_ring_init(&ring, REC_RING);
	t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	for (unsigned i = 0; i < TAP_N; i++) {
		pcm[0] = (int16_t)i;
		(void)rec_ring_put(&ring, "esn:tg-lambeth-ops", 0, i, pcm);
		rec_ring_pop(&ring);      /* keep it from filling */
	}
	t0 = now_s(CLOCK_THREAD_CPUTIME_ID) - t0;
	rec_ring_free(&ring);

	return t0 * 1e9 / TAP_N;
}


static double mix_ns(void)
{
	static int16_t pcm[AUD_FRAME];
	static int32_t acc[AUD_FRAME];
	double t0 = now_s(CLOCK_THREAD_CPUTIME_ID);

	for (unsigned i = 0; i < TAP_N; i++) {
		pcm[i % AUD_FRAME] = (int16_t)i;
		mix_add(acc, pcm, AUD_FRAME, 30000);
	}
	t0 = now_s(CLOCK_THREAD_CPUTIME_ID) - t0;

	return t0 * 1e9 / TAP_N + (acc[7] & 0) * 1.0;
}


/* A child's CPU seconds (0 exit expected), -1 when it failed */
static double child_cpu(pid_t pid)
{
	struct rusage ru;
	int st;

	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		return -1;

	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}


/* FFmpeg's CPU seconds to encode FF_SECONDS of Ogg Opus as we do, into
 * <dir>/bench-ffmpeg.opus (kept for the replay figures) */
static double ffmpeg_cpu(const char *dir)
{
	char src[64], out[600];
	pid_t pid;

	re_snprintf(src, sizeof(src), "sine=frequency=440:duration=%u",
		    FF_SECONDS);
	re_snprintf(out, sizeof(out), "%s/bench-ffmpeg.opus", dir);
	pid = fork();
	if (pid == 0) {
		execlp("ffmpeg", "ffmpeg", "-v", "error", "-nostdin", "-y",
		       "-f", "lavfi", "-i", src, "-ar", "16000", "-ac", "1",
		       "-c:a", "libopus", "-b:a", "24k", "-application",
		       "voip", "-frame_duration", "20", out, (char *)NULL);
		_exit(127);
	}
	return child_cpu(pid);
}


/* Replay: what the replay worker does with that file (decode to 16 kHz,
 * write the WAV), its thread's CPU seconds; anchor (*ffp): ffmpeg
 * decoding the same file to 16 kHz PCM */
static double replay_cpu(const char *dir, double *ffp)
{
	char in[600], wav[600];
	int16_t *pcm = NULL;
	size_t n = 0;
	double t0;
	pid_t pid;
	int err;

	re_snprintf(in, sizeof(in), "%s/bench-ffmpeg.opus", dir);
	re_snprintf(wav, sizeof(wav), "%s/bench-replay.wav", dir);
	t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	err = rec_decode_file(in, &pcm, &n);
	if (!err)
		err = rec_wav_write(wav, pcm, n);
	t0 = now_s(CLOCK_THREAD_CPUTIME_ID) - t0;
	free(pcm);
	(void)unlink(wav);

	pid = fork();
	if (pid == 0) {
		execlp("ffmpeg", "ffmpeg", "-v", "error", "-nostdin", "-y",
		       "-i", in, "-f", "s16le", "-ar", "16000", "-ac", "1",
		       "/dev/null", (char *)NULL);
		_exit(127);
	}
	*ffp = child_cpu(pid);
	return err ? -1 : t0;
}


int main(int argc, char *argv[])
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	unsigned streams = argc > 2 ? (unsigned)atoi(argv[2]) : 64;
	unsigned seconds = argc > 3 ? (unsigned)atoi(argv[3]) : 20;
	double cpu[RUNS], sp[RUNS], ff[RUNS], tap[RUNS], mix[RUNS];
	double rp[RUNS], rpff[RUNS];
	char dir[512];
	uint64_t drops = 0, pdrops = 0;
	double pcpu;

	if (!streams || streams > 4096 || !seconds) {
		fprintf(stderr, "usage: bench_record [DIR] [STREAMS] "
			"[SECONDS]\n");
		return 2;
	}
	re_snprintf(dir, sizeof(dir), "%s/bench-record-%d", base, getpid());
	if (mkdir(dir, 0700)) {
		perror(dir);
		return 1;
	}

	for (unsigned r = 0; r < RUNS; r++) {
		uint64_t d;

		cpu[r] = rec_run(dir, streams, seconds, false, true, &d);
		sp[r] = rec_run(dir, streams, seconds, false, false, &d);
		drops += d;
		ff[r] = ffmpeg_cpu(dir);
		rp[r] = replay_cpu(dir, &rpff[r]);
		tap[r] = tap_ns();
		mix[r] = mix_ns();
	}
	pcpu = rec_run(dir, streams, seconds, true, false, &pdrops);

	printf("recording: %u streams x %u s into %s, Ogg Opus 24 kbit/s, "
	       "SHA-256, fsync\n", streams, seconds, base);
	printf("  ours, a 440 Hz sine: %.0f streams per core in real time "
	       "(median of %d, %.2f ms CPU per stream-second)\n",
	       streams * seconds / median(cpu, RUNS), RUNS,
	       median(cpu, RUNS) * 1000.0 / (streams * seconds));
	printf("  anchor: ffmpeg libopus to Ogg, the same sine and "
	       "settings: %.0f streams per core\n",
	       FF_SECONDS / median(ff, RUNS));
	printf("  ours, speech-like (warble + noise): %.0f streams per core"
	       "\n", streams * seconds / median(sp, RUNS));
	printf("  paced in real time, %u streams for %u s: %llu frames "
	       "dropped, %.0f %% of a core\n", streams, seconds,
	       (unsigned long long)pdrops, pcpu * 100.0 / seconds);
	printf("replay worker: %u s of Ogg Opus decoded to a 16 kHz WAV in "
	       "%.0f ms CPU (%.0fx real time, median of %d)\n", FF_SECONDS,
	       median(rp, RUNS) * 1000.0, FF_SECONDS / median(rp, RUNS),
	       RUNS);
	printf("  anchor: ffmpeg decoding the same file to 16 kHz PCM: "
	       "%.0f ms CPU\n", median(rpff, RUNS) * 1000.0);
	printf("tap on the media thread: %.0f ns per frame handed over "
	       "(median of %d)\n", median(tap, RUNS), RUNS);
	printf("  anchor: mixing one frame into a position (mix_add): "
	       "%.0f ns\n", median(mix, RUNS));
	printf("  at %u streams: %.1f us of the 20 ms tick\n", streams,
	       median(tap, RUNS) * streams / 1000.0);

	/* the files written are the benchmark's own */
	{
		char cmd[600];

		re_snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "bench_record: cannot remove %s\n",
				dir);
	}
	(void)drops;
	return 0;
}
