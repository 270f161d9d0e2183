/**
 * @file rec.c  Recording: the main loop's side
 *
 * Wires the media tap to the ring, starts the recorder thread, forwards
 * floor news to it, and takes back what it reports: closed files go into
 * the index and their SHA-256 into the audit chain (both main-loop
 * only), alarms go to the log, the bus ("recording.alarm") and the
 * audit trail.  The recorder thread reports through a mutex-guarded list
 * and wakes the main loop with a libre mqueue, like the media engine:
 * the list owns what is pending, so nothing is lost at shutdown.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>
#include <time.h>
#include <sys/stat.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/store.h"
#include "core/audit.h"
#include "media/media.h"
#include "record/rec.h"
#include "record/rec_int.h"

#define MOD "record"

struct rec {
	char node[64];                /* copies: a reload frees the conf,
				       * and these need a restart       */
	struct store *store;
	struct audit *audit;
	struct media *media;
	char dir[512];
	char site[64];
	struct rec_ring ring;
	struct rec_thr *thr;
	struct bus_sub *sub_icom;     /* intercom.update                */
	struct bus_sub *sub;          /* radio.floor                    */
	struct bus_sub *sub_call;     /* call.update                    */
	struct mqueue *mq;
	struct rec_replay *replay;

	pthread_mutex_t lock;         /* guards outl                    */
	struct list outl;             /* struct rec_out, malloc'd       */

	/* main thread */
	json_t *alarms;               /* what -> {on, reason, since}    */
	uint64_t files, failed;
};


/* ---- media thread ---- */

static void tap_handler(const char *stream, enum media_tap_dir dir,
			uint64_t tick, const int16_t *pcm, void *arg)
{
	struct rec *r = arg;

	(void)rec_ring_put(&r->ring, stream, (uint8_t)dir, tick, pcm);
}


/* ---- recorder thread ---- */

static void out_handler(struct rec_out *o, void *arg)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->lock);
	list_append(&r->outl, &o->le, o);
	pthread_mutex_unlock(&r->lock);

	(void)mqueue_push(r->mq, 0, NULL);
}


/* ---- main thread ---- */

static void closed(struct rec *r, const struct rec_out *o)
{
	const char *result = o->err ? "failed" : "ok";
	json_t *d;
	int err;

	err = rec_index_add(r->store, o, r->site, r->node);
	if (err)
		log_error(MOD, "cannot index %s: %m", o->file, err);

	d = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I, s:I, s:I, s:b}",
		      "sha256", o->sha256, "resource", o->resource,
		      "direction", o->direction,
		      "talker", o->talker[0] ? o->talker : NULL,
		      "operator", o->operator_[0] ? o->operator_ : NULL,
		      "start", (json_int_t)o->start_ms,
		      "end", (json_int_t)o->end_ms,
		      "bytes", (json_int_t)o->bytes, "indexed", !err);
	(void)audit_log(r->audit, "system",
			o->position[0] ? o->position : NULL,
			"recording.close", o->file, result, d);
	json_decref(d);

	++r->files;
	if (o->err)
		++r->failed;
	log_info(MOD, "%s %s %s %s: %llu frames, %llu bytes%s", o->file,
		 o->resource, o->direction, o->talker[0] ? o->talker :
		 o->position, (unsigned long long)o->frames,
		 (unsigned long long)o->bytes, o->err ? " (write failed)" :
		 "");
}


/* Alarms are raised and cleared once per state change */
static void alarm_take(struct rec *r, const struct rec_out *o)
{
	json_t *cur = json_object_get(r->alarms, o->what);
	bool was_on = json_is_true(json_object_get(cur, "on"));
	json_t *ev;

	if (was_on == o->on)
		return;

	json_object_set_new(r->alarms, o->what, json_pack(
		"{s:b, s:s, s:I}", "on", o->on, "reason", o->reason,
		"since", (json_int_t)time(NULL)));

	if (o->on)
		log_error(MOD, "ALARM %s: %s", o->what, o->reason);
	else
		log_notice(MOD, "alarm %s cleared: %s", o->what, o->reason);

	ev = json_pack("{s:s, s:b, s:s}", "alarm", o->what, "on", o->on,
		       "reason", o->reason);
	bus_publish("recording.alarm", ev);
	(void)audit_log(r->audit, "system", NULL, o->on ? "alarm.raise" :
			"alarm.clear", o->what, "ok", ev);
	json_decref(ev);
}


static void outs_take(struct rec *r)
{
	for (;;) {
		struct rec_out *o;
		struct le *le;

		pthread_mutex_lock(&r->lock);
		le = list_head(&r->outl);
		if (le)
			list_unlink(le);
		pthread_mutex_unlock(&r->lock);

		if (!le)
			break;

		o = le->data;
		if (o->type == REC_OUT_CLOSED)
			closed(r, o);
		else
			alarm_take(r, o);
		free(o);
	}
}


static void mq_handler(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	outs_take(arg);
}


/* The operator logged in at a position, for transmit recordings */
static void operator_at(struct rec *r, const char *pos, char *buf,
			size_t sz)
{
	static const char sql[] = "SELECT operator FROM sessions WHERE"
		" position = ? AND ended IS NULL ORDER BY started DESC"
		" LIMIT 1";
	sqlite3_stmt *s;

	buf[0] = '\0';
	if (!pos || !*pos || sqlite3_prepare_v2(store_db(r->store), sql, -1,
						&s, NULL) != SQLITE_OK)
		return;

	store_bind_text(s, 1, pos);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		str_ncpy(buf, (const char *)sqlite3_column_text(s, 0), sz);
	sqlite3_finalize(s);
}


static const char *jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}


/* A patch carrying voice between this talkgroup and its peer: out, this
 * side's talker; in, the peer's radio or the position keying it there */
static void floor_patch(struct rec_floor *f, const json_t *p)
{
	const char *carrying = jstr(p, "carrying");

	if (!strcmp(carrying, "out"))
		f->carry = REC_CARRY_OUT;
	else if (!strcmp(carrying, "in"))
		f->carry = REC_CARRY_IN;
	else
		return;

	str_ncpy(f->patch, jstr(p, "id"), sizeof(f->patch));
	str_ncpy(f->peer, jstr(p, "with"), sizeof(f->peer));
	if (f->carry == REC_CARRY_OUT)
		return;
	if (!f->position[0])
		str_ncpy(f->position, jstr(p, "holder"), sizeof(f->position));
	if (!f->position[0]) {
		str_ncpy(f->ctalker, jstr(p, "talker"), sizeof(f->ctalker));
		str_ncpy(f->calias, jstr(p, "alias"), sizeof(f->calias));
	}
}


static void floor_handler(const char *event, json_t *data, void *arg)
{
	struct rec *r = arg;
	const json_t *fl = json_object_get(data, "floor");
	bool tx = json_is_true(json_object_get(fl, "tx"));
	struct rec_floor f;

	(void)event;
	memset(&f, 0, sizeof(f));
	str_ncpy(f.resource, jstr(data, "talkgroup"), sizeof(f.resource));
	if (!f.resource[0])
		return;

	/* while we hold the floor, the talker the network names is us */
	if (!tx) {
		str_ncpy(f.talker, jstr(fl, "talker"), sizeof(f.talker));
		str_ncpy(f.alias, jstr(fl, "alias"), sizeof(f.alias));
	}
	str_ncpy(f.position, jstr(fl, "holder"), sizeof(f.position));
	floor_patch(&f, json_object_get(data, "patch"));
	operator_at(r, f.position, f.operator_, sizeof(f.operator_));
	rec_thr_floor(r->thr, &f);
}


/* A call: its leg "call-<id>" has the caller as talker (received) and
 * the answering position and operator (transmitted) */
static void call_handler(const char *event, json_t *data, void *arg)
{
	struct rec *r = arg;
	json_int_t id = json_integer_value(json_object_get(data, "id"));
	struct rec_floor f;

	(void)event;
	if (id <= 0)
		return;

	memset(&f, 0, sizeof(f));
	re_snprintf(f.resource, sizeof(f.resource), "call-%lld",
		    (long long)id);
	str_ncpy(f.talker, jstr(data, "caller"), sizeof(f.talker));
	str_ncpy(f.alias, jstr(data, "caller_name"), sizeof(f.alias));
	str_ncpy(f.position, jstr(data, "position"), sizeof(f.position));
	operator_at(r, f.position, f.operator_, sizeof(f.operator_));
	rec_thr_floor(r->thr, &f);
}


/* An intercom: each position's side "icom-<id>-<pos>" transmits that
 * position's voice (position and operator) and receives the other's
 * (the other position as talker) */
static void icom_handler(const char *event, json_t *data, void *arg)
{
	struct rec *r = arg;
	json_int_t id = json_integer_value(json_object_get(data, "id"));
	const char *pos[2] = {jstr(data, "from"), jstr(data, "to")};
	struct rec_floor f;

	(void)event;
	if (id <= 0 || strcmp(jstr(data, "state"), "connected"))
		return;

	for (int i = 0; i < 2; i++) {
		memset(&f, 0, sizeof(f));
		re_snprintf(f.resource, sizeof(f.resource), "icom-%lld-%s",
			    (long long)id, pos[i]);
		str_ncpy(f.talker, pos[1 - i], sizeof(f.talker));
		str_ncpy(f.position, pos[i], sizeof(f.position));
		operator_at(r, f.position, f.operator_, sizeof(f.operator_));
		rec_thr_floor(r->thr, &f);
	}
}


static void destructor(void *arg)
{
	struct rec *r = arg;

	/* the media engine, which calls the tap, is gone by now (iccsd
	 * frees it first): nothing writes into the ring any more */
	mem_deref(r->sub_icom);
	mem_deref(r->sub);
	mem_deref(r->sub_call);
	mem_deref(r->replay);
	rec_thr_stop(r->thr);
	outs_take(r);   /* what the thread closed on its way out */
	mem_deref(r->mq);
	rec_ring_free(&r->ring);
	json_decref(r->alarms);
	pthread_mutex_destroy(&r->lock);
}


static void site_of(struct rec *r, const struct conf *cf)
{
	const struct conf_node *n = conf_node(cf, cf->node_id);

	str_ncpy(r->site, n && n->site ? n->site : "", sizeof(r->site));
	str_ncpy(r->node, cf->node_id, sizeof(r->node));
}


int rec_alloc(struct rec **rp, const struct conf *cf, struct store *st,
	      struct audit *au, struct media *m)
{
	struct rec *r;
	int err;

	if (!rp || !cf || !st || !au)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	pthread_mutex_init(&r->lock, NULL);
	r->store = st;
	r->audit = au;
	r->media = m;
	str_ncpy(r->dir, cf->rec_dir, sizeof(r->dir));
	site_of(r, cf);
	r->alarms = json_object();
	if (!r->alarms) {
		err = ENOMEM;
		goto out;
	}

	err = rec_ring_init(&r->ring, REC_RING);
	if (!err)
		err = mqueue_alloc(&r->mq, mq_handler, r);
	if (!err)
		err = rec_replay_alloc(&r->replay, r->dir);
	if (!err)
		err = rec_thr_start(&r->thr, r->dir, cf->rec_min_free_mb,
				    &r->ring, out_handler, r);
	if (!err)
		err = bus_subscribe(&r->sub, "radio.floor", floor_handler, r);
	if (!err)
		err = bus_subscribe(&r->sub_call, "call.update", call_handler,
				    r);
	if (!err)
		err = bus_subscribe(&r->sub_icom, "intercom.update",
				    icom_handler, r);
	if (err)
		goto out;

	media_tap(m, tap_handler, r);
	log_info(MOD, "recording to %s", r->dir);

 out:
	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err;
}


int rec_dir_prepare(const struct conf *cf)
{
	struct passwd *pw;

	if (mkdir(cf->rec_dir, 0750) && errno != EEXIST) {
		log_error(MOD, "cannot create %s: %m", cf->rec_dir, errno);
		return errno;
	}

	pw = geteuid() == 0 ? getpwnam(cf->run_as) : NULL;
	if (pw && chown(cf->rec_dir, pw->pw_uid, pw->pw_gid))
		log_warn(MOD, "cannot hand %s to %s: %m", cf->rec_dir,
			 cf->run_as, errno);
	return 0;
}


int rec_search(struct rec *r, const json_t *q, json_t **arrp)
{
	if (!r || !arrp)
		return EINVAL;

	return rec_index_search(r->store, q, arrp);
}


json_t *rec_get(struct rec *r, int64_t id)
{
	return r ? rec_index_get(r->store, id) : NULL;
}


int rec_replay(struct rec *r, const json_t *rows, bool mix,
	       const char *tag, rec_replay_h *h, void *arg)
{
	if (!r)
		return EINVAL;

	return rec_replay_start(r->replay, r->dir, rows, mix, tag, h, arg);
}


int rec_path(struct rec *r, const char *file, char *buf, size_t sz)
{
	if (!r || !file || strstr(file, ".."))
		return EINVAL;

	return re_snprintf(buf, sz, "%s/%s", r->dir, file) < 0 ? ENAMETOOLONG
		: 0;
}


json_t *rec_status(struct rec *r)
{
	uint64_t bytes, errors;

	if (!r)
		return NULL;

	rec_thr_counts(r->thr, &bytes, &errors);
	return json_pack("{s:I, s:I, s:I, s:I, s:i, s:I, s:I, s:O}",
		"frames", (json_int_t)atomic_load(&r->ring.frames),
		"dropped", (json_int_t)atomic_load(&r->ring.dropped),
		"files", (json_int_t)r->files, "failed", (json_int_t)r->failed,
		"open", (int)rec_thr_open_count(r->thr),
		"bytes", (json_int_t)bytes, "write_errors", (json_int_t)errors,
		"alarms", r->alarms);
}
