/**
 * @file operator.h  Operator accounts, kept in the store
 *
 * The daemon and iccsctl both work on the same SQLite store; the daemon
 * notices changes made by iccsctl (PRAGMA data_version) and ends the
 * sessions of operators that were locked or removed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct store;

struct operator_rec {
	int64_t  id;
	char     username[64];
	char     display_name[128];
	uint32_t roles;            /* enum role mask                 */
	int      ptz_priority;     /* 0..100, higher wins            */
	char     skills[256];      /* comma separated, e.g. "welsh"  */
	char     pw_hash[128];
	bool     locked;           /* locked by an administrator     */
	int64_t  locked_until;     /* unix s; lockout after failures */
	unsigned failed_count;
	int64_t  created;
	int64_t  updated;
};

/* usernames: 1-63 of [a-z0-9._-], starting with a letter */
bool operator_name_valid(const char *username);

int  operator_get(struct store *st, const char *username,
		  struct operator_rec *rec);           /* ENOENT        */
int  operator_add(struct store *st, const char *username,
		  const char *display_name, uint32_t roles,
		  int ptz_priority, const char *skills,
		  const char *password);               /* EEXIST, EINVAL */
int  operator_remove(struct store *st, const char *username);
int  operator_set_locked(struct store *st, const char *username,
			 bool locked);  /* unlock also clears failures   */
int  operator_set_password(struct store *st, const char *username,
			   const char *password);
int  operator_set_roles(struct store *st, const char *username,
			uint32_t roles);
/* Count a failed login; locks for lock_secs after max_attempts */
int  operator_login_failed(struct store *st, const char *username,
			   unsigned max_attempts, unsigned lock_secs,
			   bool *lockedp);
int  operator_login_ok(struct store *st, const char *username);
/* Locked by hand, or inside a lockout window at time now (unix s) */
bool operator_is_locked(const struct operator_rec *rec, int64_t now);
json_t *operator_json(const struct operator_rec *rec);  /* no hash */
int  operator_list(struct store *st, json_t **arrp);
