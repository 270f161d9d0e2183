/**
 * @file mcptt_xml.c  The mcptt-info body (TS 24.379 Annex F.1)
 *
 * Built and read with libxml2.  Values are accepted both inside the
 * Annex F.1 wrappers (<emergency-ind><mcpttBoolean>true</...>) and
 * directly in the element (<emergency-ind>true</emergency-ind>), since
 * implementations differ.  The parser refuses DTDs and never resolves
 * entities or fetches anything: the body comes from the network.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "radio/mcptt/mcptt.h"


enum { MI_XML_MAX = 16384 };

enum mi_kind {
	MK_STYPE = 0,
	MK_URI,
	MK_BOOL,
};

/* One row per element of <mcptt-Params> this client reads or writes */
struct mi_elem {
	const char *name;
	enum mi_kind kind;
	uint32_t has;
	size_t off;                 /* bool or char[MCPTT_URI_MAX]      */
	const char *wrap;           /* Annex F.1 value wrapper          */
};

#define MO(f) offsetof(struct mcptt_info, f)
static const struct mi_elem elems[] = {
	{"session-type",          MK_STYPE, MI_STYPE,   0,            NULL},
	{"mcptt-request-uri",     MK_URI,   MI_REQ_URI, MO(req_uri),
	 "mcpttURI"},
	{"mcptt-calling-user-id", MK_URI,   MI_CALLING, MO(calling),
	 "mcpttURI"},
	{"emergency-ind",         MK_BOOL,  MI_EMERG,   MO(emergency),
	 "mcpttBoolean"},
	{"imminentperil-ind",     MK_BOOL,  MI_IMMINENT, MO(imminent),
	 "mcpttBoolean"},
	{"alert-ind",             MK_BOOL,  MI_ALERT,   MO(alert),
	 "mcpttBoolean"},
	{"broadcast-ind",         MK_BOOL,  MI_BROADCAST, MO(broadcast),
	 "mcpttBoolean"},
};

static const char *stypes[] = {
	[MCPTT_ST_NONE] = "none",
	[MCPTT_ST_PREARRANGED] = "prearranged",
	[MCPTT_ST_PRIVATE] = "private",
	[MCPTT_ST_CHAT] = "chat",
};


const char *mcptt_stype_name(enum mcptt_stype st)
{
	return (unsigned)st < ARRAY_SIZE(stypes) ? stypes[st] : "?";
}


/* ---- building ---- */

static int value_print(struct mbuf *mb, const struct mi_elem *e,
		       const struct mcptt_info *mi)
{
	const char *p = (const char *)mi + e->off;
	xmlChar *esc;
	int err;

	switch (e->kind) {

	case MK_STYPE:
		return mbuf_printf(mb, "<%s>%s</%s>", e->name,
				   mcptt_stype_name(mi->stype), e->name);
	case MK_BOOL:
		return mbuf_printf(mb, "<%s type=\"Normal\"><%s>%s</%s>"
				   "</%s>", e->name, e->wrap,
				   *(const bool *)p ? "true" : "false",
				   e->wrap, e->name);
	case MK_URI:
		/* a URI may carry '&' in its parameters */
		esc = xmlEncodeSpecialChars(NULL, (const xmlChar *)p);
		if (!esc)
			return ENOMEM;
		err = mbuf_printf(mb, "<%s type=\"Normal\"><%s>%s</%s></%s>",
				  e->name, e->wrap, (const char *)esc,
				  e->wrap, e->name);
		xmlFree(esc);
		return err;
	}

	return EINVAL;
}


/**
 * Write the mcptt-info document for the elements present in mi->has.
 */
int mcptt_info_encode(struct mbuf *mb, const struct mcptt_info *mi)
{
	int err;

	if (!mb || !mi)
		return EINVAL;
	if ((mi->has & MI_STYPE) && (unsigned)mi->stype >= ARRAY_SIZE(stypes))
		return EINVAL;

	err = mbuf_printf(mb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
			  "<mcpttinfo xmlns=\"%s\"><mcptt-Params>",
			  MCPTT_INFO_NS);
	for (size_t i = 0; !err && i < ARRAY_SIZE(elems); i++) {
		if (mi->has & elems[i].has)
			err = value_print(mb, &elems[i], mi);
	}
	err |= mbuf_printf(mb, "</mcptt-Params></mcpttinfo>\r\n");

	return err;
}


/* ---- parsing ---- */

static bool name_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
		!strcmp((const char *)n->name, name);
}


/* An element's text, or its wrapper's text; NULL if it has elements
 * other than the wrapper or nothing at all. */
static xmlChar *value_get(const xmlNode *n, const char *wrap,
			  const char **reason)
{
	const xmlNode *w = NULL;

	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (w || !wrap || !name_is(c, wrap)) {
			*reason = "unexpected element inside a value";
			return NULL;
		}
		w = c;
	}

	return xmlNodeGetContent(w ? w : n);
}


static const char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';

	return s;
}


static int value_set(struct mcptt_info *mi, const struct mi_elem *e,
		     const char *v, const char **reason)
{
	char *p = (char *)mi + e->off;

	switch (e->kind) {

	case MK_STYPE:
		for (size_t i = 0; i < ARRAY_SIZE(stypes); i++) {
			if (!strcmp(v, stypes[i])) {
				mi->stype = (enum mcptt_stype)i;
				return 0;
			}
		}
		*reason = "unknown session-type";
		return EBADMSG;

	case MK_BOOL:
		if (!strcasecmp(v, "true") || !strcmp(v, "1"))
			*(bool *)p = true;
		else if (!strcasecmp(v, "false") || !strcmp(v, "0"))
			*(bool *)p = false;
		else {
			*reason = "a boolean is neither true nor false";
			return EBADMSG;
		}
		return 0;

	case MK_URI:
		if (!*v || strlen(v) >= MCPTT_URI_MAX) {
			*reason = "an MCPTT URI is empty or too long";
			return EBADMSG;
		}
		str_ncpy(p, v, MCPTT_URI_MAX);
		return 0;
	}

	return EINVAL;
}


static int elem_read(struct mcptt_info *mi, const xmlNode *n,
		     const char **reason)
{
	const struct mi_elem *e = NULL;
	xmlChar *v;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(elems) && !e; i++)
		e = name_is(n, elems[i].name) ? &elems[i] : NULL;
	if (!e)
		return 0;       /* later releases add elements: skip them */

	if (mi->has & e->has) {
		*reason = "an element appears twice";
		return EBADMSG;
	}

	v = value_get(n, e->wrap, reason);
	if (!v)
		return EBADMSG;

	err = value_set(mi, e, trim((char *)v), reason);
	xmlFree(v);
	if (!err)
		mi->has |= e->has;

	return err;
}


static int root_check(const xmlDoc *doc, const xmlNode **paramsp,
		      const char **reason)
{
	const xmlNode *root = xmlDocGetRootElement(doc);

	if (doc->intSubset || doc->extSubset) {
		*reason = "a DTD is not allowed";
		return EBADMSG;
	}
	if (!root || !name_is(root, "mcpttinfo")) {
		*reason = "the root element is not mcpttinfo";
		return EBADMSG;
	}
	if (root->ns && strcmp((const char *)root->ns->href, MCPTT_INFO_NS)) {
		*reason = "mcpttinfo is in an unknown namespace";
		return EBADMSG;
	}

	for (const xmlNode *c = root->children; c; c = c->next) {
		if (name_is(c, "mcptt-Params")) {
			*paramsp = c;
			return 0;
		}
	}

	*reason = "no mcptt-Params element";
	return EBADMSG;
}


/**
 * Read an mcptt-info document.  Unknown elements are skipped; anything
 * malformed is refused with a reason.
 */
int mcptt_info_decode(struct mcptt_info *mi, const char *buf, size_t len,
		      const char **reason)
{
	const char *dummy;
	const xmlNode *params = NULL;
	xmlDoc *doc;
	int err;

	if (!reason)
		reason = &dummy;
	if (!mi || !buf)
		return EINVAL;

	memset(mi, 0, sizeof(*mi));
	if (!len || len > MI_XML_MAX) {
		*reason = !len ? "empty mcptt-info" : "mcptt-info too large";
		return EBADMSG;
	}

	doc = xmlReadMemory(buf, (int)len, "mcptt-info.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc) {
		*reason = "mcptt-info is not well-formed XML";
		return EBADMSG;
	}

	err = root_check(doc, &params, reason);
	for (const xmlNode *c = params ? params->children : NULL;
	     !err && c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			err = elem_read(mi, c, reason);
	}

	xmlFreeDoc(doc);
	return err;
}
