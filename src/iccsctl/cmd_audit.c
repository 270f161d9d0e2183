/**
 * @file cmd_audit.c  iccsctl audit verify, audit export
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <jansson.h>
#include "core/audit.h"
#include "iccsctl/iccsctl.h"


static void problem_print(uint64_t seq, const char *what, void *arg)
{
	unsigned *n = arg;

	++*n;
	printf("seq %" PRIu64 ": %s\n", seq, what);
}


static int cmd_verify(struct ctl *ctl, int argc, char *argv[])
{
	unsigned problems = 0;
	uint64_t count = 0;
	int err;

	if (argc != 1)
		return ctl_usage("audit", "verify");
	if (ctl_open(ctl))
		return CTL_ERR;

	err = audit_verify(ctl->au, problem_print, &problems, &count);
	if (err && err != EBADMSG)
		return ctl_fail("audit verify: %s", strerror(err));

	if (problems) {
		printf("audit chain BROKEN: %u problem%s\n", problems,
		       problems == 1 ? "" : "s");
		return CTL_ERR;
	}

	printf("audit chain intact: %" PRIu64 " entries\n", count);
	return CTL_OK;
}


/* The trail names people and what they did: the copy is 0600 too */
static FILE *export_open(const char *path)
{
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;

	f = fdopen(fd, "w");
	if (!f)
		(void)close(fd);
	return f;
}


static int cmd_export(struct ctl *ctl, int argc, char *argv[])
{
	const char *path = argc == 2 ? argv[1] : "-";
	bool out = !strcmp(path, "-");
	FILE *f;
	int err;

	if (argc > 2)
		return ctl_usage("audit", "export");
	if (ctl_open(ctl))
		return CTL_ERR;

	f = out ? stdout : export_open(path);
	if (!f)
		return ctl_fail("%s: %s", path, strerror(errno));

	err = audit_export(ctl->au, f);
	if (!out && fclose(f) && !err)
		err = errno;
	if (err)
		return ctl_fail("audit export to %s: %s", out ? "stdout" :
				path, strerror(err));

	return CTL_OK;
}


static const struct ctl_cmd cmds[] = {
	{"verify", cmd_verify, ""},
	{"export", cmd_export, "[FILE|-]"},
};

const struct ctl_group ctl_group_audit = {
	"audit", cmds, ARRAY_SIZE(cmds)
};
