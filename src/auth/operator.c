/**
 * @file operator.c  Operator accounts in the store
 *
 * Every statement is prepared with bound parameters: a username or a
 * display name never becomes SQL text.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/conf.h"
#include "core/store.h"
#include "auth/passwd.h"
#include "auth/operator.h"

#define OP_COLS "id, username, display_name, roles, ptz_priority, skills," \
	" pw_hash, locked, locked_until, failed_count, created, updated"

enum { ROLES_TXT = 128 };


static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}


static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == '-';
}


bool operator_name_valid(const char *username)
{
	size_t n;

	if (!username || !(username[0] >= 'a' && username[0] <= 'z'))
		return false;

	for (n = 0; username[n]; n++) {
		if (n >= 63 || !name_char(username[n]))
			return false;
	}

	return true;
}


/* Skills are short tags matched against queue skills, "welsh,bsl", or
 * none at all: "" */
static bool skills_valid(const char *s)
{
	const char *start = s;
	size_t item = 0;

	if (strlen(s) >= sizeof(((struct operator_rec *)0)->skills))
		return false;

	for (; *s; s++) {
		if (*s == ',') {
			if (!item)
				return false;
			item = 0;
		}
		else if (name_char(*s) || (*s >= 'A' && *s <= 'Z')) {
			++item;
		}
		else {
			return false;
		}
	}

	return item > 0 || !*start;
}


static bool display_valid(const char *s)
{
	if (strlen(s) >= sizeof(((struct operator_rec *)0)->display_name))
		return false;

	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}


static int prepare(struct store *st, const char *sql, sqlite3_stmt **stmtp)
{
	int rc = sqlite3_prepare_v2(store_db(st), sql, -1, stmtp, NULL);

	if (rc != SQLITE_OK) {
		log_error("operator", "prepare: %s",
			  sqlite3_errmsg(store_db(st)));
		return store_err(rc);
	}
	return 0;
}


/* Step a statement that changes one operator: ENOENT if none matched */
static int step_change(struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int err;

	if (rc != SQLITE_DONE)
		err = store_err(rc);
	else
		err = sqlite3_changes(store_db(st)) ? 0 : ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


static void col_cpy(char *dst, size_t sz, sqlite3_stmt *stmt, int i)
{
	const char *s = (const char *)sqlite3_column_text(stmt, i);

	str_ncpy(dst, s ? s : "", sz);
}


static void row_load(sqlite3_stmt *stmt, struct operator_rec *rec)
{
	const char *roles;

	memset(rec, 0, sizeof(*rec));
	rec->id = sqlite3_column_int64(stmt, 0);
	col_cpy(rec->username, sizeof(rec->username), stmt, 1);
	col_cpy(rec->display_name, sizeof(rec->display_name), stmt, 2);

	/* A role this build does not know grants nothing */
	roles = (const char *)sqlite3_column_text(stmt, 3);
	if (!roles || roles_parse(&rec->roles, roles)) {
		log_warn("operator", "%s: unknown roles \"%s\", none granted",
			 rec->username, roles ? roles : "");
		rec->roles = 0;
	}

	rec->ptz_priority = sqlite3_column_int(stmt, 4);
	col_cpy(rec->skills, sizeof(rec->skills), stmt, 5);
	col_cpy(rec->pw_hash, sizeof(rec->pw_hash), stmt, 6);
	rec->locked       = sqlite3_column_int(stmt, 7) != 0;
	rec->locked_until = sqlite3_column_int64(stmt, 8);
	rec->failed_count = (unsigned)sqlite3_column_int(stmt, 9);
	rec->created      = sqlite3_column_int64(stmt, 10);
	rec->updated      = sqlite3_column_int64(stmt, 11);
}


int operator_get(struct store *st, const char *username,
		 struct operator_rec *rec)
{
	sqlite3_stmt *stmt;
	int rc, err;

	if (!st || !username || !rec)
		return EINVAL;

	err = prepare(st, "SELECT " OP_COLS " FROM operators"
		      " WHERE username = ?", &stmt);
	if (err)
		return err;

	sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		row_load(stmt, rec);
	sqlite3_finalize(stmt);

	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? ENOENT : store_err(rc);
}


static int roles_text(char *buf, size_t sz, uint32_t roles)
{
	if (!roles || (roles & ~ROLE_ALL))
		return EINVAL;
	return roles_print(buf, sz, roles);
}


static int check_new(const char *username, const char *display_name,
		     int ptz_priority, const char *skills,
		     const char *password)
{
	char why[128];

	if (!operator_name_valid(username))
		return EINVAL;
	if (!display_valid(display_name) || !skills_valid(skills) ||
	    ptz_priority < 0 || ptz_priority > 100)
		return EINVAL;
	if (passwd_policy_check(password, why, sizeof(why))) {
		log_info("operator", "%s: %s", username, why);
		return EINVAL;
	}

	return 0;
}


int operator_add(struct store *st, const char *username,
		 const char *display_name, uint32_t roles,
		 int ptz_priority, const char *skills,
		 const char *password)
{
	char hash[PASSWD_HASH_MAX], rtxt[ROLES_TXT];
	sqlite3_stmt *stmt;
	int64_t now = now_s();
	int rc, err;

	if (!st)
		return EINVAL;
	if (!display_name)
		display_name = "";
	if (!skills)
		skills = "";

	err = check_new(username, display_name, ptz_priority, skills,
			password);
	if (err || (err = roles_text(rtxt, sizeof(rtxt), roles)))
		return err;

	err = passwd_hash(hash, sizeof(hash), password);
	if (err)
		return err;

	err = prepare(st, "INSERT INTO operators(username, display_name,"
		      " roles, ptz_priority, skills, pw_hash, created,"
		      " updated) VALUES (?,?,?,?,?,?,?,?)", &stmt);
	if (err)
		goto out;

	sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, rtxt, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, ptz_priority);
	sqlite3_bind_text(stmt, 5, skills, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, now);
	sqlite3_bind_int64(stmt, 8, now);

	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	err = rc == SQLITE_DONE ? 0 : store_err(rc);

 out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}


int operator_remove(struct store *st, const char *username)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !username)
		return EINVAL;

	err = prepare(st, "DELETE FROM operators WHERE username = ?", &stmt);
	if (err)
		return err;

	sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
	return step_change(st, stmt);
}


int operator_set_locked(struct store *st, const char *username,
			bool locked)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !username)
		return EINVAL;

	/* unlocking forgives the failures and any lockout window too */
	err = prepare(st, locked ?
		      "UPDATE operators SET locked = 1, updated = ?1"
		      " WHERE username = ?2" :
		      "UPDATE operators SET locked = 0, failed_count = 0,"
		      " locked_until = 0, updated = ?1 WHERE username = ?2",
		      &stmt);
	if (err)
		return err;

	sqlite3_bind_int64(stmt, 1, now_s());
	sqlite3_bind_text(stmt, 2, username, -1, SQLITE_STATIC);
	return step_change(st, stmt);
}


int operator_set_password(struct store *st, const char *username,
			  const char *password)
{
	char hash[PASSWD_HASH_MAX], why[128];
	sqlite3_stmt *stmt;
	int err;

	if (!st || !username)
		return EINVAL;
	if (passwd_policy_check(password, why, sizeof(why))) {
		log_info("operator", "%s: %s", username, why);
		return EINVAL;
	}

	err = passwd_hash(hash, sizeof(hash), password);
	if (err)
		return err;

	err = prepare(st, "UPDATE operators SET pw_hash = ?1, updated = ?2"
		      " WHERE username = ?3", &stmt);
	if (!err) {
		sqlite3_bind_text(stmt, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, now_s());
		sqlite3_bind_text(stmt, 3, username, -1, SQLITE_STATIC);
		err = step_change(st, stmt);
	}

	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}


int operator_set_roles(struct store *st, const char *username,
		       uint32_t roles)
{
	char rtxt[ROLES_TXT];
	sqlite3_stmt *stmt;
	int err;

	if (!st || !username)
		return EINVAL;

	err = roles_text(rtxt, sizeof(rtxt), roles);
	if (err)
		return err;

	err = prepare(st, "UPDATE operators SET roles = ?1, updated = ?2"
		      " WHERE username = ?3", &stmt);
	if (err)
		return err;

	sqlite3_bind_text(stmt, 1, rtxt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now_s());
	sqlite3_bind_text(stmt, 3, username, -1, SQLITE_STATIC);
	return step_change(st, stmt);
}


/* One statement, so two nodes' failures on one account cannot race past
 * the limit.  max_attempts 0: count only, never lock. */
int operator_login_failed(struct store *st, const char *username,
			  unsigned max_attempts, unsigned lock_secs,
			  bool *lockedp)
{
	sqlite3_stmt *stmt;
	int64_t now = now_s();
	int rc, err;

	if (!st || !username)
		return EINVAL;

	err = prepare(st, "UPDATE operators SET"
		      " failed_count = CASE WHEN ?1 > 0 AND"
		      "  failed_count + 1 >= ?1 THEN 0"
		      "  ELSE failed_count + 1 END,"
		      " locked_until = CASE WHEN ?1 > 0 AND"
		      "  failed_count + 1 >= ?1 THEN ?2"
		      "  ELSE locked_until END"
		      " WHERE username = ?3 RETURNING locked_until", &stmt);
	if (err)
		return err;

	sqlite3_bind_int64(stmt, 1, max_attempts);
	sqlite3_bind_int64(stmt, 2, now + (int64_t)lock_secs);
	sqlite3_bind_text(stmt, 3, username, -1, SQLITE_STATIC);

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && lockedp)
		*lockedp = sqlite3_column_int64(stmt, 0) > now;
	sqlite3_finalize(stmt);

	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? ENOENT : store_err(rc);
}


/* Does not touch "updated": a login is not a change to the account */
int operator_login_ok(struct store *st, const char *username)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !username)
		return EINVAL;

	err = prepare(st, "UPDATE operators SET failed_count = 0"
		      " WHERE username = ?", &stmt);
	if (err)
		return err;

	sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
	return step_change(st, stmt);
}


bool operator_is_locked(const struct operator_rec *rec, int64_t now)
{
	return rec && (rec->locked || rec->locked_until > now);
}


static json_t *skills_json(const char *csv)
{
	json_t *arr = json_array();
	const char *p = csv, *e;

	while (arr && *p) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if (e > p)
			json_array_append_new(arr,
					      json_stringn(p, (size_t)(e - p)));
		p = *e ? e + 1 : e;
	}

	return arr;
}


json_t *operator_json(const struct operator_rec *rec)
{
	int64_t until;

	if (!rec)
		return NULL;

	/* a lapsed lockout window is no lockout */
	until = rec->locked_until > now_s() ? rec->locked_until : 0;

	return json_pack("{s:s, s:s, s:o, s:i, s:o, s:b, s:I, s:i}",
			 "username", rec->username,
			 "display_name", rec->display_name,
			 "roles", roles_json(rec->roles),
			 "ptz_priority", rec->ptz_priority,
			 "skills", skills_json(rec->skills),
			 "locked", rec->locked,
			 "locked_until", (json_int_t)until,
			 "failed_count", (int)rec->failed_count);
}


/* The hash never leaves the row: it is wiped before the JSON is made */
static json_t *list_row(sqlite3_stmt *stmt)
{
	struct operator_rec rec;

	row_load(stmt, &rec);
	OPENSSL_cleanse(rec.pw_hash, sizeof(rec.pw_hash));
	return operator_json(&rec);
}


int operator_list(struct store *st, json_t **arrp)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !arrp)
		return EINVAL;

	err = prepare(st, "SELECT " OP_COLS " FROM operators"
		      " ORDER BY username", &stmt);
	if (err)
		return err;

	return store_rows_json(stmt, list_row, arrp);
}
