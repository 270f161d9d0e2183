/**
 * @file ops_camera.c  CCTV ops: camera list, PTZ under the control lock,
 *                     presets, video wall routing
 *
 * A camera or tile the operator's roles do not include is "not found",
 * as for every resource.  Every PTZ action is audited with its outcome,
 * refusals included (who tried to steer what is the point of the trail).
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/audit.h"
#include "auth/session.h"
#include "auth/operator.h"
#include "camera/cam.h"
#include "api/api.h"
#include "api/api_int.h"


static const struct conf_resource *visible(struct api_req *r,
					   const char *id,
					   enum conf_res_type type)
{
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, id);

	if (!rs || rs->type != type || !(rs->roles & session_roles(r->sess)))
		return NULL;
	return rs;
}


static void audit_ptz(struct api_req *r, const char *action,
		      const char *cam, int err, json_t *detail)
{
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), action, cam,
			err == EBUSY ? "denied" : err ? "failed" : "ok",
			detail);
	json_decref(detail);
}


static void who_of(struct api_req *r, struct cam_who *w)
{
	struct operator_rec rec;

	w->op = session_operator(r->sess);
	w->pos = session_position(r->sess);
	w->prio = operator_get(r->api->ctx.store, w->op, &rec) ? 0 :
		rec.ptz_priority;
}


static int ptz_fail(struct api_err *e, int err, const char *cam,
		    const char *holder)
{
	switch (err) {

	case 0:
		return 0;
	case ENOENT:
		return api_fail(e, 404, "no camera '%s'", cam);
	case ENOTSUP:
		return api_fail(e, 409, "camera '%s' cannot pan, tilt or "
				"zoom", cam);
	case EBUSY:
		return api_fail(e, 423, "camera '%s' is controlled by %s",
				cam, holder ? holder : "another operator");
	default:
		return api_fail(e, 503, "camera '%s' did not take the "
				"command", cam);
	}
}


int api_op_camera_list(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	const struct conf *cf = r->api->ctx.conf;
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		json_t *j;

		if (rs->type != RES_CAMERA ||
		    !(rs->roles & session_roles(r->sess)))
			continue;
		j = cam_json(r->api->ctx.cams, rs->id);
		if (j)
			json_array_append_new(arr, j);
	}
	*res = json_pack("{s:o}", "cameras", arr);
	return 0;
}


int api_op_camera_ptz(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	const char *cam = api_str(msg, "camera"), *holder = NULL;
	double pan = json_number_value(json_object_get(msg, "pan"));
	double tilt = json_number_value(json_object_get(msg, "tilt"));
	double zoom = json_number_value(json_object_get(msg, "zoom"));
	struct cam_who w;
	int err;

	if (!visible(r, cam, RES_CAMERA))
		return api_fail(e, 404, "no camera '%s'", cam);
	who_of(r, &w);
	err = cam_ptz_move(r->api->ctx.cams, cam, &w, pan, tilt, zoom,
			   &holder);
	audit_ptz(r, "camera.ptz", cam, err,
		  json_pack("{s:f, s:f, s:f, s:s?}", "pan", pan, "tilt", tilt,
			    "zoom", zoom, "holder", holder));
	if (err)
		return ptz_fail(e, err, cam, holder);
	*res = cam_json(r->api->ctx.cams, cam);
	return 0;
}


int api_op_camera_move(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	const char *cam = api_str(msg, "camera"), *holder = NULL;
	const char *mode = api_str(msg, "mode");
	double pan = json_number_value(json_object_get(msg, "pan"));
	double tilt = json_number_value(json_object_get(msg, "tilt"));
	double zoom = json_number_value(json_object_get(msg, "zoom"));
	struct cam_who w;
	int err;

	if (!visible(r, cam, RES_CAMERA))
		return api_fail(e, 404, "no camera '%s'", cam);
	if (strcmp(mode, "absolute") && strcmp(mode, "relative"))
		return api_fail(e, 400, "'mode' must be absolute or relative");
	who_of(r, &w);
	err = cam_ptz_goto(r->api->ctx.cams, cam, &w,
			   !strcmp(mode, "relative"), pan, tilt, zoom,
			   &holder);
	audit_ptz(r, "camera.move", cam, err,
		  json_pack("{s:s, s:f, s:f, s:f}", "mode", mode, "pan", pan,
			    "tilt", tilt, "zoom", zoom));
	if (err)
		return ptz_fail(e, err, cam, holder);
	*res = cam_json(r->api->ctx.cams, cam);
	return 0;
}


int api_op_camera_status(struct api_req *r, const json_t *msg,
			 json_t **res, struct api_err *e)
{
	const char *cam = api_str(msg, "camera");

	if (!visible(r, cam, RES_CAMERA))
		return api_fail(e, 404, "no camera '%s'", cam);
	*res = json_pack("{s:s, s:o}", "camera", cam, "position",
			 cam_status_json(r->api->ctx.cams, cam));
	return 0;
}


int api_op_camera_release(struct api_req *r, const json_t *msg,
			  json_t **res, struct api_err *e)
{
	const char *cam = api_str(msg, "camera");
	struct cam_who w;
	int err;

	if (!visible(r, cam, RES_CAMERA))
		return api_fail(e, 404, "no camera '%s'", cam);
	who_of(r, &w);
	err = cam_lock_release(r->api->ctx.cams, cam, &w, "released");
	if (err == EPERM)
		return api_fail(e, 409, "you do not control '%s'", cam);
	if (err)
		return ptz_fail(e, err, cam, NULL);
	*res = cam_json(r->api->ctx.cams, cam);
	return 0;
}


int api_op_camera_presets(struct api_req *r, const json_t *msg,
			  json_t **res, struct api_err *e)
{
	const char *cam = api_str(msg, "camera");

	if (!visible(r, cam, RES_CAMERA))
		return api_fail(e, 404, "no camera '%s'", cam);
	*res = json_pack("{s:s, s:o}", "camera", cam, "presets",
			 cam_presets_json(r->api->ctx.cams, cam));
	return 0;
}


int api_op_camera_preset(struct api_req *r, const json_t *msg,
			 json_t **res, struct api_err *e)
{
	const char *cam = api_str(msg, "camera");
	const char *action = api_str(msg, "action");
	const char *token = api_str(msg, "token");
	const char *name = api_str(msg, "name");
	const char *holder = NULL;
	struct cam_who w;
	int err;

	if (!visible(r, cam, RES_CAMERA))
		return api_fail(e, 404, "no camera '%s'", cam);
	if (strcmp(action, "goto") && strcmp(action, "set"))
		return api_fail(e, 400, "'action' must be goto or set");
	if (!strcmp(action, "goto") ? !token : !name)
		return api_fail(e, 400, "'%s' is required",
				!strcmp(action, "goto") ? "token" : "name");
	who_of(r, &w);
	err = cam_ptz_preset(r->api->ctx.cams, cam, &w, action, token, name,
			     &holder);
	audit_ptz(r, "camera.preset", cam, err,
		  json_pack("{s:s, s:s?, s:s?}", "action", action, "token",
			    token, "name", name));
	if (err)
		return ptz_fail(e, err, cam, holder);
	*res = cam_json(r->api->ctx.cams, cam);
	return 0;
}


/* WS-Discovery runs in the background: the devices come as one
 * camera.discovered event when the listening time is over */
int api_op_camera_discover(struct api_req *r, const json_t *msg,
			   json_t **res, struct api_err *e)
{
	const struct conf *cf = r->api->ctx.conf;
	const char *target = cf->cctv_discovery ? cf->cctv_discovery :
		"239.255.255.250:3702";
	json_t *t = json_object_get(msg, "timeout_ms");
	unsigned ms = t ? (unsigned)json_integer_value(t) : 2000;
	int err = cam_discover(r->api->ctx.cams, target, ms);

	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), "camera.discover", target,
			err ? "failed" : "ok", NULL);
	if (err == EALREADY)
		return api_fail(e, 409, "a discovery is already running");
	if (err)
		return api_fail(e, 503, "cannot send the probe to %s",
				target);
	*res = json_pack("{s:s, s:i}", "target", target, "timeout_ms",
			 (int)ms);
	return 0;
}


int api_op_wall_route(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	const char *tile = api_str(msg, "tile");
	const char *cam = api_str(msg, "camera");
	int err;

	if (!visible(r, tile, RES_WALL_TILE))
		return api_fail(e, 404, "no wall tile '%s'", tile);
	if (cam && !visible(r, cam, RES_CAMERA))
		return api_fail(e, 404, "no camera '%s'", cam);
	err = cam_wall_route(r->api->ctx.cams, tile, cam);
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), "wall.route", tile,
			err ? "failed" : "ok", NULL);
	if (err)
		return api_fail(e, 500, "cannot route");
	*res = json_pack("{s:s, s:s?}", "tile", tile, "camera", cam);
	return 0;
}


int api_op_wall_state(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	const struct conf *cf = r->api->ctx.conf;
	json_t *routes = cam_wall_json(r->api->ctx.cams);
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		const char *cam;

		if (rs->type != RES_WALL_TILE ||
		    !(rs->roles & session_roles(r->sess)))
			continue;
		cam = json_string_value(json_object_get(routes, rs->id));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:O?, s:O?,"
			" s:s?}", "id", rs->id, "name", rs->name, "wall",
			json_object_get(rs->attrs, "wall"), "index",
			json_object_get(rs->attrs, "index"), "camera", cam));
	}
	json_decref(routes);
	*res = json_pack("{s:o}", "tiles", arr);
	return 0;
}
