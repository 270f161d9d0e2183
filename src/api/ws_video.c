/**
 * @file ws_video.c  Live camera video for consoles and walls: /ws/video
 *
 * Text in: {"op":"hello","token"} then {"op":"view","camera":ID|null} as
 * often as the viewer switches.  Out: text events {"event":"init",
 * "camera","codec","width","height"} (the next binary frame is the fMP4
 * init segment), {"event":"offline","camera","reason"}; binary frames are
 * whole fMP4 fragments (moof+mdat), one per picture, starting at a
 * keyframe.  One channel shows one camera: a multi-view opens several.
 *
 * A viewer that cannot keep up (libre's send queue grows) skips to the
 * next keyframe instead of growing a buffer: the picture jumps, the delay
 * does not.  When the channel closes, a PTZ lock its operator holds on
 * the camera it showed is released (Stop is sent).
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "auth/rbac.h"
#include "auth/session.h"
#include "camera/cam.h"
#include "api/api.h"
#include "api/api_int.h"

#define MOD "video"

enum {
	VID_KEEPALIVE = 25000,
	VID_TXQ_SKIP = 512 * 1024,   /* queued beyond this: skip to key  */
};

struct video_client {
	struct le le;             /* in api->video                      */
	struct api *api;
	struct websock_conn *wc;
	struct session *sess;
	struct cam_viewer *viewer;
	char cam[64];
	bool skipping;
	uint64_t skipped;
};


static void send_json(struct video_client *c, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (s)
		(void)websock_send(c->wc, WEBSOCK_TEXT, "%s", s);
	free(s);
	json_decref(j);
}


static void fail(struct video_client *c, int code, const char *reason)
{
	send_json(c, json_pack("{s:b, s:{s:i, s:s}}", "ok", 0, "error",
			       "code", code, "reason", reason));
}


static void release_lock(struct video_client *c, const char *why)
{
	struct cam_who w;

	if (!c->sess || !c->cam[0])
		return;
	/* the same session may show the camera elsewhere (another tile,
	 * the wall page): the lock stays while any of them does */
	for (struct le *le = list_head(&c->api->video); le; le = le->next) {
		const struct video_client *o = le->data;

		/* NULL: being flushed (api going away) */
		if (o && o != c && o->sess == c->sess && o->viewer &&
		    !strcmp(o->cam, c->cam))
			return;
	}
	w.op = session_operator(c->sess);
	w.pos = session_position(c->sess);
	w.prio = 0;
	(void)cam_lock_release(c->api->ctx.cams, c->cam, &w, why);
}


static void client_destructor(void *data)
{
	struct video_client *c = data;

	list_unlink(&c->le);
	c->viewer = mem_deref(c->viewer);
	release_lock(c, "console closed");
	mem_deref(c->sess);
	mem_deref(c->wc);
}


static void frag_handler(const struct cam_frag *f, void *arg)
{
	struct video_client *c = arg;
	size_t txq = tcp_conn_txqsz(websock_tcp(c->wc));

	if (!session_active(c->sess)) {   /* logged out, locked: stop */
		(void)websock_close(c->wc, WEBSOCK_NORMAL_CLOSURE,
				    "session ended");
		return;
	}

	switch (f->type) {

	case CAM_FRAG_INIT:
		c->skipping = false;
		send_json(c, json_pack("{s:s, s:s, s:s, s:i, s:i}", "event",
				       "init", "camera", c->cam, "codec",
				       f->codec, "width", f->width, "height",
				       f->height));
		(void)websock_send(c->wc, WEBSOCK_BIN, "%b", f->p, f->n);
		return;
	case CAM_FRAG_OFFLINE:
		send_json(c, json_pack("{s:s, s:s, s:s}", "event", "offline",
				       "camera", c->cam, "reason",
				       f->reason ? f->reason : "offline"));
		return;
	case CAM_FRAG_KEY:
		if (txq <= VID_TXQ_SKIP)
			c->skipping = false;
		break;
	case CAM_FRAG_DELTA:
		if (txq > VID_TXQ_SKIP)
			c->skipping = true;
		break;
	}
	if (c->skipping) {
		++c->skipped;
		return;
	}
	(void)websock_send(c->wc, WEBSOCK_BIN, "%b", f->p, f->n);
}


static void view(struct video_client *c, const char *cam)
{
	int err;

	if (!rbac_allowed(session_roles(c->sess), "camera.view")) {
		fail(c, 403, "your roles may not view cameras");
		return;
	}
	if (cam && !cam_visible(c->api->ctx.cams, cam,
				session_roles(c->sess))) {
		fail(c, 404, "no such camera");
		return;
	}
	if (cam && !strcmp(cam, c->cam) && c->viewer)
		return;
	release_lock(c, "camera deselected");
	c->viewer = mem_deref(c->viewer);
	c->cam[0] = '\0';
	c->skipping = false;
	send_json(c, json_pack("{s:b, s:s?}", "ok", 1, "camera", cam));
	if (!cam)
		return;
	str_ncpy(c->cam, cam, sizeof(c->cam));
	err = cam_view(&c->viewer, c->api->ctx.cams, cam, frag_handler, c);
	if (err) {
		log_warn(MOD, "cannot view %s: %m", cam, err);
		send_json(c, json_pack("{s:s, s:s, s:s}", "event", "offline",
				       "camera", cam, "reason",
				       "cannot start the stream"));
	}
}


static void recv_handler(const struct websock_hdr *hdr, struct mbuf *mb,
			 void *arg)
{
	struct video_client *c = arg;
	json_t *msg;
	const char *op;

	if (hdr->opcode != WEBSOCK_TEXT) {
		(void)websock_close(c->wc, WEBSOCK_UNSUPPORTED_DATA,
				    "text frames only");
		return;
	}
	msg = json_loadb((const char *)mbuf_buf(mb), mbuf_get_left(mb), 0,
			 NULL);
	op = json_string_value(json_object_get(msg, "op"));

	if (op && !strcmp(op, "hello") && !c->sess) {
		struct session *s = session_lookup(c->api->ctx.sessions,
			json_string_value(json_object_get(msg, "token")));

		if (s) {
			c->sess = mem_ref(s);
			send_json(c, json_pack("{s:b}", "ok", 1));
		}
		else {
			fail(c, 401, "hello with a live session token");
			(void)websock_close(c->wc, WEBSOCK_POLICY_VIOLATION,
					    "not authenticated");
		}
	}
	else if (!c->sess || !session_active(c->sess))
		(void)websock_close(c->wc, WEBSOCK_POLICY_VIOLATION,
				    "hello first");
	else if (op && !strcmp(op, "view")) {
		json_t *cam = json_object_get(msg, "camera");

		if (json_is_null(cam) || (json_is_string(cam) &&
		    json_string_length(cam) > 0 &&
		    json_string_length(cam) < 64))
			view(c, json_string_value(cam));
		else
			fail(c, 400, "'camera' must be an id or null");
	}
	else
		fail(c, 400, "op must be hello or view");
	json_decref(msg);
}


static void close_handler(int err, void *arg)
{
	struct video_client *c = arg;

	log_debug(MOD, "video channel closed (%m)", err);
	mem_deref(c);
}


int api_video_accept(struct api *api, struct http_conn *conn,
		     const struct http_msg *msg)
{
	struct video_client *c;
	int err;

	if (!api->ctx.cams)
		return ENOTSUP;
	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c)
		return ENOMEM;
	c->api = api;
	err = websock_accept(&c->wc, api->ws, conn, msg, VID_KEEPALIVE,
			     recv_handler, close_handler, c);
	if (err) {
		mem_deref(c);
		return err;
	}
	api_tcp_nodelay(websock_tcp(c->wc));
	list_append(&api->video, &c->le, c);
	return 0;
}
