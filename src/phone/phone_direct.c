/**
 * @file phone_direct.c  Calls transferred to one position
 *
 * The ACD distributes queues; a call transferred to a named position
 * leaves it and rings there directly.  The target must be available,
 * and is made not ready meanwhile so the ACD offers it nothing else.
 * No call is lost on the way: unanswered within the ring time, or the
 * target gone, the call goes back to the head of its queue.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/audit.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"


static void target_release(struct phone *ph, struct pcall *c)
{
	uint32_t a = phone_agent_id(ph, c->pos);

	if (a && acd_agent_state(ph->acd, a) == ACD_A_NOT_READY)
		(void)acd_agent_ready(ph->acd, a, true, phone_mono_ms());
}


/* Back to the head of its queue as a new ACD call */
void phone_direct_requeue(struct phone *ph, struct pcall *c)
{
	uint32_t q = phone_queue_id(ph, c->queue);

	tmr_cancel(&c->ring);
	pcall_media_route(c, c->pos, false);
	c->direct = false;
	c->st = PCALL_QUEUED;
	c->answered = 0;
	c->pos[0] = '\0';
	phone_call_publish(ph, c);
	(void)acd_call_arrive(ph->acd, c->id, q, ACD_F_HEAD, 0,
			      phone_mono_ms());
}


static void ring_timeout(void *arg)
{
	struct pcall *c = arg;
	struct phone *ph = c->ph;

	log_notice(MOD, "call %llu: not answered at %s, back to the queue",
		   (unsigned long long)c->id, c->pos);
	target_release(ph, c);
	phone_direct_requeue(ph, c);
}


int phone_direct_offer(struct phone *ph, struct pcall *c, const char *pos)
{
	uint32_t a = phone_agent_id(ph, pos);
	int err;

	if (acd_agent_state(ph->acd, a) != ACD_A_AVAILABLE)
		return EBUSY;

	err = acd_agent_ready(ph->acd, a, false, phone_mono_ms());
	if (err)
		return err;

	c->direct = true;
	c->id = ++ph->seq;
	c->st = PCALL_RINGING;
	c->answered = 0;
	str_ncpy(c->pos, pos, sizeof(c->pos));
	str_ncpy(c->last_pos, pos, sizeof(c->last_pos));
	tmr_start(&c->ring, ph->conf->tel_ring_s * 1000, ring_timeout, c);
	phone_call_publish(ph, c);
	return 0;
}


void phone_direct_answered(struct pcall *c)
{
	tmr_cancel(&c->ring);
}


/* The end of a direct call: what the ACD's ended handler does */
void phone_direct_end(struct phone *ph, struct pcall *c, const char *why)
{
	char obj[32];
	json_t *d;

	tmr_cancel(&c->ring);
	pcall_media_route(c, c->pos, false);
	if (c->direct)
		target_release(ph, c);
	c->st = PCALL_ENDED;
	(void)re_snprintf(obj, sizeof(obj), "%llu",
			  (unsigned long long)c->id);
	d = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b}", "queue", c->queue,
		      "number", c->number, "caller", c->caller,
		      "trunk", c->trunk ? c->trunk->id : "",
		      "position", *c->last_pos ? c->last_pos : NULL,
		      "outbound", c->outbound);
	(void)audit_log(ph->audit, "system", NULL, "call.end", obj, why, d);
	json_decref(d);
	phone_call_publish(ph, c);
	pcall_link_gone(c);
	log_info(MOD, "call %llu ended: %s", (unsigned long long)c->id, why);
	pcall_bye(c);
	mem_deref(c);
}


/* The target position went: its direct calls go back to the queue,
 * the calls it placed (nobody else can talk on them) end */
void phone_direct_gone(struct phone *ph, const char *pos)
{
	struct le *le = list_head(&ph->calls);

	while (le) {
		struct pcall *c = le->data;

		if (c->direct && !strcmp(c->pos, pos)) {
			le = le->next;
			phone_direct_requeue(ph, c);
		}
		else if (c->outbound && !strcmp(c->pos, pos)) {
			phone_direct_end(ph, c, "position_gone");
			le = list_head(&ph->calls);   /* maybe its link too */
		}
		else {
			le = le->next;
		}
	}
}


/* A restart ends direct calls too, recorded like the ACD's */
void phone_direct_shutdown(struct phone *ph)
{
	struct le *le = list_head(&ph->calls);

	/* ending one leg may end its linked leg too: walk again each time */
	while (le) {
		struct pcall *c = le->data;

		if (!c->direct && !c->unmanaged) {
			le = le->next;
			continue;
		}
		phone_direct_end(ph, c, acd_end_name(ACD_END_RESTART));
		le = list_head(&ph->calls);
	}
}
