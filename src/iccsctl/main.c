/**
 * @file main.c  iccsctl: operators, positions, sessions and the audit trail
 *
 * Works on the daemon's own store (SQLite in WAL mode, so it may run while
 * iccsd runs), and records every change it makes in the audit trail.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/conf.h"
#include "core/store.h"
#include "core/audit.h"
#include "iccsctl/iccsctl.h"

#define CONF_DEFAULT "/etc/openiccs/iccsd.yaml"

static const struct ctl_group *groups[] = {
	&ctl_group_operator,
	&ctl_group_position,
	&ctl_group_session,
	&ctl_group_audit,
	&ctl_group_recordings,
};


int ctl_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("iccsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);

	return CTL_ERR;
}


static const struct ctl_cmd *cmd_find(const struct ctl_group *g,
				      const char *name)
{
	for (size_t i = 0; name && i < g->cmdc; i++) {
		if (!strcmp(g->cmds[i].name, name))
			return &g->cmds[i];
	}
	return NULL;
}


static const struct ctl_group *group_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		if (!strcmp(groups[i]->name, name))
			return groups[i];
	}
	return NULL;
}


static void group_help(FILE *f, const struct ctl_group *g)
{
	for (size_t i = 0; i < g->cmdc; i++)
		fprintf(f, "  iccsctl [-c CONFIG] %s %s%s%s\n", g->name,
			g->cmds[i].name, *g->cmds[i].usage ? " " : "",
			g->cmds[i].usage);
}


static void help(FILE *f)
{
	fputs("usage: iccsctl [-c CONFIG] COMMAND ...\n"
	      "\n"
	      "  -c, --config CONFIG  daemon config (default "
	      CONF_DEFAULT ")\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "commands:\n", f);

	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		group_help(f, groups[i]);

	fputs("\nPasswords are read from --password-file (\"-\": standard "
	      "input) or asked for\non the terminal; never give one on the "
	      "command line.\n", f);
}


int ctl_usage(const char *group, const char *cmd)
{
	const struct ctl_group *g = group_find(group);
	const struct ctl_cmd *c = g ? cmd_find(g, cmd) : NULL;

	if (c)
		fprintf(stderr, "usage: iccsctl %s %s%s%s\n", group, cmd,
			*c->usage ? " " : "", c->usage);
	return CTL_USAGE;
}


/* getopt keeps its state in globals: start over for each argv */
int ctl_getopt(int argc, char *argv[], const char *shortopts,
	       const struct option *longopts)
{
	static char **cur;
	int c;

	if (argv != cur) {
		cur = argv;
		optind = 0;
		opterr = 0;
	}

	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?' || c == ':') {
		ctl_fail("%s: unknown option or missing value: %s", argv[0],
			 argv[optind - 1]);
		return '?';
	}

	return c;
}


int ctl_open(struct ctl *ctl)
{
	char why[512] = "";
	int err;

	if (ctl->au)
		return 0;

	err = conf_load(&ctl->conf, ctl->conf_path, CONF_CHECK_FILES, why,
			sizeof(why));
	if (err) {
		ctl_fail("%s", why[0] ? why : strerror(err));
		return err;
	}

	err = store_open(&ctl->st, ctl->conf->store_path);
	if (err) {
		ctl_fail("store %s: %s", ctl->conf->store_path,
			 err == EPROTO ? "written by a newer iccsd" :
			 strerror(err));
		return err;
	}

	err = audit_alloc(&ctl->au, ctl->st, ctl->conf->audit_key);
	if (err) {
		ctl_fail("audit key %s: %s", ctl->conf->audit_key,
			 err == EINVAL ? "shorter than 32 bytes" :
			 strerror(err));
		return err;
	}

	return 0;
}


/* Who ran it: the trail shows "iccsctl", the detail the unix account */
int ctl_audit(struct ctl *ctl, const char *action, const char *object,
	      int err, json_t *detail)
{
	struct passwd *pw = getpwuid(getuid());
	json_t *d = detail ? json_deep_copy(detail) : json_object();
	int e;

	if (!d)
		return ENOMEM;

	json_object_set_new(d, "unix_user", pw ? json_string(pw->pw_name)
			    : json_integer((json_int_t)getuid()));
	if (err)
		json_object_set_new(d, "error", json_string(strerror(err)));

	e = audit_log(ctl->au, "iccsctl", NULL, action, object,
		      err ? "failed" : "ok", d);
	json_decref(d);

	if (e)
		ctl_fail("%s %s: audit entry not written: %s", action,
			 object ? object : "", strerror(e));
	return e;
}


void ctl_print_json(json_t *j)
{
	if (j && !json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS))
		fputc('\n', stdout);
}


void ctl_table(json_t *rows)
{
	size_t w[16] = {0}, i, j;
	json_t *row, *v;

	json_array_foreach(rows, i, row) {
		json_array_foreach(row, j, v) {
			size_t n = strlen(json_string_value(v) ?
					  json_string_value(v) : "");
			if (j < ARRAY_SIZE(w))
				w[j] = max(w[j], n);
		}
	}

	json_array_foreach(rows, i, row) {
		size_t n = json_array_size(row);

		json_array_foreach(row, j, v) {
			const char *s = json_string_value(v);

			if (!s)
				s = "";
			if (j + 1 < n && j < ARRAY_SIZE(w))
				printf("%-*s  ", (int)w[j], s);
			else
				printf("%s%s", s, j + 1 < n ? "  " : "\n");
		}
	}
}


void ctl_time(char *buf, size_t sz, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !gmtime_r(&t, &tm))
		str_ncpy(buf, "-", sz);
	else
		strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


static int run(struct ctl *ctl, int argc, char *argv[])
{
	const struct ctl_group *g = group_find(argv[0]);
	const struct ctl_cmd *c;

	if (!g) {
		ctl_fail("unknown command \"%s\" (see iccsctl --help)",
			 argv[0]);
		return CTL_USAGE;
	}

	if (argc < 2 || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		group_help(argc < 2 ? stderr : stdout, g);
		return argc < 2 ? CTL_USAGE : CTL_OK;
	}

	c = cmd_find(g, argv[1]);
	if (!c) {
		ctl_fail("unknown command \"%s %s\"", argv[0], argv[1]);
		group_help(stderr, g);
		return CTL_USAGE;
	}

	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: iccsctl %s %s%s%s\n", g->name,
			       c->name, *c->usage ? " " : "", c->usage);
			return CTL_OK;
		}
	}

	return c->h(ctl, argc - 1, argv + 1);
}


int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help",   no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctl ctl = { .conf_path = CONF_DEFAULT };
	int c, ret;

	log_setup(LOG_LVL_WARN, LOG_TARGET_STDERR, "iccsctl");

	/* "+": stop at the command, its options are its own */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {

		case 'c':
			ctl.conf_path = optarg;
			break;

		case 'h':
			help(stdout);
			return CTL_OK;

		default:
			ctl_fail("unknown option or missing value: %s",
				 argv[optind - 1]);
			help(stderr);
			return CTL_USAGE;
		}
	}

	if (optind >= argc) {
		help(stderr);
		return CTL_USAGE;
	}

	ret = run(&ctl, argc - optind, argv + optind);

	mem_deref(ctl.au);
	mem_deref(ctl.st);
	mem_deref(ctl.conf);

	return ret;
}
