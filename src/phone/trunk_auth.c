/**
 * @file trunk_auth.c  Digest authentication of a trunk (RFC 3261 §22,
 *                     RFC 2617 MD5 with qop=auth)
 *
 * Inbound: a trunk with credentials challenges every INVITE with 401
 * and a nonce, and takes the call only when the retried INVITE answers
 * it with the trunk's user and password.  A nonce is our own timestamp
 * signed with a per-trunk random key, so nothing is kept per challenge;
 * it is good for NONCE_MS and for one INVITE (a replayed INVITE finds
 * its nonce used and is challenged again).  A wrong user or password is
 * refused with 403 and audited.
 *
 * Outbound: trunk_auth_handler() answers a peer's challenge from the
 * same credentials (for sipsess_connect() / sip_auth_alloc()).
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/secfile.h"
#include "core/audit.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"

enum {
	NONCE_MS = 30000,     /* a challenge must be answered within */
	MAC_LEN = 12,         /* bytes of HMAC-SHA1 in a nonce        */
	NONCE_LEN = 16 + 2 * MAC_LEN,
	USED_BUCKETS = 256,
};

struct used {
	struct le he;         /* trunk->used (hash)                   */
	struct le le;         /* trunk->usedl (oldest first)          */
	char nonce[NONCE_LEN + 1];
	uint64_t at;          /* mono ms                              */
};


static void used_destructor(void *arg)
{
	struct used *u = arg;

	hash_unlink(&u->he);
	list_unlink(&u->le);
}


/* One line "user:password" (the password may hold colons) */
int trunk_auth_load(struct trunk *tr, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct pl user, pass;
	int err = secfile_read(path, &buf, &len);

	if (err) {
		log_error(MOD, "trunk %s: credentials %s: %m", tr->id, path,
			  err);
		return err;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		--len;
	if (re_regex((char *)buf, len, "[^:]+:[^]+", &user, &pass) ||
	    pl_strchr(&pass, '\n') || pl_strchr(&user, '"')) {
		log_error(MOD, "trunk %s: credentials %s: one line "
			  "user:password", tr->id, path);
		err = EINVAL;
	}
	err = err ? err : pl_strdup(&tr->user, &user);
	err = err ? err : pl_strdup(&tr->pass, &pass);
	err = err ? err : md5_printf(tr->ha1, "%r:%s:%r", &user, tr->id,
				     &pass);
	err = err ? err : hash_alloc(&tr->used, USED_BUCKETS);
	if (!err && RAND_bytes(tr->nkey, sizeof(tr->nkey)) != 1)
		err = EIO;
	OPENSSL_cleanse(buf, len);   /* the password leaves no copy */
	mem_deref(buf);
	return err;
}


void trunk_auth_close(struct trunk *tr)
{
	list_flush(&tr->usedl);
	tr->used = mem_deref(tr->used);
	if (tr->pass)
		OPENSSL_cleanse(tr->pass, strlen(tr->pass));
}


static void nonce_mac(const struct trunk *tr, const char *ts, char *hex)
{
	uint8_t mac[20];

	hmac_sha1(tr->nkey, sizeof(tr->nkey), (const uint8_t *)ts, 16, mac,
		  sizeof(mac));
	for (int i = 0; i < MAC_LEN; i++)
		(void)re_snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}


/* "<16 hex digits of mono ms><MAC>" */
static void nonce_make(const struct trunk *tr, char *nonce)
{
	(void)re_snprintf(nonce, 17, "%016llx",
			  (unsigned long long)phone_mono_ms());
	nonce_mac(tr, nonce, nonce + 16);
}


/* 0: ours and fresh; EAUTH: not ours; ETIMEDOUT: expired or used */
static int nonce_check(struct trunk *tr, const struct pl *n, uint64_t now)
{
	char ts[17], mac[2 * MAC_LEN + 1];
	uint64_t t;

	if (n->l != NONCE_LEN)
		return EAUTH;
	memcpy(ts, n->p, 16);
	ts[16] = '\0';
	nonce_mac(tr, ts, mac);
	if (CRYPTO_memcmp(mac, n->p + 16, 2 * MAC_LEN))
		return EAUTH;
	t = pl_x64(&(struct pl){n->p, 16});
	if (t > now || now - t > NONCE_MS)
		return ETIMEDOUT;
	for (struct le *le = list_head(hash_list(tr->used,
			hash_joaat((const uint8_t *)n->p, n->l))); le;
	     le = le->next) {
		const struct used *u = le->data;

		if (!pl_strcmp(n, u->nonce))
			return ETIMEDOUT;
	}
	return 0;
}


static void nonce_use(struct trunk *tr, const struct pl *n, uint64_t now)
{
	struct used *u;

	/* forget the used nonces that would be refused as expired anyway */
	while (list_head(&tr->usedl)) {
		u = list_head(&tr->usedl)->data;
		if (now - u->at <= NONCE_MS)
			break;
		mem_deref(u);
	}

	u = mem_zalloc(sizeof(*u), used_destructor);
	if (!u)
		return;
	(void)pl_strcpy(n, u->nonce, sizeof(u->nonce));
	u->at = now;
	hash_append(tr->used, hash_joaat((const uint8_t *)n->p, n->l),
		    &u->he, u);
	list_append(&tr->usedl, &u->le, u);
}


static void challenge(struct phone *ph, const struct trunk *tr,
		      const struct sip_msg *msg, bool stale)
{
	char nonce[NONCE_LEN + 1];

	nonce_make(tr, nonce);
	(void)sip_treplyf(NULL, NULL, ph->sip, msg, false, 401,
			  "Unauthorized",
			  "WWW-Authenticate: Digest realm=\"%s\", "
			  "nonce=\"%s\", qop=\"auth\", algorithm=MD5%s\r\n"
			  "Content-Length: 0\r\n\r\n", tr->id, nonce,
			  stale ? ", stale=true" : "");
}


static void denied(struct phone *ph, const struct trunk *tr,
		   const struct sip_msg *msg, const struct pl *user,
		   const char *why)
{
	char src[64], obj[PHONE_ID_MAX + 8];
	json_t *d;

	log_warn(MOD, "trunk %s: INVITE from %J refused: %s", tr->id,
		 &msg->src, why);
	(void)re_snprintf(src, sizeof(src), "%J", &msg->src);
	(void)re_snprintf(obj, sizeof(obj), "trunk:%s", tr->id);
	d = json_pack("{s:s, s:s%, s:s, s:s%}", "source", src,
		      "user", user->p ? user->p : "", user->l, "reason", why,
		      "call_id", msg->callid.p ? msg->callid.p : "",
		      msg->callid.l);
	(void)audit_log(ph->audit, "system", NULL, "trunk.auth", obj,
			"denied", d);
	json_decref(d);
	(void)sip_treplyf(NULL, NULL, ph->sip, msg, false, 403, "Forbidden",
			  "Warning: 399 iccs \"%s\"\r\n"
			  "Content-Length: 0\r\n\r\n", why);
}


/* true: the INVITE may go on (no credentials configured, or a right
 * answer to our challenge); false: a reply has been sent. */
bool trunk_auth_check(struct phone *ph, struct trunk *tr,
		      const struct sip_msg *msg)
{
	const struct sip_hdr *h;
	struct httpauth_digest_resp r;
	uint64_t now = phone_mono_ms();
	int err;

	if (!tr->user)
		return true;

	h = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
	if (!h) {
		challenge(ph, tr, msg, false);
		return false;
	}
	if (httpauth_digest_response_decode(&r, &h->val)) {
		denied(ph, tr, msg, &pl_null, "malformed Authorization");
		return false;
	}

	err = nonce_check(tr, &r.nonce, now);
	if (err == ETIMEDOUT || err == EAUTH) {
		/* an old or foreign nonce is no proof of a wrong password */
		challenge(ph, tr, msg, true);
		return false;
	}
	if (pl_strcmp(&r.username, tr->user) || pl_strcmp(&r.realm, tr->id)) {
		denied(ph, tr, msg, &r.username, "unknown user or realm");
		return false;
	}
	if (pl_isset(&r.qop) && pl_strcasecmp(&r.qop, "auth")) {
		denied(ph, tr, msg, &r.username, "qop is not auth");
		return false;
	}
	if (httpauth_digest_response_auth(&r, &msg->met, tr->ha1)) {
		denied(ph, tr, msg, &r.username, "wrong password");
		return false;
	}

	nonce_use(tr, &r.nonce, now);
	return true;
}


/* A peer's challenge to our outgoing request on this trunk */
int trunk_auth_handler(char **user, char **pass, const char *realm,
		       void *arg)
{
	const struct trunk *tr = arg;
	int err;

	(void)realm;
	if (!tr || !tr->user)
		return EAUTH;

	err = str_dup(user, tr->user);
	err = err ? err : str_dup(pass, tr->pass);
	return err;
}
