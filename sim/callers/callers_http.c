/**
 * @file callers_http.c  Control API on loopback (no authentication, so
 * never on another address): place calls, list them, hang up.
 *
 *   POST   /v1/calls      {"number","caller","count","rate","hold",
 *                          "abandon","abandon_after","silent","tone"}
 *   GET    /v1/calls      counters and every call with its state
 *   DELETE /v1/calls/ID   hang up one call (BYE or CANCEL)
 *   DELETE /v1/calls      hang up every call
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "callers.h"
#include "common/ctl_http.h"


/* The request's fields over the defaults in *spec */
int callers_spec_json(struct callers_spec *spec, json_t *j,
		      const char **why)
{
	const char *number = json_string_value(json_object_get(j, "number"));
	const char *caller = json_string_value(json_object_get(j, "caller"));
	json_t *v;

	if (number && (!*number || strlen(number) >= sizeof(spec->number))) {
		*why = "bad number";
		return EINVAL;
	}
	if (number)
		str_ncpy(spec->number, number, sizeof(spec->number));
	if (caller)
		str_ncpy(spec->caller, caller, sizeof(spec->caller));
	if ((v = json_object_get(j, "count")))
		spec->count = (unsigned)json_integer_value(v);
	if ((v = json_object_get(j, "rate")))
		spec->rate = json_number_value(v);
	if ((v = json_object_get(j, "hold")))
		spec->hold_s = (unsigned)json_integer_value(v);
	if ((v = json_object_get(j, "abandon")))
		spec->abandon = json_number_value(v);
	if ((v = json_object_get(j, "abandon_after")))
		spec->abandon_s = (unsigned)json_integer_value(v);
	if ((v = json_object_get(j, "tone")))
		spec->tone_hz = (unsigned)json_integer_value(v);
	spec->silent = json_is_true(json_object_get(j, "silent"));
	if (!spec->count || spec->count > 100000 || spec->rate <= 0 ||
	    spec->abandon < 0 || spec->abandon > 1) {
		*why = "count 1..100000, rate > 0, abandon 0..1";
		return EINVAL;
	}
	return 0;
}


static int list_calls(struct callers *cs, struct http_conn *c)
{
	json_t *a = json_array();

	for (struct le *le = cs->calls.head; le; le = le->next)
		json_array_append_new(a, caller_json(le->data));
	return sim_reply_json(c, json_pack("{s:i, s:i, s:i, s:i, s:o}",
		"placed", cs->placed, "answered", cs->answered, "failed",
		cs->failed, "ended", cs->ended, "calls", a));
}


static int place(struct callers *cs, struct http_conn *c,
		 const struct http_msg *msg)
{
	struct callers_spec sp = {.number = "999", .count = 1, .rate = 10,
				  .abandon_s = 3};
	const char *why = "body is not a JSON object";
	json_t *j = msg->mb && mbuf_get_left(msg->mb) ?
		json_loadb((char *)mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			   0, NULL) : json_object();
	unsigned first = (unsigned)cs->next_id + 1;
	int err = json_is_object(j) ? callers_spec_json(&sp, j, &why) : EINVAL;

	json_decref(j);
	if (!err)
		err = callers_batch_add(cs, &sp);
	if (err)
		return http_creply(c, 400, "Bad Request", "application/json",
				   "{\"error\":\"%s\"}", why);
	/* ids are given in order, but other batches may interleave */
	return sim_reply_json(c, json_pack("{s:i, s:i}", "queued", sp.count,
				       "first_id_at_least", first));
}


static int hangup(struct callers *cs, struct http_conn *c, const char *id)
{
	uint64_t want = id ? strtoull(id, NULL, 10) : 0;
	unsigned n = 0;

	for (struct le *le = cs->calls.head; le; le = le->next) {
		struct caller *cl = le->data;

		if ((want && cl->id != want) || cl->st == CALLER_ENDED)
			continue;
		caller_hangup(cl);
		++n;
	}
	if (want && !n)
		return http_ereply(c, 404, "No Such Call");
	return sim_reply_json(c, json_pack("{s:i}", "hung_up", n));
}


static void http_req(struct http_conn *c, const struct http_msg *msg,
		     void *arg)
{
	struct callers *cs = arg;
	char path[128];

	if (pl_strcpy(&msg->path, path, sizeof(path))) {
		(void)http_ereply(c, 414, "URI Too Long");
		return;
	}
	if (!strcmp(path, "/v1/calls")) {
		if (!pl_strcmp(&msg->met, "GET"))
			(void)list_calls(cs, c);
		else if (!pl_strcmp(&msg->met, "POST"))
			(void)place(cs, c, msg);
		else if (!pl_strcmp(&msg->met, "DELETE"))
			(void)hangup(cs, c, NULL);
		else
			(void)http_ereply(c, 405, "Method Not Allowed");
		return;
	}
	if (!strncmp(path, "/v1/calls/", 10) &&
	    !pl_strcmp(&msg->met, "DELETE")) {
		(void)hangup(cs, c, path + 10);
		return;
	}
	(void)http_ereply(c, 404, "Not Found");
}


int callers_http_start(struct callers *cs)
{
	return sim_http_listen(&cs->hs, cs->http, http_req, cs);
}
