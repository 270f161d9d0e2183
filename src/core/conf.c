/**
 * @file conf.c  Load, validate and build the configuration
 *
 * Three passes over the YAML tree, each complete before the next:
 * structure and values against the key tables, then ids and references
 * across sections (both in conf_check.c), then with CONF_CHECK_FILES the
 * files the config names (here).  Only a tree that passed all three
 * becomes a struct conf, so a bad config can never be half-applied.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "core/conf.h"
#include "core/conf_int.h"
#include "core/secfile.h"


/* ---- paths and pass 3: the files named ---- */

/* dir is absolute, so the result is too.  No ".." is folded: with a
 * symlinked directory that would name another file than the kernel does. */
static int path_join(char **out, const char *dir, const char *p)
{
	size_t n;
	int err;

	while (p[0] == '.' && p[1] == '/')
		for (p += 2; *p == '/'; ++p)
			;

	if (p[0] == '/')
		err = str_dup(out, p);
	else if (!p[0] || !strcmp(p, "."))
		err = str_dup(out, dir);
	else
		err = re_sdprintf(out, "%s%s%s", dir,
				  dir[strlen(dir) - 1] == '/' ? "" : "/", p);
	if (err)
		return err;

	/* "var/" and "var" must compare equal where the daemon checks that
	 * the store lies in state_dir */
	n = strlen(*out);
	while (n > 1 && (*out)[n - 1] == '/')
		(*out)[--n] = '\0';

	return 0;
}


static int dir_check(struct vctx *v, const char *kp, unsigned line,
		     const char *path, bool parent_ok)
{
	struct stat st;
	char *parent, *slash;
	int err = 0;

	if (!stat(path, &st))
		return S_ISDIR(st.st_mode) ? 0 : conf_fail(v, line,
			"%s: %s is not a directory", kp, path);
	err = errno;
	if (err != ENOENT || !parent_ok)
		return conf_fail(v, line, "%s: %s: %m", kp, path, err);

	/* it may be created at start-up, as long as its parent exists */
	if (str_dup(&parent, path))
		return ENOMEM;
	slash = strrchr(parent, '/');
	if (slash)
		*(slash == parent ? slash + 1 : slash) = '\0';
	if (!slash || stat(parent, &st) || !S_ISDIR(st.st_mode))
		err = conf_fail(v, line, "%s: neither %s nor its parent "
				"directory exists", kp, path);
	else
		err = 0;

	mem_deref(parent);
	return err;
}


static int file_check(struct vctx *v, const struct conf_key *k,
		      const struct cy_node *n, unsigned line,
		      const char *kp, const char *dir)
{
	const char *val = n ? n->str : k->def;
	char *path = NULL, why[256];
	int err;

	if (!val)
		return 0;
	err = path_join(&path, dir, val);
	if (err)
		return err;

	if (k->flags & CK_SECRET) {
		if (secfile_check(path, why, sizeof(why)))
			err = conf_fail(v, line, "%s: %s", kp, why);
	}
	else if (k->flags & (CK_ISDIR | CK_MKDIR)) {
		err = dir_check(v, kp, line, path, k->flags & CK_MKDIR);
	}

	mem_deref(path);
	return err;
}


/* The path keys of one section (map: its node, or NULL when absent) */
static int sect_files_check(struct vctx *v, const struct conf_sect *sub,
			    const struct cy_node *map, unsigned line,
			    const char *name, const char *dir)
{
	char kp[64];
	int err = 0;

	for (size_t j = 0; !err && j < sub->keyc; j++) {
		const struct conf_key *k = &sub->keys[j];
		const struct cy_node *n = cy_get(map, k->name);

		if (k->type != CK_PATH)
			continue;
		if (cy_null(n))
			n = NULL;
		(void)re_snprintf(kp, sizeof(kp), "%s.%s", name, k->name);
		err = file_check(v, k, n, n ? n->line : map ? map->line :
				 line, kp, dir);
	}

	return err;
}


static int files_check(struct vctx *v, const struct cy_node *root,
		       const char *dir)
{
	char name[48];
	int err = 0;

	for (size_t i = 0; !err && i < conf_root.keyc; i++) {
		const struct conf_key *s = &conf_root.keys[i];
		const struct cy_node *map = cy_get(root, s->name);

		if (cy_null(map))
			map = NULL;
		if (s->type == CK_MAP)
			err = sect_files_check(v, s->sub, map, root->line,
					       s->name, dir);

		/* list items (e.g. trunks): only the keys they set */
		for (size_t j = 0; !err && s->type == CK_LIST && map &&
			     j < map->kidc; j++) {
			(void)re_snprintf(name, sizeof(name), "%s[%zu]",
					  s->name, j);
			err = sect_files_check(v, s->sub, map->kidv[j],
					       map->line, name, dir);
		}
	}

	return err;
}


/* ---- building struct conf from a tree that passed every check ---- */

static uint32_t roles_mask(const struct cy_node *list)
{
	uint32_t mask = 0, r;

	for (size_t i = 0; i < list->kidc; i++) {
		if (!role_parse(&r, list->kidv[i]->str))
			mask |= r;
	}

	return mask;
}


static int panels_build(char ***vp, size_t *cp, const struct cy_node *list)
{
	char **v = mem_zalloc(list->kidc * sizeof(*v), NULL);
	int err = 0;

	if (!v)
		return ENOMEM;

	/* count first: the destructor frees what is there if str_dup fails */
	*vp = v;
	*cp = list->kidc;
	for (size_t i = 0; !err && i < list->kidc; i++)
		err = str_dup(&v[i], list->kidv[i]->str);

	return err;
}


static int attr_set(json_t *attrs, const struct conf_key *k,
		    const struct cy_node *n, const char *txt)
{
	long long ll = 0;
	json_t *j;

	switch (k->type) {

	case CK_INT:
		(void)conf_int_parse(&ll, txt);
		j = json_integer(ll);
		break;

	case CK_BOOL:
		j = json_boolean(txt[0] == 't' || txt[0] == 'T');
		break;

	case CK_DIGITS:
		j = json_array();
		for (size_t i = 0; j && i < n->kidc; i++) {
			if (json_array_append_new(j,
					json_string(n->kidv[i]->str))) {
				json_decref(j);
				j = NULL;
			}
		}
		break;

	default:
		j = json_string(txt);
		break;
	}

	/* json_object_set_new() drops j itself when it fails */
	return j && !json_object_set_new(attrs, k->name, j) ? 0 : ENOMEM;
}


static int value_build(void *base, const struct conf_key *k,
		       const struct cy_node *n, const char *dir,
		       json_t *attrs)
{
	const char *txt = n ? n->str : k->def;
	void *p = (char *)base + k->off;
	long long ll = 0;

	if (!n && !k->def)
		return 0;
	if (k->flags & CK_ATTR)
		return attr_set(attrs, k, n, txt);

	switch (k->type) {

	case CK_INT:
		(void)conf_int_parse(&ll, txt);
		*(unsigned *)p = (unsigned)ll * (k->scale ? k->scale : 1);
		return 0;

	case CK_BOOL:
		*(bool *)p = txt[0] == 't' || txt[0] == 'T';
		return 0;

	case CK_TLSVER:
		*(int *)p = conf_tlsver(txt);
		return 0;

	case CK_ROLES:
		*(uint32_t *)p = roles_mask(n);
		return 0;

	case CK_PANELS:
		return panels_build(p, (size_t *)((char *)base + k->cntoff),
				    n);

	case CK_PATH:
		return path_join(p, dir, txt);

	default:
		return str_dup(p, txt);
	}
}


static int map_build(void *base, const struct conf_sect *s,
		     const struct cy_node *map, const char *dir,
		     json_t *attrs)
{
	int err = 0;

	for (size_t j = 0; !err && j < s->keyc; j++) {
		const struct cy_node *n = cy_get(map, s->keys[j].name);

		err = value_build(base, &s->keys[j], cy_null(n) ? NULL : n,
				  dir, attrs);
	}

	return err;
}


static int resource_build(struct conf_resource *r, const struct conf_sect *s,
			  const struct cy_node *item, const char *dir)
{
	int err;

	r->type  = (enum conf_res_type)s->restype;
	r->attrs = json_object();
	if (!r->attrs)
		return ENOMEM;

	err = map_build(r, s, item, dir, r->attrs);
	if (err || r->type != RES_TALKGROUP ||
	    json_object_get(r->attrs, "preferred_bearer"))
		return err;

	return json_object_set_new(r->attrs, "preferred_bearer",
		json_string(json_object_get(r->attrs, "esn_group") ?
			    "esn" : "tetra")) ? ENOMEM : 0;
}


/* Appends, because all resource kinds share one array. */
static int list_build(struct conf *c, const struct conf_sect *s,
		      const struct cy_node *list, const char *dir)
{
	void **arrp = (void **)((char *)c + s->arroff);
	size_t *cntp = (size_t *)((char *)c + s->cntoff);
	size_t n = list->kidc, cnt = *cntp;
	char *arr;
	int err = 0;

	arr = mem_reallocarray(*arrp, cnt + n + 1, s->itemsz, NULL);
	if (!arr)
		return ENOMEM;
	memset(arr + cnt * s->itemsz, 0, (n + 1) * s->itemsz);
	*arrp = arr;
	*cntp = cnt + n;

	for (size_t i = 0; !err && i < n; i++) {
		void *item = arr + (cnt + i) * s->itemsz;

		if (s->ix == IX_RESOURCE)
			err = resource_build(item, s, list->kidv[i], dir);
		else
			err = map_build(item, s, list->kidv[i], dir, NULL);
	}

	return err;
}


static void conf_destructor(void *arg)
{
	struct conf *c = arg;

	mem_deref(c->file);
	mem_deref(c->node_id);
	mem_deref(c->state_dir);
	mem_deref(c->https_addr);
	mem_deref(c->tls_cert);
	mem_deref(c->audit_key);
	mem_deref(c->run_as);
	mem_deref(c->log_level);
	mem_deref(c->log_target);
	mem_deref(c->store_path);
	mem_deref(c->web_root);
	mem_deref(c->wav_dir);
	mem_deref(c->rec_dir);
	mem_deref(c->cctv_credentials);
	mem_deref(c->cctv_discovery);
	mem_deref(c->esn_server);
	mem_deref(c->esn_domain);
	mem_deref(c->esn_mcptt_id);
	mem_deref(c->esn_client_cert);
	mem_deref(c->esn_ca);
	mem_deref(c->esn_rtp_addr);
	mem_deref(c->tetra_terminal);
	mem_deref(c->tetra_rtp_local);
	mem_deref(c->tetra_rtp_remote);
	mem_deref(c->tetra_codec);

	for (size_t i = 0; i < c->sitec; i++) {
		mem_deref(c->sites[i].id);
		mem_deref(c->sites[i].name);
	}
	for (size_t i = 0; i < c->nodec; i++) {
		mem_deref(c->nodes[i].id);
		mem_deref(c->nodes[i].site);
	}
	for (size_t i = 0; i < c->positionc; i++) {
		struct conf_position *p = &c->positions[i];

		mem_deref(p->id);
		mem_deref(p->name);
		mem_deref(p->site);
		mem_deref(p->node);
		mem_deref(p->layout);
	}
	for (size_t i = 0; i < c->layoutc; i++) {
		struct conf_layout *l = &c->layouts[i];

		mem_deref(l->id);
		mem_deref(l->name);
		for (size_t j = 0; j < l->panelc; j++)
			mem_deref(l->panels[j]);
		mem_deref(l->panels);
	}
	for (size_t i = 0; i < c->resourcec; i++) {
		mem_deref(c->resources[i].id);
		mem_deref(c->resources[i].name);
		json_decref(c->resources[i].attrs);
	}

	for (size_t i = 0; i < c->directoryc; i++) {
		mem_deref(c->directory[i].id);
		mem_deref(c->directory[i].alias);
	}

	for (size_t i = 0; i < c->trunkc; i++) {
		mem_deref(c->trunks[i].id);
		mem_deref(c->trunks[i].transport);
		mem_deref(c->trunks[i].listen);
		mem_deref(c->trunks[i].cert);
		mem_deref(c->trunks[i].credentials);
		mem_deref(c->trunks[i].peer);
	}
	mem_deref(c->trunks);
	mem_deref(c->directory);
	mem_deref(c->sites);
	mem_deref(c->nodes);
	mem_deref(c->positions);
	mem_deref(c->layouts);
	mem_deref(c->resources);
}


static int conf_build(struct conf **confp, const struct cy_node *root,
		      const char *file, const char *dir)
{
	struct conf *c = mem_zalloc(sizeof(*c), conf_destructor);
	int err;

	if (!c)
		return ENOMEM;

	err = str_dup(&c->file, file);
	for (size_t i = 0; !err && i < conf_root.keyc; i++) {
		const struct conf_key *k = &conf_root.keys[i];
		const struct cy_node *n = cy_get(root, k->name);

		if (cy_null(n))
			n = NULL;
		if (k->type == CK_MAP)
			err = map_build(c, k->sub, n, dir, NULL);
		else if (n)
			err = list_build(c, k->sub, n, dir);
	}

	if (!err && !c->store_path)
		err = re_sdprintf(&c->store_path, "%s/iccs.db", c->state_dir);
	if (!err && !c->rec_dir)
		err = re_sdprintf(&c->rec_dir, "%s/recordings", c->state_dir);

	if (err)
		mem_deref(c);
	else
		*confp = c;

	return err;
}


/* ---- loading ---- */

static int conf_parse(struct conf **confp, const char *file,
		      const char *dir, const char *buf, size_t len,
		      int flags, char *err, size_t errsz)
{
	struct vctx v = {.file = file, .err = err, .errsz = errsz};
	struct cy_node *root = NULL;
	unsigned line = 1;
	char why[256] = "";
	int e;

	e = cy_parse(&root, buf, len, &line, why, sizeof(why));
	if (e == EINVAL)
		return conf_fail(&v, line, "%s", why);
	if (e)
		goto out;

	e = conf_walk(&v, root);
	if (!e)
		e = conf_xref(&v, root);
	if (!e && (flags & CONF_CHECK_FILES))
		e = files_check(&v, root, dir);
	if (!e)
		e = conf_build(confp, root, file, dir);

 out:
	if (e && e != EINVAL)
		(void)conf_fail(&v, line, "%m", e);
	for (int ix = 0; ix < IX_COUNT; ix++)
		mem_deref(v.ix[ix].v);
	mem_deref(root);

	return e;
}


/* Relative paths in the config are relative to the config file, so the
 * daemon finds the same files whatever directory it was started from. */
static int base_dir(char **dirp, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	char cwd[4096], *part = NULL;
	int err;

	if (!path || path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return errno;
		if (!slash)
			return str_dup(dirp, cwd);
	}

	err = re_sdprintf(&part, "%b", path,
			  slash == path ? (size_t)1 : (size_t)(slash - path));
	if (!err)
		err = path_join(dirp, path[0] == '/' ? "/" : cwd, part);

	mem_deref(part);
	return err;
}


/**
 * Load and validate a config file.  On failure err holds
 * "file:line: reason" and nothing is returned.
 */
int conf_load(struct conf **confp, const char *path, int flags,
	      char *err, size_t errsz)
{
	uint8_t *buf = NULL;
	char *dir = NULL;
	size_t len = 0;
	int e;

	if (err && errsz)
		err[0] = '\0';
	if (!confp || !path)
		return EINVAL;

	e = secfile_load(path, CONF_MAX_BYTES, false, &buf, &len);
	if (e == EFBIG)
		(void)re_snprintf(err, errsz, "%s: larger than 1 MiB", path);
	else if (e == EAGAIN)
		(void)re_snprintf(err, errsz, "%s: changed while being read",
				  path);
	else if (e)
		(void)re_snprintf(err, errsz, "%s: %m", path, e);
	if (e)
		return e == EFBIG ? EINVAL : e;

	e = base_dir(&dir, path);
	if (e)
		(void)re_snprintf(err, errsz, "%s: %m", path, e);
	else
		e = conf_parse(confp, path, dir, (const char *)buf, len, flags,
			       err, errsz);

	mem_deref(dir);
	mem_deref(buf);
	return e;
}


/**
 * Validate a config held in memory; name is used in messages and
 * relative paths are resolved against the current directory.
 */
int conf_load_buf(struct conf **confp, const char *name,
		  const char *buf, size_t len, int flags,
		  char *err, size_t errsz)
{
	char *dir = NULL;
	int e;

	if (err && errsz)
		err[0] = '\0';
	if (!confp || (!buf && len))
		return EINVAL;
	if (!name)
		name = "(config)";

	e = base_dir(&dir, NULL);
	if (e) {
		(void)re_snprintf(err, errsz, "%s: %m", name, e);
		return e;
	}

	e = conf_parse(confp, name, dir, buf ? buf : "", len, flags,
		       err, errsz);
	mem_deref(dir);
	return e;
}


/* ---- lookups ---- */

#define FIND(arr, cnt) \
	for (size_t i = 0; c && id && i < c->cnt; i++) { \
		if (!strcmp(c->arr[i].id, id)) \
			return &c->arr[i]; \
	} \
	return NULL

const struct conf_site *conf_site(const struct conf *c, const char *id)
{
	FIND(sites, sitec);
}


const struct conf_node *conf_node(const struct conf *c, const char *id)
{
	FIND(nodes, nodec);
}


const struct conf_position *conf_position(const struct conf *c,
					  const char *id)
{
	FIND(positions, positionc);
}


const struct conf_layout *conf_layout(const struct conf *c, const char *id)
{
	FIND(layouts, layoutc);
}


const struct conf_resource *conf_resource(const struct conf *c,
					  const char *id)
{
	FIND(resources, resourcec);
}


const char *conf_alias(const struct conf *c, const char *id)
{
	for (size_t i = 0; c && id && i < c->directoryc; i++) {
		if (!strcmp(c->directory[i].id, id))
			return c->directory[i].alias;
	}
	return NULL;
}
