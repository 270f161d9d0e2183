/**
 * @file test_audit.c  The keyed hash chain finds every kind of tampering
 *
 * Each test plays an intruder with write access to the store but not to
 * the key, and checks that audit_verify() names the entry they touched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/store.h"
#include "core/audit.h"
#include "testutil.h"

enum { N_ENTRIES = 5, MAXP = 32 };

struct fx {
	struct tu_fx tu;
	char key[128];
	char head[160];
	struct audit *au;
};

struct probs {
	size_t n;
	uint64_t seq[MAXP];
	char what[MAXP][160];
};


static void append_some(struct audit *au)
{
	json_t *d = json_pack("{s:s, s:i}", "reason", "test", "n", 7);

	assert_int_equal(audit_log(au, "system", NULL, "start", NULL, "ok",
				   NULL), 0);
	assert_int_equal(audit_log(au, "alice", "L01", "login", "alice",
				   "ok", d), 0);
	assert_int_equal(audit_log(au, "alice", "L01", "ptt", "tg-north",
				   "ok", NULL), 0);
	assert_int_equal(audit_log(au, "bob", "L02", "login.failed", "bob",
				   "failed", d), 0);
	assert_int_equal(audit_log(au, "iccsctl", NULL, "operator.lock",
				   "bob", "ok", NULL), 0);
	json_decref(d);
}


static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (tu_fx_make(&fx->tu, true)) {
		free(fx);
		return -1;
	}
	tu_path(fx->key, sizeof(fx->key), fx->tu.dir, "audit.key");
	snprintf(fx->head, sizeof(fx->head), "%s.audit-head", fx->tu.db);

	tu_write_key(fx->key, 32, 0600);
	if (audit_alloc(&fx->au, fx->tu.st, fx->key)) {
		tu_fx_clean(&fx->tu);
		free(fx);
		return -1;
	}

	append_some(fx->au);
	*state = fx;
	return 0;
}


static int teardown(void **state)
{
	struct fx *fx = *state;

	mem_deref(fx->au);
	tu_fx_clean(&fx->tu);
	free(fx);
	return 0;
}


static void collect(uint64_t seq, const char *what, void *arg)
{
	struct probs *p = arg;

	if (p->n >= MAXP)
		return;
	p->seq[p->n] = seq;
	snprintf(p->what[p->n], sizeof(p->what[0]), "%s", what);
	++p->n;
}


static bool has(const struct probs *p, uint64_t seq, const char *what)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->seq[i] == seq && strstr(p->what[i], what))
			return true;
	}
	return false;
}


static int verify(struct fx *fx, struct probs *p, uint64_t *count)
{
	memset(p, 0, sizeof(*p));
	return audit_verify(fx->au, collect, p, count);
}


static void tamper(struct fx *fx, const char *sql)
{
	assert_int_equal(store_exec(fx->tu.st, sql), 0);
}


static void intact_chain_verifies(void **state)
{
	struct fx *fx = *state;
	struct probs p;
	uint64_t n = 0;

	assert_int_equal(verify(fx, &p, &n), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(n, N_ENTRIES);
	assert_int_equal(audit_count(fx->au), N_ENTRIES);

	/* still intact when reopened by another process (iccsctl) */
	{
		struct store *st2 = NULL;
		struct audit *au2 = NULL;

		assert_int_equal(store_open(&st2, fx->tu.db), 0);
		assert_int_equal(audit_alloc(&au2, st2, fx->key), 0);
		assert_int_equal(audit_verify(au2, collect, &p, &n), 0);
		mem_deref(au2);
		mem_deref(st2);
	}
}


static void append_sets_seq_and_time(void **state)
{
	struct fx *fx = *state;
	struct audit_entry e = {
		.actor = "carol", .action = "login", .result = "ok",
		.detail = "{\"a\":1}",
	};
	struct audit_entry bad = e;

	assert_int_equal(audit_append(fx->au, &e), 0);
	assert_int_equal(e.seq, N_ENTRIES + 1);
	assert_true(e.ts_ms > 1600000000000LL);

	/* detail must be a JSON object, actor/action/result are needed */
	bad.detail = "not json";
	assert_int_equal(audit_append(fx->au, &bad), EINVAL);
	bad.detail = NULL;
	bad.actor = NULL;
	assert_int_equal(audit_append(fx->au, &bad), EINVAL);
	assert_int_equal(audit_count(fx->au), N_ENTRIES + 1);
}


static void altered_field_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	tamper(fx, "UPDATE audit SET result = 'ok' WHERE seq = 4");
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_int_equal(p.n, 1);
	assert_true(has(&p, 4, "entry altered (hash mismatch)"));
}


/* NULL and "" must hash apart, or a position could be blanked unseen */
static void null_to_empty_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	tamper(fx, "UPDATE audit SET position = '' WHERE seq = 1");
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_int_equal(p.n, 1);
	assert_true(has(&p, 1, "entry altered"));
}


static void altered_detail_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	tamper(fx, "UPDATE audit SET detail = '{\"n\":7,\"reason\":\"x\"}'"
	       " WHERE seq = 2");
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_true(has(&p, 2, "entry altered"));
}


static void deleted_middle_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;
	uint64_t n;

	tamper(fx, "DELETE FROM audit WHERE seq = 3");
	assert_int_equal(verify(fx, &p, &n), EBADMSG);
	assert_int_equal(n, N_ENTRIES - 1);
	assert_int_equal(p.n, 1);
	assert_true(has(&p, 3, "entry missing before seq 4 (gap)"));
}


static void deleted_last_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	tamper(fx, "DELETE FROM audit WHERE seq = 5");
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_int_equal(p.n, 1);
	assert_true(has(&p, 5, "tail truncated: head says seq 5"));
}


/* After a cut tail the chain goes on from the head, so the cut stays a
 * visible gap rather than being overwritten by the next entries */
static void append_after_cut_keeps_gap(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	tamper(fx, "DELETE FROM audit WHERE seq >= 4");
	assert_int_equal(audit_log(fx->au, "system", NULL, "stop", NULL,
				   "ok", NULL), 0);
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_int_equal(p.n, 1);
	assert_true(has(&p, 4, "2 entries missing before seq 6 (gap)"));
}


static void swapped_rows_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	tamper(fx, "CREATE TEMP TABLE t AS SELECT * FROM audit"
	       " WHERE seq IN (2, 3);"
	       "UPDATE audit SET (ts, actor, position, action, object,"
	       " result, detail, prev, hash) = (SELECT ts, actor, position,"
	       " action, object, result, detail, prev, hash FROM t"
	       " WHERE t.seq = 5 - audit.seq) WHERE seq IN (2, 3);"
	       "DROP TABLE t");
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_true(has(&p, 2, "entry altered"));
	assert_true(has(&p, 3, "entry altered"));
	assert_true(has(&p, 2, "chain broken"));
	assert_false(has(&p, 1, ""));
}


static void reordered_seq_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	/* swap whole rows, seq included: order by seq gives 3 before 2 */
	tamper(fx, "UPDATE audit SET seq = -seq WHERE seq IN (2, 3);"
	       "UPDATE audit SET seq = 5 + seq WHERE seq IN (-2, -3)");
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_true(has(&p, 2, "chain broken") || has(&p, 2, "altered"));
	assert_true(has(&p, 3, "chain broken") || has(&p, 3, "altered"));
}


/* An intruder who rebuilds the whole chain (and head) with a key of
 * their own: no entry passes */
static void rebuilt_chain_without_key_found(void **state)
{
	struct fx *fx = *state;
	struct store *st2 = NULL;
	struct audit *au2 = NULL;
	char db2[160], key2[160], head2[200], sql[400];
	struct probs p;

	tu_path(db2, sizeof(db2), fx->tu.dir, "forged.db");
	tu_path(key2, sizeof(key2), fx->tu.dir, "forged.key");
	snprintf(head2, sizeof(head2), "%s.audit-head", db2);
	tu_write_key(key2, 32, 0600);
	assert_int_equal(store_open(&st2, db2), 0);
	assert_int_equal(audit_alloc(&au2, st2, key2), 0);
	append_some(au2);
	mem_deref(au2);
	mem_deref(st2);

	snprintf(sql, sizeof(sql), "DELETE FROM audit;"
		 "ATTACH '%s' AS f; INSERT INTO audit SELECT * FROM f.audit;"
		 "DETACH f", db2);
	tamper(fx, sql);
	assert_int_equal(rename(head2, fx->head), 0);

	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	for (uint64_t s = 1; s <= N_ENTRIES; s++)
		assert_true(has(&p, s, "entry altered (hash mismatch)"));
	assert_true(has(&p, N_ENTRIES, "head file altered"));
}


static void wrong_key_reports_every_entry(void **state)
{
	struct fx *fx = *state;
	struct audit *au2 = NULL;
	char key2[160];
	struct probs p = {0};
	uint64_t n = 0;

	tu_path(key2, sizeof(key2), fx->tu.dir, "other.key");
	tu_write_key(key2, 48, 0600);
	assert_int_equal(audit_alloc(&au2, fx->tu.st, key2), 0);

	assert_int_equal(audit_verify(au2, collect, &p, &n), EBADMSG);
	assert_int_equal(n, N_ENTRIES);
	for (uint64_t s = 1; s <= N_ENTRIES; s++)
		assert_true(has(&p, s, "entry altered"));
	assert_true(has(&p, N_ENTRIES, "head file altered"));
	assert_int_equal(p.n, N_ENTRIES + 1);
	mem_deref(au2);
}


static void edit_head(struct fx *fx, const char *from, const char *to)
{
	char buf[512];
	FILE *f = fopen(fx->head, "r+");
	size_t n;
	char *p;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	p = strstr(buf, from);
	assert_non_null(p);
	memcpy(p, to, strlen(to));
	rewind(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
}


static void altered_head_found(void **state)
{
	struct fx *fx = *state;
	struct probs p;

	/* claim the chain is longer than it is, without the key */
	edit_head(fx, " 5 ", " 9 ");
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_int_equal(p.n, 1);
	assert_true(has(&p, 9, "head file altered"));
}


static char *slurp(const char *path)
{
	static char buf[512];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}


/* A crash between commit and head write leaves the head behind: fine */
static void head_behind_is_no_fault(void **state)
{
	struct fx *fx = *state;
	char old[512];
	struct probs p;
	FILE *f;

	snprintf(old, sizeof(old), "%s", slurp(fx->head));
	append_some(fx->au);

	f = fopen(fx->head, "w");
	assert_non_null(f);
	fputs(old, f);
	fclose(f);

	assert_int_equal(verify(fx, &p, NULL), 0);
	assert_int_equal(p.n, 0);

	/* but no head at all while there are entries is */
	assert_int_equal(unlink(fx->head), 0);
	assert_int_equal(verify(fx, &p, NULL), EBADMSG);
	assert_true(has(&p, 2 * N_ENTRIES, "head file missing"));
}


static void export_lines_parse(void **state)
{
	struct fx *fx = *state;
	char path[160], line[4096];
	uint64_t seq = 0;
	FILE *f;

	tu_path(path, sizeof(path), fx->tu.dir, "export.jsonl");
	f = fopen(path, "w+");
	assert_non_null(f);
	assert_int_equal(audit_export(fx->au, f), 0);
	rewind(f);

	while (fgets(line, sizeof(line), f)) {
		json_error_t je;
		json_t *j = json_loads(line, 0, &je);
		json_t *d;

		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "seq")),
				 ++seq);
		assert_true(json_integer_value(json_object_get(j, "ts")) > 0);
		assert_true(json_is_string(json_object_get(j, "actor")));
		assert_true(json_is_string(json_object_get(j, "action")));
		assert_true(json_is_string(json_object_get(j, "result")));
		assert_int_equal(strlen(json_string_value(
				  json_object_get(j, "hash"))), 64);
		assert_int_equal(strlen(json_string_value(
				  json_object_get(j, "prev"))), 64);
		d = json_object_get(j, "detail");
		assert_true(json_is_object(d) || json_is_null(d));
		if (seq == 2)
			assert_int_equal(json_integer_value(
					 json_object_get(d, "n")), 7);
		if (seq == 1)
			assert_true(json_is_null(json_object_get(j,
							  "position")));
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(seq, N_ENTRIES);
}


static void query_newest_first(void **state)
{
	struct fx *fx = *state;
	json_t *arr = NULL;

	assert_int_equal(audit_query(fx->au, 0, 2, &arr), 0);
	assert_int_equal(json_array_size(arr), 2);
	assert_int_equal(json_integer_value(json_object_get(
			 json_array_get(arr, 0), "seq")), 5);
	assert_int_equal(json_integer_value(json_object_get(
			 json_array_get(arr, 1), "seq")), 4);
	json_decref(arr);

	assert_int_equal(audit_query(fx->au, 4, 100, &arr), 0);
	assert_int_equal(json_array_size(arr), 3);
	assert_int_equal(json_integer_value(json_object_get(
			 json_array_get(arr, 0), "seq")), 3);
	json_decref(arr);
}


static void detail_keys_sorted(void **state)
{
	struct fx *fx = *state;
	json_t *d = json_pack("{s:i, s:i}", "zeta", 1, "alpha", 2);
	char txt[64];

	assert_int_equal(audit_log(fx->au, "x", NULL, "y", NULL, "ok", d),
			 0);
	json_decref(d);
	tu_query_text(fx->tu.st, "SELECT detail FROM audit"
		      " ORDER BY seq DESC LIMIT 1", txt, sizeof(txt));
	assert_string_equal(txt, "{\"alpha\":2,\"zeta\":1}");
}


static void weak_keys_refused(void **state)
{
	struct fx *fx = *state;
	struct audit *au2 = NULL;
	char key2[160];

	tu_path(key2, sizeof(key2), fx->tu.dir, "short.key");
	tu_write_key(key2, 31, 0600);
	assert_int_equal(audit_alloc(&au2, fx->tu.st, key2), EINVAL);
	assert_null(au2);

	/* a key others can read is no secret */
	tu_write_key(key2, 32, 0644);
	assert_int_not_equal(audit_alloc(&au2, fx->tu.st, key2), 0);
	assert_null(au2);
}


/* With the writer thread: audit_log() only queues; a "reply" runs once
 * every entry queued before it is in the store, replies run in order, and
 * the chain stays one chain although a second process (iccsctl, here a
 * second audit object on its own connection) appends meanwhile. */
struct durable {
	struct fx *fx;
	unsigned order[2];
	uint64_t seen[2];     /* rows in the store when each was told   */
	unsigned calls;
};

struct told {
	struct durable *d;
	unsigned idx;
};


static uint64_t rows(struct fx *fx)
{
	char txt[32];

	tu_query_text(fx->tu.st, "SELECT count(*) FROM audit", txt,
		      sizeof(txt));
	return strtoull(txt, NULL, 10);
}


static void durable_h(void *arg)
{
	struct told *t = arg;
	struct durable *d = t->d;

	d->order[d->calls] = t->idx;
	d->seen[t->idx] = rows(d->fx);
	if (++d->calls == 2)
		re_cancel();
}


static void writer_acknowledges_durable(void **state)
{
	struct fx *fx = *state;
	struct audit *other = NULL;
	struct durable d = {fx, {9, 9}, {0, 0}, 0};
	struct told t0 = {&d, 0}, t1 = {&d, 1};
	uint64_t n;

	assert_int_equal(audit_writer_start(fx->au), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(audit_log(fx->au, "alice", "L01", "ptt",
					   "tg-north", "ok", NULL), 0);
	assert_true(audit_pending(fx->au));
	assert_int_equal(audit_when_durable(fx->au, durable_h, &t0), 0);

	assert_int_equal(audit_alloc(&other, fx->tu.st, fx->key), 0);
	assert_int_equal(audit_log(other, "iccsctl", NULL, "operator.lock",
				   "bob", "ok", NULL), 0);
	mem_deref(other);

	for (int i = 0; i < 50; i++)
		assert_int_equal(audit_log(fx->au, "bob", "L02", "select",
					   "tg-south", "ok", NULL), 0);
	assert_int_equal(audit_when_durable(fx->au, durable_h, &t1), 0);

	if (d.calls < 2)
		assert_int_equal(re_main(NULL), 0);
	assert_int_equal(d.order[0], 0);
	assert_int_equal(d.order[1], 1);
	assert_true(d.seen[0] >= N_ENTRIES + 200);
	assert_true(d.seen[1] == N_ENTRIES + 251);
	assert_false(audit_pending(fx->au));

	assert_int_equal(audit_verify(fx->au, NULL, NULL, &n), 0);
	assert_int_equal(n, N_ENTRIES + 251);
}


#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(intact_chain_verifies),
		T(append_sets_seq_and_time),
		T(altered_field_found),
		T(null_to_empty_found),
		T(altered_detail_found),
		T(deleted_middle_found),
		T(deleted_last_found),
		T(append_after_cut_keeps_gap),
		T(swapped_rows_found),
		T(reordered_seq_found),
		T(rebuilt_chain_without_key_found),
		T(wrong_key_reports_every_entry),
		T(altered_head_found),
		T(head_behind_is_no_fault),
		T(export_lines_parse),
		T(query_newest_first),
		T(detail_keys_sorted),
		T(weak_keys_refused),
		T(writer_acknowledges_durable),
	};

	int rc;

	log_setup(LOG_LVL_ERROR, LOG_TARGET_STDERR, "test_audit");
	if (libre_init())
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return rc;
}
