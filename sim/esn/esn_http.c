/**
 * @file esn_http.c  Control API on loopback: what tests and trainers
 * use to look at the network and make radios act.
 */
#include <string.h>
#include <jansson.h>
#include <re.h>
#include "media/codec.h"
#include "esn_floor.h"
#include "esn.h"
#include "common/ctl_http.h"

typedef int (route_h)(struct esn *e, struct http_conn *c, const char *id,
		      json_t *body, const struct http_msg *msg);

static json_t *group_json(const struct esn_group *g)
{
	json_t *legs = json_array(), *q = json_array();
	uint32_t h = esn_floor_holder(&g->floor);
	const char *holder = h ? esn_part_name(g, h) : NULL;

	for (struct le *le = g->legs.head; le; le = le->next) {
		const struct esn_leg *l = le->data;
		struct sa fa;

		udp_local_get(l->fus, &fa);
		json_array_append_new(legs, json_pack(
			"{s:s,s:i,s:i,s:b,s:b,s:b,s:b}",
			"mcptt_id", l->mcptt_id, "rtp_port",
			sa_port(rtp_local(l->rtp)), "floor_port", sa_port(&fa),
			"emergency", l->emerg, "imminent_peril", l->imminent,
			"broadcast", l->broadcast, "established",
			l->ltag != NULL));
	}
	for (unsigned i = 0; i < g->floor.queuec; i++)
		json_array_append_new(q, json_pack("{s:s,s:i,s:b}",
			"mcptt_id", esn_part_name(g, g->floor.queue[i].part),
			"priority", g->floor.queue[i].prio, "emergency",
			g->floor.queue[i].emerg));
	return json_pack("{s:s,s:s,s:o,s:s?,s:o,s:b,s:s?,s:b}", "uri", g->uri,
			 "name", g->name, "participants", legs,
			 "floor_holder", holder, "queue", q, "emergency",
			 g->emerg, "private_radio",
			 g->pc_radio ? g->pc_radio->id : NULL, "ringing",
			 g->pc_ringing != NULL);
}

static int r_state(struct esn *e, struct http_conn *c, const char *id,
		   json_t *body, const struct http_msg *msg)
{
	json_t *regs = json_array(), *gs = json_array(), *rs = json_array();

	for (struct le *le = e->regs.head; le; le = le->next) {
		const struct esn_reg *r = le->data;

		json_array_append_new(regs, json_pack("{s:s,s:s,s:i}",
			"mcptt_id", r->aor, "cn", r->cn, "expires",
			r->expires));
	}
	for (struct le *le = e->groups.head; le; le = le->next)
		json_array_append_new(gs, group_json(le->data));
	for (struct le *le = e->radios.head; le; le = le->next) {
		const struct esn_radio *r = le->data;

		json_array_append_new(rs, json_pack("{s:s,s:s,s:b,s:b}",
			"id", r->id, "mcptt_id", r->mcptt_id, "talking",
			r->tgrp != NULL, "emergency", r->emerg));
	}
	return sim_reply_json(c, json_pack("{s:o,s:o,s:o,s:I,s:s}",
		"registrations", regs, "groups", gs, "radios", rs,
		"messages_in", (json_int_t)e->msgs_in, "last_message",
		e->last_msg));
}

static struct esn_group *body_group(struct esn *e, json_t *b)
{
	return esn_group_find(e, json_string_value(json_object_get(b,
								   "group")));
}

static int r_talk(struct esn *e, struct http_conn *c, const char *id,
		  json_t *b, const struct http_msg *msg)
{
	struct esn_radio *r = esn_radio_find(e, id);
	struct esn_group *g = body_group(e, b);
	int err;

	if (!r || !g)
		return http_ereply(c, 404, "No Such Radio Or Group");
	if (!esn_radio_in(r, g))
		return http_ereply(c, 403, "Radio Not In Group");
	err = esn_radio_talk(r, g, (unsigned)json_integer_value(
		json_object_get(b, "seconds")), json_string_value(
		json_object_get(b, "text")));
	if (err == EBUSY)
		return http_ereply(c, 409, "Floor Busy");
	return err ? http_ereply(c, 500, "Talk Failed")
		: sim_reply_json(c, json_pack("{s:b}", "granted", true));
}

static int r_emerg(struct esn *e, struct http_conn *c, const char *id,
		   json_t *b, const struct http_msg *msg)
{
	struct esn_radio *r = esn_radio_find(e, id);
	struct esn_group *g = body_group(e, b);

	if (!r || !g)
		return http_ereply(c, 404, "No Such Radio Or Group");
	if (!esn_radio_in(r, g))
		return http_ereply(c, 403, "Radio Not In Group");
	esn_radio_emergency(r, g, json_is_true(json_object_get(b, "on")));
	return sim_reply_json(c, json_pack("{s:b}", "emergency", r->emerg));
}

/* status, text, location: one MESSAGE to a dispatcher or each
 * registered dispatcher joined to a group */
static int send_msg(struct esn *e, struct http_conn *c, const char *id,
		    json_t *b, const char *type)
{
	struct esn_radio *r = esn_radio_find(e, id);
	const char *to = json_string_value(json_object_get(b, "to"));
	struct esn_group *g = to ? esn_group_find(e, to) : NULL;
	json_t *m;
	char *s;
	int n = 0;

	if (!r)
		return http_ereply(c, 404, "No Such Radio");
	m = json_deep_copy(b);
	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "from", json_string(r->mcptt_id));
	s = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	if (g || !to) {
		for (struct le *le = e->regs.head; le; le = le->next) {
			const struct esn_reg *rg = le->data;

			n += !esn_sip_message(e, rg->aor, s);
		}
	}
	else {
		n = !esn_sip_message(e, to, s);
	}
	free(s);
	return sim_reply_json(c, json_pack("{s:i}", "sent", n));
}

static int r_status(struct esn *e, struct http_conn *c, const char *id,
		    json_t *b, const struct http_msg *msg)
{
	return send_msg(e, c, id, b, "status");
}

static int r_text(struct esn *e, struct http_conn *c, const char *id,
		  json_t *b, const struct http_msg *msg)
{
	return send_msg(e, c, id, b, "text");
}

static int r_location(struct esn *e, struct http_conn *c, const char *id,
		      json_t *b, const struct http_msg *msg)
{
	return send_msg(e, c, id, b, "location");
}

static int r_audio(struct esn *e, struct http_conn *c, const char *uri,
		   json_t *b, const struct http_msg *msg)
{
	struct esn_group *g = esn_group_find(e, uri);
	struct pl d;
	char who[256] = "";

	if (!g)
		return http_ereply(c, 404, "No Such Group");
	if (!re_regex(msg->prm.p, msg->prm.l, "dispatcher=[^&]+", &d))
		(void)pl_strcpy(&d, who, sizeof(who));
	sim_http_unescape(who);
	for (struct le *le = g->legs.head; le; le = le->next) {
		const struct esn_leg *l = le->data;

		if (!strcmp(l->mcptt_id, who))
			return http_creply(c, 200, "OK", "application/json",
					   "%H", esn_leg_audio, l);
	}
	return http_ereply(c, 404, "Dispatcher Not In Group");
}

/* A radio's private call: dial a dispatcher (default: the first one
 * registered), answer a ringing call, hang up */
static int r_call(struct esn *e, struct http_conn *c, const char *id,
		  json_t *b, const struct http_msg *msg)
{
	struct esn_radio *r = esn_radio_find(e, id);
	const char *to = json_string_value(json_object_get(b, "to"));
	struct esn_group *g = NULL;
	int err;

	if (!r)
		return http_ereply(c, 404, "No Such Radio");
	if (!to && e->regs.head)
		to = ((struct esn_reg *)e->regs.head->data)->aor;
	err = esn_pcall_dial(e, r, to ? to : "", json_is_true(
		json_object_get(b, "emergency")), &g);
	if (err == ENOENT)
		return http_ereply(c, 404, "Dispatcher Not Registered");
	if (err == EBUSY)
		return http_ereply(c, 409, "Radio Busy");
	return err ? http_ereply(c, 500, "Call Failed")
		: sim_reply_json(c, json_pack("{s:s}", "call", g->uri));
}

static int r_answer(struct esn *e, struct http_conn *c, const char *id,
		    json_t *b, const struct http_msg *msg)
{
	struct esn_radio *r = esn_radio_find(e, id);

	if (!r || esn_pcall_answer(esn_pcall_of(e, r)))
		return http_ereply(c, 404, "No Ringing Call");
	return sim_reply_json(c, json_pack("{s:b}", "answered", true));
}

static int r_hangup(struct esn *e, struct http_conn *c, const char *id,
		    json_t *b, const struct http_msg *msg)
{
	struct esn_radio *r = esn_radio_find(e, id);

	if (!r || esn_pcall_hangup(esn_pcall_of(e, r)))
		return http_ereply(c, 404, "No Call");
	return sim_reply_json(c, json_pack("{s:b}", "ended", true));
}

/* Faults to inject: {"drop_floor_idle": bool} */
static int r_faults(struct esn *e, struct http_conn *c, const char *id,
		    json_t *b, const struct http_msg *msg)
{
	json_t *v = json_object_get(b, "drop_floor_idle");

	if (json_is_boolean(v))
		e->drop_idle = json_is_true(v);
	return sim_reply_json(c, json_pack("{s:b}", "drop_floor_idle",
				       e->drop_idle));
}

static int r_stop(struct esn *e, struct http_conn *c, const char *id,
		  json_t *b, const struct http_msg *msg)
{
	int err = http_creply(c, 200, "OK", "application/json", "{}");

	re_cancel();
	return err;
}

static const struct route {
	struct sim_path p;
	route_h *h;
} routes[] = {
	{{"GET",  "/v1/state",   NULL},        r_state},
	{{"POST", "/v1/stop",    NULL},        r_stop},
	{{"POST", "/v1/faults",  NULL},        r_faults},
	{{"POST", "/v1/radios/", "/talk"},     r_talk},
	{{"POST", "/v1/radios/", "/emergency"}, r_emerg},
	{{"POST", "/v1/radios/", "/status"},   r_status},
	{{"POST", "/v1/radios/", "/text"},     r_text},
	{{"POST", "/v1/radios/", "/location"}, r_location},
	{{"POST", "/v1/radios/", "/call"},     r_call},
	{{"POST", "/v1/radios/", "/answer"},   r_answer},
	{{"POST", "/v1/radios/", "/hangup"},   r_hangup},
	{{"GET",  "/v1/groups/", "/audio"},    r_audio},
};

static void http_req(struct http_conn *c, const struct http_msg *msg,
		     void *arg)
{
	char id[512];
	json_t *body = NULL;
	const struct route *rt = sim_http_route(c, msg, routes,
						ARRAY_SIZE(routes),
						sizeof(routes[0]), id,
						sizeof(id), &body);

	if (rt)
		rt->h(arg, c, id, body, msg);
	json_decref(body);
}

int esn_http_start(struct esn *e)
{
	return sim_http_listen(&e->hs, e->http, http_req, e);
}
