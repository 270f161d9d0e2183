/**
 * @file cam_onvif_xml.c  Reading ONVIF replies
 *
 * Elements are found by local name whatever their prefix (cameras pick
 * their own).  A reply that is not XML, not a SOAP envelope or lacks what
 * was asked for is EBADMSG with a reason; a SOAP fault is EPROTO with the
 * fault's text.  No network access while parsing (XML_PARSE_NONET), no
 * entity expansion.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "camera/cam_onvif.h"

enum { XML_MAX = 1 << 20 };


static xmlNode *find(xmlNode *n, const char *local, unsigned depth)
{
	if (depth > 64)
		return NULL;
	for (; n; n = n->next) {
		xmlNode *r;

		if (n->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)n->name, local))
			return n;
		r = find(n->children, local, depth + 1);
		if (r)
			return r;
	}
	return NULL;
}


static bool text(char *buf, size_t sz, xmlNode *n)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	const char *s = t ? (const char *)t : NULL;
	size_t len;

	if (!s) {
		xmlFree(t);
		return false;
	}
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		++s;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' ||
		       s[len - 1] == '\t' || s[len - 1] == '\r'))
		--len;
	re_snprintf(buf, sz, "%b", s, len);
	xmlFree(t);
	return len > 0 && len < sz;
}


static int why_set(char *why, size_t wsz, int err, const char *fmt,
		   const char *arg)
{
	if (why && wsz)
		re_snprintf(why, wsz, fmt, arg ? arg : "");
	return err;
}


/* Parse a reply; EPROTO for a fault, with its text */
static int open_doc(xmlDoc **docp, xmlNode **bodyp, const uint8_t *p,
		    size_t n, char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *fault;
	char reason[96] = "";

	if (!p || !n || n > XML_MAX)
		return why_set(why, wsz, EBADMSG, "empty reply", NULL);
	doc = xmlReadMemory((const char *)p, (int)n, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (!doc)
		return why_set(why, wsz, EBADMSG, "reply is not XML", NULL);
	body = find(xmlDocGetRootElement(doc), "Body", 0);
	if (!body) {
		xmlFreeDoc(doc);
		return why_set(why, wsz, EBADMSG, "no SOAP Body", NULL);
	}
	fault = find(body->children, "Fault", 0);
	if (fault) {
		if (!text(reason, sizeof(reason), find(fault, "Text", 0)))
			(void)text(reason, sizeof(reason),
				   find(fault, "Value", 0));
		xmlFreeDoc(doc);
		return why_set(why, wsz, EPROTO, "SOAP fault: %s",
			       reason[0] ? reason : "(no reason)");
	}
	*docp = doc;
	*bodyp = body;
	return 0;
}


static int num(xmlNode *body, const char *local)
{
	char b[16];

	return text(b, sizeof(b), find(body, local, 0)) ? atoi(b) : -1;
}


int onvif_parse_time(const uint8_t *p, size_t n, time_t *t, char *why,
		     size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *utc;
	struct tm tm;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	utc = find(body, "UTCDateTime", 0);
	memset(&tm, 0, sizeof(tm));
	tm.tm_hour = num(utc, "Hour");
	tm.tm_min = num(utc, "Minute");
	tm.tm_sec = num(utc, "Second");
	tm.tm_year = num(utc, "Year") - 1900;
	tm.tm_mon = num(utc, "Month") - 1;
	tm.tm_mday = num(utc, "Day");
	xmlFreeDoc(doc);
	if (!utc || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60 ||
	    tm.tm_year < 70 || tm.tm_year > 1000 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return why_set(why, wsz, EBADMSG, "no valid UTCDateTime",
			       NULL);
	*t = timegm(&tm);
	return 0;
}


/* XAddr of a capability: <Media><XAddr>..</XAddr></Media> */
static bool xaddr(char *buf, size_t sz, xmlNode *caps, const char *svc)
{
	xmlNode *s = find(caps->children, svc, 0);

	return s && text(buf, sz, find(s->children, "XAddr", 0)) &&
		!strncmp(buf, "http", 4);
}


int onvif_parse_caps(const uint8_t *p, size_t n, char *media, char *ptz,
		     size_t usz, char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *caps;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	caps = find(body, "Capabilities", 0);
	if (!caps || !xaddr(media, usz, caps, "Media"))
		err = why_set(why, wsz, EBADMSG, "no Media XAddr", NULL);
	if (!err && !xaddr(ptz, usz, caps, "PTZ"))
		ptz[0] = '\0';
	xmlFreeDoc(doc);
	return err;
}


/* GetServices: each Service's Namespace and XAddr.  The media (ver10)
 * and PTZ (ver20) addresses are taken; a device that lists no media
 * service is EBADMSG, so the caller falls back to GetCapabilities. */
int onvif_parse_services(const uint8_t *p, size_t n, char *media, char *ptz,
			 size_t usz, char *why, size_t wsz)
{
	static const char ns_media[] = "http://www.onvif.org/ver10/media/wsdl";
	static const char ns_ptz[] = "http://www.onvif.org/ver20/ptz/wsdl";
	xmlDoc *doc;
	xmlNode *body, *resp, *e;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	media[0] = ptz[0] = '\0';
	resp = find(body, "GetServicesResponse", 0);
	for (e = resp ? resp->children : NULL; e; e = e->next) {
		char ns[96], xa[ONVIF_URL_MAX];
		char *out;

		if (e->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)e->name, "Service") ||
		    !text(ns, sizeof(ns), find(e->children, "Namespace", 0)))
			continue;
		out = !strcmp(ns, ns_media) ? media :
			!strcmp(ns, ns_ptz) ? ptz : NULL;
		if (out && !out[0] &&
		    text(xa, sizeof(xa), find(e->children, "XAddr", 0)) &&
		    !strncmp(xa, "http", 4) && strlen(xa) < usz)
			str_ncpy(out, xa, usz);
	}
	if (!resp)
		err = why_set(why, wsz, EBADMSG, "no GetServicesResponse",
			      NULL);
	else if (!media[0])
		err = why_set(why, wsz, EBADMSG, "no media service", NULL);
	xmlFreeDoc(doc);
	return err;
}


int onvif_parse_profile(const uint8_t *p, size_t n, char *tok, size_t tsz,
			char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *prof;
	xmlChar *t = NULL;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	prof = find(body, "Profiles", 0);
	if (prof)
		t = xmlGetProp(prof, (const xmlChar *)"token");
	if (!t || !t[0] || strlen((const char *)t) >= tsz)
		err = why_set(why, wsz, EBADMSG, "no media profile", NULL);
	else if (strpbrk((const char *)t, "<>&\"'"))   /* goes into XML */
		err = why_set(why, wsz, EBADMSG, "bad profile token", NULL);
	else
		str_ncpy(tok, (const char *)t, tsz);
	xmlFree(t);
	xmlFreeDoc(doc);
	return err;
}


int onvif_parse_uri(const uint8_t *p, size_t n, char *uri, size_t usz,
		    char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	if (!text(uri, usz, find(body, "Uri", 0)))
		err = why_set(why, wsz, EBADMSG, "no Uri", NULL);
	xmlFreeDoc(doc);
	return err;
}


int onvif_parse_presets(const uint8_t *p, size_t n, struct onvif_preset *v,
			size_t max, size_t *countp, char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *resp, *e;
	size_t k = 0;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	resp = find(body, "GetPresetsResponse", 0);
	if (!resp) {
		xmlFreeDoc(doc);
		return why_set(why, wsz, EBADMSG, "no GetPresetsResponse",
			       NULL);
	}
	for (e = resp->children; e && k < max; e = e->next) {
		xmlChar *t;

		if (e->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)e->name, "Preset"))
			continue;
		t = xmlGetProp(e, (const xmlChar *)"token");
		if (t && t[0] && strlen((const char *)t) < ONVIF_TOK_MAX) {
			str_ncpy(v[k].token, (const char *)t,
				 sizeof(v[k].token));
			if (!text(v[k].name, sizeof(v[k].name),
				  find(e->children, "Name", 0)))
				str_ncpy(v[k].name, v[k].token,
					 sizeof(v[k].name));
			++k;
		}
		xmlFree(t);
	}
	xmlFreeDoc(doc);
	*countp = k;
	return 0;
}


static bool attr_num(xmlNode *n, const char *attr, double lo, double hi,
		     double *out)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)attr) : NULL;
	char *end = NULL;
	double d = v ? strtod((const char *)v, &end) : 0;
	bool ok = v && end && end != (char *)v && !*end && d >= lo && d <= hi;

	xmlFree(v);
	if (ok)
		*out = d;
	return ok;
}


int onvif_parse_status(const uint8_t *p, size_t n, struct onvif_status *st,
		       char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *pos, *pt, *mv;
	char ms[16] = "";
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	memset(st, 0, sizeof(*st));
	pos = find(body, "Position", 0);
	pt = pos ? find(pos->children, "PanTilt", 0) : NULL;
	if (!pt || !attr_num(pt, "x", -1e6, 1e6, &st->pan) ||
	    !attr_num(pt, "y", -1e6, 1e6, &st->tilt))
		err = why_set(why, wsz, EBADMSG, "no PanTilt position", NULL);
	if (!err)
		(void)attr_num(find(pos->children, "Zoom", 0), "x", -1e6, 1e6,
			       &st->zoom);
	mv = find(body, "MoveStatus", 0);
	if (!err && mv) {
		xmlNode *m = find(mv->children, "PanTilt", 0);

		(void)text(ms, sizeof(ms), m ? m : mv);
		st->moving = !strcmp(ms, "MOVING");
	}
	xmlFreeDoc(doc);
	return err;
}


/* The first http(s) URL of a space-separated XAddrs list, skipping
 * link-local addresses (a camera lists every interface) */
static bool first_xaddr(char *out, size_t sz, const char *list)
{
	while (*list) {
		size_t len = strcspn(list, " \t\r\n");

		if (len && len < sz && !strncmp(list, "http", 4) &&
		    strncmp(list, "http://169.254.", 15)) {
			re_snprintf(out, sz, "%b", list, len);
			return true;
		}
		list += len;
		list += strspn(list, " \t\r\n");
	}
	return false;
}


int onvif_parse_probe_matches(const uint8_t *p, size_t n,
			      struct onvif_probe_match *v, size_t max,
			      size_t *countp, char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *pm, *e;
	size_t k = 0;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	pm = find(body, "ProbeMatches", 0);
	if (!pm) {
		xmlFreeDoc(doc);
		return why_set(why, wsz, EBADMSG, "no ProbeMatches", NULL);
	}
	for (e = pm->children; e && k < max; e = e->next) {
		char xa[ONVIF_URL_MAX * 2];

		if (e->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)e->name, "ProbeMatch"))
			continue;
		memset(&v[k], 0, sizeof(v[k]));
		if (!text(xa, sizeof(xa), find(e->children, "XAddrs", 0)) ||
		    !first_xaddr(v[k].xaddr, sizeof(v[k].xaddr), xa))
			continue;
		(void)text(v[k].endpoint, sizeof(v[k].endpoint),
			   find(e->children, "Address", 0));
		(void)text(v[k].scopes, sizeof(v[k].scopes),
			   find(e->children, "Scopes", 0));
		++k;
	}
	xmlFreeDoc(doc);
	*countp = k;
	return 0;
}


/* A reply that must hold elem (e.g. StopResponse); its text if asked */
int onvif_parse_ok(const uint8_t *p, size_t n, const char *elem,
		   char *txt, size_t tsz, char *why, size_t wsz)
{
	xmlDoc *doc;
	xmlNode *body, *e;
	int err = open_doc(&doc, &body, p, n, why, wsz);

	if (err)
		return err;
	e = find(body, elem, 0);
	if (!e)
		err = why_set(why, wsz, EBADMSG, "no %s in reply", elem);
	else if (txt && !text(txt, tsz, e))
		err = why_set(why, wsz, EBADMSG, "empty %s", elem);
	xmlFreeDoc(doc);
	return err;
}
