/**
 * @file ops_camera.c  CCTV ops: camera list, PTZ under the control lock,
 *                     presets, video wall routing
 *
 * A camera or tile the operator's roles do not include is "not found",
 * as for every resource.  Every PTZ action is audited with its outcome,
 * refusals included (who tried to steer what is the point of the trail).
 */
#include <string.h>
#include <ctype.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/audit.h"
#include "auth/session.h"
#include "auth/operator.h"
#include "auth/rbac.h"
#include "camera/cam.h"
#include "api/api.h"
#include "api/api_int.h"


static const struct conf_resource *visible_tile(struct api_req *r,
						const char *id)
{
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, id);

	if (!rs || rs->type != RES_WALL_TILE ||
	    !(rs->roles & session_roles(r->sess)))
		return NULL;
	return rs;
}


/* Cameras come from the config and from adoption: the registry knows
 * both, and which roles may see each */
static bool visible(struct api_req *r, const char *cam)
{
	return cam_visible(r->api->ctx.cams, cam, session_roles(r->sess));
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
	*res = json_pack("{s:o}", "cameras", cam_list_json(r->api->ctx.cams,
		session_roles(r->sess)));
	return 0;
}


/* The end of every steering op: audited with its outcome, refusals
 * included, then the camera (with its lock) or the error */
static int ptz_done(struct api_req *r, const char *action, const char *cam,
		    int err, const char *holder, json_t *detail,
		    json_t **res, struct api_err *e)
{
	audit_ptz(r, action, cam, err, detail);
	if (err)
		return ptz_fail(e, err, cam, holder);
	*res = cam_json(r->api->ctx.cams, cam);
	return 0;
}


static double num(const json_t *msg, const char *k)
{
	return json_number_value(json_object_get(msg, k));
}


int api_op_camera_ptz(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	const char *cam = api_str(msg, "camera"), *holder = NULL;
	double pan = num(msg, "pan"), tilt = num(msg, "tilt");
	double zoom = num(msg, "zoom");
	struct cam_who w;
	int err;

	if (!visible(r, cam))
		return api_fail(e, 404, "no camera '%s'", cam);
	who_of(r, &w);
	err = cam_ptz_move(r->api->ctx.cams, cam, &w, pan, tilt, zoom,
			   &holder);
	return ptz_done(r, "camera.ptz", cam, err, holder,
			json_pack("{s:f, s:f, s:f, s:s?}", "pan", pan, "tilt",
				  tilt, "zoom", zoom, "holder", holder),
			res, e);
}


int api_op_camera_move(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	const char *cam = api_str(msg, "camera"), *holder = NULL;
	const char *mode = api_str(msg, "mode");
	double pan = num(msg, "pan"), tilt = num(msg, "tilt");
	double zoom = num(msg, "zoom");
	struct cam_who w;
	int err;

	if (!visible(r, cam))
		return api_fail(e, 404, "no camera '%s'", cam);
	if (strcmp(mode, "absolute") && strcmp(mode, "relative"))
		return api_fail(e, 400, "'mode' must be absolute or relative");
	who_of(r, &w);
	err = cam_ptz_goto(r->api->ctx.cams, cam, &w,
			   !strcmp(mode, "relative"), pan, tilt, zoom,
			   &holder);
	return ptz_done(r, "camera.move", cam, err, holder,
			json_pack("{s:s, s:f, s:f, s:f}", "mode", mode, "pan",
				  pan, "tilt", tilt, "zoom", zoom), res, e);
}


int api_op_camera_status(struct api_req *r, const json_t *msg,
			 json_t **res, struct api_err *e)
{
	const char *cam = api_str(msg, "camera");

	if (!visible(r, cam))
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

	if (!visible(r, cam))
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

	if (!visible(r, cam))
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

	if (!visible(r, cam))
		return api_fail(e, 404, "no camera '%s'", cam);
	if (strcmp(action, "goto") && strcmp(action, "set"))
		return api_fail(e, 400, "'action' must be goto or set");
	if (!strcmp(action, "goto") ? !token : !name)
		return api_fail(e, 400, "'%s' is required",
				!strcmp(action, "goto") ? "token" : "name");
	who_of(r, &w);
	err = cam_ptz_preset(r->api->ctx.cams, cam, &w, action, token, name,
			     &holder);
	return ptz_done(r, "camera.preset", cam, err, holder,
			json_pack("{s:s, s:s?, s:s?}", "action", action,
				  "token", token, "name", name), res, e);
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

	if (!visible_tile(r, tile))
		return api_fail(e, 404, "no wall tile '%s'", tile);
	if (cam && !visible(r, cam))
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


/* An id that goes into URLs, the store and the config's namespace */
static bool id_ok(const char *s)
{
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	}
	return true;
}


/* Adopt a WS-Discovery result: probed in the background, the outcome
 * comes as a camera.adopted event (and in the audit trail) */
int api_op_camera_adopt(struct api_req *r, const json_t *msg, json_t **res,
			struct api_err *e)
{
	const char *id = api_str(msg, "camera");
	const char *xaddr = api_str(msg, "xaddr");
	const char *name = api_str(msg, "name");
	const json_t *jr = json_object_get(msg, "roles");
	uint32_t roles = 0;
	size_t i;
	json_t *v;
	int err;

	if (!id_ok(id))
		return api_fail(e, 400, "'camera' may hold letters, digits, "
				". _ -");
	if ((strncmp(xaddr, "http://", 7) && strncmp(xaddr, "https://", 8)) ||
	    strpbrk(xaddr, "<>&\"' "))
		return api_fail(e, 400, "'xaddr' must be an http(s) URL");
	json_array_foreach(jr, i, v) {
		uint32_t bit;

		if (role_parse(&bit, json_string_value(v)))
			return api_fail(e, 400, "unknown role '%s'",
					json_string_value(v));
		roles |= bit;
	}
	if (!jr)   /* everyone who may view cameras */
		roles = rbac_perm_find("camera.view")->roles;
	if (conf_resource(r->api->ctx.conf, id))
		return api_fail(e, 409, "'%s' is already a resource", id);
	err = cam_adopt(r->api->ctx.cams, id, name ? name : id, xaddr,
			api_str(msg, "endpoint"), roles,
			session_operator(r->sess), session_position(r->sess));
	api_audit(r, "camera.adopt_request", id, err ? "failed" : "ok",
		  json_pack("{s:s}", "xaddr", xaddr));
	if (err == EEXIST || err == EALREADY)
		return api_fail(e, 409, err == EEXIST ? "'%s' is taken" :
				"%s is already a camera", err == EEXIST ? id :
				xaddr);
	if (err)
		return api_fail(e, 503, "cannot adopt: %s", strerror(err));
	*res = json_pack("{s:s, s:s, s:s}", "camera", id, "xaddr", xaddr,
			 "state", "probing");
	return 0;
}


int api_op_camera_forget(struct api_req *r, const json_t *msg,
			 json_t **res, struct api_err *e)
{
	const char *cam = api_str(msg, "camera");
	int err = cam_forget(r->api->ctx.cams, cam);

	api_audit(r, "camera.forget", cam, err ? "failed" : "ok", NULL);
	if (err == ENOENT)
		return api_fail(e, 404, "no camera '%s'", cam);
	if (err == EPERM)
		return api_fail(e, 409, "'%s' is in the config: remove it there",
				cam);
	if (err)
		return api_fail(e, 503, "cannot forget '%s'", cam);
	*res = json_pack("{s:s}", "camera", cam);
	return 0;
}


/* GET /api/v1/cameras/{id}/snapshot: the camera's JPEG, fetched by
 * iccsd with the camera's credentials (the browser never sees the
 * camera's URL or account); audited */
struct snap_req {
	struct api *api;
	struct http_conn *conn;
	struct mbuf *jpeg;       /* held until its audit entry is durable */
	char cam[64], op[64], pos[64];
};


static void snap_destructor(void *data)
{
	struct snap_req *s = data;

	mem_deref(s->conn);
	mem_deref(s->jpeg);
}


static void snap_send(void *arg)
{
	struct snap_req *s = arg;

	api_http_reply(s->conn, 200, "image/jpeg",
		       "Cache-Control: no-store\r\n", s->jpeg->buf,
		       s->jpeg->end);
	mem_deref(s);
}


static void snap_audit(struct snap_req *s, const char *result,
		       const char *why)
{
	json_t *d = why ? json_pack("{s:s}", "reason", why) : NULL;

	(void)audit_log(s->api->ctx.audit, s->op, s->pos, "camera.snapshot",
			s->cam, result, d);
	json_decref(d);
}


static void snap_h(int err, const char *why, const struct mbuf *jpeg,
		   void *arg)
{
	struct snap_req *s = arg;
	struct api_err e = {0};

	snap_audit(s, err ? "failed" : "ok", err ? why : NULL);
	if (err) {
		api_fail(&e, err == ENOENT ? 404 : 502, "camera '%s': %s",
			 s->cam, why && why[0] ? why : "no snapshot");
		api_count_error(s->api, e.code);
		api_http_error(s->conn, &e);
		return;
	}
	/* as every reply: sent once its audit entry is on disk */
	s->jpeg = mem_ref((struct mbuf *)jpeg);
	mem_ref(s);
	if (!audit_pending(s->api->ctx.audit) ||
	    audit_when_durable(s->api->ctx.audit, snap_send, s))
		snap_send(s);
}


void api_camera_snapshot(struct api *api, struct http_conn *conn,
			 struct session *sess, const char *cam)
{
	struct api_err e = {0};
	struct snap_req *s;
	int err;

	if (!session_active(sess))
		err = api_fail(&e, 401, "not logged in");
	else if (!rbac_allowed(session_roles(sess), "camera.view"))
		err = api_fail(&e, 403, "your roles may not view cameras");
	else if (!cam_visible(api->ctx.cams, cam, session_roles(sess)))
		err = api_fail(&e, 404, "no camera '%s'", cam);
	else
		err = 0;
	if (err)
		goto out;
	s = mem_zalloc(sizeof(*s), snap_destructor);
	if (!s) {
		err = api_fail(&e, 500, "out of memory");
		goto out;
	}
	s->api = api;
	s->conn = mem_ref(conn);
	str_ncpy(s->cam, cam, sizeof(s->cam));
	str_ncpy(s->op, session_operator(sess), sizeof(s->op));
	str_ncpy(s->pos, session_position(sess), sizeof(s->pos));
	err = cam_snapshot(api->ctx.cams, cam, snap_h, s);
	if (err == ENOTSUP)
		api_fail(&e, 409, "camera '%s' has no ONVIF snapshot", cam);
	else if (err)
		api_fail(&e, 503, "camera '%s' is busy", cam);
	if (err)
		snap_audit(s, "failed", e.reason);
	mem_deref(s);   /* the request keeps its own reference */
 out:
	if (err) {
		api_count_error(api, e.code);
		api_http_error(conn, &e);
	}
}
