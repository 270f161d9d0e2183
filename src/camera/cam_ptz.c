/**
 * @file cam_ptz.c  A camera's ONVIF worker: one thread, jobs in order
 *
 * ONVIF calls block (HTTP with a 3 s limit), so they run here and never in
 * the main loop.  One thread per camera keeps a slow camera from delaying
 * another's Stop, and keeps each camera's commands in the order given.
 * Pending moves coalesce (only the newest velocity matters); a full queue
 * refuses a move but a Stop always gets a place.  Results go back to the
 * main loop through the registry's cam_xq.
 */
#include <string.h>
#include <stdlib.h>
#include <pthread.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "camera/cam.h"
#include "camera/cam_int.h"
#include "camera/cam_onvif.h"
#include "camera/cam_xq.h"

#define MOD "camera"

enum { QMAX = 16 };

struct job {
	enum cam_job_type type;
	double v[3];
	char token[ONVIF_TOK_MAX];
	char name[ONVIF_TOK_MAX];
};

struct cam_ptz {
	struct cam *cam;           /* main-loop object: only as a tag    */
	struct cam_xq *xq;
	pthread_t tid;
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct job q[QMAX + 1];    /* one spare slot for a Stop          */
	unsigned n;
	bool stop, running;
	bool want_uri;
	struct onvif_dev dev;      /* worker thread only                 */
	char *user, *pass;
};

/* Crosses to the main loop (malloc'd) */
struct result {
	struct cam *cam;
	enum cam_job_type type;
	int err;
	char why[ONVIF_ERR_MAX];
	char rtsp[ONVIF_URL_MAX];
	char token[ONVIF_TOK_MAX];
	struct onvif_preset presets[CAM_PRESETS_MAX];
	size_t presetc;
	struct onvif_status st;
	bool has_ptz;              /* setup: the device has a PTZ service */
	struct mbuf *jpeg;         /* snapshot                            */
};


static void run(struct cam_ptz *w, const struct job *j, struct result *r)
{
	struct onvif_dev *d = &w->dev;

	switch (j->type) {

	case JOB_SETUP:
		r->err = onvif_setup(d, r->rtsp, w->want_uri ?
				     sizeof(r->rtsp) : 0);
		r->has_ptz = !r->err && d->ptz[0];
		if (r->has_ptz)
			r->err = onvif_presets(d, r->presets,
					       CAM_PRESETS_MAX, &r->presetc);
		break;
	case JOB_SNAPSHOT:
		r->err = onvif_snapshot(d, &r->jpeg);
		break;
	case JOB_MOVE:
		r->err = onvif_move(d, j->v[0], j->v[1], j->v[2],
				    CAM_MOVE_TIMEOUT_S);
		break;
	case JOB_STOP:
		r->err = onvif_stop(d);
		break;
	case JOB_PRESETS:
		r->err = onvif_presets(d, r->presets, CAM_PRESETS_MAX,
				       &r->presetc);
		break;
	case JOB_GOTO_PRESET:
		r->err = onvif_goto_preset(d, j->token);
		break;
	case JOB_SET_PRESET:
		r->err = onvif_set_preset(d, j->name, r->token,
					  sizeof(r->token));
		if (!r->err)
			r->err = onvif_presets(d, r->presets,
					       CAM_PRESETS_MAX, &r->presetc);
		break;
	case JOB_ABSOLUTE:
	case JOB_RELATIVE:
		r->err = onvif_move_to(d, j->type == JOB_RELATIVE, j->v[0],
				       j->v[1], j->v[2]);
		break;
	case JOB_STATUS:
		r->err = onvif_status(d, &r->st);
		break;
	}
	/* a job other than setup before setup worked: set up, try again */
	if (r->err && j->type != JOB_SETUP && !d->profile[0])
		r->err = onvif_setup(d, NULL, 0) ? r->err : EAGAIN;
	if (r->err)
		str_ncpy(r->why, d->why, sizeof(r->why));
}


static void *worker(void *arg)
{
	struct cam_ptz *w = arg;

	pthread_mutex_lock(&w->mtx);
	for (;;) {
		struct job j;
		struct result *r;

		while (!w->n && !w->stop)
			pthread_cond_wait(&w->cond, &w->mtx);
		if (!w->n)
			break;
		j = w->q[0];
		memmove(w->q, w->q + 1, --w->n * sizeof(w->q[0]));
		/* stopping: only a Stop still goes to the camera */
		if (w->stop && j.type != JOB_STOP)
			continue;
		pthread_mutex_unlock(&w->mtx);

		r = calloc(1, sizeof(*r));
		if (r) {
			r->cam = w->cam;
			r->type = j.type;
			run(w, &j, r);
			if (cam_xq_push(w->xq, CAM_MSG_ONVIF, r))
				free(r);
		}
		pthread_mutex_lock(&w->mtx);
	}
	pthread_mutex_unlock(&w->mtx);
	return NULL;
}


static void ptz_destructor(void *data)
{
	struct cam_ptz *w = data;

	if (w->running) {
		pthread_mutex_lock(&w->mtx);
		w->stop = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->mtx);
		pthread_join(w->tid, NULL);
	}
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cond);
	mem_deref(w->xq);
	mem_deref(w->user);
	mem_deref(w->pass);
}


int cam_ptz_alloc(struct cam_ptz **wp, struct cam *c)
{
	struct cam_ptz *w = mem_zalloc(sizeof(*w), ptz_destructor);
	int err = 0;

	if (!w)
		return ENOMEM;
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->cam = c;
	w->xq = mem_ref(c->reg->xq);
	w->want_uri = !c->rtsp;
	str_ncpy(w->dev.device, c->onvif, sizeof(w->dev.device));
	if (c->reg->user && c->reg->pass) {
		err = str_dup(&w->user, c->reg->user);
		if (!err)
			err = str_dup(&w->pass, c->reg->pass);
		w->dev.user = w->user;
		w->dev.pass = w->pass;
	}
	if (!err)
		err = pthread_create(&w->tid, NULL, worker, w);
	if (err) {
		mem_deref(w);
		return err;
	}
	w->running = true;
	*wp = w;
	return 0;
}


int cam_ptz_job(struct cam_ptz *w, enum cam_job_type type,
		const double v[3], const char *token, const char *name)
{
	struct job j = {.type = type};
	int err = 0;

	if (!w)
		return ENOTSUP;
	if (v)
		memcpy(j.v, v, sizeof(j.v));
	str_ncpy(j.token, token ? token : "", sizeof(j.token));
	str_ncpy(j.name, name ? name : "", sizeof(j.name));

	pthread_mutex_lock(&w->mtx);
	if (type == JOB_MOVE && w->n && w->q[w->n - 1].type == JOB_MOVE)
		w->q[w->n - 1] = j;          /* only the newest counts     */
	else if (w->n < QMAX || (type == JOB_STOP && w->n < QMAX + 1))
		w->q[w->n++] = j;
	else
		err = EBUSY;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mtx);
	return err;
}


static const char *job_name(enum cam_job_type t)
{
	static const char *names[] = {"", "setup", "move", "stop", "presets",
				      "goto preset", "set preset",
				      "absolute move", "relative move",
				      "status", "snapshot"};

	return (size_t)t < ARRAY_SIZE(names) ? names[t] : "?";
}


static void presets_take(struct cam *c, const struct result *r)
{
	c->presetc = min(r->presetc, (size_t)CAM_PRESETS_MAX);
	for (size_t i = 0; i < c->presetc; i++) {
		str_ncpy(c->presets[i].token, r->presets[i].token, CAM_ID_MAX);
		str_ncpy(c->presets[i].name, r->presets[i].name, CAM_ID_MAX);
	}
}


static void setup_done(struct cam *c, const struct result *r)
{
	if (!r->err && c->adopted)
		c->ptz = r->has_ptz;   /* learnt, no config says otherwise */
	if (c->probing && !cam_adopt_probed(c, r->err, r->why))
		return;   /* refused: c is gone */
	if (!r->err && r->rtsp[0])
		cam_stream_uri(c, r->rtsp);
}


static struct cam *cam_known(struct cam_reg *reg, const struct cam *c)
{
	for (struct le *le = list_head(&reg->cams); le; le = le->next) {
		if (le->data == c)
			return le->data;
	}
	return NULL;
}


void cam_ptz_result(struct cam_reg *reg, void *data)
{
	struct result *r = data;
	/* the camera may be gone (reload): only accept a known one */
	struct cam *c = cam_known(reg, r->cam);

	if (c && r->err)
		log_warn(MOD, "%s: ONVIF %s failed: %s", c->id,
			 job_name(r->type), r->why);
	if (c && !r->err && r->type == JOB_STATUS) {
		c->pos_known = true;
		c->pos[0] = r->st.pan;
		c->pos[1] = r->st.tilt;
		c->pos[2] = r->st.zoom;
		c->pos_moving = r->st.moving;
	}
	if (c && !r->err && (r->type == JOB_SETUP || r->type == JOB_PRESETS ||
			     r->type == JOB_SET_PRESET))
		presets_take(c, r);
	if (c && r->type == JOB_SNAPSHOT)
		cam_snap_done(c, r->err, r->why, r->jpeg);
	if (c && r->type == JOB_SETUP)
		setup_done(c, r);   /* last: a failed adoption frees c */
	mem_deref(r->jpeg);
	free(r);
}
