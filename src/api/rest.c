/**
 * @file rest.c  REST for integrations (CAD, reporting): /api/v1
 *
 * A route maps method and path to an op of the dispatcher, so REST and the
 * WSS channel share one permission table and one set of schemas.  Only the
 * login is REST's own, because it is the one that makes a token.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "auth/session.h"
#include "api/api.h"
#include "api/api_int.h"

#define MOD "rest"

struct route {
	const char *method;
	const char *path;      /* "*" matches one path segment (username) */
	const char *op;
	const char *seg;       /* the param "*" fills: NULL "username"  */
};

static const struct route routes[] = {
	{"GET",    "/api/v1/session",             "session.info"},
	{"DELETE", "/api/v1/session",             "logout"},
	{"GET",    "/api/v1/positions",           "position.list"},
	{"GET",    "/api/v1/sessions",            "session.list"},
	{"GET",    "/api/v1/resources",           "resource.list"},
	{"GET",    "/api/v1/operators",           "operator.list"},
	{"POST",   "/api/v1/operators",           "operator.add"},
	{"DELETE", "/api/v1/operators/*",         "operator.remove"},
	{"POST",   "/api/v1/operators/*/lock",    "operator.lock"},
	{"POST",   "/api/v1/operators/*/unlock",  "operator.unlock"},
	{"POST",   "/api/v1/operators/*/password", "operator.password"},
	{"GET",    "/api/v1/audit",               "audit.list"},
	{"POST",   "/api/v1/audit/verify",        "audit.verify"},
	{"GET",    "/api/v1/recordings",          "recording.search"},
	{"GET",    "/api/v1/recordings/*",        "recording.get", "rec"},
	{"GET",    "/api/v1/recordings/*/export", "recording.export", "rec"},
};

static const struct api_field f_login[] = {
	{"username", FT_STR, true, 1, 63},
	{"password", FT_STR, true, 1, 128},
	{"position", FT_STR, true, 1, 31}, {NULL}};

struct login_req {
	struct api *api;
	struct http_conn *conn;   /* referenced while argon2 runs */
};


/* Match path against pattern; the "*" segment is copied to seg */
static bool path_match(const struct pl *path, const char *pat,
		       char *seg, size_t segsz)
{
	const char *p = path->p, *end = path->p + path->l;

	while (*pat && p < end) {
		if (*pat == '*') {
			const char *s = p;

			while (p < end && *p != '/')
				++p;
			if (p == s || (size_t)(p - s) >= segsz)
				return false;
			memcpy(seg, s, p - s);
			seg[p - s] = '\0';
			++pat;
			continue;
		}
		if (*pat++ != *p++)
			return false;
	}
	return !*pat && p == end;
}


static bool qval_ok(const struct pl *v)
{
	for (size_t i = 0; i < v->l; i++) {
		char ch = v->p[i];

		if (!(isalnum((unsigned char)ch) || strchr("_.-", ch)))
			return false;
	}
	return v->l > 0 && v->l < 64;
}


/* ?limit=20&type=camera -> {"limit": 20, "type": "camera"} */
static int query_params(json_t *params, const struct pl *prm,
			struct api_err *e)
{
	struct pl rest = *prm, k, v;

	if (rest.l && rest.p[0] == '?')
		pl_advance(&rest, 1);

	while (rest.l) {
		if (re_regex(rest.p, rest.l, "[^=&]+=[^&]*", &k, &v))
			return api_fail(e, 400, "malformed query string");
		if (!qval_ok(&v))
			return api_fail(e, 400, "bad query value for '%.*s'",
					(int)k.l, k.p);

		char key[32], val[64];
		pl_strcpy(&k, key, sizeof(key));
		pl_strcpy(&v, val, sizeof(val));
		json_object_set_new(params, key,
			strspn(val, "0123456789") == strlen(val) ?
			json_integer(pl_u64(&v)) : json_string(val));

		pl_advance(&rest, (v.p + v.l) - rest.p);
		if (rest.l && rest.p[0] == '&')
			pl_advance(&rest, 1);
	}
	return 0;
}


static int body_params(json_t **paramsp, const struct http_msg *msg,
		       struct api_err *e)
{
	size_t len = msg->mb ? mbuf_get_left(msg->mb) : 0;
	json_error_t jerr;

	if (!len) {
		*paramsp = json_object();
		return 0;
	}
	if (len > API_MSG_MAX)
		return api_fail(e, 413, "body larger than %u bytes",
				API_MSG_MAX);

	*paramsp = json_loadb((const char *)mbuf_buf(msg->mb), len,
			      JSON_REJECT_DUPLICATES, &jerr);
	if (!*paramsp)
		return api_fail(e, 400, "invalid JSON: %s", jerr.text);
	if (!json_is_object(*paramsp))
		return api_fail(e, 400, "body must be a JSON object");
	if (json_object_get(*paramsp, "op") || json_object_get(*paramsp, "id"))
		return api_fail(e, 400, "unknown field 'op'");
	return 0;
}


static struct session *bearer(struct api *api, const struct http_msg *msg)
{
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);
	struct pl tok;
	char token[SESSION_TOKEN_LEN + 1];

	if (!h || re_regex(h->val.p, h->val.l, "Bearer [0-9a-f]+", &tok) ||
	    tok.l != SESSION_TOKEN_LEN)
		return NULL;

	pl_strcpy(&tok, token, sizeof(token));
	return session_lookup(api->ctx.sessions, token);
}


static void login_done(int code, const char *reason, struct session *s,
		       const char *token, void *arg)
{
	struct login_req *lr = arg;
	struct api *api = lr->api;
	struct api_err e = {0};
	json_t *j;

	if (code) {
		if (code == 423)
			++api->cnt.logins_locked;
		else
			++api->cnt.logins_failed;
		api_count_error(api, code);
		api_fail(&e, code, "%s", reason);
		api_http_audited_error(api, lr->conn, &e);
		goto out;
	}

	++api->cnt.logins_ok;
	j = session_info_json(api->ctx.sessions, s);
	json_object_set_new(j, "token", json_string(token));
	api_http_audited(api, lr->conn, 201, j);
	json_decref(j);

 out:
	mem_deref(lr->conn);
	mem_deref(lr);
}


static void login(struct api *api, struct http_conn *conn,
		  const struct http_msg *msg)
{
	struct api_err e = {0};
	struct login_req *lr = NULL;
	json_t *p = NULL;
	char peer[64];
	int err;

	err = body_params(&p, msg, &e);
	if (!err)
		err = api_msg_check(f_login, p, &e);
	if (err)
		goto out;

	lr = mem_zalloc(sizeof(*lr), NULL);
	if (!lr) {
		err = api_fail(&e, 500, "out of memory");
		goto out;
	}
	lr->api = api;
	lr->conn = mem_ref(conn);

	re_snprintf(peer, sizeof(peer), "%J", http_conn_peer(conn));
	err = session_login(api->ctx.sessions,
			    json_string_value(json_object_get(p, "username")),
			    json_string_value(json_object_get(p, "password")),
			    json_string_value(json_object_get(p, "position")),
			    peer, login_done, lr);
	if (err) {
		mem_deref(lr->conn);
		lr = mem_deref(lr);
		err = api_fail(&e, 500, "login failed: %s", strerror(err));
	}

 out:
	json_decref(p);
	if (err) {
		api_count_error(api, err);
		api_http_error(conn, &e);
	}
}


/* What the login page needs before anyone is logged in: no operator or
 * session data, only where this console may log in. */
static void login_info(struct api *api, struct http_conn *conn)
{
	const struct conf *cf = api->ctx.conf;
	const struct conf_node *node = conf_node(cf, cf->node_id);
	const struct conf_site *site = node ? conf_site(cf, node->site) : NULL;
	json_t *arr = json_array(), *j;

	for (size_t i = 0; i < cf->positionc; i++) {
		const struct conf_position *p = &cf->positions[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}",
			"id", p->id, "name", p->name, "site", p->site,
			"spare", p->spare));
	}

	j = json_pack("{s:s, s:{s:s?, s:s?}, s:o}", "node", cf->node_id,
		      "site", "id", site ? site->id : NULL,
		      "name", site ? site->name : NULL, "positions", arr);
	api_http_json(conn, 200, j);
	json_decref(j);
}


static json_t *seg_value(const char *seg)
{
	if (strspn(seg, "0123456789") == strlen(seg) && strlen(seg) < 16)
		return json_integer(strtoll(seg, NULL, 10));
	return json_string(seg);
}


/* An op that answered with bytes (a recording's export): its content
 * type, and its "headers" as header lines (values with a line break
 * are dropped, they could split the response) */
static void binary_reply(struct api *api, struct http_conn *conn,
			 const json_t *result, struct mbuf *body)
{
	const char *ctype = api_str(result, "content_type"), *k;
	struct mbuf *hdrs = mbuf_alloc(256);
	json_t *v;

	json_object_foreach(json_object_get(result, "headers"), k, v) {
		const char *val = json_string_value(v);

		if (hdrs && val && !strpbrk(val, "\r\n"))
			(void)mbuf_printf(hdrs, "%s: %s\r\n", k, val);
	}
	if (hdrs)
		(void)mbuf_write_u8(hdrs, 0);
	api_http_audited_body(api, conn, ctype ? ctype :
			      "application/octet-stream",
			      hdrs ? (const char *)hdrs->buf : NULL, body);
	mem_deref(hdrs);
}


static void route(struct api *api, struct http_conn *conn,
		  const struct http_msg *msg, const struct route *rt,
		  const char *seg)
{
	struct api_req r = {api, bearer(api, msg), "rest", NULL, NULL};
	struct api_err e = {0};
	json_t *params = NULL, *result = NULL;
	struct mbuf *body = NULL;
	char peer[64];
	int err;

	re_snprintf(peer, sizeof(peer), "%J", http_conn_peer(conn));
	r.peer = peer;

	if (!pl_strcmp(&msg->met, "GET") || !pl_strcmp(&msg->met, "DELETE")) {
		params = json_object();
		err = query_params(params, &msg->prm, &e);
	}
	else {
		err = body_params(&params, msg, &e);
	}
	if (err)
		goto out;

	if (seg[0] && rt->seg)   /* an id: a number, else the schema says */
		json_object_set_new(params, rt->seg, seg_value(seg));
	else if (seg[0])
		json_object_set_new(params, "username", json_string(seg));
	json_object_set_new(params, "op", json_string(rt->op));

	r.body = &body;
	err = api_dispatch(&r, params, &result, &e);

 out:
	if (err)
		api_http_audited_error(r.api, conn, &e);
	else if (body)
		binary_reply(r.api, conn, result, body);
	else
		api_http_audited(r.api, conn, 200, result);
	mem_deref(body);
	json_decref(result);
	json_decref(params);
}


void api_rest_handle(struct api *api, struct http_conn *conn,
		     const struct http_msg *msg)
{
	struct api_err e = {0};
	bool path_known = false;
	char seg[64] = "";

	++api->cnt.rest_requests;

	if (!pl_strcmp(&msg->path, "/api/v1/session") &&
	    !pl_strcmp(&msg->met, "POST")) {
		login(api, conn, msg);
		return;
	}
	if (!pl_strcmp(&msg->path, "/api/v1/login-info") &&
	    !pl_strcmp(&msg->met, "GET")) {
		login_info(api, conn);
		return;
	}

	if (path_match(&msg->path, "/api/v1/cameras/*/snapshot", seg,
		       sizeof(seg)) && !pl_strcmp(&msg->met, "GET")) {
		api_camera_snapshot(api, conn, bearer(api, msg), seg);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		seg[0] = '\0';
		if (!path_match(&msg->path, routes[i].path, seg, sizeof(seg)))
			continue;
		path_known = true;
		if (!pl_strcmp(&msg->met, routes[i].method)) {
			route(api, conn, msg, &routes[i], seg);
			return;
		}
	}

	api_fail(&e, path_known ? 405 : 404, path_known ?
		 "method not allowed" : "no such resource");
	api_count_error(api, e.code);
	api_http_error(conn, &e);
}
