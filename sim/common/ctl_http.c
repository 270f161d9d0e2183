/**
 * @file ctl_http.c  The simulators' HTTP control API plumbing
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "common/ctl_http.h"


int sim_http_listen(struct http_sock **hsp, const char *addr,
		    http_req_h *h, void *arg)
{
	struct sa a;
	int err = sa_decode(&a, addr, strlen(addr));

	if (err)
		return err;
	if (!sa_is_loopback(&a))
		return EACCES;   /* the control API has no authentication */
	return http_listen(hsp, &a, h, arg);
}


int sim_reply_json(struct http_conn *c, json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT);
	int err = http_creply(c, 200, "OK", "application/json", "%s",
			      t ? t : "{}");

	free(t);
	json_decref(j);
	return err;
}


/* So a group URI can travel in the path */
void sim_http_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		unsigned v;

		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			*w++ = (char)v;
			s += 2;
		}
		else {
			*w++ = *s;
		}
	}
	*w = 0;
}


static bool match(const struct sim_path *rt, const struct http_msg *msg,
		  const char *path, char *id, size_t idsz)
{
	size_t pl = strlen(rt->pre), sl, len = strlen(path);

	if (pl_strcmp(&msg->met, rt->met) || strncmp(path, rt->pre, pl))
		return false;
	if (!rt->post) {
		id[0] = 0;
		return !path[pl];
	}
	sl = strlen(rt->post);
	if (len <= pl + sl || strcmp(path + len - sl, rt->post) ||
	    len - pl - sl >= idsz)
		return false;
	str_ncpy(id, path + pl, len - pl - sl + 1);
	sim_http_unescape(id);
	return true;
}


const void *sim_http_route(struct http_conn *c, const struct http_msg *msg,
			   const void *routes, size_t n, size_t size,
			   char *id, size_t idsz, json_t **bodyp)
{
	char path[512];
	json_t *body = NULL;

	if (pl_strcpy(&msg->path, path, sizeof(path))) {
		http_ereply(c, 414, "URI Too Long");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const void *rt = (const uint8_t *)routes + i * size;

		if (!match(rt, msg, path, id, idsz))
			continue;
		if (msg->mb && mbuf_get_left(msg->mb))
			body = json_loadb((char *)mbuf_buf(msg->mb),
					  mbuf_get_left(msg->mb), 0, NULL);
		if (!json_is_object(body)) {
			json_decref(body);
			body = json_object();
		}
		*bodyp = body;
		return rt;
	}
	http_ereply(c, 404, "Not Found");
	return NULL;
}
