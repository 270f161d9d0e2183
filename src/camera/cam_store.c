/**
 * @file cam_store.c  What of the cameras survives an iccsd restart
 *
 * Tables of store migration 3: cam_wall (tile -> camera), cam_adopted
 * (cameras adopted from WS-Discovery) and cam_locks (PTZ lock holders).
 *
 * Locks are not restored: the holder's joystick state died with the old
 * process and a free lock is taken by the next command anyway.  They are
 * stored only so that the cameras held when iccsd went (a crash, a kill)
 * get a Stop at start, with an audit entry, before anything else.
 * A store write that fails is logged: the live state stays right, only
 * the next restart would not see it.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/store.h"
#include "core/audit.h"
#include "camera/cam.h"
#include "camera/cam_int.h"

#define MOD "camera"


/* Prepare sql and bind the strings (NULL binds NULL) in order */
static sqlite3_stmt *stmt_new(struct store *st, const char *sql,
			      const char *const *v, size_t n)
{
	sqlite3_stmt *s = NULL;

	if (!st || sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL))
		return NULL;
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(s, (int)i + 1, v[i], -1, SQLITE_TRANSIENT);
	return s;
}


static int exec_v(struct cam_reg *r, const char *sql, const char *const *v,
		  size_t n)
{
	sqlite3_stmt *s;
	int rc;

	if (!r->store)
		return 0;
	s = stmt_new(r->store, sql, v, n);
	rc = s ? sqlite3_step(s) : SQLITE_ERROR;
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_warn(MOD, "store: %s", sqlite3_errmsg(store_db(r->store)));
		return store_err(rc) ? store_err(rc) : EIO;
	}
	return 0;
}


static const char *col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}


void cam_store_wall(struct cam_reg *r, const char *tile, const char *cam)
{
	char now[24];
	const char *v[] = {tile, cam, now};

	re_snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	if (cam)
		(void)exec_v(r, "INSERT OR REPLACE INTO cam_wall(tile, camera,"
			     " updated) VALUES(?, ?, ?)", v, 3);
	else
		(void)exec_v(r, "DELETE FROM cam_wall WHERE tile = ?", v, 1);
}


void cam_store_lock(struct cam *c)
{
	char prio[16], now[24];
	const char *v[] = {c->id, c->holder, c->holder_pos, prio, now};

	re_snprintf(prio, sizeof(prio), "%d", c->holder_prio);
	re_snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	if (c->holder[0])
		(void)exec_v(c->reg, "INSERT OR REPLACE INTO cam_locks(camera,"
			     " operator, position, priority, since) VALUES("
			     "?, ?, ?, ?, ?)", v, 5);
	else
		(void)exec_v(c->reg, "DELETE FROM cam_locks WHERE camera = ?",
			     v, 1);
}


int cam_store_adopt(struct cam_reg *r, const struct cam *c,
		    const char *endpoint, const char *by)
{
	char roles[128], now[24];
	const char *v[] = {c->id, c->name, c->onvif, roles, endpoint, by,
			   now};

	if (roles_print(roles, sizeof(roles), c->roles))
		return EINVAL;
	re_snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	return exec_v(r, "INSERT OR REPLACE INTO cam_adopted(id, name, onvif,"
		      " roles, endpoint, operator, created) VALUES(?, ?, ?, "
		      "?, ?, ?, ?)", v, 7);
}


int cam_store_forget(struct cam_reg *r, const char *id)
{
	return exec_v(r, "DELETE FROM cam_adopted WHERE id = ?", &id, 1);
}


/* Adopted cameras, unless the config now has one of that id */
static void load_adopted(struct cam_reg *r)
{
	sqlite3_stmt *s = stmt_new(r->store, "SELECT id, name, onvif, roles"
				   " FROM cam_adopted ORDER BY created", NULL,
				   0);

	while (s && sqlite3_step(s) == SQLITE_ROW) {
		struct cam *c = NULL;
		uint32_t roles = 0;

		if (cam_find(r, col(s, 0))) {
			log_warn(MOD, "adopted camera %s: the config has that "
				 "id, the config's is used", col(s, 0));
			continue;
		}
		(void)roles_parse(&roles, col(s, 3));
		if (!cam_new(&c, r, col(s, 0), col(s, 1), NULL, col(s, 2),
			     false, roles))
			c->adopted = true;
	}
	sqlite3_finalize(s);
}


/* The cameras that were held: Stop, audited, and the lock forgotten */
static void stop_held(struct cam_reg *r)
{
	sqlite3_stmt *s = stmt_new(r->store, "SELECT camera, operator, "
				   "position FROM cam_locks", NULL, 0);

	while (s && sqlite3_step(s) == SQLITE_ROW) {
		struct cam *c = cam_find(r, col(s, 0));
		json_t *why;

		if (!c || !c->worker)
			continue;
		log_notice(MOD, "%s: lock of %s dropped at start, Stop sent",
			   c->id, col(s, 1));
		(void)cam_ptz_job(c->worker, JOB_STOP, NULL, NULL, NULL);
		why = json_pack("{s:s}", "reason", "restart");
		(void)audit_log(r->audit, col(s, 1), col(s, 2),
				"camera.lock_release", c->id, "ok", why);
		json_decref(why);
	}
	sqlite3_finalize(s);
	(void)exec_v(r, "DELETE FROM cam_locks", NULL, 0);
}


static void load_wall(struct cam_reg *r)
{
	sqlite3_stmt *s = stmt_new(r->store, "SELECT tile, camera FROM "
				   "cam_wall", NULL, 0);

	while (s && sqlite3_step(s) == SQLITE_ROW) {
		if (cam_wall_set(r, col(s, 0), col(s, 1)))
			log_warn(MOD, "wall tile %s: camera %s is gone",
				 col(s, 0), col(s, 1));
	}
	sqlite3_finalize(s);
}


void cam_store_load(struct cam_reg *r)
{
	if (!r->store)
		return;
	load_adopted(r);
	stop_held(r);
	load_wall(r);
}
