/**
 * @file conf_check.c  Passes 1 and 2: values, structure, ids, references
 *
 * Each check says exactly what is wrong and where ("0 is out of range
 * 1..20", "'1.1' is insecure"), because the engineer reading the message
 * is at a control room console, not in a debugger.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <re.h>
#include "core/conf.h"
#include "core/conf_int.h"


static int check_text(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp)
{
	long long chars = 0;

	for (size_t i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->str[i];

		if (c < 0x20 || c == 0x7f)
			return conf_fail(v, n->line, "%s: control character "
					 "in '%b'", kp, CONF_VAL(n));
		chars += (c & 0xc0) != 0x80;   /* count UTF-8 characters */
	}

	if (chars < k->min || chars > k->max)
		return conf_fail(v, n->line, "%s: '%b' must be %lld..%lld "
				 "characters long", kp, CONF_VAL(n),
				 k->min, k->max);

	return 0;
}


static int check_id(struct vctx *v, const struct conf_key *k,
		    const struct cy_node *n, const char *kp)
{
	bool upper = k->type == CK_POSID;
	bool ok = (long long)n->len >= k->min && (long long)n->len <= k->max;

	for (size_t i = 0; ok && i < n->len; i++) {
		char c = n->str[i];

		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || (upper && c >= 'A' && c <= 'Z');
	}

	if (!ok)
		return conf_fail(v, n->line, "%s: '%b' is not a valid id "
				 "(%s, %lld..%lld characters)", kp,
				 CONF_VAL(n), upper ? "A-Z a-z 0-9 -" :
				 "a-z 0-9 -", k->min, k->max);

	return 0;
}


/* Is s one of the '|'-separated words in arg (or, with prefix, does s
 * start with one of them and go on)? */
static bool choice(const char *arg, const char *s, bool prefix)
{
	for (const char *p = arg; p && *p;) {
		size_t n = strcspn(p, "|");

		if (prefix ? !strncasecmp(s, p, n) && s[n] && s[n] != '/' :
		    strlen(s) == n && !strncmp(s, p, n))
			return true;
		p += n + (p[n] == '|');
	}

	return false;
}


int conf_int_parse(long long *vp, const char *s)
{
	const char *d = s + (*s == '-');
	size_t n = strlen(d);

	if (!n || strspn(d, "0123456789") != n)
		return EINVAL;
	if (n > 1 && d[0] == '0')   /* YAML 1.1 reads 010 as octal 8 */
		return EINVAL;
	if (n > 18)
		return ERANGE;

	*vp = strtoll(s, NULL, 10);
	return 0;
}


static int check_int(struct vctx *v, const struct conf_key *k,
		     const struct cy_node *n, const char *kp)
{
	long long val = 0;
	int err;

	if (!n->plain)
		return conf_fail(v, n->line, "%s: expected an integer, not "
				 "the quoted string '%b'", kp, CONF_VAL(n));

	err = conf_int_parse(&val, n->str);
	if (err == ERANGE)
		return conf_fail(v, n->line, "%s: %b is out of range "
				 "%lld..%lld", kp, CONF_VAL(n),
				 k->min, k->max);
	if (err)
		return conf_fail(v, n->line, "%s: '%b' is not an integer",
				 kp, CONF_VAL(n));
	if (val < k->min || val > k->max)
		return conf_fail(v, n->line, "%s: %lld is out of range "
				 "%lld..%lld", kp, val, k->min, k->max);

	return 0;
}


static int check_bool(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp)
{
	if (!n->plain || !choice("true|false|True|False|TRUE|FALSE",
				 n->str, false))
		return conf_fail(v, n->line, "%s: expected true or false, "
				 "not '%b'", kp, CONF_VAL(n));

	return 0;
}


static int check_enum(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp)
{
	if (!choice(k->arg, n->str, false))
		return conf_fail(v, n->line, "%s: '%b' is not one of %s",
				 kp, CONF_VAL(n), k->arg);

	return 0;
}


static int check_addr(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp)
{
	const char *s = n->str, *colon = strrchr(s, ':');
	char host[64];
	uint8_t a[16];
	long long port = 0;
	size_t hl;
	int af = AF_INET;

	hl = colon ? (size_t)(colon - s) : 0;
	if (hl > 2 && s[0] == '[' && s[hl - 1] == ']') {
		af = AF_INET6;
		++s;
		hl -= 2;
	}
	if (!hl || hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(af, host, a) != 1)
		goto bad;

	if (conf_int_parse(&port, colon + 1) || port < 1 || port > 65535)
		return conf_fail(v, n->line, "%s: port '%b' is out of range "
				 "1..65535", kp, colon + 1,
				 strnlen(colon + 1, 16));

	return 0;

 bad:
	return conf_fail(v, n->line, "%s: '%b' is not ip:port (e.g. "
			 "127.0.0.1:8443 or [::1]:8443)", kp, CONF_VAL(n));
}


/* 12 or 13; 0 for a version we know and refuse; -1 for nonsense */
int conf_tlsver(const char *s)
{
	if (!strcmp(s, "1.2"))
		return 12;
	if (!strcmp(s, "1.3"))
		return 13;

	if (!strncasecmp(s, "ssl", 3))
		return 0;
	if (!strncasecmp(s, "tls", 3)) {
		s += 3;
		s += *s == 'v' || *s == 'V' || *s == ' ';
	}

	return choice("1|1.0|1.1", s, false) ? 0 : -1;
}


static int check_tlsver(struct vctx *v, const struct conf_key *k,
			const struct cy_node *n, const char *kp)
{
	switch (conf_tlsver(n->str)) {

	case 0:
		return conf_fail(v, n->line, "%s: '%b' is insecure (TLS 1.2 "
				 "or newer required)", kp, CONF_VAL(n));
	case -1:
		return conf_fail(v, n->line, "%s: '%b' is not a TLS version "
				 "(\"1.2\" or \"1.3\")", kp, CONF_VAL(n));
	default:
		return 0;
	}
}


static int check_user(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp)
{
	const char *s = n->str;

	if (!n->len || (long long)n->len > k->max ||
	    !((*s >= 'a' && *s <= 'z') || *s == '_') ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n->len)
		return conf_fail(v, n->line, "%s: '%b' is not a valid user "
				 "name", kp, CONF_VAL(n));

	if (!strcmp(s, "root"))
		return conf_fail(v, n->line, "%s: 'root' is not allowed (the "
				 "daemon drops root privileges to this user)",
				 kp);

	return 0;
}


static int check_url(struct vctx *v, const struct conf_key *k,
		     const struct cy_node *n, const char *kp)
{
	int err = check_text(v, k, n, kp);

	if (err)
		return err;

	if (strchr(n->str, ' ') || !choice(k->arg, n->str, true))
		return conf_fail(v, n->line, "%s: '%b' is not a URL starting "
				 "with %s", kp, CONF_VAL(n), k->arg);

	return 0;
}


static bool listed_before(const struct cy_node *list, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		if (!strcmp(list->kidv[j]->str, list->kidv[i]->str))
			return true;
	}

	return false;
}


static int list_item(struct vctx *v, const struct conf_key *k,
		     const struct cy_node *list, size_t i, const char *kp)
{
	const struct cy_node *n = list->kidv[i];
	uint32_t r;

	switch (k->type) {

	case CK_ROLES:
		if (role_parse(&r, n->str))
			return conf_fail(v, n->line, "%s: unknown role '%b' "
					 "(known: %H)", kp, CONF_VAL(n),
					 conf_role_names, NULL);
		return 0;

	case CK_PANELS:
		if (!conf_panel_known(n->str))
			return conf_fail(v, n->line, "%s: unknown panel '%b' "
					 "(known: %H)", kp, CONF_VAL(n),
					 conf_panel_names, NULL);
		break;

	default:
		if (!n->len || n->len > 15 ||
		    strspn(n->str, "0123456789") != n->len)
			return conf_fail(v, n->line, "%s: '%b' is not a "
					 "telephone number (1..15 digits)",
					 kp, CONF_VAL(n));
		break;
	}

	if (listed_before(list, i))
		return conf_fail(v, n->line, "%s: '%b' is listed twice",
				 kp, CONF_VAL(n));

	return 0;
}


static int check_list(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp)
{
	int err;

	if (n->type != CY_SEQ)
		return conf_fail(v, n->line, "%s: expected a list, not %s",
				 kp, cy_kind(n));
	if ((long long)n->kidc < k->min || (long long)n->kidc > k->max)
		return conf_fail(v, n->line, "%s: expected %lld..%lld "
				 "entries, not %zu", kp, k->min, k->max,
				 n->kidc);

	for (size_t i = 0; i < n->kidc; i++) {
		if (n->kidv[i]->type != CY_SCALAR)
			return conf_fail(v, n->kidv[i]->line, "%s: expected "
					 "a list of strings, found %s", kp,
					 cy_kind(n->kidv[i]));
		err = list_item(v, k, n, i, kp);
		if (err)
			return err;
	}

	return 0;
}


typedef int (check_h)(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp);

/* what a scalar type is called when a list or mapping stands in its place;
 * NULL for the types that are lists themselves */
static const struct {
	check_h *check;
	const char *what;
} checks[] = {
	[CK_STR]    = {check_text,   "a string"},
	[CK_ID]     = {check_id,     "an id"},
	[CK_POSID]  = {check_id,     "an id"},
	[CK_INT]    = {check_int,    "an integer"},
	[CK_BOOL]   = {check_bool,   "true or false"},
	[CK_ENUM]   = {check_enum,   "one of the listed words"},
	[CK_PATH]   = {check_text,   "a path"},
	[CK_ADDR]   = {check_addr,   "ip:port"},
	[CK_TLSVER] = {check_tlsver, "a TLS version"},
	[CK_USER]   = {check_user,   "a user name"},
	[CK_URL]    = {check_url,    "a URL"},
	[CK_REF]    = {check_text,   "an id"},
	[CK_ROLES]  = {check_list,   NULL},
	[CK_PANELS] = {check_list,   NULL},
	[CK_DIGITS] = {check_list,   NULL},
	[CK_MAP]    = {NULL,         NULL},   /* the walk descends into */
	[CK_LIST]   = {NULL,         NULL},   /* these two itself       */
};


/* Check one value (not a section or list of mappings) against its key */
int conf_value_check(struct vctx *v, const struct conf_key *k,
		     const struct cy_node *n, const char *kp)
{
	if ((unsigned)k->type >= ARRAY_SIZE(checks) || !checks[k->type].check)
		return 0;

	if (checks[k->type].what && n->type != CY_SCALAR)
		return conf_fail(v, n->line, "%s: expected %s, not %s", kp,
				 checks[k->type].what, cy_kind(n));

	return checks[k->type].check(v, k, n, kp);
}


int conf_fail(struct vctx *v, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!v->err || !v->errsz)
		return EINVAL;

	n = re_snprintf(v->err, v->errsz, "%s:%u: ", v->file, line);
	if (n < 0)
		return EINVAL;

	va_start(ap, fmt);
	(void)re_vsnprintf(v->err + n, v->errsz - (size_t)n, fmt, ap);
	va_end(ap);

	return EINVAL;
}


/* ---- pass 1: structure, types and bounds ---- */

static int walk_map(struct vctx *v, const struct conf_sect *s,
		    const struct cy_node *map, unsigned line,
		    const char *path);


static int unknown_key(struct vctx *v, const struct conf_sect *s,
		       const struct cy_node *key, const char *path)
{
	const char *hint = conf_key_hint(s, key->str);

	return conf_fail(v, key->line, "unknown key '%b' %s%s%s%s%s%s",
			 CONF_VAL(key), *path ? "in '" : "at top level",
			 path, *path ? "'" : "",
			 hint ? " (did you mean '" : "", hint ? hint : "",
			 hint ? "'?)" : "");
}


static int walk_list(struct vctx *v, const struct conf_key *k,
		     const struct cy_node *n, const char *kp)
{
	char ip[48];
	int err;

	if (n->type != CY_SEQ)
		return conf_fail(v, n->line, "%s: expected a list, not %s",
				 kp, cy_kind(n));
	if (!n->kidc && k->min)
		return conf_fail(v, n->line, "%s: the list is empty (at least "
				 "%lld entry required)", kp, k->min);
	if ((long long)n->kidc > k->max)
		return conf_fail(v, n->line, "%s: more than %lld entries",
				 kp, k->max);

	for (size_t i = 0; i < n->kidc; i++) {
		const struct cy_node *item = n->kidv[i];

		(void)re_snprintf(ip, sizeof(ip), "%s[%zu]", kp, i);
		if (item->type != CY_MAP)
			return conf_fail(v, item->line, "%s: expected a "
					 "mapping (id: ...), not %s", ip,
					 cy_kind(item));

		err = walk_map(v, k->sub, item, item->line, ip);
		if (err)
			return err;
	}

	return 0;
}


static int walk_value(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, const char *kp)
{
	switch (k->type) {

	case CK_MAP:
		if (n->type != CY_MAP)
			return conf_fail(v, n->line, "%s: expected a mapping, "
					 "not %s", kp, cy_kind(n));
		return walk_map(v, k->sub, n, n->line, kp);

	case CK_LIST:
		return walk_list(v, k, n, kp);

	default:
		return conf_value_check(v, k, n, kp);
	}
}


static int missing(struct vctx *v, const struct conf_sect *s,
		   const unsigned *seen, unsigned line, const char *path)
{
	for (size_t j = 0; j < s->keyc; j++) {
		const struct conf_key *k = &s->keys[j];

		if (!(k->flags & CK_REQ) || seen[j])
			continue;
		if (!*path)
			return conf_fail(v, line, "missing required section "
					 "'%s'", k->name);
		return conf_fail(v, line, "%s: missing required key '%s'",
				 path, k->name);
	}

	return 0;
}


static int walk_map(struct vctx *v, const struct conf_sect *s,
		    const struct cy_node *map, unsigned line,
		    const char *path)
{
	unsigned seen[32] = {0};   /* line of each key of s met so far */
	char kp[64];
	int err;

	if (s->keyc > ARRAY_SIZE(seen))
		return conf_fail(v, line, "%s: key table too large", path);

	for (size_t i = 0; i + 1 < map->kidc; i += 2) {
		const struct cy_node *key = map->kidv[i];
		const struct cy_node *val = map->kidv[i + 1];
		const struct conf_key *k = NULL;
		size_t j;

		for (j = 0; j < s->keyc && !k; j++)
			k = strcmp(key->str, s->keys[j].name) ? NULL :
				&s->keys[j];
		if (!k)
			return unknown_key(v, s, key, path);
		--j;

		if (seen[j])
			return conf_fail(v, key->line, "duplicate key '%s' in "
					 "'%s' (first at line %u)", k->name,
					 *path ? path : "top level", seen[j]);
		seen[j] = key->line;

		(void)re_snprintf(kp, sizeof(kp), "%s%s%s", path,
				  *path ? "." : "", k->name);

		if (cy_null(val)) {
			if (k->flags & CK_REQ)
				return conf_fail(v, key->line, "%s: a value is "
						 "required", kp);
			continue;
		}

		err = walk_value(v, k, val, kp);
		if (err)
			return err;
	}

	return missing(v, s, seen, line, path);
}


/* ---- pass 2: ids and references ---- */

static int ident_cmp(const void *a, const void *b)
{
	const struct conf_ident *x = a, *y = b;
	int r = strcmp(x->id, y->id);

	return r ? r : (x->line > y->line) - (x->line < y->line);
}


static int ix_collect(struct vctx *v, const struct cy_node *root,
		      bool fill)
{
	for (size_t i = 0; i < conf_root.keyc; i++) {
		const struct conf_key *k = &conf_root.keys[i];
		const struct cy_node *list = cy_get(root, k->name);
		enum conf_ixk ix = k->sub->ix;

		if (k->type != CK_LIST || !ix || cy_null(list))
			continue;

		for (size_t j = 0; j < list->kidc; j++) {
			const struct cy_node *id = cy_get(list->kidv[j], "id");
			struct conf_ident *e;

			if (!fill) {
				++v->ix[ix].n;
				continue;
			}
			e = &v->ix[ix].v[v->ix[ix].n++];
			e->id   = id->str;
			e->line = id->line;
			e->item = list->kidv[j];
			e->sect = k->sub;
			e->i    = j;
		}
	}

	return 0;
}


static int ix_build(struct vctx *v, const struct cy_node *root)
{
	const struct conf_ident *dup = NULL, *first = NULL;

	(void)ix_collect(v, root, false);
	for (int ix = 1; ix < IX_COUNT; ix++) {
		v->ix[ix].v = mem_zalloc((v->ix[ix].n + 1) *
					 sizeof(*v->ix[ix].v), NULL);
		if (!v->ix[ix].v)
			return ENOMEM;
		v->ix[ix].n = 0;
	}
	(void)ix_collect(v, root, true);

	/* sorted, a duplicate sits next to its twin: report the one that
	 * comes first in the file */
	for (int ix = 1; ix < IX_COUNT; ix++) {
		struct conf_ident *e = v->ix[ix].v;

		qsort(e, v->ix[ix].n, sizeof(*e), ident_cmp);
		for (size_t i = 1; i < v->ix[ix].n; i++) {
			if (strcmp(e[i].id, e[i - 1].id) ||
			    (dup && dup->line <= e[i].line))
				continue;
			dup   = &e[i];
			first = &e[i - 1];
		}
	}

	if (dup)
		return conf_fail(v, dup->line, "%s[%zu].id: duplicate id '%s' "
				 "(first used at line %u by %s[%zu])",
				 dup->sect->name, dup->i, dup->id,
				 first->line, first->sect->name, first->i);

	return 0;
}


static int ident_idcmp(const void *a, const void *b)
{
	const struct conf_ident *x = a, *y = b;

	return strcmp(x->id, y->id);
}


const struct cy_node *conf_ix_find(const struct vctx *v, enum conf_ixk ix,
				   const char *id)
{
	struct conf_ident key = {.id = id}, *e;

	if ((unsigned)ix >= IX_COUNT || !id || !v->ix[ix].v)
		return NULL;

	e = bsearch(&key, v->ix[ix].v, v->ix[ix].n, sizeof(key),
		    ident_idcmp);

	return e ? e->item : NULL;
}


static int refs_check(struct vctx *v, const struct conf_sect *s,
		      const struct cy_node *map, const char *path)
{
	char kp[64];

	for (size_t j = 0; j < s->keyc; j++) {
		const struct conf_key *k = &s->keys[j];
		const struct cy_node *n = cy_get(map, k->name);

		if (k->type != CK_REF || cy_null(n) ||
		    conf_ix_find(v, k->ref, n->str))
			continue;

		(void)re_snprintf(kp, sizeof(kp), "%s%s%s", path,
				  *path ? "." : "", k->name);
		return conf_fail(v, n->line, "%s: unknown %s '%b'", kp,
				 conf_ix_noun(k->ref), CONF_VAL(n));
	}

	return s->check ? s->check(v, map, path) : 0;
}


/* Pass 2: every id unique, every reference resolves, per-item rules. */
int conf_xref(struct vctx *v, const struct cy_node *root)
{
	char ip[48];
	int err = ix_build(v, root);

	for (size_t i = 0; !err && i < conf_root.keyc; i++) {
		const struct conf_key *k = &conf_root.keys[i];
		const struct cy_node *n = cy_get(root, k->name);

		if (cy_null(n))
			continue;
		if (k->type == CK_MAP) {
			err = refs_check(v, k->sub, n, k->name);
			continue;
		}

		for (size_t j = 0; !err && j < n->kidc; j++) {
			(void)re_snprintf(ip, sizeof(ip), "%s[%zu]", k->name,
					  j);
			err = refs_check(v, k->sub, n->kidv[j], ip);
		}
	}

	return err;
}


/* Pass 1: the whole tree against the key tables. */
int conf_walk(struct vctx *v, const struct cy_node *root)
{
	if (root->type != CY_MAP)
		return conf_fail(v, root->line, "expected a mapping of "
				 "sections (node:, listen:, ...), not %s",
				 cy_kind(root));

	return walk_map(v, &conf_root, root, root->line, "");
}
