/**
 * @file esn_conf.c  `iccs-sim esn --config FILE`: the YAML schema
 *
 *   listen: 127.0.0.1:5061        SIP over mutual TLS
 *   domain: esn.example
 *   tls: {cert: server.pem, ca: ca.crt}
 *   http: 127.0.0.1:8089          control API, loopback only
 *   time_limit: 30                transmit time limit, seconds
 *   groups: [{uri: sip:g1@esn.example, name: Ops 1}]
 *   radios: [{id: r1, alias: Alpha 1, groups: [sip:g1@...],
 *             answer: auto|manual|reject, answer_ms: 2000,
 *             priority: 5, speech: "text to speak" or a .wav,
 *             every: 60}]     talk every 60 s (default: on command)
 *   dispatchers: [{mcptt_id: sip:d1@esn.example, cn: d1}]
 */
#include <string.h>
#include <stdlib.h>
#include <yaml.h>
#include <re.h>
#include "media/codec.h"
#include "esn_floor.h"
#include "esn.h"

typedef yaml_document_t ydoc;

static yaml_node_t *get(ydoc *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *str(ydoc *d, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = get(d, map, key);

	return n && n->type == YAML_SCALAR_NODE ?
		(const char *)n->data.scalar.value : NULL;
}

static int dup(char **dst, ydoc *d, yaml_node_t *map, const char *key,
	       const char *def)
{
	const char *s = str(d, map, key);

	if (!s)
		s = def;
	return s ? str_dup(dst, s) : 0;
}

/* Calls h for each item of the sequence map[key] */
static int each(ydoc *d, yaml_node_t *map, const char *key,
		int (*h)(struct esn *, ydoc *, yaml_node_t *), struct esn *e)
{
	yaml_node_t *seq = get(d, map, key);
	yaml_node_item_t *it;
	int err;

	if (!seq)
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return EINVAL;
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		err = h(e, d, yaml_document_get_node(d, *it));
		if (err)
			return err;
	}
	return 0;
}

static void group_destructor(void *arg)
{
	struct esn_group *g = arg;

	tmr_cancel(&g->tmr_limit);
	list_unlink(&g->le);
	mem_deref(g->uri);
	mem_deref(g->name);
}

static int group_h(struct esn *e, ydoc *d, yaml_node_t *n)
{
	struct esn_group *g = mem_zalloc(sizeof(*g), group_destructor);
	int err;

	if (!g)
		return ENOMEM;
	g->esn = e;
	err  = dup(&g->uri, d, n, "uri", NULL);
	err |= dup(&g->name, d, n, "name", "");
	if (err || !g->uri) {
		mem_deref(g);
		return err ? err : EINVAL;
	}
	esn_fcsrv_init(g);
	list_append(&e->groups, &g->le, g);
	return 0;
}

static void radio_destructor(void *arg)
{
	struct esn_radio *r = arg;

	tmr_cancel(&r->tmr);
	tmr_cancel(&r->tmr_sched);
	list_unlink(&r->le);
	mem_deref(r->id);
	mem_deref(r->alias);
	mem_deref(r->mcptt_id);
	mem_deref(r->speech_text);
	mem_deref(r->answer);
	mem_deref(r->pcm);
	mem_deref(r->enc);
	for (unsigned i = 0; i < r->groupc; i++)
		mem_deref(r->groups[i]);
}

static int radio_h(struct esn *e, ydoc *d, yaml_node_t *n)
{
	struct esn_radio *r = mem_zalloc(sizeof(*r), radio_destructor);
	yaml_node_t *gs = get(d, n, "groups");
	const char *p = str(d, n, "priority");
	const char *ev = str(d, n, "every");
	const char *ams = str(d, n, "answer_ms");
	int err;

	if (!r)
		return ENOMEM;
	r->esn = e;
	r->part = ++e->next_part;
	err  = dup(&r->id, d, n, "id", NULL);
	err |= dup(&r->alias, d, n, "alias", NULL);
	err |= dup(&r->speech_text, d, n, "speech", NULL);
	err |= dup(&r->answer, d, n, "answer", "auto");
	if (err || !r->id)
		goto out;
	if (str_casecmp(r->answer, "auto") && str_casecmp(r->answer, "manual")
	    && str_casecmp(r->answer, "reject")) {
		err = EINVAL;
		goto out;
	}
	r->answer_ms = ams ? (uint32_t)atoi(ams) : 0;
	err = re_sdprintf(&r->mcptt_id, "sip:%s@%s", r->id, e->domain);
	r->prio = p ? (uint8_t)atoi(p) : 1;
	r->every_s = ev ? (uint32_t)atoi(ev) : 0;
	if (gs && gs->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *it;

		for (it = gs->data.sequence.items.start;
		     it < gs->data.sequence.items.top && r->groupc < 8; it++) {
			yaml_node_t *s = yaml_document_get_node(d, *it);

			if (s && s->type == YAML_SCALAR_NODE)
				err |= str_dup(&r->groups[r->groupc++],
					       (char *)s->data.scalar.value);
		}
	}
 out:
	if (err || !r->id) {
		mem_deref(r);
		return err ? err : EINVAL;
	}
	list_append(&e->radios, &r->le, r);
	return 0;
}

static void disp_destructor(void *arg)
{
	struct esn_disp *dp = arg;

	list_unlink(&dp->le);
	mem_deref(dp->mcptt_id);
	mem_deref(dp->cn);
}

static int disp_h(struct esn *e, ydoc *d, yaml_node_t *n)
{
	struct esn_disp *dp = mem_zalloc(sizeof(*dp), disp_destructor);
	int err;

	if (!dp)
		return ENOMEM;
	err  = dup(&dp->mcptt_id, d, n, "mcptt_id", NULL);
	err |= dup(&dp->cn, d, n, "cn", NULL);
	if (err || !dp->mcptt_id || !dp->cn) {
		mem_deref(dp);
		return err ? err : EINVAL;
	}
	list_append(&e->disps, &dp->le, dp);
	return 0;
}

int esn_conf_load(struct esn *e, const char *path)
{
	yaml_parser_t ps;
	ydoc d;
	yaml_node_t *root, *tls;
	const char *lim;
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return errno;
	yaml_parser_initialize(&ps);
	yaml_parser_set_input_file(&ps, f);
	if (!yaml_parser_load(&ps, &d)) {
		re_fprintf(stderr, "esn: %s:%zu: %s\n", path,
			   ps.problem_mark.line + 1,
			   ps.problem ? ps.problem : "bad YAML");
		yaml_parser_delete(&ps);
		fclose(f);
		return EINVAL;
	}
	root = yaml_document_get_root_node(&d);
	tls = get(&d, root, "tls");
	err |= dup(&e->listen, &d, root, "listen", "127.0.0.1:5061");
	err |= dup(&e->domain, &d, root, "domain", "esn.example");
	err |= dup(&e->http, &d, root, "http", "127.0.0.1:8089");
	err |= dup(&e->cert, &d, tls, "cert", NULL);
	err |= dup(&e->ca, &d, tls, "ca", NULL);
	lim = str(&d, root, "time_limit");
	e->limit_s = lim ? (uint16_t)atoi(lim) : 30;
	if (!err)
		err = each(&d, root, "groups", group_h, e);
	if (!err)
		err = each(&d, root, "radios", radio_h, e);
	if (!err)
		err = each(&d, root, "dispatchers", disp_h, e);
	if (!err && (!e->cert || !e->ca)) {
		re_fprintf(stderr, "esn: %s: tls.cert and tls.ca are needed"
			   " (mutual TLS)\n", path);
		err = EINVAL;
	}
	yaml_document_delete(&d);
	yaml_parser_delete(&ps);
	fclose(f);
	return err;
}
