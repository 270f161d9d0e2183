/**
 * @file ops_rcall.c  Private radio calls from the console: dial a radio,
 *                    answer or decline a radio's call, talk, hang up
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/audit.h"
#include "auth/session.h"
#include "radio/rcall.h"
#include "api/api.h"
#include "api/api_int.h"


/* Errors of the call service, in the console's words */
static int call_fail(struct api_req *r, struct api_err *e, int err,
		     const char *action, const char *call)
{
	api_audit(r, action, call, "failed", json_pack("{s:s}", "reason",
							strerror(err)));
	switch (err) {

	case ENOENT:   return api_fail(e, 404, "no call '%s'", call);
	case EALREADY: return api_fail(e, 409, "another position answered");
	case EBUSY:    return api_fail(e, 409, "terminal busy: the radio "
					   "terminal carries one call at a "
					   "time");
	case ENOTCONN: return api_fail(e, 503, "the radio network is not "
					   "reachable now");
	case EPERM:    return api_fail(e, 403, "the call is at another "
					   "position");
	default:       return api_fail(e, 500, "%s failed: %s", action,
					   strerror(err));
	}
}


int api_op_rcall_list(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	*res = json_pack("{s:o}", "calls",
			 rcall_list_json(r->api->ctx.rcalls));
	return 0;
}


int api_op_rcall_dial(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	const char *to = api_str(msg, "to");
	bool emerg = json_is_true(json_object_get(msg, "emergency"));
	const char *id = NULL;
	int err;

	err = rcall_dial(r->api->ctx.rcalls, session_position(r->sess), to,
			 emerg, &id);
	if (err == ENOENT || err == EINVAL) {
		api_audit(r, "radio.call", to, "failed",
			   json_pack("{s:s}", "reason", "no bearer reaches "
				     "this radio"));
		return api_fail(e, 404, "no radio network reaches '%s'", to);
	}
	if (err)
		return call_fail(r, e, err, "radio.call", to);

	api_audit(r, "radio.call", id, "ok", json_pack("{s:s, s:b}", "to",
							to, "emergency",
							emerg));
	*res = rcall_json(r->api->ctx.rcalls, id);
	return 0;
}


int api_op_rcall_answer(struct api_req *r, const json_t *msg, json_t **res,
			struct api_err *e)
{
	const char *call = api_str(msg, "call");
	json_t *acc = json_object_get(msg, "accept");
	bool accept = !acc || json_is_true(acc);
	int err;

	err = rcall_answer(r->api->ctx.rcalls, session_position(r->sess),
			   call, accept);
	if (err)
		return call_fail(r, e, err, "radio.call_answer", call);

	api_audit(r, "radio.call_answer", call, accept ? "ok" : "declined",
		   NULL);
	*res = rcall_json(r->api->ctx.rcalls, call);
	return 0;
}


int api_op_rcall_hangup(struct api_req *r, const json_t *msg, json_t **res,
			struct api_err *e)
{
	const char *call = api_str(msg, "call");
	int err;

	err = rcall_hangup(r->api->ctx.rcalls, session_position(r->sess),
			   call);
	if (err)
		return call_fail(r, e, err, "radio.call_hangup", call);

	api_audit(r, "radio.call_hangup", call, "ok", NULL);
	*res = rcall_json(r->api->ctx.rcalls, call);
	return 0;
}


int api_op_rcall_ptt(struct api_req *r, const json_t *msg, json_t **res,
		     struct api_err *e)
{
	const char *call = api_str(msg, "call");
	bool on = json_is_true(json_object_get(msg, "on"));
	int err;

	err = rcall_ptt(r->api->ctx.rcalls, session_position(r->sess), call,
			on);
	if (err)
		return call_fail(r, e, err, "radio.call_ptt", call);

	api_audit(r, "radio.call_ptt", call, on ? "on" : "off", NULL);
	*res = rcall_json(r->api->ctx.rcalls, call);
	return 0;
}
