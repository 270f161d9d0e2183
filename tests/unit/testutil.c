/**
 * @file testutil.c  Fixtures the unit test programs share
 *
 * Every fixture lives in a mkdtemp directory named after the program, so
 * runs in parallel never share files and a failed run is easy to trace;
 * the teardown removes the whole tree, whatever a test left in it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include <openssl/rand.h>
#include "core/store.h"
#include "testutil.h"


static int rm_one(const char *p, const struct stat *s, int flag,
		  struct FTW *ftw)
{
	(void)s;
	(void)flag;
	(void)ftw;
	return remove(p);
}


int tu_fx_make(struct tu_fx *fx, bool open_store)
{
	int n;

	memset(fx, 0, sizeof(*fx));
	n = snprintf(fx->dir, sizeof(fx->dir), "/tmp/%s.XXXXXX",
		     program_invocation_short_name);
	if (n < 0 || (size_t)n >= sizeof(fx->dir) || !mkdtemp(fx->dir)) {
		int err = n < 0 || (size_t)n >= sizeof(fx->dir) ?
			ENAMETOOLONG : errno;

		fx->dir[0] = '\0';
		return err;
	}

	n = snprintf(fx->db, sizeof(fx->db), "%s/iccs.db", fx->dir);
	if (n < 0 || (size_t)n >= sizeof(fx->db)) {
		tu_fx_clean(fx);
		return ENAMETOOLONG;
	}

	if (open_store) {
		int err = store_open(&fx->st, fx->db);

		if (err) {
			tu_fx_clean(fx);
			return err;
		}
	}

	return 0;
}


void tu_fx_clean(struct tu_fx *fx)
{
	fx->st = mem_deref(fx->st);
	if (fx->dir[0])
		nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	fx->dir[0] = '\0';
}


static int setup(void **state, bool open_store)
{
	struct tu_fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (tu_fx_make(fx, open_store)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}


int tu_setup_dir(void **state)
{
	return setup(state, false);
}


int tu_setup_store(void **state)
{
	return setup(state, true);
}


int tu_teardown(void **state)
{
	struct tu_fx *fx = *state;

	tu_fx_clean(fx);
	free(fx);
	return 0;
}


/* Truncation fails the test: a cut path would point somewhere else */
void tu_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < size);
}


/* Random bytes: a test must never depend on the key's value */
void tu_write_key(const char *path, size_t len, mode_t mode)
{
	uint8_t key[64];
	int fd;

	assert_true(len <= sizeof(key));
	assert_int_equal(RAND_bytes(key, (int)len), 1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, key, len), (ssize_t)len);
	/* open() obeys the umask; the test wants exactly this mode */
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}


/* One integer from a single-row query, -1 when there is no row */
long long tu_db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
			 SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}


long long tu_query_int(struct store *st, const char *sql)
{
	return tu_db_int(store_db(st), sql);
}


/* One text value from a query that must return a row */
void tu_query_text(struct store *st, const char *sql, char *buf,
		   size_t size)
{
	sqlite3_stmt *stmt;
	const unsigned char *txt;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &stmt,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	txt = sqlite3_column_text(stmt, 0);
	assert_non_null(txt);
	assert_true(strlen((const char *)txt) < size);
	strcpy(buf, (const char *)txt);
	sqlite3_finalize(stmt);
}
