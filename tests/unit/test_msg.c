/**
 * @file test_msg.c  Control message envelope and schema checks
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <jansson.h>
#include "api/api.h"
#include "api/api_int.h"

static const struct api_field fields[] = {
	{"camera", FT_STR,    true,  1, 8},
	{"pan",    FT_NUM,    false, -1, 1},
	{"limit",  FT_INT,    false, 1, 500},
	{"on",     FT_BOOL,   false, 0, 0},
	{"roles",  FT_STRARR, false, 1, 3},
	{NULL}
};

static const struct {
	const char *text;
	int code;              /* 0: accepted */
	const char *reason;    /* substring of the reason */
} cases[] = {
	{"{\"op\":\"x\",\"id\":1,\"camera\":\"c1\"}",           0,   NULL},
	{"{\"op\":\"x\",\"camera\":\"c1\",\"pan\":-0.5,"
	 "\"limit\":500,\"on\":true,\"roles\":[\"a\"]}",        0,   NULL},
	{"not json",                                   400, "invalid JSON"},
	{"[1,2]",                                      400, "JSON object"},
	{"{\"id\":1}",                                 400, "'op'"},
	{"{\"op\":7}",                                 400, "'op'"},
	{"{\"op\":\"x\",\"id\":-1,\"camera\":\"c\"}",  400, "'id'"},
	{"{\"op\":\"x\",\"id\":\"1\",\"camera\":\"c\"}", 400, "'id'"},
	{"{\"op\":\"x\",\"op\":\"y\",\"camera\":\"c\"}", 400, "duplicate"},
	{"{\"op\":\"x\"}",                             400, "missing field 'camera'"},
	{"{\"op\":\"x\",\"camera\":5}",                400, "'camera' must be string"},
	{"{\"op\":\"x\",\"camera\":\"\"}",             400, "'camera' must have"},
	{"{\"op\":\"x\",\"camera\":\"123456789\"}",    400, "'camera' must have"},
	{"{\"op\":\"x\",\"camera\":\"a\\u0000b\"}",    400, "u0000"},
	{"{\"op\":\"x\",\"camera\":\"c\",\"pan\":1.5}", 400, "'pan' out of range"},
	{"{\"op\":\"x\",\"camera\":\"c\",\"limit\":0}", 400, "'limit' out of range"},
	{"{\"op\":\"x\",\"camera\":\"c\",\"limit\":1.5}", 400, "'limit' must be integer"},
	{"{\"op\":\"x\",\"camera\":\"c\",\"on\":1}",   400, "'on' must be boolean"},
	{"{\"op\":\"x\",\"camera\":\"c\",\"roles\":[]}", 400, "'roles' must have"},
	{"{\"op\":\"x\",\"camera\":\"c\",\"roles\":[1]}", 400, "'roles'[0]"},
	{"{\"op\":\"x\",\"camera\":\"c\",\"zoom\":1}", 400, "unknown field 'zoom'"},
};


static void table_of_messages(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct api_err e = {0};
		json_t *msg = NULL;
		int err;

		int64_t id;

		err = api_msg_decode(&msg, &id, cases[i].text,
				     strlen(cases[i].text),
				     &e);
		if (!err)
			err = api_msg_check(fields, msg, &e);
		json_decref(msg);

		if (err != cases[i].code)
			fail_msg("case %zu (%s): code %d, want %d (%s)", i,
				 cases[i].text, err, cases[i].code, e.reason);
		if (cases[i].reason && !strstr(e.reason, cases[i].reason))
			fail_msg("case %zu: reason '%s' lacks '%s'", i,
				 e.reason, cases[i].reason);
	}
}


static void oversize_refused(void **state)
{
	size_t len = API_MSG_MAX + 1;
	char *buf = malloc(len);
	struct api_err e = {0};
	json_t *msg = NULL;

	(void)state;
	memset(buf, ' ', len);
	int64_t id;

	assert_int_equal(api_msg_decode(&msg, &id, buf, len, &e), 413);
	assert_null(msg);
	free(buf);
}


static void ops_have_schemas(void **state)
{
	size_t n;
	const struct api_op *ops = api_op_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(ops[i].fields);
		assert_non_null(api_op_find(ops[i].name));
	}
	assert_null(api_op_find("no.such.op"));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_of_messages),
		cmocka_unit_test(oversize_refused),
		cmocka_unit_test(ops_have_schemas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
