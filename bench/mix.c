/**
 * @file mix.c  bench_mix: how many positions one core mixes in real time
 *
 * Usage: bench_mix [POSITIONS] [TICKS]   (defaults 500, 1000)
 *
 * Each tick every position does what mpos_mix does: 8 talkgroup frames
 * (4 to the headset, 4 to the speaker, each with its own volume) summed
 * with mix_add, saturated with mix_clip, interleaved with mix_interleave.
 * All 8 sources are active and different, every tick.  CPU time per
 * position-tick gives the positions one core mixes within the 20 ms
 * tick.  Five runs, the median printed.
 *
 * Anchor, same run: FFmpeg mixing 8 sine sources at 16 kHz with
 * amix=inputs=8 into the null muxer, the child's CPU time from wait4;
 * expressed the same way, mixes of 8 per core in real time.  Its CPU
 * includes generating the 8 sines (cheap, table driven) and startup,
 * amortised over FF_SECONDS of audio.
 */
#include <re.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "media/codec.h"
#include "media/mix.h"

enum { TGS = 8, SRCS = 64, RUNS = 5, FF_SECONDS = 600 };

static int16_t srcv[SRCS][AUD_FRAME];


static double cpu_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* One position's tick, as mpos_mix builds it */
static uint32_t pos_mix(unsigned pos, unsigned tick, const int32_t *gain)
{
	int32_t acc[2][AUD_FRAME];
	int16_t out[2][AUD_FRAME];
	int16_t stereo[2 * AUD_FRAME];
	unsigned k;

	memset(acc, 0, sizeof(acc));
	for (k = 0; k < TGS; k++) {
		const int16_t *src = srcv[(pos * 7 + k + tick) % SRCS];

		mix_add(acc[k & 1], src, AUD_FRAME, gain[k]);
	}

	mix_clip(out[0], acc[0], AUD_FRAME);
	mix_clip(out[1], acc[1], AUD_FRAME);
	mix_interleave(stereo, out[0], out[1], AUD_FRAME);

	/* used, so the compiler keeps the work */
	return (uint16_t)stereo[pos % (2 * AUD_FRAME)];
}


static double run_ours(unsigned npos, unsigned ticks, uint32_t *sink)
{
	int32_t gain[TGS];
	unsigned t, p, k;
	double t0;

	for (k = 0; k < TGS; k++)
		gain[k] = mix_gain(k == 0 ? 100 : 60 + 5 * k);

	t0 = cpu_s();
	for (t = 0; t < ticks; t++) {
		for (p = 0; p < npos; p++)
			*sink += pos_mix(p, t, gain);
	}

	return (cpu_s() - t0) / ((double)npos * ticks);
}


/* CPU seconds (user + system) of one ffmpeg run, or -1 */
static double run_ffmpeg(void)
{
	char *argv[64];
	char srcs[TGS][96];
	struct rusage ru;
	int argc = 0, st, k;
	pid_t pid;

	argv[argc++] = "ffmpeg";
	argv[argc++] = "-nostdin";
	argv[argc++] = "-hide_banner";
	argv[argc++] = "-loglevel";
	argv[argc++] = "error";
	for (k = 0; k < TGS; k++) {
		(void)snprintf(srcs[k], sizeof(srcs[k]), "sine=frequency=%d:"
			       "sample_rate=16000:duration=%d",
			       300 + 110 * k, FF_SECONDS);
		argv[argc++] = "-f";
		argv[argc++] = "lavfi";
		argv[argc++] = "-i";
		argv[argc++] = srcs[k];
	}
	argv[argc++] = "-filter_complex";
	argv[argc++] = "amix=inputs=8";
	argv[argc++] = "-f";
	argv[argc++] = "null";
	argv[argc++] = "-";
	argv[argc] = NULL;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		(void)execvp("ffmpeg", argv);
		_exit(127);
	}

	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		return -1;

	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}


static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}


static void sources_init(void)
{
	unsigned s, i;

	/* loud, different tones: sums overflow int16 and must clip */
	for (s = 0; s < SRCS; s++) {
		for (i = 0; i < AUD_FRAME; i++)
			srcv[s][i] = (int16_t)lrint(20000.0 *
				sin(2 * M_PI * (200 + 37 * s) * i / AUD_SRATE));
	}
}


int main(int argc, char *argv[])
{
	unsigned npos = argc > 1 ? (unsigned)atoi(argv[1]) : 500;
	unsigned ticks = argc > 2 ? (unsigned)atoi(argv[2]) : 1000;
	double ours[RUNS], ffm[RUNS], per, tick_s;
	uint32_t sink = 0;
	int r;

	if (!npos || !ticks)
		return 2;

	sources_init();
	tick_s = AUD_PTIME / 1000.0;
	(void)run_ours(npos, 50, &sink);     /* warm the caches */

	for (r = 0; r < RUNS; r++) {
		ours[r] = run_ours(npos, ticks, &sink);
		ffm[r] = run_ffmpeg();
		if (ffm[r] < 0) {
			(void)fprintf(stderr, "bench_mix: ffmpeg failed\n");
			return 1;
		}
	}

	qsort(ours, RUNS, sizeof(double), cmp_dbl);
	qsort(ffm, RUNS, sizeof(double), cmp_dbl);
	per = ours[RUNS / 2];

	(void)printf("mix: %u positions x %d talkgroups, %u ticks, median of "
		     "%d runs (checksum %u)\n", npos, TGS, ticks, RUNS, sink);
	(void)printf("  ours:   %.3f us CPU per position-tick -> %.0f "
		     "positions x 8 per core in real time (budget >= 500)\n",
		     per * 1e6, tick_s / per);
	(void)printf("  ffmpeg amix=inputs=8 at 16 kHz: %.2f s CPU for %d s "
		     "-> %.0f mixes of 8 per core in real time\n",
		     ffm[RUNS / 2], FF_SECONDS, FF_SECONDS / ffm[RUNS / 2]);
	(void)printf("  ours / ffmpeg: %.0fx\n",
		     (tick_s / per) / (FF_SECONDS / ffm[RUNS / 2]));

	return 0;
}
