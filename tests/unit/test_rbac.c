/**
 * @file test_rbac.c  The permission matrix and its use by the API table
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "auth/rbac.h"
#include "api/api.h"
#include "api/api_int.h"


static void call_taker_cannot_steer_cameras(void **state)
{
	(void)state;
	assert_false(rbac_allowed(ROLE_CALLTAKER, "camera.control"));
	assert_false(rbac_allowed(ROLE_CALLTAKER, "operator.manage"));
	assert_false(rbac_allowed(ROLE_CALLTAKER, "position.view"));
	assert_true(rbac_allowed(ROLE_CALLTAKER, "call.answer"));
	assert_true(rbac_allowed(ROLE_CCTV, "camera.control"));
}


static void only_admin_manages_operators(void **state)
{
	const uint32_t others = ROLE_CALLTAKER | ROLE_DISPATCHER |
		ROLE_SUPERVISOR | ROLE_CCTV;

	(void)state;
	assert_true(rbac_allowed(ROLE_ADMIN, "operator.manage"));
	assert_false(rbac_allowed(others, "operator.manage"));
	assert_true(rbac_allowed(ROLE_SUPERVISOR, "position.view"));
}


static void unknown_permission_fails_closed(void **state)
{
	(void)state;
	assert_false(rbac_allowed(ROLE_ALL, "camera.contro1"));
	assert_false(rbac_allowed(ROLE_ALL, NULL));
	assert_false(rbac_allowed(0, "session.self"));
}


/* A typo in the op table would make an op unusable for everyone (fail
 * closed), which a test should catch before an operator does. */
static void every_op_names_a_known_permission(void **state)
{
	size_t n;
	const struct api_op *ops = api_op_table(&n);

	(void)state;
	assert_true(n > 10);
	for (size_t i = 0; i < n; i++) {
		if (!ops[i].perm)
			continue;   /* hello: before there is a session */
		if (!rbac_perm_find(ops[i].perm))
			fail_msg("op %s: unknown permission %s", ops[i].name,
				 ops[i].perm);
	}
}


static void every_role_holds_session_self(void **state)
{
	(void)state;
	for (uint32_t r = 1; r <= ROLE_ADMIN; r <<= 1)
		assert_true(rbac_allowed(r, "session.self"));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(call_taker_cannot_steer_cameras),
		cmocka_unit_test(only_admin_manages_operators),
		cmocka_unit_test(unknown_permission_fails_closed),
		cmocka_unit_test(every_op_names_a_known_permission),
		cmocka_unit_test(every_role_holds_session_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
