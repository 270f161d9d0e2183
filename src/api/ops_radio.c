/**
 * @file ops_radio.c  Talkgroup state for consoles: floor, talker,
 *                    emergencies and their acknowledgement
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

	*res = json_pack("{s:o, s:o}", "talkgroups", arr,
			 "links", tg_links_json(r->api->ctx.tgs));
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
