/**
 * @file relay_load.c  RTP traffic for bench/relay: N two-way G.711 calls
 *
 * Usage: relay_load N WARMUP_S WINDOW_S RELAY_PID
 *
 * Binds 2N UDP sockets on 127.0.0.1 (an "a" and a "b" side per call) and
 * prints one line per call: "<a port> <b port>".  Then reads one line per
 * call from stdin: "<port a sends to> <port b sends to>" on 127.0.0.1.
 * Each socket sends 50 packets/s (PCMU, 160 bytes, 20 ms), the sockets
 * spread over the 20 ms so the relay sees a steady stream; whatever
 * arrives on b came from a through the relay, and the other way round.
 *
 * Which packet arrived: each packet's audio is one constant level out of
 * LEVELS, chosen by its sequence number, so the relay may decode, resample
 * and re-encode (ours does) or forward untouched (rtpengine does) and the
 * receiver still knows which send time to subtract.  LEVELS x 20 ms is
 * longer than any delay a working relay adds.
 *
 * After WARMUP_S, for WINDOW_S: the relay's CPU time from /proc/PID/stat
 * (all its threads), the packets relayed and their delays.  Prints one
 * JSON object.  Send and arrival times are CLOCK_MONOTONIC in user space,
 * so the delay includes both ends' system calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

enum {
	CALLS_MAX = 1000,
	PTIME_MS  = 20,
	PAYLOAD   = 160,
	LEVELS    = 32,
	STEP      = 1800,     /* linear distance between levels         */
	DELAYS_MAX = 4000000,
};

struct side {
	int fd;
	struct sockaddr_in dst;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint64_t sent_ns[LEVELS];   /* by level: when it left            */
};

static struct side *sidev;
static unsigned nside;
static atomic_bool measuring, stop;
static atomic_ullong tx_pkts;
static uint64_t rx_pkts, rx_unmatched;
static float *delays;
static size_t ndelays;


static uint64_t now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);

	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


/* G.711 u-law (ITU-T G.711) */
static uint8_t ulaw_enc(int s)
{
	int sign = (s >> 8) & 0x80, exp = 7, mant, mask;

	if (sign)
		s = -s;
	if (s > 32635)
		s = 32635;
	s += 0x84;
	for (mask = 0x4000; !(s & mask) && exp > 0; mask >>= 1)
		exp--;
	mant = (s >> (exp + 3)) & 0x0f;

	return (uint8_t)~(sign | (exp << 4) | mant);
}


static int ulaw_dec(uint8_t u)
{
	int sign, exp, mant, s;

	u = (uint8_t)~u;
	sign = u & 0x80;
	exp = (u >> 4) & 7;
	mant = u & 0x0f;
	s = (((mant << 3) + 0x84) << exp) - 0x84;

	return sign ? -s : s;
}


static int level(unsigned k)
{
	return ((int)k - LEVELS / 2) * STEP;
}


static void send_one(struct side *s)
{
	uint8_t b[12 + PAYLOAD];
	unsigned k = s->seq % LEVELS;

	b[0] = 0x80;
	b[1] = 0;                       /* PT 0, PCMU */
	b[2] = (uint8_t)(s->seq >> 8);
	b[3] = (uint8_t)s->seq;
	b[4] = (uint8_t)(s->ts >> 24);
	b[5] = (uint8_t)(s->ts >> 16);
	b[6] = (uint8_t)(s->ts >> 8);
	b[7] = (uint8_t)s->ts;
	b[8] = (uint8_t)(s->ssrc >> 24);
	b[9] = (uint8_t)(s->ssrc >> 16);
	b[10] = (uint8_t)(s->ssrc >> 8);
	b[11] = (uint8_t)s->ssrc;
	memset(b + 12, ulaw_enc(level(k)), PAYLOAD);

	s->sent_ns[k] = now_ns();
	if (sendto(s->fd, b, sizeof(b), 0, (struct sockaddr *)&s->dst,
		   sizeof(s->dst)) == (ssize_t)sizeof(b))
		atomic_fetch_add(&tx_pkts, 1);

	++s->seq;
	s->ts += PAYLOAD;
}


/* 1 ms slots: side i sends in slot i % 20 of every 20 ms */
static void *sender(void *arg)
{
	struct timespec t;
	unsigned slot = 0, i;

	(void)arg;
	(void)clock_gettime(CLOCK_MONOTONIC, &t);

	while (!atomic_load(&stop)) {
		for (i = slot; i < nside; i += PTIME_MS)
			send_one(&sidev[i]);

		slot = (slot + 1) % PTIME_MS;
		t.tv_nsec += 1000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_nsec -= 1000000000;
			++t.tv_sec;
		}
		(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t,
				      NULL);
	}

	return NULL;
}


static void received(struct side *from, const uint8_t *b, ssize_t len,
		     uint64_t t)
{
	int v, k;

	if (len < 12 + 81 || (b[0] >> 6) != 2)
		return;

	if (!atomic_load(&measuring))
		return;

	++rx_pkts;

	/* the middle of the frame: clear of any resampler's edge */
	v = ulaw_dec(b[12 + (len - 12) / 2]);
	k = (v + LEVELS / 2 * STEP + STEP / 2) / STEP;
	if (k < 0 || k >= LEVELS || abs(v - level((unsigned)k)) > STEP / 3 ||
	    !from->sent_ns[k] || t < from->sent_ns[k]) {
		++rx_unmatched;
		return;
	}

	if (ndelays < DELAYS_MAX)
		delays[ndelays++] = (float)((t - from->sent_ns[k]) / 1e6);
}


static void *receiver(void *arg)
{
	int ep = *(int *)arg;
	struct epoll_event evv[64];
	uint8_t b[2048];
	int n, i;

	while (!atomic_load(&stop)) {
		n = epoll_wait(ep, evv, 64, 50);
		for (i = 0; i < n; i++) {
			unsigned idx = evv[i].data.u32;
			ssize_t len;

			while ((len = recv(sidev[idx].fd, b, sizeof(b),
					   MSG_DONTWAIT)) > 0) {
				/* a's audio arrives on b and b's on a */
				received(&sidev[idx ^ 1], b, len, now_ns());
			}
		}
	}

	return NULL;
}


static int sides_open(int ep)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	unsigned i;

	for (i = 0; i < nside; i++) {
		struct epoll_event ev = {.events = EPOLLIN};
		struct side *s = &sidev[i];
		int rcv = 1 << 20;

		s->fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (s->fd < 0)
			return errno;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv,
				 sizeof(rcv));
		if (bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    getsockname(s->fd, (struct sockaddr *)&sin, &sl))
			return errno;

		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev))
			return errno;

		s->seq = (uint16_t)(i * 7919);
		s->ts = i * 104729u;
		s->ssrc = 0x10000000u + i;
		if (i & 1)
			(void)printf(" %u\n", ntohs(sin.sin_port));
		else
			(void)printf("%u", ntohs(sin.sin_port));
	}

	(void)fflush(stdout);

	return 0;
}


static int dsts_read(void)
{
	unsigned i, pa, pb;

	for (i = 0; i < nside; i += 2) {
		if (scanf("%u %u", &pa, &pb) != 2 || !pa || !pb ||
		    pa > 65535 || pb > 65535)
			return EINVAL;

		sidev[i].dst.sin_family = AF_INET;
		sidev[i].dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sidev[i].dst.sin_port = htons((uint16_t)pa);
		sidev[i + 1].dst = sidev[i].dst;
		sidev[i + 1].dst.sin_port = htons((uint16_t)pb);
	}

	return 0;
}


/* utime + stime of every thread of pid, in seconds */
static double cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = 0;

	/* the command name may hold spaces: fields count from its ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			 "%*u %lu %lu", &ut, &st) != 2)
		return -1;

	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}


static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}


static double pct(double p)
{
	size_t i;

	if (!ndelays)
		return -1;
	i = (size_t)(p / 100.0 * (double)(ndelays - 1) + 0.5);

	return delays[i];
}


static void report(unsigned calls, double window, double cpu,
		   uint64_t tx)
{
	double per_pkt = rx_pkts ? cpu * 1e6 / (double)rx_pkts : -1;

	qsort(delays, ndelays, sizeof(delays[0]), cmp_float);
	(void)printf("{\"calls\": %u, \"window_s\": %.2f, \"sent\": %llu, "
		     "\"relayed\": %llu, \"unmatched\": %llu, "
		     "\"cpu_s\": %.3f, \"cpu_us_per_pkt\": %.2f, "
		     "\"core_pct\": %.2f, \"core_pct_per_call\": %.4f, "
		     "\"delay_ms\": {\"p50\": %.3f, \"p99\": %.3f, "
		     "\"max\": %.3f, \"n\": %zu}}\n",
		     calls, window, (unsigned long long)tx,
		     (unsigned long long)rx_pkts,
		     (unsigned long long)rx_unmatched, cpu, per_pkt,
		     100.0 * cpu / window, 100.0 * cpu / window / calls,
		     pct(50), pct(99), pct(100), ndelays);
}


int main(int argc, char *argv[])
{
	pthread_t ts, tr;
	struct timespec w;
	double warm, window, c0, c1, t0, t1;
	uint64_t tx0, tx1;
	unsigned calls;
	int ep, pid, err;

	if (argc != 5) {
		(void)fprintf(stderr, "usage: relay_load N WARMUP_S WINDOW_S "
			      "RELAY_PID\n");
		return 2;
	}

	calls = (unsigned)atoi(argv[1]);
	warm = atof(argv[2]);
	window = atof(argv[3]);
	pid = atoi(argv[4]);
	if (!calls || calls > CALLS_MAX || window <= 0 || pid <= 0)
		return 2;

	nside = 2 * calls;
	sidev = calloc(nside, sizeof(*sidev));
	delays = calloc(DELAYS_MAX, sizeof(*delays));
	ep = epoll_create1(0);
	if (!sidev || !delays || ep < 0)
		return 1;

	err = sides_open(ep);
	if (!err)
		err = dsts_read();
	if (err) {
		(void)fprintf(stderr, "relay_load: %s\n", strerror(err));
		return 1;
	}

	if (pthread_create(&tr, NULL, receiver, &ep) ||
	    pthread_create(&ts, NULL, sender, NULL))
		return 1;

	w.tv_sec = (time_t)warm;
	w.tv_nsec = (long)((warm - (double)w.tv_sec) * 1e9);
	(void)nanosleep(&w, NULL);

	c0 = cpu_s(pid);
	tx0 = atomic_load(&tx_pkts);
	t0 = (double)now_ns() / 1e9;
	atomic_store(&measuring, true);

	w.tv_sec = (time_t)window;
	w.tv_nsec = (long)((window - (double)w.tv_sec) * 1e9);
	(void)nanosleep(&w, NULL);

	c1 = cpu_s(pid);
	tx1 = atomic_load(&tx_pkts);
	t1 = (double)now_ns() / 1e9;
	atomic_store(&measuring, false);
	atomic_store(&stop, true);
	(void)pthread_join(ts, NULL);
	(void)pthread_join(tr, NULL);

	if (c0 < 0 || c1 < 0) {
		(void)fprintf(stderr, "relay_load: cannot read /proc/%d/stat\n",
			      pid);
		return 1;
	}

	report(calls, t1 - t0, c1 - c0, tx1 - tx0);

	return 0;
}
