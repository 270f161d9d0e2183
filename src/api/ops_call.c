/**
 * @file ops_call.c  999/101 call handling from the console: ready, answer,
 *                   hold, transfer, hang up (phone.h does the work)
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/audit.h"
#include "auth/session.h"
#include "phone/phone.h"
#include "api/api.h"
#include "api/api_int.h"


static uint64_t call_field(const json_t *msg)
{
	return (uint64_t)json_integer_value(json_object_get(msg, "call"));
}


static void audit_call(struct api_req *r, const char *action, uint64_t id,
		       const char *result, json_t *detail)
{
	char obj[32];

	(void)re_snprintf(obj, sizeof(obj), "%llu", (unsigned long long)id);
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), action, obj, result,
			detail);
	json_decref(detail);
}


/* phone_* errors to API errors, in one place */
static int call_fail(struct api_err *e, int err, uint64_t id)
{
	switch (err) {

	case ENOENT:
		return api_fail(e, 404, "no call %llu",
				(unsigned long long)id);
	case EPERM:
		return api_fail(e, 403, "call %llu is not at this position",
				(unsigned long long)id);
	case EPROTO:
		return api_fail(e, 409, "call %llu is not in a state for "
				"that", (unsigned long long)id);
	case ENOTSUP:
		return api_fail(e, 404, "no such transfer target");
	case EBUSY:
		return api_fail(e, 409, "the target position is not free");
	case EINVAL:
		return api_fail(e, 400, "a call cannot go to its own "
				"position, or that is not a number");
	case ENODEV:
		return api_fail(e, 409, "no trunk here dials out");
	case EPROTONOSUPPORT:
		return api_fail(e, 501, "dialling out over an SRTP trunk is "
				"not supported yet");
	case EAUTH:
		return api_fail(e, 502, "the trunk refused our credentials");
	default:
		return api_fail(e, 500, "call control failed: %s",
				strerror(err));
	}
}


static struct phone *phone_of(struct api_req *r, struct api_err *e)
{
	if (!r->api->ctx.phone)
		(void)api_fail(e, 503, "telephony is not configured on this "
			       "node");
	return r->api->ctx.phone;
}


int api_op_call_state(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	(void)msg;
	(void)e;
	*res = phone_state_json(r->api->ctx.phone, session_position(r->sess));
	return 0;
}


int api_op_call_ready(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	struct phone *ph = phone_of(r, e);
	bool on = json_is_true(json_object_get(msg, "on"));
	const char *pos = session_position(r->sess);
	int err;

	if (!ph)
		return e->code;

	err = phone_ready(ph, pos, on);
	if (err)
		return api_fail(e, 409, "cannot change readiness: %s",
				strerror(err));

	(void)audit_log(r->api->ctx.audit, session_operator(r->sess), pos,
			on ? "call.ready" : "call.not_ready", pos, "ok", NULL);
	*res = phone_state_json(ph, pos);
	return 0;
}


/* answer, hangup, hold, consult's end, conference share their shape */
static int call_ctl(struct api_req *r, const json_t *msg, json_t **res,
		    struct api_err *e, const char *action)
{
	struct phone *ph = phone_of(r, e);
	const char *pos = session_position(r->sess);
	uint64_t id = call_field(msg);
	int err;

	if (!ph)
		return e->code;

	if (!strcmp(action, "call.answer"))
		err = phone_answer(ph, pos, id);
	else if (!strcmp(action, "call.hangup"))
		err = phone_hangup(ph, pos, id);
	else if (!strcmp(action, "call.consult_complete"))
		err = phone_consult_complete(ph, pos, id);
	else if (!strcmp(action, "call.consult_cancel"))
		err = phone_consult_cancel(ph, pos, id);
	else if (!strcmp(action, "call.conference"))
		err = phone_conference(ph, pos, id);
	else
		err = phone_hold(ph, pos, id, json_is_true(
					 json_object_get(msg, "on")));

	audit_call(r, action, id, err ? "failed" : "ok", NULL);
	if (err)
		return call_fail(e, err, id);

	*res = phone_call_json(ph, id);
	if (!*res)
		*res = json_pack("{s:I, s:s}", "id", (json_int_t)id,
				 "state", "ended");
	return 0;
}


int api_op_call_answer(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	return call_ctl(r, msg, res, e, "call.answer");
}


int api_op_call_hangup(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	return call_ctl(r, msg, res, e, "call.hangup");
}


int api_op_call_hold(struct api_req *r, const json_t *msg, json_t **res,
		     struct api_err *e)
{
	return call_ctl(r, msg, res, e, "call.hold");
}


int api_op_call_transfer(struct api_req *r, const json_t *msg,
			 json_t **res, struct api_err *e)
{
	struct phone *ph = phone_of(r, e);
	const char *target = json_string_value(json_object_get(msg, "to"));
	uint64_t id = call_field(msg);
	int err;

	if (!ph)
		return e->code;

	err = phone_transfer(ph, session_position(r->sess), id, target);
	audit_call(r, "call.transfer", id, err ? "failed" : "ok",
		   json_pack("{s:s}", "to", target));
	if (err)
		return call_fail(e, err, id);

	*res = json_pack("{s:I, s:s}", "id", (json_int_t)id, "to", target);
	return 0;
}


int api_op_call_complete(struct api_req *r, const json_t *msg, json_t **res,
			 struct api_err *e)
{
	return call_ctl(r, msg, res, e, "call.consult_complete");
}


int api_op_call_cancel(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	return call_ctl(r, msg, res, e, "call.consult_cancel");
}


int api_op_call_conference(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e)
{
	return call_ctl(r, msg, res, e, "call.conference");
}


/* Dial out, or consult (the caller on hold) when msg names a call */
static int dial(struct api_req *r, const json_t *msg, json_t **res,
		struct api_err *e, const char *action)
{
	struct phone *ph = phone_of(r, e);
	const char *to = json_string_value(json_object_get(msg, "to"));
	const char *trunk = json_string_value(json_object_get(msg, "trunk"));
	const char *pos = session_position(r->sess);
	uint64_t id = call_field(msg), nid = 0;
	int err;

	if (!ph)
		return e->code;

	err = id ? phone_consult(ph, pos, id, to, trunk, &nid) :
		phone_dial(ph, pos, to, trunk, &nid);
	audit_call(r, action, id ? id : nid, err ? "failed" : "ok",
		   json_pack("{s:s, s:s?, s:I}", "to", to, "trunk", trunk,
			     "leg", (json_int_t)nid));
	if (err)
		return call_fail(e, err, id);

	*res = phone_call_json(ph, nid);
	return 0;
}


int api_op_call_dial(struct api_req *r, const json_t *msg, json_t **res,
		     struct api_err *e)
{
	return dial(r, msg, res, e, "call.dial");
}


int api_op_call_consult(struct api_req *r, const json_t *msg, json_t **res,
			struct api_err *e)
{
	return dial(r, msg, res, e, "call.consult");
}


/* Listen-in, whisper, barge, off: a supervisor on another's call */
int api_op_call_supervise(struct api_req *r, const json_t *msg,
			  json_t **res, struct api_err *e)
{
	struct phone *ph = phone_of(r, e);
	const char *mode = json_string_value(json_object_get(msg, "mode"));
	uint64_t id = call_field(msg);
	char action[32];
	int err;

	if (!ph)
		return e->code;

	err = phone_supervise(ph, session_position(r->sess), id, mode);
	(void)re_snprintf(action, sizeof(action), "call.%s",
			  err == EINVAL ? "supervise" : mode);
	audit_call(r, action, id, err ? "failed" : "ok",
		   json_pack("{s:s}", "mode", mode));
	switch (err) {

	case 0:
		break;
	case EINVAL:
		return api_fail(e, 400, "mode is listen, whisper, barge or "
				"off");
	case EBUSY:
		return api_fail(e, 409, "another supervisor is on this call");
	case EALREADY:
		return api_fail(e, 409, "this is your own call");
	default:
		return call_fail(e, err, id);
	}

	*res = phone_call_json(ph, id);
	return 0;
}
