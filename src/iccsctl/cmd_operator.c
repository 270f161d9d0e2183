/**
 * @file cmd_operator.c  iccsctl operator ...: accounts
 *
 * A password never comes from argv (every user on the host can read a
 * command line): it is read from a file, standard input or the terminal.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/store.h"
#include "auth/passwd.h"
#include "auth/operator.h"
#include "iccsctl/iccsctl.h"

enum { PW_BUF = 1024 };

static struct termios tty_saved;


/* ---- password input ---------------------------------------------------*/

/* Unbuffered, so no copy of the password stays in a stdio buffer */
static int read_line(FILE *f, char *buf, size_t sz)
{
	size_t n;

	setvbuf(f, NULL, _IONBF, 0);
	if (!fgets(buf, (int)sz, f))
		return ferror(f) ? EIO : ENODATA;

	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		return EMSGSIZE;
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';

	return n ? 0 : ENODATA;
}


static void tty_restore(int sig)
{
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &tty_saved);
	_exit(128 + sig);
}


static int prompt(const char *what, char *buf, size_t sz)
{
	struct sigaction sa = { .sa_handler = tty_restore }, oint, oterm;
	struct termios noecho;
	int err;

	if (tcgetattr(STDIN_FILENO, &tty_saved))
		return errno;
	noecho = tty_saved;
	noecho.c_lflag &= ~(tcflag_t)ECHO;

	/* ^C at the prompt must not leave the terminal without echo */
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);

	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	err = read_line(stdin, buf, sz);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	fputc('\n', stderr);

	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	return err;
}


static int read_file(const char *path, char *buf, size_t sz)
{
	struct stat s;
	FILE *f;
	int err;

	f = fopen(path, "re");
	if (!f)
		return errno;

	if (!fstat(fileno(f), &s) && (s.st_mode & 077))
		fprintf(stderr, "iccsctl: warning: %s can be read by other "
			"users: delete it now\n", path);

	err = read_line(f, buf, sz);
	fclose(f);
	return err;
}


static int tty_twice(const char *user, char *buf, size_t sz)
{
	char again[PW_BUF], what[128];
	int err;

	(void)re_snprintf(what, sizeof(what), "New password for %s", user);
	err = prompt(what, buf, sz);
	if (!err)
		err = prompt("Repeat the password", again, sizeof(again));
	if (!err && strcmp(buf, again)) {
		ctl_fail("the passwords do not match");
		err = EINVAL;
	}

	OPENSSL_cleanse(again, sizeof(again));
	return err;
}


/* file: path, "-" for stdin, or NULL: ask on the terminal (or read stdin
 * when it is not one).  Checks the policy; prints why it failed. */
static int get_password(const char *user, const char *file, char *buf,
			size_t sz)
{
	char why[128];
	int err;

	if (file && strcmp(file, "-"))
		err = read_file(file, buf, sz);
	else if (!file && isatty(STDIN_FILENO))
		err = tty_twice(user, buf, sz);
	else
		err = read_line(stdin, buf, sz);

	if (err == EINVAL)
		return err;
	if (err == ENODATA) {
		ctl_fail("no password given");
		return err;
	}
	if (err) {
		ctl_fail("reading the password%s%s: %s", file ? " from " : "",
			 file ? file : "", err == EMSGSIZE ? "too long" :
			 strerror(err));
		return err;
	}

	err = passwd_policy_check(buf, why, sizeof(why));
	if (err)
		ctl_fail("%s", why);
	return err;
}


/* ---- helpers -----------------------------------------------------------*/

static int op_fail(const char *user, int err)
{
	switch (err) {

	case ENOENT: return ctl_fail("no operator \"%s\"", user);
	case EEXIST: return ctl_fail("operator \"%s\" exists", user);
	default:     return ctl_fail("operator %s: %s", user, strerror(err));
	}
}


/* Audit the outcome of a change (consumes detail), then report it */
static int finish(struct ctl *ctl, const char *action, const char *user,
		  int err, json_t *detail, const char *done)
{
	int e = ctl_audit(ctl, action, user, err, detail);

	json_decref(detail);
	if (err)
		return op_fail(user, err);
	if (e)
		return CTL_ERR;

	printf("operator %s %s\n", user, done);
	return CTL_OK;
}


/* Only USER after the options, and options parsed already */
static const char *one_user(int argc, char *argv[], int optc)
{
	return optc == argc - 1 ? argv[optc] : NULL;
}


static int roles_arg(uint32_t *mask, const char *csv)
{
	if (roles_parse(mask, csv) || !*mask) {
		ctl_fail("bad roles \"%s\": give one or more of calltaker, "
			 "dispatcher, supervisor, cctv, admin", csv);
		return EINVAL;
	}
	return 0;
}


/* ---- commands ----------------------------------------------------------*/

struct add_args {
	const char *user, *roles, *name, *skills, *pwfile;
	int prio;
};


static int add_parse(struct add_args *a, int argc, char *argv[])
{
	static const struct option lo[] = {
		{"roles",         required_argument, NULL, 'r'},
		{"name",          required_argument, NULL, 'n'},
		{"ptz-priority",  required_argument, NULL, 'p'},
		{"skills",        required_argument, NULL, 's'},
		{"password-file", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	while ((c = ctl_getopt(argc, argv, "r:n:p:s:f:", lo)) != -1) {
		switch (c) {

		case 'r': a->roles = optarg;  break;
		case 'n': a->name = optarg;   break;
		case 's': a->skills = optarg; break;
		case 'f': a->pwfile = optarg; break;
		case 'p':
			a->prio = (int)strtol(optarg, &end, 10);
			if (*end || !*optarg || a->prio < 0 || a->prio > 100) {
				ctl_fail("--ptz-priority: 0 to 100");
				return CTL_ERR;
			}
			break;
		default:
			return CTL_USAGE;
		}
	}

	a->user = one_user(argc, argv, optind);
	return a->user && a->roles ? CTL_OK : CTL_USAGE;
}


static int cmd_add(struct ctl *ctl, int argc, char *argv[])
{
	struct add_args a = { .name = "", .skills = "" };
	struct operator_rec rec;
	char pw[PW_BUF];
	uint32_t roles;
	int err, ret;

	ret = add_parse(&a, argc, argv);
	if (ret)
		return ret == CTL_USAGE ? ctl_usage("operator", "add") : ret;

	if (!operator_name_valid(a.user))
		return ctl_fail("bad username \"%s\": 1-63 of a-z 0-9 . _ -, "
				"starting with a letter", a.user);
	if (roles_arg(&roles, a.roles) || ctl_open(ctl))
		return CTL_ERR;

	/* before asking for a password that would go nowhere */
	if (!operator_get(ctl->st, a.user, &rec))
		return op_fail(a.user, EEXIST);

	if (get_password(a.user, a.pwfile, pw, sizeof(pw)))
		return CTL_ERR;

	err = operator_add(ctl->st, a.user, a.name, roles, a.prio, a.skills,
			   pw);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (err == EINVAL)
		return ctl_fail("operator %s: bad display name or skills "
				"(skills: comma separated a-z 0-9 . _ -)",
				a.user);

	return finish(ctl, "operator.add", a.user, err,
		      json_pack("{s:s, s:o, s:i, s:s}", "display_name", a.name,
				"roles", roles_json(roles), "ptz_priority",
				a.prio, "skills", a.skills), "added");
}


static int cmd_remove(struct ctl *ctl, int argc, char *argv[])
{
	const char *user = argc == 2 ? argv[1] : NULL;

	if (!user)
		return ctl_usage("operator", "remove");
	if (ctl_open(ctl))
		return CTL_ERR;

	return finish(ctl, "operator.remove", user,
		      operator_remove(ctl->st, user), NULL, "removed");
}


static int set_lock(struct ctl *ctl, int argc, char *argv[], bool lock)
{
	const char *user = argc == 2 ? argv[1] : NULL;

	if (!user)
		return ctl_usage("operator", argv[0]);
	if (ctl_open(ctl))
		return CTL_ERR;

	return finish(ctl, lock ? "operator.lock" : "operator.unlock", user,
		      operator_set_locked(ctl->st, user, lock), NULL,
		      lock ? "locked" : "unlocked");
}


static int cmd_lock(struct ctl *ctl, int argc, char *argv[])
{
	return set_lock(ctl, argc, argv, true);
}


static int cmd_unlock(struct ctl *ctl, int argc, char *argv[])
{
	return set_lock(ctl, argc, argv, false);
}


static int cmd_passwd(struct ctl *ctl, int argc, char *argv[])
{
	static const struct option lo[] = {
		{"password-file", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct operator_rec rec;
	const char *user, *file = NULL;
	char pw[PW_BUF];
	int c, err;

	while ((c = ctl_getopt(argc, argv, "f:", lo)) != -1) {
		if (c != 'f')
			return ctl_usage("operator", "passwd");
		file = optarg;
	}
	user = one_user(argc, argv, optind);
	if (!user)
		return ctl_usage("operator", "passwd");
	if (ctl_open(ctl))
		return CTL_ERR;

	err = operator_get(ctl->st, user, &rec);
	if (err)
		return op_fail(user, err);

	if (get_password(user, file, pw, sizeof(pw)))
		return CTL_ERR;

	err = operator_set_password(ctl->st, user, pw);
	OPENSSL_cleanse(pw, sizeof(pw));

	return finish(ctl, "operator.passwd", user, err, NULL,
		      "password changed");
}


static int cmd_roles(struct ctl *ctl, int argc, char *argv[])
{
	struct operator_rec rec;
	uint32_t roles;
	int err;

	if (argc != 3)
		return ctl_usage("operator", "roles");
	if (roles_arg(&roles, argv[2]) || ctl_open(ctl))
		return CTL_ERR;

	err = operator_get(ctl->st, argv[1], &rec);
	if (err)
		return op_fail(argv[1], err);

	err = operator_set_roles(ctl->st, argv[1], roles);

	return finish(ctl, "operator.roles", argv[1], err,
		      json_pack("{s:o, s:o}", "roles", roles_json(roles),
				"previous", roles_json(rec.roles)),
		      "roles changed");
}


/* ---- list --------------------------------------------------------------*/

static const char *state_text(char *buf, size_t sz, json_t *op)
{
	long long until = json_integer_value(json_object_get(op,
							     "locked_until"));

	if (json_is_true(json_object_get(op, "locked")))
		return "locked";
	if (until) {
		char t[32];
		ctl_time(t, sizeof(t), until * 1000);
		(void)re_snprintf(buf, sz, "locked until %s", t);
		return buf;
	}
	return "active";
}


static json_t *join(json_t *arr)
{
	char buf[512] = "";
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v) {
		n += (size_t)re_snprintf(buf + n, sizeof(buf) - n, "%s%s",
					 i ? "," : "", json_string_value(v));
		if (n >= sizeof(buf))
			break;
	}
	return json_string(buf);
}


static json_t *op_row(json_t *op)
{
	char prio[16], failed[16], state[64];

	(void)re_snprintf(prio, sizeof(prio), "%lld", (long long)
			  json_integer_value(json_object_get(op,
							     "ptz_priority")));
	(void)re_snprintf(failed, sizeof(failed), "%lld", (long long)
			  json_integer_value(json_object_get(op,
							     "failed_count")));

	return json_pack("[O,O,o,s,o,s,s]",
			 json_object_get(op, "username"),
			 json_object_get(op, "display_name"),
			 join(json_object_get(op, "roles")), prio,
			 join(json_object_get(op, "skills")),
			 state_text(state, sizeof(state), op), failed);
}


static int cmd_list(struct ctl *ctl, int argc, char *argv[])
{
	bool js = argc == 2 && !strcmp(argv[1], "--json");
	json_t *ops, *rows;
	size_t i;
	json_t *op;
	int err;

	if (argc > 2 || (argc == 2 && !js))
		return ctl_usage("operator", "list");
	if (ctl_open(ctl))
		return CTL_ERR;

	err = operator_list(ctl->st, &ops);
	if (err)
		return ctl_fail("listing operators: %s", strerror(err));

	if (js) {
		json_t *o = json_pack("{s:o}", "operators", ops);
		ctl_print_json(o);
		json_decref(o);
		return CTL_OK;
	}

	rows = json_pack("[[s,s,s,s,s,s,s]]", "USERNAME", "NAME", "ROLES",
			 "PTZ", "SKILLS", "STATE", "FAILED");
	json_array_foreach(ops, i, op)
		json_array_append_new(rows, op_row(op));

	ctl_table(rows);
	json_decref(rows);
	json_decref(ops);
	return CTL_OK;
}


static const struct ctl_cmd cmds[] = {
	{"add",    cmd_add,    "USER --roles r1,r2 [--name \"Full Name\"] "
	 "[--ptz-priority N] [--skills a,b] [--password-file F|-]"},
	{"remove", cmd_remove, "USER"},
	{"lock",   cmd_lock,   "USER"},
	{"unlock", cmd_unlock, "USER"},
	{"passwd", cmd_passwd, "USER [--password-file F|-]"},
	{"roles",  cmd_roles,  "USER r1,r2"},
	{"list",   cmd_list,   "[--json]"},
};

const struct ctl_group ctl_group_operator = {
	"operator", cmds, ARRAY_SIZE(cmds)
};
