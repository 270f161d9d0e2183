/**
 * @file bus.c  In-process event bus
 */
#include <string.h>
#include <re.h>
#include "core/bus.h"

struct bus_sub {
	struct le le;
	char *prefix;
	bus_h *h;
	void *arg;
};

static struct list subs = LIST_INIT;


static void sub_destructor(void *data)
{
	struct bus_sub *s = data;

	list_unlink(&s->le);
	mem_deref(s->prefix);
}


int bus_subscribe(struct bus_sub **subp, const char *prefix, bus_h *h,
		  void *arg)
{
	struct bus_sub *s;
	int err;

	if (!subp || !prefix || !h)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), sub_destructor);
	if (!s)
		return ENOMEM;

	err = str_dup(&s->prefix, prefix);
	if (err)
		goto out;

	s->h = h;
	s->arg = arg;
	list_append(&subs, &s->le, s);

 out:
	if (err)
		mem_deref(s);
	else
		*subp = s;
	return err;
}


void bus_publish(const char *event, json_t *data)
{
	struct le *le = list_head(&subs);

	/* A handler may unsubscribe itself: step before calling. */
	while (le) {
		struct bus_sub *s = le->data;
		le = le->next;
		if (!strncmp(event, s->prefix, strlen(s->prefix)))
			s->h(event, data, s->arg);
	}
}


void bus_close(void)
{
	list_clear(&subs);
}
