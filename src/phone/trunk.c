/**
 * @file trunk.c  SIP trunks: the listening side of the B2BUA
 *
 * One libre SIP stack for every trunk (a transport each: UDP, TCP or
 * TLS on the trunk's address); the trunk a request belongs to is the
 * one whose address and transport it arrived on.  An INVITE to a number
 * of a queue becomes a call; anything else gets a clear SIP error and
 * changes nothing.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"


static void trunk_destructor(void *arg)
{
	struct trunk *tr = arg;

	list_unlink(&tr->le);
	trunk_auth_close(tr);
	mem_deref(tr->tls);
	mem_deref(tr->user);
	mem_deref(tr->pass);
}


static struct trunk *trunk_of(const struct phone *ph,
			      const struct sip_msg *msg)
{
	struct le *le;

	LIST_FOREACH(&ph->trunks, le) {
		struct trunk *tr = le->data;

		if (tr->tp == msg->tp && sa_cmp(&tr->laddr, &msg->dst,
						SA_ALL))
			return tr;
	}

	/* a TCP/TLS request's dst is the listening socket's address */
	LIST_FOREACH(&ph->trunks, le) {
		struct trunk *tr = le->data;

		if (tr->tp == msg->tp && sa_port(&tr->laddr) ==
		    sa_port(&msg->dst))
			return tr;
	}

	return NULL;
}


/* The queue whose numbers list the dialled number */
int trunk_number_queue(const struct phone *ph, const char *number,
		       const char **queue)
{
	const struct conf *cf = ph->conf;

	for (size_t i = 0; i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		json_t *nums, *v;
		size_t j;

		if (rs->type != RES_QUEUE)
			continue;
		nums = json_object_get(rs->attrs, "numbers");
		json_array_foreach(nums, j, v) {
			if (!str_cmp(json_string_value(v), number)) {
				*queue = rs->id;
				return 0;
			}
		}
	}

	return ENOENT;
}


static void refuse(struct phone *ph, const struct sip_msg *msg,
		   uint16_t scode, const char *reason, const char *why)
{
	log_info(MOD, "INVITE from %J refused: %u %s (%s)", &msg->src,
		 scode, reason, why);
	(void)sip_treplyf(NULL, NULL, ph->sip, msg, false, scode, reason,
			  "Warning: 399 iccs \"%s\"\r\n"
			  "Content-Length: 0\r\n\r\n", why);
}


/* An INVITE outside any dialog: a caller */
static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct phone *ph = arg;
	struct trunk *tr = trunk_of(ph, msg);
	const char *queue = NULL, *reason = NULL;
	uint16_t scode = 500;
	char number[32];
	struct pcall *c;
	int err;

	if (ph->closing) {
		refuse(ph, msg, 503, "Service Unavailable", "shutting down");
		return;
	}
	if (!tr) {
		refuse(ph, msg, 403, "Forbidden", "not a configured trunk");
		return;
	}
	if (!trunk_auth_check(ph, tr, msg))
		return;
	if (!pl_isset(&msg->uri.user) ||
	    pl_strcpy(&msg->uri.user, number, sizeof(number)) ||
	    trunk_number_queue(ph, number, &queue)) {
		refuse(ph, msg, 404, "Not Found", "no queue for this number");
		return;
	}
	if (list_count(&ph->calls) >= PHONE_MAX_CALLS) {
		refuse(ph, msg, 503, "Service Unavailable", "call table full");
		return;
	}

	err = pcall_alloc(&c, ph, tr, msg, queue, &scode, &reason);
	if (err) {
		refuse(ph, msg, scode, scode == 488 ? "Not Acceptable Here" :
		       scode == 415 ? "Unsupported Media Type" :
		       "Server Error", reason ? reason : "error");
		return;
	}

	log_info(MOD, "call %llu from '%s' to %s on trunk %s: queue %s "
		 "(Call-ID %r)", (unsigned long long)c->id, c->caller,
		 c->number, tr->id, queue, &msg->callid);
	phone_call_arrived(ph, c);
}


/* Requests outside a dialog other than INVITE: OPTIONS is answered (a
 * trunk's keep-alive), the rest refused with what we allow. */
static bool req_handler(const struct sip_msg *msg, void *arg)
{
	struct phone *ph = arg;

	if (!pl_strcmp(&msg->met, "INVITE") ||
	    !pl_strcmp(&msg->met, "ACK") ||
	    !pl_strcmp(&msg->met, "BYE") ||
	    !pl_strcmp(&msg->met, "CANCEL") ||
	    pl_isset(&msg->to.tag))
		return false;

	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		(void)sip_treplyf(NULL, NULL, ph->sip, msg, false, 200, "OK",
				  "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS"
				  "\r\nAccept: application/sdp\r\n"
				  "Content-Length: 0\r\n\r\n");
		return true;
	}

	(void)sip_treplyf(NULL, NULL, ph->sip, msg, false, 405,
			  "Method Not Allowed",
			  "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"
			  "Content-Length: 0\r\n\r\n");
	return true;
}


static int trunk_add(struct phone *ph, const struct conf_trunk *ct)
{
	struct trunk *tr;
	int err;

	tr = mem_zalloc(sizeof(*tr), trunk_destructor);
	if (!tr)
		return ENOMEM;

	tr->ph = ph;
	tr->srtp = ct->srtp;
	str_ncpy(tr->id, ct->id, sizeof(tr->id));
	list_append(&ph->trunks, &tr->le, tr);

	tr->tp = !strcmp(ct->transport, "tls") ? SIP_TRANSP_TLS :
		!strcmp(ct->transport, "tcp") ? SIP_TRANSP_TCP :
		SIP_TRANSP_UDP;
	err = sa_decode(&tr->laddr, ct->listen, strlen(ct->listen));
	if (err)
		return err;

	if (ct->credentials) {
		err = trunk_auth_load(tr, ct->credentials);
		if (err)
			return err;
	}

	if (tr->tp == SIP_TRANSP_TLS) {
		err = tls_alloc(&tr->tls, TLS_METHOD_SSLV23, ct->cert, NULL);
		if (err)
			return err;
	}

	err = sip_transp_add(ph->sip, tr->tp, &tr->laddr, tr->tls);
	if (err) {
		log_error(MOD, "trunk %s: cannot listen on %s %s: %m",
			  ct->id, ct->transport, ct->listen, err);
		return err;
	}

	log_info(MOD, "trunk %s: SIP/%s on %s%s%s", ct->id, ct->transport,
		 ct->listen, tr->user ? ", digest" : "",
		 tr->srtp ? ", SRTP" : "");
	return 0;
}


int trunk_start(struct phone *ph)
{
	const struct conf *cf = ph->conf;
	int err;

	if (!cf->trunkc)
		return 0;

	err = dnsc_alloc(&ph->dnsc, NULL, NULL, 0);
	err = err ? err : sip_alloc(&ph->sip, ph->dnsc, 256, 256, 256,
				    "OpenICCS", NULL, NULL);
	for (size_t i = 0; !err && i < cf->trunkc; i++)
		err = trunk_add(ph, &cf->trunks[i]);
	err = err ? err : sipsess_listen(&ph->sock, ph->sip, 256,
					 conn_handler, ph);
	err = err ? err : sip_listen(&ph->lsnr, ph->sip, true, req_handler,
				     ph);
	return err;
}
