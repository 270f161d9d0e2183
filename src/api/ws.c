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
#include "phone/phone.h"
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
	struct list outbox;        /* struct outmsg: behind a reply     */
};


/* Another console still open at pos (a reconnect that overlapped) */
static bool console_at(const struct api *api, const char *pos)
{
	struct le *le;

	LIST_FOREACH(&api->clients, le) {
		const struct ws_client *o = le->data;

		/* NULL while api_destructor flushes the list */
		if (o && o->sess && session_active(o->sess) &&
		    !str_cmp(session_position(o->sess), pos))
			return true;
	}
	return false;
}


static void client_destructor(void *data)
{
	struct ws_client *c = data;

	list_unlink(&c->le);
	list_flush(&c->outbox);
	if (c->sess) {
		const char *pos = session_position(c->sess);

		api_audio_release(c->api, pos);
		session_detach(c->sess);
		/* the channel dropped without a logout: the position's
		 * calls must not wait on a console that is gone */
		if (c->api->ctx.phone && session_active(c->sess) &&
		    !console_at(c->api, pos))
			phone_console_lost(c->api->ctx.phone, pos);
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


/* A reply waits until the audit entries queued before it are durable.
 * Whatever this console is sent meanwhile (later replies, events) queues
 * behind it, so a console never sees an event before the reply to the
 * request that came first, nor a reply older than the state it already
 * has. */
struct outmsg {
	struct le le;
	json_t *j;
	bool ready;                /* may go once those ahead have gone */
};


static void close_ended(struct ws_client *c)
{
	(void)websock_close(c->wc, WEBSOCK_NORMAL_CLOSURE, "session ended");
}


static void outmsg_destructor(void *data)
{
	struct outmsg *m = data;

	list_unlink(&m->le);
	json_decref(m->j);
}


static void outbox_flush(struct ws_client *c)
{
	struct le *le;

	while ((le = list_head(&c->outbox)) && ((struct outmsg *)le->data)
	       ->ready) {
		struct outmsg *m = le->data;

		send_json(c, m->j);
		mem_deref(m);
	}
	if (list_isempty(&c->outbox) && c->close_after && !c->busy)
		close_ended(c);
}


static struct outmsg *outbox_add(struct ws_client *c, json_t *j, bool ready)
{
	struct outmsg *m = mem_zalloc(sizeof(*m), outmsg_destructor);

	if (!m) {
		json_decref(j);
		return NULL;
	}
	m->j = j;
	m->ready = ready;
	list_append(&c->outbox, &m->le, m);
	return m;
}


/* Sent now, or behind what is waiting */
static void send_ordered(struct ws_client *c, json_t *j)
{
	if (list_isempty(&c->outbox)) {
		send_json(c, j);
		json_decref(j);
		return;
	}
	(void)outbox_add(c, j, true);
}


struct durable {
	struct ws_client *c;
	struct outmsg *m;
};


static void durable_h(void *arg)
{
	struct durable *d = arg;

	d->m->ready = true;
	outbox_flush(d->c);
	mem_deref(d->c);
	mem_deref(d);
}


static void reply_audited(struct ws_client *c, int64_t id, json_t *result,
			  const struct api_err *e)
{
	struct audit *au = c->api->ctx.audit;
	struct durable *d;

	if (!audit_pending(au)) {
		send_ordered(c, reply_json(id, result, e));
		return;
	}

	d = mem_zalloc(sizeof(*d), NULL);
	if (d)
		d->m = outbox_add(c, reply_json(id, result, e), false);
	if (!d || !d->m) {
		mem_deref(d);
		send_ordered(c, reply_json(id, NULL,
					   &(struct api_err){500, "no memory"}));
		return;
	}
	d->c = mem_ref(c);
	if (audit_when_durable(au, durable_h, d))
		durable_h(d);
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
	phone_console_back(c->api->ctx.phone, session_position(s));

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
		send_ordered(c, reply_json(id, NULL, &e));
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
	if (c->close_after && list_isempty(&c->outbox))
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

	if (j)
		send_ordered(c, j);
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
		if (c->busy || !list_isempty(&c->outbox))
			/* what waits goes out first */
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
	if (!strcmp(event, "audio.update") ||
	    !strcmp(event, "recording.replay")) {
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
