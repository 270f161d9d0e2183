/**
 * @file audit_writer.c  The audit trail's disk writer thread
 *
 * An append costs a transaction with synchronous=FULL and a new head file:
 * three or four fsyncs, 10-20 ms on a busy disk.  Done on the main loop
 * that delayed every console's events and audio, and a PTT press's Floor
 * Acknowledgement, by as much.  So iccsd appends here: the main loop
 * queues a copy of the entry and goes on; this thread commits whatever has
 * queued up in one transaction (one fsync for the batch) on its own SQLite
 * connection, and hands the committed batch back to the main loop (an
 * eventfd wakes it).
 *
 * "Acknowledged means audited" still holds: the API sends no reply while
 * an entry queued before it is not yet durable (audit_when_durable()), so
 * a kill -9 can only lose entries of actions nobody was told had
 * happened.  When the disk fails the batch is retried every second and
 * replies wait: fail closed, with an error in the log.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/store.h"
#include "core/audit.h"
#include "core/audit_int.h"

#define MOD "audit"

enum {
	BATCH_MAX   = 512,     /* entries per transaction               */
	QUEUE_MAX   = 20000,   /* beyond this audit_log() says ENOSPC    */
	RETRY_MS    = 1000,
	FLUSH_MS    = 10000,   /* audit_flush() gives up after this      */
};

/* A queued entry: the strings live in the same allocation */
struct qent {
	struct le le;
	struct audit_entry e;
	uint64_t ticket;
};

struct waiter {
	struct le le;
	uint64_t ticket;
	audit_durable_h *h;
	void *arg;
};

/* A committed batch on its way back to the main loop */
struct batch {
	struct le le;
	struct list ents;          /* struct qent                       */
	uint64_t last;             /* ticket of the newest entry        */
};

struct audit_writer {
	struct audit *a;           /* owner (not referenced)            */
	struct store *st;          /* this thread's own connection      */
	int efd;                   /* eventfd: batches are back         */
	pthread_t thr;
	bool running;

	pthread_mutex_t mtx;       /* guards the lists, queued, done, stop */
	pthread_cond_t more;       /* something queued, or stop         */
	pthread_cond_t idle;       /* done moved                        */
	struct list queue;
	unsigned queued;
	struct list back;          /* struct batch, committed           */
	uint64_t done;             /* newest ticket committed           */
	bool stop;

	/* main loop only */
	uint64_t enq;              /* newest ticket queued              */
	uint64_t told;             /* newest ticket the main loop knows */
	struct list waiters;
};


static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}


static const char *scopy(char **p, const char *s)
{
	size_t n = slen(s);
	char *d = *p;

	if (!s)
		return NULL;
	memcpy(d, s, n);
	*p += n;
	return d;
}


static struct qent *qent_alloc(const struct audit_entry *e)
{
	size_t n = slen(e->actor) + slen(e->position) + slen(e->action) +
		slen(e->object) + slen(e->result) + slen(e->detail);
	struct qent *q = mem_zalloc(sizeof(*q) + n, NULL);
	char *p;

	if (!q)
		return NULL;

	p = (char *)(q + 1);
	q->e.ts_ms    = e->ts_ms;
	q->e.actor    = scopy(&p, e->actor);
	q->e.position = scopy(&p, e->position);
	q->e.action   = scopy(&p, e->action);
	q->e.object   = scopy(&p, e->object);
	q->e.result   = scopy(&p, e->result);
	q->e.detail   = scopy(&p, e->detail);
	return q;
}


static void list_move_all(struct list *dst, struct list *src, unsigned max)
{
	struct le *le;

	while (max-- && (le = list_head(src))) {
		list_unlink(le);
		list_append(dst, le, le->data);
	}
}


static int commit(struct audit_writer *w, struct list *ents)
{
	struct audit_entry *ev[BATCH_MAX];
	size_t n = 0;

	for (struct le *le = list_head(ents); le; le = le->next) {
		struct qent *q = le->data;
		ev[n++] = &q->e;
	}

	return audit_commit(w->a, w->st, ev, n);
}


static void *thread_main(void *arg)
{
	struct audit_writer *w = arg;

	for (;;) {
		struct batch *b;
		bool stop;
		int err;

		b = mem_zalloc(sizeof(*b), NULL);

		pthread_mutex_lock(&w->mtx);
		while (!w->stop && list_isempty(&w->queue))
			pthread_cond_wait(&w->more, &w->mtx);
		stop = w->stop;
		if (b)
			list_move_all(&b->ents, &w->queue, BATCH_MAX);
		pthread_mutex_unlock(&w->mtx);

		if (!b) {
			log_error(MOD, "out of memory");
			struct timespec ts = {0, RETRY_MS * 1000000L};
			nanosleep(&ts, NULL);
			continue;
		}
		if (list_isempty(&b->ents)) {
			mem_deref(b);
			if (stop)
				break;
			continue;
		}

		/* A failing disk: keep the batch, try again.  At stop one
		 * last try, then the loss is at least in the log. */
		while ((err = commit(w, &b->ents)) && !stop) {
			struct timespec ts = {0, RETRY_MS * 1000000L};
			nanosleep(&ts, NULL);
			pthread_mutex_lock(&w->mtx);
			stop = w->stop;
			pthread_mutex_unlock(&w->mtx);
		}
		if (err)
			log_error(MOD, "%u entries could not be written at "
				  "shutdown: %m", list_count(&b->ents), err);

		b->last = ((struct qent *)list_tail(&b->ents)->data)->ticket;

		pthread_mutex_lock(&w->mtx);
		w->queued -= list_count(&b->ents);
		w->done = b->last;
		list_append(&w->back, &b->le, b);
		pthread_cond_broadcast(&w->idle);
		pthread_mutex_unlock(&w->mtx);

		(void)write(w->efd, &(uint64_t){1}, sizeof(uint64_t));
	}

	return NULL;
}


/* Main loop: a batch is durable.  Consoles see the entries, waiting
 * replies go out, in the order they were queued. */
static void batch_done(struct audit_writer *w, struct batch *b)
{
	for (struct le *le = list_head(&b->ents); le; le = le->next) {
		struct qent *q = le->data;
		audit_fire_hook(w->a, &q->e);
	}
	if (b->last > w->told)
		w->told = b->last;
	list_flush(&b->ents);
	mem_deref(b);
}


static void back_take(struct audit_writer *w)
{
	struct list back = LIST_INIT;
	struct le *le;

	pthread_mutex_lock(&w->mtx);
	list_move_all(&back, &w->back, ~0u);
	pthread_mutex_unlock(&w->mtx);

	while ((le = list_head(&back))) {
		list_unlink(le);
		batch_done(w, le->data);
	}

	while ((le = list_head(&w->waiters))) {
		struct waiter *wt = le->data;

		if (wt->ticket > w->told)
			break;
		list_unlink(le);
		wt->h(wt->arg);
		mem_deref(wt);
	}
}


static void back_handler(int flags, void *arg)
{
	struct audit_writer *w = arg;
	uint64_t n;

	(void)read(w->efd, &n, sizeof(n));
	back_take(w);
}


/* Shutdown: write what is queued and send the replies that wait for it,
 * now, while those who wait still exist (the main loop has stopped) */
int audit_settle(struct audit *a)
{
	int err;

	if (!a || !a->w)
		return 0;
	err = audit_flush(a);
	back_take(a->w);
	return err;
}


static void destructor(void *data)
{
	struct audit_writer *w = data;

	if (w->running) {
		pthread_mutex_lock(&w->mtx);
		w->stop = true;
		pthread_cond_signal(&w->more);
		pthread_mutex_unlock(&w->mtx);
		pthread_join(w->thr, NULL);
	}

	/* Nobody is left to send a reply to: drop what still waits */
	list_flush(&w->waiters);
	list_flush(&w->queue);
	for (struct le *le; (le = list_head(&w->back)); ) {
		struct batch *b = le->data;
		list_unlink(le);
		list_flush(&b->ents);
		mem_deref(b);
	}
	if (w->efd >= 0) {
		fd_close(w->efd);
		(void)close(w->efd);
	}
	mem_deref(w->st);
	pthread_cond_destroy(&w->more);
	pthread_cond_destroy(&w->idle);
	pthread_mutex_destroy(&w->mtx);
}


int audit_writer_start(struct audit *a)
{
	struct audit_writer *w;
	int err;

	if (!a)
		return EINVAL;
	if (a->w)
		return EALREADY;

	w = mem_zalloc(sizeof(*w), destructor);
	if (!w)
		return ENOMEM;

	w->a = a;
	w->efd = -1;
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->idle, NULL);

	/* Opened here, on the main thread, then used by the writer only */
	err = store_open(&w->st, store_path(a->st));
	if (err)
		goto out;

	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		err = errno;
		goto out;
	}
	err = fd_listen(w->efd, FD_READ, back_handler, w);
	if (err)
		goto out;

	err = pthread_create(&w->thr, NULL, thread_main, w);
	if (err)
		goto out;
	w->running = true;

 out:
	if (err)
		mem_deref(w);
	else
		a->w = w;
	return err;
}


int audit_writer_push(struct audit_writer *w, const struct audit_entry *e)
{
	struct qent *q;
	int err = 0;

	q = qent_alloc(e);
	if (!q)
		return ENOMEM;

	pthread_mutex_lock(&w->mtx);
	if (w->queued >= QUEUE_MAX) {
		err = ENOSPC;
	}
	else {
		q->ticket = ++w->enq;
		list_append(&w->queue, &q->le, q);
		++w->queued;
		pthread_cond_signal(&w->more);
	}
	pthread_mutex_unlock(&w->mtx);

	if (err) {
		log_error(MOD, "%u entries wait for the disk: %s/%s refused",
			  QUEUE_MAX, e->actor, e->action);
		mem_deref(q);
	}
	return err;
}


int audit_when_durable(struct audit *a, audit_durable_h *h, void *arg)
{
	struct audit_writer *w = a ? a->w : NULL;
	struct waiter *wt;

	if (!h)
		return EINVAL;
	if (!w || w->told >= w->enq) {
		h(arg);
		return 0;
	}

	wt = mem_zalloc(sizeof(*wt), NULL);
	if (!wt)
		return ENOMEM;
	wt->ticket = w->enq;
	wt->h = h;
	wt->arg = arg;
	list_append(&w->waiters, &wt->le, wt);
	return 0;
}


bool audit_pending(const struct audit *a)
{
	return a && a->w && a->w->told < a->w->enq;
}


int audit_flush(struct audit *a)
{
	struct audit_writer *w = a ? a->w : NULL;
	struct timespec until;
	int err = 0;

	if (!w)
		return 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += FLUSH_MS / 1000;

	pthread_mutex_lock(&w->mtx);
	while (!err && w->done < w->enq)
		err = pthread_cond_timedwait(&w->idle, &w->mtx, &until);
	pthread_mutex_unlock(&w->mtx);

	return err;
}
