/**
 * @file ops_audio.c  Console audio: monitor, select, volume, mute, PTT
 *
 * The position module keeps what each position hears; these handlers
 * change it, push the resulting routes to the media engine and tell the
 * position's consoles.  The routing rule lives in one place
 * (pos_audio_channel), so the console shows what the engine does.
 */
#include <ctype.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/bus.h"
#include "core/audit.h"
#include "auth/session.h"
#include "position/pos_audio.h"
#include "media/media.h"
#include "radio/tg.h"
#include "radio/rcall.h"
#include "api/api.h"
#include "api/api_int.h"

static const enum media_chan media_chan_of[] = {
	[POS_CHAN_OFF]     = MEDIA_OFF,
	[POS_CHAN_HEADSET] = MEDIA_HEADSET,
	[POS_CHAN_SPEAKER] = MEDIA_SPEAKER,
};


/* A talkgroup the operator may see, or 404 (no difference between
 * "does not exist" and "not yours": the matrix decides what exists) */
static const struct conf_resource *visible(struct api_req *r,
					   const char *id, bool tg_only,
					   struct api_err *e)
{
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, id);

	if (!rs || !(rs->roles & session_roles(r->sess)) ||
	    (tg_only && rs->type != RES_TALKGROUP)) {
		api_fail(e, 404, "no %s '%s'", tg_only ? "talkgroup" :
			 "resource", id);
		return NULL;
	}
	return rs;
}


static json_t *state_json(struct api_req *r)
{
	const char *pos = session_position(r->sess);
	json_t *j = pos_audio_json(r->api->ctx.paudio, pos, r->api->ctx.conf,
				   session_roles(r->sess));

	json_object_set_new(j, "position", json_string(pos));
	return j;
}


static void publish(struct api_req *r)
{
	json_t *j = state_json(r);

	bus_publish("audio.update", j);
	json_decref(j);
}


static void route(struct api_req *r, const char *tg)
{
	const char *pos = session_position(r->sess);
	struct pos_audio_tg t;

	(void)pos_audio_get(r->api->ctx.paudio, pos, tg, &t);
	tg_route(r->api->ctx.tgs, tg, pos);
	if (pos_audio_ptt_on(r->api->ctx.paudio, pos))
		(void)tg_ptt(r->api->ctx.tgs, tg, pos, t.selected);
}


static json_t *entry_json(struct api_req *r, const char *tg)
{
	struct pos_audio_tg t;

	(void)pos_audio_get(r->api->ctx.paudio, session_position(r->sess), tg,
			    &t);
	return json_pack("{s:s, s:b, s:b, s:i, s:s}", "id", tg,
			 "monitored", t.monitored, "selected", t.selected,
			 "volume", (int)t.volume,
			 "channel", pos_chan_name(pos_audio_channel(&t)));
}


static int change(struct api_req *r, const json_t *msg, json_t **res,
		  struct api_err *e, bool select)
{
	const char *tg = api_str(msg, "talkgroup");
	bool on = json_is_true(json_object_get(msg, "on"));
	int err;

	if (!visible(r, tg, true, e))
		return e->code;

	err = pos_audio_set(r->api->ctx.paudio, session_position(r->sess), tg,
			    select ? -1 : on, select ? on : -1, -1);
	if (err)
		return api_fail(e, 500, "cannot change routing");

	route(r, tg);
	publish(r);
	*res = entry_json(r, tg);
	return 0;
}


int api_op_monitor(struct api_req *r, const json_t *msg, json_t **res,
		   struct api_err *e)
{
	return change(r, msg, res, e, false);
}


int api_op_select(struct api_req *r, const json_t *msg, json_t **res,
		  struct api_err *e)
{
	return change(r, msg, res, e, true);
}


int api_op_volume(struct api_req *r, const json_t *msg, json_t **res,
		  struct api_err *e)
{
	const char *id = api_str(msg, "resource");
	int vol = (int)json_integer_value(json_object_get(msg, "volume"));

	if (!visible(r, id, false, e))
		return e->code;

	if (pos_audio_set(r->api->ctx.paudio, session_position(r->sess), id,
			  -1, -1, vol))
		return api_fail(e, 500, "cannot change volume");

	route(r, id);
	publish(r);
	*res = entry_json(r, id);
	return 0;
}


int api_op_mute(struct api_req *r, const json_t *msg, json_t **res,
		struct api_err *e)
{
	const char *ch = api_str(msg, "channel");
	bool on = json_is_true(json_object_get(msg, "on"));
	enum pos_chan pc = !strcmp(ch, "headset") ? POS_CHAN_HEADSET :
		!strcmp(ch, "speaker") ? POS_CHAN_SPEAKER : POS_CHAN_OFF;
	const char *pos = session_position(r->sess);

	if (pc == POS_CHAN_OFF)
		return api_fail(e, 400, "'channel' must be headset or speaker");

	(void)pos_audio_mute(r->api->ctx.paudio, pos, pc, on);
	(void)media_mute(r->api->ctx.media, pos, media_chan_of[pc], on);
	publish(r);

	*res = json_pack("{s:{s:b, s:b}}", "mute", "headset",
			 pos_audio_muted(r->api->ctx.paudio, pos,
					 POS_CHAN_HEADSET),
			 "speaker", pos_audio_muted(r->api->ctx.paudio, pos,
						    POS_CHAN_SPEAKER));
	return 0;
}


int api_op_audio_state(struct api_req *r, const json_t *msg, json_t **res,
		       struct api_err *e)
{
	*res = state_json(r);
	return 0;
}


/* Every selected talkgroup of pos transmits while PTT is on; returns
 * how many were keyed (a talkgroup another position of this node holds
 * is not) */
static size_t ptt_apply(struct api *api, const char *pos, bool on)
{
	json_t *sel = pos_audio_selected(api->ctx.paudio, pos);
	size_t i, keyed = 0;
	json_t *v;

	json_array_foreach(sel, i, v)
		keyed += !tg_ptt(api->ctx.tgs, json_string_value(v), pos, on);
	json_decref(sel);
	return keyed;
}


static int ptt_kind(struct api *api, const json_t *sel, const char *mode,
		    struct api_err *e);

/* A console that goes away must never leave a transmitter keyed */
void api_audio_release(struct api *api, const char *pos)
{
	struct api_err e;
	json_t *sel;

	if (!api || !pos || !pos_audio_ptt_on(api->ctx.paudio, pos))
		return;

	rcall_release(api->ctx.rcalls, pos);
	sel = pos_audio_selected(api->ctx.paudio, pos);
	(void)ptt_kind(api, sel, NULL, &e);   /* back to normal calls */
	json_decref(sel);

	ptt_apply(api, pos, false);
	(void)pos_audio_ptt(api->ctx.paudio, pos, false);
	(void)audit_log(api->ctx.audit, "system", pos, "radio.ptt", NULL,
			"released", NULL);
}


/* Imminent peril and broadcast: the network is asked for that kind of
 * call on every selected talkgroup before the floor request; a release
 * (or a normal press) returns them to normal calls */
static int ptt_kind(struct api *api, const json_t *sel, const char *mode,
		    struct api_err *e)
{
	bool imm = !str_cmp(mode, "imminent_peril");
	bool bc = !str_cmp(mode, "broadcast");
	size_t i;
	json_t *v;
	int err;

	if (mode && !imm && !bc && str_cmp(mode, "normal"))
		return api_fail(e, 400, "mode: normal, imminent_peril or "
				"broadcast");

	json_array_foreach(sel, i, v) {
		const char *tg = json_string_value(v);

		err = tg_call_kind(api->ctx.tgs, tg, imm, bc);
		if (err == ENOTSUP)
			return api_fail(e, 409, "'%s' has no %s calls", tg,
					imm ? "imminent peril" : "broadcast");
		if (err == ENOTCONN)
			return api_fail(e, 409, "'%s' is not in its group "
					"call yet", tg);
		if (err && err != ENOENT)
			return api_fail(e, 500, "%s: %s", tg, strerror(err));
	}
	return 0;
}


int api_op_ptt(struct api_req *r, const json_t *msg, json_t **res,
	       struct api_err *e)
{
	const char *pos = session_position(r->sess);
	bool on = json_is_true(json_object_get(msg, "on"));
	const char *mode = json_string_value(json_object_get(msg, "mode"));
	json_t *sel = pos_audio_selected(r->api->ctx.paudio, pos);
	struct api_err ke = {0};
	int err;

	if (on && !json_array_size(sel)) {
		json_decref(sel);
		return api_fail(e, 409, "no talkgroup selected");
	}

	err = ptt_kind(r->api, sel, on ? mode : NULL, on ? e : &ke);
	if (on && err) {
		json_decref(sel);
		return err;
	}

	if (on && !ptt_apply(r->api, pos, true)) {
		json_decref(sel);
		return api_fail(e, 409, "selected talkgroups are in use by "
				"another position");
	}
	if (!on)
		(void)ptt_apply(r->api, pos, false);
	(void)pos_audio_ptt(r->api->ctx.paudio, pos, on);
	publish(r);

	if (on && mode) {
		json_t *d = json_pack("{s:s}", "mode", mode);

		(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
				pos, "radio.ptt", NULL, "on", d);
		json_decref(d);
	}
	else {
		(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
				pos, "radio.ptt", NULL, on ? "on" : "off",
				NULL);
	}
	*res = json_pack("{s:b, s:s, s:o}", "ptt", on, "mode",
			 on && mode ? mode : "normal", "talkgroups", sel);
	return 0;
}


static bool wav_name_ok(const char *name)
{
	if (!name || !name[0] || name[0] == '.' || strlen(name) > 128)
		return false;

	for (const char *p = name; *p; p++) {
		if (!(isalnum((unsigned char)*p) || strchr("._-", *p)))
			return false;
	}
	return true;
}


static int play_target(struct api_req *r, const char *target,
		       struct api_err *e)
{
	const struct conf_resource *rs;

	if (!strncmp(target, "position:", 9)) {
		if (!conf_position(r->api->ctx.conf, target + 9))
			return api_fail(e, 404, "no position '%s'",
					target + 9);
		return 0;
	}

	rs = conf_resource(r->api->ctx.conf, target);
	if (!rs || rs->type != RES_TALKGROUP)
		return api_fail(e, 404, "no talkgroup '%s'", target);
	if (!json_object_get(rs->attrs, "rtp_local"))
		return api_fail(e, 409, "talkgroup '%s' has no media stream",
				target);
	return 0;
}


static int is_sound(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return wav_name_ok(de->d_name) && n > 4 &&
		!strcmp(de->d_name + n - 4, ".wav");
}


/* The sound files a supervisor may play: plain *.wav names in wav_dir */
int api_op_sounds(struct api_req *r, const json_t *msg, json_t **res,
		  struct api_err *e)
{
	const char *dir = r->api->ctx.conf->wav_dir;
	struct dirent **list = NULL;
	json_t *arr = json_array();
	int n = dir ? scandir(dir, &list, is_sound, alphasort) : 0;

	for (int i = 0; i < n; i++) {
		json_array_append_new(arr, json_string(list[i]->d_name));
		free(list[i]);
	}
	free(list);

	*res = json_pack("{s:o}", "sounds", arr);
	return 0;
}


int api_op_play(struct api_req *r, const json_t *msg, json_t **res,
		struct api_err *e)
{
	const char *target = api_str(msg, "target");
	const char *wav = api_str(msg, "wav");
	json_t *hz = json_object_get(msg, "tone_hz");
	json_t *lvl = json_object_get(msg, "level_dbfs");
	json_t *dur = json_object_get(msg, "duration_ms");
	const char *dir = r->api->ctx.conf->wav_dir;
	struct media_play pl = {0};
	char path[512];
	int err;

	err = play_target(r, target, e);
	if (err)
		return err;

	if (!!wav == !!hz)
		return api_fail(e, 400, "give either 'tone_hz' or 'wav'");
	if (wav) {
		if (!dir || !wav_name_ok(wav))
			return api_fail(e, 400, "'wav' must be a file name in "
					"media.wav_dir");
		re_snprintf(path, sizeof(path), "%s/%s", dir, wav);
		if (access(path, R_OK))
			return api_fail(e, 404, "no sound file '%s'", wav);
		pl.wav = path;
	}

	pl.tone_hz = hz ? (unsigned)json_integer_value(hz) : 0;
	pl.level_dbfs = lvl ? (int)json_integer_value(lvl) : -12;
	/* a file plays whole unless cut; a tone lasts a second */
	pl.duration_ms = dur ? (unsigned)json_integer_value(dur) :
		wav ? 0 : 1000;

	err = media_play(r->api->ctx.media, target, &pl);
	if (err)
		return api_fail(e, 503, "media engine busy: %s",
				strerror(err));

	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), "audio.play", target, "ok",
			NULL);
	*res = json_object();
	return 0;
}


/* A session at pos ended: the next operator starts from a quiet position,
 * not from what the last one monitored. */
void api_audio_reset(struct api *api, const char *pos)
{
	const struct conf *cf;

	if (!api || !pos)
		return;

	cf = api->ctx.conf;
	api_audio_release(api, pos);
	rcall_position_gone(api->ctx.rcalls, pos);
	pos_audio_reset(api->ctx.paudio, pos);
	for (size_t i = 0; i < cf->resourcec; i++) {
		if (cf->resources[i].type == RES_TALKGROUP)
			tg_route(api->ctx.tgs, cf->resources[i].id, pos);
	}
	(void)media_mute(api->ctx.media, pos, MEDIA_HEADSET, false);
	(void)media_mute(api->ctx.media, pos, MEDIA_SPEAKER, false);
}
