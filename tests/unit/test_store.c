/**
 * @file test_store.c  The SQLite store: migrations, durability, refusal
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
#include "core/log.h"
#include "core/store.h"
#include "testutil.h"


static void migrations_applied(void **state)
{
	struct tu_fx *fx = *state;
	struct store *st = NULL;

	assert_int_equal(store_open(&st, fx->db), 0);

	assert_true(store_schema_version(st) >= 1);
	assert_int_equal(tu_query_int(st, "PRAGMA user_version"),
			 store_schema_version(st));
	assert_int_equal(tu_query_int(st, "SELECT count(*) FROM"
				      " sqlite_master WHERE type = 'table'"
				      " AND name IN ('operators', 'sessions',"
				      " 'audit')"), 3);
	assert_int_equal(tu_query_int(st, "SELECT count(*) FROM"
				      " pragma_table_info('sessions')"
				      " WHERE name IN ('token_hash', 'ended',"
				      " 'end_reason', 'peer', 'last_seen')"),
			 5);

	/* the durability settings the daemon relies on */
	assert_int_equal(tu_query_int(st, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(tu_query_int(st, "PRAGMA foreign_keys"), 1);
	assert_int_equal(tu_query_int(st, "SELECT journal_mode = 'wal' FROM"
				      " pragma_journal_mode"), 1);

	mem_deref(st);
}


static void reopen_keeps_data(void **state)
{
	struct tu_fx *fx = *state;
	struct store *st = NULL;
	int v;

	assert_int_equal(store_open(&st, fx->db), 0);
	v = store_schema_version(st);
	assert_int_equal(store_exec(st, "INSERT INTO sessions(token_hash,"
				    " operator, position, roles, started)"
				    " VALUES ('ab', 'alice', 'L01',"
				    " 'dispatcher', 1)"), 0);
	st = mem_deref(st);

	/* a second open runs no migration again (it would fail: the
	 * tables exist) and sees the committed row */
	assert_int_equal(store_open(&st, fx->db), 0);
	assert_int_equal(store_schema_version(st), v);
	assert_int_equal(tu_query_int(st, "SELECT count(*) FROM sessions"
				      " WHERE operator = 'alice' AND"
				      " ended IS NULL"), 1);
	mem_deref(st);
}


static void newer_schema_refused(void **state)
{
	struct tu_fx *fx = *state;
	struct store *st = NULL;
	char sql[64];
	sqlite3 *db;
	int v;

	assert_int_equal(store_open(&st, fx->db), 0);
	v = store_schema_version(st);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
	assert_int_equal(store_exec(st, sql), 0);
	st = mem_deref(st);

	assert_int_equal(store_open(&st, fx->db), EPROTO);
	assert_null(st);

	/* and it was left as it was */
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "SELECT 1", NULL, NULL, NULL), 0);
	assert_int_equal(tu_db_int(db, "PRAGMA user_version"), v + 1);
	sqlite3_close(db);
}


static void files_private(void **state)
{
	struct tu_fx *fx = *state;
	const char *sfx[] = {"", "-wal", "-shm"};
	struct store *st = NULL;
	mode_t old = umask(022);
	char p[160];
	struct stat s;

	assert_int_equal(store_open(&st, fx->db), 0);
	umask(old);
	assert_int_equal(store_exec(st, "INSERT INTO sessions(token_hash,"
				    " operator, position, roles)"
				    " VALUES ('x', 'a', 'b', 'c')"), 0);

	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->db, sfx[i]);
		assert_int_equal(stat(p, &s), 0);
		assert_int_equal(s.st_mode & 0777, 0600);
	}
	mem_deref(st);
}


static void transactions(void **state)
{
	struct tu_fx *fx = *state;
	struct store *st = NULL;
	const char *ins = "INSERT INTO sessions(token_hash, operator,"
		" position, roles) VALUES ('t1', 'a', 'b', 'c')";

	assert_int_equal(store_open(&st, fx->db), 0);

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), EALREADY);
	assert_int_equal(store_exec(st, ins), 0);
	store_rollback(st);
	assert_int_equal(tu_query_int(st, "SELECT count(*) FROM sessions"), 0);

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_exec(st, ins), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(tu_query_int(st, "SELECT count(*) FROM sessions"), 1);

	/* a duplicate token is a conflict, not an I/O error */
	assert_int_equal(store_exec(st, ins), EEXIST);
	assert_int_equal(store_err(SQLITE_BUSY), EBUSY);
	mem_deref(st);
}


static void unopenable_path(void **state)
{
	struct tu_fx *fx = *state;
	struct store *st = NULL;
	char p[160];

	tu_path(p, sizeof(p), fx->dir, "no/such/dir/iccs.db");
	assert_int_not_equal(store_open(&st, p), 0);
	assert_null(st);
	assert_int_equal(store_open(&st, NULL), EINVAL);
}


/* store_bind_text: NULL is SQL NULL, "" stays an empty string (the audit
 * chain hashes what it stored) */
static void bind_text(void **state)
{
	struct tu_fx *fx = *state;
	struct store *st = NULL;
	sqlite3_stmt *s;

	assert_int_equal(store_open(&st, fx->db), 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT ? IS NULL,"
					    " ? = '', ? = 'x'", -1, &s, NULL),
			 SQLITE_OK);
	store_bind_text(s, 1, NULL);
	store_bind_text(s, 2, "");
	store_bind_text(s, 3, "x");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sqlite3_column_int(s, i), 1);
	sqlite3_finalize(s);

	/* the recordings index has the patch columns (migration 3) */
	assert_int_equal(tu_query_int(st, "SELECT count(*) FROM"
				      " pragma_table_info('recordings')"
				      " WHERE name IN ('patch', 'peer',"
				      " 'source')"), 3);
	mem_deref(st);
}


#define T(f) cmocka_unit_test_setup_teardown(f, tu_setup_dir, \
						   tu_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(migrations_applied),
		T(reopen_keeps_data),
		T(newer_schema_refused),
		T(files_private),
		T(transactions),
		T(unopenable_path),
		T(bind_text),
	};

	log_setup(LOG_LVL_ERROR, LOG_TARGET_STDERR, "test_store");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
