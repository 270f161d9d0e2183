/**
 * @file rec_replay.c  The replay worker: recordings to one WAV, off the
 *                     main loop
 *
 * Decoding an hour of Ogg Opus takes seconds; on the main loop that
 * would stall every console's requests and events meanwhile.  So a
 * replay is a job: the main loop hands the worker the files (copied, no
 * JSON crosses threads), the worker decodes them into one WAV under
 * <recording dir>/.replay and hands the job back through a libre
 * mqueue; the main loop then plays it.  A thread of its own, not the
 * recorder's: a long decode must not hold up writing live recordings.
 * The lists own the jobs, so nothing is lost in the pipe: jobs not yet
 * delivered at shutdown are dropped without a call (their owners are
 * going too).
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "core/log.h"
#include "record/rec.h"
#include "record/rec_int.h"

#define MOD "record"

enum {
	REPLAY_KEEP_S = 3600,   /* replay copies older than this go     */
	REPLAY_QUEUE = 16,      /* jobs waiting at most                 */
	REPLAY_MAX = 20,        /* recordings in one job                */
};

struct clip {
	char path[1024];
	int64_t start_ms;
};

struct job {
	struct le le;
	struct clip clips[REPLAY_MAX];  /* oldest first                 */
	size_t n;
	bool mix;
	char wav[1024];
	int err;
	rec_replay_h *h;
	void *arg;                      /* referenced until delivered   */
};

struct rec_replay {
	char dir[1024];                 /* <recording dir>/.replay      */
	pthread_t thread;
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct list todo, done;         /* struct job, guarded by mtx   */
	unsigned waiting;
	bool run;
	struct mqueue *mq;
	unsigned seq;
};


static void job_destructor(void *data)
{
	struct job *j = data;

	mem_deref(j->arg);
}


/* ---- worker thread ---- */

/* Replay copies older than an hour go */
static void tidy(const char *dir)
{
	time_t now = time(NULL);
	struct dirent *de;
	char path[1300];
	struct stat sb;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		re_snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!stat(path, &sb) && now - sb.st_mtime > REPLAY_KEEP_S)
			(void)unlink(path);
	}
	(void)closedir(d);
}


/* Put k samples at sample offset at of *all (grown, zero-filled): added
 * with saturation (mix) or copied */
static int pcm_place(int16_t **all, size_t *n, size_t at,
		     const int16_t *pcm, size_t k, bool mix)
{
	int16_t *np;

	if (at + k > *n) {
		np = realloc(*all, (at + k) * sizeof(*np));
		if (!np)
			return ENOMEM;
		memset(np + *n, 0, (at + k - *n) * sizeof(*np));
		*all = np;
		*n = at + k;
	}
	for (size_t i = 0; i < k; i++) {
		int32_t v = mix ? (int32_t)(*all)[at + i] + pcm[i] : pcm[i];

		(*all)[at + i] = (int16_t)(v > 32767 ? 32767 :
					   v < -32768 ? -32768 : v);
	}
	return 0;
}


/* One after the other, or mixed on their own timeline from the first */
static int job_run(struct job *j)
{
	int64_t t0 = j->clips[0].start_ms;
	int16_t *all = NULL;
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; !err && i < j->n; i++) {
		int64_t dt = j->clips[i].start_ms - t0;
		int16_t *pcm;
		size_t k;

		err = rec_decode_file(j->clips[i].path, &pcm, &k);
		if (err)
			break;
		err = pcm_place(&all, &n, j->mix ? (size_t)(dt > 0 ? dt : 0) *
				(REC_RATE / 1000) : n, pcm, k, j->mix);
		free(pcm);
	}

	if (!err)
		err = n ? rec_wav_write(j->wav, all, n) : ENODATA;
	free(all);
	return err;
}


static void *worker_main(void *arg)
{
	struct rec_replay *rp = arg;

	pthread_mutex_lock(&rp->mtx);
	while (rp->run) {
		struct le *le = list_head(&rp->todo);
		struct job *j;

		if (!le) {
			pthread_cond_wait(&rp->cond, &rp->mtx);
			continue;
		}
		list_unlink(le);
		pthread_mutex_unlock(&rp->mtx);

		j = le->data;
		tidy(rp->dir);
		j->err = job_run(j);

		pthread_mutex_lock(&rp->mtx);
		list_append(&rp->done, &j->le, j);
		(void)mqueue_push(rp->mq, 0, NULL);
	}
	pthread_mutex_unlock(&rp->mtx);

	return NULL;
}


/* ---- main thread ---- */

static void mq_handler(int id, void *data, void *arg)
{
	struct rec_replay *rp = arg;
	struct list ready = LIST_INIT;
	struct le *le;

	(void)id;
	(void)data;

	pthread_mutex_lock(&rp->mtx);
	while ((le = list_head(&rp->done))) {
		list_unlink(le);
		list_append(&ready, le, le->data);
		--rp->waiting;
	}
	pthread_mutex_unlock(&rp->mtx);

	while ((le = list_head(&ready))) {
		struct job *j = le->data;

		list_unlink(le);
		if (j->err)
			log_warn(MOD, "replay %s: %m", j->wav, j->err);
		j->h(j->err, j->wav, j->arg);
		mem_deref(j);
	}
}


static void destructor(void *data)
{
	struct rec_replay *rp = data;

	if (rp->mq) {
		pthread_mutex_lock(&rp->mtx);
		rp->run = false;
		pthread_cond_broadcast(&rp->cond);
		pthread_mutex_unlock(&rp->mtx);
		(void)pthread_join(rp->thread, NULL);
	}
	list_flush(&rp->todo);
	list_flush(&rp->done);
	mem_deref(rp->mq);
	pthread_cond_destroy(&rp->cond);
	pthread_mutex_destroy(&rp->mtx);
}


int rec_replay_alloc(struct rec_replay **rpp, const char *recdir)
{
	struct rec_replay *rp;
	struct mqueue *mq = NULL;
	int err;

	rp = mem_zalloc(sizeof(*rp), destructor);
	if (!rp)
		return ENOMEM;

	pthread_mutex_init(&rp->mtx, NULL);
	pthread_cond_init(&rp->cond, NULL);
	re_snprintf(rp->dir, sizeof(rp->dir), "%s/.replay", recdir);
	rp->run = true;

	err = mqueue_alloc(&mq, mq_handler, rp);
	if (!err)
		err = pthread_create(&rp->thread, NULL, worker_main, rp);
	if (err) {
		mem_deref(mq);
		mem_deref(rp);
		return err;
	}
	rp->mq = mq;   /* set once the thread runs: the destructor joins */

	*rpp = rp;
	return 0;
}


static int job_fill(struct job *j, const char *recdir, const json_t *rows)
{
	size_t i = json_array_size(rows);

	if (!i)
		return ENODATA;
	if (i > REPLAY_MAX)
		return E2BIG;

	/* rows come newest first, as searched */
	while (i-- > 0) {
		const json_t *v = json_array_get(rows, i);
		const char *file = json_string_value(json_object_get(v,
								     "file"));
		struct clip *c = &j->clips[j->n++];

		if (!file || strstr(file, ".."))
			return EINVAL;
		re_snprintf(c->path, sizeof(c->path), "%s/%s", recdir, file);
		/* found now, not later in the worker: "no such recording"
		 * is the requester's answer */
		if (access(c->path, R_OK))
			return errno;
		c->start_ms = json_integer_value(json_object_get(v, "start"));
	}
	return 0;
}


int rec_replay_start(struct rec_replay *rp, const char *recdir,
		     const json_t *rows, bool mix, const char *tag,
		     void (*h)(int err, const char *wav, void *arg),
		     void *arg)
{
	struct job *j;
	int err;

	if (!rp || !rows || !tag || !h)
		return EINVAL;

	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;

	err = job_fill(j, recdir, rows);
	if (err)
		goto out;
	(void)mkdir(rp->dir, 0750);
	j->mix = mix;
	j->h = h;
	re_snprintf(j->wav, sizeof(j->wav), "%s/%s-%ld-%u.wav", rp->dir, tag,
		    (long)time(NULL), ++rp->seq);

	pthread_mutex_lock(&rp->mtx);
	if (rp->waiting >= REPLAY_QUEUE) {
		err = EBUSY;
	}
	else {
		++rp->waiting;
		j->arg = mem_ref(arg);
		list_append(&rp->todo, &j->le, j);
		pthread_cond_signal(&rp->cond);
	}
	pthread_mutex_unlock(&rp->mtx);

 out:
	if (err)
		mem_deref(j);
	return err;
}
