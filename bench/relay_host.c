/**
 * @file relay_host.c  The media engine as a bare RTP relay, for bench/relay
 *
 * Usage: relay_host N BASE_PORT
 *
 * Hosts N two-way calls: for call i, streams a<i> on BASE_PORT + 4i and
 * b<i> on BASE_PORT + 4i + 2 (RTCP on the odd neighbours), G.711 u-law,
 * patched a->b and b->a.  Remotes are learnt from the first packet
 * (symmetric RTP), so the load generator decides where audio goes.
 * Prints "ready" once every command has been queued, runs until SIGINT or
 * SIGTERM, then prints the media thread's tick statistics on stderr.
 *
 * It is a separate process so /proc/PID/stat charges it, and only it,
 * with the relay's CPU.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "media/codec.h"
#include "media/jb.h"
#include "media/mix.h"
#include "media/media.h"
#include "media/media_int.h"

enum { CALLS_MAX = 1000 };


static void signal_h(int sig)
{
	(void)sig;
	re_cancel();
}


/* The command queue is bounded: wait for the media thread to catch up */
static int retry(int err_first, int (*again)(void *), void *arg)
{
	int err = err_first, n;

	for (n = 0; err == ENOSPC && n < 5000; n++) {
		(void)usleep(1000);
		err = again(arg);
	}

	return err;
}


struct add_arg {
	struct media *m;
	struct media_stream_cfg cfg;
};


static int add_again(void *arg)
{
	struct add_arg *a = arg;

	return media_stream_add(a->m, &a->cfg);
}


struct patch_arg {
	struct media *m;
	const char *src, *dst;
};


static int patch_again(void *arg)
{
	struct patch_arg *p = arg;

	return media_patch(p->m, p->src, p->dst, true);
}


static int stream_add(struct media *m, const char *id, uint16_t port)
{
	struct add_arg a;
	struct sa local;

	memset(&a, 0, sizeof(a));
	a.m = m;
	sa_set_str(&local, "127.0.0.1", port);
	str_ncpy(a.cfg.id, id, sizeof(a.cfg.id));
	a.cfg.local = &local;
	a.cfg.codec = "PCMU";

	return retry(add_again(&a), add_again, &a);
}


static int patch(struct media *m, const char *src, const char *dst)
{
	struct patch_arg p = {m, src, dst};

	return retry(patch_again(&p), patch_again, &p);
}


static int calls_add(struct media *m, unsigned n, unsigned base)
{
	char a[16], b[16];
	unsigned i;
	int err;

	for (i = 0; i < n; i++) {
		(void)re_snprintf(a, sizeof(a), "a%u", i);
		(void)re_snprintf(b, sizeof(b), "b%u", i);
		err  = stream_add(m, a, (uint16_t)(base + 4 * i));
		err |= stream_add(m, b, (uint16_t)(base + 4 * i + 2));
		err |= patch(m, a, b);
		err |= patch(m, b, a);
		if (err)
			return err;
	}

	return 0;
}


int main(int argc, char *argv[])
{
	struct rlimit rl;
	struct media *m = NULL;
	unsigned n, base;
	uint64_t ticks, overruns;
	double avg_us, max_us;
	int err;

	if (argc != 3) {
		(void)fprintf(stderr, "usage: relay_host N BASE_PORT\n");
		return 2;
	}

	n = (unsigned)atoi(argv[1]);
	base = (unsigned)atoi(argv[2]);
	if (!n || n > CALLS_MAX || base < 1024 || base + 4 * n > 65535 ||
	    base & 1) {
		(void)fprintf(stderr, "relay_host: bad N or BASE_PORT\n");
		return 2;
	}

	/* 4 sockets per call */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	err = libre_init();
	if (err)
		goto out;

	err = media_alloc(&m, NULL, NULL);
	if (!err)
		err = calls_add(m, n, base);
	if (err)
		goto out;

	(void)printf("ready\n");
	(void)fflush(stdout);

	err = re_main(signal_h);

	media_tick_info(m, &ticks, &avg_us, &max_us, &overruns);
	(void)fprintf(stderr, "relay_host: %llu ticks, %.1f us avg, %.1f us "
		      "max CPU per tick, %llu skipped\n",
		      (unsigned long long)ticks, avg_us, max_us,
		      (unsigned long long)overruns);
 out:
	if (err)
		(void)fprintf(stderr, "relay_host: %s\n", strerror(err));
	mem_deref(m);
	libre_close();

	return err ? 1 : 0;
}
