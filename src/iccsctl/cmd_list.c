/**
 * @file cmd_list.c  iccsctl position list, session list
 *
 * Positions come from the config; who sits where comes from the sessions
 * the daemon keeps in the store (ended IS NULL: still open).
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/store.h"
#include "iccsctl/iccsctl.h"

static const char sql_pos[] =
	"SELECT s.operator, o.display_name, s.roles, s.started"
	" FROM sessions s LEFT JOIN operators o ON o.username = s.operator"
	" WHERE s.position = ? AND s.ended IS NULL"
	" ORDER BY s.started DESC LIMIT 1";

static const char sql_sessions[] =
	"SELECT s.id, s.operator, o.display_name, s.position, s.roles,"
	" s.started, s.last_seen, s.peer"
	" FROM sessions s LEFT JOIN operators o ON o.username = s.operator"
	" WHERE s.ended IS NULL ORDER BY s.started";


static json_t *jtext(sqlite3_stmt *stmt, int i)
{
	const char *s = (const char *)sqlite3_column_text(stmt, i);

	return s ? json_string(s) : json_null();
}


static json_t *jroles(sqlite3_stmt *stmt, int i)
{
	const char *s = (const char *)sqlite3_column_text(stmt, i);
	uint32_t mask = 0;

	if (s && roles_parse(&mask, s))
		mask = 0;
	return roles_json(mask);
}


/* --json, or nothing */
static int want_json(int argc, char *argv[], bool *js)
{
	*js = argc == 2 && !strcmp(argv[1], "--json");
	return argc == 1 || *js ? 0 : EINVAL;
}


static int output(json_t *j, const char *key, json_t *rows, bool js)
{
	if (js) {
		json_t *o = json_pack("{s:O}", key, j);
		ctl_print_json(o);
		json_decref(o);
	}
	else {
		ctl_table(rows);
	}

	json_decref(rows);
	json_decref(j);
	return CTL_OK;
}


static json_t *pos_session(sqlite3_stmt *stmt, const char *pos_id)
{
	json_t *j = json_null();

	sqlite3_reset(stmt);
	sqlite3_bind_text(stmt, 1, pos_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		json_decref(j);
		j = json_pack("{s:o, s:o, s:o, s:I}",
			      "operator", jtext(stmt, 0),
			      "display_name", jtext(stmt, 1),
			      "roles", jroles(stmt, 2),
			      "since", (json_int_t)
			      sqlite3_column_int64(stmt, 3));
	}

	return j;
}


static json_t *pos_row(json_t *p)
{
	json_t *s = json_object_get(p, "session");
	char since[32];

	ctl_time(since, sizeof(since), json_integer_value(
			 json_object_get(s, "since")));

	return json_pack("[O,O,O,O,s,s,s]",
			 json_object_get(p, "id"), json_object_get(p, "name"),
			 json_object_get(p, "site"), json_object_get(p, "node"),
			 json_is_true(json_object_get(p, "spare")) ?
			 "yes" : "no",
			 json_is_null(s) ? "-" :
			 json_string_value(json_object_get(s, "operator")),
			 json_is_null(s) ? "-" : since);
}


static int cmd_positions(struct ctl *ctl, int argc, char *argv[])
{
	sqlite3_stmt *stmt;
	json_t *arr, *rows;
	bool js;

	if (want_json(argc, argv, &js))
		return ctl_usage("position", "list");
	if (ctl_open(ctl))
		return CTL_ERR;

	if (sqlite3_prepare_v2(store_db(ctl->st), sql_pos, -1, &stmt, NULL))
		return ctl_fail("store: %s", sqlite3_errmsg(store_db(ctl->st)));

	arr = json_array();
	rows = json_pack("[[s,s,s,s,s,s,s]]", "ID", "NAME", "SITE", "NODE",
			 "SPARE", "OPERATOR", "SINCE");

	for (size_t i = 0; i < ctl->conf->positionc; i++) {
		const struct conf_position *cp = &ctl->conf->positions[i];
		json_t *p = json_pack(
			"{s:s, s:s, s:s, s:s, s:b, s:s?, s:o}",
			"id", cp->id, "name", cp->name ? cp->name : "",
			"site", cp->site ? cp->site : "",
			"node", cp->node ? cp->node : "",
			"spare", cp->spare, "layout", cp->layout,
			"session", pos_session(stmt, cp->id));

		json_array_append_new(rows, pos_row(p));
		json_array_append_new(arr, p);
	}
	sqlite3_finalize(stmt);

	return output(arr, "positions", rows, js);
}


static json_t *session_json(sqlite3_stmt *stmt)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o}",
			 "sid", (json_int_t)sqlite3_column_int64(stmt, 0),
			 "operator", jtext(stmt, 1),
			 "display_name", jtext(stmt, 2),
			 "position", jtext(stmt, 3),
			 "roles", jroles(stmt, 4),
			 "started", (json_int_t)sqlite3_column_int64(stmt, 5),
			 "last_seen", (json_int_t)
			 sqlite3_column_int64(stmt, 6),
			 "peer", jtext(stmt, 7));
}


static json_t *session_row(sqlite3_stmt *stmt)
{
	const char *roles = (const char *)sqlite3_column_text(stmt, 4);
	const char *peer  = (const char *)sqlite3_column_text(stmt, 7);
	char sid[24], started[32], seen[32];

	(void)re_snprintf(sid, sizeof(sid), "%lld", (long long)
			  sqlite3_column_int64(stmt, 0));
	ctl_time(started, sizeof(started), sqlite3_column_int64(stmt, 5));
	ctl_time(seen, sizeof(seen), sqlite3_column_int64(stmt, 6));

	return json_pack("[s,o,o,s,s,s,s]", sid, jtext(stmt, 1),
			 jtext(stmt, 3), roles ? roles : "", started, seen,
			 peer ? peer : "-");
}


static int cmd_sessions(struct ctl *ctl, int argc, char *argv[])
{
	sqlite3_stmt *stmt;
	json_t *arr, *rows;
	bool js;
	int rc;

	if (want_json(argc, argv, &js))
		return ctl_usage("session", "list");
	if (ctl_open(ctl))
		return CTL_ERR;

	if (sqlite3_prepare_v2(store_db(ctl->st), sql_sessions, -1, &stmt,
			       NULL))
		return ctl_fail("store: %s", sqlite3_errmsg(store_db(ctl->st)));

	arr = json_array();
	rows = json_pack("[[s,s,s,s,s,s,s]]", "SID", "OPERATOR", "POSITION",
			 "ROLES", "STARTED", "LAST SEEN", "PEER");

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_array_append_new(arr, session_json(stmt));
		json_array_append_new(rows, session_row(stmt));
	}
	sqlite3_finalize(stmt);

	if (rc != SQLITE_DONE) {
		json_decref(arr);
		json_decref(rows);
		return ctl_fail("store: %s", strerror(store_err(rc)));
	}

	return output(arr, "sessions", rows, js);
}


static const struct ctl_cmd pos_cmds[] = {
	{"list", cmd_positions, "[--json]"},
};

static const struct ctl_cmd session_cmds[] = {
	{"list", cmd_sessions, "[--json]"},
};

const struct ctl_group ctl_group_position = {
	"position", pos_cmds, ARRAY_SIZE(pos_cmds)
};

const struct ctl_group ctl_group_session = {
	"session", session_cmds, ARRAY_SIZE(session_cmds)
};
