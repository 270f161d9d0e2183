/**
 * @file ws_audio.c  The console's binary audio channel: /ws/audio
 *
 * After a text hello with the session token, the server sends the
 * position's stereo frame (headset, speaker) every 20 ms and accepts
 * microphone frames while the position's PTT is on.  Frame layouts are in
 * docs/API.md; all integers little-endian.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "auth/session.h"
#include "position/pos_audio.h"
#include "media/codec.h"
#include "media/media.h"
#include "api/api.h"
#include "api/api_int.h"

#define MOD "audio"

enum {
	AUD_DOWN = 1,
	AUD_UP   = 2,
	HDR_LEN  = 8,
	DOWN_LEN = HDR_LEN + 4 + 2 * AUD_FRAME * 2,    /* 1292 */
	UP_LEN   = HDR_LEN + AUD_FRAME * 2,            /* 648  */
	AUD_KEEPALIVE = 25000,
};

struct audio_client {
	struct le le;
	struct api *api;
	struct websock_conn *wc;
	struct session *sess;
	char pos[MEDIA_ID_MAX];
};


/* The first console of a position starts its mixer, the last stops it */
static unsigned pos_clients(const struct api *api, const char *pos)
{
	unsigned n = 0;
	struct le *le;

	for (le = list_head(&api->audio); le; le = le->next) {
		const struct audio_client *c = le->data;

		n += c->sess && !strcmp(c->pos, pos);
	}
	return n;
}


static void detach(struct audio_client *c)
{
	if (!c->sess)
		return;

	c->sess = mem_deref(c->sess);
	if (!pos_clients(c->api, c->pos))
		(void)media_position(c->api->ctx.media, c->pos, false);
}


static void client_destructor(void *data)
{
	struct audio_client *c = data;

	list_unlink(&c->le);
	detach(c);
	mem_deref(c->wc);
}


static void send_text(struct audio_client *c, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s)
		(void)websock_send(c->wc, WEBSOCK_TEXT, "%s", s);
	free(s);
	json_decref(j);
}


static void hello(struct audio_client *c, struct mbuf *mb)
{
	json_t *msg = json_loadb((const char *)mbuf_buf(mb),
				 mbuf_get_left(mb), 0, NULL);
	const char *op = json_string_value(json_object_get(msg, "op"));
	const char *tok = json_string_value(json_object_get(msg, "token"));
	struct session *s = NULL;

	if (op && !strcmp(op, "hello") && !c->sess)
		s = session_lookup(c->api->ctx.sessions, tok);
	json_decref(msg);

	if (!s) {
		send_text(c, json_pack("{s:b, s:{s:i, s:s}}", "ok", 0, "error",
				       "code", 401, "reason",
				       "hello with a live session token"));
		(void)websock_close(c->wc, WEBSOCK_POLICY_VIOLATION,
				    "not authenticated");
		return;
	}

	c->sess = mem_ref(s);
	str_ncpy(c->pos, session_position(s), sizeof(c->pos));
	(void)media_position(c->api->ctx.media, c->pos, true);

	send_text(c, json_pack("{s:b, s:{s:i, s:i, s:i, s:[s, s]}}", "ok", 1,
			       "format", "rate", AUD_SRATE, "channels", 2,
			       "frame_ms", AUD_PTIME, "order", "headset",
			       "speaker"));
}


static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}


/* Microphone frames count only while this position transmits */
static void mic(struct audio_client *c, struct mbuf *mb)
{
	const uint8_t *p = mbuf_buf(mb);
	int16_t pcm[AUD_FRAME];

	if (mbuf_get_left(mb) != UP_LEN || p[0] != AUD_UP) {
		(void)websock_close(c->wc, WEBSOCK_INVALID_PAYLOAD,
				    "bad microphone frame");
		return;
	}
	(void)get_le32(p + 4);   /* seq: gaps are the browser's loss */

	if (!session_active(c->sess) ||
	    !pos_audio_mic_open(c->api->ctx.paudio, c->pos)) {
		++c->api->mic_dropped;
		return;
	}

	for (size_t i = 0; i < AUD_FRAME; i++)
		pcm[i] = (int16_t)(p[HDR_LEN + 2*i] | p[HDR_LEN + 2*i + 1] << 8);

	(void)media_mic(c->api->ctx.media, c->pos, pcm, AUD_FRAME);
}


static void recv_handler(const struct websock_hdr *hdr, struct mbuf *mb,
			 void *arg)
{
	struct audio_client *c = arg;

	if (hdr->opcode == WEBSOCK_TEXT)
		hello(c, mb);
	else if (hdr->opcode == WEBSOCK_BIN && c->sess)
		mic(c, mb);
	else
		(void)websock_close(c->wc, WEBSOCK_POLICY_VIOLATION,
				    "hello first");
}


static void close_handler(int err, void *arg)
{
	struct audio_client *c = arg;

	log_debug(MOD, "audio channel of %s closed (%m)", c->pos, err);
	mem_deref(c);
}


int api_audio_accept(struct api *api, struct http_conn *conn,
		     const struct http_msg *msg)
{
	struct audio_client *c;
	int err;

	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c)
		return ENOMEM;

	c->api = api;
	err = websock_accept(&c->wc, api->ws, conn, msg, AUD_KEEPALIVE,
			     recv_handler, close_handler, c);
	if (err) {
		mem_deref(c);
		return err;
	}

	/* 20 ms frames are small segments: with Nagle on, each can wait for
	 * the client's delayed ACK and arrive a tick late */
	api_tcp_nodelay(websock_tcp(c->wc));

	list_append(&api->audio, &c->le, c);
	return 0;
}


static void frame_encode(uint8_t *b, const struct media_frame *f)
{
	b[0] = AUD_DOWN;
	b[1] = b[2] = b[3] = 0;
	for (int i = 0; i < 4; i++)
		b[4 + i] = (uint8_t)(f->seq >> (8 * i));
	b[8]  = (uint8_t)f->peak[0];
	b[9]  = (uint8_t)(f->peak[0] >> 8);
	b[10] = (uint8_t)f->peak[1];
	b[11] = (uint8_t)(f->peak[1] >> 8);
	for (size_t i = 0; i < 2 * AUD_FRAME; i++) {
		b[12 + 2*i] = (uint8_t)f->pcm[i];
		b[13 + 2*i] = (uint8_t)((uint16_t)f->pcm[i] >> 8);
	}
}


void api_audio_frames(struct api *api, const struct media_frame *frames,
		      size_t n)
{
	uint8_t buf[DOWN_LEN];

	for (size_t i = 0; api && i < n; i++) {
		struct le *le;
		bool encoded = false;

		for (le = list_head(&api->audio); le; le = le->next) {
			struct audio_client *c = le->data;

			if (!c->sess || strcmp(c->pos, frames[i].pos))
				continue;
			if (!encoded) {
				frame_encode(buf, &frames[i]);
				encoded = true;
			}
			(void)websock_send(c->wc, WEBSOCK_BIN, "%b", buf,
					   sizeof(buf));
		}
	}
}


void api_audio_session_ended(struct api *api, int64_t sid)
{
	struct le *le = list_head(&api->audio);

	while (le) {
		struct audio_client *c = le->data;

		le = le->next;
		if (!c->sess || session_sid(c->sess) != sid)
			continue;
		detach(c);
		(void)websock_close(c->wc, WEBSOCK_NORMAL_CLOSURE,
				    "session ended");
	}
}


unsigned api_audio_count(const struct api *api)
{
	return list_count(&api->audio);
}
