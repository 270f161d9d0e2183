/**
 * @file cam_xq.c  Threads -> main loop message queue (see cam_xq.h)
 */
#include <stdlib.h>
#include <pthread.h>
#include <re.h>
#include "camera/cam_xq.h"

struct item {
	struct item *next;
	int id;
	void *data;
};

struct cam_xq {
	pthread_mutex_t mtx;
	struct item *head, *tail;
	unsigned n;
	struct mqueue *wake;
	cam_xq_h *h;
	void *arg;
};


static struct item *take_all(struct cam_xq *q)
{
	struct item *it;

	pthread_mutex_lock(&q->mtx);
	it = q->head;
	q->head = q->tail = NULL;
	q->n = 0;
	pthread_mutex_unlock(&q->mtx);
	return it;
}


static void wake_handler(int id, void *data, void *arg)
{
	struct cam_xq *q = arg;
	struct item *it = take_all(q);

	(void)id;
	(void)data;
	while (it) {
		struct item *next = it->next;

		q->h(it->id, it->data, q->arg);
		free(it);
		it = next;
	}
}


static void xq_destructor(void *data)
{
	struct cam_xq *q = data;
	struct item *it;

	mem_deref(q->wake);
	it = take_all(q);
	while (it) {
		struct item *next = it->next;

		free(it->data);
		free(it);
		it = next;
	}
	pthread_mutex_destroy(&q->mtx);
}


int cam_xq_alloc(struct cam_xq **qp, cam_xq_h *h, void *arg)
{
	struct cam_xq *q = mem_zalloc(sizeof(*q), xq_destructor);
	int err;

	if (!q)
		return ENOMEM;
	pthread_mutex_init(&q->mtx, NULL);
	q->h = h;
	q->arg = arg;
	err = mqueue_alloc(&q->wake, wake_handler, q);
	if (err) {
		mem_deref(q);
		return err;
	}
	*qp = q;
	return 0;
}


int cam_xq_push(struct cam_xq *q, int id, void *data)
{
	struct item *it;
	bool first;
	int err = 0;

	if (!q)
		return EINVAL;
	it = malloc(sizeof(*it));
	if (!it)
		return ENOMEM;
	it->next = NULL;
	it->id = id;
	it->data = data;

	pthread_mutex_lock(&q->mtx);
	if (q->n >= CAM_XQ_MAX) {
		err = ENOSPC;
	}
	else {
		first = !q->head;
		if (q->tail)
			q->tail->next = it;
		else
			q->head = it;
		q->tail = it;
		++q->n;
		/* one wake-up per batch: the handler takes everything */
		if (first)
			err = mqueue_push(q->wake, 0, NULL);
	}
	pthread_mutex_unlock(&q->mtx);
	if (err == ENOSPC)
		free(it);
	return err == ENOSPC ? err : 0;
}
