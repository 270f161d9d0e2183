/**
 * @file session_store.c  Sessions in the store: kept across restarts
 */
#include <string.h>
#include <re.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/store.h"
#include "auth/passwd.h"
#include "auth/operator.h"
#include "auth/session.h"
#include "auth/session_int.h"

#define MOD "session"


void session_store_end(struct session_mgr *sm, int64_t sid, int64_t at,
		       const char *reason)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(store_db(sm->st), "UPDATE sessions SET "
			       "ended=?, end_reason=?, last_seen=? "
			       "WHERE id=?", -1, &q, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(q, 1, at);
	sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, at);
	sqlite3_bind_int64(q, 4, sid);
	if (sqlite3_step(q) != SQLITE_DONE)
		log_error(MOD, "cannot record end of session %lld: %s",
			  (long long)sid, sqlite3_errmsg(store_db(sm->st)));
 out:
	sqlite3_finalize(q);
}


int session_store_insert(struct session_mgr *sm, struct session *s)
{
	sqlite3_stmt *q = NULL;
	char roles[128];
	int err = 0;

	roles_print(roles, sizeof(roles), s->roles);
	if (sqlite3_prepare_v2(store_db(sm->st), "INSERT INTO sessions "
			       "(token_hash, operator, position, roles, "
			       "started, last_seen, peer) "
			       "VALUES (?,?,?,?,?,?,?)", -1, &q, NULL)
	    != SQLITE_OK) {
		err = EIO;
		goto out;
	}
	sqlite3_bind_text(q, 1, s->token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, s->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, s->position, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, roles, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, s->started);
	sqlite3_bind_int64(q, 6, s->last_seen);
	sqlite3_bind_text(q, 7, s->peer, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		err = EIO;
		goto out;
	}
	s->sid = sqlite3_last_insert_rowid(store_db(sm->st));

 out:
	if (err)
		log_error(MOD, "cannot store session: %s",
			  sqlite3_errmsg(store_db(sm->st)));
	sqlite3_finalize(q);
	return err;
}


int session_data_version(struct session_mgr *sm)
{
	sqlite3_stmt *q = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(store_db(sm->st), "PRAGMA data_version", -1,
			       &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}


void session_flush_last_seen(struct session_mgr *sm)
{
	sqlite3_stmt *q = NULL;
	struct le *le;

	if (sqlite3_prepare_v2(store_db(sm->st), "UPDATE sessions SET "
			       "last_seen=? WHERE id=?", -1, &q, NULL)
	    != SQLITE_OK)
		return;

	for (le = list_head(&sm->sessions); le; le = le->next) {
		struct session *s = le->data;

		sqlite3_bind_int64(q, 1, s->last_seen);
		sqlite3_bind_int64(q, 2, s->sid);
		(void)sqlite3_step(q);
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
}


/* Sessions open in the store survive a restart of iccsd: a console that
 * reconnects with its token carries on.  Those that went idle meanwhile,
 * or whose operator or position is gone, are ended now. */
int session_restore(struct session_mgr *sm)
{
	sqlite3_stmt *q = NULL;
	int64_t now = session_now_ms();
	int n = 0;

	if (sqlite3_prepare_v2(store_db(sm->st), "SELECT id, token_hash, "
			       "operator, position, started, last_seen, peer "
			       "FROM sessions WHERE ended IS NULL", -1, &q,
			       NULL) != SQLITE_OK)
		return EIO;

	while (sqlite3_step(q) == SQLITE_ROW) {
		struct operator_rec rec;
		const char *user = (const char *)sqlite3_column_text(q, 2);
		const char *pos = (const char *)sqlite3_column_text(q, 3);
		const char *why = NULL;
		struct session *s;

		if (!user || operator_get(sm->st, user, &rec))
			why = "account removed";
		else if (rec.locked)
			why = "account locked";
		else if (!pos || !conf_position(sm->conf, pos))
			why = "position removed";
		else if (session_find_by(sm, user, pos))
			why = "superseded";

		s = why ? NULL : session_new(sm, &rec, pos,
			(const char *)sqlite3_column_text(q, 6),
			sqlite3_column_int64(q, 4));
		if (s) {
			s->sid = sqlite3_column_int64(q, 0);
			s->last_seen = sqlite3_column_int64(q, 5);
			str_ncpy(s->token_hash,
				 (const char *)sqlite3_column_text(q, 1),
				 sizeof(s->token_hash));
			if (session_idle(sm, s, now)) {
				why = "idle timeout";
				s = mem_deref(s);
			}
		}
		if (!s) {
			session_store_end(sm, sqlite3_column_int64(q, 0), now,
					  why ? why : "no memory");
			continue;
		}
		session_occupy(sm, s);
		++n;
	}
	sqlite3_finalize(q);
	if (n)
		log_info(MOD, "%d sessions restored", n);
	return 0;
}
