/**
 * @file conf_yaml.c  libyaml events -> a small tree that keeps line numbers
 *
 * Walking the event stream ourselves (rather than yaml_parser_load) lets us
 * refuse anchors, aliases and tags as soon as they appear and bound depth
 * and node count before anything is allocated for them, so no input can
 * make the loader expand, recurse or allocate without limit.
 */
#include <string.h>
#include <yaml.h>
#include <re.h>
#include "core/conf_int.h"

struct builder {
	struct cy_node *root;
	struct cy_node *stack[CY_MAX_DEPTH];
	size_t depth;
	size_t nodes;
	unsigned docs;
};


static void node_destructor(void *arg)
{
	struct cy_node *n = arg;

	/* depth is bounded by CY_MAX_DEPTH, so recursion here is too */
	for (size_t i = 0; i < n->kidc; i++)
		mem_deref(n->kidv[i]);
	mem_deref(n->kidv);
	mem_deref(n->str);
}


static int fail(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(why, whysz, fmt, ap);
	va_end(ap);

	return EINVAL;
}


static int kid_add(struct cy_node *p, struct cy_node *kid)
{
	if (p->kidc == p->kidsz) {
		size_t sz = p->kidsz ? p->kidsz * 2 : 4;
		struct cy_node **v;

		v = mem_reallocarray(p->kidv, sz, sizeof(*v), NULL);
		if (!v)
			return ENOMEM;
		p->kidv  = v;
		p->kidsz = sz;
	}

	p->kidv[p->kidc++] = kid;
	return 0;
}


/* Hang a new node under the open collection (or make it the root). */
static int node_new(struct cy_node **np, struct builder *b,
		    enum cy_type type, const yaml_event_t *ev,
		    char *why, size_t whysz)
{
	struct cy_node *n, *p;
	int err;

	if (++b->nodes > CY_MAX_NODES)
		return fail(why, whysz, "more than %u YAML nodes",
			    CY_MAX_NODES);

	p = b->depth ? b->stack[b->depth - 1] : NULL;
	if (p && p->type == CY_MAP && !(p->kidc & 1) && type != CY_SCALAR)
		return fail(why, whysz, "a mapping key must be a plain "
			    "string, not %s",
			    type == CY_MAP ? "a mapping" : "a list");
	if (!p && b->root)
		return fail(why, whysz, "more than one document");

	n = mem_zalloc(sizeof(*n), node_destructor);
	if (!n)
		return ENOMEM;
	n->type = type;
	n->line = (unsigned)ev->start_mark.line + 1;

	if (!p) {
		b->root = n;
		*np = n;
		return 0;
	}

	err = kid_add(p, n);
	if (err) {
		mem_deref(n);
		return err;
	}

	*np = n;
	return 0;
}


static int on_scalar(struct builder *b, const yaml_event_t *ev,
		     char *why, size_t whysz)
{
	const char *val = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct cy_node *n;
	int err;

	if (memchr(val, '\0', len))
		return fail(why, whysz, "NUL character in a value");

	err = node_new(&n, b, CY_SCALAR, ev, why, whysz);
	if (err)
		return err;

	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->str = mem_alloc(len + 1, NULL);
	if (!n->str)
		return ENOMEM;
	memcpy(n->str, val, len);
	n->str[len] = '\0';
	n->len = len;

	return 0;
}


static int on_open(struct builder *b, enum cy_type type,
		   const yaml_event_t *ev, char *why, size_t whysz)
{
	struct cy_node *n;
	int err;

	if (b->depth >= CY_MAX_DEPTH)
		return fail(why, whysz, "nested deeper than %u levels",
			    CY_MAX_DEPTH);

	err = node_new(&n, b, type, ev, why, whysz);
	if (err)
		return err;

	b->stack[b->depth++] = n;
	return 0;
}


/* Anchors and aliases are refused outright: an alias bomb ("billion
 * laughs") needs them, and a control room config has no use for them. */
static int check_props(const yaml_event_t *ev, char *why, size_t whysz)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	switch (ev->type) {

	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag    = ev->data.scalar.tag;
		break;

	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag    = ev->data.sequence_start.tag;
		break;

	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag    = ev->data.mapping_start.tag;
		break;

	default:
		break;
	}

	if (anchor)
		return fail(why, whysz, "anchors (&%b) are not allowed",
			    anchor, strnlen((const char *)anchor, 32));
	if (tag)
		return fail(why, whysz, "tags (%b) are not allowed",
			    tag, strnlen((const char *)tag, 32));

	return 0;
}


static int on_event(struct builder *b, const yaml_event_t *ev,
		    char *why, size_t whysz)
{
	int err = check_props(ev, why, whysz);

	if (err)
		return err;

	switch (ev->type) {

	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1)
			return fail(why, whysz, "more than one document");
		return 0;

	case YAML_ALIAS_EVENT:
		return fail(why, whysz, "aliases (*%b) are not allowed",
			    ev->data.alias.anchor,
			    strnlen((const char *)ev->data.alias.anchor, 32));

	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev, why, whysz);

	case YAML_SEQUENCE_START_EVENT:
		return on_open(b, CY_SEQ, ev, why, whysz);

	case YAML_MAPPING_START_EVENT:
		return on_open(b, CY_MAP, ev, why, whysz);

	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth)
			--b->depth;
		return 0;

	default:
		return 0;
	}
}


static unsigned line_at(const char *buf, size_t len, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		line += buf[i] == '\n';

	return line;
}


static int syntax_error(const yaml_parser_t *p, const char *buf,
			size_t len, unsigned *linep, char *why, size_t whysz)
{
	switch (p->error) {

	case YAML_MEMORY_ERROR:
		return ENOMEM;

	case YAML_READER_ERROR:
		/* the reader runs ahead of the scanner: count lines to the
		 * offending byte instead of trusting the current mark */
		*linep = line_at(buf, len, p->problem_offset);
		return fail(why, whysz, "invalid input: %s",
			    p->problem ? p->problem : "?");

	default:
		*linep = (unsigned)p->problem_mark.line + 1;
		return fail(why, whysz, "syntax error: %s%s%s",
			    p->problem ? p->problem : "?",
			    p->context ? " " : "",
			    p->context ? p->context : "");
	}
}


/**
 * Parse one YAML document into a tree.  On failure *linep and why say
 * where and what; the caller adds the file name.
 */
int cy_parse(struct cy_node **rootp, const char *buf, size_t len,
	     unsigned *linep, char *why, size_t whysz)
{
	struct builder b;
	yaml_parser_t p;
	yaml_event_t ev;
	bool done = false;
	int err = 0;

	if (!rootp || !buf || !linep)
		return EINVAL;

	memset(&b, 0, sizeof(b));
	*linep = 1;

	if (len > CONF_MAX_BYTES)
		return fail(why, whysz, "document is larger than 1 MiB");

	if (!yaml_parser_initialize(&p))
		return ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);

	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			err = syntax_error(&p, buf, len, linep, why, whysz);
			break;
		}

		*linep = (unsigned)ev.start_mark.line + 1;
		err  = on_event(&b, &ev, why, whysz);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (err)
			break;
	}

	yaml_parser_delete(&p);

	if (!err && !b.root) {
		*linep = 1;
		err = fail(why, whysz, "the configuration is empty");
	}

	if (err) {
		mem_deref(b.root);
		return err;
	}

	*rootp = b.root;
	return 0;
}


/* Value of key in a mapping, NULL if absent (duplicates are refused by the
 * schema walk, so the first match is the only one). */
const struct cy_node *cy_get(const struct cy_node *map, const char *key)
{
	if (!map || map->type != CY_MAP || !key)
		return NULL;

	for (size_t i = 0; i + 1 < map->kidc; i += 2) {
		if (!strcmp(map->kidv[i]->str, key))
			return map->kidv[i + 1];
	}

	return NULL;
}


/* "key:", "key: ~" and "key: null" all mean "not set" in YAML. */
bool cy_null(const struct cy_node *n)
{
	static const char *nulls[] = {"", "~", "null", "Null", "NULL"};

	if (!n)
		return true;
	if (n->type != CY_SCALAR || !n->plain)
		return false;

	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++) {
		if (!strcmp(n->str, nulls[i]))
			return true;
	}

	return false;
}


const char *cy_kind(const struct cy_node *n)
{
	if (!n)
		return "nothing";

	switch (n->type) {

	case CY_MAP: return "a mapping";
	case CY_SEQ: return "a list";
	default:     return "a scalar";
	}
}
