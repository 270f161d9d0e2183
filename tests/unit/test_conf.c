/**
 * @file test_conf.c  Config loading: the demo loads, bad configs are
 * refused with the right line and reason, secret files are checked and
 * relative paths resolve against the config file's directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include "core/conf.h"
#include "core/secfile.h"

/* A small valid config; the bad cases below edit one spot of it, so their
 * expected line numbers are the line numbers in this text. */
static const char base[] =
	"node: {id: n1, state_dir: var}\n"                           /*  1 */
	"listen: {https: \"127.0.0.1:8443\"}\n"                      /*  2 */
	"tls: {cert: tls/server.pem, min_version: \"1.2\"}\n"        /*  3 */
	"security:\n"                                                /*  4 */
	"  audit_key: secrets/audit.key\n"                           /*  5 */
	"  run_as: iccs\n"                                           /*  6 */
	"  lockout_attempts: 5\n"                                    /*  7 */
	"web: {root: web}\n"                                         /*  8 */
	"sites:\n"                                                   /*  9 */
	"  - {id: s1, name: Site 1}\n"                               /* 10 */
	"  - {id: s2, name: Site 2}\n"                               /* 11 */
	"nodes:\n"                                                   /* 12 */
	"  - {id: n1, site: s1}\n"                                   /* 13 */
	"  - {id: n2, site: s2}\n"                                   /* 14 */
	"positions:\n"                                               /* 15 */
	"  - {id: P01, name: Pos 1, site: s1, node: n1, layout: l1}\n" /* 16 */
	"  - {id: P02, name: Pos 2, site: s2, node: n2, spare: true}\n" /* 17 */
	"layouts:\n"                                                 /* 18 */
	"  - {id: l1, name: L1, roles: [dispatcher], panels: [radio, map]}\n"
	"talkgroups:\n"                                              /* 20 */
	"  - {id: tg1, name: TG 1, roles: [dispatcher], tetra_gssi: 1001}\n"
	"queues:\n"                                                  /* 22 */
	"  - {id: q1, name: Q 1, roles: [calltaker], numbers: [\"999\"]}\n"
	"cameras:\n"                                                 /* 24 */
	"  - {id: c1, name: C 1, roles: [cctv], rtsp: \"rtsp://h/c1\"}\n"
	"wall_tiles:\n"                                              /* 26 */
	"  - {id: w1, name: W 1, roles: [cctv], wall: main, index: 1}\n"
	"intercoms:\n"                                               /* 28 */
	"  - {id: i1, name: I 1, roles: [calltaker], position: P02}\n";

struct bad {
	const char *find;   /* replaced in base; NULL: repl is the whole text */
	const char *repl;
	unsigned line;
	const char *why;
};

static const struct bad bads[] = {
	/* unknown keys, with a hint for a near miss */
	{"{https:", "{htps:", 2, "unknown key 'htps' in 'listen'"},
	{"{https:", "{htps:", 2, "did you mean 'https'"},
	{"web: {root: web}", "web: {root: web}\nwebb: 1", 9,
	 "unknown key 'webb' at top level"},
	{"spare: true", "spar: true", 17,
	 "unknown key 'spar' in 'positions[1]'"},
	/* types */
	{"lockout_attempts: 5", "lockout_attempts: five", 7,
	 "security.lockout_attempts: 'five' is not an integer"},
	{"lockout_attempts: 5", "lockout_attempts: \"5\"", 7,
	 "expected an integer"},
	{"spare: true", "spare: yes", 17, "expected true or false"},
	{"name: Site 1", "name: [Site, 1]", 10,
	 "sites[0].name: expected a string, not a list"},
	{"{https: \"127.0.0.1:8443\"}", "{https: [a]}", 2,
	 "listen.https: expected ip:port, not a list"},
	{"run_as: iccs", "run_as: {a: b}", 6,
	 "security.run_as: expected a user name, not a mapping"},
	{"listen: {https: \"127.0.0.1:8443\"}", "listen: 8443", 2,
	 "listen: expected a mapping, not a scalar"},
	{"sites:\n", "sites: s1\nx:\n", 9, "sites: expected a list"},
	/* bounds */
	{"lockout_attempts: 5", "lockout_attempts: 0", 7,
	 "security.lockout_attempts: 0 is out of range 1..20"},
	{"lockout_attempts: 5", "lockout_attempts: 99999999999999999999", 7,
	 "is out of range 1..20"},
	{"127.0.0.1:8443", "127.0.0.1:0", 2, "port '0' is out of range"},
	{"127.0.0.1:8443", "localhost:8443", 2, "is not ip:port"},
	{"{id: s1,", "{id: S_1,", 10, "'S_1' is not a valid id"},
	{"numbers: [\"999\"]", "numbers: [\"99x\"]", 23,
	 "not a telephone number"},
	{"index: 1", "index: 65", 27, "wall_tiles[0].index: 65 is out of "
	 "range 1..64"},
	/* security */
	{"min_version: \"1.2\"", "min_version: \"1.1\"", 3,
	 "tls.min_version: '1.1' is insecure (TLS 1.2 or newer required)"},
	{"min_version: \"1.2\"", "min_version: SSLv3", 3, "is insecure"},
	{"run_as: iccs", "run_as: root", 6,
	 "security.run_as: 'root' is not allowed"},
	/* references */
	{"{id: n2, site: s2}", "{id: n2, site: s3}", 14,
	 "nodes[1].site: unknown site 's3'"},
	{"node: n1, layout", "node: n9, layout", 16,
	 "positions[0].node: unknown node 'n9'"},
	{"node: n1, layout", "node: n2, layout", 16,
	 "positions[0].node: node 'n2' is at site 's2', not 's1'"},
	{"layout: l1}", "layout: l9}", 16,
	 "positions[0].layout: unknown layout 'l9'"},
	{"position: P02", "position: P09", 29,
	 "intercoms[0].position: unknown position 'P09'"},
	{"node: {id: n1,", "node: {id: n7,", 1, "node.id: unknown node 'n7'"},
	/* duplicates */
	{"{id: s2, name: Site 2}", "{id: s1, name: Site 2}", 11,
	 "sites[1].id: duplicate id 's1' (first used at line 10 by sites[0])"},
	{"{id: q1,", "{id: tg1,", 23,
	 "queues[0].id: duplicate id 'tg1' (first used at line 21 by "
	 "talkgroups[0])"},
	{"  run_as: iccs\n", "  run_as: iccs\n  run_as: nobody\n", 7,
	 "duplicate key 'run_as' in 'security' (first at line 6)"},
	{"panels: [radio, map]", "panels: [radio, radio]", 19,
	 "'radio' is listed twice"},
	/* names */
	{"roles: [dispatcher], panels", "roles: [dispatch], panels", 19,
	 "layouts[0].roles: unknown role 'dispatch'"},
	{"panels: [radio, map]", "panels: [radio, mapp]", 19,
	 "layouts[0].panels: unknown panel 'mapp'"},
	/* missing */
	{"cert: tls/server.pem, ", "", 3, "tls: missing required key 'cert'"},
	{"web: {root: web}\n", "", 1, "missing required section 'web'"},
	{"audit_key: secrets/audit.key", "audit_key:", 5,
	 "security.audit_key: a value is required"},
	{"  - {id: s1, name: Site 1}\n  - {id: s2, name: Site 2}\n", "  []\n",
	 10, "sites: the list is empty"},
	/* item rules */
	{"tetra_gssi: 1001}", "tetra_gssi: 1001, preferred_bearer: esn}", 21,
	 "'esn' but no esn_group is configured"},
	{", tetra_gssi: 1001}", "}", 21, "needs esn_group or tetra_gssi"},
	{", rtsp: \"rtsp://h/c1\"}", "}", 25, "needs rtsp or onvif"},
	{"rtsp://h/c1", "http://h/c1", 25, "is not a URL starting with"},
	/* YAML itself */
	{"web: {root: web}", "web: &w {root: web}", 8,
	 "anchors (&w) are not allowed"},
	{"web: {root: web}", "web: {root: *w}", 8,
	 "aliases (*w) are not allowed"},
	{"web: {root: web}", "web: {root: !!str web}", 8,
	 "tags (tag:yaml.org,2002:str) are not allowed"},
	{"  run_as: iccs\n", "  run_as: iccs: x\n", 6, "syntax error"},
	{"listen: {https: \"127.0.0.1:8443\"}",
	 "listen: {https: \"127.0.0.1:8443\"", 3, "syntax error"},
	{"intercoms:\n", "---\nintercoms:\n", 28, "more than one document"},
	{"web: {root: web}", "web: {root: \"w\\0b\"}", 8, "NUL character"},
	{"web: {root: web}", "web: {? [a]: b}", 8,
	 "a mapping key must be a plain string"},
	{NULL, "", 1, "the configuration is empty"},
	{NULL, "# only a comment\n", 1, "the configuration is empty"},
	{NULL, "- a\n- b\n", 1, "expected a mapping of sections"},
	{NULL, "a: [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]\n", 1,
	 "nested deeper than 16 levels"},
	{NULL, "\xff\xfe\n", 1, "invalid input"},
};


static char *edit(const char *find, const char *repl)
{
	const char *at;
	char *s = NULL;

	if (!find) {
		assert_int_equal(0, str_dup(&s, repl));
		return s;
	}

	at = strstr(base, find);
	assert_non_null(at);
	assert_int_equal(0, re_sdprintf(&s, "%b%s%s", base,
					(size_t)(at - base), repl,
					at + strlen(find)));
	return s;
}


static void test_base_loads(void **state)
{
	struct conf *c = NULL;
	char err[256];
	const struct conf_resource *r;
	int e;

	(void)state;

	e = conf_load_buf(&c, "t.yaml", base, strlen(base), 0, err,
			  sizeof(err));
	if (e)
		fail_msg("base config refused: %s", err);

	/* defaults */
	assert_int_equal(12, c->tls_min_version);
	assert_int_equal(15 * 60, c->lockout_secs);
	assert_int_equal(720 * 60, c->session_idle_secs);
	assert_string_equal("info", c->log_level);
	assert_string_equal("stderr", c->log_target);
	assert_false(conf_position(c, "P01")->spare);
	assert_null(conf_position(c, "P02")->layout);

	r = conf_resource(c, "tg1");
	assert_non_null(r);
	assert_string_equal("tetra", json_string_value(
		json_object_get(r->attrs, "preferred_bearer")));
	assert_int_equal(5, json_integer_value(
		json_object_get(conf_resource(c, "q1")->attrs, "priority")));
	assert_true(json_is_false(
		json_object_get(conf_resource(c, "c1")->attrs, "ptz")));

	mem_deref(c);
}


static void test_bad_configs(void **state)
{
	char err[512], want[32];

	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];
		struct conf *c = NULL;
		char *text = edit(b->find, b->repl);
		int e;

		e = conf_load_buf(&c, "t.yaml", text, strlen(text), 0, err,
				  sizeof(err));
		mem_deref(text);

		re_snprintf(want, sizeof(want), "t.yaml:%u: ", b->line);
		if (e != EINVAL || strncmp(err, want, strlen(want)) ||
		    !strstr(err, b->why))
			fail_msg("case %zu (%s): e=%d, got \"%s\", want "
				 "\"%s...%s\"", i, b->repl, e, err, want,
				 b->why);
		assert_null(c);
	}
}


/* Every value of the base config replaced by values of every other shape:
 * each variant is accepted or refused with a reason, never a crash (the
 * fuzzer explores the rest). */
static void test_every_value_mutated(void **state)
{
	static const char *subst[] = {
		"[x]", "{x: 1}", "", "~", "\"\"", "-1", "0", "true",
		"99999999999999999999999", "\"\xc3\xa9\"", "[]", "{}",
	};
	size_t tried = 0;

	(void)state;

	for (const char *p = base; (p = strstr(p, ": ")); p += 2) {
		size_t at = (size_t)(p - base) + 2;
		size_t len = strcspn(base + at, ",}\n");

		for (size_t i = 0; i < ARRAY_SIZE(subst); i++) {
			struct conf *c = NULL;
			char err[256] = "", *text = NULL;
			int e;

			assert_int_equal(0, re_sdprintf(&text, "%b%s%s", base,
							at, subst[i],
							base + at + len));
			e = conf_load_buf(&c, "m.yaml", text, strlen(text), 0,
					  err, sizeof(err));
			if (e && (e != EINVAL || strncmp(err, "m.yaml:", 7)))
				fail_msg("%s -> e=%d err=%s", text, e, err);
			mem_deref(c);
			mem_deref(text);
			++tried;
		}
	}

	assert_int_equal(ARRAY_SIZE(subst) * 56, tried);  /* 56 values */
}


static void test_too_large(void **state)
{
	size_t len = 1024 * 1024 + 1;
	char *buf = malloc(len);
	struct conf *c = NULL;
	char err[256];

	(void)state;
	assert_non_null(buf);
	memset(buf, '#', len);

	assert_int_equal(EINVAL, conf_load_buf(&c, "big.yaml", buf, len, 0,
					       err, sizeof(err)));
	assert_non_null(strstr(err, "larger than 1 MiB"));
	assert_null(c);
	free(buf);
}


static void test_demo(void **state)
{
	const char *src = getenv("ICCS_SRCDIR");
	const struct conf_position *p;
	const struct conf_resource *r;
	struct conf *c = NULL;
	char path[512], err[512];
	size_t spares = 0;
	int e;

	(void)state;

	re_snprintf(path, sizeof(path), "%s/etc/demo.yaml", src ? src : ".");
	e = conf_load(&c, path, 0, err, sizeof(err));
	if (e)
		fail_msg("demo refused: %s", err);

	assert_string_equal("lambeth-1", c->node_id);
	assert_string_equal("127.0.0.1:8443", c->https_addr);
	assert_int_equal(4, c->sitec);
	assert_int_equal(4, c->nodec);
	assert_int_equal(5, c->layoutc);
	assert_true(c->positionc >= 10);
	for (size_t i = 0; i < c->positionc; i++)
		spares += c->positions[i].spare;
	assert_int_equal(2, spares);
	assert_string_equal("Hendon", conf_site(c, "hendon")->name);
	assert_string_equal("bow", conf_node(c, "bow-1")->site);

	p = conf_position(c, "L01");
	assert_non_null(p);
	assert_non_null(conf_layout(c, p->layout));

	r = conf_resource(c, "q999");
	assert_int_equal(RES_QUEUE, r->type);
	assert_int_equal(ROLE_CALLTAKER | ROLE_SUPERVISOR, r->roles);
	assert_string_equal("999", json_string_value(json_array_get(
		json_object_get(r->attrs, "numbers"), 0)));
	assert_true(json_is_true(json_object_get(
		conf_resource(c, "cam-lam-01")->attrs, "ptz")));
	assert_null(conf_resource(c, "nope"));

	/* paths are relative to etc/, not to where the test runs */
	assert_non_null(strstr(c->tls_cert, "/etc/../var/demo/tls/"));
	assert_int_equal('/', c->web_root[0]);

	mem_deref(c);
}


/* ---- files: secfile_check and CONF_CHECK_FILES ---- */

struct tree {
	char dir[64];
};


static void put(const char *dir, const char *name, const char *text,
		mode_t mode)
{
	char path[256];
	FILE *f;

	re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(0, chmod(path, mode));
}


static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char p[128];

	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/test_conf.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;

	re_snprintf(p, sizeof(p), "%s/tls", t->dir);
	mkdir(p, 0700);
	re_snprintf(p, sizeof(p), "%s/secrets", t->dir);
	mkdir(p, 0700);
	re_snprintf(p, sizeof(p), "%s/web", t->dir);
	mkdir(p, 0755);
	put(t->dir, "tls/server.pem", "not really a PEM\n", 0644);
	put(t->dir, "secrets/audit.key", "0123456789abcdef0123456789abcdef",
	    0600);
	put(t->dir, "conf.yaml", base, 0644);

	*state = t;
	return 0;
}


static int tree_teardown(void **state)
{
	struct tree *t = *state;
	static const char *files[] = {
		"tls/server.pem", "secrets/audit.key", "conf.yaml", "bad.yaml",
		"tls", "secrets", "web", "",
	};
	char p[128];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		re_snprintf(p, sizeof(p), "%s/%s", t->dir, files[i]);
		(void)remove(p);
	}
	free(t);
	return 0;
}


static void test_secfile(void **state)
{
	struct tree *t = *state;
	char path[128], why[256];
	uint8_t *buf = NULL;
	size_t len = 0;

	re_snprintf(path, sizeof(path), "%s/tls/server.pem", t->dir);
	assert_int_not_equal(0, secfile_check(path, why, sizeof(why)));
	assert_non_null(strstr(why, "is readable by others (chmod 600)"));
	assert_int_not_equal(0, secfile_read(path, &buf, &len));
	assert_null(buf);

	assert_int_equal(0, chmod(path, 0640));
	assert_int_not_equal(0, secfile_check(path, why, sizeof(why)));
	assert_non_null(strstr(why, "readable by its group"));

	assert_int_equal(0, chmod(path, 0600));
	assert_int_equal(0, secfile_check(path, why, sizeof(why)));
	assert_int_equal(0, secfile_read(path, &buf, &len));
	assert_int_equal(strlen("not really a PEM\n"), len);
	assert_memory_equal("not really a PEM\n", buf, len);
	mem_deref(buf);

	/* a directory is not a key file */
	re_snprintf(path, sizeof(path), "%s/tls", t->dir);
	assert_int_not_equal(0, secfile_check(path, why, sizeof(why)));
	assert_non_null(strstr(why, "not a regular file"));

	re_snprintf(path, sizeof(path), "%s/nope", t->dir);
	assert_int_equal(ENOENT, secfile_check(path, why, sizeof(why)));
}


static void test_check_files(void **state)
{
	struct tree *t = *state;
	char conf[128], want[256], err[512], pem[128];
	struct conf *c = NULL;

	re_snprintf(conf, sizeof(conf), "%s/conf.yaml", t->dir);
	re_snprintf(pem, sizeof(pem), "%s/tls/server.pem", t->dir);
	assert_int_equal(0, chmod(pem, 0644));

	/* without the flag no file is looked at */
	assert_int_equal(0, conf_load(&c, conf, 0, err, sizeof(err)));
	c = mem_deref(c);

	assert_int_equal(EINVAL, conf_load(&c, conf, CONF_CHECK_FILES, err,
					   sizeof(err)));
	re_snprintf(want, sizeof(want), "%s:3: tls.cert: %s is readable by "
		    "others (chmod 600)", conf, pem);
	assert_string_equal(want, err);
	assert_null(c);

	assert_int_equal(0, chmod(pem, 0600));
	if (conf_load(&c, conf, CONF_CHECK_FILES, err, sizeof(err)))
		fail_msg("refused: %s", err);

	/* relative paths resolved against the config file's directory;
	 * state_dir 'var' does not exist yet but its parent does */
	re_snprintf(want, sizeof(want), "%s/tls/server.pem", t->dir);
	assert_string_equal(want, c->tls_cert);
	re_snprintf(want, sizeof(want), "%s/secrets/audit.key", t->dir);
	assert_string_equal(want, c->audit_key);
	re_snprintf(want, sizeof(want), "%s/var", t->dir);
	assert_string_equal(want, c->state_dir);
	re_snprintf(want, sizeof(want), "%s/var/iccs.db", t->dir);
	assert_string_equal(want, c->store_path);
	re_snprintf(want, sizeof(want), "%s/web", t->dir);
	assert_string_equal(want, c->web_root);
	c = mem_deref(c);
}


static void test_check_dirs(void **state)
{
	struct tree *t = *state;
	char conf[128], err[512], *text;
	struct conf *c = NULL;

	re_snprintf(conf, sizeof(conf), "%s/tls/server.pem", t->dir);
	assert_int_equal(0, chmod(conf, 0600));
	re_snprintf(conf, sizeof(conf), "%s/bad.yaml", t->dir);

	text = edit("web: {root: web}", "web: {root: www}");
	put(t->dir, "bad.yaml", text, 0644);
	mem_deref(text);
	assert_int_equal(EINVAL, conf_load(&c, conf, CONF_CHECK_FILES, err,
					   sizeof(err)));
	assert_non_null(strstr(err, ":8: web.root: "));
	assert_non_null(strstr(err, "/www: No such file"));

	text = edit("state_dir: var", "state_dir: a/b/c");
	put(t->dir, "bad.yaml", text, 0644);
	mem_deref(text);
	assert_int_equal(EINVAL, conf_load(&c, conf, CONF_CHECK_FILES, err,
					   sizeof(err)));
	assert_non_null(strstr(err, ":1: node.state_dir: neither "));

	text = edit("audit_key: secrets/audit.key", "audit_key: /nonexistent");
	put(t->dir, "bad.yaml", text, 0644);
	mem_deref(text);
	assert_int_equal(EINVAL, conf_load(&c, conf, CONF_CHECK_FILES, err,
					   sizeof(err)));
	assert_non_null(strstr(err, ":5: security.audit_key: /nonexistent: "
			       "No such file"));
	assert_null(c);
}


static void test_buf_paths(void **state)
{
	struct conf *c = NULL;
	char cwd[512], want[600], err[256], *text;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));

	text = edit("web: {root: web}", "web: {root: /srv/www}");
	assert_int_equal(0, conf_load_buf(&c, "t.yaml", text, strlen(text),
					  0, err, sizeof(err)));
	mem_deref(text);

	re_snprintf(want, sizeof(want), "%s/tls/server.pem", cwd);
	assert_string_equal(want, c->tls_cert);
	assert_string_equal("/srv/www", c->web_root);
	mem_deref(c);

	/* "./var/" is "var": the store default lies in state_dir */
	text = edit("state_dir: var", "state_dir: ./var/");
	assert_int_equal(0, conf_load_buf(&c, "t.yaml", text, strlen(text),
					  0, err, sizeof(err)));
	mem_deref(text);
	re_snprintf(want, sizeof(want), "%s/var", cwd);
	assert_string_equal(want, c->state_dir);
	re_snprintf(want, sizeof(want), "%s/var/iccs.db", cwd);
	assert_string_equal(want, c->store_path);
	mem_deref(c);

	/* a missing file is an error with the file name, no line */
	assert_int_equal(ENOENT, conf_load(&c, "/nonexistent/x.yaml", 0, err,
					   sizeof(err)));
	assert_string_equal("/nonexistent/x.yaml: No such file or directory",
			    err);
}


static void test_roles(void **state)
{
	uint32_t m = 0, r = 0;
	char buf[64];
	json_t *j;

	(void)state;

	assert_int_equal(0, role_parse(&r, "cctv"));
	assert_int_equal(ROLE_CCTV, r);
	assert_int_equal(EINVAL, role_parse(&r, "root"));
	assert_string_equal("supervisor", role_name(ROLE_SUPERVISOR));

	assert_int_equal(0, roles_parse(&m, "dispatcher, supervisor"));
	assert_int_equal(ROLE_DISPATCHER | ROLE_SUPERVISOR, m);
	assert_int_equal(EINVAL, roles_parse(&m, "dispatcher,,admin"));
	assert_int_equal(EINVAL, roles_parse(&m, "dispatcher,boss"));
	assert_int_equal(0, roles_parse(&m, ""));
	assert_int_equal(0, m);

	assert_int_equal(0, roles_print(buf, sizeof(buf), ROLE_ALL));
	assert_string_equal("calltaker,dispatcher,supervisor,cctv,admin",
			    buf);
	assert_int_equal(0, roles_parse(&m, buf));
	assert_int_equal(ROLE_ALL, m);
	assert_int_not_equal(0, roles_print(buf, 8, ROLE_ALL));

	j = roles_json(ROLE_CALLTAKER | ROLE_ADMIN);
	assert_int_equal(2, json_array_size(j));
	assert_string_equal("admin", json_string_value(json_array_get(j, 1)));
	json_decref(j);

	assert_true(conf_panel_known("intercom"));
	assert_false(conf_panel_known("radios"));
	assert_string_equal("wall_tile", conf_res_type_name(RES_WALL_TILE));
}


static void test_schema_print(void **state)
{
	char *s = NULL;

	(void)state;

	assert_int_equal(0, re_sdprintf(&s, "%H", conf_schema_print, NULL));
	assert_non_null(strstr(s, "security.lockout_attempts"));
	assert_non_null(strstr(s, "integer 1..20, default 5"));
	assert_non_null(strstr(s, "positions[].layout"));
	assert_non_null(strstr(s, "intercoms[].position"));
	mem_deref(s);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_loads),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_every_value_mutated),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_demo),
		cmocka_unit_test_setup_teardown(test_secfile, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_check_files, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_check_dirs, tree_setup,
						tree_teardown),
		cmocka_unit_test(test_buf_paths),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_schema_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
