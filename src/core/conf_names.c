/**
 * @file conf_names.c  Names the config knows: roles, panels, resource
 *                     types, and "did you mean" hints for unknown keys
 */
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "core/conf.h"
#include "core/conf_int.h"

static const char *roles[] = {
	"calltaker", "dispatcher", "supervisor", "cctv", "admin",
};

static const char *panels[] = {
	"radio", "messages", "map", "calls", "queue", "cctv", "wall",
	"supervisor", "admin", "recordings", "intercom",
};

static const char *res_types[] = {
	"talkgroup", "queue", "camera", "wall_tile", "intercom",
};


int role_parse(uint32_t *role, const char *name)
{
	if (!role || !name)
		return EINVAL;

	for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
		if (!strcmp(name, roles[i])) {
			*role = 1u << i;
			return 0;
		}
	}

	return EINVAL;
}


const char *role_name(uint32_t role)
{
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
		if (role == 1u << i)
			return roles[i];
	}

	return "?";
}


int roles_parse(uint32_t *mask, const char *csv)
{
	uint32_t m = 0;

	if (!mask || !csv)
		return EINVAL;

	/* the empty set is a valid answer: "" grants nothing */
	if (!csv[strspn(csv, " ")]) {
		*mask = 0;
		return 0;
	}

	for (const char *p = csv;;) {
		const char *e = p + strcspn(p, ",");
		char name[16];
		uint32_t r;
		size_t n;

		while (p < e && *p == ' ')
			++p;
		n = (size_t)(e - p);
		while (n && p[n - 1] == ' ')
			--n;
		if (!n || n >= sizeof(name))
			return EINVAL;
		memcpy(name, p, n);
		name[n] = '\0';
		if (role_parse(&r, name))
			return EINVAL;
		m |= r;

		if (!*e)
			break;
		p = e + 1;
	}

	*mask = m;
	return 0;
}


int roles_print(char *buf, size_t sz, uint32_t mask)
{
	size_t len = 0;

	if (!buf || !sz)
		return EINVAL;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
		size_t n = strlen(roles[i]);

		if (!(mask & (1u << i)))
			continue;
		if (len + !!len + n >= sz)
			return ENOSPC;
		if (len)
			buf[len++] = ',';
		memcpy(buf + len, roles[i], n + 1);
		len += n;
	}

	return 0;
}


json_t *roles_json(uint32_t mask)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ARRAY_SIZE(roles); i++) {
		if (!(mask & (1u << i)))
			continue;
		if (json_array_append_new(a, json_string(roles[i]))) {
			json_decref(a);
			return NULL;
		}
	}

	return a;
}


const char *conf_res_type_name(enum conf_res_type t)
{
	return (unsigned)t < ARRAY_SIZE(res_types) ? res_types[t] : "?";
}


bool conf_panel_known(const char *panel)
{
	for (size_t i = 0; panel && i < ARRAY_SIZE(panels); i++) {
		if (!strcmp(panel, panels[i]))
			return true;
	}

	return false;
}


const char *conf_ix_noun(enum conf_ixk ix)
{
	static const char *nouns[IX_COUNT] = {
		[IX_SITE] = "site", [IX_NODE] = "node",
		[IX_POSITION] = "position", [IX_LAYOUT] = "layout",
		[IX_RESOURCE] = "resource",
	};

	return (unsigned)ix < IX_COUNT && nouns[ix] ? nouns[ix] : "?";
}


static int names_print(struct re_printf *pf, const char **v, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n; i++)
		err |= re_hprintf(pf, "%s%s", i ? ", " : "", v[i]);

	return err;
}


int conf_role_names(struct re_printf *pf, void *unused)
{
	(void)unused;
	return names_print(pf, roles, ARRAY_SIZE(roles));
}


int conf_panel_names(struct re_printf *pf, void *unused)
{
	(void)unused;
	return names_print(pf, panels, ARRAY_SIZE(panels));
}


/* Edit distance, capped: enough to suggest 'listen' for 'listn'. */
static unsigned distance(const char *a, const char *b)
{
	unsigned row[34], la = (unsigned)strlen(a), lb = (unsigned)strlen(b);

	if (la > 32 || lb > 32)
		return 99;

	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;

	for (unsigned i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (unsigned j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned c = diag + (a[i - 1] != b[j - 1]);

			c = min(c, row[j - 1] + 1);
			row[j] = min(c, up + 1);
			diag = up;
		}
	}

	return row[lb];
}


/* A known key a typo is probably meant to be: 'listen' for 'listn'. */
const char *conf_key_hint(const struct conf_sect *s, const char *key)
{
	for (size_t j = 0; j < s->keyc; j++) {
		if (distance(key, s->keys[j].name) <= 2)
			return s->keys[j].name;
	}

	return NULL;
}


/* ---- rules across keys of one item ---- */
