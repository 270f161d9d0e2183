/**
 * @file testutil.h  Fixtures the unit test programs share
 *
 * Include after <cmocka.h>, <re.h> and "core/store.h": like the project
 * headers this one includes nothing of its own.
 */

/* A private temp directory, a database path in it and, when asked for,
 * a store open on that path.  Usable as a cmocka state or embedded. */
struct tu_fx {
	char dir[64];
	char db[128];
	struct store *st;
};

int  tu_fx_make(struct tu_fx *fx, bool open_store);
void tu_fx_clean(struct tu_fx *fx);

/* cmocka setups/teardown with a struct tu_fx as the state */
int  tu_setup_dir(void **state);
int  tu_setup_store(void **state);
int  tu_teardown(void **state);

void tu_path(char *buf, size_t size, const char *dir, const char *name);
void tu_write_key(const char *path, size_t len, mode_t mode);
long long tu_db_int(struct sqlite3 *db, const char *sql);
long long tu_query_int(struct store *st, const char *sql);
void tu_query_text(struct store *st, const char *sql, char *buf,
		   size_t size);
