/**
 * @file session.c  Operator sessions
 */
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <re.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/store.h"
#include "core/audit.h"
#include "position/pos.h"
#include "auth/passwd.h"
#include "auth/operator.h"
#include "auth/session.h"
#include "auth/session_int.h"

#define MOD "session"

enum {
	TMR_HOUSEKEEP_MS = 1000,   /* external changes, idle expiry   */
	LAST_SEEN_FLUSH_MS = 60000,
};

/* A login in flight while argon2 runs on the worker thread */
struct login {
	struct session_mgr *sm;
	struct operator_rec rec;
	bool known;
	char pos_id[32];
	char peer[64];
	session_login_h *h;
	void *arg;
};


int64_t session_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void hex_print(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		re_snprintf(out + 2 * i, 3, "%02x", p[i]);
}


static void token_hash_hex(char out[65], const char *token)
{
	uint8_t md[32];
	unsigned mdlen = 0;

	EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL);
	hex_print(out, md, sizeof(md));
}


static int token_new(char token[SESSION_TOKEN_LEN + 1])
{
	uint8_t rnd[SESSION_TOKEN_LEN / 2];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return EIO;

	hex_print(token, rnd, sizeof(rnd));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}


static void session_destructor(void *data)
{
	struct session *s = data;

	list_unlink(&s->le);
}


struct session *session_find_by(const struct session_mgr *sm,
			       const char *username, const char *pos_id)
{
	struct le *le;

	for (le = list_head(&sm->sessions); le; le = le->next) {
		struct session *s = le->data;

		if (username && !strcmp(s->username, username))
			return s;
		if (pos_id && !strcmp(s->position, pos_id))
			return s;
	}
	return NULL;
}


static void audit_reason(struct session_mgr *sm, const char *actor,
			 const char *pos, const char *action,
			 const char *object, const char *result,
			 const char *reason)
{
	json_t *d = json_pack("{s:s}", "reason", reason);

	(void)audit_log(sm->au, actor, pos, action, object, result, d);
	json_decref(d);
}


void session_end(struct session_mgr *sm, struct session *s,
		 const char *actor, const char *reason)
{
	json_t *ev;

	if (!sm || !s || s->ended)
		return;

	s->ended = true;
	list_unlink(&s->le);
	session_store_end(sm, s->sid, session_now_ms(), reason);
	pos_vacate(sm->pr, s->position);

	audit_reason(sm, actor ? actor : s->username, s->position, "logout",
		     s->username, "ok", reason);
	log_info(MOD, "%s left position %s (%s)", s->username, s->position,
		 reason);

	ev = json_pack("{s:I, s:s, s:s, s:s}", "sid", (json_int_t)s->sid,
		       "reason", reason, "position", s->position,
		       "operator", s->username);
	bus_publish("session.ended", ev);
	json_decref(ev);

	mem_deref(s);
}


struct session *session_new(struct session_mgr *sm,
				   const struct operator_rec *rec,
				   const char *pos_id, const char *peer,
				   int64_t started)
{
	struct session *s = mem_zalloc(sizeof(*s), session_destructor);

	if (!s)
		return NULL;

	s->sm = sm;
	s->roles = rec->roles;
	s->started = s->last_seen = started;
	str_ncpy(s->username, rec->username, sizeof(s->username));
	str_ncpy(s->display_name, rec->display_name[0] ?
		 rec->display_name : rec->username, sizeof(s->display_name));
	str_ncpy(s->position, pos_id, sizeof(s->position));
	str_ncpy(s->peer, peer ? peer : "", sizeof(s->peer));
	return s;
}


void session_occupy(struct session_mgr *sm, struct session *s)
{
	list_append(&sm->sessions, &s->le, s);
	if (pos_occupy(sm->pr, s->position, s->username, s->display_name,
		       s->roles, s->started))
		log_warn(MOD, "position %s not on the board", s->position);
}


/* Password verified: apply the position rules and open the session */
static void login_open(struct login *lg)
{
	struct session_mgr *sm = lg->sm;
	const struct conf_position *p = conf_position(sm->conf, lg->pos_id);
	struct session *s, *other;
	char token[SESSION_TOKEN_LEN + 1];
	int err;

	if (!p) {
		lg->h(404, "unknown position", NULL, NULL, lg->arg);
		return;
	}
	if (!pos_layout_for(sm->conf, p, lg->rec.roles)) {
		audit_reason(sm, lg->rec.username, p->id, "login.failed",
			     lg->rec.username, "denied", "no layout for role");
		lg->h(403, "no layout at this position for your roles", NULL,
		      NULL, lg->arg);
		return;
	}

	other = session_find_by(sm, NULL, p->id);
	if (other && strcmp(other->username, lg->rec.username)) {
		lg->h(409, "position in use", NULL, NULL, lg->arg);
		return;
	}

	/* One operator, one position: a login elsewhere moves them here */
	other = session_find_by(sm, lg->rec.username, NULL);
	if (other)
		session_end(sm, other, NULL, strcmp(other->position, p->id) ?
			    "logged in at another position" : "replaced");

	s = session_new(sm, &lg->rec, p->id, lg->peer, session_now_ms());
	err = s ? token_new(token) : ENOMEM;
	if (!err) {
		token_hash_hex(s->token_hash, token);
		err = session_store_insert(sm, s);
	}
	if (err) {
		mem_deref(s);
		lg->h(500, "cannot open session", NULL, NULL, lg->arg);
		return;
	}

	session_occupy(sm, s);
	audit_reason(sm, s->username, s->position, "login", s->username,
		     "ok", lg->peer);
	log_info(MOD, "%s logged in at %s from %s", s->username, s->position,
		 lg->peer);
	lg->h(0, NULL, s, token, lg->arg);
}


static void login_verified(int err, void *arg)
{
	struct login *lg = arg;
	struct session_mgr *sm = lg->sm;
	bool locked = false;

	if (!err && lg->known) {
		(void)operator_login_ok(sm->st, lg->rec.username);
		login_open(lg);
		goto out;
	}

	if (lg->known) {
		(void)operator_login_failed(sm->st, lg->rec.username,
					    sm->conf->lockout_attempts,
					    sm->conf->lockout_secs, &locked);
	}
	audit_reason(sm, lg->rec.username, lg->pos_id, "login.failed",
		     lg->rec.username, "failed", err == EACCES || !lg->known ?
		     "bad credentials" : "verify error");
	if (locked) {
		audit_reason(sm, "system", lg->pos_id, "operator.lockout",
			     lg->rec.username, "ok", "too many failures");
		log_notice(MOD, "%s locked out after %u failed logins",
			   lg->rec.username, sm->conf->lockout_attempts);
	}
	lg->h(401, "wrong username or password", NULL, NULL, lg->arg);

 out:
	mem_deref(lg);
}


int session_login(struct session_mgr *sm, const char *username,
		  const char *password, const char *pos_id,
		  const char *peer, session_login_h *h, void *arg)
{
	struct login *lg;
	int err;

	if (!sm || !username || !password || !pos_id || !h)
		return EINVAL;

	if (!conf_position(sm->conf, pos_id)) {
		h(404, "unknown position", NULL, NULL, arg);
		return 0;
	}

	lg = mem_zalloc(sizeof(*lg), NULL);
	if (!lg)
		return ENOMEM;

	lg->sm = sm;
	lg->h = h;
	lg->arg = arg;
	str_ncpy(lg->pos_id, pos_id, sizeof(lg->pos_id));
	str_ncpy(lg->peer, peer ? peer : "", sizeof(lg->peer));

	lg->known = operator_name_valid(username) &&
		operator_get(sm->st, username, &lg->rec) == 0;
	if (!lg->known)
		str_ncpy(lg->rec.username, username, sizeof(lg->rec.username));

	if (lg->known && operator_is_locked(&lg->rec, session_now_ms() / 1000)) {
		audit_reason(sm, lg->rec.username, pos_id, "login.failed",
			     lg->rec.username, "denied", "account locked");
		h(423, "account locked", NULL, NULL, arg);
		mem_deref(lg);
		return 0;
	}

	/* An unknown user costs the same argon2 time as a known one, so
	 * timing does not tell which usernames exist. */
	err = passwd_verify_async(lg->known ? lg->rec.pw_hash : sm->dummy_hash,
				  password, login_verified, lg);
	if (err) {
		mem_deref(lg);
		h(503, "login service busy, try again", NULL, NULL, arg);
	}
	return 0;
}


struct session *session_lookup(struct session_mgr *sm, const char *token)
{
	char hash[65];
	struct le *le;

	if (!sm || !token || strlen(token) != SESSION_TOKEN_LEN)
		return NULL;

	token_hash_hex(hash, token);
	for (le = list_head(&sm->sessions); le; le = le->next) {
		struct session *s = le->data;

		if (!strcmp(s->token_hash, hash)) {
			session_touch(s);
			return s;
		}
	}
	return NULL;
}


void session_attach(struct session *s)
{
	if (s) {
		++s->consoles;
		session_touch(s);
	}
}


void session_detach(struct session *s)
{
	if (s && s->consoles) {
		--s->consoles;
		session_touch(s);
	}
}


void session_touch(struct session *s)
{
	if (s)
		s->last_seen = session_now_ms();
}


int64_t session_sid(const struct session *s)
{
	return s ? s->sid : 0;
}


bool session_active(const struct session *s)
{
	return s && !s->ended;
}


const char *session_operator(const struct session *s)
{
	return s ? s->username : NULL;
}


const char *session_position(const struct session *s)
{
	return s ? s->position : NULL;
}


uint32_t session_roles(const struct session *s)
{
	return s && !s->ended ? s->roles : 0;
}


static json_t *session_json(const struct session *s)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:I, s:I, s:i, s:s}",
			 "sid", (json_int_t)s->sid, "operator", s->username,
			 "display_name", s->display_name,
			 "position", s->position, "roles", roles_json(s->roles),
			 "since", (json_int_t)s->started,
			 "last_seen", (json_int_t)s->last_seen,
			 "consoles", (int)s->consoles, "peer", s->peer);
}


json_t *session_info_json(const struct session_mgr *sm,
			  const struct session *s)
{
	const struct conf_position *p;
	const struct conf_site *site;
	struct operator_rec rec;
	json_t *op;

	if (!sm || !s)
		return NULL;

	p = conf_position(sm->conf, s->position);
	site = p ? conf_site(sm->conf, p->site) : NULL;

	if (operator_get(sm->st, s->username, &rec) == 0)
		op = operator_json(&rec);
	else
		op = json_pack("{s:s}", "username", s->username);

	return json_pack("{s:I, s:o, s:o, s:o?, s:o, s:{s:s?, s:s?}, s:s,"
			 " s:I}",
			 "sid", (json_int_t)s->sid, "operator", op,
			 "roles", roles_json(s->roles),
			 "position", pos_json(sm->pr, s->position),
			 "layout", pos_layout_json(pos_layout_for(sm->conf, p,
								  s->roles)),
			 "site", "id", site ? site->id : NULL,
			 "name", site ? site->name : NULL,
			 "node", sm->conf->node_id,
			 "since", (json_int_t)s->started);
}


json_t *session_list_json(const struct session_mgr *sm)
{
	json_t *arr = json_array();
	struct le *le;

	for (le = list_head(&sm->sessions); arr && le; le = le->next)
		json_array_append_new(arr, session_json(le->data));

	return arr;
}


unsigned session_count(const struct session_mgr *sm)
{
	return sm ? list_count(&sm->sessions) : 0;
}


bool session_idle(const struct session_mgr *sm, const struct session *s,
		 int64_t now)
{
	return !s->consoles &&
		now - s->last_seen > (int64_t)sm->conf->session_idle_secs * 1000;
}


/* Changes by iccsctl (lock, remove, new roles) end the sessions they
 * concern at once, not at the operator's next login.  A lockout after
 * failed logins does not end a live session: otherwise anyone could
 * throw an operator off their position by mistyping their password. */
static const char *revalidate(struct session_mgr *sm, struct session *s)
{
	struct operator_rec rec;

	if (operator_get(sm->st, s->username, &rec))
		return "account removed";
	if (rec.locked)
		return "account locked";
	if (rec.roles != s->roles)
		return "roles changed";
	return NULL;
}


static void housekeep(void *arg)
{
	struct session_mgr *sm = arg;
	int64_t now = session_now_ms();
	int v = session_data_version(sm);
	bool external = v != sm->data_version;
	struct le *le = list_head(&sm->sessions);

	sm->data_version = v;
	tmr_start(&sm->tmr, TMR_HOUSEKEEP_MS, housekeep, sm);

	while (le) {
		struct session *s = le->data;
		const char *why;

		le = le->next;
		why = external ? revalidate(sm, s) : NULL;
		if (!why && session_idle(sm, s, now))
			why = "idle timeout";
		if (why)
			session_end(sm, s, "system", why);
	}

	if (now - sm->last_flush >= LAST_SEEN_FLUSH_MS) {
		session_flush_last_seen(sm);
		sm->last_flush = now;
	}
}


static void mgr_destructor(void *data)
{
	struct session_mgr *sm = data;

	tmr_cancel(&sm->tmr);
	session_flush_last_seen(sm);
	list_flush(&sm->sessions);
}


int session_mgr_alloc(struct session_mgr **smp, struct store *st,
		      struct audit *au, struct pos_reg *pr,
		      const struct conf *conf)
{
	struct session_mgr *sm;
	uint8_t rnd[24];
	char junk[49];
	int err;

	if (!smp || !st || !au || !pr || !conf)
		return EINVAL;

	sm = mem_zalloc(sizeof(*sm), mgr_destructor);
	if (!sm)
		return ENOMEM;

	sm->st = st;
	sm->au = au;
	sm->pr = pr;
	sm->conf = conf;
	tmr_init(&sm->tmr);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		err = EIO;
		goto out;
	}
	hex_print(junk, rnd, sizeof(rnd));

	err = passwd_hash(sm->dummy_hash, sizeof(sm->dummy_hash), junk);
	if (err)
		goto out;

	err = session_restore(sm);
	if (err)
		goto out;

	sm->data_version = session_data_version(sm);
	sm->last_flush = session_now_ms();
	tmr_start(&sm->tmr, TMR_HOUSEKEEP_MS, housekeep, sm);

 out:
	if (err)
		mem_deref(sm);
	else
		*smp = sm;
	return err;
}


void session_mgr_set_conf(struct session_mgr *sm, const struct conf *conf)
{
	if (sm && conf)
		sm->conf = conf;
}


void session_end_operator(struct session_mgr *sm, const char *username,
			  const char *actor, const char *reason)
{
	struct session *s;

	while (sm && username && (s = session_find_by(sm, username, NULL)))
		session_end(sm, s, actor, reason);
}
