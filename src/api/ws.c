/**
 * @file ws.c  The WSS control channel of a console
 *
 * A console opens the channel, says hello with its session token, then
 * sends requests and receives replies and the events its roles may see.
 * The channel holds a reference to the session: a console can reconnect
 * and carry on, and a session ended elsewhere (logout, lock, login at
 * another position) is told and closed here.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/audit.h"
#include "auth/rbac.h"
#include "auth/session.h"
#include "api/api.h"
#include "api/api_int.h"

#define MOD "ws"

enum { WS_KEEPALIVE = 25000 };

struct ws_client {
	struct le le;
	struct api *api;
	struct websock_conn *wc;
	struct session *sess;      /* referenced after a good hello */
	char peer[64];
	bool busy;                 /* inside handle_text               */
	bool close_after;          /* session ended while busy         */
	unsigned held;             /* replies waiting for the audit    */
};


static void client_destructor(void *data)
{
	struct ws_client *c = data;

	list_unlink(&c->le);
	if (c->sess) {
		api_audio_release(c->api, session_position(c->sess));
		session_detach(c->sess);
	}
	mem_deref(c->sess);
	mem_deref(c->wc);
}


static void send_json(struct ws_client *c, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s)
		(void)websock_send(c->wc, WEBSOCK_TEXT, "%s", s);
	free(s);
}


static json_t *reply_json(int64_t id, json_t *result,
			  const struct api_err *e)
{
	json_t *jid = id >= 0 ? json_integer(id) : json_null();

	if (e)
		return json_pack("{s:o, s:b, s:{s:i, s:s}}", "id", jid,
				 "ok", 0, "error", "code", e->code,
				 "reason", e->reason);
	return json_pack("{s:o, s:b, s:O}", "id", jid, "ok", 1,
			 "result", result);
}


static void reply(struct ws_client *c, int64_t id, json_t *result,
		  const struct api_err *e)
{
	json_t *j = reply_json(id, result, e);

	send_json(c, j);
	json_decref(j);
}


/* A reply waiting until the audit entries queued before it are durable.
 * Replies of one console keep their order: once one waits, every later
 * one finds the trail pending too and queues behind it. */
struct held {
	struct ws_client *c;
	json_t *j;
};


static void close_ended(struct ws_client *c)
{
	(void)websock_close(c->wc, WEBSOCK_NORMAL_CLOSURE, "session ended");
}


static void held_send(void *arg)
{
	struct held *h = arg;
	struct ws_client *c = h->c;

	send_json(c, h->j);
	json_decref(h->j);
	if (!--c->held && c->close_after && !c->busy)
		close_ended(c);
	mem_deref(h);
	mem_deref(c);
}


static void reply_audited(struct ws_client *c, int64_t id, json_t *result,
			  const struct api_err *e)
{
	struct audit *au = c->api->ctx.audit;
	struct held *h;

	if (!audit_pending(au) && !c->held) {
		reply(c, id, result, e);
		return;
	}

	h = mem_zalloc(sizeof(*h), NULL);
	if (!h) {
		reply(c, id, NULL, &(struct api_err){500, "out of memory"});
		return;
	}
	h->c = mem_ref(c);
	h->j = reply_json(id, result, e);
	++c->held;
	if (audit_when_durable(au, held_send, h))
		held_send(h);
}


static int hello(struct ws_client *c, const json_t *msg, json_t **result,
		 struct api_err *e)
{
	const struct api_op *op = api_op_find("hello");
	struct session *s;
	int err;

	err = api_msg_check(op->fields, msg, e);
	if (err)
		return err;

	s = session_lookup(c->api->ctx.sessions,
			   json_string_value(json_object_get(msg, "token")));
	if (!s)
		return api_fail(e, 401, "session unknown or ended: log in");

	if (c->sess)
		session_detach(c->sess);
	mem_deref(c->sess);
	c->sess = mem_ref(s);
	session_attach(s);

	*result = session_info_json(c->api->ctx.sessions, s);
	return 0;
}


static void handle_text(struct ws_client *c, struct mbuf *mb)
{
	struct api_req r = {c->api, c->sess, "wss", c->peer};
	struct api_err e = {0};
	json_t *msg = NULL, *result = NULL;
	int64_t id = -1;
	const char *op;
	int err;

	++c->api->cnt.ws_messages;
	err = api_msg_decode(&msg, &id, (const char *)mbuf_buf(mb),
			     mbuf_get_left(mb), &e);
	if (err) {
		api_count_error(c->api, err);
		reply(c, id, NULL, &e);
		return;
	}

	op = json_string_value(json_object_get(msg, "op"));

	if (!strcmp(op, "hello"))
		err = hello(c, msg, &result, &e);
	else if (!c->sess)
		err = api_fail(&e, 401, "say hello with your token first");
	else
		err = api_dispatch(&r, msg, &result, &e);

	reply_audited(c, id, result, err ? &e : NULL);
	json_decref(result);
	json_decref(msg);
}


static void recv_handler(const struct websock_hdr *hdr, struct mbuf *mb,
			 void *arg)
{
	struct ws_client *c = arg;

	if (hdr->opcode != WEBSOCK_TEXT) {
		(void)websock_close(c->wc, WEBSOCK_UNSUPPORTED_DATA,
				    "text frames only");
		return;
	}

	/* The handler may end this very session (logout): the reply goes
	 * out first, then the channel closes. */
	mem_ref(c);
	c->busy = true;
	handle_text(c, mb);
	c->busy = false;
	if (c->close_after && !c->held)
		close_ended(c);
	mem_deref(c);
}


static void close_handler(int err, void *arg)
{
	struct ws_client *c = arg;

	log_debug(MOD, "console %s closed (%m)", c->peer, err);
	mem_deref(c);
}


int api_ws_accept(struct api *api, struct http_conn *conn,
		  const struct http_msg *msg)
{
	struct ws_client *c;
	int err;

	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c)
		return ENOMEM;

	c->api = api;
	re_snprintf(c->peer, sizeof(c->peer), "%J", http_conn_peer(conn));

	err = websock_accept(&c->wc, api->ws, conn, msg, WS_KEEPALIVE,
			     recv_handler, close_handler, c);
	if (err) {
		mem_deref(c);
		return err;
	}

	api_tcp_nodelay(websock_tcp(c->wc));
	list_append(&api->clients, &c->le, c);
	return 0;
}


static void send_event(struct ws_client *c, const char *event,
		       json_t *data)
{
	json_t *j = json_pack("{s:s, s:O}", "event", event, "data", data);

	send_json(c, j);
	json_decref(j);
}


static void session_ended(struct api *api, json_t *data)
{
	json_int_t sid = json_integer_value(json_object_get(data, "sid"));
	struct le *le = list_head(&api->clients);

	while (le) {
		struct ws_client *c = le->data;

		le = le->next;
		if (!c->sess || session_sid(c->sess) != sid)
			continue;

		send_event(c, "session.ended", data);
		session_detach(c->sess);
		c->sess = mem_deref(c->sess);
		if (c->busy || c->held)   /* its replies go out first */
			c->close_after = true;
		else
			close_ended(c);
	}
}


/* Events about one position go to the consoles logged in there */
static void position_event(struct api *api, const char *event,
			   json_t *data)
{
	const char *pos = json_string_value(json_object_get(data, "position"));
	struct le *le;

	for (le = list_head(&api->clients); pos && le; le = le->next) {
		struct ws_client *c = le->data;

		if (session_active(c->sess) &&
		    !strcmp(session_position(c->sess), pos))
			send_event(c, event, data);
	}
}


void api_ws_event(struct api *api, const char *event, json_t *data)
{
	const char *perm;
	struct le *le;

	if (!strcmp(event, "session.ended")) {
		session_ended(api, data);
		api_audio_session_ended(api, json_integer_value(
			json_object_get(data, "sid")));
		api_audio_reset(api, json_string_value(
			json_object_get(data, "position")));
		return;
	}
	if (!strcmp(event, "audio.update")) {
		position_event(api, event, data);
		return;
	}

	perm = api_event_perm(event);
	if (!perm)
		return;

	for (le = list_head(&api->clients); le; le = le->next) {
		struct ws_client *c = le->data;

		if (c->sess && rbac_allowed(session_roles(c->sess), perm))
			send_event(c, event, data);
	}
}


void api_ws_close_all(struct api *api)
{
	struct le *le;

	for (le = list_head(&api->clients); le; le = le->next) {
		struct ws_client *c = le->data;

		(void)websock_close(c->wc, WEBSOCK_GOING_AWAY,
				    "node shutting down");
	}
}


unsigned api_ws_count(const struct api *api)
{
	return list_count(&api->clients);
}
