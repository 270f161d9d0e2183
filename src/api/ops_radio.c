/**
 * @file ops_radio.c  Talkgroup state for consoles: floor, talker,
 *                    emergencies and their acknowledgement, patches
 *                    across bearers, status and text messages
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/audit.h"
#include "auth/session.h"
#include "radio/tg.h"
#include "api/api.h"
#include "api/api_int.h"


int api_op_radio_state(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	const struct conf *cf = r->api->ctx.conf;
	uint32_t roles = session_roles(r->sess);
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		json_t *j;

		if (rs->type != RES_TALKGROUP || !(rs->roles & roles))
			continue;
		j = tg_json(r->api->ctx.tgs, rs->id);
		if (j)
			json_array_append_new(arr, j);
	}

	*res = json_pack("{s:o, s:o, s:o, s:o}", "talkgroups", arr,
			 "links", tg_links_json(r->api->ctx.tgs),
			 "alarms", tg_alarms_json(r->api->ctx.tgs),
			 "patches", tg_patches_json(r->api->ctx.tgs));
	return 0;
}


/* Everyone sees who acknowledged an emergency: the ack is the control
 * room's "I have it" */
int api_op_emergency_ack(struct api_req *r, const json_t *msg,
			 json_t **res, struct api_err *e)
{
	const char *tg = json_string_value(json_object_get(msg, "talkgroup"));
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, tg);
	int err;

	if (!rs || rs->type != RES_TALKGROUP ||
	    !(rs->roles & session_roles(r->sess)))
		return api_fail(e, 404, "no talkgroup '%s'", tg);

	err = tg_emergency_ack(r->api->ctx.tgs, tg, session_operator(r->sess));
	if (err == ENOENT)
		return api_fail(e, 409, "no emergency on '%s'", tg);
	if (err)
		return api_fail(e, 500, "cannot acknowledge");

	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), "radio.emergency_ack", tg,
			"ok", NULL);
	*res = tg_json(r->api->ctx.tgs, tg);
	return 0;
}


/* A dispatcher raises (on) or cancels an emergency on a talkgroup over
 * the network carrying it (ESN: the emergency indication of the group
 * call; TETRA: the emergency alarm status to the group) */
int api_op_emergency_raise(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e)
{
	const char *tg = json_string_value(json_object_get(msg, "talkgroup"));
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, tg);
	bool on = !json_is_false(json_object_get(msg, "on"));
	json_t *d;
	int err;

	if (!rs || rs->type != RES_TALKGROUP ||
	    !(rs->roles & session_roles(r->sess)))
		return api_fail(e, 404, "no talkgroup '%s'", tg);

	err = tg_emergency(r->api->ctx.tgs, tg, on);
	d = err ? json_pack("{s:s}", "reason", strerror(err)) : NULL;
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), on ? "radio.emergency" :
			"radio.emergency_cancel", tg, err ? "failed" : "ok",
			d);
	json_decref(d);
	if (err == ENOTSUP)
		return api_fail(e, 409, "the network carrying '%s' has no "
				"emergency from the console", tg);
	if (err == ENOTCONN || err == ENOENT)
		return api_fail(e, 409, "'%s' is not joined: monitor it "
				"first", tg);
	if (err)
		return api_fail(e, 500, "emergency failed: %s",
				strerror(err));
	*res = tg_json(r->api->ctx.tgs, tg);
	return 0;
}


/* A talkgroup this operator may act on, or NULL */
static const struct conf_resource *tg_allowed(struct api_req *r,
					      const char *tg)
{
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, tg);

	if (!rs || rs->type != RES_TALKGROUP ||
	    !(rs->roles & session_roles(r->sess)))
		return NULL;
	return rs;
}


/* Patch two talkgroups (e.g. an Airwave group and an ESN group) or
 * dissolve the patch; every console sees both buttons show it */
int api_op_patch(struct api_req *r, const json_t *msg, json_t **res,
		 struct api_err *e)
{
	const char *a = json_string_value(json_object_get(msg, "a"));
	const char *b = json_string_value(json_object_get(msg, "b"));
	bool on = json_is_true(json_object_get(msg, "on"));
	char obj[140];
	int err;

	if (!tg_allowed(r, a))
		return api_fail(e, 404, "no talkgroup '%s'", a);
	if (!tg_allowed(r, b))
		return api_fail(e, 404, "no talkgroup '%s'", b);
	if (!strcmp(a, b))
		return api_fail(e, 400, "a talkgroup cannot be patched to "
				"itself");

	err = tg_patch(r->api->ctx.tgs, a, b, on, session_operator(r->sess));
	re_snprintf(obj, sizeof(obj), "%s+%s", a, b);
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), on ? "radio.patch" :
			"radio.unpatch", obj, err ? "refused" : "ok", NULL);
	if (err == EBUSY)
		return api_fail(e, 409, "'%s' or '%s' is in another patch", a,
				b);
	if (err == EALREADY)
		return api_fail(e, 409, "already patched");
	if (err == ENOENT)
		return api_fail(e, 404, "no such patch");
	if (err)
		return api_fail(e, 500, "cannot patch: %s", strerror(err));

	*res = json_pack("{s:o}", "patches",
			 tg_patches_json(r->api->ctx.tgs));
	return 0;
}


/* A text or a status to a radio ("tetra:<ISSI>", "sip:...") or to a
 * talkgroup the operator may use */
int api_op_radio_send(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	const char *to = json_string_value(json_object_get(msg, "to"));
	const char *text = json_string_value(json_object_get(msg, "text"));
	json_t *st = json_object_get(msg, "status");
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, to);
	const char *bearer = NULL;
	json_t *detail;
	int err;

	if (!text == !st)
		return api_fail(e, 400, "give text or status (one of them)");
	if (rs && !tg_allowed(r, to))
		return api_fail(e, 404, "no talkgroup '%s'", to);
	if (!rs && strncmp(to, "tetra:", 6) && strncmp(to, "sip:", 4))
		return api_fail(e, 400, "to: a talkgroup, tetra:<ISSI> or "
				"sip:<MCPTT ID>");

	err = tg_send(r->api->ctx.tgs, to, text,
		      st ? (unsigned)json_integer_value(st) : 0, &bearer);
	detail = json_pack("{s:s, s:s?, s:O?}", "kind", text ? "text" :
			   "status", "text", text, "status", st);
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), "radio.send", to,
			err ? "failed" : "ok", detail);
	json_decref(detail);
	if (err == ENOTSUP)
		return api_fail(e, 404, "no bearer carries '%s'", to);
	if (err == ENOTCONN)
		return api_fail(e, 503, "the bearer of '%s' is down", to);
	if (err)
		return api_fail(e, 500, "cannot send: %s", strerror(err));

	*res = json_pack("{s:s, s:s, s:s?, s:O?, s:s?}", "to", to,
			 "kind", text ? "text" : "status", "text", text,
			 "status", st, "bearer", bearer);
	return 0;
}
