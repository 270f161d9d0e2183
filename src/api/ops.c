/**
 * @file ops.c  The operations table and the one dispatcher
 *
 * Every request, over WSS or REST, comes through api_dispatch(): known
 * op, session, permission (audited when denied), schema, handler, in that
 * order.  Checking the permission before the schema means a role that may
 * never use an op learns nothing about its fields.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/store.h"
#include "core/audit.h"
#include "auth/rbac.h"
#include "auth/passwd.h"
#include "auth/operator.h"
#include "auth/session.h"
#include "position/pos.h"
#include "api/api.h"
#include "api/api_int.h"

#define MOD "api"

/* Schemas.  Bounds: characters for strings, values for numbers. */
static const struct api_field f_none[] = {{NULL}};
static const struct api_field f_hello[] = {
	{"token", FT_STR, true, 1, 128}, {NULL}};
static const struct api_field f_type[] = {
	{"type", FT_STR, false, 1, 32}, {NULL}};
static const struct api_field f_user[] = {
	{"username", FT_STR, true, 1, 63}, {NULL}};
static const struct api_field f_passwd[] = {
	{"username", FT_STR, true, 1, 63},
	{"password", FT_STR, true, 1, 128}, {NULL}};
static const struct api_field f_op_add[] = {
	{"username",     FT_STR,    true,  1, 63},
	{"password",     FT_STR,    true,  1, 128},
	{"roles",        FT_STRARR, true,  1, 5},
	{"display_name", FT_STR,    false, 0, 127},
	{"ptz_priority", FT_INT,    false, 0, 100},
	{"skills",       FT_STR,    false, 0, 255}, {NULL}};
static const struct api_field f_audit[] = {
	{"limit",  FT_INT, false, 1, 500},
	{"before", FT_INT, false, 0, 9e15}, {NULL}};
static const struct api_field f_tg_on[] = {
	{"talkgroup", FT_STR,  true, 1, 63},
	{"on",        FT_BOOL, true, 0, 0}, {NULL}};
static const struct api_field f_rec[] = {
	{"rec", FT_INT, true, 1, 9007199254740991.0}, {NULL}};
static const struct api_field f_recall[] = {
	{"resource", FT_STR, false, 1, 63},
	{"call",     FT_BOOL, false, 0, 0},
	{"count",    FT_INT, false, 1, 10}, {NULL}};
static const struct api_field f_rec_q[] = {
	{"resource",  FT_STR, false, 1, 63},
	{"talker",    FT_STR, false, 1, 191},
	{"operator",  FT_STR, false, 1, 63},
	{"position",  FT_STR, false, 1, 63},
	{"direction", FT_STR, false, 2, 2},
	{"call_id",   FT_STR, false, 1, 63},
	{"kind",      FT_STR, false, 1, 15},
	{"from_ms",   FT_INT, false, 0, 9007199254740991.0},
	{"to_ms",     FT_INT, false, 0, 9007199254740991.0},
	{"limit",     FT_INT, false, 1, 500}, {NULL}};
static const struct api_field f_tg[] = {
	{"talkgroup", FT_STR, true, 1, 63}, {NULL}};
static const struct api_field f_tg_em[] = {
	{"talkgroup", FT_STR,  true,  1, 63},
	{"on",        FT_BOOL, false, 0, 0}, {NULL}};
static const struct api_field f_volume[] = {
	{"resource", FT_STR, true, 1, 63},
	{"volume",   FT_INT, true, 0, 100}, {NULL}};
static const struct api_field f_mute[] = {
	{"channel", FT_STR,  true, 7, 7},
	{"on",      FT_BOOL, true, 0, 0}, {NULL}};
static const struct api_field f_patch[] = {
	{"a",  FT_STR,  true, 1, 63},
	{"b",  FT_STR,  true, 1, 63},
	{"on", FT_BOOL, true, 0, 0}, {NULL}};
static const struct api_field f_send[] = {
	{"to",     FT_STR, true,  1, 256},
	{"text",   FT_STR, false, 1, 200},
	{"status", FT_INT, false, 0, 65535}, {NULL}};
static const struct api_field f_on[] = {
	{"on", FT_BOOL, true, 0, 0}, {NULL}};
static const struct api_field f_play[] = {
	{"target",      FT_STR, true,  1, 80},
	{"tone_hz",     FT_INT, false, 50, 8000},
	{"wav",         FT_STR, false, 1, 128},
	{"level_dbfs",  FT_INT, false, -60, 0},
	{"duration_ms", FT_INT, false, 20, 60000}, {NULL}};
static const struct api_field f_call[] = {
	{"call", FT_INT, true, 1, 9e15}, {NULL}};
static const struct api_field f_call_on[] = {
	{"call", FT_INT,  true, 1, 9e15},
	{"on",   FT_BOOL, true, 0, 0}, {NULL}};
static const struct api_field f_call_to[] = {
	{"call", FT_INT, true, 1, 9e15},
	{"to",   FT_STR, true, 1, 63}, {NULL}};
static const struct api_field f_sup[] = {
	{"call", FT_INT, true, 1, 9e15},
	{"mode", FT_STR, true, 3, 7}, {NULL}};
static const struct api_field f_icom_to[] = {
	{"to", FT_STR, true, 1, 63}, {NULL}};
static const struct api_field f_icom[] = {
	{"id", FT_INT, true, 1, 9e15}, {NULL}};
static const struct api_field f_dial[] = {
	{"to",    FT_STR, true,  1, 31},
	{"trunk", FT_STR, false, 1, 32}, {NULL}};
static const struct api_field f_consult[] = {
	{"call",  FT_INT, true,  1, 9e15},
	{"to",    FT_STR, true,  1, 31},
	{"trunk", FT_STR, false, 1, 32}, {NULL}};
static const struct api_field f_ptz[] = {
	{"camera", FT_STR, true,  1, 64},
	{"pan",    FT_NUM, true, -1, 1},
	{"tilt",   FT_NUM, true, -1, 1},
	{"zoom",   FT_NUM, true, -1, 1}, {NULL}};
static const struct api_field f_cam[] = {
	{"camera", FT_STR, true, 1, 64}, {NULL}};
static const struct api_field f_preset[] = {
	{"camera", FT_STR, true,  1, 64},
	{"action", FT_STR, true,  3, 4},
	{"token",  FT_STR, false, 1, 63},
	{"name",   FT_STR, false, 1, 63}, {NULL}};
static const struct api_field f_move[] = {
	{"camera", FT_STR, true, 1, 64},
	{"mode",   FT_STR, true, 8, 8},
	{"pan",    FT_NUM, true, -1, 1},
	{"tilt",   FT_NUM, true, -1, 1},
	{"zoom",   FT_NUM, true, -1, 1}, {NULL}};
static const struct api_field f_discover[] = {
	{"timeout_ms", FT_INT, false, 100, 10000}, {NULL}};
static const struct api_field f_adopt[] = {
	{"camera",   FT_STR,    true,  1, 63},
	{"xaddr",    FT_STR,    true,  8, 500},
	{"name",     FT_STR,    false, 1, 127},
	{"endpoint", FT_STR,    false, 1, 127},
	{"roles",    FT_STRARR, false, 1, 5}, {NULL}};
static const struct api_field f_wall[] = {
	{"tile",   FT_STR, true,  1, 64},
	{"camera", FT_STR, false, 1, 64}, {NULL}};

static const struct api_field f_ptt[] = {
	{"on",   FT_BOOL, true,  0, 0},
	{"mode", FT_STR,  false, 6, 14}, {NULL}};
static const struct api_field f_pc_dial[] = {
	{"to",        FT_STR,  true,  1, 127},
	{"emergency", FT_BOOL, false, 0, 0}, {NULL}};
static const struct api_field f_pc[] = {
	{"call", FT_STR, true, 1, 63}, {NULL}};
static const struct api_field f_pc_answer[] = {
	{"call",   FT_STR,  true,  1, 63},
	{"accept", FT_BOOL, false, 0, 0}, {NULL}};
static const struct api_field f_pc_on[] = {
	{"call", FT_STR,  true, 1, 63},
	{"on",   FT_BOOL, true, 0, 0}, {NULL}};


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


const char *api_str(const json_t *msg, const char *name)
{
	return json_string_value(json_object_get(msg, name));
}


/* Audit an operator's action on an object, with the outcome */
void api_audit(struct api_req *r, const char *action, const char *object,
	       const char *result, json_t *detail)
{
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), action, object, result,
			detail);
	json_decref(detail);
}


static int op_ping(struct api_req *r, const json_t *msg, json_t **res,
		   struct api_err *e)
{
	*res = json_pack("{s:I}", "time", (json_int_t)now_ms());
	return 0;
}


static int op_session_info(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e)
{
	*res = session_info_json(r->api->ctx.sessions, r->sess);
	return 0;
}


static int op_logout(struct api_req *r, const json_t *msg, json_t **res,
		     struct api_err *e)
{
	session_end(r->api->ctx.sessions, r->sess, NULL, "logout");
	*res = json_object();
	return 0;
}


static int op_position_list(struct api_req *r, const json_t *msg,
			    json_t **res, struct api_err *e)
{
	*res = json_pack("{s:o}", "positions", pos_list_json(r->api->ctx.pos));
	return 0;
}


static int op_session_list(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e)
{
	*res = json_pack("{s:o}", "sessions",
			 session_list_json(r->api->ctx.sessions));
	return 0;
}


static json_t *resource_json(const struct conf_resource *rs)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:o}", "id", rs->id,
			      "name", rs->name,
			      "type", conf_res_type_name(rs->type),
			      "roles", roles_json(rs->roles));

	if (j && rs->attrs)
		json_object_update(j, rs->attrs);
	return j;
}


static int op_resource_list(struct api_req *r, const json_t *msg,
			    json_t **res, struct api_err *e)
{
	const struct conf *cf = r->api->ctx.conf;
	const char *type = api_str(msg, "type");
	uint32_t roles = session_roles(r->sess);
	json_t *arr = json_array();

	for (size_t i = 0; i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];

		if (!(rs->roles & roles))
			continue;
		if (type && strcmp(type, conf_res_type_name(rs->type)))
			continue;
		json_array_append_new(arr, resource_json(rs));
	}

	*res = json_pack("{s:o}", "resources", arr);
	return 0;
}


static int op_operator_list(struct api_req *r, const json_t *msg,
			    json_t **res, struct api_err *e)
{
	json_t *arr = NULL;

	if (operator_list(r->api->ctx.store, &arr))
		return api_fail(e, 500, "cannot read operators");

	*res = json_pack("{s:o}", "operators", arr);
	return 0;
}


/* Tell admin consoles the operator's new state, or that it is gone */
static json_t *operator_changed(struct api_req *r, const char *username)
{
	struct operator_rec rec;
	json_t *j;

	if (operator_get(r->api->ctx.store, username, &rec))
		j = json_pack("{s:s, s:b}", "username", username,
			      "removed", true);
	else
		j = operator_json(&rec);

	bus_publish("operator.update", j);
	return j;
}


static int store_fail(struct api_err *e, int err, const char *username)
{
	switch (err) {

	case ENOENT:
		return api_fail(e, 404, "no operator '%s'", username);
	case EEXIST:
		return api_fail(e, 409, "operator '%s' exists", username);
	case EINVAL:
		return api_fail(e, 400, "invalid operator data");
	default:
		return api_fail(e, 500, "store error: %s", strerror(err));
	}
}


static int roles_from(uint32_t *mask, const json_t *arr, struct api_err *e)
{
	size_t i;
	json_t *v;

	*mask = 0;
	json_array_foreach(arr, i, v) {
		uint32_t role;

		if (role_parse(&role, json_string_value(v)))
			return api_fail(e, 400, "unknown role '%s'",
					json_string_value(v));
		*mask |= role;
	}
	return 0;
}


static int op_operator_add(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e)
{
	const char *user = api_str(msg, "username");
	const char *pw = api_str(msg, "password");
	json_t *prio = json_object_get(msg, "ptz_priority");
	char why[128];
	uint32_t roles;
	int err;

	if (!operator_name_valid(user))
		return api_fail(e, 400, "'username' must be 1-63 of a-z 0-9 . "
				"_ - starting with a letter");
	if (passwd_policy_check(pw, why, sizeof(why)))
		return api_fail(e, 400, "'password': %s", why);
	err = roles_from(&roles, json_object_get(msg, "roles"), e);
	if (err)
		return err;

	err = operator_add(r->api->ctx.store, user,
			   api_str(msg, "display_name"), roles,
			   prio ? (int)json_integer_value(prio) : 0,
			   api_str(msg, "skills"), pw);
	if (err)
		return store_fail(e, err, user);

	api_audit(r, "operator.add", user, "ok",
		 json_pack("{s:o}", "roles", roles_json(roles)));
	*res = operator_changed(r, user);
	return 0;
}


/* lock, unlock and remove share their shape */
static int operator_change(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e, const char *what)
{
	struct store *st = r->api->ctx.store;
	const char *user = api_str(msg, "username");
	int err;

	if (!strcmp(what, "operator.remove"))
		err = operator_remove(st, user);
	else
		err = operator_set_locked(st, user,
					  !strcmp(what, "operator.lock"));
	if (err)
		return store_fail(e, err, user);

	api_audit(r, what, user, "ok", NULL);
	if (strcmp(what, "operator.unlock"))
		session_end_operator(r->api->ctx.sessions, user,
				     session_operator(r->sess),
				     strcmp(what, "operator.lock") ?
				     "account removed" : "account locked");
	*res = operator_changed(r, user);
	return 0;
}


static int op_operator_lock(struct api_req *r, const json_t *msg,
			    json_t **res, struct api_err *e)
{
	return operator_change(r, msg, res, e, "operator.lock");
}


static int op_operator_unlock(struct api_req *r, const json_t *msg,
			      json_t **res, struct api_err *e)
{
	return operator_change(r, msg, res, e, "operator.unlock");
}


static int op_operator_remove(struct api_req *r, const json_t *msg,
			      json_t **res, struct api_err *e)
{
	if (!strcmp(api_str(msg, "username"), session_operator(r->sess)))
		return api_fail(e, 409, "you cannot remove yourself");
	return operator_change(r, msg, res, e, "operator.remove");
}


static int op_operator_password(struct api_req *r, const json_t *msg,
				json_t **res, struct api_err *e)
{
	const char *user = api_str(msg, "username");
	char why[128];
	int err;

	if (passwd_policy_check(api_str(msg, "password"), why, sizeof(why)))
		return api_fail(e, 400, "'password': %s", why);

	err = operator_set_password(r->api->ctx.store, user,
				    api_str(msg, "password"));
	if (err)
		return store_fail(e, err, user);

	api_audit(r, "operator.password", user, "ok", NULL);
	json_decref(operator_changed(r, user));
	*res = json_object();
	return 0;
}


static int op_audit_list(struct api_req *r, const json_t *msg,
			 json_t **res, struct api_err *e)
{
	json_t *lim = json_object_get(msg, "limit");
	json_t *before = json_object_get(msg, "before");
	json_t *arr = NULL;

	if (audit_query(r->api->ctx.audit,
			before ? (uint64_t)json_integer_value(before) : 0,
			lim ? (unsigned)json_integer_value(lim) : 100, &arr))
		return api_fail(e, 500, "cannot read the audit trail");

	*res = json_pack("{s:o}", "entries", arr);
	return 0;
}


static void problem_add(uint64_t seq, const char *what, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s}", "seq",
					     (json_int_t)seq, "what", what));
}


static int op_audit_verify(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e)
{
	json_t *problems = json_array();
	uint64_t n = 0;
	int err;

	err = audit_verify(r->api->ctx.audit, problem_add, problems, &n);
	if (err && err != EBADMSG) {
		json_decref(problems);
		return api_fail(e, 500, "cannot verify: %s", strerror(err));
	}

	api_audit(r, "audit.verify", NULL, err ? "broken" : "ok",
		 json_pack("{s:I, s:I}", "entries", (json_int_t)n,
			   "problems", (json_int_t)json_array_size(problems)));
	*res = json_pack("{s:b, s:I, s:o}", "ok", !err, "entries",
			 (json_int_t)n, "problems", problems);
	return 0;
}


static const struct api_op ops[] = {
	{"hello",             NULL,              f_hello,    NULL},
	{"ping",              "session.self",    f_none,     op_ping},
	{"logout",            "session.self",    f_none,     op_logout},
	{"session.info",      "session.self",    f_none,     op_session_info},
	{"resource.list",     "resource.view",   f_type,     op_resource_list},
	{"position.list",     "position.view",   f_none,     op_position_list},
	{"session.list",      "session.view",    f_none,     op_session_list},
	{"operator.list",     "operator.view",   f_none,     op_operator_list},
	{"operator.add",      "operator.manage", f_op_add,   op_operator_add},
	{"operator.remove",   "operator.manage", f_user,     op_operator_remove},
	{"operator.lock",     "operator.manage", f_user,     op_operator_lock},
	{"operator.unlock",   "operator.manage", f_user,     op_operator_unlock},
	{"operator.password", "operator.manage", f_passwd,  op_operator_password},
	{"audit.list",        "audit.view",      f_audit,    op_audit_list},
	{"audit.verify",      "audit.verify",    f_none,     op_audit_verify},
	{"camera.ptz",        "camera.control",  f_ptz,      api_op_camera_ptz},
	{"camera.list",       "camera.view",     f_none,     api_op_camera_list},
	{"camera.release",    "camera.control",  f_cam,      api_op_camera_release},
	{"camera.presets",    "camera.view",     f_cam,      api_op_camera_presets},
	{"camera.preset",     "camera.control",  f_preset,   api_op_camera_preset},
	{"wall.route",        "wall.route",      f_wall,     api_op_wall_route},
	{"wall.state",        "camera.view",     f_none,     api_op_wall_state},
	{"camera.discover",   "camera.control",  f_discover, api_op_camera_discover},
	{"camera.move",       "camera.control",  f_move,     api_op_camera_move},
	{"camera.status",     "camera.view",     f_cam,      api_op_camera_status},
	{"camera.adopt",      "camera.manage",   f_adopt,    api_op_camera_adopt},
	{"camera.forget",     "camera.manage",   f_cam,      api_op_camera_forget},
	{"audio.state",       "session.self",    f_none,     api_op_audio_state},
	{"radio.monitor",     "radio.monitor",   f_tg_on,    api_op_monitor},
	{"radio.select",      "radio.monitor",   f_tg_on,    api_op_select},
	{"audio.volume",      "resource.view",   f_volume,   api_op_volume},
	{"audio.mute",        "session.self",    f_mute,     api_op_mute},
	{"radio.ptt",         "radio.transmit",  f_ptt,      api_op_ptt},
	{"audio.play",        "audio.test",      f_play,     api_op_play},
	{"audio.sounds",      "audio.test",      f_none,     api_op_sounds},
	{"radio.state",       "radio.monitor",   f_none,     api_op_radio_state},
	{"radio.emergency_ack", "radio.monitor", f_tg,       api_op_emergency_ack},
	{"radio.emergency_raise", "radio.transmit", f_tg_em, api_op_emergency_raise},
	{"radio.patch",       "radio.patch",     f_patch,    api_op_patch},
	{"radio.send",        "radio.transmit",  f_send,     api_op_radio_send},
	{"radio.calls",       "radio.monitor",   f_none,     api_op_rcall_list},
	{"radio.call",        "radio.transmit",  f_pc_dial,  api_op_rcall_dial},
	{"radio.call_answer", "radio.transmit",  f_pc_answer, api_op_rcall_answer},
	{"radio.call_hangup", "radio.transmit",  f_pc,       api_op_rcall_hangup},
	{"radio.call_ptt",    "radio.transmit",  f_pc_on,    api_op_rcall_ptt},
	{"call.state",        "call.answer",     f_none,     api_op_call_state},
	{"call.ready",        "call.answer",     f_on,       api_op_call_ready},
	{"call.answer",       "call.answer",     f_call,     api_op_call_answer},
	{"call.hangup",       "call.answer",     f_call,     api_op_call_hangup},
	{"call.hold",         "call.answer",     f_call_on,  api_op_call_hold},
	{"call.transfer",     "call.answer",     f_call_to,  api_op_call_transfer},
	{"call.dial",         "call.answer",     f_dial,     api_op_call_dial},
	{"call.consult",      "call.answer",     f_consult,  api_op_call_consult},
	{"call.consult_complete", "call.answer", f_call,     api_op_call_complete},
	{"call.consult_cancel", "call.answer",   f_call,     api_op_call_cancel},
	{"call.conference",   "call.answer",     f_call,     api_op_call_conference},
	{"call.supervise",    "call.supervise",  f_sup,      api_op_call_supervise},
	{"intercom.state",    "intercom.call",   f_none,     api_op_icom_state},
	{"intercom.call",     "intercom.call",   f_icom_to,  api_op_icom_call},
	{"intercom.answer",   "intercom.call",   f_icom,     api_op_icom_answer},
	{"intercom.hangup",   "intercom.call",   f_icom,     api_op_icom_hangup},
	{"recording.search",  "recording.replay", f_rec_q,   api_op_rec_search},
	{"recording.replay",  "recording.replay", f_rec,     api_op_rec_replay},
	{"recording.recall",  "recording.replay", f_recall,  api_op_rec_recall},
	{"recording.export",  "recording.export", f_rec,     api_op_rec_export},
	{"recording.get",     "recording.replay", f_rec,     api_op_rec_get},
};

/* Who may receive which pushed event */
static const struct {
	const char *event;
	const char *perm;
} event_perms[] = {
	{"position.update", "position.view"},
	{"operator.update", "operator.manage"},
	{"audit.entry",     "audit.view"},
	{"radio.floor",     "radio.monitor"},
	{"radio.emergency", "radio.monitor"},
	{"radio.message",   "radio.monitor"},
	{"radio.link",      "radio.monitor"},
	{"radio.alarm",     "radio.monitor"},
	{"radio.patch",     "radio.monitor"},
	{"radio.call",      "radio.monitor"},
	{"camera.lock",     "camera.view"},
	{"camera.status",   "camera.view"},
	{"wall.update",     "camera.view"},
	{"camera.discovered", "camera.view"},
	{"camera.adopted",  "camera.view"},
	{"call.update",     "call.answer"},
	{"queue.update",    "call.answer"},
	{"intercom.update", "intercom.call"},
	{"call.silent",     "call.answer"},
	{"recording.alarm", "recording.replay"},
};


const struct api_op *api_op_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(ops); i++) {
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	}
	return NULL;
}


const struct api_op *api_op_table(size_t *countp)
{
	*countp = ARRAY_SIZE(ops);
	return ops;
}


const char *api_event_perm(const char *event)
{
	for (size_t i = 0; i < ARRAY_SIZE(event_perms); i++) {
		if (!strcmp(event_perms[i].event, event))
			return event_perms[i].perm;
	}
	return NULL;
}


void api_count_error(struct api *api, int code)
{
	static const int codes[] = {400, 401, 403, 404, 409};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codes) && codes[i] != code; i++)
		;
	++api->cnt.errors[i];   /* the last slot counts everything else */
}


int api_dispatch(struct api_req *r, const json_t *msg, json_t **result,
		 struct api_err *e)
{
	const char *name = api_str(msg, "op");
	const struct api_op *op = api_op_find(name);
	uint32_t roles = session_roles(r->sess);
	char rs[96];
	int err;

	*result = NULL;
	if (!op || !op->h)
		err = api_fail(e, 404, "unknown op '%s'", name ? name : "");
	else if (!session_active(r->sess))
		err = api_fail(e, 401, "not logged in");
	else if (!rbac_allowed(roles, op->perm)) {
		roles_print(rs, sizeof(rs), roles);
		err = api_fail(e, 403, "role %s may not use %s", rs, name);
		api_audit(r, "denied", name, "denied",
			 json_pack("{s:s, s:s}", "perm", op->perm,
				   "via", r->transport));
		log_notice(MOD, "denied %s to %s (%s)", name,
			   session_operator(r->sess), rs);
	}
	else if (!(err = api_msg_check(op->fields, msg, e))) {
		session_touch(r->sess);
		err = op->h(r, msg, result, e);
		if (!err && !*result)
			err = api_fail(e, 500, "out of memory");
	}

	if (err)
		api_count_error(r->api, err);
	return err;
}
