/**
 * @file link.c  Two legs tied together: consult (attended transfer),
 *               three-way conference, transfer to an outside number
 *
 * The second leg is one we dial (dial.c).  What each link means for the
 * audio, all with the media engine's routes, microphone (PTT) and
 * patches (one stream's received audio mixed into what another sends):
 *   consult:    first leg held (announcement), the position talks to
 *               the second;
 *   conference: the position hears and talks to both, and each leg's
 *               audio is patched into the other: all three hear each
 *               other;
 *   transfer:   the first leg waits (announcement) for the second to
 *               answer, then
 *   bridge:     the two legs are patched both ways, no position.
 * No call is lost on the way: a transfer whose outside party does not
 * answer goes back to the head of the caller's queue.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/audit.h"
#include "media/media.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"


static const char *link_name(enum pcall_link k)
{
	static const char *names[] = {NULL, "consult", "conference",
				      "transfer", "bridge"};

	return k <= PLINK_BRIDGE ? names[k] : NULL;
}


json_t *pcall_json_links(const struct pcall *c, json_t *j)
{
	json_t *sup;

	if (!j)
		return NULL;

	json_object_set_new(j, "outbound", json_boolean(c->outbound));
	json_object_set_new(j, "silent", json_boolean(c->silent));
	sup = sup_json(c->ph, c);
	if (sup)
		json_object_set_new(j, "supervisor", sup);
	if (c->icom) {
		json_object_set_new(j, "link_kind", json_string("consult"));
		json_object_set_new(j, "intercom", json_integer(
					    (json_int_t)c->icom));
	}
	if (c->link) {
		json_object_set_new(j, "link", json_integer(
					    (json_int_t)c->link->id));
		json_object_set_new(j, "link_kind", json_string(
					    link_name(c->link_kind)));
		json_object_set_new(j, "second", json_boolean(c->second));
	}
	return j;
}


static void patch(struct pcall *a, struct pcall *b, bool on)
{
	struct media *m = a->ph->media;

	(void)media_patch(m, a->stream, b->stream, on);
	(void)media_patch(m, b->stream, a->stream, on);
}


void pcall_link_set(struct pcall *a, struct pcall *b, enum pcall_link k)
{
	a->link = b;
	b->link = a;
	a->link_kind = b->link_kind = k;
	b->second = true;
	a->second = false;
}


static void link_audit(struct pcall *a, const char *action,
		       const char *result)
{
	char obj[32];
	json_t *d;

	(void)re_snprintf(obj, sizeof(obj), "%llu",
			  (unsigned long long)a->id);
	d = json_pack("{s:I, s:s, s:s, s:s?}", "link",
		      (json_int_t)(a->link ? a->link->id : 0),
		      "number", a->link ? a->link->number : "",
		      "caller", a->caller,
		      "position", *a->last_pos ? a->last_pos : NULL);
	(void)audit_log(a->ph->audit, "system", NULL, action, obj, result, d);
	json_decref(d);
}


/* Untie c from its other leg (audio patches off); the other leg's fate
 * is the caller's business */
void pcall_unlink(struct pcall *c)
{
	struct pcall *o = c->link;

	if (!o)
		return;
	if (c->link_kind == PLINK_CONF || c->link_kind == PLINK_BRIDGE)
		patch(c, o, false);
	c->link = o->link = NULL;
	c->link_kind = o->link_kind = PLINK_NONE;
	c->second = o->second = false;
}


/* c ends: what becomes of the leg it was tied to */
void pcall_link_gone(struct pcall *c)
{
	struct pcall *o = c->link;
	enum pcall_link k = c->link_kind;
	struct phone *ph = c->ph;

	sup_call_gone(ph, c);
	if (!o)
		return;
	pcall_unlink(c);

	switch (k) {

	case PLINK_BRIDGE:
		phone_direct_end(ph, o, "bridge_ended");
		return;

	case PLINK_TRANSFER:
		if (o->second || ph->closing) {
			/* the caller went: the outside call is moot */
			phone_direct_end(ph, o, "cancelled");
			return;
		}
		/* the outside party did not answer: never lose the call */
		log_notice(MOD, "call %llu: transfer to %s failed, back to "
			   "the queue", (unsigned long long)o->id, c->number);
		o->unmanaged = false;
		phone_direct_requeue(ph, o);
		return;

	default:
		/* consult, conference: the other leg stays with the
		 * position as it is (a held caller stays held) */
		phone_call_publish(ph, o);
		return;
	}
}


static void bridge(struct pcall *a, struct pcall *b)
{
	struct phone *ph = a->ph;

	pcall_media_route(a, a->pos, false);
	pcall_media_route(b, b->pos, false);
	a->pos[0] = b->pos[0] = '\0';
	a->st = b->st = PCALL_CONNECTED;
	a->unmanaged = b->unmanaged = true;
	a->link_kind = b->link_kind = PLINK_BRIDGE;
	patch(a, b, true);
	link_audit(a, "call.bridge", "ok");
	phone_call_publish(ph, a);
	phone_call_publish(ph, b);
}


/* A leg we dialled answered */
void pcall_leg_up(struct pcall *b)
{
	struct phone *ph = b->ph;

	if (b->link_kind == PLINK_TRANSFER && b->link) {
		bridge(b->link, b);
		return;
	}

	/* a plain dial out or a consult: the position talks to it */
	pcall_media_route(b, b->pos, true);
	phone_call_publish(ph, b);
}


/* Caller's leg a on hold while the position consults */
static void hold(struct pcall *a)
{
	pcall_media_route(a, a->pos, false);
	a->st = PCALL_HELD;
	pcall_announce(a, 0);
}


int phone_consult(struct phone *ph, const char *pos, uint64_t id,
		  const char *to, const char *trunk, uint64_t *bid)
{
	struct pcall *a, *b;
	int err = phone_own_call(ph, pos, id, &a);

	if (err)
		return err;
	if (a->link || a->icom ||
	    (a->st != PCALL_CONNECTED && a->st != PCALL_HELD))
		return EPROTO;
	if (phone_agent_id(ph, to)) {
		/* a position: talk over the intercom, the caller held */
		if (!strcmp(to, pos))
			return EINVAL;
		err = icom_consult(ph, a, to);
		if (err)
			return err;
		if (a->st == PCALL_CONNECTED)
			hold(a);
		link_audit(a, "call.consult", "intercom");
		phone_call_publish(ph, a);
		*bid = a->id;
		return 0;
	}
	if (!phone_number_ok(to))
		return ENOTSUP;

	err = phone_dial_leg(ph, pos, to, trunk, &b);
	if (err)
		return err;

	pcall_link_set(a, b, PLINK_CONSULT);
	if (a->st == PCALL_CONNECTED)
		hold(a);
	link_audit(a, "call.consult", "dialling");
	phone_call_publish(ph, a);
	phone_call_publish(ph, b);
	*bid = b->id;
	return 0;
}


/* Either leg of a consult names it; *ap the caller's, *bp the other */
static int consult_of(struct phone *ph, const char *pos, uint64_t id,
		      struct pcall **ap, struct pcall **bp)
{
	struct pcall *c;
	int err = phone_own_call(ph, pos, id, &c);

	if (err)
		return err;
	if (c->icom) {                /* consulting a position */
		*ap = c;
		*bp = NULL;
		return 0;
	}
	if (!c->link || c->link_kind != PLINK_CONSULT)
		return EPROTO;

	*ap = c->second ? c->link : c;
	*bp = c->second ? c : c->link;
	return 0;
}


/* A consult whose consulted party answered (to complete or conference) */
static int consult_answered(struct phone *ph, const char *pos, uint64_t id,
			    struct pcall **ap, struct pcall **bp)
{
	int err = consult_of(ph, pos, id, ap, bp);

	return err ? err : *bp && (*bp)->st == PCALL_CONNECTED ? 0 : EPROTO;
}


/* Cancel: the consulted party is hung up, the caller comes back */
int phone_consult_cancel(struct phone *ph, const char *pos, uint64_t id)
{
	struct pcall *a, *b = NULL;
	int err = consult_of(ph, pos, id, &a, &b);

	if (err)
		return err;

	link_audit(a, "call.consult", "cancelled");
	if (b)
		phone_direct_end(ph, b, "consult_cancelled");
	else
		icom_consult_end(ph, a, "consult_cancelled");
	a->st = PCALL_CONNECTED;
	pcall_media_route(a, pos, true);
	phone_call_publish(ph, a);
	return 0;
}


/* Complete: the caller and the consulted party talk, the position is
 * free (wrap-up after an ACD call) */
int phone_consult_complete(struct phone *ph, const char *pos, uint64_t id)
{
	struct pcall *a, *b;
	int err = consult_of(ph, pos, id, &a, &b);

	if (!err && !b) {
		link_audit(a, "call.consult", "completed");
		return icom_consult_complete(ph, a);
	}
	err = err ? err : consult_answered(ph, pos, id, &a, &b);
	if (err)
		return err;

	err = phone_leave(ph, a);
	if (err)
		return err;
	pcall_media_route(b, pos, false);
	link_audit(a, "call.consult", "completed");
	bridge(a, b);
	return 0;
}


/* Three-way: the consult becomes a conference */
int phone_conference(struct phone *ph, const char *pos, uint64_t id)
{
	struct pcall *a, *b;
	int err = consult_answered(ph, pos, id, &a, &b);

	if (err)
		return err;

	a->st = PCALL_CONNECTED;
	a->link_kind = b->link_kind = PLINK_CONF;
	pcall_media_route(a, pos, true);
	patch(a, b, true);
	link_audit(a, "call.conference", "ok");
	phone_call_publish(ph, a);
	phone_call_publish(ph, b);
	return 0;
}


/* Blind transfer to an outside number: the caller waits with the
 * announcement, the position is free at once; bridged on answer */
int phone_transfer_out(struct phone *ph, struct pcall *a, const char *to)
{
	char pos[PHONE_ID_MAX];
	struct pcall *b;
	int err;

	if (a->link)
		return EPROTO;

	str_ncpy(pos, a->pos, sizeof(pos));
	err = phone_dial_leg(ph, pos, to, NULL, &b);
	if (err)
		return err;

	err = phone_leave(ph, a);
	if (err) {
		phone_direct_end(ph, b, "cancelled");
		return err;
	}
	b->pos[0] = '\0';
	a->unmanaged = true;
	pcall_link_set(a, b, PLINK_TRANSFER);
	hold(a);
	a->pos[0] = '\0';
	link_audit(a, "call.transfer_out", "dialling");
	phone_call_publish(ph, a);
	phone_call_publish(ph, b);
	return 0;
}
