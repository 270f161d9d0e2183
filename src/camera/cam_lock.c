/**
 * @file cam_lock.c  The PTZ control lock: one operator steers a camera
 *
 * Rules (after Milestone and Genetec, reference/cctv.md §4.1): the first
 * PTZ command takes a free lock; a higher PTZ priority takes it over (the
 * previous holder is told through the camera.lock event); an equal or
 * lower one is refused with the holder's name; the lock is released after
 * lock_idle_ms without a command, by hand, or when the holder's console
 * goes.  Every release and takeover sends Stop first: ONVIF itself has no
 * lock, the camera just runs the latest command.
 *
 * While a move is held the camera gets a ContinuousMove with a 1 s timeout
 * every 0.7 s: should iccsd die, the camera stops by itself within 1 s.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/bus.h"
#include "core/audit.h"
#include "camera/cam.h"
#include "camera/cam_int.h"

#define MOD "camera"


void cam_lock_json(json_t *j, const struct cam *c)
{
	if (!j)
		return;
	if (!c->holder[0]) {
		json_object_set_new(j, "lock", json_null());
		return;
	}
	json_object_set_new(j, "lock", json_pack("{s:s, s:s, s:i}",
		"operator", c->holder, "position", c->holder_pos,
		"priority", c->holder_prio));
}


static void lock_event(struct cam *c, const char *prev_op,
		       const char *prev_pos, const char *reason)
{
	json_t *j = json_pack("{s:s, s:s, s:s?, s:s?}", "camera", c->id,
			      "reason", reason, "previous", prev_op,
			      "previous_position", prev_pos);

	cam_lock_json(j, c);
	bus_publish("camera.lock", j);
	json_decref(j);
}


static void audit_j(struct cam *c, const char *op, const char *pos,
		    const char *action, json_t *detail)
{
	(void)audit_log(c->reg->audit, op, pos, action, c->id, "ok", detail);
	json_decref(detail);
}


static void stop_motion(struct cam *c)
{
	tmr_cancel(&c->refresh);
	c->moving = false;
	memset(c->v, 0, sizeof(c->v));
	(void)cam_ptz_job(c->worker, JOB_STOP, NULL, NULL, NULL);
}


static void release(struct cam *c, const char *reason)
{
	char op[64], pos[64];

	str_ncpy(op, c->holder, sizeof(op));
	str_ncpy(pos, c->holder_pos, sizeof(pos));
	stop_motion(c);
	tmr_cancel(&c->idle);
	c->holder[0] = c->holder_pos[0] = '\0';
	c->holder_prio = 0;
	cam_store_lock(c);
	log_info(MOD, "%s: lock of %s released (%s)", c->id, op, reason);
	audit_j(c, op, pos, "camera.lock_release",
		json_pack("{s:s}", "reason", reason));
	lock_event(c, op, pos, reason);
}


static void idle_expired(void *arg)
{
	struct cam *c = arg;

	if (c->holder[0])
		release(c, "inactivity");
}


static void refresh(void *arg)
{
	struct cam *c = arg;

	if (!c->moving)
		return;
	(void)cam_ptz_job(c->worker, JOB_MOVE, c->v, NULL, NULL);
	tmr_start(&c->refresh, CAM_MOVE_REFRESH_MS, refresh, c);
}


void cam_lock_init(struct cam *c)
{
	tmr_init(&c->idle);
	tmr_init(&c->refresh);
}


void cam_lock_close(struct cam *c)
{
	if (c->holder[0] && c->moving)
		(void)cam_ptz_job(c->worker, JOB_STOP, NULL, NULL, NULL);
	tmr_cancel(&c->idle);
	tmr_cancel(&c->refresh);
	c->worker = mem_deref(c->worker);   /* runs the Stop, joins */
}


static bool holds(const struct cam *c, const struct cam_who *w)
{
	return !strcmp(c->holder, w->op) && !strcmp(c->holder_pos, w->pos);
}


/* Take, keep or take over the lock; EBUSY if someone at least as high
 * holds it */
static int acquire(struct cam *c, const struct cam_who *w,
		   const char **holderp)
{
	char prev[64], prev_pos[64];
	bool takeover;

	if (c->holder[0] && holds(c, w))
		goto keep;
	if (c->holder[0] && w->prio <= c->holder_prio) {
		if (holderp)
			*holderp = c->holder;
		return EBUSY;
	}
	takeover = c->holder[0] != '\0';
	str_ncpy(prev, c->holder, sizeof(prev));
	str_ncpy(prev_pos, c->holder_pos, sizeof(prev_pos));
	if (takeover)
		stop_motion(c);
	str_ncpy(c->holder, w->op, sizeof(c->holder));
	str_ncpy(c->holder_pos, w->pos, sizeof(c->holder_pos));
	c->holder_prio = w->prio;
	cam_store_lock(c);
	if (takeover) {
		log_notice(MOD, "%s: %s (priority %d) took control from %s",
			   c->id, w->op, w->prio, prev);
		audit_j(c, w->op, w->pos, "camera.lock_takeover",
			json_pack("{s:s, s:i}", "from", prev, "priority",
				  w->prio));
	}
	lock_event(c, takeover ? prev : NULL, takeover ? prev_pos : NULL,
		   takeover ? "takeover" : "acquired");
 keep:
	tmr_start(&c->idle, c->reg->lock_idle_ms, idle_expired, c);
	return 0;
}


void cam_lock_drop(struct cam *c, const char *why)
{
	if (c->holder[0])
		release(c, why);
}


/* Every PTZ command: a camera that steers, the lock taken or kept, and
 * a continuous move in progress stopped unless the command is one */
static struct cam *steer(struct cam_reg *r, const char *id,
			 const struct cam_who *who, bool keep_moving,
			 const char **holderp, int *errp)
{
	struct cam *c = cam_find(r, id);

	*errp = !c || c->probing ? ENOENT :
		(!c->ptz || !c->worker) ? ENOTSUP :
		acquire(c, who, holderp);
	if (*errp)
		return NULL;
	if (c->moving && !keep_moving)
		stop_motion(c);
	return c;
}


int cam_ptz_move(struct cam_reg *r, const char *id,
		 const struct cam_who *who, double pan, double tilt,
		 double zoom, const char **holderp)
{
	bool still = pan == 0 && tilt == 0 && zoom == 0;
	int err;
	struct cam *c = steer(r, id, who, !still, holderp, &err);

	if (!c || still)
		return err;
	c->v[0] = pan;
	c->v[1] = tilt;
	c->v[2] = zoom;
	c->moving = true;
	err = cam_ptz_job(c->worker, JOB_MOVE, c->v, NULL, NULL);
	tmr_start(&c->refresh, CAM_MOVE_REFRESH_MS, refresh, c);
	return err;
}


int cam_ptz_preset(struct cam_reg *r, const char *id,
		   const struct cam_who *who, const char *action,
		   const char *token, const char *name, const char **holderp)
{
	bool go = !strcmp(action, "goto");
	int err;
	struct cam *c;

	if (!go && strcmp(action, "set"))
		return EINVAL;
	c = steer(r, id, who, false, holderp, &err);
	if (!c)
		return err;
	return go ? cam_ptz_job(c->worker, JOB_GOTO_PRESET, NULL, token, NULL) :
		cam_ptz_job(c->worker, JOB_SET_PRESET, NULL, NULL, name);
}


int cam_ptz_goto(struct cam_reg *r, const char *id,
		 const struct cam_who *who, bool relative, double pan,
		 double tilt, double zoom, const char **holderp)
{
	const double v[3] = {pan, tilt, zoom};
	int err;
	struct cam *c = steer(r, id, who, false, holderp, &err);

	if (!c)
		return err;
	return cam_ptz_job(c->worker, relative ? JOB_RELATIVE : JOB_ABSOLUTE,
			   v, NULL, NULL);
}


json_t *cam_status_json(struct cam_reg *r, const char *id)
{
	struct cam *c = cam_find(r, id);

	if (!c)
		return NULL;
	if (c->worker)
		(void)cam_ptz_job(c->worker, JOB_STATUS, NULL, NULL, NULL);
	if (!c->pos_known)
		return json_null();
	return json_pack("{s:f, s:f, s:f, s:b}", "pan", c->pos[0], "tilt",
			 c->pos[1], "zoom", c->pos[2], "moving", c->pos_moving);
}


int cam_lock_release(struct cam_reg *r, const char *id,
		     const struct cam_who *who, const char *why)
{
	struct cam *c = cam_find(r, id);

	if (!c)
		return ENOENT;
	if (!c->holder[0] || !holds(c, who))
		return EPERM;
	release(c, why);
	return 0;
}


void cam_lock_release_pos(struct cam_reg *r, const char *pos,
			  const char *why)
{
	for (struct le *le = r && pos ? list_head(&r->cams) : NULL; le;
	     le = le->next) {
		struct cam *c = le->data;

		if (c->holder[0] && !strcmp(c->holder_pos, pos))
			release(c, why);
	}
}


json_t *cam_presets_json(struct cam_reg *r, const char *id)
{
	struct cam *c = cam_find(r, id);
	json_t *arr = json_array();

	for (size_t i = 0; c && arr && i < c->presetc; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "token",
			c->presets[i].token, "name", c->presets[i].name));
	if (c && c->worker)
		(void)cam_ptz_job(c->worker, JOB_PRESETS, NULL, NULL, NULL);
	return arr;
}
