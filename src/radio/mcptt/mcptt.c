/**
 * @file mcptt.c  The ESN (MCPTT) bearer: link, registration, messages
 *
 * SIP over mutually authenticated TLS to the ESN network (ESN-PROFILE.md).
 * libre 1.1.0's SIP transport starts TLS without checking the server
 * (it never calls tls_set_verify_server), so the check is set on the
 * OpenSSL context itself: the chain must lead to the configured CA and
 * the certificate must name the configured host.  Registration is
 * libre's sipreg, refreshed at half-time; it retries with its own
 * back-off after a failure, and the link is reported down meanwhile.
 */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "media/media.h"
#include "radio/radio.h"
#include "radio/mcptt/fc.h"
#include "radio/mcptt/mcptt.h"
#include "radio/mcptt/mcptt_int.h"


enum { REG_EXPIRES = 600, REG_RWAIT_PCT = 50, MSG_MAX = 4096 };

#define REG_PARAMS "+g.3gpp.mcptt;+g.3gpp.icsi-ref=" \
	"\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mcptt\""


void mcptt_link_set(struct mcptt *mc, bool up, const char *reason)
{
	if (mc->up == up && up)
		return;

	mc->up = up;
	if (mc->ev->link)
		mc->ev->link(up, reason, mc->arg);
}


static int reg_start(struct mcptt *mc);

/* The TLS connection to the network closed: the network is gone until
 * a registration works again */
static void ka_handler(int err, void *arg)
{
	struct mcptt *mc = arg;
	char why[96];

	mc->ka = mem_deref(mc->ka);
	re_snprintf(why, sizeof(why), "connection to the network lost: %m",
		    err);
	mcptt_link_set(mc, false, why);
	mc->reg = mem_deref(mc->reg);
	(void)reg_start(mc);
}


/* While the network is unreachable, try again every REREG_S rather
 * than after libre's back-off (a minute and more) */
static void rereg(void *arg)
{
	struct mcptt *mc = arg;

	if (mc->up)
		return;
	mc->reg = mem_deref(mc->reg);
	(void)reg_start(mc);
}


static void reg_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct mcptt *mc = arg;
	char why[128];

	if (err) {
		re_snprintf(why, sizeof(why), "registration: %m", err);
		mcptt_link_set(mc, false, why);
		tmr_start(&mc->tmr_rereg, 5000, rereg, mc);
		return;
	}
	if (msg->scode < 200)
		return;
	if (msg->scode < 300) {
		if (!mc->ka)
			(void)sip_keepalive_start(&mc->ka, mc->sip, msg, 0,
						  ka_handler, mc);
		mcptt_link_set(mc, true, NULL);
		return;
	}

	re_snprintf(why, sizeof(why), "registration: %u %r%s", msg->scode,
		    &msg->reason, msg->scode == 403 ?
		    " (certificate does not match the MCPTT ID?)" : "");
	mcptt_link_set(mc, false, why);
}


/* ---- TLS ---- */

static int tls_verify_setup(struct tls *tls, const char *host)
{
	SSL_CTX *ctx = tls_openssl_context(tls);
	X509_VERIFY_PARAM *vp;
	struct sa ip;
	int ok;

	if (!ctx)
		return EINVAL;

	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		return EINVAL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

	vp = SSL_CTX_get0_param(ctx);
	if (!sa_set_str(&ip, host, 0))
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, host);
	else
		ok = X509_VERIFY_PARAM_set1_host(vp, host, 0);

	return ok == 1 ? 0 : EINVAL;
}


static int tls_setup(struct mcptt *mc, const struct conf *conf)
{
	int err;

	err = tls_alloc(&mc->tls, TLS_METHOD_SSLV23, conf->esn_client_cert,
			NULL);
	err = err ? err : tls_add_ca(mc->tls, conf->esn_ca);
	err = err ? err : tls_verify_setup(mc->tls, mc->host);

	return err;
}


/* ---- addressing ---- */

/* "host:port", "ip:port" or "[ipv6]:port" */
static int server_parse(struct mcptt *mc, const char *server)
{
	struct pl host, port;

	if (re_regex(server, strlen(server), "\\[[^\\]]+\\]:[0-9]+", &host,
		     &port) &&
	    re_regex(server, strlen(server), "[^:]+:[0-9]+", &host, &port))
		return EINVAL;

	if (!pl_u32(&port) || pl_u32(&port) > 65535)
		return EINVAL;

	return pl_strdup(&mc->host, &host);
}


static int addressing(struct mcptt *mc, const struct conf *conf)
{
	struct pl pl;
	int err;

	err = server_parse(mc, conf->esn_server);
	err = err ? err : sa_set_str(&mc->rtp_addr, conf->esn_rtp_addr, 0);
	err = err ? err : str_dup(&mc->aor, conf->esn_mcptt_id);
	err = err ? err : str_dup(&mc->domain, conf->esn_domain);
	err = err ? err : re_sdprintf(&mc->route, "sip:%s;transport=tls;lr",
				      conf->esn_server);
	err = err ? err : re_sdprintf(&mc->psi, "sip:mcptt-orig-part@%s",
				      conf->esn_domain);
	if (err)
		return err;

	pl_set_str(&pl, mc->route);
	return uri_decode(&mc->route_uri, &pl);
}


/* ---- SIP stack ---- */

static int dns_setup(struct mcptt *mc)
{
	struct sa nsv[8];
	uint32_t nsn = ARRAY_SIZE(nsv);
	char dom[64];
	int err;

	err = dns_srv_get(dom, sizeof(dom), nsv, &nsn);
	if (err)
		nsn = 0;

	return dnsc_alloc(&mc->dnsc, NULL, nsv, nsn);
}


static bool msg_handler(const struct sip_msg *msg, void *arg);

static int sip_setup(struct mcptt *mc)
{
	struct sa laddr = mc->rtp_addr;
	int err;

	err = dns_setup(mc);
	err = err ? err : sip_alloc(&mc->sip, mc->dnsc, 32, 32, 32,
				    "OpenICCS", NULL, NULL);
	err = err ? err : sip_transp_add(mc->sip, SIP_TRANSP_TLS, &laddr,
					 mc->tls);
	err = err ? err : sipsess_listen(&mc->sock, mc->sip, 32,
					 mcptt_sess_conn, mc);
	err = err ? err : sip_listen(&mc->lsnr, mc->sip, true, msg_handler,
				     mc);
	if (err)
		return err;

	return reg_start(mc);
}


static int reg_start(struct mcptt *mc)
{
	const char *routev[1] = {mc->route};
	char aor_reg[300];
	int err;

	(void)re_snprintf(aor_reg, sizeof(aor_reg), "sip:%s", mc->domain);
	err = sipreg_register(&mc->reg, mc->sip, aor_reg, mc->aor, NULL,
			      mc->aor, REG_EXPIRES, "iccs", routev, 1, 0,
			      NULL, NULL, false, reg_handler, mc, REG_PARAMS,
			      "P-Preferred-Service: urn:urn-7:3gpp-service."
			      "ims.icsi.mcptt\r\n");
	if (!err)
		(void)sipreg_set_rwait(mc->reg, REG_RWAIT_PCT);

	return err;
}


/* ---- status, text, location [simplified: MCData] ---- */

static int msg_json_read(struct radio_msg *rm, json_t *j)
{
	static const char *types[] = {
		[RADIO_MSG_TEXT] = "text", [RADIO_MSG_STATUS] = "status",
		[RADIO_MSG_LOCATION] = "location",
	};
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *v;

	for (size_t i = 0; type && i < ARRAY_SIZE(types); i++) {
		if (strcmp(type, types[i]))
			continue;
		rm->type = (enum radio_msg_type)i;
		rm->from = json_string_value(json_object_get(j, "from"));
		rm->to = json_string_value(json_object_get(j, "to"));
		rm->text = json_string_value(json_object_get(j, "text"));
		v = json_object_get(j, "status");
		rm->status = (unsigned)json_integer_value(v);
		rm->lat = json_number_value(json_object_get(j, "lat"));
		rm->lon = json_number_value(json_object_get(j, "lon"));
		v = json_object_get(j, "accuracy_m");
		rm->accuracy_m = (unsigned)json_integer_value(v);

		if (rm->type == RADIO_MSG_TEXT && !rm->text)
			return EBADMSG;
		if (rm->type == RADIO_MSG_STATUS && !json_is_integer(
			    json_object_get(j, "status")))
			return EBADMSG;
		return 0;
	}

	return EBADMSG;
}


static bool msg_handler(const struct sip_msg *msg, void *arg)
{
	struct mcptt *mc = arg;
	struct radio_msg rm = {0};
	const char *reason = NULL;
	struct mcptt_body b;
	struct pl body;
	json_t *j = NULL;

	if (pl_strcmp(&msg->met, "MESSAGE"))
		return false;

	body.p = (const char *)mbuf_buf(msg->mb);
	body.l = mbuf_get_left(msg->mb);
	if (mcptt_body_split(&b, &msg->ctyp, &body, &reason) ||
	    !pl_isset(&b.json)) {
		(void)sip_reply(mc->sip, msg, 415, "Unsupported Media Type");
		return true;
	}

	if (b.json.l <= MSG_MAX)
		j = json_loadb(b.json.p, b.json.l, JSON_REJECT_DUPLICATES,
			       NULL);
	if (!json_is_object(j) || msg_json_read(&rm, j)) {
		(void)sip_reply(mc->sip, msg, 400, "Bad Radio Message");
		json_decref(j);
		return true;
	}

	(void)sip_reply(mc->sip, msg, 200, "OK");
	if (mc->ev->message)
		mc->ev->message(&rm, mc->arg);
	json_decref(j);

	return true;
}


static void msg_resp(int err, const struct sip_msg *msg, void *arg)
{
	(void)err;
	(void)msg;
	(void)arg;   /* delivery is best effort; the network logs it */
}


int mcptt_msg_send(struct mcptt *mc, const char *to, const char *type,
		   const char *text, unsigned status)
{
	json_t *j;
	char *body = NULL;
	int err;

	if (!to || strncmp(to, "sip", 3))
		return EINVAL;

	j = json_pack("{ssssss}", "type", type, "from", mc->aor, "to", to);
	if (j && text)
		(void)json_object_set_new(j, "text", json_string(text));
	else if (j)
		(void)json_object_set_new(j, "status", json_integer(status));
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return ENOMEM;

	err = sip_requestf(NULL, mc->sip, true, "MESSAGE", to,
			   &mc->route_uri, NULL, NULL, msg_resp, mc,
			   "To: <%s>\r\nFrom: <%s>;tag=%016llx\r\n"
			   "Call-ID: %016llx@openiccs\r\nCSeq: 1 MESSAGE\r\n"
			   "Max-Forwards: 70\r\nContent-Type: " MCPTT_MSG_CTYPE
			   "\r\nContent-Length: %zu\r\n\r\n%s", to, mc->aor,
			   rand_u64(), rand_u64(), strlen(body), body);
	free(body);

	return err;
}


/* ---- the bearer table ---- */

static void mcptt_destructor(void *arg)
{
	struct mcptt *mc = arg;

	list_flush(&mc->calls);
	tmr_cancel(&mc->tmr_rereg);
	mem_deref(mc->ka);
	mem_deref(mc->reg);
	mem_deref(mc->lsnr);
	mem_deref(mc->sock);
	if (mc->sip)
		sip_close(mc->sip, true);
	mem_deref(mc->sip);
	mem_deref(mc->dnsc);
	mem_deref(mc->tls);
	mem_deref(mc->aor);
	mem_deref(mc->domain);
	mem_deref(mc->host);
	mem_deref(mc->route);
	mem_deref(mc->psi);
}


int mcptt_bearer_alloc(struct bearer **bp, const struct conf *conf,
		       const struct radio_events *ev, void *arg,
		       struct media *media)
{
	static const struct radio_events none;
	struct mcptt *mc;
	int err;

	if (!bp || !conf)
		return EINVAL;
	if (!conf->esn_server)
		return ENOENT;

	mc = mem_zalloc(sizeof(*mc), mcptt_destructor);
	if (!mc)
		return ENOMEM;

	mc->b.ops = &mcptt_bearer_ops;
	mc->ev = ev ? ev : &none;
	mc->arg = arg;
	mc->media = media;
	mc->prio = (uint8_t)conf->esn_priority;

	err = addressing(mc, conf);
	err = err ? err : tls_setup(mc, conf);
	err = err ? err : sip_setup(mc);
	if (err)
		mem_deref(mc);
	else
		*bp = &mc->b;

	return err;
}


static void op_free(struct bearer *b)
{
	mem_deref(b);
}


static int op_join(struct bearer *b, const char *tg, const char *group)
{
	return mcptt_group_join((struct mcptt *)b, tg, group);
}


static int op_leave(struct bearer *b, const char *tg)
{
	return mcptt_group_leave((struct mcptt *)b, tg);
}


static struct mcptt_call *joined(struct bearer *b, const char *tg)
{
	struct mcptt_call *call = mcptt_call_find((struct mcptt *)b, tg);

	return call && call->st == RADIO_GROUP_JOINED ? call : NULL;
}


static int op_ptt(struct bearer *b, const char *tg, uint8_t prio,
		  bool emergency)
{
	struct mcptt_call *call = joined(b, tg);
	int err = 0;

	if (!call)
		return ENOTCONN;
	if (emergency && !call->emergency)
		err = mcptt_emergency((struct mcptt *)b, tg, true);

	return err ? err : mcptt_floor_ptt(call, true, prio);
}


static int op_release(struct bearer *b, const char *tg)
{
	struct mcptt_call *call = joined(b, tg);

	return call ? mcptt_floor_ptt(call, false, 0) : ENOTCONN;
}


static int op_emergency(struct bearer *b, const char *tg, bool on)
{
	return mcptt_emergency((struct mcptt *)b, tg, on);
}


static int op_kind(struct bearer *b, const char *tg, bool imminent,
		   bool broadcast)
{
	return mcptt_call_kind((struct mcptt *)b, tg, imminent, broadcast);
}


static int op_pcall(struct bearer *b, char **callp, const char *peer,
		    bool emergency)
{
	return mcptt_private_call((struct mcptt *)b, callp, peer, emergency);
}


static int op_panswer(struct bearer *b, const char *call, bool accept)
{
	return mcptt_private_answer((struct mcptt *)b, call, accept);
}


static int op_phangup(struct bearer *b, const char *call)
{
	return mcptt_private_hangup((struct mcptt *)b, call);
}


static int op_text(struct bearer *b, const char *to, const char *text)
{
	return text ? mcptt_msg_send((struct mcptt *)b, to, "text", text, 0) :
		EINVAL;
}


static int op_status(struct bearer *b, const char *to, unsigned status)
{
	return mcptt_msg_send((struct mcptt *)b, to, "status", NULL, status);
}


const struct bearer_ops mcptt_bearer_ops = {
	.name           = "esn",
	.alloc          = mcptt_bearer_alloc,
	.free           = op_free,
	.group_join     = op_join,
	.group_leave    = op_leave,
	.ptt_request    = op_ptt,
	.ptt_release    = op_release,
	.emergency      = op_emergency,
	.call_kind      = op_kind,
	.private_call   = op_pcall,
	.private_answer = op_panswer,
	.private_hangup = op_phangup,
	.send_text      = op_text,
	.send_status    = op_status,
};
