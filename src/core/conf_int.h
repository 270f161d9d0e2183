/**
 * @file conf_int.h  Internals shared by conf.c, conf_yaml.c, conf_schema.c
 *
 * Not for other modules: they see only struct conf (conf.h).  The loader
 * runs in three steps over a YAML tree that keeps line numbers: structure
 * and types against the key tables, then ids and references across
 * sections, then (optionally) the files named.  struct conf is built only
 * when all three passed.
 */


/* ---- YAML tree (conf_yaml.c) ---- */

enum cy_type {
	CY_SCALAR = 0,
	CY_MAP,            /* kidv holds key, value, key, value, ...  */
	CY_SEQ,
};

struct cy_node {
	enum cy_type type;
	unsigned line;     /* 1-based, where the node starts           */
	bool plain;        /* unquoted scalar: may mean null/int/bool  */
	char *str;         /* scalar text, NUL-terminated, no NUL inside */
	size_t len;
	struct cy_node **kidv;
	size_t kidc;
	size_t kidsz;
};

enum {
	CONF_MAX_BYTES = 1024 * 1024,
	CY_MAX_DEPTH   = 16,       /* the schema needs 4               */
	CY_MAX_NODES   = 200000,
};

int  cy_parse(struct cy_node **rootp, const char *buf, size_t len,
	      unsigned *linep, char *why, size_t whysz);
const struct cy_node *cy_get(const struct cy_node *map, const char *key);
bool cy_null(const struct cy_node *n);
const char *cy_kind(const struct cy_node *n);


/* ---- key tables (conf_schema.c) ---- */

enum ck_type {
	CK_STR = 0,   /* free text, min..max characters, no control chars  */
	CK_ID,        /* [a-z0-9-], min..max                               */
	CK_POSID,     /* [A-Za-z0-9-], min..max                            */
	CK_INT,       /* plain integer min..max, stored as unsigned*scale  */
	CK_BOOL,      /* plain true|false                                  */
	CK_ENUM,      /* one of arg "a|b|c"                                */
	CK_PATH,      /* file system path, resolved against the conf dir   */
	CK_ADDR,      /* IPv4:port or [IPv6]:port                          */
	CK_TLSVER,    /* "1.2" | "1.3" -> 12 | 13 (int)                    */
	CK_USER,      /* a user name that is not root                      */
	CK_URL,       /* URL with one of the schemes in arg "http|https"   */
	CK_REF,       /* id of an item of index ref                        */
	CK_ROLES,     /* list of role names -> uint32_t mask               */
	CK_PANELS,    /* list of panel names -> char **, size_t at cntoff  */
	CK_DIGITS,    /* list of digit strings (attrs only)                */
	CK_MAP,       /* a section: mapping checked against sub            */
	CK_LIST,      /* a list of mappings, each checked against sub      */
};

enum ck_flags {
	CK_REQ    = 1 << 0,   /* must be present and not null             */
	CK_ATTR   = 1 << 1,   /* stored in conf_resource.attrs, not at off */
	CK_SECRET = 1 << 2,   /* CONF_CHECK_FILES: secfile_check()        */
	CK_ISDIR  = 1 << 3,   /* CONF_CHECK_FILES: an existing directory  */
	CK_MKDIR  = 1 << 4,   /* CONF_CHECK_FILES: it or its parent exists */
};

/* Indexes of ids, for uniqueness and references */
enum conf_ixk {
	IX_NONE = 0,
	IX_SITE,
	IX_NODE,
	IX_POSITION,
	IX_LAYOUT,
	IX_RESOURCE,
	IX_COUNT
};

struct vctx;
struct conf_sect;

struct conf_key {
	const char *name;
	enum ck_type type;
	unsigned flags;
	long long min, max;       /* range, length or list size            */
	const char *def;          /* default as YAML text, NULL: none      */
	const char *arg;          /* CK_ENUM choices, CK_URL schemes       */
	enum conf_ixk ref;        /* CK_REF: which index                   */
	const struct conf_sect *sub;  /* CK_MAP, CK_LIST                   */
	size_t off;               /* where the value goes in the struct    */
	size_t cntoff;            /* CK_PANELS: where the count goes       */
	unsigned scale;           /* CK_INT: stored value = value * scale  */
	const char *doc;
};

struct conf_sect {
	const char *name;
	const struct conf_key *keys;
	size_t keyc;
	enum conf_ixk ix;         /* list: index its ids go to             */
	int restype;              /* list of resources: conf_res_type      */
	size_t arroff, cntoff;    /* list: array and count in struct conf  */
	size_t itemsz;
	/* cross-item rules, run after ids and references resolved */
	int (*check)(struct vctx *v, const struct cy_node *item,
		     const char *path);
};

extern const struct conf_sect conf_root;

const char *conf_ix_noun(enum conf_ixk ix);
const char *conf_key_hint(const struct conf_sect *s, const char *key);
int  conf_role_names(struct re_printf *pf, void *unused);
int  conf_panel_names(struct re_printf *pf, void *unused);


/* ---- validation passes (conf_check.c) ---- */

struct conf_ident {
	const char *id;
	unsigned line;
	const struct cy_node *item;
	const struct conf_sect *sect;   /* for messages: "sites[2]"   */
	size_t i;
};

struct vctx {
	const char *file;
	char *err;
	size_t errsz;
	struct {
		struct conf_ident *v;
		size_t n;
	} ix[IX_COUNT];
};

int conf_fail(struct vctx *v, unsigned line, const char *fmt, ...);
int conf_value_check(struct vctx *v, const struct conf_key *k,
		     const struct cy_node *n, const char *kp);
int conf_int_parse(long long *vp, const char *s);
int conf_tlsver(const char *s);
int conf_walk(struct vctx *v, const struct cy_node *root);
int conf_xref(struct vctx *v, const struct cy_node *root);
const struct cy_node *conf_ix_find(const struct vctx *v, enum conf_ixk ix,
				   const char *id);

/* a value quoted in messages, cut so one bad line cannot flood a log */
#define CONF_VAL(n) (n)->str, (size_t)((n)->len > 48 ? 48 : (n)->len)
