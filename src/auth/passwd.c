/**
 * @file passwd.c  argon2id password hashes, the policy, the verify worker
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <re.h>
#include "core/log.h"
#include "auth/passwd.h"

/* OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane */
enum {
	PW_T_COST  = 2,
	PW_M_COST  = 19456,   /* KiB */
	PW_LANES   = 1,
	PW_SALT    = 16,
	PW_HASHLEN = 32,
	PW_MIN     = 12,      /* characters */
	PW_MAX     = 128,
	QUEUE_MAX  = 64,
};

struct job {
	struct le le;
	char *encoded;
	char *pw;
	passwd_verify_h *h;
	void *arg;
	int err;
};

/* One worker for the process; jobs cross threads only under the mutex,
 * and a job is touched by one thread at a time. */
static struct {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	pthread_t thread;
	struct list todo;        /* main -> worker                  */
	struct list done;        /* worker -> main                  */
	unsigned inflight;       /* from queued until delivered     */
	struct mqueue *mq;
	bool run;
	bool started;
} w = {
	.mtx  = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.todo = LIST_INIT,
	.done = LIST_INIT,
};


static int argon2_errno(int rc)
{
	switch (rc) {

	case ARGON2_OK:                      return 0;
	case ARGON2_VERIFY_MISMATCH:         return EACCES;
	case ARGON2_MEMORY_ALLOCATION_ERROR: return ENOMEM;
	case ARGON2_ENCODING_FAIL:           return ENOBUFS;
	case ARGON2_THREAD_FAIL:             return EAGAIN;
	default:                             return EINVAL;
	}
}


int passwd_hash(char *out, size_t outsz, const char *pw)
{
	uint8_t salt[PW_SALT];
	int rc;

	if (!out || !pw)
		return EINVAL;

	if (outsz < argon2_encodedlen(PW_T_COST, PW_M_COST, PW_LANES,
				      PW_SALT, PW_HASHLEN, Argon2_id))
		return ENOBUFS;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return EIO;

	rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_LANES, pw,
				   strlen(pw), salt, sizeof(salt), PW_HASHLEN,
				   out, outsz);
	OPENSSL_cleanse(salt, sizeof(salt));
	if (rc != ARGON2_OK) {
		log_error("passwd", "argon2id: %s", argon2_error_message(rc));
		return argon2_errno(rc);
	}

	return 0;
}


int passwd_verify(const char *encoded, const char *pw)
{
	int rc;

	if (!encoded || !pw)
		return EINVAL;

	/* only our own kind of hash: never verify against a weaker one */
	if (strncmp(encoded, "$argon2id$", 10))
		return EINVAL;

	rc = argon2id_verify(encoded, pw, strlen(pw));

	return argon2_errno(rc);
}


/* Characters, not bytes: a passphrase in Welsh counts what it shows */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((uint8_t)*s & 0xc0) != 0x80;
	return n;
}


int passwd_policy_check(const char *pw, char *why, size_t whysz)
{
	size_t n;

	if (!pw) {
		(void)re_snprintf(why, whysz, "no password given");
		return EINVAL;
	}

	n = utf8_chars(pw);
	if (n < PW_MIN) {
		(void)re_snprintf(why, whysz, "password too short: %u "
				  "characters, at least %d needed",
				  (unsigned)n, PW_MIN);
		return EINVAL;
	}
	if (n > PW_MAX) {
		(void)re_snprintf(why, whysz, "password too long: %u "
				  "characters, at most %d allowed",
				  (unsigned)n, PW_MAX);
		return EINVAL;
	}

	return 0;
}


/* ---- worker ------------------------------------------------------------*/

static void job_destructor(void *data)
{
	struct job *j = data;

	if (j->pw)
		OPENSSL_cleanse(j->pw, strlen(j->pw));
	mem_deref(j->pw);
	mem_deref(j->encoded);
}


static void *worker_main(void *arg)
{
	(void)arg;

	pthread_mutex_lock(&w.mtx);
	for (;;) {
		struct job *j;

		while (w.run && list_isempty(&w.todo))
			pthread_cond_wait(&w.cond, &w.mtx);
		if (!w.run)
			break;

		j = list_ledata(list_head(&w.todo));
		list_unlink(&j->le);
		pthread_mutex_unlock(&w.mtx);

		j->err = passwd_verify(j->encoded, j->pw);
		OPENSSL_cleanse(j->pw, strlen(j->pw));

		pthread_mutex_lock(&w.mtx);
		list_append(&w.done, &j->le, j);
		/* only a wake-up: the result stays in w.done, so nothing is
		 * lost in the pipe if the worker is closed before delivery */
		(void)mqueue_push(w.mq, 0, NULL);
	}
	pthread_mutex_unlock(&w.mtx);

	return NULL;
}


static void mq_handler(int id, void *data, void *arg)
{
	struct list ready = LIST_INIT;
	struct le *le;
	(void)id;
	(void)data;
	(void)arg;

	pthread_mutex_lock(&w.mtx);
	while ((le = list_head(&w.done))) {
		list_unlink(le);
		list_append(&ready, le, le->data);
		--w.inflight;
	}
	pthread_mutex_unlock(&w.mtx);

	while ((le = list_head(&ready))) {
		struct job *j = le->data;

		list_unlink(le);
		j->h(j->err, j->arg);
		mem_deref(j);
	}
}


int passwd_worker_init(void)
{
	int err;

	if (w.started)
		return EALREADY;

	err = mqueue_alloc(&w.mq, mq_handler, NULL);
	if (err)
		return err;

	w.run = true;
	err = pthread_create(&w.thread, NULL, worker_main, NULL);
	if (err) {
		w.run = false;
		w.mq = mem_deref(w.mq);
		log_error("passwd", "cannot start the worker: %m", err);
		return err;
	}

	w.started = true;
	return 0;
}


/* Jobs not yet delivered are dropped without a call: their owners are
 * being torn down too. */
void passwd_worker_close(void)
{
	if (!w.started)
		return;

	pthread_mutex_lock(&w.mtx);
	w.run = false;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.mtx);

	pthread_join(w.thread, NULL);

	list_flush(&w.todo);
	list_flush(&w.done);
	w.inflight = 0;
	w.mq = mem_deref(w.mq);
	w.started = false;
}


int passwd_verify_async(const char *encoded, const char *pw,
			passwd_verify_h *h, void *arg)
{
	struct job *j;
	int err;

	if (!encoded || !pw || !h || !w.started)
		return EINVAL;

	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;

	err  = str_dup(&j->encoded, encoded);
	err |= str_dup(&j->pw, pw);
	if (err) {
		err = ENOMEM;
		goto out;
	}
	j->h = h;
	j->arg = arg;

	pthread_mutex_lock(&w.mtx);
	if (w.inflight >= QUEUE_MAX) {
		err = ENOSPC;
	}
	else {
		++w.inflight;
		list_append(&w.todo, &j->le, j);
		pthread_cond_signal(&w.cond);
	}
	pthread_mutex_unlock(&w.mtx);

 out:
	if (err)
		mem_deref(j);
	return err;
}
