/**
 * @file test_trunk_auth.c  A trunk's digest credentials: read from a
 * 0600 file only, and what the outbound handler answers a peer's
 * challenge with verifies against what we check inbound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include <jansson.h>
#include "core/store.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"
#include "testutil.h"

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static struct trunk *trunk_new(void)
{
	struct trunk *tr = mem_zalloc(sizeof(*tr), NULL);

	assert_non_null(tr);
	str_ncpy(tr->id, "bt-1", sizeof(tr->id));
	return tr;
}

static void trunk_free(struct trunk *tr)
{
	trunk_auth_close(tr);
	mem_deref(tr->user);
	mem_deref(tr->pass);
	mem_deref(tr);
}

static void outbound_answer_verifies(void **state)
{
	struct tu_fx *fx = *state;
	struct trunk *tr = trunk_new();
	struct httpauth_digest_resp r;
	char path[128], *user = NULL, *pass = NULL, hval[512];
	uint8_t ha1[16], ha2[16], resp[16];
	char hex[33];
	struct pl pv, met = PL("INVITE");

	tu_path(path, sizeof(path), fx->dir, "trunk.cred");
	write_file(path, "carrier:pa:ss word\n", 0600);
	assert_int_equal(trunk_auth_load(tr, path), 0);
	assert_string_equal(tr->user, "carrier");
	assert_string_equal(tr->pass, "pa:ss word");

	/* a peer challenges us: the handler gives the trunk's account */
	assert_int_equal(trunk_auth_handler(&user, &pass, "bt-1", tr), 0);
	assert_string_equal(user, "carrier");

	/* computed as a client does, it passes our own inbound check */
	assert_int_equal(md5_printf(ha1, "%s:bt-1:%s", user, pass), 0);
	assert_int_equal(md5_printf(ha2, "INVITE:sip:999@x"), 0);
	assert_int_equal(md5_printf(resp, "%w:n1:00000001:c1:auth:%w",
				    ha1, sizeof(ha1), ha2, sizeof(ha2)), 0);
	(void)re_snprintf(hex, sizeof(hex), "%w", resp, sizeof(resp));
	(void)re_snprintf(hval, sizeof(hval), "Digest username=\"%s\", "
			  "realm=\"bt-1\", nonce=\"n1\", uri=\"sip:999@x\", "
			  "response=\"%s\", qop=auth, nc=00000001, "
			  "cnonce=\"c1\"", user, hex);
	pl_set_str(&pv, hval);
	assert_int_equal(httpauth_digest_response_decode(&r, &pv), 0);
	assert_int_equal(httpauth_digest_response_auth(&r, &met, tr->ha1), 0);

	/* and a wrong password does not */
	assert_int_equal(md5_printf(ha1, "%s:bt-1:guess", user), 0);
	assert_int_not_equal(memcmp(ha1, tr->ha1, sizeof(ha1)), 0);

	mem_deref(user);
	mem_deref(pass);
	trunk_free(tr);
}

static void refused_files(void **state)
{
	struct tu_fx *fx = *state;
	struct trunk *tr = trunk_new();
	char path[128], *user = NULL, *pass = NULL;

	tu_path(path, sizeof(path), fx->dir, "loose.cred");
	write_file(path, "carrier:secret\n", 0644);
	assert_int_not_equal(trunk_auth_load(tr, path), 0);
	assert_null(tr->user);

	tu_path(path, sizeof(path), fx->dir, "nocolon.cred");
	write_file(path, "carrier-secret\n", 0600);
	assert_int_equal(trunk_auth_load(tr, path), EINVAL);

	/* no credentials: nothing to answer a challenge with */
	assert_int_equal(trunk_auth_handler(&user, &pass, "x", tr), EAUTH);
	trunk_free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(outbound_answer_verifies,
						tu_setup_dir, tu_teardown),
		cmocka_unit_test_setup_teardown(refused_files, tu_setup_dir,
						tu_teardown),
	};
	int rc;

	(void)libre_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return rc;
}
