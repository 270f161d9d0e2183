/**
 * @file esn.c  `iccs-sim esn`: start the simulated ESN network
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "media/codec.h"
#include "core/log.h"
#include "esn_floor.h"
#include "esn.h"

uint64_t esn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A floor participant's MCPTT ID: a dispatcher's leg or a radio */
const char *esn_part_name(const struct esn_group *g, uint32_t part)
{
	struct le *le;

	for (le = g->legs.head; le; le = le->next) {
		const struct esn_leg *l = le->data;

		if (l->part == part)
			return l->mcptt_id;
	}
	for (le = g->esn->radios.head; le; le = le->next) {
		const struct esn_radio *r = le->data;

		if (r->part == part)
			return r->mcptt_id;
	}
	return "";
}

struct esn_group *esn_group_find(struct esn *e, const char *uri)
{
	for (struct le *le = e->groups.head; uri && le; le = le->next) {
		struct esn_group *g = le->data;

		if (!strcmp(g->uri, uri))
			return g;
	}
	return NULL;
}

struct esn_radio *esn_radio_find(struct esn *e, const char *id)
{
	for (struct le *le = e->radios.head; id && le; le = le->next) {
		struct esn_radio *r = le->data;

		if (!strcmp(r->id, id))
			return r;
	}
	return NULL;
}

struct esn_reg *esn_reg_find(struct esn *e, const char *aor)
{
	for (struct le *le = e->regs.head; aor && le; le = le->next) {
		struct esn_reg *r = le->data;

		/* an expired binding counts as absent until refreshed */
		if (!strcmp(r->aor, aor) &&
		    esn_now_ms() - r->since < r->expires * 1000ull)
			return r;
	}
	return NULL;
}

static void esn_close(struct esn *e)
{
	for (struct le *le = e->groups.head; le; le = le->next) {
		struct esn_group *g = le->data;

		list_flush(&g->legs);
	}
	e->ssock = mem_deref(e->ssock);
	e->lsnr = mem_deref(e->lsnr);
	if (e->sip)
		sip_close(e->sip, true);
	e->sip = mem_deref(e->sip);
	e->hs = mem_deref(e->hs);
	list_flush(&e->radios);
	list_flush(&e->groups);
	list_flush(&e->regs);
	list_flush(&e->disps);
	mem_deref(e->tls);
	mem_deref(e->dnsc);
	mem_deref(e->listen);
	mem_deref(e->domain);
	mem_deref(e->cert);
	mem_deref(e->ca);
	mem_deref(e->http);
}

static void signal_h(int sig)
{
	re_cancel();
}

static int usage(void)
{
	re_fprintf(stderr, "usage: iccs-sim esn --config FILE\n");
	return 2;
}

int esn_main(int argc, char *argv[])
{
	struct esn e;
	struct sa ns;
	int err;

	memset(&e, 0, sizeof(e));
	if (argc != 3 || strcmp(argv[1], "--config"))
		return usage();
	log_setup(LOG_LVL_INFO, LOG_TARGET_STDERR, "iccs-sim");
	err = esn_conf_load(&e, argv[2]);
	if (err) {
		re_fprintf(stderr, "esn: config %s: %m\n", argv[2], err);
		goto out;
	}
	for (struct le *le = e.radios.head; le; le = le->next)
		err |= esn_radio_init(le->data);
	sa_set_str(&ns, "127.0.0.1", 53);
	if (!err)
		err = dnsc_alloc(&e.dnsc, NULL, &ns, 1);
	if (!err)
		err = esn_sip_start(&e);
	if (!err)
		err = esn_http_start(&e);
	if (err) {
		re_fprintf(stderr, "esn: start: %m\n", err);
		goto out;
	}
	re_printf("esn: ready sip=%J http=%s\n", &e.laddr, e.http);
	fflush(stdout);
	err = re_main(signal_h);
 out:
	esn_close(&e);
	return err ? 1 : 0;
}
