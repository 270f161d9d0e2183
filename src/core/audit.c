/**
 * @file audit.c  Hash-chained, keyed audit trail
 *
 * The HMAC input is a length-prefixed encoding of every field (a NULL
 * field has its own marker), so no choice of field values can shift a
 * boundary and give two different entries the same input.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <re.h>
#include <jansson.h>
#include "core/log.h"
#include "core/secfile.h"
#include "core/store.h"
#include "core/audit.h"
#include "core/audit_int.h"

enum {
	HEX_LEN  = AUDIT_HEX,
	KEY_MIN  = 32,
	HEAD_MAX = 256,
};

const char audit_zero_prev[AUDIT_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

struct hmac {
	EVP_MAC_CTX *ctx;
	bool fail;
};


static void destructor(void *data)
{
	struct audit *a = data;

	/* the writer drains its queue before the key and store go */
	a->w = mem_deref(a->w);
	if (a->key)
		OPENSSL_cleanse(a->key, a->keylen);
	mem_deref(a->key);
	mem_deref(a->headpath);
	EVP_MAC_free(a->mac);
	mem_deref(a->st);
}


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* ---- keyed hash -------------------------------------------------------*/

static void hmac_start(const struct audit *a, struct hmac *m)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 digest, 0),
		OSSL_PARAM_construct_end(),
	};

	m->ctx = EVP_MAC_CTX_new(a->mac);
	m->fail = !m->ctx ||
		!EVP_MAC_init(m->ctx, a->key, a->keylen, params);
}


static void hmac_u64(struct hmac *m, uint64_t v)
{
	uint8_t b[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;

	if (!m->fail && !EVP_MAC_update(m->ctx, b, sizeof(b)))
		m->fail = true;
}


/* NULL gets a length no string can have: NULL and "" hash apart */
static void hmac_str(struct hmac *m, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	hmac_u64(m, s ? (uint64_t)n : UINT64_MAX);
	if (n && !m->fail && !EVP_MAC_update(m->ctx, (const uint8_t *)s, n))
		m->fail = true;
}


static int hmac_hex(struct hmac *m, char out[HEX_LEN + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t n = 0;

	if (!m->fail && !EVP_MAC_final(m->ctx, md, &n, sizeof(md)))
		m->fail = true;
	EVP_MAC_CTX_free(m->ctx);
	m->ctx = NULL;

	if (m->fail || n != HEX_LEN / 2)
		return EIO;

	for (size_t i = 0; i < n; i++)
		(void)re_snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}


int audit_entry_hash(const struct audit *a, const char *prev,
		      const struct audit_entry *e, char out[HEX_LEN + 1])
{
	struct hmac m;

	hmac_start(a, &m);
	hmac_str(&m, "openiccs-audit-v1");
	hmac_str(&m, prev);
	hmac_u64(&m, e->seq);
	hmac_u64(&m, (uint64_t)e->ts_ms);
	hmac_str(&m, e->actor);
	hmac_str(&m, e->position);
	hmac_str(&m, e->action);
	hmac_str(&m, e->object);
	hmac_str(&m, e->result);
	hmac_str(&m, e->detail);

	return hmac_hex(&m, out);
}


static int head_mac(const struct audit *a,
		    const struct audit_head *h, char out[HEX_LEN + 1])
{
	struct hmac m;

	hmac_start(a, &m);
	hmac_str(&m, "openiccs-audit-head-v1");
	hmac_u64(&m, h->seq);
	hmac_str(&m, h->hash);

	return hmac_hex(&m, out);
}


/* ---- head file ---------------------------------------------------------*/

static bool is_hex(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == HEX_LEN && s[n] == '\0';
}


int audit_head_read(const struct audit *a, struct audit_head *h)
{
	char buf[HEAD_MAX], mac[HEX_LEN + 1], want[HEX_LEN + 1];
	ssize_t n;
	int fd, err;

	memset(h, 0, sizeof(*h));

	fd = open(a->headpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? errno : 0;
	(void)close(fd);
	if (err)
		return err;
	buf[n] = '\0';

	if (sscanf(buf, "openiccs-audit-head v1 %" SCNu64 " %64s %64s",
		   &h->seq, h->hash, mac) != 3 ||
	    !is_hex(h->hash) || !is_hex(mac))
		return EBADMSG;

	err = head_mac(a, h, want);
	if (err)
		return err;

	return CRYPTO_memcmp(mac, want, HEX_LEN) ? EBADMSG : 0;
}


static void fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	str_ncpy(dir, path, sizeof(dir));
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)fsync(fd);
	(void)close(fd);
}


/* iccsctl run as root must not leave a head the daemon cannot read:
 * give it the store's owner, as SQLite does with its -wal file. */
static void head_chown(const struct audit *a, int fd)
{
	struct stat s;

	if (geteuid() != 0 || stat(store_path(a->st), &s))
		return;
	if (fchown(fd, s.st_uid, s.st_gid))
		log_warn("audit", "%s: chown: %m", a->headpath, errno);
}


static int head_write(const struct audit *a,
		      const struct audit_head *h)
{
	char tmp[PATH_MAX], mac[HEX_LEN + 1], buf[HEAD_MAX];
	int fd, n, err;

	err = head_mac(a, h, mac);
	if (err)
		return err;

	n = re_snprintf(buf, sizeof(buf),
			"openiccs-audit-head v1 %llu %s %s\n",
			(unsigned long long)h->seq, h->hash, mac);
	(void)re_snprintf(tmp, sizeof(tmp), "%s.tmp.%d", a->headpath,
			  (int)getpid());

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;

	head_chown(a, fd);
	errno = 0;
	if (write(fd, buf, (size_t)n) != n || fsync(fd))
		err = errno ? errno : EIO;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, a->headpath))
		err = errno;

	if (err)
		(void)unlink(tmp);
	else
		fsync_dir(a->headpath);
	return err;
}


/* ---- append ------------------------------------------------------------*/

const char *audit_col_text(sqlite3_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt, i);
}


void audit_row_entry(sqlite3_stmt *stmt, struct audit_entry *e)
{
	e->seq      = (uint64_t)sqlite3_column_int64(stmt, 0);
	e->ts_ms    = sqlite3_column_int64(stmt, 1);
	e->actor    = audit_col_text(stmt, 2);
	e->position = audit_col_text(stmt, 3);
	e->action   = audit_col_text(stmt, 4);
	e->object   = audit_col_text(stmt, 5);
	e->result   = audit_col_text(stmt, 6);
	e->detail   = audit_col_text(stmt, 7);
}


static int last_entry(struct store *st, struct audit_head *last)
{
	sqlite3_stmt *stmt;
	int rc;

	last->seq = 0;
	memcpy(last->hash, audit_zero_prev, sizeof(last->hash));

	rc = sqlite3_prepare_v2(store_db(st), "SELECT seq, hash FROM audit"
				" ORDER BY seq DESC LIMIT 1", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *h = audit_col_text(stmt, 1);

		last->seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		str_ncpy(last->hash, h ? h : "", sizeof(last->hash));
	}
	sqlite3_finalize(stmt);

	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(rc);
}


/* If the head is ahead of the store, the tail was cut off: chain on from
 * the head so the cut stays visible as a gap instead of being papered
 * over by new entries that reuse the missing seq numbers. */
static int chain_point(const struct audit *a, struct store *st,
		       struct audit_head *last)
{
	struct audit_head h;
	int err;

	err = last_entry(st, last);
	if (err)
		return err;

	if (audit_head_read(a, &h) == 0 && h.seq > last->seq) {
		log_warn("audit", "store ends at seq %llu but the head says "
			 "%llu: entries are missing, chaining on from the "
			 "head", (unsigned long long)last->seq,
			 (unsigned long long)h.seq);
		*last = h;
	}

	return 0;
}


static int insert(struct store *st, const struct audit_entry *e,
		  const char *prev, const char *hash)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = sqlite3_prepare_v2(store_db(st), "INSERT INTO audit("
				AUDIT_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?)",
				-1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);

	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)e->seq);
	sqlite3_bind_int64(stmt, 2, e->ts_ms);
	store_bind_text(stmt, 3, e->actor);
	store_bind_text(stmt, 4, e->position);
	store_bind_text(stmt, 5, e->action);
	store_bind_text(stmt, 6, e->object);
	store_bind_text(stmt, 7, e->result);
	store_bind_text(stmt, 8, e->detail);
	store_bind_text(stmt, 9, prev);
	store_bind_text(stmt, 10, hash);

	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);

	return rc == SQLITE_DONE ? 0 : store_err(rc);
}


static bool detail_valid(const char *detail)
{
	json_t *j;
	bool ok;

	if (!detail)
		return true;

	j = json_loads(detail, 0, NULL);
	ok = json_is_object(j);
	json_decref(j);
	return ok;
}


bool audit_entry_valid(const struct audit_entry *e)
{
	return e && str_isset(e->actor) && str_isset(e->action) &&
		str_isset(e->result) && detail_valid(e->detail);
}


/* Append ev[0..n) in one transaction of st, chained on from the newest
 * entry (read inside the transaction, so another process appending at
 * the same time, iccsctl, cannot fork the chain), then move the head.
 * Sets seq of each; ts_ms must be set.  One fsync per batch, not per
 * entry: that is what lets the writer thread keep up with a busy room. */
int audit_commit(struct audit *a, struct store *st,
		 struct audit_entry **ev, size_t n)
{
	struct audit_head last;
	int err;

	err = store_begin(st);
	if (err)
		return err;

	err = chain_point(a, st, &last);

	for (size_t i = 0; !err && i < n; i++) {
		char hash[HEX_LEN + 1];

		ev[i]->seq = last.seq + 1;
		err = audit_entry_hash(a, last.hash, ev[i], hash);
		if (!err)
			err = insert(st, ev[i], last.hash, hash);
		if (!err) {
			last.seq = ev[i]->seq;
			memcpy(last.hash, hash, sizeof(last.hash));
		}
	}

	if (!err)
		err = store_commit(st);
	if (err) {
		store_rollback(st);
		log_error("audit", "append of %u entries failed: %m",
			  (unsigned)n, err);
		return err;
	}

	/* The entries are committed: a head left behind is not a fault
	 * (audit_verify accepts it), so report and carry on. */
	err = head_write(a, &last);
	if (err)
		log_error("audit", "%s: head not written: %m", a->headpath,
			  err);
	return 0;
}


void audit_fire_hook(const struct audit *a, const struct audit_entry *e)
{
	if (a->hook)
		a->hook(e, a->hook_arg);
}


/* Without a writer thread (iccsctl, tests) the entry is durable when this
 * returns; with one (iccsd) it is queued, see audit_writer.c */
int audit_append(struct audit *a, struct audit_entry *e)
{
	int err;

	if (!a || !audit_entry_valid(e))
		return EINVAL;

	e->ts_ms = now_ms();
	if (a->w)
		return audit_writer_push(a->w, e);

	err = audit_commit(a, a->st, &e, 1);
	if (!err)
		audit_fire_hook(a, e);
	return err;
}


void audit_set_hook(struct audit *a, audit_entry_h *h, void *arg)
{
	if (!a)
		return;
	a->hook = h;
	a->hook_arg = arg;
}


int audit_log(struct audit *a, const char *actor, const char *position,
	      const char *action, const char *object, const char *result,
	      json_t *detail)
{
	struct audit_entry e = {
		.actor = actor, .position = position, .action = action,
		.object = object, .result = result,
	};
	char *text = NULL;
	int err;

	if (detail) {
		text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text)
			return ENOMEM;
		e.detail = text;
	}

	err = audit_append(a, &e);
	free(text);

	return err;
}


/* The newest seq, not count(*): O(log n) for /metrics, and equal to the
 * number of entries in an intact chain. */
uint64_t audit_count(const struct audit *a)
{
	struct audit_head last;

	if (!a || last_entry(a->st, &last))
		return 0;
	return last.seq;
}


/* ---- alloc -------------------------------------------------------------*/

static int load_key(struct audit *a, const char *keyfile)
{
	char why[256] = "";
	int err;

	err = secfile_check(keyfile, why, sizeof(why));
	if (err) {
		log_error("audit", "key file %s: %s", keyfile, why);
		return err;
	}

	err = secfile_read(keyfile, &a->key, &a->keylen);
	if (err) {
		log_error("audit", "key file %s: %m", keyfile, err);
		return err;
	}

	if (a->keylen < KEY_MIN) {
		log_error("audit", "key file %s: %u bytes, need at least %d",
			  keyfile, (unsigned)a->keylen, KEY_MIN);
		return EINVAL;
	}

	return 0;
}


int audit_alloc(struct audit **ap, struct store *st, const char *keyfile)
{
	struct audit *a;
	int err;

	if (!ap || !st || !str_isset(keyfile) || !store_path(st))
		return EINVAL;

	a = mem_zalloc(sizeof(*a), destructor);
	if (!a)
		return ENOMEM;

	a->st = mem_ref(st);

	err = re_sdprintf(&a->headpath, "%s.audit-head", store_path(st));
	if (err)
		goto out;

	a->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!a->mac) {
		log_error("audit", "OpenSSL has no HMAC");
		err = ENOSYS;
		goto out;
	}

	err = load_key(a, keyfile);

 out:
	if (err)
		mem_deref(a);
	else
		*ap = a;
	return err;
}
