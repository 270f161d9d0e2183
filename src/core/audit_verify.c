/**
 * @file audit_verify.c  Checking the audit chain, and reading it out
 *
 * Every problem is reported with the seq it concerns, and the walk goes
 * on: an auditor wants the whole list, not the first fault.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <re.h>
#include <jansson.h>
#include "core/store.h"
#include "core/audit.h"
#include "core/audit_int.h"


struct vstate {
	audit_problem_h *ph;
	void *arg;
	uint64_t next;            /* seq expected next       */
	char prev[AUDIT_HEX + 1]; /* stored hash of the last */
	uint64_t count;
	uint64_t last;
	uint64_t problems;
	const struct audit_head *head;
	bool head_seen;
	bool head_match;
};


static void problem(struct vstate *vs, uint64_t seq, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	++vs->problems;
	if (vs->ph)
		vs->ph(seq, what, vs->arg);
}


static int check_row(const struct audit *a, struct vstate *vs,
		     sqlite3_stmt *stmt)
{
	struct audit_entry e;
	const char *prev, *hash;
	char want[AUDIT_HEX + 1];
	int err;

	audit_row_entry(stmt, &e);
	prev = audit_col_text(stmt, 8);
	hash = audit_col_text(stmt, 9);
	if (!prev)
		prev = "";
	if (!hash)
		hash = "";

	err = audit_entry_hash(a, prev, &e, want);
	if (err)
		return err;

	if (strcmp(want, hash))
		problem(vs, e.seq, "entry altered (hash mismatch)");

	if (e.seq > vs->next) {
		uint64_t n = e.seq - vs->next;
		if (n == 1)
			problem(vs, vs->next, "entry missing before seq %llu"
				" (gap)", (unsigned long long)e.seq);
		else
			problem(vs, vs->next, "%llu entries missing before "
				"seq %llu (gap)", (unsigned long long)n,
				(unsigned long long)e.seq);
	}
	else if (e.seq < vs->next || strcmp(prev, vs->prev)) {
		problem(vs, e.seq, "entries out of order / chain broken "
			"(prev does not match)");
	}

	if (e.seq == vs->head->seq) {
		vs->head_seen = true;
		vs->head_match = !strcmp(hash, vs->head->hash);
	}

	vs->next = e.seq + 1;
	vs->last = e.seq;
	str_ncpy(vs->prev, hash, sizeof(vs->prev));
	++vs->count;

	return 0;
}


static int walk(const struct audit *a, struct vstate *vs)
{
	sqlite3 *db = store_db(a->st);
	sqlite3_stmt *stmt;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(db, "SELECT " AUDIT_COLS " FROM audit"
				" ORDER BY seq", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		err = check_row(a, vs, stmt);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_err(rc);

	sqlite3_finalize(stmt);
	return err;
}


static void check_head(struct vstate *vs, int herr)
{
	const struct audit_head *h = vs->head;

	switch (herr) {

	case 0:
		break;

	case ENOENT:
		if (vs->count)
			problem(vs, vs->last, "head file missing");
		return;

	case EBADMSG:
		problem(vs, h->seq, "head file altered");
		return;

	default:
		problem(vs, h->seq, "head file unreadable: %m", herr);
		return;
	}

	if (h->seq > vs->last)
		problem(vs, h->seq, "tail truncated: head says seq %llu",
			(unsigned long long)h->seq);
	else if (vs->head_seen && !vs->head_match)
		problem(vs, h->seq, "head file does not match the entry "
			"(chain rewritten)");
}


int audit_verify(struct audit *a, audit_problem_h *ph, void *arg,
		 uint64_t *countp)
{
	struct vstate vs = { .ph = ph, .arg = arg, .next = 1 };
	struct audit_head head;
	int herr, err;

	(void)audit_flush(a);   /* what is queued belongs to the trail */
	if (!a)
		return EINVAL;

	memcpy(vs.prev, audit_zero_prev, sizeof(vs.prev));
	vs.head = &head;

	/* Head first, then the snapshot: the head is written after its
	 * entry commits, so the snapshot holds at least what it names. */
	herr = audit_head_read(a, &head);

	err = store_exec(a->st, "BEGIN");
	if (err)
		return err;
	err = walk(a, &vs);
	store_rollback(a->st);
	if (err)
		return err;

	check_head(&vs, herr);

	if (countp)
		*countp = vs.count;

	return vs.problems ? EBADMSG : 0;
}


/* ---- read out ----------------------------------------------------------*/

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}


/* detail is stored as JSON text; a tampered one that no longer parses is
 * passed on as a string rather than dropped. */
static json_t *jdetail(const char *s)
{
	json_t *j;

	if (!s)
		return json_null();
	j = json_loads(s, 0, NULL);
	return j ? j : json_string(s);
}


static json_t *entry_json(sqlite3_stmt *stmt)
{
	struct audit_entry e;

	audit_row_entry(stmt, &e);

	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "seq", (json_int_t)e.seq,
			 "ts", (json_int_t)e.ts_ms,
			 "actor", jstr(e.actor),
			 "position", jstr(e.position),
			 "action", jstr(e.action),
			 "object", jstr(e.object),
			 "result", jstr(e.result),
			 "detail", jdetail(e.detail),
			 "prev", jstr(audit_col_text(stmt, 8)),
			 "hash", jstr(audit_col_text(stmt, 9)));
}


int audit_export(struct audit *a, FILE *f)
{
	sqlite3_stmt *stmt;
	int rc, err = 0;

	(void)audit_flush(a);
	if (!a || !f)
		return EINVAL;

	rc = sqlite3_prepare_v2(store_db(a->st), "SELECT " AUDIT_COLS
				" FROM audit ORDER BY seq", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *j = entry_json(stmt);

		if (!j) {
			err = ENOMEM;
			break;
		}
		if (json_dumpf(j, f, JSON_COMPACT) || fputc('\n', f) == EOF)
			err = errno ? errno : EIO;
		json_decref(j);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_finalize(stmt);

	if (!err && fflush(f))
		err = errno;
	return err;
}


/* limit 0 means no limit */
int audit_query(struct audit *a, uint64_t before, unsigned limit,
		json_t **entriesp)
{
	sqlite3_stmt *stmt;
	int rc;

	(void)audit_flush(a);
	if (!a || !entriesp)
		return EINVAL;

	rc = sqlite3_prepare_v2(store_db(a->st), "SELECT " AUDIT_COLS
				" FROM audit WHERE ?1 = 0 OR seq < ?1"
				" ORDER BY seq DESC LIMIT ?2", -1, &stmt,
				NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)min(before,
						      (uint64_t)INT64_MAX));
	sqlite3_bind_int64(stmt, 2, limit ? (sqlite3_int64)limit : -1);

	return store_rows_json(stmt, entry_json, entriesp);
}


