/**
 * @file tg.c  Talkgroups, whatever bearer carries them
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "media/media.h"
#include "position/pos_audio.h"
#include "radio/radio.h"
#include "radio/tg.h"

#define MOD "radio"

struct tg {
	struct le le;
	char id[64];
	char group[256];           /* the bearer's group address, or "" */
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
};

struct tg_service {
	const struct conf *conf;
	struct media *media;
	struct pos_audio *pa;
	struct bearer *esn;
	bool esn_up;
	char esn_reason[128];
	struct list tgs;
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
	return ts->esn && t->group[0];
}


json_t *tg_json(const struct tg_service *ts, const char *id)
{
	const struct tg *t = tg_find(ts, id);

	if (!t)
		return NULL;

	return json_pack("{s:s, s:s?, s:s, s:s?, s:{s:s, s:b, s:i, s:s?,"
			 " s:s?, s:s?, s:s?}, s:{s:b, s:s?, s:s?, s:O}}",
		"talkgroup", t->id, "bearer", has_bearer(ts, t) ? "esn" : NULL,
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
		"by_alias", conf_alias(ts->conf, t->em_by), "acks", t->acks);
}


json_t *tg_links_json(const struct tg_service *ts)
{
	if (!ts->esn)
		return json_object();

	return json_pack("{s:{s:b, s:s?}}", "esn", "up", ts->esn_up,
			 "reason", ts->esn_reason[0] ? ts->esn_reason : NULL);
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
	const struct bearer_ops *ops = has_bearer(ts, t) ? ts->esn->ops : NULL;
	bool wanted = json_array_size(t->listeners) || t->holder[0];
	int err;

	if (!ops)
		return;

	if (wanted && (t->gstate == RADIO_GROUP_IDLE ||
		       t->gstate == RADIO_GROUP_FAILED)) {
		t->gstate = RADIO_GROUP_JOINING;
		err = ops->group_join(ts->esn, t->id, t->group);
		if (err) {
			t->gstate = RADIO_GROUP_FAILED;
			re_snprintf(t->greason, sizeof(t->greason),
				    "cannot join: %m", err);
		}
		publish(ts, "radio.floor", t);
	}
	else if (!wanted && t->gstate != RADIO_GROUP_IDLE) {
		(void)ops->group_leave(ts->esn, t->id);
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
	t->ptt_pending = false;
	return ts->esn->ops->ptt_request(ts->esn, t->id,
					 (uint8_t)ts->conf->esn_priority,
					 t->emergency);
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
		t->holder[0] = '\0';
		t->ptt_pending = false;
		if (t->fixed)
			(void)media_ptt(ts->media, pos, t->id, false);
		if (t->bstream[0])
			(void)media_ptt(ts->media, pos, t->bstream, false);
		/* a bearer reports the release itself, with the holder gone */
		if (has_bearer(ts, t))
			(void)ts->esn->ops->ptt_release(ts->esn, t->id);
		else
			publish(ts, "radio.floor", t);
		return 0;
	}

	str_ncpy(t->holder, pos, sizeof(t->holder));
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


/* ---- what the bearer reports ---- */

static void ev_link(bool up, const char *reason, void *arg)
{
	struct tg_service *ts = arg;
	json_t *j;

	ts->esn_up = up;
	str_ncpy(ts->esn_reason, reason ? reason : "", sizeof(ts->esn_reason));
	log_notice(MOD, "ESN link %s%s%s", up ? "up" : "down",
		   reason ? ": " : "", reason ? reason : "");

	j = json_pack("{s:s, s:b, s:s?}", "bearer", "esn", "up", up,
		      "reason", reason);
	bus_publish("radio.link", j);
	json_decref(j);
}


static void ev_group(const char *id, enum radio_group_state st,
		     const char *reason, const char *stream, void *arg)
{
	struct tg_service *ts = arg;
	struct tg *t = tg_find(ts, id);

	if (!t)
		return;

	t->gstate = st;
	str_ncpy(t->greason, reason ? reason : "", sizeof(t->greason));
	str_ncpy(t->bstream, st == RADIO_GROUP_JOINED && stream ? stream : "",
		 sizeof(t->bstream));

	if (t->bstream[0]) {
		route_all(ts, t);
		if (t->ptt_pending)
			(void)floor_ask(ts, t);
	}
	if (st != RADIO_GROUP_JOINED)
		memset(&t->floor, 0, sizeof(t->floor));

	publish(ts, "radio.floor", t);
}


static void ev_floor(const char *id, const struct radio_floor *f, void *arg)
{
	struct tg_service *ts = arg;
	struct tg *t = tg_find(ts, id);
	const char *alias;

	if (!t)
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
}


static void ev_emergency(const char *id, bool on, const char *by,
			 void *arg)
{
	struct tg_service *ts = arg;
	struct tg *t = tg_find(ts, id);

	if (!t)
		return;

	t->emergency = on;
	str_ncpy(t->em_by, by ? by : "", sizeof(t->em_by));
	json_array_clear(t->acks);
	log_notice(MOD, "emergency %s on %s by %s", on ? "raised" :
		   "cancelled", t->id, by ? by : "?");
	publish(ts, "radio.emergency", t);
}


static void ev_message(const struct radio_msg *m, void *arg)
{
	static const char *types[] = {"text", "status", "location"};
	json_t *j;

	(void)arg;
	j = json_pack("{s:s, s:s?, s:s?, s:s?, s:i, s:f, s:f, s:i}",
		      "type", types[m->type], "from", m->from, "to", m->to,
		      "text", m->text, "status", (int)m->status,
		      "lat", m->lat, "lon", m->lon,
		      "accuracy_m", (int)m->accuracy_m);
	bus_publish("radio.message", j);
	json_decref(j);
}


static const struct radio_events events = {
	.link      = ev_link,
	.group     = ev_group,
	.floor     = ev_floor,
	.emergency = ev_emergency,
	.message   = ev_message,
};


static void ts_destructor(void *data)
{
	struct tg_service *ts = data;

	if (ts->esn)
		ts->esn->ops->free(ts->esn);
	list_flush(&ts->tgs);
}


static int tgs_add(struct tg_service *ts)
{
	const struct conf *cf = ts->conf;

	for (size_t i = 0; i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		const char *group = json_string_value(
			json_object_get(rs->attrs, "esn_group"));
		struct tg *t;

		if (rs->type != RES_TALKGROUP)
			continue;

		t = mem_zalloc(sizeof(*t), tg_destructor);
		if (!t)
			return ENOMEM;
		list_append(&ts->tgs, &t->le, t);

		str_ncpy(t->id, rs->id, sizeof(t->id));
		str_ncpy(t->group, group ? group : "", sizeof(t->group));
		t->fixed = json_object_get(rs->attrs, "rtp_local") != NULL;
		t->acks = json_array();
		t->listeners = json_array();
		if (!t->acks || !t->listeners)
			return ENOMEM;
	}
	return 0;
}


int tg_alloc(struct tg_service **tsp, const struct conf *conf,
	     struct media *media, struct pos_audio *pa)
{
	struct tg_service *ts;
	int err;

	if (!tsp || !conf || !media || !pa)
		return EINVAL;

	ts = mem_zalloc(sizeof(*ts), ts_destructor);
	if (!ts)
		return ENOMEM;

	ts->conf = conf;
	ts->media = media;
	ts->pa = pa;

	err = tgs_add(ts);
	if (err)
		goto out;

	/* The ESN bearer reads its client key now, while still root */
	err = mcptt_bearer_alloc(&ts->esn, conf, &events, ts, media);
	if (err == ENOENT)
		err = 0;   /* no esn section: ESN is not used here */
	else if (err)
		log_error(MOD, "ESN bearer: %m", err);

 out:
	if (err)
		mem_deref(ts);
	else
		*tsp = ts;
	return err;
}
