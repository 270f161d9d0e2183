/**
 * @file rec_thread.c  The recorder thread: cuts, encodes, writes
 *
 * A recording is one transmission of one stream in one direction.  The
 * first frame opens it (so nothing before it can be clipped: the media
 * engine only taps frames that carry audio, and the file is opened on
 * the frame itself, not on a floor event that may come later); a pause
 * of REC_GAP_MS or a new talker on the floor closes it.  Short gaps
 * inside a transmission (lost packets the jitter buffer did not
 * conceal) are written as silence so the recording keeps real time.
 *
 * Who talked: the floor news the main loop forwards (rec_thr_floor).  A
 * floor event may arrive after the first frames; an open recording
 * without a talker takes the first one announced.
 *
 * The thread sleeps REC_IDLE_MS when the ring is empty rather than
 * being woken per frame: waking it would cost the media thread a
 * syscall per frame, and a recording does not care about 10 ms.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include "core/log.h"
#include "record/rec_int.h"

#define MOD "record"

struct rec_open {
	struct le le;
	char stream[REC_ID];
	uint8_t dir;
	char file[REC_FILE];
	int64_t start_ms;
	uint64_t last_tick, frames, last_ms;
	struct rec_file *f;           /* NULL once it failed            */
	int err;
	char sha[65];                 /* of what a failed file holds    */
	uint64_t bytes;
	struct rec_out meta;          /* what goes to the index         */
};

struct rec_thr {
	pthread_t thread;
	atomic_bool run;
	char dir[512];
	uint64_t min_free_mb;
	struct rec_ring *ring;
	rec_out_h *outh;
	void *arg;

	pthread_mutex_t lock;         /* guards floorq                  */
	struct list floorq;           /* struct rec_floor, malloc'd     */

	/* recorder thread */
	struct list open;             /* struct rec_open                */
	struct list floors;           /* struct rec_floor per resource  */
	uint64_t seq;
	uint64_t disk_ms;
	bool disk_alarm, queue_alarm;
	char disk_what[32];           /* the disk alarm raised          */
	uint64_t dropped_seen;
	atomic_uint nopen;
	atomic_ullong bytes;          /* written, for /metrics          */
	atomic_ullong write_errors;
};


static uint64_t mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static int64_t wall_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void alarm_out(struct rec_thr *t, bool on, const char *what,
		      const char *reason)
{
	struct rec_out *o = calloc(1, sizeof(*o));

	if (!o)
		return;

	o->type = REC_OUT_ALARM;
	o->on = on;
	str_ncpy(o->what, what, sizeof(o->what));
	str_ncpy(o->reason, reason ? reason : "", sizeof(o->reason));
	t->outh(o, t->arg);
}


/* Items of these lists are malloc'd structs with le first */
static void list_free_all(struct list *l)
{
	struct le *le;

	while ((le = list_head(l))) {
		list_unlink(le);
		free(le->data);
	}
}


static struct rec_floor *floor_find(struct rec_thr *t, const char *res)
{
	struct le *le;

	LIST_FOREACH(&t->floors, le) {
		struct rec_floor *f = le->data;

		if (!strcmp(f->resource, res))
			return f;
	}
	return NULL;
}


/* ---- one recording ---- */

static void rec_close(struct rec_thr *t, struct rec_open *o)
{
	struct rec_out *out = calloc(1, sizeof(*out));
	int err = o->err;

	if (o->f) {
		uint64_t before = rec_file_bytes(o->f);
		int e = rec_file_close(o->f, o->sha, &o->bytes);

		/* the last page goes out at close */
		atomic_fetch_add(&t->bytes, o->bytes - before);
		if (e && !err)
			err = e;
		o->f = NULL;
	}

	list_unlink(&o->le);
	atomic_fetch_sub(&t->nopen, 1);

	if (out) {
		*out = o->meta;
		out->type = REC_OUT_CLOSED;
		str_ncpy(out->file, o->file, sizeof(out->file));
		out->end_ms = o->start_ms + (int64_t)o->frames * 20;
		out->frames = o->frames;
		out->bytes = o->bytes;
		out->err = err;
		str_ncpy(out->sha256, o->sha, sizeof(out->sha256));
		t->outh(out, t->arg);
	}

	free(o);
}


static void write_failed(struct rec_thr *t, struct rec_open *o, int err)
{
	char reason[160];

	o->err = err;
	atomic_fetch_add(&t->write_errors, 1);
	re_snprintf(reason, sizeof(reason), "%s: %m", o->file, err);
	log_warn(MOD, "recording %s", reason);
	str_ncpy(t->disk_what, err == ENOSPC || err == EDQUOT ||
		 err == EFBIG ? "disk_full" : "write", sizeof(t->disk_what));
	alarm_out(t, true, t->disk_what, reason);
	t->disk_alarm = true;
}


/* "<dir>/<yyyy-mm-dd>/<hhmmss.mmm>_<resource>_<rx|tx>_<n>.opus" */
static void file_name(struct rec_thr *t, struct rec_open *o,
		      char *path, size_t sz)
{
	time_t sec = (time_t)(o->start_ms / 1000);
	char day[16], hms[16], res[REC_ID];
	struct tm tm;
	size_t i;

	(void)gmtime_r(&sec, &tm);
	(void)strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	(void)strftime(hms, sizeof(hms), "%H%M%S", &tm);

	/* resource ids are config ids, but the file system gets no
	 * surprises whatever a stream is called */
	str_ncpy(res, o->meta.resource, sizeof(res));
	for (i = 0; res[i]; i++) {
		char c = res[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.'))
			res[i] = '_';
	}

	re_snprintf(o->file, sizeof(o->file), "%s/%s.%03d_%s_%s_%llu.opus",
		    day, hms, (int)(o->start_ms % 1000), res,
		    o->meta.direction, (unsigned long long)++t->seq);
	re_snprintf(path, sz, "%s/%s", t->dir, day);
	(void)mkdir(path, 0750);
	re_snprintf(path, sz, "%s/%s", t->dir, o->file);
}


/* What a stream id says about its resource: "esn:tg1" is the ESN
 * bearer's stream of tg1, "call-7" telephony's leg of call 7, "icom-9-P1"
 * position P1's side of intercom 9 (sup-: of a supervision), anything
 * else a gateway's fixed stream named after its talkgroup */
static const struct {
	const char *prefix;
	const char *kind;
	bool keep;                    /* the resource keeps the prefix  */
	bool call;                    /* the resource is a call id      */
} kinds[] = {
	{"esn:",   "esn",   false, false},
	{"tetra:", "tetra", false, false},
	{"call-",  "call",  true,  true},
	{"icom-",  "intercom", true, false},
	{"sup-",   "supervision", true, false},
};


/* Which patch carried a recording, when one did */
static void meta_patch(struct rec_out *m, bool tx, const struct rec_floor *fl)
{
	if (fl->carry == REC_CARRY_NONE || (!tx && fl->carry == REC_CARRY_IN))
		return;               /* not carried: a collision on the far side */

	str_ncpy(m->patch, fl->patch, sizeof(m->patch));
	str_ncpy(m->peer, fl->peer, sizeof(m->peer));
	str_ncpy(m->source, fl->carry == REC_CARRY_IN ? fl->peer :
		 m->resource, sizeof(m->source));
}


/* Who talked in a recording, from the floor of its resource: received,
 * the radio; transmitted, the position keying it, or across a patch
 * the far side's radio or position */
static void meta_floor(struct rec_out *m, bool tx, const struct rec_floor *fl)
{
	if (tx) {
		str_ncpy(m->position, fl->position, sizeof(m->position));
		str_ncpy(m->operator_, fl->operator_, sizeof(m->operator_));
		if (fl->carry == REC_CARRY_IN) {
			str_ncpy(m->talker, fl->ctalker, sizeof(m->talker));
			str_ncpy(m->alias, fl->calias, sizeof(m->alias));
		}
	}
	else {
		str_ncpy(m->talker, fl->talker, sizeof(m->talker));
		str_ncpy(m->alias, fl->alias, sizeof(m->alias));
	}
	meta_patch(m, tx, fl);
}


static void meta_fill(struct rec_thr *t, struct rec_open *o)
{
	struct rec_out *m = &o->meta;
	const struct rec_floor *fl;
	size_t i, pl;

	str_ncpy(m->stream, o->stream, sizeof(m->stream));
	str_ncpy(m->kind, "rtp", sizeof(m->kind));
	str_ncpy(m->resource, o->stream, sizeof(m->resource));
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		pl = strlen(kinds[i].prefix);
		if (strncmp(o->stream, kinds[i].prefix, pl))
			continue;
		str_ncpy(m->kind, kinds[i].kind, sizeof(m->kind));
		if (!kinds[i].keep)
			str_ncpy(m->resource, o->stream + pl,
				 sizeof(m->resource));
		if (kinds[i].call)
			str_ncpy(m->call_id, o->stream + pl,
				 sizeof(m->call_id));
		break;
	}
	str_ncpy(m->direction, o->dir ? "tx" : "rx", sizeof(m->direction));
	m->start_ms = o->start_ms;

	fl = floor_find(t, m->resource);
	if (fl)
		meta_floor(m, o->dir, fl);
}


static struct rec_open *rec_open(struct rec_thr *t,
				 const struct rec_frame *fr)
{
	struct rec_open *o = calloc(1, sizeof(*o));
	struct rec_tags tags;
	char path[1024], date[32];
	int err;

	if (!o)
		return NULL;

	str_ncpy(o->stream, fr->stream, sizeof(o->stream));
	o->dir = fr->dir;
	o->start_ms = wall_ms();
	o->last_tick = fr->tick;
	meta_fill(t, o);
	file_name(t, o, path, sizeof(path));
	re_snprintf(date, sizeof(date), "%lld", (long long)o->start_ms);

	tags = (struct rec_tags){o->meta.resource, o->meta.direction,
				 o->meta.talker, o->meta.position, date};
	err = rec_file_open(&o->f, path, &tags);
	if (err)
		write_failed(t, o, err);
	else   /* the headers */
		atomic_fetch_add(&t->bytes, rec_file_bytes(o->f));

	list_append(&t->open, &o->le, o);
	atomic_fetch_add(&t->nopen, 1);

	return o;
}


static void rec_write(struct rec_thr *t, struct rec_open *o,
		      const int16_t *pcm)
{
	uint64_t before;
	int err;

	++o->frames;
	if (!o->f)
		return;

	before = rec_file_bytes(o->f);
	err = rec_file_write(o->f, pcm, REC_PCM);
	atomic_fetch_add(&t->bytes, rec_file_bytes(o->f) - before);
	if (err) {
		/* keep what was written (its hash goes to the audit
		 * trail): the rest of the transmission is counted, lost */
		before = rec_file_bytes(o->f);
		(void)rec_file_close(o->f, o->sha, &o->bytes);
		atomic_fetch_add(&t->bytes, o->bytes - before);
		o->f = NULL;
		write_failed(t, o, err);
	}
}


static struct rec_open *open_find(struct rec_thr *t, const char *stream,
				  uint8_t dir)
{
	struct le *le;

	LIST_FOREACH(&t->open, le) {
		struct rec_open *o = le->data;

		if (o->dir == dir && !strcmp(o->stream, stream))
			return o;
	}
	return NULL;
}


static void frame_take(struct rec_thr *t, const struct rec_frame *fr,
		       uint64_t now)
{
	static const int16_t silence[REC_PCM];
	struct rec_open *o = open_find(t, fr->stream, fr->dir);

	if (o && (fr->tick <= o->last_tick ||
		  fr->tick > o->last_tick + REC_GAP_TICKS)) {
		rec_close(t, o);
		o = NULL;
	}

	if (!o) {
		o = rec_open(t, fr);
		if (!o)
			return;
	}
	else {
		for (uint64_t k = o->last_tick + 1; k < fr->tick; k++)
			rec_write(t, o, silence);
	}

	rec_write(t, o, fr->pcm);
	o->last_tick = fr->tick;
	o->last_ms = now;
}


/* ---- floor news ---- */

static void floor_apply(struct rec_thr *t, struct rec_floor *nf)
{
	struct rec_floor *f = floor_find(t, nf->resource);
	struct le *le;

	if (f) {
		list_unlink(&f->le);
		free(f);
	}
	list_append(&t->floors, &nf->le, nf);

	for (le = list_head(&t->open); le;) {
		struct rec_open *o = le->data;
		struct rec_out *m = &o->meta;

		le = le->next;
		if (strcmp(m->resource, nf->resource))
			continue;

		if (!m->talker[0] && !m->position[0]) {
			meta_floor(m, o->dir, nf);
		}
		else if (!o->dir && nf->talker[0] &&
			 strcmp(m->talker, nf->talker)) {
			/* another radio took the floor: a new recording */
			rec_close(t, o);
		}
		else if (!m->patch[0]) {
			meta_patch(m, o->dir, nf);
		}
	}
}


/* One at a time: a libre list cannot be moved by copying its head (each
 * element points back to its list) */
static void floors_take(struct rec_thr *t)
{
	for (;;) {
		struct le *le;

		pthread_mutex_lock(&t->lock);
		le = list_head(&t->floorq);
		if (le)
			list_unlink(le);
		pthread_mutex_unlock(&t->lock);

		if (!le)
			break;
		floor_apply(t, le->data);
	}
}


/* ---- housekeeping ---- */

static void timeouts(struct rec_thr *t, uint64_t now)
{
	struct le *le;

	for (le = list_head(&t->open); le;) {
		struct rec_open *o = le->data;

		le = le->next;
		if (now - o->last_ms >= REC_GAP_MS)
			rec_close(t, o);
	}
}


static void disk_check(struct rec_thr *t, uint64_t now)
{
	uint64_t dropped = atomic_load(&t->ring->dropped);
	struct statvfs sv;
	char reason[160];
	uint64_t free_mb;

	if (now - t->disk_ms < REC_DISK_MS)
		return;
	t->disk_ms = now;

	if (dropped != t->dropped_seen) {
		re_snprintf(reason, sizeof(reason), "%llu frames dropped: "
			    "the recorder cannot keep up",
			    (unsigned long long)dropped);
		alarm_out(t, true, "queue", reason);
		t->dropped_seen = dropped;
		t->queue_alarm = true;
	}
	else if (t->queue_alarm) {
		alarm_out(t, false, "queue", "the recorder keeps up again");
		t->queue_alarm = false;
	}

	if (statvfs(t->dir, &sv))
		return;

	free_mb = (uint64_t)sv.f_bavail * sv.f_frsize / (1024 * 1024);
	if (free_mb < t->min_free_mb && !t->disk_alarm) {
		re_snprintf(reason, sizeof(reason), "%s: %llu MB free, "
			    "below %llu MB", t->dir,
			    (unsigned long long)free_mb,
			    (unsigned long long)t->min_free_mb);
		str_ncpy(t->disk_what, "disk_low", sizeof(t->disk_what));
		alarm_out(t, true, t->disk_what, reason);
		t->disk_alarm = true;
	}
	/* after a failed write, at least a megabyte must be back */
	else if (t->disk_alarm && free_mb >= t->min_free_mb && free_mb >= 1) {
		re_snprintf(reason, sizeof(reason), "%s: %llu MB free",
			    t->dir, (unsigned long long)free_mb);
		alarm_out(t, false, t->disk_what, reason);
		t->disk_alarm = false;
	}
}


static void *thread_main(void *arg)
{
	struct rec_thr *t = arg;
	const struct timespec idle = {0, REC_IDLE_MS * 1000000L};

	while (atomic_load(&t->run)) {
		const struct rec_frame *fr;
		uint64_t now = mono_ms();
		unsigned n = 0;

		floors_take(t);
		while ((fr = rec_ring_peek(t->ring)) && n < REC_RING) {
			frame_take(t, fr, now);
			rec_ring_pop(t->ring);
			++n;
		}
		timeouts(t, now);
		disk_check(t, now);
		if (!n)
			(void)nanosleep(&idle, NULL);
	}

	/* shutdown: what is in the ring still goes into its file */
	{
		const struct rec_frame *fr;

		floors_take(t);
		while ((fr = rec_ring_peek(t->ring))) {
			frame_take(t, fr, mono_ms());
			rec_ring_pop(t->ring);
		}
	}
	while (!list_isempty(&t->open))
		rec_close(t, list_head(&t->open)->data);
	list_free_all(&t->floors);

	return NULL;
}


/* ---- main thread ---- */

int rec_thr_start(struct rec_thr **tp, const char *dir,
		  uint64_t min_free_mb, struct rec_ring *ring,
		  rec_out_h *outh, void *arg)
{
	struct rec_thr *t;
	int err;

	if (!tp || !dir || !ring || !outh)
		return EINVAL;

	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;

	str_ncpy(t->dir, dir, sizeof(t->dir));
	t->min_free_mb = min_free_mb;
	t->ring = ring;
	t->outh = outh;
	t->arg = arg;
	pthread_mutex_init(&t->lock, NULL);
	atomic_init(&t->run, true);
	atomic_init(&t->nopen, 0);

	err = pthread_create(&t->thread, NULL, thread_main, t);
	if (err) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		return err;
	}

	*tp = t;
	return 0;
}


void rec_thr_floor(struct rec_thr *t, const struct rec_floor *f)
{
	struct rec_floor *c;

	if (!t || !f)
		return;

	c = malloc(sizeof(*c));
	if (!c)
		return;

	*c = *f;
	pthread_mutex_lock(&t->lock);
	list_append(&t->floorq, &c->le, c);
	pthread_mutex_unlock(&t->lock);
}


unsigned rec_thr_open_count(struct rec_thr *t)
{
	return t ? atomic_load(&t->nopen) : 0;
}


void rec_thr_counts(struct rec_thr *t, uint64_t *bytes, uint64_t *errors)
{
	*bytes = t ? atomic_load(&t->bytes) : 0;
	*errors = t ? atomic_load(&t->write_errors) : 0;
}


/* Closes every open recording (their rec_out still reach outh) */
void rec_thr_stop(struct rec_thr *t)
{
	if (!t)
		return;

	atomic_store(&t->run, false);
	(void)pthread_join(t->thread, NULL);
	list_free_all(&t->floorq);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
