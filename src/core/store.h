/**
 * @file store.h  Durable local store: SQLite in WAL mode
 *
 * Numbered schema migrations run at open, each in its own transaction, so
 * a store written by an older iccsd opens in a newer one.  synchronous=FULL:
 * a record is durable once its transaction commits, and a kill -9 at any
 * moment leaves a store that opens with every committed record.
 *
 * Tables (see store.c for the migrations):
 *   operators(id, username UNIQUE, display_name, roles, ptz_priority,
 *             skills, pw_hash, locked, locked_until, failed_count,
 *             created, updated)
 *   sessions(id, token_hash UNIQUE, operator, position, roles, started,
 *            last_seen, ended, end_reason)
 *   audit(seq, ts, actor, position, action, object, result, detail,
 *         prev, hash)
 *   recordings(...)  see store.c (src/record)
 */
#include <sqlite3.h>
#include <jansson.h>

struct store;

int      store_open(struct store **stp, const char *path);
sqlite3 *store_db(const struct store *st);
const char *store_path(const struct store *st);
int      store_schema_version(const struct store *st);
int      store_exec(struct store *st, const char *sql);  /* no results */
int      store_begin(struct store *st);
int      store_commit(struct store *st);
void     store_rollback(struct store *st);

/* Step stmt to the end, turning each row into JSON with row(); always
 * finalizes stmt.  *arrp is a new array on success. */
typedef json_t *(store_row_h)(sqlite3_stmt *stmt);
int      store_rows_json(sqlite3_stmt *stmt, store_row_h *row,
			 json_t **arrp);

/* Bind a text parameter, NULL as SQL NULL.  The text is not copied: it
 * must stay valid until the statement is stepped (or rebound). */
void     store_bind_text(sqlite3_stmt *stmt, int i, const char *s);

/* Map a SQLite result code to a positive errno */
int      store_err(int rc);
