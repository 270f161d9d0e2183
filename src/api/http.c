/**
 * @file http.c  HTTPS front door: routing and replies
 *
 * Every response carries the same security headers (HSTS, no sniffing,
 * no framing, a strict content security policy): the console is served
 * from this origin only and loads nothing from elsewhere.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/audit.h"
#include "api/api.h"
#include "api/api_int.h"

static const char sec_hdrs[] =
	"Strict-Transport-Security: max-age=31536000\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"X-Frame-Options: DENY\r\n"
	"Referrer-Policy: no-referrer\r\n"
	"Content-Security-Policy: default-src 'self'; "
	"connect-src 'self'; img-src 'self' data: blob:; "
	"media-src 'self' blob:; style-src 'self'; "
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n";

static const struct {
	uint16_t code;
	const char *reason;
} reasons[] = {
	{200, "OK"}, {201, "Created"}, {204, "No Content"},
	{400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
	{404, "Not Found"}, {405, "Method Not Allowed"}, {409, "Conflict"},
	{413, "Payload Too Large"}, {423, "Locked"},
	{429, "Too Many Requests"}, {500, "Internal Server Error"},
	{503, "Service Unavailable"},
};


/* Console channels carry small, timed messages (20 ms audio frames, PTT
 * replies): with Nagle on, each can wait for the client's delayed ACK */
void api_tcp_nodelay(struct tcp_conn *tc)
{
	int one = 1;
	int fd = tc ? tcp_conn_fd(tc) : -1;

	if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				  sizeof(one)))
		log_warn("http", "TCP_NODELAY: %m", errno);
}


const char *api_http_reason(uint16_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		if (reasons[i].code == code)
			return reasons[i].reason;
	}
	return "Error";
}


void api_http_reply(struct http_conn *conn, uint16_t code,
		    const char *ctype, const char *extra_hdrs,
		    const void *body, size_t len)
{
	(void)http_reply(conn, code, api_http_reason(code),
			 "%s"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "%s"
			 "\r\n"
			 "%b",
			 sec_hdrs, ctype, len, extra_hdrs ? extra_hdrs : "",
			 body, len);
}


void api_http_json(struct http_conn *conn, uint16_t code, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (!s) {
		api_http_reply(conn, 500, "application/json", NULL,
			       "{}", 2);
		return;
	}
	api_http_reply(conn, code, "application/json", NULL, s, strlen(s));
	free(s);
}


void api_http_error(struct http_conn *conn, const struct api_err *e)
{
	json_t *j = json_pack("{s:{s:i, s:s}}", "error", "code", e->code,
			      "reason", e->reason);

	api_http_json(conn, (uint16_t)e->code, j);
	json_decref(j);
}


/* A reply that waits until every audit entry queued before it is on
 * disk: whoever is told an action happened can rely on its audit entry */
struct held {
	struct http_conn *conn;
	uint16_t code;
	json_t *j;
	struct mbuf *body;        /* or a binary body (200)             */
	char ctype[64];
	char *hdrs;
};


static void held_send(void *arg)
{
	struct held *h = arg;

	if (h->body)
		api_http_reply(h->conn, 200, h->ctype, h->hdrs, h->body->buf,
			       h->body->end);
	else
		api_http_json(h->conn, h->code, h->j);
	json_decref(h->j);
	mem_deref(h->body);
	mem_deref(h->hdrs);
	mem_deref(h->conn);
	mem_deref(h);
}


void api_http_audited_body(struct api *api, struct http_conn *conn,
			   const char *ctype, const char *hdrs,
			   struct mbuf *body)
{
	struct held *h = mem_zalloc(sizeof(*h), NULL);

	if (!h || (hdrs && str_dup(&h->hdrs, hdrs))) {
		mem_deref(h);
		api_http_reply(conn, 500, "application/json", NULL, "{}", 2);
		return;
	}
	h->conn = mem_ref(conn);
	h->body = mem_ref(body);
	str_ncpy(h->ctype, ctype, sizeof(h->ctype));
	if (!audit_pending(api->ctx.audit) ||
	    audit_when_durable(api->ctx.audit, held_send, h))
		held_send(h);
}


void api_http_audited(struct api *api, struct http_conn *conn,
		      uint16_t code, json_t *j)
{
	struct held *h;

	if (!audit_pending(api->ctx.audit)) {
		api_http_json(conn, code, j);
		return;
	}

	h = mem_zalloc(sizeof(*h), NULL);
	if (!h) {
		api_http_reply(conn, 500, "application/json", NULL, "{}", 2);
		return;
	}
	h->conn = mem_ref(conn);
	h->code = code;
	h->j = json_incref(j);
	if (audit_when_durable(api->ctx.audit, held_send, h))
		held_send(h);
}


void api_http_audited_error(struct api *api, struct http_conn *conn,
			    const struct api_err *e)
{
	json_t *j = json_pack("{s:{s:i, s:s}}", "error", "code", e->code,
			      "reason", e->reason);

	api_http_audited(api, conn, (uint16_t)e->code, j);
	json_decref(j);
}


static void healthz(struct api *api, struct http_conn *conn)
{
	json_t *j = json_pack("{s:s, s:s, s:I}", "status", "ok",
			      "version", "0.1.0", "uptime_s",
			      (json_int_t)((tmr_jiffies() - (uint64_t)
					    api->started) / 1000));

	api_http_json(conn, 200, j);
	json_decref(j);
}


static bool is_upgrade(const struct http_msg *msg)
{
	return http_msg_hdr_has_value(msg, HTTP_HDR_UPGRADE, "websocket");
}


void api_http_handler(struct http_conn *conn, const struct http_msg *msg,
		      void *arg)
{
	struct api *api = arg;
	struct api_err e = {0};

	++api->cnt.http_requests;

	if (!pl_strcmp(&msg->path, "/ws/control")) {
		if (is_upgrade(msg) && !api_ws_accept(api, conn, msg))
			return;
		api_fail(&e, 400, "WebSocket upgrade expected");
		api_http_error(conn, &e);
		return;
	}

	if (!pl_strcmp(&msg->path, "/ws/audio")) {
		if (is_upgrade(msg) && !api_audio_accept(api, conn, msg))
			return;
		api_fail(&e, 400, "WebSocket upgrade expected");
		api_http_error(conn, &e);
		return;
	}

	if (!pl_strcmp(&msg->path, "/ws/video")) {
		if (is_upgrade(msg) && !api_video_accept(api, conn, msg))
			return;
		api_fail(&e, 400, "WebSocket upgrade expected");
		api_http_error(conn, &e);
		return;
	}

	if (!pl_strcmp(&msg->path, "/healthz")) {
		healthz(api, conn);
		return;
	}

	if (!pl_strcmp(&msg->path, "/metrics")) {
		api_metrics_handle(api, conn);
		return;
	}

	if (msg->path.l >= 5 && !memcmp(msg->path.p, "/api/", 5)) {
		api_rest_handle(api, conn, msg);
		return;
	}

	api_static_handle(api, conn, msg);
}
