/**
 * @file store.c  Durable local store: SQLite in WAL mode, schema migrations
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <re.h>
#include "core/log.h"
#include "core/store.h"

struct store {
	sqlite3 *db;
	char *path;
	int version;
};

/*
 * Schema migrations, applied in order; migrations[i] takes the schema from
 * version i to i + 1.  Never edit one that has shipped: append a new one.
 * Times: operators in unix seconds, sessions and audit in unix ms.
 */
static const char *migrations[] = {
	/* 1: operators, sessions, audit trail */
	"CREATE TABLE operators("
	" id INTEGER PRIMARY KEY,"
	" username TEXT UNIQUE NOT NULL,"
	" display_name TEXT NOT NULL DEFAULT '',"
	" roles TEXT NOT NULL,"
	" ptz_priority INTEGER NOT NULL DEFAULT 0"
	"  CHECK (ptz_priority BETWEEN 0 AND 100),"
	" skills TEXT NOT NULL DEFAULT '',"
	" pw_hash TEXT NOT NULL,"
	" locked INTEGER NOT NULL DEFAULT 0,"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" failed_count INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"

	"CREATE TABLE sessions("
	" id INTEGER PRIMARY KEY,"
	" token_hash TEXT UNIQUE NOT NULL,"
	" operator TEXT NOT NULL,"
	" position TEXT NOT NULL,"
	" roles TEXT NOT NULL,"
	" started INTEGER,"
	" last_seen INTEGER,"
	" ended INTEGER NULL,"
	" end_reason TEXT NULL,"
	" peer TEXT);"
	/* open sessions are looked up by position and by operator */
	"CREATE INDEX sessions_open_position ON sessions(position)"
	" WHERE ended IS NULL;"
	"CREATE INDEX sessions_open_operator ON sessions(operator)"
	" WHERE ended IS NULL;"

	/* seq is the rowid: walking the chain in order needs no index */
	"CREATE TABLE audit("
	" seq INTEGER PRIMARY KEY,"
	" ts INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" position TEXT,"
	" action TEXT NOT NULL,"
	" object TEXT,"
	" result TEXT NOT NULL,"
	" detail TEXT,"
	" prev TEXT NOT NULL,"
	" hash TEXT NOT NULL);",

	/* 2: the recordings index (src/record); times in unix ms */
	"CREATE TABLE recordings("
	" id INTEGER PRIMARY KEY,"
	" file TEXT UNIQUE NOT NULL,"
	" start INTEGER NOT NULL,"
	" end INTEGER NOT NULL,"
	" resource TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" stream TEXT NOT NULL,"
	" direction TEXT NOT NULL,"
	" talker TEXT,"
	" alias TEXT,"
	" position TEXT,"
	" operator TEXT,"
	" call_id TEXT,"
	" site TEXT,"
	" node TEXT,"
	" frames INTEGER NOT NULL,"
	" bytes INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" status TEXT NOT NULL);"
	"CREATE INDEX recordings_start ON recordings(start);"
	"CREATE INDEX recordings_resource ON recordings(resource, start);",

	/* 3: cameras (src/camera/cam_store.c): video wall routes, cameras
	 * adopted from WS-Discovery, PTZ locks held (a Stop at start) */
	"CREATE TABLE cam_wall("
	" tile TEXT PRIMARY KEY,"
	" camera TEXT NOT NULL,"
	" updated INTEGER NOT NULL);"
	"CREATE TABLE cam_adopted("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" onvif TEXT NOT NULL,"
	" roles TEXT NOT NULL,"
	" endpoint TEXT,"
	" operator TEXT,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE cam_locks("
	" camera TEXT PRIMARY KEY,"
	" operator TEXT NOT NULL,"
	" position TEXT NOT NULL,"
	" priority INTEGER NOT NULL,"
	" since INTEGER NOT NULL);",
	/* 4: recordings carried across a patch: its id, the other
	 * talkgroup (found by either), the talkgroup the voice came from */
	"ALTER TABLE recordings ADD COLUMN patch TEXT;"
	"ALTER TABLE recordings ADD COLUMN peer TEXT;"
	"ALTER TABLE recordings ADD COLUMN source TEXT;"
	"CREATE INDEX recordings_peer ON recordings(peer, start);",
};


static void destructor(void *data)
{
	struct store *st = data;

	/* close_v2: any statement a caller forgot is finalized with it */
	if (st->db)
		sqlite3_close_v2(st->db);
	mem_deref(st->path);
}


int store_err(int rc)
{
	switch (rc & 0xff) {

	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:       return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:     return EBUSY;
	case SQLITE_NOMEM:      return ENOMEM;
	case SQLITE_READONLY:   return EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:       return EACCES;
	case SQLITE_FULL:       return ENOSPC;
	case SQLITE_CANTOPEN:   return ENOENT;
	case SQLITE_NOTFOUND:   return ENOENT;
	case SQLITE_TOOBIG:     return EMSGSIZE;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:     return EBADMSG;
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_MISUSE:     return EINVAL;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return EEXIST;
		return EINVAL;
	default:                return EIO;
	}
}


int store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc;

	if (!st || !sql)
		return EINVAL;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_warn("store", "%s: %s", st->path,
			 msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store_err(rc);
	}

	return 0;
}


/* IMMEDIATE: take the write lock up front, so two writers queue on the
 * busy timeout instead of one failing at its first write. */
int store_begin(struct store *st)
{
	if (!st)
		return EINVAL;
	if (!sqlite3_get_autocommit(st->db))
		return EALREADY;

	return store_exec(st, "BEGIN IMMEDIATE");
}


int store_commit(struct store *st)
{
	return st ? store_exec(st, "COMMIT") : EINVAL;
}


void store_rollback(struct store *st)
{
	if (st && !sqlite3_get_autocommit(st->db))
		(void)store_exec(st, "ROLLBACK");
}


static int user_version(struct store *st, int *vp)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
				NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*vp = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);

	return rc == SQLITE_ROW ? 0 : store_err(rc);
}


/* The version is read inside the write transaction, so iccsd and iccsctl
 * opening a fresh store at once cannot both apply the same migration. */
static int migrate_one(struct store *st, int to)
{
	char sql[64];
	int v = 0, err;

	err = store_begin(st);
	if (err)
		return err;

	err = user_version(st, &v);
	if (err || v >= to)
		goto out;

	err = store_exec(st, migrations[to - 1]);
	if (err)
		goto out;

	(void)re_snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", to);
	err = store_exec(st, sql);
	if (err)
		goto out;

	err = store_commit(st);
	if (!err)
		log_info("store", "%s: schema migrated to version %d",
			 st->path, to);

 out:
	if (err) {
		log_error("store", "%s: migration to version %d failed: %m",
			  st->path, to, err);
		store_rollback(st);
	}
	else if (v >= to) {
		store_rollback(st);
	}
	return err;
}


static int migrate(struct store *st)
{
	const int latest = (int)ARRAY_SIZE(migrations);
	int v = 0, err;

	err = user_version(st, &v);
	if (err)
		return err;

	if (v > latest) {
		log_error("store", "%s: schema version %d is newer than this "
			  "program knows (%d): refusing to open it",
			  st->path, v, latest);
		return EPROTO;
	}

	for (int to = v + 1; to <= latest; to++) {
		err = migrate_one(st, to);
		if (err)
			return err;
	}

	return user_version(st, &st->version);
}


/* The store holds password hashes and session token hashes: keep it (and
 * its -wal/-shm, which SQLite creates with the database's mode) 0600. */
static void tighten_mode(const char *path)
{
	struct stat s;

	if (stat(path, &s) || !(s.st_mode & 077))
		return;

	if (chmod(path, 0600))
		log_warn("store", "%s: mode %03o, chmod 0600 failed: %m",
			 path, s.st_mode & 0777, errno);
	else
		log_notice("store", "%s: mode was %03o, now 0600",
			   path, s.st_mode & 0777);
}


static int configure(struct store *st)
{
	static const char *pragmas =
		"PRAGMA journal_mode = WAL;"
		"PRAGMA synchronous = FULL;"
		"PRAGMA foreign_keys = ON;";
	int err;

	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);

	err = store_exec(st, pragmas);
	if (err)
		return err;

	return migrate(st);
}


int store_open(struct store **stp, const char *path)
{
	struct store *st;
	mode_t old;
	int rc, err;

	if (!stp || !str_isset(path))
		return EINVAL;

	st = mem_zalloc(sizeof(*st), destructor);
	if (!st)
		return ENOMEM;

	err = str_dup(&st->path, path);
	if (err)
		goto out;

	/* umask is process wide: the daemon opens its store at start-up,
	 * before it starts any thread. */
	old = umask(077);

	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store", "%s: cannot open: %s", path,
			  st->db ? sqlite3_errmsg(st->db) :
			  sqlite3_errstr(rc));
		err = store_err(rc);
		umask(old);
		goto out;
	}

	tighten_mode(path);
	err = configure(st);
	umask(old);

 out:
	if (err)
		mem_deref(st);
	else
		*stp = st;
	return err;
}


sqlite3 *store_db(const struct store *st)
{
	return st ? st->db : NULL;
}


const char *store_path(const struct store *st)
{
	return st ? st->path : NULL;
}


int store_schema_version(const struct store *st)
{
	return st ? st->version : 0;
}


void store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, i);
}


int store_rows_json(sqlite3_stmt *stmt, store_row_h *row, json_t **arrp)
{
	json_t *arr = json_array();
	int rc = SQLITE_DONE, err = arr ? 0 : ENOMEM;

	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (json_array_append_new(arr, row(stmt)))
			err = ENOMEM;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_finalize(stmt);

	if (err)
		json_decref(arr);
	else
		*arrp = arr;
	return err;
}
