/**
 * @file passwd.h  Password hashing (argon2id) and the password policy
 *
 * Hashing costs tens of milliseconds by design, so the daemon never runs it
 * on the main loop: passwd_verify_async() hands the work to a worker thread
 * and calls back on the main loop through an mqueue.
 */
#include <stddef.h>

enum { PASSWD_HASH_MAX = 128 };

int  passwd_hash(char *out, size_t outsz, const char *pw);
/* 0 when pw matches, EACCES when not, other errno on a bad hash */
int  passwd_verify(const char *encoded, const char *pw);
/* Policy: length 12..128; returns EINVAL with a reason */
int  passwd_policy_check(const char *pw, char *why, size_t whysz);

typedef void (passwd_verify_h)(int err, void *arg);
int  passwd_worker_init(void);
void passwd_worker_close(void);
/* Copies encoded and pw; h runs on the main loop thread */
int  passwd_verify_async(const char *encoded, const char *pw,
			 passwd_verify_h *h, void *arg);
