/**
 * @file pos.c  Working positions
 */
#include <string.h>
#include <re.h>
#include "core/conf.h"
#include "core/bus.h"
#include "cluster/cluster.h"
#include "position/pos.h"

struct pos_reg {
	const struct conf *conf;
	struct cluster *cl;
};


static void key_print(char *key, size_t sz, const char *pos_id)
{
	re_snprintf(key, sz, "pos/%s", pos_id);
}


json_t *pos_layout_json(const struct conf_layout *l)
{
	json_t *panels = json_array();

	for (size_t i = 0; l && i < l->panelc; i++)
		json_array_append_new(panels, json_string(l->panels[i]));

	return json_pack("{s:s?, s:s?, s:o}", "id", l ? l->id : NULL,
			 "name", l ? l->name : NULL, "panels", panels);
}


static json_t *position_json(const struct pos_reg *pr,
			     const struct conf_position *p)
{
	char key[64];
	json_t *occ;

	key_print(key, sizeof(key), p->id);
	occ = cluster_get(pr->cl, key);

	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?, s:O?}",
			 "id", p->id, "name", p->name, "site", p->site,
			 "node", p->node, "spare", p->spare,
			 "layout", p->layout, "session", occ ? occ :
			 json_null());
}


/* Cluster change (ours or, with a shared backend, another node's):
 * tell every subscriber the whole position, not a delta, so a console
 * that missed an event is still right after the next one. */
static void pos_changed(const char *key, json_t *val, void *arg)
{
	struct pos_reg *pr = arg;
	const struct conf_position *p;
	json_t *j;

	(void)val;
	p = conf_position(pr->conf, key + 4);
	if (!p)
		return;

	j = position_json(pr, p);
	if (j)
		bus_publish("position.update", j);
	json_decref(j);
}


int pos_reg_alloc(struct pos_reg **prp, const struct conf *conf,
		  struct cluster *cl)
{
	struct pos_reg *pr;
	int err;

	if (!prp || !conf || !cl)
		return EINVAL;

	pr = mem_zalloc(sizeof(*pr), NULL);
	if (!pr)
		return ENOMEM;

	pr->conf = conf;
	pr->cl   = cl;

	err = cluster_watch(cl, "pos/", pos_changed, pr);
	if (err)
		mem_deref(pr);
	else
		*prp = pr;
	return err;
}


void pos_reg_set_conf(struct pos_reg *pr, const struct conf *conf)
{
	if (!pr || !conf)
		return;

	pr->conf = conf;
	for (size_t i = 0; i < conf->positionc; i++) {
		json_t *j = position_json(pr, &conf->positions[i]);
		bus_publish("position.update", j);
		json_decref(j);
	}
}


int pos_occupy(struct pos_reg *pr, const char *pos_id,
	       const char *username, const char *display_name,
	       uint32_t roles, int64_t since_ms)
{
	char key[64];
	json_t *occ;
	int err;

	if (!pr || !conf_position(pr->conf, pos_id) || !username)
		return EINVAL;

	occ = json_pack("{s:s, s:s, s:o, s:I}", "operator", username,
			"display_name", display_name ? display_name : username,
			"roles", roles_json(roles), "since", (json_int_t)since_ms);
	if (!occ)
		return ENOMEM;

	key_print(key, sizeof(key), pos_id);
	err = cluster_put(pr->cl, key, occ);
	json_decref(occ);
	return err;
}


int pos_vacate(struct pos_reg *pr, const char *pos_id)
{
	char key[64];

	if (!pr || !pos_id)
		return EINVAL;

	key_print(key, sizeof(key), pos_id);
	if (!cluster_get(pr->cl, key))
		return 0;
	return cluster_del(pr->cl, key);
}


const char *pos_occupant(const struct pos_reg *pr, const char *pos_id)
{
	char key[64];

	if (!pr || !pos_id)
		return NULL;

	key_print(key, sizeof(key), pos_id);
	return json_string_value(json_object_get(cluster_get(pr->cl, key),
						 "operator"));
}


json_t *pos_json(const struct pos_reg *pr, const char *pos_id)
{
	const struct conf_position *p = conf_position(pr->conf, pos_id);

	return p ? position_json(pr, p) : NULL;
}


json_t *pos_list_json(const struct pos_reg *pr)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < pr->conf->positionc; i++)
		json_array_append_new(arr,
			position_json(pr, &pr->conf->positions[i]));

	return arr;
}


unsigned pos_count_occupied(const struct pos_reg *pr)
{
	unsigned n = 0;

	for (size_t i = 0; i < pr->conf->positionc; i++)
		n += pos_occupant(pr, pr->conf->positions[i].id) != NULL;

	return n;
}


const struct conf_layout *pos_layout_for(const struct conf *conf,
					 const struct conf_position *p,
					 uint32_t roles)
{
	const struct conf_layout *own = p && p->layout ?
		conf_layout(conf, p->layout) : NULL;

	/* A position's own layout serves the roles it was made for; anyone
	 * else who sits there (a supervisor covering a call taker's desk)
	 * gets the layout of their own role. */
	if (own && (own->roles & roles))
		return own;

	for (size_t i = 0; i < conf->layoutc; i++) {
		if (conf->layouts[i].roles & roles)
			return &conf->layouts[i];
	}
	return NULL;
}
