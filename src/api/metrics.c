/**
 * @file metrics.c  /metrics in the Prometheus text format (0.0.4)
 *
 * Counts and gauges only: no operator names, no positions' occupants, so
 * the endpoint can be scraped without a login.
 */
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/audit.h"
#include "auth/session.h"
#include "position/pos.h"
#include "media/media.h"
#include "record/rec.h"
#include "api/api.h"
#include "api/api_int.h"

static int metric(struct mbuf *mb, const char *name, const char *type,
		  const char *help)
{
	return mbuf_printf(mb, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			   name, type);
}


static int print_number(struct mbuf *mb, const char *prefix,
			const char *name, const char *id, const json_t *v)
{
	/* libre's printf has no %g: integers as such, others with three
	 * decimals */
	if (json_is_integer(v))
		return mbuf_printf(mb, "iccs_stream_%s%s{stream=\"%s\"} %lld\n",
				   prefix, name, id,
				   (long long)json_integer_value(v));
	return mbuf_printf(mb, "iccs_stream_%s%s{stream=\"%s\"} %.3f\n",
			   prefix, name, id, json_real_value(v));
}


/* Every number the media engine reports per stream (jitter buffer, and
 * RTCP one level down) becomes iccs_stream_<name>{stream="<id>"} */
static int print_streams(struct mbuf *mb, const struct api *api)
{
	json_t *st = media_stats(api->ctx.media), *fields, *v, *w;
	const char *id, *name, *sub;
	int err = 0;

	json_object_foreach(st, id, fields) {
		json_object_foreach(fields, name, v) {
			if (json_is_number(v))
				err |= print_number(mb, "", name, id, v);
			if (!json_is_object(v))
				continue;
			json_object_foreach(v, sub, w) {
				char prefix[32];

				re_snprintf(prefix, sizeof(prefix), "%s_", name);
				if (json_is_number(w))
					err |= print_number(mb, prefix, sub, id, w);
			}
		}
	}
	json_decref(st);
	return err;
}


/* The recorder: files, bytes, frames, and each alarm's state (0 while
 * it never was raised) */
static int print_recording(struct mbuf *mb, const struct api *api)
{
	static const char *alarms[] = {"disk_full", "disk_low", "write",
				       "queue"};
	static const struct {
		const char *key, *name, *type, *help;
	} nums[] = {
		{"open", "iccs_recording_files_open", "gauge",
		 "recordings being written"},
		{"bytes", "iccs_recording_bytes_total", "counter",
		 "bytes written to recording files"},
		{"frames", "iccs_recording_frames_total", "counter",
		 "20 ms frames handed to the recorder"},
		{"dropped", "iccs_recording_frames_dropped_total", "counter",
		 "frames lost: the recorder's queue was full"},
		{"write_errors", "iccs_recording_write_errors_total",
		 "counter", "recording files that failed to open or write"},
	};
	json_t *st = rec_status(api->ctx.rec);
	const json_t *al = json_object_get(st, "alarms");
	json_int_t files, failed;
	int err = 0;

	if (!st)
		return 0;   /* no recorder configured */

	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		err |= metric(mb, nums[i].name, nums[i].type, nums[i].help);
		err |= mbuf_printf(mb, "%s %lld\n", nums[i].name, (long long)
			json_integer_value(json_object_get(st, nums[i].key)));
	}
	files = json_integer_value(json_object_get(st, "files"));
	failed = json_integer_value(json_object_get(st, "failed"));
	err |= metric(mb, "iccs_recording_files_total", "counter",
		      "recordings closed, by result");
	err |= mbuf_printf(mb, "iccs_recording_files_total{result=\"ok\"} "
			   "%lld\niccs_recording_files_total{result="
			   "\"failed\"} %lld\n", (long long)(files - failed),
			   (long long)failed);
	err |= metric(mb, "iccs_recording_alarm", "gauge",
		      "1 while a recording alarm is raised");
	for (size_t i = 0; i < ARRAY_SIZE(alarms); i++)
		err |= mbuf_printf(mb, "iccs_recording_alarm{alarm=\"%s\"} "
				   "%d\n", alarms[i], json_is_true(
				   json_object_get(json_object_get(al,
				   alarms[i]), "on")));
	json_decref(st);
	return err;
}


static int print_metrics(struct mbuf *mb, const struct api *api)
{
	static const char *codes[] = {"400", "401", "403", "404", "409",
				      "other"};
	const struct api_ctx *c = &api->ctx;
	unsigned occ = pos_count_occupied(c->pos);
	size_t total = c->conf->positionc;
	int err = 0;

	err |= metric(mb, "iccs_up", "gauge", "1 while iccsd serves");
	err |= mbuf_printf(mb, "iccs_up 1\n");
	err |= metric(mb, "iccs_build_info", "gauge", "version of iccsd");
	err |= mbuf_printf(mb, "iccs_build_info{version=\"0.1.0\"} 1\n");
	err |= metric(mb, "iccs_sessions", "gauge", "open operator sessions");
	err |= mbuf_printf(mb, "iccs_sessions %u\n",
			   session_count(c->sessions));
	err |= metric(mb, "iccs_positions", "gauge", "positions by state");
	err |= mbuf_printf(mb, "iccs_positions{state=\"occupied\"} %u\n"
			   "iccs_positions{state=\"free\"} %zu\n",
			   occ, total - occ);
	err |= metric(mb, "iccs_ws_connections", "gauge",
		      "console control channels open");
	err |= mbuf_printf(mb, "iccs_ws_connections %u\n", api_ws_count(api));
	err |= metric(mb, "iccs_logins_total", "counter", "login attempts");
	err |= mbuf_printf(mb, "iccs_logins_total{result=\"ok\"} %llu\n"
			   "iccs_logins_total{result=\"failed\"} %llu\n"
			   "iccs_logins_total{result=\"locked\"} %llu\n",
			   (unsigned long long)api->cnt.logins_ok,
			   (unsigned long long)api->cnt.logins_failed,
			   (unsigned long long)api->cnt.logins_locked);
	err |= metric(mb, "iccs_api_requests_total", "counter",
		      "API requests by transport");
	err |= mbuf_printf(mb, "iccs_api_requests_total{transport=\"wss\"} "
			   "%llu\niccs_api_requests_total{transport=\"rest\"}"
			   " %llu\n", (unsigned long long)api->cnt.ws_messages,
			   (unsigned long long)api->cnt.rest_requests);
	err |= metric(mb, "iccs_api_errors_total", "counter",
		      "API errors by code");
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		err |= mbuf_printf(mb, "iccs_api_errors_total{code=\"%s\"} "
				   "%llu\n", codes[i], (unsigned long long)
				   api->cnt.errors[i]);
	err |= metric(mb, "iccs_audit_entries", "gauge",
		      "entries in the audit chain");
	err |= mbuf_printf(mb, "iccs_audit_entries %llu\n",
			   (unsigned long long)audit_count(c->audit));
	err |= metric(mb, "iccs_audio_consoles", "gauge",
		      "console audio channels open");
	err |= mbuf_printf(mb, "iccs_audio_consoles %u\n",
			   api_audio_count(api));
	err |= metric(mb, "iccs_audio_mic_dropped_total", "counter",
		      "microphone frames received while PTT was off");
	err |= mbuf_printf(mb, "iccs_audio_mic_dropped_total %llu\n",
			   (unsigned long long)api->mic_dropped);
	err |= print_streams(mb, api);
	err |= print_recording(mb, api);
	err |= metric(mb, "iccs_http_requests_total", "counter",
		      "HTTP requests received");
	err |= mbuf_printf(mb, "iccs_http_requests_total %llu\n",
			   (unsigned long long)api->cnt.http_requests);
	return err ? ENOMEM : 0;
}


void api_metrics_handle(struct api *api, struct http_conn *conn)
{
	struct mbuf *mb = mbuf_alloc(2048);

	if (!mb || print_metrics(mb, api)) {
		api_http_reply(conn, 500, "text/plain", NULL, "error\n", 6);
		goto out;
	}

	api_http_reply(conn, 200, "text/plain; version=0.0.4", NULL,
		       mb->buf, mb->end);
 out:
	mem_deref(mb);
}
