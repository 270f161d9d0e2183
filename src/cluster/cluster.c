/**
 * @file cluster.c  Shared live state: local view and watchers
 */
#include <string.h>
#include <re.h>
#include "cluster/cluster.h"

struct watch {
	struct le le;
	char *prefix;
	cluster_watch_h *h;
	void *arg;
};

struct cluster {
	const struct cluster_ops *ops;
	json_t *view;          /* key -> value, as last reported */
	struct list watches;
};

static const struct cluster_ops *backends[] = {
	&cluster_local_ops,
};


static void watch_destructor(void *data)
{
	struct watch *w = data;

	mem_deref(w->prefix);
}


static void cluster_destructor(void *data)
{
	struct cluster *c = data;

	list_flush(&c->watches);
	json_decref(c->view);
}


int cluster_alloc(struct cluster **cp, const char *backend)
{
	struct cluster *c;
	int err = ENOENT;

	if (!cp || !backend)
		return EINVAL;

	c = mem_zalloc(sizeof(*c), cluster_destructor);
	if (!c)
		return ENOMEM;

	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (!strcmp(backends[i]->name, backend)) {
			c->ops = backends[i];
			err = 0;
		}
	}
	if (err)
		goto out;

	c->view = json_object();
	if (!c->view)
		err = ENOMEM;

 out:
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}


const char *cluster_backend(const struct cluster *c)
{
	return c ? c->ops->name : NULL;
}


int cluster_put(struct cluster *c, const char *key, json_t *val)
{
	if (!c || !key || !val)
		return EINVAL;
	return c->ops->put(c, key, val);
}


int cluster_del(struct cluster *c, const char *key)
{
	if (!c || !key)
		return EINVAL;
	return c->ops->del(c, key);
}


json_t *cluster_get(const struct cluster *c, const char *key)
{
	return c && key ? json_object_get(c->view, key) : NULL;
}


int cluster_watch(struct cluster *c, const char *prefix,
		  cluster_watch_h *h, void *arg)
{
	struct watch *w;
	int err;

	if (!c || !prefix || !h)
		return EINVAL;

	w = mem_zalloc(sizeof(*w), watch_destructor);
	if (!w)
		return ENOMEM;

	err = str_dup(&w->prefix, prefix);
	if (err) {
		mem_deref(w);
		return err;
	}

	w->h = h;
	w->arg = arg;
	list_append(&c->watches, &w->le, w);
	return 0;
}


void cluster_notify(struct cluster *c, const char *key, json_t *val)
{
	struct le *le;

	if (val)
		json_object_set(c->view, key, val);
	else
		json_object_del(c->view, key);

	for (le = list_head(&c->watches); le; le = le->next) {
		struct watch *w = le->data;

		if (!strncmp(key, w->prefix, strlen(w->prefix)))
			w->h(key, val, w->arg);
	}
}
