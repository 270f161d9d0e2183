/**
 * @file esn_sip.c  The network's SIP side: registrar, group sessions,
 * radio messages and emergency re-INVITEs (docs/ESN-PROFILE.md)
 *
 * Identity [simplified in the profile]: the TLS client certificate
 * stands for the IdMS token.  libre 1.1.0 gives a SIP request no handle
 * on its TLS connection, so OpenSSL's message callback notes which SSL
 * last read an application record: libre parses and dispatches a SIP
 * message synchronously inside that read, on one thread, so that SSL is
 * the one the request came over.
 *
 * Requests from the network in a dialog (the emergency re-INVITE) go
 * over the connection the dispatcher opened, as an IMS P-CSCF does, not
 * to its Contact: a client behind NAT or without a TLS listener cannot
 * take a new connection.  libre 1.1.0's sip_drequestf() always sends to
 * the dialog's remote target and offers no public way to read the
 * dialog's tags, so the dialog is kept here from the INVITE and the ACK
 * and the request is built with sip_request() and a route to the
 * connection's peer address (libre reuses a connection to that peer).
 */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <re.h>
#include "media/codec.h"
#include "core/log.h"
#include "esn_floor.h"
#include "esn.h"

static SSL *last_ssl;   /* see the file comment */

enum { EXPIRES_DEF = 600, EXPIRES_MAX = 3600 };

const char esn_feature_tags[] =
	";+g.3gpp.mcptt;+g.3gpp.icsi-ref="
	"\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mcptt\"";

static void msg_cb(int write_p, int version, int ctype, const void *buf,
		   size_t len, SSL *ssl, void *arg)
{
	if (!write_p && ctype == SSL3_RT_HEADER && len >= 1 &&
	    ((const uint8_t *)buf)[0] == SSL3_RT_APPLICATION_DATA)
		last_ssl = ssl;
}

/* The verified client certificate's CN of the connection msg came on */
static int peer_cn(const struct sip_msg *msg, char *cn, size_t size)
{
	X509 *x;

	if (msg->tp != SIP_TRANSP_TLS || !last_ssl)
		return EPERM;
	x = SSL_get0_peer_certificate(last_ssl);
	if (!x || SSL_get_verify_result(last_ssl) != X509_V_OK)
		return EPERM;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
				      NID_commonName, cn, (int)size) <= 0)
		return EPERM;
	return 0;
}

/* The certificate may stand for the From: a configured (cn, mcptt_id)
 * pair, or a CN equal to the From user part */
static bool identity_ok(struct esn *e, const char *cn, const char *aor,
			const struct pl *user)
{
	for (struct le *le = e->disps.head; le; le = le->next) {
		const struct esn_disp *d = le->data;

		if (!strcmp(d->cn, cn) && !strcmp(d->mcptt_id, aor))
			return true;
	}
	return !pl_strcmp(user, cn);
}

static void reg_destructor(void *arg)
{
	struct esn_reg *r = arg;

	list_unlink(&r->le);
	mem_deref(r->aor);
	mem_deref(r->cn);
	mem_deref(r->contact);
}

/* The binding of aor, expired or not (the registrar refreshes it) */
static struct esn_reg *reg_any(struct esn *e, const char *aor)
{
	for (struct le *le = e->regs.head; le; le = le->next) {
		struct esn_reg *r = le->data;

		if (!strcmp(r->aor, aor))
			return r;
	}
	return NULL;
}

static void aor_of(char *buf, size_t size, const struct sip_taddr *a)
{
	re_snprintf(buf, size, "sip:%r@%r", &a->uri.user, &a->uri.host);
}

static uint32_t expires_of(const struct sip_msg *msg)
{
	const struct sip_hdr *c = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct pl e;
	uint32_t v = EXPIRES_DEF;

	if (pl_isset(&msg->expires))
		v = pl_u32(&msg->expires);
	if (c && !re_regex(c->val.p, c->val.l, "expires=[0-9]+", &e))
		v = pl_u32(&e);
	return min(v, (uint32_t)EXPIRES_MAX);
}

static void registrar(struct esn *e, const struct sip_msg *msg)
{
	const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	char cn[128], aor[256];
	struct esn_reg *r;
	uint32_t exp = expires_of(msg);

	if (peer_cn(msg, cn, sizeof(cn))) {
		(void)sip_reply(e->sip, msg, 403,
				"Client Certificate Required");
		return;
	}
	aor_of(aor, sizeof(aor), &msg->from);
	if (!identity_ok(e, cn, aor, &msg->from.uri.user)) {
		log_notice("esn", "REGISTER %s refused: certificate CN %s\n",
			   aor, cn);
		(void)sip_reply(e->sip, msg, 403, "Identity Mismatch");
		return;
	}
	if (!ct) {
		(void)sip_reply(e->sip, msg, 400, "Contact Missing");
		return;
	}
	r = reg_any(e, aor);
	if (!exp) {
		mem_deref(r);
		(void)sip_reply(e->sip, msg, 200, "OK");
		return;
	}
	if (!r) {
		r = mem_zalloc(sizeof(*r), reg_destructor);
		if (!r || str_dup(&r->aor, aor)) {
			mem_deref(r);
			(void)sip_reply(e->sip, msg, 500, "No Memory");
			return;
		}
		list_append(&e->regs, &r->le, r);
	}
	r->cn = mem_deref(r->cn);
	r->contact = mem_deref(r->contact);
	(void)str_dup(&r->cn, cn);
	(void)pl_strdup(&r->contact, &ct->val);
	r->src = msg->src;
	r->expires = exp;
	r->since = esn_now_ms();
	log_info("esn", "registered %s (CN %s) for %us\n", aor, cn, exp);
	(void)sip_replyf(e->sip, msg, 200, "OK",
			 "Contact: %r;expires=%u\r\nExpires: %u\r\n"
			 "Content-Length: 0\r\n\r\n", &ct->val, exp, exp);
}

static void message_in(struct esn *e, const struct sip_msg *msg)
{
	size_t n = min(mbuf_get_left(msg->mb), sizeof(e->last_msg) - 1);

	memcpy(e->last_msg, mbuf_buf(msg->mb), n);
	e->last_msg[n] = 0;
	++e->msgs_in;
	(void)sip_reply(e->sip, msg, 200, "OK");
}

static bool sip_req(const struct sip_msg *msg, void *arg)
{
	struct esn *e = arg;

	if (!pl_strcmp(&msg->met, "REGISTER"))
		registrar(e, msg);
	else if (!pl_strcmp(&msg->met, "MESSAGE"))
		message_in(e, msg);
	else if (!pl_strcmp(&msg->met, "OPTIONS"))
		(void)sip_reply(e->sip, msg, 200, "OK");
	else
		return false;
	return true;
}

/* A re-INVITE from the dispatcher: emergency upgrade or cancellation */
int esn_leg_offer_h(struct mbuf **descp, const struct sip_msg *msg,
		    void *arg)
{
	struct esn_leg *leg = arg;
	struct esn_info inf;
	struct pl sdp, info;
	const char *why;
	int err;

	err = esn_body_split(msg, &sdp, &info);
	if (!err && !esn_info_parse(&inf, &info)) {
		if (inf.has_emerg)
			leg->emerg = inf.emerg;
		leg->imminent = inf.imminent;
		leg->broadcast = inf.broadcast;
	}
	if (err || !pl_isset(&sdp))
		return err ? err : EPROTO;
	return esn_sdp_answer(leg, &sdp, descp, &why);
}

static int answer_h(const struct sip_msg *msg, void *arg)
{
	return 0;
}

void esn_leg_estab_h(const struct sip_msg *msg, void *arg)
{
	struct esn_leg *leg = arg;

	leg->ltag = mem_deref(leg->ltag);
	(void)pl_strdup(&leg->ltag, &msg->to.tag);
}

/* What a network request in this dialog needs, from the INVITE */
static int leg_dialog(struct esn_leg *leg, const struct sip_msg *msg)
{
	const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr a;
	int err;

	if (!ct || sip_addr_decode(&a, &ct->val))
		return EBADMSG;
	err  = pl_strdup(&leg->callid, &msg->callid);
	err |= pl_strdup(&leg->rtag, &msg->from.tag);
	err |= pl_strdup(&leg->ruri, &msg->from.auri);
	err |= pl_strdup(&leg->luri, &msg->to.auri);
	err |= pl_strdup(&leg->target, &a.auri);
	leg->src = msg->src;
	return err;
}

void esn_leg_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct esn_leg *leg = arg;
	struct esn_group *g = leg->grp;

	log_info("esn", "%s left %s (%m)\n", leg->mcptt_id, g->uri, err);
	mem_deref(leg);
	esn_pcall_check(g);
}

static struct esn_radio *radio_by_uri(struct esn *e, const char *uri)
{
	for (struct le *le = e->radios.head; le; le = le->next) {
		struct esn_radio *r = le->data;

		if (!str_casecmp(r->mcptt_id, uri))
			return r;
	}
	return NULL;
}

/* Why a group or private INVITE is refused: status per check, in order */
static uint16_t invite_check(struct esn *e, const struct sip_msg *msg,
			     struct esn_info *inf, struct pl *sdp,
			     const char **reason)
{
	struct pl info;
	char aor[256], cn[128];

	aor_of(aor, sizeof(aor), &msg->from);
	if (peer_cn(msg, cn, sizeof(cn)) ||
	    !identity_ok(e, cn, aor, &msg->from.uri.user))
		return *reason = "Identity Mismatch", 403;
	if (!esn_reg_find(e, aor))
		return *reason = "Not Registered", 403;
	if (esn_body_split(msg, sdp, &info))
		return *reason = "Bad Multipart Body", 400;
	if (!pl_isset(&info))
		return *reason = "mcptt-info Required", 415;
	if (esn_info_parse(inf, &info))
		return *reason = "Bad mcptt-info", 400;
	if (inf->priv) {
		const struct esn_radio *r = radio_by_uri(e, inf->group);

		if (!r)
			return *reason = "Unknown User", 404;
		if (esn_pcall_of(e, r))
			return *reason = "Busy Here", 486;
		if (!str_casecmp(r->answer, "reject"))
			return *reason = "Temporarily Unavailable", 480;
	}
	else if (!esn_group_find(e, inf->group)) {
		return *reason = "Unknown Group", 404;
	}
	if (!pl_isset(sdp))
		return *reason = "SDP Required", 488;
	return 0;
}

static void conn_h(const struct sip_msg *msg, void *arg)
{
	struct esn *e = arg;
	struct esn_info inf;
	struct esn_group *g = NULL;
	struct esn_leg *leg = NULL;
	struct mbuf *ans = NULL;
	struct pl sdp;
	const char *reason = NULL;
	char aor[256];
	uint16_t sc;
	int err;

	sc = invite_check(e, msg, &inf, &sdp, &reason);
	if (sc) {
		(void)sip_treply(NULL, e->sip, msg, sc, reason);
		return;
	}
	if (inf.priv)
		err = esn_pcall_group(e, radio_by_uri(e, inf.group), &g);
	else
		g = esn_group_find(e, inf.group), err = 0;
	aor_of(aor, sizeof(aor), &msg->from);
	err = err ? err : esn_leg_alloc(&leg, g, aor, &e->laddr);
	if (err) {
		if (inf.priv && g)
			esn_pcall_check(g);
		(void)sip_treply(NULL, e->sip, msg, 500, "No Media Port");
		return;
	}
	leg->emerg = inf.emerg;
	if (leg_dialog(leg, msg)) {
		(void)sip_treply(NULL, e->sip, msg, 400, "Bad Contact");
		mem_deref(leg);
		esn_pcall_check(g);
		return;
	}
	if (esn_sdp_answer(leg, &sdp, &ans, &reason)) {
		(void)sip_treplyf(NULL, NULL, e->sip, msg, false, 488,
				  "Not Acceptable Here",
				  "Warning: 399 esn \"%s\"\r\n"
				  "Content-Length: 0\r\n\r\n", reason);
		mem_deref(leg);
		esn_pcall_check(g);
		return;
	}
	if (g->pc_radio) {
		err = esn_pcall_incoming(g, leg, msg, ans);
		mem_deref(ans);
		if (err) {
			mem_deref(leg);
			esn_pcall_check(g);
		}
		return;
	}
	err = sipsess_accept(&leg->sess, e->ssock, msg, 200, "OK", "esn",
			     "application/sdp", ans, NULL, NULL, false,
			     esn_leg_offer_h, answer_h, esn_leg_estab_h, NULL,
			     NULL, esn_leg_close_h, leg,
			     "Contact: <sip:esn@%J;transport=tls>%s\r\n",
			     &e->laddr, esn_feature_tags);
	mem_deref(ans);
	if (err) {
		mem_deref(leg);
		return;
	}
	list_append(&g->legs, &leg->le, leg);
	esn_floor_join(&g->floor, leg->part);   /* late entry: Taken */
	log_info("esn", "%s joined %s\n", aor, g->uri);
}

int esn_sip_start(struct esn *e)
{
	SSL_CTX *ctx;
	int err;

	err = sa_decode(&e->laddr, e->listen, strlen(e->listen));
	if (err)
		return err;
	err = tls_alloc(&e->tls, TLS_METHOD_SSLV23, e->cert, NULL);
	if (!err)
		err = tls_add_ca(e->tls, e->ca);
	if (err)
		return err;
	/* libre's own verify callback accepts any certificate (it is
	 * meant for DTLS fingerprints): put OpenSSL's chain check back */
	tls_set_verify_client(e->tls);
	ctx = tls_openssl_context(e->tls);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_session_id_context(ctx, (const uint8_t *)"iccs-esn", 8);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_msg_callback(ctx, msg_cb);

	err = sip_alloc(&e->sip, e->dnsc, 32, 32, 32, "iccs-sim esn", NULL,
			NULL);
	if (!err)
		err = sip_transp_add(e->sip, SIP_TRANSP_TLS, &e->laddr,
				     e->tls);
	if (!err)
		err = sip_listen(&e->lsnr, e->sip, true, sip_req, e);
	if (!err)
		err = sipsess_listen(&e->ssock, e->sip, 32, conn_h, e);
	return err;
}

static void reinv_resp(int err, const struct sip_msg *msg, void *arg);

static void resp_h(int err, const struct sip_msg *msg, void *arg)
{
	if (err || (msg && msg->scode >= 300))
		log_notice("esn", "request failed: %m %u\n", err,
			   msg ? msg->scode : 0);
}

int esn_sip_message(struct esn *e, const char *to_aor, const char *body)
{
	struct esn_reg *r = esn_reg_find(e, to_aor);
	char route[128];
	struct uri ru;
	struct pl rpl;

	if (!r)
		return ENOENT;
	re_snprintf(route, sizeof(route), "sip:%J;transport=tls;lr", &r->src);
	pl_set_str(&rpl, route);
	if (uri_decode(&ru, &rpl))
		return EINVAL;
	/* over the dispatcher's own TLS connection (libre reuses a
	 * connection whose peer is the route's address) */
	return sip_requestf(NULL, e->sip, true, "MESSAGE", to_aor, &ru, NULL,
			    NULL, resp_h, NULL,
			    "From: <sip:esn@%s>;tag=%016llx\r\n"
			    "To: <%s>\r\nCall-ID: %016llx@esn\r\n"
			    "CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n"
			    "Content-Type: application/vnd.openiccs.radio"
			    "+json\r\nContent-Length: %zu\r\n\r\n%s",
			    e->domain, rand_u64(), to_aor, rand_u64(),
			    strlen(body), body);
}

/* A request in the leg's dialog over the dispatcher's connection */
static int dlg_request(struct esn_leg *leg, bool stateful, const char *met,
		       uint32_t cseq, struct mbuf *hdrs_body)
{
	struct esn *e = leg->grp->esn;
	struct mbuf *mb = mbuf_alloc(1024 + (hdrs_body ? hdrs_body->end : 0));
	char route[96];
	struct uri ru;
	struct pl rp;
	int err;

	if (!mb)
		return ENOMEM;
	re_snprintf(route, sizeof(route), "sip:%J;transport=tls", &leg->src);
	pl_set_str(&rp, route);
	err  = uri_decode(&ru, &rp);
	err |= mbuf_printf(mb, "Max-Forwards: 70\r\n"
			   "From: <%s>;tag=%s\r\nTo: <%s>;tag=%s\r\n"
			   "Call-ID: %s\r\nCSeq: %u %s\r\n",
			   leg->luri, leg->ltag, leg->ruri, leg->rtag,
			   leg->callid, cseq, met);
	if (hdrs_body)
		err |= mbuf_write_mem(mb, hdrs_body->buf, hdrs_body->end);
	else
		err |= mbuf_printf(mb, "Content-Length: 0\r\n\r\n");
	mb->pos = 0;
	if (!err)
		err = sip_request(NULL, e->sip, stateful, met, -1,
				  leg->target, -1, &ru, mb, 0, NULL,
				  stateful ? reinv_resp : NULL, leg);
	mem_deref(mb);
	return err;
}

static void reinv_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct esn_leg *leg = arg;

	if (err || !msg || msg->scode < 200)
		return;
	if (msg->scode < 300)
		(void)dlg_request(leg, false, "ACK", msg->cseq.num, NULL);
	else
		log_notice("esn", "emergency re-INVITE to %s: %u\n",
			   leg->mcptt_id, msg->scode);
}

int esn_sip_emergency(struct esn_leg *leg, const struct esn_radio *r,
		      bool on)
{
	struct esn *e = leg->grp->esn;
	struct mbuf *body = mbuf_alloc(2048), *mb = mbuf_alloc(3072);
	int err;

	if (!body || !mb || !leg->ldesc || !leg->ltag) {
		err = leg->ltag ? ENOMEM : EAGAIN;  /* no ACK yet */
		goto out;
	}
	err = mbuf_printf(body, "--esnb\r\nContent-Type: application/sdp"
			  "\r\n\r\n%b\r\n--esnb\r\nContent-Type: "
			  "application/vnd.3gpp.mcptt-info+xml\r\n\r\n",
			  leg->ldesc->buf, leg->ldesc->end);
	err |= esn_info_print(body, leg->grp->uri, r->mcptt_id, on, false);
	err |= mbuf_printf(body, "--esnb--\r\n");
	err |= mbuf_printf(mb, "Contact: <sip:esn@%J;transport=tls>%s\r\n"
			   "P-Asserted-Identity: \"%s\" <%s>\r\n%s"
			   "Content-Type: multipart/mixed;boundary=esnb\r\n"
			   "Content-Length: %zu\r\n\r\n%b",
			   &e->laddr, esn_feature_tags,
			   r->alias ? r->alias : r->id, r->mcptt_id,
			   on ? "Resource-Priority: mcpttp.15\r\n" : "",
			   body->end, body->buf, body->end);
	if (!err)
		err = dlg_request(leg, true, "INVITE",
				  sip_dialog_lseq(sipsess_dialog(leg->sess))
				  + 1, mb);
 out:
	mem_deref(body);
	mem_deref(mb);
	return err;
}
