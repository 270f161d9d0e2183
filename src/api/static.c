/**
 * @file static.c  The web console's files, from web.root
 *
 * Paths are checked by character and by segment before they touch the
 * file system: no "..", no hidden files, no symlink escapes (O_NOFOLLOW
 * on the last component, and web.root is the only base).  The files are
 * small and in the page cache after the first console loads them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "api/api.h"
#include "api/api_int.h"

enum { STATIC_MAX = 4 * 1024 * 1024 };

static const struct {
	const char *ext;
	const char *ctype;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js",   "text/javascript; charset=utf-8"},
	{".mjs",  "text/javascript; charset=utf-8"},
	{".css",  "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".svg",  "image/svg+xml"},
	{".png",  "image/png"},
	{".ico",  "image/x-icon"},
	{".wav",  "audio/wav"},
	{".woff2", "font/woff2"},
};


static const char *ctype_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < ARRAY_SIZE(types); i++) {
		if (!strcmp(dot, types[i].ext))
			return types[i].ctype;
	}
	return NULL;
}


static bool path_safe(const char *p)
{
	if (p[0] != '/' || strstr(p, "//") || strstr(p, "/."))
		return false;

	for (; *p; p++) {
		if (!(isalnum((unsigned char)*p) || strchr("/._-", *p)))
			return false;
	}
	return true;
}


static int read_file(struct mbuf **mbp, const char *root, const char *rel)
{
	char path[1024];
	struct stat st;
	struct mbuf *mb = NULL;
	int fd, err = 0;

	if (re_snprintf(path, sizeof(path), "%s%s", root, rel) < 0)
		return ENAMETOOLONG;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX) {
		err = ENOENT;
		goto out;
	}

	mb = mbuf_alloc(st.st_size + 1);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}

	ssize_t n = read(fd, mb->buf, st.st_size);
	if (n != st.st_size) {
		err = EIO;
		goto out;
	}
	mb->end = n;

 out:
	close(fd);
	if (err)
		mem_deref(mb);
	else
		*mbp = mb;
	return err;
}


void api_static_handle(struct api *api, struct http_conn *conn,
		       const struct http_msg *msg)
{
	struct api_err e = {0};
	char rel[256];
	struct mbuf *mb = NULL;
	const char *ctype;

	if (pl_strcmp(&msg->met, "GET") && pl_strcmp(&msg->met, "HEAD")) {
		api_fail(&e, 405, "method not allowed");
		api_http_error(conn, &e);
		return;
	}

	if (msg->path.l >= sizeof(rel) - 16) {
		api_fail(&e, 404, "no such file");
		api_http_error(conn, &e);
		return;
	}
	pl_strcpy(&msg->path, rel, sizeof(rel));
	if (rel[strlen(rel) - 1] == '/')
		strcat(rel, "index.html");

	ctype = ctype_of(rel);
	if (!path_safe(rel) || !ctype ||
	    read_file(&mb, api->ctx.conf->web_root, rel)) {
		api_fail(&e, 404, "no such file");
		api_http_error(conn, &e);
		return;
	}

	api_http_reply(conn, 200, ctype, NULL, mb->buf, mb->end);
	mem_deref(mb);
}
