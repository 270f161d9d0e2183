/**
 * @file ctl_http.h  The simulators' HTTP control API plumbing: listen on
 * loopback only (it has no authentication), find the route of a request
 * (METHOD pre[id]post), JSON replies
 *
 * A simulator's route table is an array of structs that start with a
 * struct sim_path; sim_http_route() returns the matching element.
 * Include after re.h and jansson.h.
 */

struct sim_path {
	const char *met, *pre, *post;   /* path = pre [id] post; post NULL:
					 * path = pre exactly */
};

int  sim_http_listen(struct http_sock **hsp, const char *addr,
		     http_req_h *h, void *arg);
/* The element of routes (n of size bytes each) for msg, with the id
 * (%XX undone) and the JSON object body (*bodyp: the caller derefs; {}
 * when none).  NULL: already answered (404, 414). */
const void *sim_http_route(struct http_conn *c, const struct http_msg *msg,
			   const void *routes, size_t n, size_t size,
			   char *id, size_t idsz, json_t **bodyp);
/* Undoes %XX in place */
void sim_http_unescape(char *s);
/* 200 with j (consumed) */
int  sim_reply_json(struct http_conn *c, json_t *j);
