/**
 * @file main.c  iccs-sim: the outside world of a control room, one
 * simulator per subcommand (DESIGN.md §6)
 */
#include <string.h>
#include <re.h>

int esn_main(int argc, char *argv[]);
int tetra_main(int argc, char *argv[]);
int cameras_main(int argc, char *argv[]);
int callers_main(int argc, char *argv[]);

static const struct cmd {
	const char *name;
	int (*main)(int argc, char *argv[]);
	const char *help;
} cmdv[] = {
	{"esn", esn_main, "simulated Emergency Services Network (MCPTT)"},
	{"tetra", tetra_main, "simulated TETRA terminal (PEI) and network"},
	{"cameras", cameras_main, "simulated PTZ cameras (RTSP + ONVIF)"},
	{"callers", callers_main, "simulated 999/101 callers on a SIP trunk"},
};

int main(int argc, char *argv[])
{
	int err, rc;

	for (size_t i = 0; argc > 1 && i < sizeof(cmdv) / sizeof(cmdv[0]);
	     i++) {
		if (strcmp(argv[1], cmdv[i].name))
			continue;
		err = libre_init();
		if (err) {
			re_fprintf(stderr, "iccs-sim: libre: %m\n", err);
			return 1;
		}
		rc = cmdv[i].main(argc - 1, argv + 1);
		libre_close();
		tmr_debug();
		mem_debug();
		return rc;
	}
	re_fprintf(stderr, "usage: iccs-sim COMMAND [ARGS]\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmdv) / sizeof(cmdv[0]); i++)
		re_fprintf(stderr, "  %-8s %s\n", cmdv[i].name, cmdv[i].help);
	return 2;
}
