/**
 * @file dial.c  Calls we place: dial out, consult, transfer outside
 *
 * An outbound leg is a call like a caller's (a SIP session and a media
 * stream "call-<n>") that we offer: our INVITE with an SDP offer goes to
 * the trunk's peer (trunks.peer), the far end's answer starts the
 * stream.  Such a leg is not the ACD's: the position that dialled owns
 * it, and its end goes through phone_direct_end() like a direct call.
 * What happens once it answers depends on how it is linked (link.c).
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "media/media.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"


/* What may be dialled: digits and the dial pad's + * # */
bool phone_number_ok(const char *number)
{
	size_t n = number ? strlen(number) : 0;

	if (!n || n > 31)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = number[i];

		if (!((ch >= '0' && ch <= '9') || ch == '+' || ch == '*' ||
		      ch == '#'))
			return false;
	}
	return true;
}


/* The trunk asked for (or the first one that can dial out) */
static const struct conf_trunk *trunk_conf(const struct phone *ph,
					   const char *id)
{
	const struct conf *cf = ph->conf;

	for (size_t i = 0; i < cf->trunkc; i++) {
		const struct conf_trunk *ct = &cf->trunks[i];

		if (ct->peer && (!id || !strcmp(ct->id, id)))
			return ct;
	}
	return NULL;
}


static const struct trunk *trunk_find(const struct phone *ph,
				      const char *id)
{
	struct le *le;

	LIST_FOREACH(&ph->trunks, le) {
		const struct trunk *tr = le->data;

		if (!strcmp(tr->id, id))
			return tr;
	}
	return NULL;
}


static int offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			 void *arg)
{
	struct pcall *c = arg;
	int err = sdp_decode(c->sdp, msg->mb, true);

	return err ? err : sdp_encode(descp, c->sdp, false);
}


static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct pcall *c = arg;

	return sdp_decode(c->sdp, msg->mb, false);
}


static void progr_handler(const struct sip_msg *msg, void *arg)
{
	struct pcall *c = arg;

	log_debug(MOD, "call %llu: %u %r", (unsigned long long)c->id,
		  msg->scode, &msg->reason);
}


/* The far end answered */
static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct pcall *c = arg;

	(void)msg;
	tmr_cancel(&c->ring);
	if (!c->media_up && pcall_media_start(c))
		log_warn(MOD, "call %llu: no media stream",
			 (unsigned long long)c->id);
	c->st = PCALL_CONNECTED;
	c->answered = phone_unix_ms();
	log_info(MOD, "call %llu: %s answered", (unsigned long long)c->id,
		 c->number);
	pcall_leg_up(c);
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct pcall *c = arg;
	char why[32];

	c->sess = mem_deref(c->sess);
	if (c->st != PCALL_DIALING)
		str_ncpy(why, "far_end_hungup", sizeof(why));
	else if (msg && msg->scode)
		(void)re_snprintf(why, sizeof(why), "failed_%u", msg->scode);
	else
		(void)re_snprintf(why, sizeof(why), "failed_%s",
				  err == ETIMEDOUT ? "timeout" : "error");
	log_info(MOD, "call %llu to %s: %s", (unsigned long long)c->id,
		 c->number, why);
	phone_direct_end(c->ph, c, why);
}


static void dial_timeout(void *arg)
{
	struct pcall *c = arg;

	log_info(MOD, "call %llu to %s: no answer",
		 (unsigned long long)c->id, c->number);
	phone_direct_end(c->ph, c, "no_answer");
}


/* A new leg to number, owned by pos, dialling (ENODEV: no trunk can
 * dial out, EPROTONOSUPPORT: the trunk needs SRTP) */
int phone_dial_leg(struct phone *ph, const char *pos, const char *number,
		   const char *trunk, struct pcall **cp)
{
	const struct conf_trunk *ct = trunk_conf(ph, trunk);
	const struct trunk *tr = ct ? trunk_find(ph, ct->id) : NULL;
	char to[128], from[128];
	struct mbuf *desc = NULL;
	struct pcall *c;
	int err;

	if (!tr || !ph->sock)
		return ENODEV;
	/* our SDES offer side is not built: never dial in clear on a trunk
	 * that must be encrypted */
	if (tr->srtp)
		return EPROTONOSUPPORT;
	if (!phone_number_ok(number))
		return EINVAL;

	c = pcall_new(ph, tr);
	if (!c)
		return ENOMEM;

	c->outbound = c->unmanaged = true;
	c->st = PCALL_DIALING;
	str_ncpy(c->number, number, sizeof(c->number));
	str_ncpy(c->caller, number, sizeof(c->caller));
	str_ncpy(c->pos, pos, sizeof(c->pos));
	str_ncpy(c->last_pos, pos, sizeof(c->last_pos));

	(void)re_snprintf(to, sizeof(to), "sip:%s@%s;transport=%s", number,
			  ct->peer, ct->transport);
	(void)re_snprintf(from, sizeof(from), "sip:%s@%J", pos, &tr->laddr);

	err = pcall_sdp_setup(c, &tr->laddr);
	err = err ? err : sdp_encode(&desc, c->sdp, true);
	err = err ? err : sipsess_connect(&c->sess, ph->sock, to, pos, from,
					  "iccs", NULL, 0, "application/sdp",
					  desc, trunk_auth_handler, (void *)tr,
					  false, offer_handler,
					  answer_handler, progr_handler,
					  estab_handler, NULL, NULL,
					  close_handler, c, "");
	mem_deref(desc);
	if (err) {
		log_warn(MOD, "dial %s via trunk %s: %m", number, tr->id, err);
		mem_deref(c);
		return err;
	}

	list_append(&ph->calls, &c->le, c);
	tmr_start(&c->ring, ph->conf->tel_dial_s * 1000, dial_timeout, c);
	log_info(MOD, "call %llu: %s dials %s via trunk %s",
		 (unsigned long long)c->id, pos, number, tr->id);
	*cp = c;
	return 0;
}
