/**
 * @file session_int.h  Internals shared by session.c and session_store.c
 */

struct session {
	struct le le;
	struct session_mgr *sm;
	int64_t sid;               /* row id in the sessions table     */
	char token_hash[65];
	char username[64];
	char display_name[128];
	char position[32];
	uint32_t roles;
	int64_t started;           /* unix ms */
	int64_t last_seen;
	char peer[64];
	unsigned consoles;
	bool ended;
};

struct session_mgr {
	struct store *st;
	struct audit *au;
	struct pos_reg *pr;
	const struct conf *conf;
	struct list sessions;
	struct tmr tmr;
	int data_version;
	int64_t last_flush;
	char dummy_hash[PASSWD_HASH_MAX];  /* equalises unknown-user time */
};


int64_t session_now_ms(void);
struct session *session_find_by(const struct session_mgr *sm,
				const char *username, const char *pos_id);
struct session *session_new(struct session_mgr *sm,
			    const struct operator_rec *rec,
			    const char *pos_id, const char *peer,
			    int64_t started);
void session_occupy(struct session_mgr *sm, struct session *s);
bool session_idle(const struct session_mgr *sm, const struct session *s,
		  int64_t now);

/* session_store.c */
int  session_store_insert(struct session_mgr *sm, struct session *s);
void session_store_end(struct session_mgr *sm, int64_t sid, int64_t at,
		       const char *reason);
int  session_data_version(struct session_mgr *sm);
void session_flush_last_seen(struct session_mgr *sm);
int  session_restore(struct session_mgr *sm);
