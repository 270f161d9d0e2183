/**
 * @file cam.c  The camera registry and live video fan-out
 *
 * One relay per camera in use; its pieces arrive here through a cam_xq.
 * The init segment and the pieces since the last keyframe (the GOP cache)
 * are kept, so a viewer that joins gets a decodable picture at once
 * instead of waiting up to a GOP for the next keyframe.
 */
#include <string.h>
#include <stdlib.h>
#include <re.h>
#include <jansson.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/secfile.h"
#include "camera/cam.h"
#include "camera/cam_int.h"
#include "camera/cam_relay.h"
#include "camera/cam_xq.h"

#define MOD "camera"

struct cam_viewer {
	struct le le;
	struct cam *cam;
	cam_frag_h *h;
	void *arg;
};


struct cam *cam_find(struct cam_reg *r, const char *id)
{
	for (struct le *le = r ? list_head(&r->cams) : NULL; id && le;
	     le = le->next) {
		struct cam *c = le->data;

		if (!strcmp(c->id, id))
			return c;
	}
	return NULL;
}


static void piece_destructor(void *data)
{
	struct cam_piece *p = data;

	list_unlink(&p->le);
	mem_deref(p->p);
}


static struct cam_piece *piece_new(enum cam_frag_type t, const uint8_t *d,
				   size_t n)
{
	struct cam_piece *p = mem_zalloc(sizeof(*p), piece_destructor);

	if (!p)
		return NULL;
	p->p = mem_alloc(n ? n : 1, NULL);
	if (!p->p)
		return mem_deref(p);
	memcpy(p->p, d, n);
	p->type = t;
	p->n = n;
	return p;
}


static void gop_clear(struct cam *c)
{
	list_flush(&c->gop);
	c->gop_bytes = 0;
}


static void deliver(struct cam *c, const struct cam_frag *f)
{
	struct le *le = list_head(&c->viewers);

	while (le) {
		struct cam_viewer *v = le->data;

		le = le->next;     /* a handler may drop its viewer */
		v->h(f, v->arg);
	}
}


static void status_event(struct cam *c)
{
	json_t *j = json_pack("{s:s, s:b, s:s}", "camera", c->id, "online",
			      c->online, "reason", c->reason);

	bus_publish("camera.status", j);
	json_decref(j);
}


static void on_init(struct cam *c, const struct cam_msg *m)
{
	struct cam_frag f = {CAM_FRAG_INIT, m->data, m->len, m->codec,
			     m->width, m->height, NULL};

	mem_deref(c->init);
	gop_clear(c);
	c->init = piece_new(CAM_FRAG_INIT, m->data, m->len);
	str_ncpy(c->codec, m->codec, sizeof(c->codec));
	c->width = m->width;
	c->height = m->height;
	c->online = true;
	c->reason[0] = '\0';
	log_info(MOD, "%s live: %s %dx%d", c->id, c->codec, c->width,
		 c->height);
	status_event(c);
	deliver(c, &f);
}


static void on_frag(struct cam *c, enum cam_frag_type t,
		    const struct cam_msg *m)
{
	struct cam_frag f = {t, m->data, m->len, NULL, 0, 0, NULL};
	struct cam_piece *p;

	if (!c->init)
		return;
	if (t == CAM_FRAG_KEY)
		gop_clear(c);
	/* an endless GOP is not cached: viewers wait for the next key */
	if (!list_isempty(&c->gop) || t == CAM_FRAG_KEY) {
		if (c->gop_bytes + m->len > CAM_GOP_MAX_BYTES) {
			gop_clear(c);
		}
		else if ((p = piece_new(t, m->data, m->len))) {
			list_append(&c->gop, &p->le, p);
			c->gop_bytes += m->len;
		}
	}
	++c->frags;
	deliver(c, &f);
}


static void on_offline(struct cam *c, const struct cam_msg *m)
{
	struct cam_frag f = {CAM_FRAG_OFFLINE, NULL, 0, NULL, 0, 0, c->reason};
	bool was = c->online;

	str_ncpy(c->reason, m->len ? (const char *)m->data : "offline",
		 sizeof(c->reason));
	c->online = false;
	c->init = mem_deref(c->init);
	gop_clear(c);
	if (was)
		log_warn(MOD, "%s offline: %s", c->id, c->reason);
	status_event(c);
	deliver(c, &f);
}


static struct cam *cam_by_gen(struct cam_reg *r, uint64_t gen)
{
	for (struct le *le = list_head(&r->cams); le; le = le->next) {
		struct cam *c = le->data;

		if (c->relay && c->gen == gen)
			return c;
	}
	return NULL;
}


static void xq_handler(int id, void *data, void *arg)
{
	struct cam_reg *r = arg;
	struct cam_msg *m = data;
	struct cam *c;

	if (id == CAM_MSG_ONVIF) {
		cam_ptz_result(r, data);
		return;
	}
	c = cam_by_gen(r, m->gen);   /* a stopped relay's leftovers: drop */
	if (c) {
		switch (id) {

		case CAM_MSG_INIT:    on_init(c, m); break;
		case CAM_MSG_KEY:     on_frag(c, CAM_FRAG_KEY, m); break;
		case CAM_MSG_DELTA:   on_frag(c, CAM_FRAG_DELTA, m); break;
		case CAM_MSG_OFFLINE: on_offline(c, m); break;
		default: break;
		}
	}
	free(m);
}


static void relay_stop(struct cam *c)
{
	cam_relay_stop(c->relay);
	c->relay = NULL;
	c->init = mem_deref(c->init);
	gop_clear(c);
}


static void linger_expired(void *arg)
{
	struct cam *c = arg;

	if (list_isempty(&c->viewers) && c->relay) {
		log_info(MOD, "%s: no viewer, RTSP session closed", c->id);
		relay_stop(c);
	}
}


static void viewer_destructor(void *data)
{
	struct cam_viewer *v = data;

	list_unlink(&v->le);
	if (v->cam && list_isempty(&v->cam->viewers))
		tmr_start(&v->cam->linger, CAM_LINGER_MS, linger_expired,
			  v->cam);
}


static int relay_ensure(struct cam *c)
{
	if (c->relay)
		return 0;
	if (!c->rtsp)
		return ENOENT;   /* still asking ONVIF for the stream URI */
	return cam_relay_start(&c->relay, c->rtsp, c->reg->xq,
			       c->gen = ++c->reg->gen);
}


int cam_view(struct cam_viewer **vp, struct cam_reg *r, const char *id,
	     cam_frag_h *h, void *arg)
{
	struct cam *c = cam_find(r, id);
	struct cam_viewer *v;
	int err;

	if (!vp || !h)
		return EINVAL;
	if (!c)
		return ENOENT;
	v = mem_zalloc(sizeof(*v), viewer_destructor);
	if (!v)
		return ENOMEM;
	v->h = h;
	v->arg = arg;
	err = relay_ensure(c);
	if (err && err != ENOENT) {
		mem_deref(v);
		return err;
	}
	v->cam = c;
	tmr_cancel(&c->linger);
	list_append(&c->viewers, &v->le, v);

	if (c->init) {
		struct cam_frag f = {CAM_FRAG_INIT, c->init->p, c->init->n,
				     c->codec, c->width, c->height, NULL};

		h(&f, arg);
		for (struct le *le = list_head(&c->gop); le; le = le->next) {
			struct cam_piece *p = le->data;
			struct cam_frag g = {p->type, p->p, p->n, NULL, 0, 0,
					     NULL};

			h(&g, arg);
		}
	}
	else if (!c->online && c->reason[0]) {
		struct cam_frag f = {CAM_FRAG_OFFLINE, NULL, 0, NULL, 0, 0,
				     c->reason};

		h(&f, arg);
	}
	*vp = v;
	return 0;
}


/* The relay asks ONVIF for the stream when the config has none */
void cam_stream_uri(struct cam *c, const char *uri)
{
	if (c->rtsp || !uri)
		return;
	(void)str_dup(&c->rtsp, uri);
	if (!list_isempty(&c->viewers))
		(void)relay_ensure(c);
}


json_t *cam_json(struct cam_reg *r, const char *id)
{
	struct cam *c = cam_find(r, id);
	json_t *j;

	if (!c)
		return NULL;
	j = json_pack("{s:s, s:s, s:b, s:b, s:i, s:s?}", "id", c->id,
		      "name", c->name, "ptz", c->ptz, "online", c->online,
		      "viewers", (int)list_count(&c->viewers), "reason",
		      c->reason[0] ? c->reason : NULL);
	if (j && c->online)
		json_object_set_new(j, "codec", json_string(c->codec));
	cam_lock_json(j, c);
	return j;
}


static const char *attr_str(const struct conf_resource *rs, const char *k)
{
	return json_string_value(json_object_get(rs->attrs, k));
}


static void cam_destructor(void *data)
{
	struct cam *c = data;

	list_unlink(&c->le);
	tmr_cancel(&c->linger);
	cam_lock_close(c);
	cam_snap_done(c, ECANCELED, "camera gone", NULL);
	relay_stop(c);
	/* viewers outlive us only in their owners' hands: orphan them */
	for (struct le *le = list_head(&c->viewers); le; le = le->next)
		((struct cam_viewer *)le->data)->cam = NULL;
	list_clear(&c->viewers);
	mem_deref(c->rtsp);
	mem_deref(c->onvif);
}


int cam_new(struct cam **cp, struct cam_reg *r, const char *id,
	    const char *name, const char *rtsp, const char *onvif, bool ptz,
	    uint32_t roles)
{
	struct cam *c = mem_zalloc(sizeof(*c), cam_destructor);
	int err = 0;

	if (!c)
		return ENOMEM;
	c->reg = r;
	str_ncpy(c->id, id, sizeof(c->id));
	str_ncpy(c->name, name, sizeof(c->name));
	c->ptz = ptz;
	c->roles = roles;
	c->rtsp_conf = rtsp != NULL;
	tmr_init(&c->linger);
	if (rtsp)
		err = str_dup(&c->rtsp, rtsp);
	if (!err && onvif)
		err = str_dup(&c->onvif, onvif);
	list_append(&r->cams, &c->le, c);
	cam_lock_init(c);
	if (!err && c->onvif)
		err = cam_ptz_alloc(&c->worker, c);
	if (!err && c->worker)
		err = cam_ptz_job(c->worker, JOB_SETUP, NULL, NULL, NULL);
	if (err)
		mem_deref(c);
	else if (cp)
		*cp = c;
	return err;
}


static int cam_add(struct cam_reg *r, const struct conf_resource *rs)
{
	return cam_new(NULL, r, rs->id, rs->name, attr_str(rs, "rtsp"),
		       attr_str(rs, "onvif"),
		       json_is_true(json_object_get(rs->attrs, "ptz")),
		       rs->roles);
}


void cam_remove(struct cam *c, const char *why)
{
	struct cam_frag f = {CAM_FRAG_OFFLINE, NULL, 0, NULL, 0, 0, why};
	struct cam_reg *r = c->reg;
	struct le *le;
	json_t *j;

	log_notice(MOD, "%s: %s", c->id, why);
	cam_lock_drop(c, why);
	cam_snap_done(c, ENOENT, why, NULL);
	deliver(c, &f);
	for (le = list_head(&r->tiles); le;) {
		struct cam_tile *t = le->data;
		char tile[CAM_ID_MAX];

		le = le->next;
		if (strcmp(t->cam, c->id))
			continue;
		str_ncpy(tile, t->tile, sizeof(tile));   /* t is freed */
		(void)cam_wall_route(r, tile, NULL);
	}
	j = json_pack("{s:s, s:b, s:s, s:b}", "camera", c->id, "online", 0,
		      "reason", why, "removed", 1);
	bus_publish("camera.status", j);
	json_decref(j);
	mem_deref(c);
}


/* Equal strings, or both absent (str_cmp has NULL unequal to NULL) */
static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}


static bool same_source(const struct cam *c, const struct conf_resource *rs)
{
	const char *rtsp = attr_str(rs, "rtsp");

	return same(c->onvif, attr_str(rs, "onvif")) &&
		c->rtsp_conf == (rtsp != NULL) &&
		(!rtsp || same(c->rtsp, rtsp));
}


/* The config's cameras, as it now says: new ones start, removed ones
 * go (viewers told, lock released with Stop), a changed source is a
 * camera anew; a name, roles or PTZ flag is updated in place.  A config
 * camera takes the id of an adopted one. */
static void conf_sync(struct cam_reg *r)
{
	const struct conf *cf = r->conf;
	struct le *le;

	for (le = list_head(&r->cams); le;) {
		struct cam *c = le->data;
		const struct conf_resource *rs = conf_resource(cf, c->id);
		bool conf_cam = rs && rs->type == RES_CAMERA;

		le = le->next;
		if (c->adopted && !conf_cam)
			continue;
		if (!conf_cam || c->adopted || !same_source(c, rs)) {
			cam_remove(c, conf_cam ? "camera changed" :
				   "camera removed");
			continue;
		}
		str_ncpy(c->name, rs->name, sizeof(c->name));
		c->roles = rs->roles;
		c->ptz = json_is_true(json_object_get(rs->attrs, "ptz"));
	}
	for (size_t i = 0; i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		int err;

		if (rs->type != RES_CAMERA || cam_find(r, rs->id))
			continue;
		err = cam_add(r, rs);
		if (err)
			log_error(MOD, "%s: cannot start: %m", rs->id, err);
	}
}


bool cam_visible(struct cam_reg *r, const char *id, uint32_t roles)
{
	const struct cam *c = cam_find(r, id);

	return c && !c->probing && (c->roles & roles);
}


json_t *cam_list_json(struct cam_reg *r, uint32_t roles)
{
	json_t *arr = json_array();

	for (struct le *le = list_head(&r->cams); arr && le; le = le->next) {
		const struct cam *c = le->data;

		if (cam_visible(r, c->id, roles))
			json_array_append_new(arr, cam_json(r, c->id));
	}
	return arr;
}


static void reg_destructor(void *data)
{
	struct cam_reg *r = data;

	r->closing = true;
	r->disc = mem_deref(r->disc);
	list_flush(&r->cams);
	list_flush(&r->tiles);
	mem_deref(r->xq);   /* after the threads: frees what is left */
	mem_deref(r->user);
	mem_deref(r->pass);
}


/* One line "user:password" (the password may hold colons) */
static int credentials_load(struct cam_reg *r, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct pl user, pass;
	int err = secfile_read(path, &buf, &len);

	if (err) {
		log_error(MOD, "cctv.credentials %s: %m", path, err);
		return err;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		--len;
	if (re_regex((char *)buf, len, "[^:]+:[^]+", &user, &pass) ||
	    pl_strchr(&pass, '\n')) {
		log_error(MOD, "cctv.credentials %s: one line user:password",
			  path);
		err = EINVAL;
	}
	if (!err)
		err = pl_strdup(&r->user, &user);
	if (!err)
		err = pl_strdup(&r->pass, &pass);
	OPENSSL_cleanse(buf, len);   /* the password leaves no copy */
	mem_deref(buf);
	return err;
}


int cam_reg_alloc(struct cam_reg **rp, const struct conf *conf,
		  struct audit *audit, struct store *store)
{
	struct cam_reg *r;
	int err;

	if (!rp || !conf)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), reg_destructor);
	if (!r)
		return ENOMEM;
	r->conf = conf;
	r->audit = audit;
	r->store = store;
	r->lock_idle_ms = conf->cctv_lock_idle_ms ? conf->cctv_lock_idle_ms :
		CAM_LOCK_IDLE_MS;
	/* before any worker thread: libcurl's global set-up is not
	 * thread-safe */
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		mem_deref(r);
		return ENOMEM;
	}
	err = cam_xq_alloc(&r->xq, xq_handler, r);
	if (!err && conf->cctv_credentials)
		err = credentials_load(r, conf->cctv_credentials);
	for (size_t i = 0; !err && i < conf->resourcec; i++) {
		if (conf->resources[i].type == RES_CAMERA)
			err = cam_add(r, &conf->resources[i]);
	}
	if (!err)
		cam_store_load(r);
	if (err) {
		mem_deref(r);
		return err;
	}
	log_info(MOD, "%u cameras", list_count(&r->cams));
	*rp = r;
	return 0;
}


void cam_reg_set_conf(struct cam_reg *r, const struct conf *conf)
{
	if (!r || !conf)
		return;
	r->conf = conf;
	conf_sync(r);
	log_info(MOD, "%u cameras", list_count(&r->cams));
}


/* Video wall: which camera each tile shows (kept in the store) */
int cam_wall_set(struct cam_reg *r, const char *tile, const char *cam)
{
	struct cam_tile *t = NULL;

	for (struct le *le = list_head(&r->tiles); le; le = le->next) {
		if (!strcmp(((struct cam_tile *)le->data)->tile, tile))
			t = le->data;
	}
	if (cam && !cam_find(r, cam))
		return ENOENT;
	if (!t && cam) {
		t = mem_zalloc(sizeof(*t), NULL);
		if (!t)
			return ENOMEM;
		str_ncpy(t->tile, tile, sizeof(t->tile));
		list_append(&r->tiles, &t->le, t);
	}
	if (t && cam)
		str_ncpy(t->cam, cam, sizeof(t->cam));
	else if (t) {
		list_unlink(&t->le);
		mem_deref(t);
	}
	return 0;
}


int cam_wall_route(struct cam_reg *r, const char *tile, const char *cam)
{
	int err = cam_wall_set(r, tile, cam);
	json_t *j;

	if (err)
		return err;
	cam_store_wall(r, tile, cam);
	j = json_pack("{s:s, s:s?}", "tile", tile, "camera", cam);
	bus_publish("wall.update", j);
	json_decref(j);
	return 0;
}


json_t *cam_wall_json(struct cam_reg *r)
{
	json_t *o = json_object();

	for (struct le *le = list_head(&r->tiles); o && le; le = le->next) {
		const struct cam_tile *t = le->data;

		json_object_set_new(o, t->tile, json_string(t->cam));
	}
	return o;
}
