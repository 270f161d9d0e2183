/**
 * @file rec_index.c  The recordings index in SQLite, search, verify
 *
 * A row is written when its file has closed, in the same main-loop turn
 * as the audit entry carrying the file's SHA-256.  The index is for
 * finding recordings; the audit chain (HMAC-keyed) is what proves them:
 * rec_verify trusts the hash in the audit entry, not the one in the
 * row, because anyone able to rewrite a file could rewrite a row too.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <jansson.h>
#include "core/store.h"
#include "record/rec.h"
#include "record/rec_int.h"

enum { SEARCH_MAX = 500, SEARCH_DEFAULT = 50 };


void rec_sha256_hex(const uint8_t md[32], char hex[65])
{
	static const char dig[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		hex[2 * i]     = dig[md[i] >> 4];
		hex[2 * i + 1] = dig[md[i] & 0xf];
	}
	hex[64] = '\0';
}


int rec_sha256_file(const char *path, char hex[65])
{
	uint8_t buf[16384], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx;
	unsigned mdlen = 0;
	FILE *f;
	size_t n;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return errno;

	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		err = ENOMEM;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		(void)EVP_DigestUpdate(ctx, buf, n);
	if (ferror(f))
		err = EIO;
	else if (EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32)
		rec_sha256_hex(md, hex);
	else
		err = EIO;

 out:
	EVP_MD_CTX_free(ctx);
	(void)fclose(f);
	return err;
}


/* The index keeps "" as NULL: a field nobody knew */
static const char *opt(const char *v)
{
	return v && *v ? v : NULL;
}


int rec_index_add(struct store *st, const struct rec_out *o,
		  const char *site, const char *node)
{
	static const char sql[] =
		"INSERT INTO recordings(file, start, end, resource, kind,"
		" stream, direction, talker, alias, position, operator, site,"
		" node, frames, bytes, sha256, status, call_id, patch, peer,"
		" source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	store_bind_text(s, 1, o->file);
	sqlite3_bind_int64(s, 2, o->start_ms);
	sqlite3_bind_int64(s, 3, o->end_ms);
	store_bind_text(s, 4, opt(o->resource));
	store_bind_text(s, 5, opt(o->kind));
	store_bind_text(s, 6, opt(o->stream));
	store_bind_text(s, 7, opt(o->direction));
	store_bind_text(s, 8, opt(o->talker));
	store_bind_text(s, 9, opt(o->alias));
	store_bind_text(s, 10, opt(o->position));
	store_bind_text(s, 11, opt(o->operator_));
	store_bind_text(s, 12, opt(site));
	store_bind_text(s, 13, opt(node));
	sqlite3_bind_int64(s, 14, (sqlite3_int64)o->frames);
	sqlite3_bind_int64(s, 15, (sqlite3_int64)o->bytes);
	store_bind_text(s, 16, o->sha256);
	store_bind_text(s, 17, !o->err ? "ok" : o->bytes ? "partial" :
			"failed");
	store_bind_text(s, 18, opt(o->call_id));
	store_bind_text(s, 19, opt(o->patch));
	store_bind_text(s, 20, opt(o->peer));
	store_bind_text(s, 21, opt(o->source));

	rc = sqlite3_step(s);
	sqlite3_finalize(s);

	return rc == SQLITE_DONE ? 0 : store_err(rc);
}


static const char cols[] =
	"SELECT id, file, start, end, resource, kind, direction, talker,"
	" alias, position, operator, site, frames, bytes, sha256, status,"
	" call_id, patch, peer, source FROM recordings";


static json_t *row_json(sqlite3_stmt *s)
{
#define TXT(i) ((const char *)sqlite3_column_text(s, i))
	return json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:s?, s:s?,"
			 " s:s?, s:s?, s:s?, s:I, s:I, s:s, s:s, s:s?, s:s?,"
			 " s:s?, s:s?}",
		"id", (json_int_t)sqlite3_column_int64(s, 0),
		"file", TXT(1),
		"start", (json_int_t)sqlite3_column_int64(s, 2),
		"end", (json_int_t)sqlite3_column_int64(s, 3),
		"resource", TXT(4), "kind", TXT(5), "direction", TXT(6),
		"talker", TXT(7), "alias", TXT(8), "position", TXT(9),
		"operator", TXT(10), "site", TXT(11),
		"frames", (json_int_t)sqlite3_column_int64(s, 12),
		"bytes", (json_int_t)sqlite3_column_int64(s, 13),
		"sha256", TXT(14), "status", TXT(15), "call_id", TXT(16),
		"patch", TXT(17), "peer", TXT(18), "source", TXT(19));
#undef TXT
}


/* Filters of rec_search: query key, SQL, kind */
static const struct {
	const char *key;
	const char *sql;
	bool num;
} filters[] = {
	/* a transmission carried across a patch is found by either side */
	{"resource", " AND (resource = ? OR peer = ?)", false},
	{"on",       " AND resource = ?", false},   /* that side only */
	{"talker",   " AND (talker = ? OR alias = ?)", false},
	{"operator", " AND operator = ?", false},
	{"position", " AND position = ?", false},
	{"direction", " AND direction = ?", false},
	{"call_id",  " AND call_id = ?", false},
	{"kind",     " AND kind = ?", false},
	{"from_ms",  " AND end >= ?", true},
	{"to_ms",    " AND start <= ?", true},
};


int rec_index_search(struct store *st, const json_t *q, json_t **arrp)
{
	json_int_t limit = json_integer_value(json_object_get(q, "limit"));
	char sql[1024];
	sqlite3_stmt *s;
	int rc, n = 1;
	size_t i;

	str_ncpy(sql, cols, sizeof(sql));
	strncat(sql, " WHERE status != 'deleted'", sizeof(sql) -
		strlen(sql) - 1);
	for (i = 0; i < ARRAY_SIZE(filters); i++) {
		if (json_object_get(q, filters[i].key))
			strncat(sql, filters[i].sql, sizeof(sql) -
				strlen(sql) - 1);
	}
	strncat(sql, " ORDER BY start DESC, id DESC LIMIT ?",
		sizeof(sql) - strlen(sql) - 1);

	rc = sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	for (i = 0; i < ARRAY_SIZE(filters); i++) {
		const json_t *v = json_object_get(q, filters[i].key);

		if (!v)
			continue;
		if (filters[i].num) {
			sqlite3_bind_int64(s, n++, json_integer_value(v));
			continue;
		}
		/* q outlives the statement: no copies */
		store_bind_text(s, n++, json_string_value(v));
		if (strstr(filters[i].sql, " OR "))
			store_bind_text(s, n++, json_string_value(v));
	}
	if (limit <= 0 || limit > SEARCH_MAX)
		limit = limit > SEARCH_MAX ? SEARCH_MAX : SEARCH_DEFAULT;
	sqlite3_bind_int64(s, n, limit);

	return store_rows_json(s, row_json, arrp);
}


json_t *rec_index_get(struct store *st, int64_t id)
{
	char sql[512];
	sqlite3_stmt *s;
	json_t *arr = NULL, *row;

	re_snprintf(sql, sizeof(sql), "%s WHERE id = ?", cols);
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (store_rows_json(s, row_json, &arr))
		return NULL;

	row = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return row;
}


/* ---- verify ---- */

struct vstate {
	rec_problem_h *ph;
	void *arg;
	unsigned problems;
	json_t *known;                /* file -> true                   */
};


static void problem(struct vstate *v, const char *file, const char *what)
{
	++v->problems;
	if (v->ph)
		v->ph(file, what, v->arg);
}


static void verify_row(struct vstate *v, const char *dir, const char *file,
		       const char *row_sha, const char *audit_sha,
		       const char *status)
{
	char path[1024], sha[65];
	struct stat sb;
	int err;

	json_object_set_new(v->known, file, json_true());
	if (!strcmp(status, "failed"))
		return;               /* nothing was ever written        */

	if (!audit_sha) {
		problem(v, file, "no SHA-256 in the audit trail");
		return;
	}
	if (strcmp(row_sha, audit_sha))
		problem(v, file, "index hash differs from the audit trail");

	re_snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (stat(path, &sb)) {
		problem(v, file, "missing");
		return;
	}
	err = rec_sha256_file(path, sha);
	if (err)
		problem(v, file, "unreadable");
	else if (strcmp(sha, audit_sha))
		problem(v, file, "altered (SHA-256 differs from the audit "
			"trail)");
}


/* Files in <dir>/<day>/ that no row names */
static void verify_strays(struct vstate *v, const char *dir)
{
	DIR *d = opendir(dir), *dd;
	struct dirent *de, *fe;
	char sub[1024], rel[REC_FILE];

	if (!d)
		return;

	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		re_snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		dd = opendir(sub);
		if (!dd)
			continue;
		while ((fe = readdir(dd))) {
			size_t n = strlen(fe->d_name);

			if (n < 6 || strcmp(fe->d_name + n - 5, ".opus"))
				continue;
			re_snprintf(rel, sizeof(rel), "%s/%s", de->d_name,
				    fe->d_name);
			if (!json_object_get(v->known, rel))
				problem(v, rel, "not in the index");
		}
		(void)closedir(dd);
	}
	(void)closedir(d);
}


int rec_verify(struct store *st, const char *dir, rec_problem_h *ph,
	       void *arg, unsigned *countp)
{
	static const char sql[] =
		"SELECT r.file, r.sha256, r.status, (SELECT json_extract("
		"a.detail, '$.sha256') FROM audit a WHERE a.action ="
		" 'recording.close' AND a.object = r.file ORDER BY a.seq DESC"
		" LIMIT 1) FROM recordings r WHERE r.status != 'deleted'"
		" ORDER BY r.id";
	struct vstate v = {ph, arg, 0, json_object()};
	unsigned count = 0;
	sqlite3_stmt *s;
	int rc;

	if (!v.known)
		return ENOMEM;

	rc = sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		json_decref(v.known);
		return store_err(rc);
	}

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		++count;
		verify_row(&v, dir, (const char *)sqlite3_column_text(s, 0),
			   (const char *)sqlite3_column_text(s, 1),
			   (const char *)sqlite3_column_text(s, 3),
			   (const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_finalize(s);

	if (rc == SQLITE_DONE)
		verify_strays(&v, dir);
	json_decref(v.known);

	if (countp)
		*countp = count;
	if (rc != SQLITE_DONE)
		return store_err(rc);

	return v.problems ? EBADMSG : 0;
}
