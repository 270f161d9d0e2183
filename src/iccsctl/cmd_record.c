/**
 * @file cmd_record.c  iccsctl recordings verify, list, purge
 *
 * verify proves the recordings untouched: the audit chain first (the
 * hashes come from it, so it must be intact), then every indexed file
 * against the SHA-256 its audit entry holds, then files nobody indexed.
 * purge deletes recordings older than recording.retention_days (or
 * --days), each deletion audited with the file's hash.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/store.h"
#include "core/audit.h"
#include "record/rec.h"
#include "iccsctl/iccsctl.h"


static void audit_problem(uint64_t seq, const char *what, void *arg)
{
	unsigned *n = arg;

	++*n;
	printf("audit seq %" PRIu64 ": %s\n", seq, what);
}


static void rec_problem(const char *file, const char *what, void *arg)
{
	unsigned *n = arg;

	++*n;
	printf("%s: %s\n", file, what);
}


static int cmd_verify(struct ctl *ctl, int argc, char *argv[])
{
	unsigned aprob = 0, rprob = 0, count = 0;
	uint64_t entries = 0;
	int err;

	if (argc != 1)
		return ctl_usage("recordings", "verify");
	if (ctl_open(ctl))
		return CTL_ERR;

	err = audit_verify(ctl->au, audit_problem, &aprob, &entries);
	if (err && err != EBADMSG)
		return ctl_fail("audit verify: %s", strerror(err));

	err = rec_verify(ctl->st, ctl->conf->rec_dir, rec_problem, &rprob,
			 &count);
	if (err && err != EBADMSG)
		return ctl_fail("recordings verify: %s", strerror(err));

	if (aprob || rprob) {
		printf("recordings NOT intact: %u problem%s in %u recordings"
		       "%s\n", rprob, rprob == 1 ? "" : "s", count,
		       aprob ? ", and the audit chain is broken" : "");
		return CTL_ERR;
	}

	printf("recordings intact: %u files match the audit trail "
	       "(%" PRIu64 " entries, chain intact)\n", count, entries);
	return CTL_OK;
}


static const struct option list_opts[] = {
	{"resource", required_argument, NULL, 'r'},
	{"limit",    required_argument, NULL, 'n'},
	{NULL, 0, NULL, 0},
};


/* "patch-1 from tg-a" / "patch-1 to tg-b": carried across a patch */
static void patched(const json_t *row, char *buf, size_t sz)
{
	const char *p = json_string_value(json_object_get(row, "patch"));
	const char *res = json_string_value(json_object_get(row, "resource"));
	const char *src = json_string_value(json_object_get(row, "source"));
	const char *peer = json_string_value(json_object_get(row, "peer"));
	bool in = src && res && strcmp(src, res);

	if (!p) {
		str_ncpy(buf, "-", sz);
		return;
	}
	re_snprintf(buf, sz, "%s %s %s", p, in ? "from" : "to",
		    in ? src : peer ? peer : "?");
}


static int cmd_list(struct ctl *ctl, int argc, char *argv[])
{
	json_t *q = json_object(), *arr = NULL, *rows, *v;
	int c, err;
	size_t i;

	while ((c = ctl_getopt(argc, argv, "r:n:", list_opts)) != -1) {
		if (c == 'r')
			json_object_set_new(q, "resource", json_string(optarg));
		else if (c == 'n')
			json_object_set_new(q, "limit",
					    json_integer(atoi(optarg)));
		else {
			json_decref(q);
			return ctl_usage("recordings", "list");
		}
	}
	if (optind != argc || ctl_open(ctl)) {
		json_decref(q);
		return optind != argc ? ctl_usage("recordings", "list") :
			CTL_ERR;
	}

	err = rec_index_search(ctl->st, q, &arr);
	json_decref(q);
	if (err)
		return ctl_fail("recordings: %s", strerror(err));

	rows = json_pack("[[s,s,s,s,s,s,s,s]]", "ID", "START", "RESOURCE",
			 "DIR", "WHO", "SECONDS", "PATCHED", "FILE");
	json_array_foreach(arr, i, v) {
		const char *who = json_string_value(json_object_get(v,
							"talker"));
		json_int_t s = json_integer_value(json_object_get(v, "start"));
		json_int_t e = json_integer_value(json_object_get(v, "end"));
		char t[32], id[24], secs[24], patch[160];

		if (!who)
			who = json_string_value(json_object_get(v,
							"operator"));
		ctl_time(t, sizeof(t), (long long)s);
		re_snprintf(id, sizeof(id), "%lld", (long long)
			    json_integer_value(json_object_get(v, "id")));
		re_snprintf(secs, sizeof(secs), "%lld.%lld",
			    (long long)(e - s) / 1000,
			    (long long)((e - s) % 1000) / 100);
		patched(v, patch, sizeof(patch));
		json_array_append_new(rows, json_pack("[s,s,s,s,s,s,s,s]", id,
			t, json_string_value(json_object_get(v, "resource")),
			json_string_value(json_object_get(v, "direction")),
			who ? who : "-", secs, patch,
			json_string_value(json_object_get(v, "file"))));
	}
	ctl_table(rows);
	json_decref(rows);
	json_decref(arr);

	return CTL_OK;
}


static const struct option purge_opts[] = {
	{"days", required_argument, NULL, 'd'},
	{NULL, 0, NULL, 0},
};


static int purge_one(struct ctl *ctl, sqlite3_int64 id, const char *file,
		     const char *sha)
{
	char path[1024];
	sqlite3_stmt *s;
	int err = 0;

	re_snprintf(path, sizeof(path), "%s/%s", ctl->conf->rec_dir, file);
	if (unlink(path) && errno != ENOENT)
		err = errno;

	if (!err && sqlite3_prepare_v2(store_db(ctl->st), "UPDATE recordings"
				       " SET status = 'deleted' WHERE id = ?",
				       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) != SQLITE_DONE)
			err = EIO;
		sqlite3_finalize(s);
	}

	json_t *d = json_pack("{s:s, s:s}", "reason", "retention",
			      "sha256", sha ? sha : "");
	(void)ctl_audit(ctl, "recording.delete", file, err, d);
	json_decref(d);

	return err;
}


static int cmd_purge(struct ctl *ctl, int argc, char *argv[])
{
	long days = -1;
	sqlite3_stmt *s;
	json_t *del = json_array(), *v;
	int c, n = 0, bad = 0;
	size_t i;

	while ((c = ctl_getopt(argc, argv, "d:", purge_opts)) != -1) {
		if (c != 'd' || (days = strtol(optarg, NULL, 10)) < 1) {
			json_decref(del);
			return ctl_usage("recordings", "purge");
		}
	}
	if (optind != argc || ctl_open(ctl)) {
		json_decref(del);
		return optind != argc ? ctl_usage("recordings", "purge") :
			CTL_ERR;
	}
	if (days < 0)
		days = (long)ctl->conf->rec_retention_days;
	if (days <= 0) {
		json_decref(del);
		printf("recording.retention_days is 0: recordings are kept\n");
		return CTL_OK;
	}

	if (sqlite3_prepare_v2(store_db(ctl->st), "SELECT id, file, sha256"
			       " FROM recordings WHERE status != 'deleted'"
			       " AND end < ?", -1, &s, NULL) != SQLITE_OK) {
		json_decref(del);
		return ctl_fail("recordings: cannot query the index");
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)time(NULL) * 1000 -
			   (sqlite3_int64)days * 86400000);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(del, json_pack("[I, s, s]",
			(json_int_t)sqlite3_column_int64(s, 0),
			(const char *)sqlite3_column_text(s, 1),
			(const char *)sqlite3_column_text(s, 2)));
	sqlite3_finalize(s);

	json_array_foreach(del, i, v) {
		const char *file = json_string_value(json_array_get(v, 1));

		if (purge_one(ctl, json_integer_value(json_array_get(v, 0)),
			      file, json_string_value(json_array_get(v, 2))))
			++bad;
		else
			++n;
	}
	json_decref(del);

	printf("%d recording%s older than %ld days deleted%s\n", n,
	       n == 1 ? "" : "s", days, bad ? " (some failed)" : "");
	return bad ? CTL_ERR : CTL_OK;
}


static const struct ctl_cmd cmds[] = {
	{"verify", cmd_verify, ""},
	{"list",   cmd_list,   "[--resource ID] [--limit N]"},
	{"purge",  cmd_purge,  "[--days N]"},
};

const struct ctl_group ctl_group_recordings = {
	"recordings", cmds, ARRAY_SIZE(cmds)
};
