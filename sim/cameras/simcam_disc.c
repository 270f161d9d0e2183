/**
 * @file simcam_disc.c  The simulated cameras answer WS-Discovery: a Probe
 *                      (SOAP over UDP) gets one ProbeMatches listing
 *                      every camera's device service
 *
 * Unicast only (--discovery ADDR:PORT): a test cannot count on multicast
 * routes on loopback.
 */
#include <string.h>
#include <re.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "simcam.h"


static void scope_name(char *out, size_t sz, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < sz; i++)
		out[i] = name[i] == ' ' ? '_' : name[i];
	out[i] = '\0';
}


static void reply(struct simcam_sim *s, const struct sa *src,
		  const char *relates)
{
	struct mbuf *mb = mbuf_alloc(2048);

	if (!mb)
		return;
	mbuf_printf(mb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
		" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
		" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\""
		" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">"
		"<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/"
		"discovery/ProbeMatches</a:Action><a:RelatesTo>%s</a:RelatesTo>"
		"<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/"
		"anonymous</a:To></s:Header><s:Body><d:ProbeMatches>",
		relates);
	for (unsigned i = 0; i < s->n; i++) {
		char sc[64];

		scope_name(sc, sizeof(sc), s->cams[i].name);
		mbuf_printf(mb, "<d:ProbeMatch><a:EndpointReference><a:Address>"
			"urn:uuid:5a1c0000-0000-4000-8000-%012x</a:Address>"
			"</a:EndpointReference><d:Types>dn:NetworkVideoTransmitter"
			"</d:Types><d:Scopes>onvif://www.onvif.org/type/ptz "
			"onvif://www.onvif.org/name/%s</d:Scopes><d:XAddrs>"
			"http://169.254.1.1/onvif/device_service "
			"http://%J/onvif/cam%u/device_service</d:XAddrs>"
			"<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch>",
			s->cams[i].idx, sc, &s->onvif, s->cams[i].idx);
	}
	mbuf_printf(mb, "</d:ProbeMatches></s:Body></s:Envelope>");
	mb->pos = 0;
	(void)udp_send(s->disc, src, mb);
	mem_deref(mb);
}


static void recv_handler(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct simcam_sim *s = arg;
	xmlDoc *doc = xmlReadMemory((const char *)mbuf_buf(mb),
				    (int)mbuf_get_left(mb), NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	xmlNode *n = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *id = NULL;
	bool probe = false;

	/* depth-first walk for Probe and MessageID, whatever the prefixes */
	while (n) {
		if (n->type == XML_ELEMENT_NODE) {
			if (!strcmp((const char *)n->name, "Probe"))
				probe = true;
			if (!strcmp((const char *)n->name, "MessageID") && !id)
				id = xmlNodeGetContent(n);
		}
		if (n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next)
			n = n->parent;
		if (n)
			n = n->next;
	}
	if (probe && id && !strpbrk((const char *)id, "<&"))
		reply(s, src, (const char *)id);
	xmlFree(id);
	xmlFreeDoc(doc);
}


int simcam_disc_start(struct simcam_sim *s, const struct sa *addr)
{
	return udp_listen(&s->disc, addr, recv_handler, s);
}
