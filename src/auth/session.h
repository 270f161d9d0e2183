/**
 * @file session.h  Operator sessions: one operator at one position
 *
 * A login checks the password off the main loop (argon2id in the passwd
 * worker), applies the lockout policy, ends the operator's session at any
 * other position, and occupies the position.  The bearer token is shown
 * once to the client; only its SHA-256 is kept, in memory and in the
 * store, so sessions survive a restart of iccsd and a stolen store holds
 * no usable token.  Ending a session publishes "session.ended" on the bus
 * with {"sid", "reason", "position", "operator"}.
 */
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct session_mgr;
struct session;
struct store;
struct audit;
struct pos_reg;
struct conf;

enum { SESSION_TOKEN_LEN = 64 };   /* 32 random bytes in hex */

/* On success err is 0, s the new session and token its bearer token.
 * On failure err is an HTTP-like code (401, 403, 404, 409, 423, 503)
 * with reason for the operator. */
typedef void (session_login_h)(int code, const char *reason,
			       struct session *s, const char *token,
			       void *arg);

int  session_mgr_alloc(struct session_mgr **smp, struct store *st,
		       struct audit *au, struct pos_reg *pr,
		       const struct conf *conf);
void session_mgr_set_conf(struct session_mgr *sm, const struct conf *conf);

int  session_login(struct session_mgr *sm, const char *username,
		   const char *password, const char *pos_id,
		   const char *peer, session_login_h *h, void *arg);
/* Find by bearer token and mark it used; NULL when unknown or ended */
struct session *session_lookup(struct session_mgr *sm, const char *token);
void session_end(struct session_mgr *sm, struct session *s,
		 const char *actor, const char *reason);

/* Consoles attached to a session keep it from idling out */
void session_attach(struct session *s);
void session_detach(struct session *s);
void session_touch(struct session *s);

int64_t     session_sid(const struct session *s);
bool        session_active(const struct session *s);
const char *session_operator(const struct session *s);
const char *session_position(const struct session *s);
uint32_t    session_roles(const struct session *s);

json_t  *session_info_json(const struct session_mgr *sm,
			   const struct session *s);           /* new */
json_t  *session_list_json(const struct session_mgr *sm);    /* new */
unsigned session_count(const struct session_mgr *sm);
/* End every session of an operator (locked, removed, roles changed) */
void session_end_operator(struct session_mgr *sm, const char *username,
			  const char *actor, const char *reason);
