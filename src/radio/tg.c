/**
 * @file tg.c  Talkgroups, whatever bearer carries them
 *
 * Dual running: a talkgroup may have an ESN group and a TETRA group.
 * Its preferred bearer carries it; when that bearer fails it (the link
 * goes down, the group cannot be joined, the terminal is gone) the
 * talkgroup moves to the other one at once and supervisors get a
 * "radio.alarm".  While it is away, a failback probe joins the group on
 * the preferred bearer every PROBE_MS; when that join works the
 * talkgroup moves back (tetra.failback: false keeps it where it is).
 * Consoles see one talkgroup whatever carries it.
 *
 * Patches bridge two talkgroups (e.g. an Airwave group and an ESN
 * group): each side's received audio is transmitted on the other
 * (media_patch both ways), and the floor follows the talker: when a
 * radio talks on one side we ask for the floor on the other, and let it
 * go when the talker stops.  The first talker wins: a radio keying on
 * the far side meanwhile is not carried (counted as a collision), and
 * gets its turn when the first stops.  Nothing we transmit comes back
 * to us (networks do not echo a floor holder), so there is no loop.  A
 * console keying a patched talkgroup is carried the same way.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/audit.h"
#include "media/media.h"
#include "position/pos_audio.h"
#include "radio/radio.h"
#include "radio/tetra/tetra.h"
#include "radio/tg.h"

#define MOD "radio"

enum {
	B_ESN = 0, B_TETRA, B_COUNT,
	PROBE_MS = 3000,        /* failback probe interval            */
	TICK_MS = 1000,
	ALARMS_MAX = 20,
};

static const char *bnames[B_COUNT] = {"esn", "tetra"};

struct tg_service;
struct patch;

struct bside {
	struct bearer *b;
	bool up, known;            /* known: a link event came          */
	char reason[128];
	struct tg_service *ts;     /* event context of this bearer      */
	int i;
};

struct tg {
	struct le le;
	char id[64];
	char addr[B_COUNT][256];   /* group URI, GSSI; "" = none        */
	int pref;                  /* preferred bearer                  */
	int cur;                   /* carrying it, -1 none              */
	bool probing;              /* failback join on pref under way   */
	uint64_t probe_at;
	bool fixed;                /* a gateway stream named id exists  */
	char bstream[64];          /* the bearer's voice stream, or ""  */
	enum radio_group_state gstate;
	char greason[128];
	struct {
		enum radio_floor_state st;
		bool tx;
		unsigned qpos;
		char reason[128], talker[128], alias[64];
	} floor;
	char holder[32];           /* position holding PTT here, or ""  */
	bool ptt_pending;          /* PTT waits for the group to join   */
	bool emergency;
	char em_by[128];
	json_t *acks;              /* who acknowledged the emergency    */
	json_t *listeners;         /* positions routing it somewhere    */
	struct patch *patch;       /* bridged with another, or NULL     */
};

struct patch {
	struct le le;
	char id[24];
	struct tg *t[2];
	int dir;                   /* side whose talker is carried, -1  */
	char sa[64], sb[64];       /* streams patched in media now      */
	unsigned collisions;
	char by[64];
};

struct tg_service {
	const struct conf *conf;
	struct media *media;
	struct pos_audio *pa;
	struct bside bs[B_COUNT];
	struct list tgs;
	struct list patches;
	unsigned patchseq;
	const struct tg_call_h *ch;  /* private calls (rcall.c)       */
	void *charg;
	struct tmr tmr;
	json_t *alarms;            /* the latest, newest last           */
	struct audit *audit;       /* alarms are audited, or NULL       */
};

static const char *floor_names[] = {
	"idle", "requesting", "granted", "queued", "denied", "taken",
	"revoked", "released", "no_answer",
};
static const char *group_names[] = {"idle", "joining", "joined", "failed"};
static const enum media_chan media_chan_of[] = {
	[POS_CHAN_OFF] = MEDIA_OFF, [POS_CHAN_HEADSET] = MEDIA_HEADSET,
	[POS_CHAN_SPEAKER] = MEDIA_SPEAKER,
};

static void join_or_leave(struct tg_service *ts, struct tg *t);
static void patch_media(struct tg_service *ts, struct patch *p);
static void patch_carry(struct tg_service *ts, struct patch *p, int s);
static int  side_of(const struct patch *p, const struct tg *t);


static uint64_t now_ms(void)
{
	struct timespec tp;

	clock_gettime(CLOCK_MONOTONIC, &tp);
	return (uint64_t)tp.tv_sec * 1000 + (uint64_t)tp.tv_nsec / 1000000;
}


static void tg_destructor(void *data)
{
	struct tg *t = data;

	list_unlink(&t->le);
	json_decref(t->acks);
	json_decref(t->listeners);
}


static struct tg *tg_find(const struct tg_service *ts, const char *id)
{
	struct le *le;

	for (le = list_head(&ts->tgs); id && le; le = le->next) {
		struct tg *t = le->data;

		if (!strcmp(t->id, id))
			return t;
	}
	return NULL;
}


static bool has_bearer(const struct tg_service *ts, const struct tg *t)
{
	return t->cur >= 0 && ts->bs[t->cur].b;
}


static struct bearer *bearer_of(const struct tg_service *ts,
				const struct tg *t)
{
	return has_bearer(ts, t) ? ts->bs[t->cur].b : NULL;
}


/* Configured for t, allocated, and not known to be down */
static bool usable(const struct tg_service *ts, const struct tg *t, int i)
{
	const struct bside *s = &ts->bs[i];

	return i >= 0 && t->addr[i][0] && s->b && !(s->known && !s->up);
}


static int other(int i)
{
	return i == B_ESN ? B_TETRA : B_ESN;
}


static bool wanted(const struct tg *t)
{
	return json_array_size(t->listeners) || t->holder[0] || t->patch;
}


static json_t *patch_json(const struct tg *t)
{
	const struct patch *p = t->patch;
	const struct tg *talker;
	int side;

	if (!p)
		return json_null();
	side = p->t[0] == t ? 0 : 1;
	talker = p->dir >= 0 ? p->t[p->dir] : NULL;
	/* the far talker's identity travels with the patch to consoles
	 * (and to the recorder: a dispatcher's is the holder's position) */
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:i}", "id",
			 p->id,
			 "with", p->t[!side]->id,
			 "carrying", !talker ? NULL : p->dir == side ? "out" :
			 "in",
			 "talker", talker && talker->floor.talker[0] ?
			 talker->floor.talker : NULL,
			 "alias", talker && talker->floor.alias[0] ?
			 talker->floor.alias : NULL,
			 "holder", talker && talker->holder[0] ?
			 talker->holder : NULL,
			 "collisions", (int)p->collisions);
}


json_t *tg_json(const struct tg_service *ts, const char *id)
{
	const struct tg *t = tg_find(ts, id);
	json_t *bearers;

	if (!t)
		return NULL;

	bearers = json_array();
	for (int i = 0; i < B_COUNT; i++) {
		if (t->addr[i][0] && ts->bs[i].b)
			json_array_append_new(bearers, json_string(bnames[i]));
	}

	return json_pack("{s:s, s:s?, s:o, s:s, s:b, s:s, s:s?, s:{s:s, s:b,"
			 " s:i, s:s?, s:s?, s:s?, s:s?}, s:{s:b, s:s?, s:s?,"
			 " s:O}, s:o}",
		"talkgroup", t->id,
		"bearer", has_bearer(ts, t) ? bnames[t->cur] : NULL,
		"bearers", bearers, "preferred", bnames[t->pref],
		"failed_over", has_bearer(ts, t) && t->cur != t->pref,
		"group", group_names[t->gstate],
		"group_reason", t->greason[0] ? t->greason : NULL,
		"floor", "state", floor_names[t->floor.st], "tx", t->floor.tx,
		"queue_position", (int)t->floor.qpos,
		"reason", t->floor.reason[0] ? t->floor.reason : NULL,
		"talker", t->floor.talker[0] ? t->floor.talker : NULL,
		"alias", t->floor.alias[0] ? t->floor.alias : NULL,
		"holder", t->holder[0] ? t->holder : NULL,
		"emergency", "on", t->emergency,
		"by", t->em_by[0] ? t->em_by : NULL,
		"by_alias", conf_alias(ts->conf, t->em_by), "acks", t->acks,
		"patch", patch_json(t));
}


json_t *tg_links_json(const struct tg_service *ts)
{
	json_t *j = json_object();

	for (int i = 0; j && i < B_COUNT; i++) {
		const struct bside *s = &ts->bs[i];

		if (!s->b)
			continue;
		json_object_set_new(j, bnames[i], json_pack("{s:b, s:s?}",
			"up", s->up, "reason", s->reason[0] ? s->reason :
			NULL));
	}
	return j;
}


json_t *tg_alarms_json(const struct tg_service *ts)
{
	return json_copy(ts->alarms);
}


json_t *tg_list_json(const struct tg_service *ts)
{
	json_t *arr = json_array();
	struct le *le;

	for (le = list_head(&ts->tgs); arr && le; le = le->next)
		json_array_append_new(arr, tg_json(ts, ((struct tg *)le->data)
						   ->id));
	return arr;
}


static void publish(struct tg_service *ts, const char *event, struct tg *t)
{
	json_t *j = tg_json(ts, t->id);

	bus_publish(event, j);
	json_decref(j);
}


/* Supervisors learn when a talkgroup changed bearer, and why */
static void alarm(struct tg_service *ts, struct tg *t, const char *kind,
		  int from, int to, const char *why)
{
	json_t *j = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:I}",
		"kind", kind, "talkgroup", t->id,
		"from", from >= 0 ? bnames[from] : NULL, "to", bnames[to],
		"reason", why, "at", (json_int_t)time(NULL) * 1000);

	log_warn(MOD, "talkgroup %s: %s from %s to %s%s%s", t->id, kind,
		 from >= 0 ? bnames[from] : "-", bnames[to], why ? ": " : "",
		 why ? why : "");
	if (!j)
		return;
	json_array_append(ts->alarms, j);
	while (json_array_size(ts->alarms) > ALARMS_MAX)
		json_array_remove(ts->alarms, 0);
	bus_publish("radio.alarm", j);
	if (ts->audit) {
		char action[32];

		re_snprintf(action, sizeof(action), "radio.%s", kind);
		(void)audit_log(ts->audit, "system", NULL, action, t->id,
				"ok", j);
	}
	json_decref(j);
}


static void route_stream(struct tg_service *ts, const char *stream,
			 const char *pos, const struct pos_audio_tg *a)
{
	(void)media_route(ts->media, pos, stream,
			  media_chan_of[pos_audio_channel(a)], a->volume);
}


static void listeners_set(struct tg *t, const char *pos, bool on)
{
	size_t i;
	json_t *v;

	json_array_foreach(t->listeners, i, v) {
		if (!strcmp(json_string_value(v), pos)) {
			if (!on)
				json_array_remove(t->listeners, i);
			return;
		}
	}
	if (on)
		json_array_append_new(t->listeners, json_string(pos));
}


static void join_or_leave(struct tg_service *ts, struct tg *t)
{
	struct bearer *b = bearer_of(ts, t);
	int err;

	if (!b)
		return;

	if (wanted(t) && (t->gstate == RADIO_GROUP_IDLE ||
			  t->gstate == RADIO_GROUP_FAILED)) {
		t->gstate = RADIO_GROUP_JOINING;
		err = b->ops->group_join(b, t->id, t->addr[t->cur]);
		if (err) {
			t->gstate = RADIO_GROUP_FAILED;
			re_snprintf(t->greason, sizeof(t->greason),
				    "cannot join: %m", err);
		}
		publish(ts, "radio.floor", t);
	}
	else if (!wanted(t) && t->gstate != RADIO_GROUP_IDLE) {
		(void)b->ops->group_leave(b, t->id);
	}
}


void tg_route(struct tg_service *ts, const char *id, const char *pos)
{
	struct tg *t = ts ? tg_find(ts, id) : NULL;
	struct pos_audio_tg a;

	if (!t || !pos)
		return;

	(void)pos_audio_get(ts->pa, pos, id, &a);
	listeners_set(t, pos, pos_audio_channel(&a) != POS_CHAN_OFF);

	if (t->fixed)
		route_stream(ts, t->id, pos, &a);
	if (t->bstream[0])
		route_stream(ts, t->bstream, pos, &a);

	join_or_leave(ts, t);
}


/* Everyone listening hears the bearer's stream from now on */
static void route_all(struct tg_service *ts, struct tg *t)
{
	size_t i;
	json_t *v;

	json_array_foreach(t->listeners, i, v) {
		struct pos_audio_tg a;

		(void)pos_audio_get(ts->pa, json_string_value(v), t->id, &a);
		route_stream(ts, t->bstream, json_string_value(v), &a);
	}
}


static int floor_ask(struct tg_service *ts, struct tg *t)
{
	struct bearer *b = bearer_of(ts, t);

	t->ptt_pending = false;
	if (!b)
		return ENOTCONN;
	return b->ops->ptt_request(b, t->id, (uint8_t)ts->conf->esn_priority,
				   t->emergency);
}


static void floor_let_go(struct tg_service *ts, struct tg *t)
{
	struct bearer *b = bearer_of(ts, t);

	t->ptt_pending = false;
	if (b && t->gstate == RADIO_GROUP_JOINED)
		(void)b->ops->ptt_release(b, t->id);
}


/* The voice stream changed: patches follow it */
static void stream_set(struct tg_service *ts, struct tg *t,
		       const char *stream)
{
	str_ncpy(t->bstream, stream ? stream : "", sizeof(t->bstream));
	if (t->bstream[0])
		route_all(ts, t);
	if (t->patch)
		patch_media(ts, t->patch);
}


/* Move t to bearer `to`: leave the group where it was, join it there */
static void move(struct tg_service *ts, struct tg *t, int to,
		 const char *kind, const char *why)
{
	struct bearer *ob = bearer_of(ts, t);
	int from = t->cur;

	t->cur = to;
	t->probing = false;
	t->probe_at = now_ms() + PROBE_MS;
	if (ob)
		(void)ob->ops->group_leave(ob, t->id);
	t->gstate = RADIO_GROUP_IDLE;
	memset(&t->floor, 0, sizeof(t->floor));
	if (t->holder[0])
		t->ptt_pending = true;   /* the console still presses PTT */
	alarm(ts, t, kind, from, to, why);
	stream_set(ts, t, NULL);
	join_or_leave(ts, t);
	publish(ts, "radio.floor", t);
}


/* The current bearer cannot carry t: the other one takes it if it can */
static void failed(struct tg_service *ts, struct tg *t, const char *why)
{
	int o = other(t->cur);

	if (t->cur < 0 || !usable(ts, t, o))
		return;
	move(ts, t, o, "failover", why);
}


/* A failback probe: join on the preferred bearer while the other one
 * still carries the talkgroup; the switch happens when it is joined */
static void probe(struct tg_service *ts, struct tg *t, uint64_t now)
{
	struct bearer *b = ts->bs[t->pref].b;

	if (!ts->conf->tetra_failback || t->cur < 0 || t->cur == t->pref ||
	    t->probing || now < t->probe_at || !wanted(t) ||
	    !usable(ts, t, t->pref))
		return;
	t->probe_at = now + PROBE_MS;
	t->probing = true;
	if (b->ops->group_join(b, t->id, t->addr[t->pref]))
		t->probing = false;
}


static void tick(void *arg)
{
	struct tg_service *ts = arg;
	uint64_t now = now_ms();

	tmr_start(&ts->tmr, TICK_MS, tick, ts);
	for (struct le *le = list_head(&ts->tgs); le; le = le->next)
		probe(ts, le->data, now);
}


int tg_ptt(struct tg_service *ts, const char *id, const char *pos,
	   bool on)
{
	struct tg *t = ts ? tg_find(ts, id) : NULL;

	if (!t || !pos)
		return EINVAL;
	if (t->holder[0] && strcmp(t->holder, pos))
		return on ? EBUSY : 0;

	if (!on) {
		struct tg *far = t->patch ?
			t->patch->t[!side_of(t->patch, t)] : NULL;

		if (far && far->bstream[0])
			(void)media_ptt(ts->media, pos, far->bstream, false);
		t->holder[0] = '\0';
		t->ptt_pending = false;
		if (t->fixed)
			(void)media_ptt(ts->media, pos, t->id, false);
		if (t->bstream[0])
			(void)media_ptt(ts->media, pos, t->bstream, false);
		/* a bearer reports the release itself, with the holder gone */
		if (has_bearer(ts, t) && t->gstate == RADIO_GROUP_JOINED)
			floor_let_go(ts, t);
		else
			publish(ts, "radio.floor", t);
		return 0;
	}

	str_ncpy(t->holder, pos, sizeof(t->holder));
	/* a console talking on a patched talkgroup is heard on both */
	if (t->patch && t->patch->dir < 0)
		patch_carry(ts, t->patch, side_of(t->patch, t));
	/* a gateway stream has no floor control: its radio is keyed */
	if (t->fixed && !has_bearer(ts, t))
		(void)media_ptt(ts->media, pos, t->id, true);
	if (has_bearer(ts, t)) {
		if (t->gstate == RADIO_GROUP_JOINED) {
			(void)floor_ask(ts, t);   /* the bearer reports it */
			return 0;
		}
		t->ptt_pending = true;
		join_or_leave(ts, t);
	}
	publish(ts, "radio.floor", t);
	return 0;
}


int tg_emergency(struct tg_service *ts, const char *id, bool on)
{
	struct tg *t = ts ? tg_find(ts, id) : NULL;
	struct bearer *b;

	if (!t)
		return ENOENT;
	b = bearer_of(ts, t);
	if (!has_bearer(ts, t) || (b && !b->ops->emergency))
		return ENOTSUP;
	if (!b || t->gstate != RADIO_GROUP_JOINED)
		return ENOTCONN;
	return b->ops->emergency(b, t->id, on);
}


void tg_audit_set(struct tg_service *ts, struct audit *au)
{
	if (ts)
		ts->audit = au;
}


int tg_emergency_ack(struct tg_service *ts, const char *id,
		     const char *who)
{
	struct tg *t = ts ? tg_find(ts, id) : NULL;

	if (!t || !who)
		return EINVAL;
	if (!t->emergency)
		return ENOENT;

	json_array_append_new(t->acks, json_string(who));
	publish(ts, "radio.emergency", t);
	return 0;
}


/* ---- patches ---- */

static void patch_media(struct tg_service *ts, struct patch *p)
{
	const char *a = p->t[0]->bstream, *b = p->t[1]->bstream;
	bool on = p->le.list != NULL;

	if (on && !strcmp(a, p->sa) && !strcmp(b, p->sb))
		return;
	if (p->sa[0] && p->sb[0]) {
		(void)media_patch(ts->media, p->sa, p->sb, false);
		(void)media_patch(ts->media, p->sb, p->sa, false);
	}
	p->sa[0] = p->sb[0] = '\0';
	if (!on || !a[0] || !b[0])
		return;
	str_ncpy(p->sa, a, sizeof(p->sa));
	str_ncpy(p->sb, b, sizeof(p->sb));
	(void)media_patch(ts->media, a, b, true);
	(void)media_patch(ts->media, b, a, true);
}


static void patch_publish(struct tg_service *ts, struct patch *p, bool on)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s}", "id", p->id,
			      "a", p->t[0]->id, "b", p->t[1]->id, "on", on,
			      "by", p->by);

	bus_publish("radio.patch", j);
	json_decref(j);
	publish(ts, "radio.floor", p->t[0]);
	publish(ts, "radio.floor", p->t[1]);
}


static int side_of(const struct patch *p, const struct tg *t)
{
	return p->t[0] == t ? 0 : 1;
}


/* The talker on side s is carried to the other side from now */
static void patch_carry(struct tg_service *ts, struct patch *p, int s)
{
	struct tg *far = p->t[!s];

	p->dir = s;
	if (far->gstate == RADIO_GROUP_JOINED)
		(void)floor_ask(ts, far);
	else
		far->ptt_pending = true;
}


/* Floor news on t, a side of patch p */
static void patch_floor(struct tg_service *ts, struct patch *p,
			struct tg *t)
{
	int s = p->t[0] == t ? 0 : 1;
	struct tg *far = p->t[!s];

	if (t->floor.st == RADIO_FLOOR_TAKEN) {
		if (p->dir < 0)
			patch_carry(ts, p, s);
		else if (p->dir != s)
			++p->collisions;   /* first talker wins */
		publish(ts, "radio.floor", far);
		return;
	}
	if (p->dir != s || t->floor.st == RADIO_FLOOR_GRANTED ||
	    t->floor.st == RADIO_FLOOR_REQUESTING)
		return;

	/* the talker on s stopped: let go of the far side; a talker
	 * waiting there has its turn now */
	p->dir = -1;
	if (!far->holder[0])
		floor_let_go(ts, far);
	if (far->floor.st == RADIO_FLOOR_TAKEN)
		patch_carry(ts, p, !s);
	publish(ts, "radio.floor", far);
}


static struct patch *patch_find(const struct tg_service *ts, const char *a,
				const char *b)
{
	for (struct le *le = list_head(&ts->patches); le; le = le->next) {
		struct patch *p = le->data;

		if ((!strcmp(p->t[0]->id, a) && !strcmp(p->t[1]->id, b)) ||
		    (!strcmp(p->t[0]->id, b) && !strcmp(p->t[1]->id, a)))
			return p;
	}
	return NULL;
}


int tg_patch(struct tg_service *ts, const char *a, const char *b, bool on,
	     const char *who)
{
	struct tg *ta = ts ? tg_find(ts, a) : NULL;
	struct tg *tb = ts ? tg_find(ts, b) : NULL;
	struct patch *p;

	if (!ta || !tb || ta == tb)
		return EINVAL;
	p = patch_find(ts, a, b);

	if (!on) {
		if (!p)
			return ENOENT;
		if (p->dir >= 0 && !p->t[!p->dir]->holder[0])
			floor_let_go(ts, p->t[!p->dir]);
		list_unlink(&p->le);
		patch_media(ts, p);
		ta->patch = tb->patch = NULL;
		str_ncpy(p->by, who ? who : "", sizeof(p->by));
		patch_publish(ts, p, false);
		join_or_leave(ts, ta);
		join_or_leave(ts, tb);
		mem_deref(p);
		return 0;
	}

	if (p)
		return EALREADY;
	if (ta->patch || tb->patch)
		return EBUSY;   /* one patch per talkgroup */
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	re_snprintf(p->id, sizeof(p->id), "patch-%u", ++ts->patchseq);
	p->t[0] = ta;
	p->t[1] = tb;
	p->dir = -1;
	str_ncpy(p->by, who ? who : "", sizeof(p->by));
	list_append(&ts->patches, &p->le, p);
	ta->patch = tb->patch = p;
	log_notice(MOD, "patch %s: %s <-> %s", p->id, a, b);
	join_or_leave(ts, ta);
	join_or_leave(ts, tb);
	patch_media(ts, p);
	/* a talker already on a side is carried at once */
	if (ta->floor.st == RADIO_FLOOR_TAKEN)
		patch_carry(ts, p, 0);
	else if (tb->floor.st == RADIO_FLOOR_TAKEN)
		patch_carry(ts, p, 1);
	patch_publish(ts, p, true);
	return 0;
}


json_t *tg_patches_json(const struct tg_service *ts)
{
	json_t *arr = json_array();

	for (struct le *le = list_head(&ts->patches); arr && le;
	     le = le->next) {
		const struct patch *p = le->data;

		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s,"
			" s:i}", "id", p->id, "a", p->t[0]->id, "b",
			p->t[1]->id, "by", p->by, "collisions",
			(int)p->collisions));
	}
	return arr;
}


/* ---- what the bearers report ---- */

static void ev_link(bool up, const char *reason, void *arg)
{
	struct bside *s = arg;
	struct tg_service *ts = s->ts;
	char why[160];
	json_t *j;

	s->up = up;
	s->known = true;
	str_ncpy(s->reason, reason ? reason : "", sizeof(s->reason));
	log_notice(MOD, "%s link %s%s%s", bnames[s->i], up ? "up" : "down",
		   reason ? ": " : "", reason ? reason : "");

	j = json_pack("{s:s, s:b, s:s?}", "bearer", bnames[s->i], "up", up,
		      "reason", reason);
	bus_publish("radio.link", j);
	json_decref(j);

	if (up)
		return;
	re_snprintf(why, sizeof(why), "%s link down%s%s", bnames[s->i],
		    reason ? ": " : "", reason ? reason : "");
	for (struct le *le = list_head(&ts->tgs); le; le = le->next) {
		struct tg *t = le->data;

		if (t->cur == s->i)
			failed(ts, t, why);
	}
}


/* News from the bearer that does not carry t: a failback probe */
static void probe_result(struct tg_service *ts, struct tg *t, int i,
			 enum radio_group_state st, const char *stream)
{
	struct bearer *b = ts->bs[i].b;
	struct bearer *ob = bearer_of(ts, t);
	int from = t->cur;

	if (i != t->pref || !t->probing)
		return;
	if (st == RADIO_GROUP_JOINING)
		return;
	t->probing = false;
	if (st != RADIO_GROUP_JOINED) {
		if (st == RADIO_GROUP_FAILED)
			(void)b->ops->group_leave(b, t->id);
		return;
	}

	/* the preferred bearer works again: back to it */
	t->cur = i;
	if (ob)
		(void)ob->ops->group_leave(ob, t->id);
	t->gstate = RADIO_GROUP_JOINED;
	t->greason[0] = '\0';
	memset(&t->floor, 0, sizeof(t->floor));
	alarm(ts, t, "failback", from, i, "preferred bearer works again");
	stream_set(ts, t, stream);
	if (t->holder[0])
		(void)floor_ask(ts, t);
	publish(ts, "radio.floor", t);
}


static void ev_group(const char *id, enum radio_group_state st,
		     const char *reason, const char *stream, void *arg)
{
	struct bside *s = arg;
	struct tg_service *ts = s->ts;
	struct tg *t = tg_find(ts, id);

	if (!t)
		return;
	if (t->cur != s->i) {
		probe_result(ts, t, s->i, st, stream);
		return;
	}

	t->gstate = st;
	str_ncpy(t->greason, reason ? reason : "", sizeof(t->greason));
	stream_set(ts, t, st == RADIO_GROUP_JOINED ? stream : NULL);

	if (st == RADIO_GROUP_JOINED && t->ptt_pending)
		(void)floor_ask(ts, t);
	if (st != RADIO_GROUP_JOINED)
		memset(&t->floor, 0, sizeof(t->floor));

	publish(ts, "radio.floor", t);

	if (st == RADIO_GROUP_FAILED && wanted(t))
		failed(ts, t, reason ? reason : "group failed");
	/* the network ended the group call while someone listens: join
	 * again (a dead network fails that, and the talkgroup moves) */
	else if (st == RADIO_GROUP_IDLE && wanted(t))
		join_or_leave(ts, t);
}


static void ev_floor(const char *id, const struct radio_floor *f, void *arg)
{
	struct bside *s = arg;
	struct tg_service *ts = s->ts;
	struct tg *t = tg_find(ts, id);
	const char *alias;

	if (!t && ts->ch && ts->ch->floor) {   /* a private call's floor */
		ts->ch->floor(s->b, id, f, ts->charg);
		return;
	}
	if (!t || t->cur != s->i)
		return;

	t->floor.st = f->state;
	t->floor.tx = f->tx;
	t->floor.qpos = f->qpos;
	str_ncpy(t->floor.reason, f->reason ? f->reason : "",
		 sizeof(t->floor.reason));
	str_ncpy(t->floor.talker, f->talker ? f->talker : "",
		 sizeof(t->floor.talker));
	/* the fleet directory names radios the way this control room
	 * knows them; else whatever the network says */
	alias = conf_alias(ts->conf, f->talker);
	str_ncpy(t->floor.alias, alias ? alias : f->alias ? f->alias : "",
		 sizeof(t->floor.alias));

	/* The microphone goes out only while the network lets us talk */
	if (t->holder[0] && t->bstream[0])
		(void)media_ptt(ts->media, t->holder, t->bstream, f->tx);

	publish(ts, "radio.floor", t);
	if (t->patch) {
		struct patch *p = t->patch;
		struct tg *near = p->t[!side_of(p, t)];

		/* t carries a console's voice from the other side */
		if (p->dir == side_of(p, near) && near->holder[0] &&
		    t->bstream[0])
			(void)media_ptt(ts->media, near->holder, t->bstream,
					f->tx);
		patch_floor(ts, p, t);
	}
}


/* An emergency counts whichever network raised it */
static void ev_emergency(const char *id, bool on, const char *by,
			 void *arg)
{
	struct bside *s = arg;
	struct tg *t = tg_find(s->ts, id);

	if (!t)
		return;

	t->emergency = on;
	str_ncpy(t->em_by, by ? by : "", sizeof(t->em_by));
	json_array_clear(t->acks);
	log_notice(MOD, "emergency %s on %s by %s (%s)", on ? "raised" :
		   "cancelled", t->id, by ? by : "?", bnames[s->i]);
	publish(s->ts, "radio.emergency", t);
}


static void ev_message(const struct radio_msg *m, void *arg)
{
	static const char *types[] = {"text", "status", "location"};
	struct bside *s = arg;
	json_t *j;

	j = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:i, s:f, s:f, "
		      "s:i}", "type", types[m->type], "bearer", bnames[s->i],
		      "from", m->from, "alias", conf_alias(s->ts->conf,
							   m->from),
		      "to", m->to, "text", m->text, "status", (int)m->status,
		      "lat", m->lat, "lon", m->lon,
		      "accuracy_m", (int)m->accuracy_m);
	bus_publish("radio.message", j);
	json_decref(j);
}


/* Private calls are not talkgroups: their events go to rcall.c */
static void ev_call_in(const char *call, const char *from,
		       const char *alias, bool emergency, void *arg)
{
	struct bside *s = arg;

	if (s->ts->ch && s->ts->ch->call_in)
		s->ts->ch->call_in(s->b, call, from, alias, emergency,
				   s->ts->charg);
}


static void ev_call(const char *call, enum radio_call_state st,
		    const char *reason, const char *stream, void *arg)
{
	struct bside *s = arg;

	if (s->ts->ch && s->ts->ch->call)
		s->ts->ch->call(s->b, call, st, reason, stream,
				s->ts->charg);
}


static const struct radio_events events = {
	.call_in   = ev_call_in,
	.call      = ev_call,
	.link      = ev_link,
	.group     = ev_group,
	.floor     = ev_floor,
	.emergency = ev_emergency,
	.message   = ev_message,
};


/* ---- messages from consoles ---- */

/* to: a radio id ("tetra:N", "sip:...") or a talkgroup id; the bearer
 * follows from the address */
int tg_send(struct tg_service *ts, const char *to, const char *text,
	    unsigned status, const char **bearerp)
{
	const struct tg *t = ts ? tg_find(ts, to) : NULL;
	const char *addr = to;
	struct bearer *b;
	int i;

	if (!ts || !to)
		return EINVAL;
	if (t) {
		i = t->cur >= 0 ? t->cur : t->pref;
		addr = t->addr[i];
	}
	else {
		i = !strncmp(to, "tetra:", 6) ? B_TETRA : B_ESN;
	}
	b = ts->bs[i].b;
	if (!b || !addr[0])
		return ENOTSUP;
	if (bearerp)
		*bearerp = bnames[i];
	if (text)
		return b->ops->send_text ? b->ops->send_text(b, addr, text) :
			ENOTSUP;
	return b->ops->send_status ? b->ops->send_status(b, addr, status) :
		ENOTSUP;
}


static void ts_destructor(void *data)
{
	struct tg_service *ts = data;

	tmr_cancel(&ts->tmr);
	list_flush(&ts->patches);
	for (int i = 0; i < B_COUNT; i++) {
		if (ts->bs[i].b)
			ts->bs[i].b->ops->free(ts->bs[i].b);
	}
	list_flush(&ts->tgs);
	json_decref(ts->alarms);
	mem_deref((struct conf *)ts->conf);
}


static int tgs_add(struct tg_service *ts)
{
	const struct conf *cf = ts->conf;

	for (size_t i = 0; i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		json_t *at = rs->attrs;
		const char *group = json_string_value(json_object_get(at,
								"esn_group"));
		json_t *gssi = json_object_get(at, "tetra_gssi");
		const char *pref = json_string_value(json_object_get(at,
							"preferred_bearer"));
		struct tg *t;

		if (rs->type != RES_TALKGROUP)
			continue;

		t = mem_zalloc(sizeof(*t), tg_destructor);
		if (!t)
			return ENOMEM;
		list_append(&ts->tgs, &t->le, t);

		str_ncpy(t->id, rs->id, sizeof(t->id));
		str_ncpy(t->addr[B_ESN], group ? group : "",
			 sizeof(t->addr[B_ESN]));
		if (json_is_integer(gssi))
			re_snprintf(t->addr[B_TETRA], sizeof(t->addr[B_TETRA]),
				    "%lld", (long long)json_integer_value(gssi));
		t->pref = pref && !strcmp(pref, "tetra") ? B_TETRA : B_ESN;
		t->fixed = json_object_get(rs->attrs, "rtp_local") != NULL;
		t->acks = json_array();
		t->listeners = json_array();
		if (!t->acks || !t->listeners)
			return ENOMEM;
	}
	return 0;
}


/* The bearer each talkgroup starts on: its preferred one if that
 * exists here, else the other */
static void tgs_place(struct tg_service *ts)
{
	for (struct le *le = list_head(&ts->tgs); le; le = le->next) {
		struct tg *t = le->data;

		if (usable(ts, t, t->pref))
			t->cur = t->pref;
		else if (usable(ts, t, other(t->pref)))
			t->cur = other(t->pref);
		else
			t->cur = -1;
	}
}


int tg_alloc(struct tg_service **tsp, const struct conf *conf,
	     struct media *media, struct pos_audio *pa)
{
	static int (*const allocs[B_COUNT])(struct bearer **,
		const struct conf *, const struct radio_events *, void *,
		struct media *) = {mcptt_bearer_alloc, tetra_bearer_alloc};
	struct tg_service *ts;
	int err = 0;

	if (!tsp || !conf || !media || !pa)
		return EINVAL;

	ts = mem_zalloc(sizeof(*ts), ts_destructor);
	if (!ts)
		return ENOMEM;

	/* kept alive across a reload (SIGHUP frees the old config): the
	 * radio set-up is a start-time setting */
	ts->conf = mem_ref((struct conf *)conf);
	ts->media = media;
	ts->pa = pa;
	ts->alarms = json_array();
	tmr_init(&ts->tmr);

	err = ts->alarms ? tgs_add(ts) : ENOMEM;
	if (err)
		goto out;

	/* The ESN bearer reads its client key now, while still root */
	for (int i = 0; i < B_COUNT; i++) {
		ts->bs[i].ts = ts;
		ts->bs[i].i = i;
		err = allocs[i](&ts->bs[i].b, conf, &events, &ts->bs[i],
				media);
		if (err == ENOENT) {
			err = 0;   /* no such section: not used here */
		}
		else if (err) {
			log_error(MOD, "%s bearer: %m", bnames[i], err);
			goto out;
		}
	}
	tgs_place(ts);
	tmr_start(&ts->tmr, TICK_MS, tick, ts);

 out:
	if (err)
		mem_deref(ts);
	else
		*tsp = ts;
	return err;
}


void tg_calls_attach(struct tg_service *ts, const struct tg_call_h *h,
		     void *arg)
{
	if (!ts)
		return;
	ts->ch = h;
	ts->charg = arg;
}


/* The bearer that reaches a radio id: "tetra:ISSI" or an MCPTT ID */
struct bearer *tg_bearer_for(struct tg_service *ts, const char *radio)
{
	if (!ts || !radio)
		return NULL;
	return ts->bs[!strncmp(radio, "tetra:", 6) ? B_TETRA : B_ESN].b;
}


/* Imminent peril or broadcast for the presses that follow, on whichever
 * bearer carries tg now.  ENOTSUP: that bearer (or a gateway-only
 * talkgroup) has no such calls. */
int tg_call_kind(struct tg_service *ts, const char *id, bool imminent,
		 bool broadcast)
{
	struct tg *t = ts ? tg_find(ts, id) : NULL;
	struct bearer *b;

	if (!t)
		return ENOENT;
	if (!has_bearer(ts, t))
		return (imminent || broadcast) ? ENOTSUP : 0;
	b = ts->bs[t->cur].b;
	if (!b->ops->call_kind)
		return (imminent || broadcast) ? ENOTSUP : 0;
	return b->ops->call_kind(b, t->id, imminent, broadcast);
}
