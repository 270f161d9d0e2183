/**
 * @file audit_int.h  Audit trail internals shared by audit.c (chain,
 *                    append) and audit_verify.c (verify, read out)
 */

enum {
	AUDIT_HEX = 64,           /* SHA-256 as lowercase hex */
};

/* Columns in the order audit_row_entry() reads them */
#define AUDIT_COLS "seq, ts, actor, position, action, object, result," \
	" detail, prev, hash"

struct audit {
	struct store *st;
	uint8_t *key;
	size_t keylen;
	char *headpath;
	EVP_MAC *mac;
	audit_entry_h *hook;      /* told of every committed entry */
	void *hook_arg;
	struct audit_writer *w;   /* NULL: append synchronously   */
};

/* Last seq and hash, as in the head file */
struct audit_head {
	uint64_t seq;
	char hash[AUDIT_HEX + 1];
};

extern const char audit_zero_prev[AUDIT_HEX + 1];

int  audit_entry_hash(const struct audit *a, const char *prev,
		      const struct audit_entry *e, char out[AUDIT_HEX + 1]);
/* 0, ENOENT when there is none, EBADMSG when it fails its MAC */
int  audit_head_read(const struct audit *a, struct audit_head *h);
void audit_row_entry(sqlite3_stmt *stmt, struct audit_entry *e);
const char *audit_col_text(sqlite3_stmt *stmt, int i);

bool audit_entry_valid(const struct audit_entry *e);
int  audit_commit(struct audit *a, struct store *st,
		  struct audit_entry **ev, size_t n);
void audit_fire_hook(const struct audit *a, const struct audit_entry *e);

/* audit_writer.c: queue e (copied; seq is set when committed) */
int  audit_writer_push(struct audit_writer *w, const struct audit_entry *e);
