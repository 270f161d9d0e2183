/**
 * @file iccsctl.h  Admin CLI: shared context and the command tables
 *
 * Each command group (operator, position, session, audit) is a table of
 * subcommands; main.c dispatches to them and opens the config, the store
 * and the audit trail on first use, so a usage error needs none of them.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

struct conf;
struct store;
struct audit;

/* Exit status */
enum {
	CTL_OK    = 0,
	CTL_ERR   = 1,
	CTL_USAGE = 2,
};

struct ctl {
	const char *conf_path;
	struct conf *conf;
	struct store *st;
	struct audit *au;
};

/* argv[0] is the subcommand's name; returns an exit status */
typedef int (ctl_cmd_h)(struct ctl *ctl, int argc, char *argv[]);

struct ctl_cmd {
	const char *name;
	ctl_cmd_h *h;
	const char *usage;     /* arguments, after "GROUP NAME" */
};

struct ctl_group {
	const char *name;
	const struct ctl_cmd *cmds;
	size_t cmdc;
};

extern const struct ctl_group ctl_group_operator;
extern const struct ctl_group ctl_group_position;
extern const struct ctl_group ctl_group_session;
extern const struct ctl_group ctl_group_audit;
extern const struct ctl_group ctl_group_recordings;

/* Load the config, open the store and the audit trail (once) */
int  ctl_open(struct ctl *ctl);
/* "iccsctl: <message>" on stderr; returns CTL_ERR */
int  ctl_fail(const char *fmt, ...);
/* Usage line of the command on stderr; returns CTL_USAGE */
int  ctl_usage(const char *group, const char *cmd);
/* Audit a change made from the CLI; detail may be NULL (not consumed).
 * err != 0 records the attempt as failed, with the reason. */
int  ctl_audit(struct ctl *ctl, const char *action, const char *object,
	       int err, json_t *detail);
/* Options of a subcommand: getopt_long, reset for each call, telling
 * about a bad option itself (returns '?') */
int  ctl_getopt(int argc, char *argv[], const char *shortopts,
		const struct option *longopts);
void ctl_print_json(json_t *j);
/* rows: array of arrays of strings, the first one the heading */
void ctl_table(json_t *rows);
void ctl_time(char *buf, size_t sz, long long ms);
