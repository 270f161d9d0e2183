/**
 * @file ops_record.c  Recordings for consoles: search, instant recall,
 *                     replay into the headset, export
 *
 * Replay plays into the operator's own headset (media_play into
 * "position:<id>"), mixed with the live audio, which goes on: that is
 * what instant recall is.  A recording is decoded to a WAV first, off
 * the main loop (rec_replay), which media_play reads a frame per tick;
 * the reply goes at once and a "recording.replay" event tells the
 * position when it plays (or why not).  Every search, replay
 * and export is audited; a recording of a resource the operator's roles
 * do not cover is not found.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/audit.h"
#include "core/bus.h"
#include "auth/rbac.h"
#include "auth/session.h"
#include "media/media.h"
#include "record/rec.h"
#include "api/api.h"
#include "api/api_int.h"

static bool may_see(struct api_req *r, const json_t *row)
{
	const char *res = json_string_value(json_object_get(row, "resource"));
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, res);
	uint32_t roles = session_roles(r->sess);

	/* a call leg or an intercom has no talkgroup entry: exporters
	 * (supervisors) see those */
	return rs ? (rs->roles & roles) != 0 :
		rbac_allowed(roles, "recording.export");
}


static json_t *visible(struct api_req *r, json_t *arr)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		if (may_see(r, v))
			json_array_append(out, v);
	}
	json_decref(arr);
	return out;
}


static void audit_rec(struct api_req *r, const char *action,
		      const char *object, const char *result, json_t *detail)
{
	(void)audit_log(r->api->ctx.audit, session_operator(r->sess),
			session_position(r->sess), action, object, result,
			detail);
	json_decref(detail);
}


int api_op_rec_search(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	json_t *arr = NULL, *q = json_deep_copy(msg);
	int err;

	if (!q)
		return api_fail(e, 500, "out of memory");
	json_object_del(q, "op");
	json_object_del(q, "id");

	err = rec_search(r->api->ctx.rec, q, &arr);
	if (err) {
		json_decref(q);
		return api_fail(e, 503, "recordings index: %s", strerror(err));
	}

	arr = visible(r, arr);
	audit_rec(r, "recording.search", NULL, "ok", json_pack(
		"{s:O, s:I}", "query", q, "found",
		(json_int_t)json_array_size(arr)));
	json_decref(q);
	*res = json_pack("{s:o}", "recordings", arr);
	return 0;
}


static json_t *ids_of(const json_t *rows)
{
	json_t *ids = json_array(), *v;
	size_t i;

	json_array_foreach(rows, i, v)
		json_array_append(ids, json_object_get(v, "id"));
	return ids;
}


/* A replay being decoded by the recording module's worker: where it
 * plays and who asked, for when it is ready */
struct replay {
	struct api *api;
	char position[64];
	char operator_[64];
	char object[256];
	json_t *ids;
};


static void replay_destructor(void *data)
{
	struct replay *rp = data;

	json_decref(rp->ids);
}


/* Main loop, once decoded: into the headset, and the console is told */
static void replay_done(int err, const char *wav, void *arg)
{
	struct replay *rp = arg;
	struct api *api = rp->api;
	struct media_play pl = {0};
	char target[80];
	json_t *ev;

	if (!err) {
		re_snprintf(target, sizeof(target), "position:%s",
			    rp->position);
		pl.wav = wav;
		pl.level_dbfs = 0;
		err = media_play(api->ctx.media, target, &pl);
	}

	ev = json_pack("{s:s, s:O, s:s, s:s?}", "position", rp->position,
		       "recs", rp->ids, "state", err ? "failed" : "playing",
		       "reason", err ? strerror(err) : NULL);
	if (err)
		(void)audit_log(api->ctx.audit, rp->operator_, rp->position,
				"recording.replay", rp->object, "failed", ev);
	bus_publish("recording.replay", ev);
	json_decref(ev);
}


/* Play rows (newest first, as searched) into the headset of the
 * operator's position: one after the other, oldest first (a talkgroup's
 * transmissions), or mixed on their own timeline (both directions of a
 * call).  Decoding is the recording module's worker's: the reply goes
 * at once, and a "recording.replay" event says when it plays. */
static int play_rows(struct api_req *r, const json_t *rows, bool mix,
		     const char *object, struct api_err *e)
{
	struct replay *rp = mem_zalloc(sizeof(*rp), replay_destructor);
	int err;

	if (!rp)
		return api_fail(e, 500, "out of memory");

	rp->api = r->api;
	str_ncpy(rp->position, session_position(r->sess),
		 sizeof(rp->position));
	str_ncpy(rp->operator_, session_operator(r->sess),
		 sizeof(rp->operator_));
	str_ncpy(rp->object, object, sizeof(rp->object));
	rp->ids = ids_of(rows);

	err = rec_replay(r->api->ctx.rec, rows, mix, rp->position,
			 replay_done, rp);
	mem_deref(rp);
	if (err)
		return api_fail(e, err == ENOENT ? 404 : err == EBUSY ? 503 :
				500, "cannot replay: %s", strerror(err));
	return 0;
}


int api_op_rec_replay(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	json_int_t id = json_integer_value(json_object_get(msg, "rec"));
	json_t *row = rec_get(r->api->ctx.rec, id), *rows;
	const char *file;
	int err;

	if (!row || !may_see(r, row)) {
		json_decref(row);
		return api_fail(e, 404, "no recording %lld", (long long)id);
	}

	file = json_string_value(json_object_get(row, "file"));
	rows = json_pack("[O]", row);
	err = play_rows(r, rows, false, file, e);
	audit_rec(r, "recording.replay", file, err ? "failed" : "ok",
		  json_pack("{s:I}", "rec", id));
	json_decref(rows);
	if (err) {
		json_decref(row);
		return err;
	}

	*res = json_pack("{s:o}", "recording", row);
	return 0;
}


/* The last call this position took: both its legs */
static int last_call(struct api_req *r, json_t **rowsp, char *obj,
		     size_t sz)
{
	json_t *q, *rows = NULL;
	const char *cid;
	int err;

	q = json_pack("{s:s, s:s, s:s, s:i}", "kind", "call", "position",
		      session_position(r->sess), "direction", "tx", "limit", 1);
	err = q ? rec_search(r->api->ctx.rec, q, &rows) : ENOMEM;
	json_decref(q);
	if (err)
		return err;

	cid = json_string_value(json_object_get(json_array_get(rows, 0),
						"call_id"));
	if (!cid) {
		*rowsp = rows;        /* empty */
		return 0;
	}
	str_ncpy(obj, cid, sz);
	q = json_pack("{s:s, s:i}", "call_id", cid, "limit", 20);
	json_decref(rows);
	rows = NULL;
	err = q ? rec_search(r->api->ctx.rec, q, &rows) : ENOMEM;
	json_decref(q);
	if (!err)
		*rowsp = rows;
	return err;
}


/* Instant recall: the last transmissions of a talkgroup, or the last
 * call of this position, at once, in the headset, while live audio goes
 * on */
int api_op_rec_recall(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	const char *tg = json_string_value(json_object_get(msg, "resource"));
	bool call = json_is_true(json_object_get(msg, "call"));
	json_t *cnt = json_object_get(msg, "count");
	json_int_t count = cnt ? json_integer_value(cnt) : 1;
	const struct conf_resource *rs = conf_resource(r->api->ctx.conf, tg);
	char obj[80] = "";
	json_t *q, *rows = NULL;
	int err;

	if (!!tg == call)
		return api_fail(e, 400, "give either 'resource' or 'call'");
	if (tg && (!rs || !(rs->roles & session_roles(r->sess))))
		return api_fail(e, 404, "no resource '%s'", tg);

	if (call) {
		err = last_call(r, &rows, obj, sizeof(obj));
	}
	else {
		str_ncpy(obj, tg, sizeof(obj));
		/* what went out or came in on tg itself: a transmission
		 * patched across is recorded on both sides, once each */
		q = json_pack("{s:s, s:I}", "on", tg, "limit", count);
		err = q ? rec_search(r->api->ctx.rec, q, &rows) : ENOMEM;
		json_decref(q);
	}
	if (err)
		return api_fail(e, 503, "recordings index: %s", strerror(err));
	if (!json_array_size(rows)) {
		json_decref(rows);
		return api_fail(e, 404, "nothing recorded %s%s yet", call ?
				"of a call here" : "on ", call ? "" : tg);
	}

	err = play_rows(r, rows, call, obj, e);
	audit_rec(r, "recording.recall", obj, err ? "failed" : "ok",
		  json_pack("{s:o}", "recs", ids_of(rows)));
	if (err) {
		json_decref(rows);
		return err;
	}

	*res = json_pack("{s:o}", "recordings", rows);
	return 0;
}


/* A recording's file into a new mbuf (at most 16 MB: an hour is ~11 MB) */
static int file_read(const char *path, struct mbuf **mbp)
{
	struct mbuf *mb = NULL;
	FILE *f = fopen(path, "rb");
	long flen;
	int err = 0;

	if (!f)
		return ENOENT;
	if (fseek(f, 0, SEEK_END) || (flen = ftell(f)) < 0 ||
	    flen > 16 * 1024 * 1024 || fseek(f, 0, SEEK_SET))
		err = EFBIG;
	else if (!(mb = mbuf_alloc((size_t)flen + 1)))
		err = ENOMEM;
	else if (fread(mb->buf, 1, (size_t)flen, f) != (size_t)flen)
		err = EIO;
	else
		mb->end = (size_t)flen;
	(void)fclose(f);

	if (err)
		mem_deref(mb);
	else
		*mbp = mb;
	return err;
}


/* Base64 of the bytes, for the JSON of the WSS reply */
static json_t *b64_json(const struct mbuf *mb)
{
	size_t blen = 4 * (mb->end / 3 + 1) + 4;
	char *b64 = malloc(blen + 1);
	json_t *j = NULL;

	if (b64 && !base64_encode(mb->buf, mb->end, b64, &blen))
		j = json_stringn(b64, blen);
	free(b64);
	return j;
}


/* The file itself with its metadata: over WSS base64 in the reply (a
 * recording of a minute is ~180 kB); over REST (r->body) the bytes are
 * the body and the reply says which headers go with them */
int api_op_rec_export(struct api_req *r, const json_t *msg, json_t **res,
		      struct api_err *e)
{
	json_int_t id = json_integer_value(json_object_get(msg, "rec"));
	json_t *row = rec_get(r->api->ctx.rec, id), *data = NULL;
	struct mbuf *mb = NULL;
	const char *file, *base;
	char path[700], disp[300], link[80];
	int err;

	if (!row || !may_see(r, row)) {
		json_decref(row);
		return api_fail(e, 404, "no recording %lld", (long long)id);
	}
	file = json_string_value(json_object_get(row, "file"));

	err = rec_path(r->api->ctx.rec, file, path, sizeof(path));
	if (!err)
		err = file_read(path, &mb);
	if (!err && !r->body && !(data = b64_json(mb)))
		err = ENOMEM;

	audit_rec(r, "recording.export", file, err ? "failed" : "ok",
		  json_pack("{s:I, s:O, s:s}", "rec", id, "sha256",
			    json_object_get(row, "sha256"), "via",
			    r->transport));
	if (err) {
		mem_deref(mb);
		json_decref(row);
		return api_fail(e, err == ENOENT ? 404 : 500, "cannot export: "
				"%s", strerror(err));
	}

	if (!r->body) {
		mem_deref(mb);
		*res = json_pack("{s:o, s:s, s:o}", "recording", row,
				 "content_type", "audio/ogg", "data", data);
		return 0;
	}

	/* the metadata is the sidecar the Link names (recording.get) */
	base = strrchr(file, '/');
	re_snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
		    base ? base + 1 : file);
	re_snprintf(link, sizeof(link), "</api/v1/recordings/%lld>; "
		    "rel=\"describedby\"", (long long)id);
	*res = json_pack("{s:o, s:s, s:{s:s, s:s, s:s}}", "recording", row,
		"content_type", "audio/ogg", "headers",
		"X-Recording-SHA256", json_string_value(json_object_get(row,
							"sha256")),
		"Content-Disposition", disp, "Link", link);
	if (!*res) {
		mem_deref(mb);
		return api_fail(e, 500, "out of memory");
	}
	*r->body = mb;
	return 0;
}


/* One recording's metadata (the export's sidecar over REST) */
int api_op_rec_get(struct api_req *r, const json_t *msg, json_t **res,
		   struct api_err *e)
{
	json_int_t id = json_integer_value(json_object_get(msg, "rec"));
	json_t *row = rec_get(r->api->ctx.rec, id);

	if (!row || !may_see(r, row)) {
		json_decref(row);
		return api_fail(e, 404, "no recording %lld", (long long)id);
	}

	audit_rec(r, "recording.get", json_string_value(json_object_get(row,
		  "file")), "ok", json_pack("{s:I}", "rec", id));
	*res = json_pack("{s:o}", "recording", row);
	return 0;
}
