/**
 * @file mcptt_sdp.c  SDP offer/answer and multipart bodies of ESN calls
 *
 * The SDP is built and read by libre's sdp module: one AMR-WB audio
 * stream (octet-aligned, SRTP keyed by SDES a=crypto [simplified]) and
 * one m=application floor control line with mc_queueing and
 * mc_priority.  libre 1.1.0 cannot write a media title, so the i=speech
 * line of the profile is put in after encoding.
 */
#include <string.h>
#include <re.h>
#include "radio/mcptt/mcptt.h"


#define CRYPTO_SUITE "AES_CM_128_HMAC_SHA1_80"

struct mcptt_sdp {
	struct sdp_session *sess;
	struct sdp_media *audio;
	struct sdp_media *app;
	struct mcptt_sdp_local l;
};


static void sdp_destructor(void *arg)
{
	struct mcptt_sdp *sdp = arg;

	mem_deref(sdp->sess);
}


static int crypto_set(struct mcptt_sdp *sdp, unsigned tag)
{
	char b64[48];
	size_t n = sizeof(b64) - 1;
	int err;

	err = base64_encode(sdp->l.key, sizeof(sdp->l.key), b64, &n);
	if (err)
		return err;
	b64[n] = '\0';

	return sdp_media_set_lattr(sdp->audio, true, "crypto",
				   "%u " CRYPTO_SUITE " inline:%s", tag, b64);
}


int mcptt_sdp_alloc(struct mcptt_sdp **sdpp, const struct mcptt_sdp_local *l)
{
	struct mcptt_sdp *sdp;
	int err;

	if (!sdpp || !l || !l->prio)
		return EINVAL;

	sdp = mem_zalloc(sizeof(*sdp), sdp_destructor);
	if (!sdp)
		return ENOMEM;
	sdp->l = *l;

	err = sdp_session_alloc(&sdp->sess, &l->addr);
	err = err ? err : sdp_media_add(&sdp->audio, sdp->sess, "audio",
					l->audio_port, "RTP/SAVP");
	err = err ? err : sdp_format_add(NULL, sdp->audio, false, "96",
					 "AMR-WB", 16000, 1, NULL, NULL,
					 NULL, false, "octet-align=1");
	err = err ? err : crypto_set(sdp, 1);
	err = err ? err : sdp_media_add(&sdp->app, sdp->sess, "application",
					l->fc_port, "udp");
	err = err ? err : sdp_format_add(NULL, sdp->app, false, "MCPTT",
					 NULL, 0, 0, NULL, NULL, NULL, false,
					 NULL);
	/* libre writes a=fmtp only for formats with an rtpmap */
	err = err ? err : sdp_media_set_lattr(sdp->app, true, "fmtp",
					      "MCPTT mc_queueing;"
					      "mc_priority=%u", l->prio);
	if (err)
		mem_deref(sdp);
	else
		*sdpp = sdp;

	return err;
}


/* The media title goes right after the m=audio line (RFC 4566 order) */
static int title_insert(struct mbuf **mbp, struct mbuf *in)
{
	const char *p = (const char *)in->buf;
	const char *m = memmem(p, in->end, "m=audio ", 8);
	const char *eol = m ? memmem(m, in->end - (size_t)(m - p),
				     "\r\n", 2) : NULL;
	struct mbuf *mb;
	size_t head;
	int err;

	if (!eol)
		return EINVAL;
	head = (size_t)(eol - p) + 2;

	mb = mbuf_alloc(in->end + 16);
	if (!mb)
		return ENOMEM;
	err  = mbuf_write_mem(mb, in->buf, head);
	err |= mbuf_write_str(mb, "i=speech\r\n");
	err |= mbuf_write_mem(mb, in->buf + head, in->end - head);
	mb->pos = 0;

	if (err)
		mem_deref(mb);
	else
		*mbp = mb;

	return err;
}


int mcptt_sdp_encode(struct mbuf **mbp, struct mcptt_sdp *sdp, bool offer)
{
	struct mbuf *raw = NULL;
	int err;

	if (!mbp || !sdp)
		return EINVAL;

	err = sdp_encode(&raw, sdp->sess, offer);
	if (!err)
		err = title_insert(mbp, raw);
	mem_deref(raw);

	return err;
}


/* "1 AES_CM_128_HMAC_SHA1_80 inline:<base64>[|lifetime][|mki]" */
static int crypto_decode(struct mcptt_sdp_remote *r, const char *attr,
			 const char **reason)
{
	struct pl tag, suite, key;
	size_t n = sizeof(r->key);

	if (!attr) {
		*reason = "no a=crypto on the audio stream";
		return EBADMSG;
	}
	if (re_regex(attr, strlen(attr), "[0-9]+[ ]+[^ ]+[ ]+inline:[^|]+",
		     &tag, NULL, &suite, NULL, &key)) {
		*reason = "a=crypto is malformed";
		return EBADMSG;
	}
	if (pl_strcmp(&suite, CRYPTO_SUITE)) {
		*reason = "a=crypto suite is not " CRYPTO_SUITE;
		return EBADMSG;
	}
	if (key.l > 44 || base64_decode(key.p, key.l, r->key, &n) ||
	    n != sizeof(r->key)) {
		*reason = "a=crypto key is not 30 bytes of base64";
		return EBADMSG;
	}
	r->crypto_tag = pl_u32(&tag);

	return 0;
}


static int audio_decode(struct mcptt_sdp *sdp, struct mcptt_sdp_remote *r,
			const char **reason)
{
	const struct sdp_format *fmt;
	int err;

	if (!sdp_media_rport(sdp->audio) ||
	    !sa_isset(sdp_media_raddr(sdp->audio), SA_ALL)) {
		*reason = "the audio stream is rejected or has no address";
		return EBADMSG;
	}
	if (strcmp(sdp_media_proto(sdp->audio), "RTP/SAVP")) {
		*reason = "the audio stream is not RTP/SAVP";
		return EBADMSG;
	}

	fmt = sdp_media_rformat(sdp->audio, "AMR-WB");
	if (!fmt || fmt->srate != 16000) {
		*reason = "the audio stream has no AMR-WB/16000";
		return EBADMSG;
	}
	r->octet_align = fmt->params &&
		strstr(fmt->params, "octet-align=1") != NULL;
	if (!r->octet_align) {
		*reason = "AMR-WB is not octet-aligned";
		return EBADMSG;
	}

	err = crypto_decode(r, sdp_media_rattr(sdp->audio, "crypto"), reason);
	if (err)
		return err;

	r->audio = *sdp_media_raddr(sdp->audio);

	return 0;
}


static int app_decode(struct mcptt_sdp *sdp, struct mcptt_sdp_remote *r,
		      const char **reason)
{
	const struct sdp_format *fmt;
	struct pl prio;

	fmt = sdp_media_format(sdp->app, false, "MCPTT", -1, NULL, -1, -1);
	if (!sdp_media_rport(sdp->app) || !fmt ||
	    !sa_isset(sdp_media_raddr(sdp->app), SA_ALL)) {
		*reason = "no usable m=application MCPTT line";
		return EBADMSG;
	}

	r->fc = *sdp_media_raddr(sdp->app);
	r->queueing = fmt->params && strstr(fmt->params, "mc_queueing");
	r->prio = sdp->l.prio;
	if (fmt->params && !re_regex(fmt->params, strlen(fmt->params),
				     "mc_priority=[0-9]+", &prio)) {
		uint32_t v = pl_u32(&prio);

		if (!v || v > 255 || prio.l > 3) {
			*reason = "mc_priority is out of range 1..255";
			return EBADMSG;
		}
		/* granted is a maximum: never above what we asked for */
		r->prio = (uint8_t)min(v, (uint32_t)sdp->l.prio);
	}

	return 0;
}


int mcptt_sdp_decode(struct mcptt_sdp *sdp, struct mcptt_sdp_remote *r,
		     const struct pl *body, bool offer, const char **reason)
{
	const char *dummy;
	struct mbuf *mb;
	int err;

	if (!reason)
		reason = &dummy;
	if (!sdp || !r || !body)
		return EINVAL;

	memset(r, 0, sizeof(*r));
	if (!pl_isset(body)) {
		*reason = "no SDP";
		return EBADMSG;
	}

	mb = mbuf_alloc(body->l);
	if (!mb)
		return ENOMEM;
	(void)mbuf_write_pl(mb, body);
	mb->pos = 0;

	err = sdp_decode(sdp->sess, mb, offer);
	mem_deref(mb);
	if (err) {
		*reason = "SDP does not parse";
		return EBADMSG;
	}

	err = audio_decode(sdp, r, reason);
	err = err ? err : app_decode(sdp, r, reason);
	if (!err && offer && r->crypto_tag != 1)
		err = crypto_set(sdp, r->crypto_tag);

	return err;
}


/* ---- multipart/mixed ---- */

static int part_print(struct mbuf *mb, const char *ctype,
		      const struct mbuf *part)
{
	return mbuf_printf(mb, "--" MCPTT_BOUNDARY "\r\nContent-Type: %s"
			   "\r\n\r\n%b\r\n", ctype, part->buf, part->end);
}


int mcptt_body_build(struct mbuf **mbp, const struct mbuf *sdp,
		     const struct mbuf *xml)
{
	struct mbuf *mb;
	int err;

	if (!mbp || !sdp)
		return EINVAL;

	mb = mbuf_alloc(sdp->end + (xml ? xml->end : 0) + 256);
	if (!mb)
		return ENOMEM;

	err = part_print(mb, "application/sdp", sdp);
	if (xml)
		err |= part_print(mb, MCPTT_INFO_CTYPE, xml);
	err |= mbuf_printf(mb, "--" MCPTT_BOUNDARY "--\r\n");
	mb->pos = 0;

	if (err)
		mem_deref(mb);
	else
		*mbp = mb;

	return err;
}


/* Stores a part by its type; unknown types are skipped */
static int part_store(struct mcptt_body *b, const struct msg_ctype *ct,
		      const struct pl *body, const char **reason)
{
	struct pl *dst = NULL;

	if (msg_ctype_cmp(ct, "application", "sdp"))
		dst = &b->sdp;
	else if (msg_ctype_cmp(ct, "application",
			       "vnd.3gpp.mcptt-info+xml"))
		dst = &b->info;
	else if (msg_ctype_cmp(ct, "application", "vnd.openiccs.radio+json"))
		dst = &b->json;

	if (!dst)
		return 0;
	if (pl_isset(dst)) {
		*reason = "two body parts of the same type";
		return EBADMSG;
	}
	*dst = *body;

	return 0;
}


/* One part: headers, blank line, content */
static int part_decode(struct mcptt_body *b, const char *p, size_t n,
		       const char **reason)
{
	const char *sep = memmem(p, n, "\r\n\r\n", 4);
	struct pl hdrs, ctv, body;
	struct msg_ctype ct;

	if (!sep) {
		*reason = "a body part has no header end";
		return EBADMSG;
	}
	hdrs.p = p;
	hdrs.l = (size_t)(sep - p) + 2;
	body.p = sep + 4;
	body.l = n - (size_t)(body.p - p);

	if (re_regex(hdrs.p, hdrs.l, "Content-Type:[ \t]*[^\r\n]+", NULL,
		     &ctv) || msg_ctype_decode(&ct, &ctv)) {
		*reason = "a body part has no Content-Type";
		return EBADMSG;
	}

	return part_store(b, &ct, &body, reason);
}


static int multipart_split(struct mcptt_body *b, const struct pl *bnd,
			   const struct pl *body, const char **reason)
{
	char delim[80];
	const char *p = body->p, *end = body->p + body->l;
	size_t dl;
	int err = 0;

	if (bnd->l > 70) {
		*reason = "multipart boundary too long";
		return EBADMSG;
	}
	dl = (size_t)re_snprintf(delim, sizeof(delim), "--%r", bnd);

	p = memmem(p, (size_t)(end - p), delim, dl);
	while (!err && p) {
		const char *next;

		p += dl;
		if (end - p >= 2 && !memcmp(p, "--", 2))
			return 0;                  /* closing delimiter */
		p = memmem(p, (size_t)(end - p), "\r\n", 2);
		next = p ? memmem(p, (size_t)(end - p), delim, dl) : NULL;
		if (!next || next - p < 4) {
			*reason = "multipart body is truncated";
			return EBADMSG;
		}
		/* the CRLF before the delimiter belongs to it */
		err = part_decode(b, p + 2, (size_t)(next - p) - 4, reason);
		p = next;
	}

	if (err)
		return err;

	*reason = "multipart body has no closing delimiter";
	return EBADMSG;
}


int mcptt_body_split(struct mcptt_body *b, const struct msg_ctype *ct,
		     const struct pl *body, const char **reason)
{
	const char *dummy;
	struct pl bnd;

	if (!reason)
		reason = &dummy;
	if (!b || !ct || !body)
		return EINVAL;

	memset(b, 0, sizeof(*b));
	if (!pl_isset(body))
		return 0;

	if (!msg_ctype_cmp(ct, "multipart", "mixed"))
		return part_store(b, ct, body, reason);

	if (msg_param_decode(&ct->params, "boundary", &bnd) || !bnd.l) {
		*reason = "multipart without a boundary";
		return EBADMSG;
	}
	if (bnd.l >= 2 && bnd.p[0] == '"' && bnd.p[bnd.l - 1] == '"') {
		++bnd.p;
		bnd.l -= 2;
	}

	return multipart_split(b, &bnd, body, reason);
}
