/**
 * @file tsim_http.c  Control API on loopback: what tests, trainers and
 * the demo use to look at the simulated TETRA network and make its
 * radios act (the shape of `iccs-sim esn`'s)
 */
#include <string.h>
#include <jansson.h>
#include <re.h>
#include "media/codec.h"
#include "radio/tetra/sds.h"
#include "common/ctl_http.h"
#include "common/heard.h"
#include "tsim.h"

typedef int (route_h)(struct tsim *s, struct http_conn *c, const char *id,
		      json_t *body);

static int r_state(struct tsim *s, struct http_conn *c, const char *id,
		   json_t *b)
{
	json_t *gs = json_array(), *rs = json_array();
	const struct ts_call *k = &s->call;

	(void)id;
	(void)b;
	for (struct le *le = s->groups.head; le; le = le->next) {
		const struct ts_group *g = le->data;

		json_array_append_new(gs, json_pack("{s:s, s:s, s:b, s:I, "
			"s:b, s:s?}", "gssi", g->gssi, "name", g->name,
			"attached", g->attached, "packets",
			(json_int_t)g->heard.packets, "emergency",
			g->emergency, "emergency_by",
			g->em_by[0] ? g->em_by : NULL));
	}
	for (struct le *le = s->radios.head; le; le = le->next) {
		const struct ts_radio *r = le->data;

		json_t *g = json_array();

		for (unsigned i = 0; g && i < r->groupc; i++)
			json_array_append_new(g, json_string(r->groups[i]));
		json_array_append_new(rs, json_pack("{s:s, s:s, s:b, s:o*}",
			"issi", r->issi, "alias", r->alias, "talking",
			k->radio == r, "groups", g));
	}
	return sim_reply_json(c, json_pack("{s:b, s:b, s:I, s:o, s:o, s:{s:i,"
		" s:s?, s:s?, s:s?, s:b, s:b, s:i}, s:{s:i, s:i, s:i}, s:O}",
		"connected", s->tc != NULL, "mute",
		s->mute, "commands", (json_int_t)s->cmds, "groups", gs,
		"radios", rs, "call", "cci", k->cci, "gssi",
		k->grp ? k->grp->gssi : NULL, "issi",
		k->peer ? k->peer->issi : NULL, "talker",
		k->talker[0] ? k->talker : NULL, "incoming", k->incoming,
		"ringing", k->ringing, "prio", (int)k->prio,
		"ctsdc", "comms_type", (int)s->ctsdc_comms, "simplex",
		(int)s->ctsdc_simplex, "prio", (int)s->ctsdc_prio,
		"sent", s->out));
}


static int r_stop(struct tsim *s, struct http_conn *c, const char *id,
		  json_t *b)
{
	int err = http_creply(c, 200, "OK", "application/json", "{}");

	(void)s; (void)id; (void)b;
	re_cancel();
	return err;
}


static int r_reboot(struct tsim *s, struct http_conn *c, const char *id,
		    json_t *b)
{
	(void)id; (void)b;
	ts_reboot(s);
	return sim_reply_json(c, json_pack("{s:b}", "rebooted", true));
}


static int r_drop(struct tsim *s, struct http_conn *c, const char *id,
		  json_t *b)
{
	(void)id; (void)b;
	ts_drop(s);
	return sim_reply_json(c, json_pack("{s:b}", "dropped", true));
}


static int r_mute(struct tsim *s, struct http_conn *c, const char *id,
		  json_t *b)
{
	(void)id;
	s->mute = json_is_true(json_object_get(b, "on"));
	return sim_reply_json(c, json_pack("{s:b}", "mute", s->mute));
}


static struct ts_group *body_group(struct tsim *s, json_t *b)
{
	return ts_group_find(s, json_string_value(json_object_get(b,
								  "group")));
}


static int r_talk(struct tsim *s, struct http_conn *c, const char *id,
		  json_t *b)
{
	struct ts_radio *r = ts_radio_find(s, id);
	struct ts_group *g = body_group(s, b);
	int err;

	if (r && !json_object_get(b, "group")) {   /* in its own call */
		err = ts_pc_talk(r, (unsigned)json_integer_value(
			json_object_get(b, "seconds")));
		if (err)
			return http_ereply(c, 409, err == EBUSY ? "Busy" :
					   "No Call Of This Radio");
		return sim_reply_json(c, json_pack("{s:b}", "granted", true));
	}
	if (!r || !g)
		return http_ereply(c, 404, "No Such Radio Or Group");
	if (!ts_radio_in(r, g))
		return http_ereply(c, 403, "Radio Not In Group");
	err = ts_radio_talk(r, g, (unsigned)json_integer_value(
		json_object_get(b, "seconds")));
	if (err == EBUSY)
		return http_ereply(c, 409, "Busy");
	if (err == EHOSTUNREACH)
		return http_ereply(c, 409, "Terminal Not In Group");
	return err ? http_ereply(c, 500, "Talk Failed")
		: sim_reply_json(c, json_pack("{s:b}", "granted", true));
}


/* An SDS from radio id to "to" (a GSSI, default: the terminal) */
static int sds(struct tsim *s, struct http_conn *c, const char *id,
	       json_t *b, const struct sds_msg *m)
{
	const char *to = json_string_value(json_object_get(b, "to"));
	const char *reason = NULL;
	uint8_t buf[256];
	size_t bits = 0;
	unsigned ai = 0;

	if (!ts_radio_find(s, id))
		return http_ereply(c, 404, "No Such Radio");
	if (sds_encode(buf, sizeof(buf), &bits, &ai, m, &reason))
		return http_ereply(c, 400, reason);
	if (ts_sds(s, id, to ? to : s->issi, ai, buf, bits))
		return http_ereply(c, 409, "Terminal Not Connected");
	return sim_reply_json(c, json_pack("{s:b}", "sent", true));
}


static int r_status(struct tsim *s, struct http_conn *c, const char *id,
		    json_t *b)
{
	struct sds_msg m = {.kind = SDS_STATUS};
	json_t *v = json_object_get(b, "status");

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 0xffff)
		return http_ereply(c, 400, "status: 0..65535");
	m.status = (uint16_t)json_integer_value(v);
	return sds(s, c, id, b, &m);
}


/* {"group", "cancel"?}: the emergency alarm status, or its cancel */
static int r_emergency(struct tsim *s, struct http_conn *c, const char *id,
		       json_t *b)
{
	struct sds_msg m = {.kind = SDS_STATUS, .status =
		json_is_true(json_object_get(b, "cancel")) ?
		SDS_STATUS_EMERGENCY_CANCEL : SDS_STATUS_EMERGENCY};
	struct ts_group *g = body_group(s, b);

	if (!g)
		return http_ereply(c, 404, "No Such Group");
	if (ts_radio_find(s, id))
		ts_emergency_sds(s, id, g->gssi, m.status);
	json_object_set_new(b, "to", json_string(g->gssi));
	return sds(s, c, id, b, &m);
}


/* {"emergency"?}: the radio calls the dispatcher */
static int r_call(struct tsim *s, struct http_conn *c, const char *id,
		  json_t *b)
{
	struct ts_radio *r = ts_radio_find(s, id);
	int err;

	if (!r)
		return http_ereply(c, 404, "No Such Radio");
	err = ts_pc_call(r, json_is_true(json_object_get(b, "emergency")));
	if (err == EBUSY)
		return http_ereply(c, 409, "Terminal Busy");
	if (err)
		return http_ereply(c, 409, "Terminal Not Connected");
	return sim_reply_json(c, json_pack("{s:i}", "cci", s->call.cci));
}


static int r_pc(struct http_conn *c, struct ts_radio *r, int err)
{
	if (!r)
		return http_ereply(c, 404, "No Such Radio");
	return err ? http_ereply(c, 409, "No Such Call") :
		sim_reply_json(c, json_pack("{s:b}", "done", true));
}


static int r_answer(struct tsim *s, struct http_conn *c, const char *id,
		    json_t *b)
{
	struct ts_radio *r = ts_radio_find(s, id);

	(void)b;
	return r_pc(c, r, r ? ts_pc_radio_answer(r, true) : 0);
}


static int r_decline(struct tsim *s, struct http_conn *c, const char *id,
		     json_t *b)
{
	struct ts_radio *r = ts_radio_find(s, id);

	(void)b;
	return r_pc(c, r, r ? ts_pc_radio_answer(r, false) : 0);
}


static int r_hangup(struct tsim *s, struct http_conn *c, const char *id,
		    json_t *b)
{
	struct ts_radio *r = ts_radio_find(s, id);

	(void)b;
	return r_pc(c, r, r ? ts_pc_radio_hangup(r) : 0);
}


static int r_text(struct tsim *s, struct http_conn *c, const char *id,
		  json_t *b)
{
	struct sds_msg m = {.kind = SDS_TEXT, .pid = SDS_PID_TEXT};
	const char *t = json_string_value(json_object_get(b, "text"));

	if (!t || strlen(t) > SDS_TEXT_MAX - 8)
		return http_ereply(c, 400, "text: 1..248 characters");
	m.text.coding = 1;
	m.text.ref = 1;
	m.text.len = strlen(t);
	memcpy(m.text.text, t, m.text.len);
	return sds(s, c, id, b, &m);
}


static int r_location(struct tsim *s, struct http_conn *c, const char *id,
		      json_t *b)
{
	struct sds_msg m = {.kind = SDS_LIP, .pid = SDS_PID_LIP};
	json_t *la = json_object_get(b, "lat"), *lo = json_object_get(b,
								       "lon");

	if (!json_is_number(la) || !json_is_number(lo))
		return http_ereply(c, 400, "lat, lon: numbers");
	sds_lip_set_pos(&m.lip, json_number_value(la), json_number_value(lo));
	m.lip.pos_err = 1;        /* < 20 m */
	m.lip.velocity = 127;     /* unknown */
	return sds(s, c, id, b, &m);
}


/* What the network heard from the dispatcher in a group ... */
static int r_audio(struct tsim *s, struct http_conn *c, const char *id,
		   json_t *b)
{
	struct ts_group *g = ts_group_find(s, id);

	(void)b;
	if (!g)
		return http_ereply(c, 404, "No Such Group");
	return http_creply(c, 200, "OK", "application/json",
			   "{\"gssi\":\"%s\",%H}", g->gssi, sim_heard_print,
			   &g->heard);
}


/* ... and a radio in its individual call */
static int r_radio_audio(struct tsim *s, struct http_conn *c,
			 const char *id, json_t *b)
{
	struct ts_radio *r = ts_radio_find(s, id);

	(void)b;
	if (!r)
		return http_ereply(c, 404, "No Such Radio");
	return http_creply(c, 200, "OK", "application/json",
			   "{\"issi\":\"%s\",%H}", r->issi, sim_heard_print,
			   &r->heard);
}


static const struct route {
	struct sim_path p;
	route_h *h;
} routes[] = {
	{{"GET",  "/v1/state",   NULL},         r_state},
	{{"POST", "/v1/stop",    NULL},         r_stop},
	{{"POST", "/v1/reboot",  NULL},         r_reboot},
	{{"POST", "/v1/drop",    NULL},         r_drop},
	{{"POST", "/v1/mute",    NULL},         r_mute},
	{{"POST", "/v1/radios/", "/talk"},      r_talk},
	{{"POST", "/v1/radios/", "/status"},    r_status},
	{{"POST", "/v1/radios/", "/text"},      r_text},
	{{"POST", "/v1/radios/", "/location"},  r_location},
	{{"POST", "/v1/radios/", "/emergency"}, r_emergency},
	{{"POST", "/v1/radios/", "/call"},      r_call},
	{{"POST", "/v1/radios/", "/answer"},    r_answer},
	{{"POST", "/v1/radios/", "/decline"},   r_decline},
	{{"POST", "/v1/radios/", "/hangup"},    r_hangup},
	{{"GET",  "/v1/radios/", "/audio"},     r_radio_audio},
	{{"GET",  "/v1/groups/", "/audio"},     r_audio},
};


static void http_req(struct http_conn *c, const struct http_msg *msg,
		     void *arg)
{
	char id[256];
	json_t *body = NULL;
	const struct route *rt = sim_http_route(c, msg, routes,
						ARRAY_SIZE(routes),
						sizeof(routes[0]), id,
						sizeof(id), &body);

	if (rt)
		rt->h(arg, c, id, body);
	json_decref(body);
}


int ts_http_start(struct tsim *s)
{
	return sim_http_listen(&s->hs, s->http, http_req, s);
}
