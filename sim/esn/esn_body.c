/**
 * @file esn_body.c  What a group INVITE carries: a multipart/mixed body
 * with the SDP offer and the mcptt-info XML (TS 24.379 Annex F.1), and
 * the SDP answer the network gives back.
 */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <re.h>
#include "media/codec.h"
#include "esn_floor.h"
#include "esn.h"

/* libre 1.1.0 has no pl_strstr */
static const char *find(const struct pl *pl, const char *str)
{
	return memmem(pl->p, pl->l, str, strlen(str));
}

static const char info_ctype[] = "application/vnd.3gpp.mcptt-info+xml";

/* One part of the body: its Content-Type and content */
static void part(const struct pl *p, struct pl *sdp, struct pl *info)
{
	struct pl ct = PL_INIT, rest;
	const char *sep;

	sep = find(p, "\r\n\r\n");
	if (!sep)
		return;
	rest.p = sep + 4;
	rest.l = p->p + p->l - rest.p;
	if (rest.l >= 2 && !memcmp(rest.p + rest.l - 2, "\r\n", 2))
		rest.l -= 2;        /* the CRLF belongs to the delimiter */
	re_regex(p->p, sep - p->p + 2, "Content-Type:[ \t]*[^\r\n;]+",
		 NULL, &ct);
	if (!pl_strcasecmp(&ct, "application/sdp"))
		*sdp = rest;
	else if (!pl_strcasecmp(&ct, info_ctype))
		*info = rest;
}

int esn_body_split(const struct sip_msg *msg, struct pl *sdp,
		   struct pl *info)
{
	struct pl body, bnd, q;
	char delim[160];
	const char *p, *end;

	*sdp = *info = (struct pl)PL_INIT;
	body.p = (const char *)mbuf_buf(msg->mb);
	body.l = mbuf_get_left(msg->mb);
	if (!msg_ctype_cmp(&msg->ctyp, "multipart", "mixed")) {
		if (msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
			*sdp = body;
		return 0;
	}
	if (re_regex(msg->ctyp.params.p, msg->ctyp.params.l,
		     "boundary=[\"]*[^\";]+", &q, &bnd))
		return EBADMSG;
	if (re_snprintf(delim, sizeof(delim), "--%r", &bnd) < 0)
		return EBADMSG;
	end = body.p + body.l;
	p = find(&body, delim);
	while (p) {
		struct pl rest = {p + strlen(delim), end - p - strlen(delim)};
		const char *nx = find(&rest, delim);
		struct pl pp;

		if (!nx)
			break;
		pp.p = rest.p;
		pp.l = nx - rest.p;
		part(&pp, sdp, info);
		p = nx;
	}
	return 0;
}

/* An element's value: directly in it, or in the Annex F.1 wrapper child
 * (mcpttURI, mcpttString, mcpttBoolean) */
static void value(xmlNode *n, char *buf, size_t size)
{
	xmlChar *s = NULL;

	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    !xmlStrncmp(c->name, BAD_CAST "mcptt", 5)) {
			s = xmlNodeGetContent(c);
			break;
		}
	}
	if (!s)
		s = xmlNodeGetContent(n);
	str_ncpy(buf, s ? (char *)s : "", size);
	xmlFree(s);
	/* trim white space around the value */
	size_t l = strlen(buf), i = 0;
	while (l && (buf[l - 1] == ' ' || buf[l - 1] == '\n' ||
		     buf[l - 1] == '\r' || buf[l - 1] == '\t'))
		buf[--l] = 0;
	while (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t')
		++i;
	memmove(buf, buf + i, l - i + 1);
}

static void walk(struct esn_info *inf, xmlNode *n)
{
	char v[256];

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcmp(n->name, BAD_CAST "mcptt-request-uri")) {
			value(n, inf->group, sizeof(inf->group));
		}
		else if (!xmlStrcmp(n->name, BAD_CAST "session-type")) {
			value(n, v, sizeof(v));
			inf->priv = !strcmp(v, "private");
		}
		else if (!xmlStrcmp(n->name, BAD_CAST "emergency-ind")) {
			value(n, v, sizeof(v));
			inf->emerg = !strcmp(v, "true");
			inf->has_emerg = true;
		}
		else if (!xmlStrcmp(n->name, BAD_CAST "imminentperil-ind")) {
			value(n, v, sizeof(v));
			inf->imminent = !strcmp(v, "true");
		}
		else if (!xmlStrcmp(n->name, BAD_CAST "broadcast-ind")) {
			value(n, v, sizeof(v));
			inf->broadcast = !strcmp(v, "true");
		}
		else if (!xmlStrcmp(n->name, BAD_CAST "alert-ind")) {
			value(n, v, sizeof(v));
			inf->alert = !strcmp(v, "true");
		}
		else if (!xmlStrcmp(n->name,
				    BAD_CAST "mcptt-calling-user-id")) {
			value(n, inf->calling, sizeof(inf->calling));
		}
		else {
			walk(inf, n->children);
		}
	}
}

int esn_info_parse(struct esn_info *inf, const struct pl *xml)
{
	xmlDoc *doc;

	memset(inf, 0, sizeof(*inf));
	if (!pl_isset(xml))
		return ENOENT;
	doc = xmlReadMemory(xml->p, (int)xml->l, "mcptt-info.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (!doc)
		return EBADMSG;
	walk(inf, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return inf->group[0] ? 0 : EBADMSG;
}

int esn_info_print(struct mbuf *mb, const char *group, const char *calling,
		   bool emerg, bool priv)
{
	const char *b = emerg ? "true" : "false";

	return mbuf_printf(mb,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
		"<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">"
		"<mcptt-Params><session-type>%s</session-type>"
		"<mcptt-request-uri type=\"Normal\"><mcpttURI>%s</mcpttURI>"
		"</mcptt-request-uri>"
		"<mcptt-calling-user-id type=\"Normal\"><mcpttURI>%s"
		"</mcpttURI></mcptt-calling-user-id>"
		"<emergency-ind type=\"Normal\"><mcpttBoolean>%s"
		"</mcpttBoolean></emergency-ind>"
		"<alert-ind type=\"Normal\"><mcpttBoolean>%s</mcpttBoolean>"
		"</alert-ind></mcptt-Params></mcpttinfo>\r\n",
		priv ? "private" : "prearranged", group, calling, b, b);
}

/* a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY[|lifetime][|mki] */
static int crypto_key(uint8_t *key, const char *attr)
{
	struct pl suite, b64;
	size_t n = ESN_KEY_LEN;

	if (!attr || re_regex(attr, strlen(attr),
			      "[0-9]+ [^ ]+ inline:[^|]+", NULL, &suite, &b64))
		return EPROTO;
	if (pl_strcmp(&suite, "AES_CM_128_HMAC_SHA1_80"))
		return EPROTO;
	if (base64_decode(b64.p, b64.l, key, &n) || n != ESN_KEY_LEN)
		return EPROTO;
	return 0;
}

static int audio_answer(struct esn_leg *leg, struct sdp_media *au,
			uint8_t *rkey, const char **reason)
{
	const struct sdp_format *fmt = sdp_media_rformat(au, "AMR-WB");
	int err;

	if (!sdp_media_rport(au) || !fmt) {
		*reason = "no AMR-WB audio offered";
		return EPROTO;
	}
	if (crypto_key(rkey, sdp_media_rattr(au, "crypto"))) {
		*reason = "no usable a=crypto (AES_CM_128_HMAC_SHA1_80)";
		return EPROTO;
	}
	leg->raddr_rtp = *sdp_media_raddr(au);
	leg->dec = mem_deref(leg->dec);
	err = codec_find("AMR-WB")->dec_alloc(&leg->dec, fmt->params);
	if (err)
		*reason = "AMR-WB decoder";
	return err;
}

static void floor_offer(struct esn_leg *leg, struct sdp_media *ap)
{
	const struct sdp_format *f;
	const char *fm;
	struct pl pr;

	/* libre keeps a=fmtp as the format's parameters */
	f = sdp_media_format(ap, false, "MCPTT", -1, NULL, -1, -1);
	fm = f ? f->params : sdp_media_rattr(ap, "fmtp");

	leg->raddr_fc = *sdp_media_raddr(ap);
	leg->max_prio = 1;
	leg->queueing = fm && strstr(fm, "mc_queueing");
	if (fm && !re_regex(fm, strlen(fm), "mc_priority=[0-9]+", &pr))
		leg->max_prio = (uint8_t)min(pl_u32(&pr), 255u);
}

/* Our side of a leg's SDP: AMR-WB with our SRTP key, the floor line */
struct sdp_ours {
	struct sdp_session *sess;
	struct sdp_media *au, *ap;
	struct sdp_format *mf;
};

static int sdp_ours(struct esn_leg *leg, struct sdp_ours *o)
{
	const struct sa *la = rtp_local(leg->rtp);
	struct sa fla;
	char b64[48];
	size_t b64l = sizeof(b64);
	int err;

	udp_local_get(leg->fus, &fla);
	err  = sdp_session_alloc(&o->sess, la);
	err |= sdp_media_add(&o->au, o->sess, "audio", sa_port(la),
			     "RTP/SAVP");
	err |= sdp_media_add(&o->ap, o->sess, "application", sa_port(&fla),
			     "udp");
	if (err)
		return err;
	sdp_media_set_fmt_ignore(o->ap, true);
	err  = sdp_format_add(NULL, o->au, false, "96", "AMR-WB", 16000, 1,
			      NULL, NULL, NULL, false, "octet-align=1");
	err |= sdp_format_add(&o->mf, o->ap, false, "MCPTT", NULL, 0, 0,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_media_set_lattr(o->au, true, "i", "speech");
	err |= base64_encode(leg->key, sizeof(leg->key), b64, &b64l);
	err |= sdp_media_set_lattr(o->au, true, "crypto",
				   "1 AES_CM_128_HMAC_SHA1_80 inline:%b",
				   b64, b64l);
	return err;
}

/* Their SDP (offer or answer) decoded into o: start the leg's media */
static int sdp_theirs(struct esn_leg *leg, struct sdp_ours *o,
		      const struct pl *sdp, bool offer, const char **reason)
{
	struct mbuf *mb = mbuf_alloc(sdp->l + 1);
	uint8_t rkey[ESN_KEY_LEN];
	int err;

	*reason = "bad SDP";
	if (!mb)
		return ENOMEM;
	mbuf_write_mem(mb, (const uint8_t *)sdp->p, sdp->l);
	mb->pos = 0;
	err = sdp_decode(o->sess, mb, offer);
	mem_deref(mb);
	if (err)
		return err;
	err = audio_answer(leg, o->au, rkey, reason);
	if (err)
		return err;
	if (!sdp_media_rport(o->ap)) {
		*reason = "no m=application MCPTT floor line";
		return EPROTO;
	}
	floor_offer(leg, o->ap);
	return esn_leg_start(leg, rkey);
}

int esn_sdp_answer(struct esn_leg *leg, const struct pl *offer,
		   struct mbuf **ansp, const char **reason)
{
	struct sdp_ours o = {0};
	int err;

	*reason = "bad SDP";
	err = sdp_ours(leg, &o);
	err = err ? err : sdp_theirs(leg, &o, offer, true, reason);
	if (err)
		goto out;
	err = sdp_format_set_params(o.mf, "%smc_priority=%u",
				    leg->queueing ? "mc_queueing;" : "",
				    leg->max_prio);
	if (!err)
		err = sdp_encode(ansp, o.sess, false);
	if (!err) {
		mem_deref(leg->ldesc);
		leg->ldesc = mem_ref(*ansp);
	}
 out:
	mem_deref(o.sess);
	return err;
}

/* The network calls a dispatcher (a radio's private call): our offer,
 * kept on the leg until the answer comes */
int esn_sdp_offer(struct esn_leg *leg, uint8_t prio, struct mbuf **offerp)
{
	struct sdp_ours o = {0};
	int err;

	err = sdp_ours(leg, &o);
	err = err ? err : sdp_format_set_params(o.mf, "mc_priority=%u",
						prio);
	err = err ? err : sdp_encode(offerp, o.sess, true);
	if (!err) {
		mem_deref(leg->sdp);
		leg->sdp = mem_ref(o.sess);
		leg->sdp_au = o.au;
		leg->sdp_ap = o.ap;
		mem_deref(leg->ldesc);
		leg->ldesc = mem_ref(*offerp);
	}
	mem_deref(o.sess);
	return err;
}

int esn_sdp_answered(struct esn_leg *leg, const struct pl *answer,
		     const char **reason)
{
	struct sdp_ours o = {0};

	if (!leg->sdp) {
		*reason = "no offer";
		return EPROTO;
	}
	o.sess = leg->sdp;
	o.au = leg->sdp_au;
	o.ap = leg->sdp_ap;
	return sdp_theirs(leg, &o, answer, false, reason);
}
