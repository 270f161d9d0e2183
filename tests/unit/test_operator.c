/**
 * @file test_operator.c  Operator accounts, password hashes, lockout, and
 *                        the verify worker
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/conf.h"
#include "core/store.h"
#include "auth/passwd.h"
#include "auth/operator.h"
#include "testutil.h"

#define PW  "correct horse battery"
#define PW2 "another long passphrase"


static void add_alice(struct tu_fx *fx)
{
	assert_int_equal(operator_add(fx->st, "alice", "Alice Jones",
				      ROLE_DISPATCHER | ROLE_SUPERVISOR, 40,
				      "welsh,bsl", PW), 0);
}


static void add_and_get(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	int64_t t0 = time(NULL);

	add_alice(fx);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_string_equal(rec.username, "alice");
	assert_string_equal(rec.display_name, "Alice Jones");
	assert_int_equal(rec.roles, ROLE_DISPATCHER | ROLE_SUPERVISOR);
	assert_int_equal(rec.ptz_priority, 40);
	assert_string_equal(rec.skills, "welsh,bsl");
	assert_false(rec.locked);
	assert_int_equal(rec.locked_until, 0);
	assert_int_equal(rec.failed_count, 0);
	assert_true(rec.created >= t0 && rec.created <= t0 + 5);
	assert_true(rec.id > 0);

	/* the parameters the policy asks for, in the encoded hash */
	assert_non_null(strstr(rec.pw_hash, "$argon2id$v=19$m=19456,t=2,p=1$"));

	assert_int_equal(operator_get(fx->st, "bob", &rec), ENOENT);
}


static void duplicate_refused(void **state)
{
	struct tu_fx *fx = *state;

	add_alice(fx);
	assert_int_equal(operator_add(fx->st, "alice", NULL, ROLE_CCTV, 0,
				      NULL, PW2), EEXIST);
}


static void bad_input_refused(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	char longname[80];
	static const char *bad[] = {
		"", "Alice", "1alice", "al ice", "al'ice", "-x", "a/b",
		"alice;drop",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_false(operator_name_valid(bad[i]));
		assert_int_equal(operator_add(fx->st, bad[i], NULL, ROLE_CCTV,
					      0, NULL, PW), EINVAL);
	}
	assert_false(operator_name_valid(NULL));

	memset(longname, 'a', 63);
	longname[63] = '\0';
	assert_true(operator_name_valid(longname));
	longname[63] = 'a';
	longname[64] = '\0';
	assert_false(operator_name_valid(longname));
	assert_true(operator_name_valid("j.smith-2_x"));

	/* weak password, no role, unknown role bit, bad priority, skills */
	assert_int_equal(operator_add(fx->st, "bob", NULL, ROLE_CCTV, 0,
				      NULL, "short"), EINVAL);
	assert_int_equal(operator_add(fx->st, "bob", NULL, 0, 0, NULL, PW),
			 EINVAL);
	assert_int_equal(operator_add(fx->st, "bob", NULL, 1u << 9, 0, NULL,
				      PW), EINVAL);
	assert_int_equal(operator_add(fx->st, "bob", NULL, ROLE_CCTV, 101,
				      NULL, PW), EINVAL);
	assert_int_equal(operator_add(fx->st, "bob", NULL, ROLE_CCTV, 0,
				      "welsh,,bsl", PW), EINVAL);
	assert_int_equal(operator_add(fx->st, "bob", "Bob\nEvil",
				      ROLE_CCTV, 0, NULL, PW), EINVAL);
	assert_int_equal(operator_get(fx->st, "bob", &rec), ENOENT);
}


static void policy(void **state)
{
	char why[128] = "";
	char big[200];

	(void)state;
	assert_int_equal(passwd_policy_check("elevenchars", why, sizeof(why)),
			 EINVAL);
	assert_non_null(strstr(why, "at least 12"));
	assert_int_equal(passwd_policy_check("twelve chars", why,
					     sizeof(why)), 0);

	/* characters, not bytes: 12 two-byte letters pass */
	assert_int_equal(passwd_policy_check("ŵŵŵŵŵŵŵŵŵŵŵ", why,
					     sizeof(why)), EINVAL);
	assert_int_equal(passwd_policy_check("ŵŵŵŵŵŵŵŵŵŵŵŵ", why,
					     sizeof(why)), 0);

	memset(big, 'x', 129);
	big[129] = '\0';
	assert_int_equal(passwd_policy_check(big, why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "at most 128"));
	big[128] = '\0';
	assert_int_equal(passwd_policy_check(big, why, sizeof(why)), 0);
}


static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}


static void hash_verifies(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec, rec2;
	struct timespec t0;

	add_alice(fx);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(passwd_verify(rec.pw_hash, PW), 0);
	print_message("argon2id verify (t=2, m=19 MiB, p=1): %.1f ms\n",
		      ms_since(&t0));

	assert_int_equal(passwd_verify(rec.pw_hash, PW "x"), EACCES);
	assert_int_equal(passwd_verify(rec.pw_hash, ""), EACCES);
	assert_int_equal(passwd_verify("$argon2i$v=19$m=8,t=1,p=1$xx$yy", PW),
			 EINVAL);
	assert_int_equal(passwd_verify("garbage", PW), EINVAL);

	/* a new salt each time: same password, different hash */
	assert_int_equal(operator_set_password(fx->st, "alice", PW), 0);
	assert_int_equal(operator_get(fx->st, "alice", &rec2), 0);
	assert_string_not_equal(rec.pw_hash, rec2.pw_hash);

	assert_int_equal(operator_set_password(fx->st, "alice", PW2), 0);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_int_equal(passwd_verify(rec.pw_hash, PW2), 0);
	assert_int_equal(passwd_verify(rec.pw_hash, PW), EACCES);
	assert_int_equal(operator_set_password(fx->st, "alice", "short"),
			 EINVAL);
	assert_int_equal(operator_set_password(fx->st, "nobody", PW), ENOENT);
}


static void lockout_after_failures(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	bool locked = true;
	int64_t t0 = time(NULL), t1;

	add_alice(fx);
	for (unsigned i = 1; i < 3; i++) {
		assert_int_equal(operator_login_failed(fx->st, "alice", 3, 60,
						       &locked), 0);
		assert_false(locked);
		assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
		assert_int_equal(rec.failed_count, i);
		assert_false(operator_is_locked(&rec, time(NULL)));
	}

	assert_int_equal(operator_login_failed(fx->st, "alice", 3, 60,
					       &locked), 0);
	t1 = time(NULL);
	assert_true(locked);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_int_equal(rec.failed_count, 0);
	assert_true(rec.locked_until >= t0 + 60 && rec.locked_until <= t1 + 60);
	assert_false(rec.locked);
	assert_true(operator_is_locked(&rec, t1));
	assert_true(operator_is_locked(&rec, rec.locked_until - 1));

	/* the window ends by itself */
	assert_false(operator_is_locked(&rec, rec.locked_until));
	assert_false(operator_is_locked(&rec, rec.locked_until + 3600));

	assert_int_equal(operator_login_failed(fx->st, "nobody", 3, 60,
					       &locked), ENOENT);
}


static void login_ok_resets_count(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	bool locked;

	add_alice(fx);
	assert_int_equal(operator_login_failed(fx->st, "alice", 3, 60,
					       &locked), 0);
	assert_int_equal(operator_login_failed(fx->st, "alice", 3, 60,
					       &locked), 0);
	assert_int_equal(operator_login_ok(fx->st, "alice"), 0);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_int_equal(rec.failed_count, 0);

	/* so two more failures do not lock */
	assert_int_equal(operator_login_failed(fx->st, "alice", 3, 60,
					       &locked), 0);
	assert_int_equal(operator_login_failed(fx->st, "alice", 3, 60,
					       &locked), 0);
	assert_false(locked);
	assert_int_equal(operator_login_ok(fx->st, "nobody"), ENOENT);
}


static void lock_and_unlock(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	bool locked;
	json_t *j;

	add_alice(fx);
	assert_int_equal(operator_set_locked(fx->st, "alice", true), 0);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_true(rec.locked);
	assert_true(operator_is_locked(&rec, INT64_MAX - 1));

	j = operator_json(&rec);
	assert_true(json_is_true(json_object_get(j, "locked")));
	json_decref(j);

	/* unlock also forgives a lockout window and the failures */
	for (int i = 0; i < 3; i++)
		operator_login_failed(fx->st, "alice", 3, 600, &locked);
	assert_int_equal(operator_login_failed(fx->st, "alice", 3, 600,
					       &locked), 0);
	assert_int_equal(operator_set_locked(fx->st, "alice", false), 0);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_false(rec.locked);
	assert_int_equal(rec.locked_until, 0);
	assert_int_equal(rec.failed_count, 0);
	assert_false(operator_is_locked(&rec, time(NULL)));

	assert_int_equal(operator_set_locked(fx->st, "nobody", true), ENOENT);
}


static void roles_and_remove(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;

	add_alice(fx);
	assert_int_equal(operator_set_roles(fx->st, "alice", ROLE_ADMIN), 0);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_int_equal(rec.roles, ROLE_ADMIN);
	assert_int_equal(operator_set_roles(fx->st, "alice", 0), EINVAL);
	assert_int_equal(operator_set_roles(fx->st, "nobody", ROLE_ADMIN),
			 ENOENT);

	assert_int_equal(operator_remove(fx->st, "alice"), 0);
	assert_int_equal(operator_get(fx->st, "alice", &rec), ENOENT);
	assert_int_equal(operator_remove(fx->st, "alice"), ENOENT);
}


static void json_has_no_hash(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	json_t *j, *arr;
	char *txt;

	add_alice(fx);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);

	j = operator_json(&rec);
	assert_null(json_object_get(j, "pw_hash"));
	assert_string_equal(json_string_value(json_object_get(j, "username")),
			    "alice");
	assert_int_equal(json_array_size(json_object_get(j, "roles")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "skills")), 2);
	assert_int_equal(json_integer_value(json_object_get(j,
						"ptz_priority")), 40);
	assert_true(json_is_false(json_object_get(j, "locked")));
	assert_int_equal(json_integer_value(json_object_get(j,
						"locked_until")), 0);
	assert_int_equal(json_integer_value(json_object_get(j,
						"failed_count")), 0);
	txt = json_dumps(j, 0);
	assert_null(strstr(txt, "argon2"));
	free(txt);
	json_decref(j);

	assert_int_equal(operator_list(fx->st, &arr), 0);
	assert_int_equal(json_array_size(arr), 1);
	txt = json_dumps(arr, 0);
	assert_null(strstr(txt, "argon2"));
	assert_non_null(strstr(txt, "Alice Jones"));
	free(txt);
	json_decref(arr);
}


/* ---- the worker --------------------------------------------------------*/

struct async {
	unsigned want, got;
	int results[70];
	bool timeout;
	struct tmr tmr;
};


static void verify_done(int err, void *arg)
{
	struct async *a = arg;

	a->results[a->got++] = err;
	if (a->got == a->want)
		re_cancel();
}


static void too_slow(void *arg)
{
	struct async *a = arg;

	a->timeout = true;
	re_cancel();
}


static void run_until_done(struct async *a)
{
	tmr_init(&a->tmr);
	tmr_start(&a->tmr, 60000, too_slow, a);
	assert_int_equal(re_main(NULL), 0);
	tmr_cancel(&a->tmr);
	assert_false(a->timeout);
}


static void async_verify(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	struct async a = { .want = 2 };

	add_alice(fx);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);

	assert_int_equal(passwd_verify_async(rec.pw_hash, PW, verify_done,
					     &a), EINVAL);   /* no worker */
	assert_int_equal(passwd_worker_init(), 0);
	assert_int_equal(passwd_verify_async(rec.pw_hash, PW, verify_done,
					     &a), 0);
	assert_int_equal(passwd_verify_async(rec.pw_hash, PW2, verify_done,
					     &a), 0);
	assert_int_equal(a.got, 0);   /* never before the main loop runs */

	run_until_done(&a);
	assert_int_equal(a.got, 2);
	assert_int_equal(a.results[0], 0);
	assert_int_equal(a.results[1], EACCES);
	passwd_worker_close();
}


static void async_queue_bounded(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	struct async a = { .want = 64 };
	struct timespec t0;
	unsigned i;

	add_alice(fx);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_int_equal(passwd_worker_init(), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 64; i++)
		assert_int_equal(passwd_verify_async(rec.pw_hash, PW2,
						     verify_done, &a), 0);
	assert_int_equal(passwd_verify_async(rec.pw_hash, PW2, verify_done,
					     &a), ENOSPC);

	run_until_done(&a);
	print_message("64 queued verifies through the worker: %.0f ms\n",
		      ms_since(&t0));
	for (i = 0; i < 64; i++)
		assert_int_equal(a.results[i], EACCES);

	/* delivered, so there is room again */
	a.want = 65;
	assert_int_equal(passwd_verify_async(rec.pw_hash, PW, verify_done,
					     &a), 0);
	run_until_done(&a);
	assert_int_equal(a.results[64], 0);
	passwd_worker_close();
}


/* Closing with jobs in flight calls nobody and leaks nothing */
static void async_close_drops_pending(void **state)
{
	struct tu_fx *fx = *state;
	struct operator_rec rec;
	struct async a = { .want = 100 };

	add_alice(fx);
	assert_int_equal(operator_get(fx->st, "alice", &rec), 0);
	assert_int_equal(passwd_worker_init(), 0);
	assert_int_equal(passwd_worker_init(), EALREADY);
	for (int i = 0; i < 4; i++)
		assert_int_equal(passwd_verify_async(rec.pw_hash, PW,
						     verify_done, &a), 0);
	passwd_worker_close();
	assert_int_equal(a.got, 0);

	/* and it can start again */
	assert_int_equal(passwd_worker_init(), 0);
	passwd_worker_close();
}


#define T(f) cmocka_unit_test_setup_teardown(f, tu_setup_store, \
						   tu_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(add_and_get),
		T(duplicate_refused),
		T(bad_input_refused),
		cmocka_unit_test(policy),
		T(hash_verifies),
		T(lockout_after_failures),
		T(login_ok_resets_count),
		T(lock_and_unlock),
		T(roles_and_remove),
		T(json_has_no_hash),
		T(async_verify),
		T(async_queue_bounded),
		T(async_close_drops_pending),
	};
	int ret;

	if (libre_init())
		return 1;
	log_setup(LOG_LVL_ERROR, LOG_TARGET_STDERR, "test_operator");
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();

	return ret;
}
