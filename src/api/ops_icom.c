/**
 * @file ops_icom.c  Position-to-position intercom from the console:
 *                   call, answer, hang up (phone.h does the work)
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/audit.h"
#include "auth/session.h"
#include "phone/phone.h"
#include "api/api.h"
#include "api/api_int.h"


static int icom_fail(struct api_err *e, int err)
{
	switch (err) {

	case ENOENT:
		return api_fail(e, 404, "no such intercom or position");
	case EPERM:
		return api_fail(e, 403, "not an intercom of this position");
	case EINVAL:
		return api_fail(e, 400, "a position cannot call itself");
	case EBUSY:
		return api_fail(e, 409, "that position is in an intercom");
	case EPROTO:
		return api_fail(e, 409, "the intercom is not ringing");
	default:
		return api_fail(e, 500, "intercom failed: %s", strerror(err));
	}
}


static void icom_audit(struct api_req *r, const char *action, uint64_t id,
		       int err, json_t *detail)
{
	char obj[32];

	(void)re_snprintf(obj, sizeof(obj), "%llu", (unsigned long long)id);
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), action, obj,
			err ? "failed" : "ok", detail);
	json_decref(detail);
}


int api_op_icom_call(struct api_req *r, const json_t *msg, json_t **res,
		     struct api_err *e)
{
	const char *to = json_string_value(json_object_get(msg, "to"));
	uint64_t id = 0;
	int err;

	if (!r->api->ctx.phone)
		return api_fail(e, 503, "intercom is not served on this node");

	err = phone_icom_call(r->api->ctx.phone, session_position(r->sess),
			      to, &id);
	icom_audit(r, "intercom.call", id, err, json_pack("{s:s}", "to", to));
	if (err)
		return icom_fail(e, err);

	*res = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "to", to,
			 "state", "ringing");
	return 0;
}


/* answer and hang up share their shape */
static int icom_ctl(struct api_req *r, const json_t *msg, json_t **res,
		    struct api_err *e, bool answer)
{
	uint64_t id = (uint64_t)json_integer_value(json_object_get(msg, "id"));
	const char *pos = session_position(r->sess);
	struct phone *ph = r->api->ctx.phone;
	int err;

	if (!ph)
		return api_fail(e, 503, "intercom is not served on this node");

	err = answer ? phone_icom_answer(ph, pos, id) :
		phone_icom_hangup(ph, pos, id);
	icom_audit(r, answer ? "intercom.answer" : "intercom.hangup", id, err,
		   NULL);
	if (err)
		return icom_fail(e, err);

	*res = json_pack("{s:I, s:o}", "id", (json_int_t)id, "intercoms",
			 phone_icom_json(ph, pos));
	return 0;
}


int api_op_icom_answer(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	return icom_ctl(r, msg, res, e, true);
}


int api_op_icom_hangup(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	return icom_ctl(r, msg, res, e, false);
}


/* This position's intercoms and the positions it may call (the intercom
 * panel of a layout without the calls panel) */
int api_op_icom_state(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	struct phone *ph = r->api->ctx.phone;

	(void)msg;
	if (!ph)
		return api_fail(e, 503, "intercom is not served on this node");

	*res = json_pack("{s:o, s:o}", "intercoms",
			 phone_icom_json(ph, session_position(r->sess)),
			 "positions", phone_positions_json(ph));
	return 0;
}
