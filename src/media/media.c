/**
 * @file media.c  The media engine: its thread, clock, commands and mixers
 *
 * The media thread runs its own libre loop (re_thread_init) so RTP
 * sockets, RTCP timers and the command queue all live on it, and nothing
 * in it ever waits for the main loop.  The clock is a CLOCK_MONOTONIC
 * timerfd: libre's tmr follows the wall clock, which an NTP step would
 * turn into a burst or a stall of audio.
 *
 * Towards the main loop the thread appends to a mutex-guarded FIFO and
 * wakes the main loop through a libre mqueue.  The FIFO, not the pipe,
 * owns the pending batches, so whatever the main loop has not collected
 * at shutdown is freed instead of being lost inside the pipe.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <sys/resource.h>
#include "media/codec.h"
#include "media/jb.h"
#include "media/mix.h"
#include "media/media.h"
#include "media/media_int.h"
#include "core/log.h"

static const char pos_prefix[] = "position:";
static const char tx_prefix[] = "tx:";   /* sent out on a stream */


uint64_t media_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);

	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


static uint64_t cpu_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);

	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


/* ---- media thread: lookups ---- */

struct mstream *media_stream_find(struct media_eng *e, const char *id)
{
	struct le *le;

	LIST_FOREACH(&e->streams, le) {
		struct mstream *s = le->data;

		if (!strcmp(s->id, id))
			return s;
	}

	return NULL;
}


/* ---- media thread: commands ---- */

static void cmd_stream_add(struct media_eng *e, const struct media_cmd *c)
{
	struct mstream *s;
	int err;

	if (media_stream_find(e, c->id)) {
		log_warn("media", "stream %s: already exists\n", c->id);
		return;
	}

	err = mstream_alloc(&s, c);
	if (err) {
		log_warn("media", "stream %s on %J: %m\n", c->id,
			 &c->u.add.local, err);
		return;
	}

	list_append(&e->streams, &s->le, s);
	mpos_routes_bind(e, s->id, s);
	mpatch_bind(e, s->id, s);
}


static void cmd_stream_remove(struct media_eng *e, const struct media_cmd *c)
{
	struct mstream *s = media_stream_find(e, c->id);

	if (!s)
		return;

	mpos_routes_bind(e, s->id, NULL);
	mpatch_bind(e, s->id, NULL);
	mem_deref(s);
}


static void cmd_play(struct media_eng *e, const struct media_cmd *c)
{
	const size_t plen = sizeof(pos_prefix) - 1;
	struct media_play prm = c->u.play.prm;
	struct list *owner = NULL;
	struct mplay *play;
	int err;

	prm.wav = c->u.play.wav[0] ? c->u.play.wav : NULL;

	if (!strncmp(c->id, pos_prefix, plen)) {
		struct mpos *p = media_pos_get(e, c->id + plen);
		owner = p ? &p->plays : NULL;
	}
	else if (!strncmp(c->id, tx_prefix, sizeof(tx_prefix) - 1)) {
		struct mstream *s = media_stream_find(e, c->id +
						      sizeof(tx_prefix) - 1);
		owner = s ? &s->txplays : NULL;
	}
	else {
		struct mstream *s = media_stream_find(e, c->id);
		owner = s ? &s->plays : NULL;
	}

	if (!owner) {
		log_warn("media", "play: no target %s\n", c->id);
		return;
	}

	err = mplay_alloc(&play, &prm, owner);
	if (err)
		log_warn("media", "play into %s: %m\n", c->id, err);
}


typedef void (cmd_h)(struct media_eng *e, const struct media_cmd *c);

static cmd_h * const cmd_tab[] = {
	[MCMD_STREAM_ADD]    = cmd_stream_add,
	[MCMD_STREAM_REMOVE] = cmd_stream_remove,
	[MCMD_POSITION]      = mpos_cmd_position,
	[MCMD_ROUTE]         = mpos_cmd_route,
	[MCMD_MUTE]          = mpos_cmd_mute,
	[MCMD_PTT]           = mpos_cmd_ptt,
	[MCMD_MIC]           = mpos_cmd_mic,
	[MCMD_PLAY]          = cmd_play,
	[MCMD_PATCH]         = mpatch_cmd,
};


static void cmdq_handler(int id, void *data, void *arg)
{
	struct media_eng *e = arg;
	struct media_cmd *c = data;

	/* the last command: everything pushed before it has been run */
	if (id == MCMD_STOP) {
		re_cancel();
		return;
	}

	if (c && (size_t)c->type < ARRAY_SIZE(cmd_tab) && cmd_tab[c->type])
		cmd_tab[c->type](e, c);

	mem_deref(c);
	atomic_fetch_sub(&e->m->ncmd, 1);
}


/* ---- media thread: the tick ---- */

static void out_destructor(void *arg)
{
	struct media_out *o = arg;

	json_decref(o->stats);
}


static void out_push(struct media *m, struct media_out *o)
{
	bool full;

	pthread_mutex_lock(&m->lock);
	full = m->outn >= MEDIA_OUT_MAX;
	if (!full) {
		list_append(&m->outl, &o->le, o);
		++m->outn;
	}
	pthread_mutex_unlock(&m->lock);

	if (full) {
		/* the main loop is stalled: drop rather than pile up */
		atomic_fetch_add(&m->out_dropped, 1);
		mem_deref(o);
		return;
	}

	(void)mqueue_push(m->mainq, 0, NULL);
}


static void frames_out(struct media_eng *e)
{
	struct media_out *o;
	struct le *le;
	size_t n = 0;

	if (!e->npos_active)
		return;

	o = mem_zalloc(sizeof(*o) + e->npos_active * sizeof(o->frames[0]),
		       out_destructor);
	if (!o)
		return;

	LIST_FOREACH(&e->positions, le) {
		struct mpos *p = le->data;

		if (p->active && n < e->npos_active)
			mpos_mix(p, &o->frames[n++]);
	}

	o->n = n;
	out_push(e->m, o);
}


static void stats_out(struct media_eng *e)
{
	struct media_out *o;
	struct le *le;

	o = mem_zalloc(sizeof(*o), out_destructor);
	if (!o)
		return;

	o->stats = json_object();
	LIST_FOREACH(&e->streams, le) {
		struct mstream *s = le->data;

		json_object_set_new(o->stats, s->id, mstream_stats(s));
	}

	out_push(e->m, o);
}


/* The recording tap: after the streams have received and sent */
static void taps_run(struct media_eng *e)
{
	media_tap_h *h = atomic_load_explicit(&e->m->taph,
					      memory_order_acquire);
	struct le *le;

	if (!h)
		return;

	LIST_FOREACH(&e->streams, le) {
		struct mstream *s = le->data;

		if (s->active)
			h(s->id, MEDIA_TAP_RX, e->tick, s->pcm, e->m->tap_arg);
		if (s->txon)
			h(s->id, MEDIA_TAP_TX, e->tick, s->txpcm,
			  e->m->tap_arg);
	}
}


static void tick(struct media_eng *e)
{
	struct media *m = e->m;
	uint64_t t0 = cpu_ns(), dt;
	struct le *le;

	LIST_FOREACH(&e->streams, le)
		mstream_tick_rx(le->data);

	LIST_FOREACH(&e->positions, le)
		mpos_mic(e, le->data);

	mpatch_mix(e);

	LIST_FOREACH(&e->streams, le)
		mstream_tick_tx(le->data);

	taps_run(e);
	frames_out(e);

	if (++e->tick % MEDIA_STATS_TICKS == 0)
		stats_out(e);

	dt = cpu_ns() - t0;
	atomic_fetch_add(&m->ticks, 1);
	atomic_fetch_add(&m->tick_ns_sum, dt);
	if (dt > atomic_load(&m->tick_ns_max))
		atomic_store(&m->tick_ns_max, dt);
}


static void timer_handler(int flags, void *arg)
{
	struct media_eng *e = arg;
	uint64_t exp = 0, n, i;

	if (read(e->tfd, &exp, sizeof(exp)) != sizeof(exp))
		return;

	/* after a stall run a few missed ticks, then resync to the clock */
	n = exp > MEDIA_CATCHUP ? MEDIA_CATCHUP : exp;
	if (exp > n)
		atomic_fetch_add(&e->m->overruns, exp - n);

	for (i = 0; i < n; i++)
		tick(e);
}


/* ---- media thread: life cycle ---- */

static void eng_destructor(void *arg)
{
	struct media_eng *e = arg;

	if (e->tfd >= 0) {
		fd_close(e->tfd);
		(void)close(e->tfd);
	}

	list_flush(&e->patches);
	list_flush(&e->streams);
	list_flush(&e->positions);
	e->m->cmdq = mem_deref(e->m->cmdq);
}


static int clock_start(struct media_eng *e)
{
	struct itimerspec its;

	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->tfd < 0)
		return errno;

	memset(&its, 0, sizeof(its));
	its.it_interval.tv_nsec = AUD_PTIME * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(e->tfd, 0, &its, NULL) < 0)
		return errno;

	return fd_listen(e->tfd, FD_READ, timer_handler, e);
}


static int eng_alloc(struct media_eng **ep, struct media *m)
{
	struct media_eng *e;
	int err;

	e = mem_zalloc(sizeof(*e), eng_destructor);
	if (!e)
		return ENOMEM;

	e->m = m;
	e->tfd = -1;

	err = mqueue_alloc(&m->cmdq, cmdq_handler, e);
	if (!err)
		err = clock_start(e);

	if (err)
		mem_deref(e);
	else
		*ep = e;

	return err;
}


static void *thread_main(void *arg)
{
	struct media *m = arg;
	struct media_eng *e = NULL;
	int err;

	err = re_thread_init();
	if (!err) {
		/* every RTP stream is two sockets: more than libre's default
		 * 1024 descriptors (main.c raised the process limit) */
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl))
			(void)fd_setsize(rl.rlim_cur < 65536 ?
					 (int)rl.rlim_cur : 65536);
		err = eng_alloc(&e, m);
	}

	pthread_mutex_lock(&m->lock);
	m->start_err = err;
	m->ready = true;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);

	if (!err)
		(void)re_main(NULL);

	mem_deref(e);
	re_thread_close();

	return NULL;
}


/* ---- main thread ---- */

static void mainq_handler(int id, void *data, void *arg)
{
	struct media *m = arg;

	for (;;) {
		struct media_out *o;
		struct le *le;

		pthread_mutex_lock(&m->lock);
		le = list_head(&m->outl);
		if (le) {
			list_unlink(le);
			--m->outn;
		}
		pthread_mutex_unlock(&m->lock);

		if (!le)
			break;

		o = le->data;
		if (o->stats) {
			json_decref(m->stats);
			m->stats = o->stats;
			o->stats = NULL;
		}
		else if (m->frameh) {
			m->frameh(o->frames, o->n, m->arg);
		}

		mem_deref(o);
	}
}


static void destructor(void *arg)
{
	struct media *m = arg;

	if (m->started) {
		/* bypasses the ENOSPC bound: shutdown must always get in */
		if (!mqueue_push(m->cmdq, MCMD_STOP, NULL))
			(void)pthread_join(m->thread, NULL);
		else
			log_error("media", "cannot stop the media thread\n");
	}

	mem_deref(m->mainq);
	list_flush(&m->outl);
	json_decref(m->stats);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
}


static int thread_start(struct media *m)
{
	int err;

	err = pthread_create(&m->thread, NULL, thread_main, m);
	if (err)
		return err;

	pthread_mutex_lock(&m->lock);
	while (!m->ready)
		pthread_cond_wait(&m->cond, &m->lock);
	err = m->start_err;
	pthread_mutex_unlock(&m->lock);

	if (err)
		(void)pthread_join(m->thread, NULL);
	else
		m->started = true;

	return err;
}


int media_alloc(struct media **mp, media_frames_h *h, void *arg)
{
	struct media *m;
	int err;

	if (!mp)
		return EINVAL;

	m = mem_zalloc(sizeof(*m), destructor);
	if (!m)
		return ENOMEM;

	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	m->frameh = h;
	m->arg = arg;

	err = mqueue_alloc(&m->mainq, mainq_handler, m);
	if (!err)
		err = thread_start(m);

	if (err)
		mem_deref(m);
	else
		*mp = m;

	return err;
}


void media_tap(struct media *m, media_tap_h *h, void *arg)
{
	if (!m)
		return;

	m->tap_arg = arg;
	atomic_store_explicit(&m->taph, h, memory_order_release);
}
