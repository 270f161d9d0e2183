/**
 * @file phone_ctl.c  Call control from the consoles
 *
 * Each call checks that the call is this position's and in a state for
 * the action, then tells the ACD; the ACD's handlers (phone.c) do the
 * rest.  Answering routes the leg to the position's headset and opens
 * its microphone onto the leg.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "media/media.h"
#include "position/pos_audio.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"


int phone_ready(struct phone *ph, const char *pos, bool ready)
{
	uint32_t a = ph ? phone_agent_id(ph, pos) : ACD_NONE;
	uint64_t now = phone_mono_ms();
	enum acd_astate st;
	int err = 0;

	if (!a)
		return ENOENT;

	st = acd_agent_state(ph->acd, a);
	if (st == ACD_A_LOGGED_OUT) {
		err = acd_agent_login(ph->acd, a, now);
		st = acd_agent_state(ph->acd, a);
	}
	/* on a call the ACD keeps the wish for when the call ends */
	if (!err && !ready && (st == ACD_A_AVAILABLE || st == ACD_A_ON_CALL))
		err = acd_agent_ready(ph->acd, a, false, now);
	else if (!err && ready && (st == ACD_A_NOT_READY ||
				   st == ACD_A_ON_CALL))
		err = acd_agent_ready(ph->acd, a, true, now);

	return err;
}


void phone_position_gone(struct phone *ph, const char *pos)
{
	uint32_t a = ph ? phone_agent_id(ph, pos) : ACD_NONE;

	if (!a)
		return;
	icom_position_gone(ph, pos);
	sup_position_gone(ph, pos);
	phone_direct_gone(ph, pos);
	if (acd_agent_state(ph->acd, a) != ACD_A_LOGGED_OUT)
		(void)acd_agent_disconnect(ph->acd, a, phone_mono_ms());
}


void phone_console_lost(struct phone *ph, const char *pos)
{
	uint32_t a = ph ? phone_agent_id(ph, pos) : ACD_NONE;
	enum acd_astate st;

	if (!a)
		return;
	st = acd_agent_state(ph->acd, a);
	ph->lost[a - 1] = st != ACD_A_LOGGED_OUT && st != ACD_A_NOT_READY;
	log_notice(MOD, "console at %s lost without logout (agent %s)", pos,
		   acd_astate_name(st));
	phone_position_gone(ph, pos);
}


void phone_console_back(struct phone *ph, const char *pos)
{
	uint32_t a = ph ? phone_agent_id(ph, pos) : ACD_NONE;

	if (!a || !ph->lost[a - 1])
		return;
	ph->lost[a - 1] = false;
	log_notice(MOD, "console at %s back: ready again", pos);
	(void)phone_ready(ph, pos, true);
}


int phone_own_call(struct phone *ph, const char *pos, uint64_t id,
		    struct pcall **cp)
{
	struct pcall *c = ph ? phone_call_find(ph, id) : NULL;

	if (!c || c->st == PCALL_ENDED)
		return ENOENT;
	if (strcmp(c->pos, pos))
		return EPERM;

	*cp = c;
	return 0;
}


int phone_answer(struct phone *ph, const char *pos, uint64_t id)
{
	struct pcall *c;
	uint32_t q;
	int err = phone_own_call(ph, pos, id, &c);

	if (err)
		return err;
	if (c->st != PCALL_RINGING)
		return EPROTO;

	if (c->direct)
		phone_direct_answered(c);
	else
		err = acd_agent_answer(ph->acd, phone_agent_id(ph, pos),
				       phone_mono_ms());
	if (err)
		return err;

	c->st = PCALL_CONNECTED;
	c->answered = phone_unix_ms();
	q = phone_queue_id(ph, c->queue);
	if (q) {
		++ph->answered[q - 1];
		if (c->answered - c->arrival <= 10000)
			++ph->answered10[q - 1];
	}
	pcall_media_route(c, pos, true);
	phone_call_publish(ph, c);
	return 0;
}


int phone_hangup(struct phone *ph, const char *pos, uint64_t id)
{
	struct pcall *c;
	int err = phone_own_call(ph, pos, id, &c);

	if (err)
		return err;
	if (c->st != PCALL_CONNECTED && c->st != PCALL_HELD &&
	    c->st != PCALL_DIALING)
		return EPROTO;

	if (c->direct || c->unmanaged) {
		phone_direct_end(ph, c, c->st == PCALL_DIALING ? "cancelled" :
				 acd_end_name(ACD_END_COMPLETED));
		return 0;
	}
	return acd_call_end(ph->acd, id, phone_mono_ms());
}


/* Hold: the position no longer hears or talks to the caller, who hears
 * the queue's announcement meanwhile */
int phone_hold(struct phone *ph, const char *pos, uint64_t id, bool on)
{
	struct pcall *c;
	int err = phone_own_call(ph, pos, id, &c);

	if (err)
		return err;
	if (c->link || c->icom ||
	    c->st != (on ? PCALL_CONNECTED : PCALL_HELD))
		return EPROTO;

	c->st = on ? PCALL_HELD : PCALL_CONNECTED;
	pcall_media_route(c, pos, !on);
	if (on)
		pcall_announce(c, 0);
	phone_call_publish(ph, c);
	return 0;
}


/* The call leaves this call taker (who goes to wrap-up, or is ready
 * again after a direct call) with its audio */
int phone_leave(struct phone *ph, struct pcall *c)
{
	uint32_t a = phone_agent_id(ph, c->pos);
	int err;

	sup_call_gone(ph, c);
	if (c->direct) {
		pcall_media_route(c, c->pos, false);
		c->direct = false;
		if (acd_agent_state(ph->acd, a) == ACD_A_NOT_READY)
			(void)acd_agent_ready(ph->acd, a, true,
					      phone_mono_ms());
		return 0;
	}

	c->transferring = true;
	err = acd_call_end(ph->acd, c->id, phone_mono_ms());
	c->transferring = false;
	return err;
}


/* Blind transfer into a queue: the call enters the queue at its head,
 * as a new ACD call on the same leg. */
static int to_queue(struct phone *ph, struct pcall *c, uint32_t q)
{
	const struct conf_resource *rs = &ph->conf->resources[q - 1];
	uint64_t now = phone_mono_ms();
	int err;

	err = phone_leave(ph, c);
	if (err)
		return err;

	c->id = ++ph->seq;
	c->st = PCALL_QUEUED;
	c->answered = 0;
	c->pos[0] = '\0';
	str_ncpy(c->queue, rs->id, sizeof(c->queue));
	phone_call_publish(ph, c);
	return acd_call_arrive(ph->acd, c->id, q, ACD_F_HEAD, 0, now);
}


int phone_transfer(struct phone *ph, const char *pos, uint64_t id,
		   const char *target)
{
	struct pcall *c;
	uint32_t q;
	int err = phone_own_call(ph, pos, id, &c);

	if (err)
		return err;
	if (c->link || c->icom ||
	    (c->st != PCALL_CONNECTED && c->st != PCALL_HELD))
		return EPROTO;

	q = phone_queue_id(ph, target);
	if (q)
		return to_queue(ph, c, q);
	if (!phone_agent_id(ph, target) && phone_number_ok(target))
		return phone_transfer_out(ph, c, target);

	/* to a position: it must be there and free */
	if (!phone_agent_id(ph, target))
		return ENOTSUP;
	if (!strcmp(target, pos))
		return EINVAL;
	if (acd_agent_state(ph->acd, phone_agent_id(ph, target)) !=
	    ACD_A_AVAILABLE)
		return EBUSY;

	err = phone_leave(ph, c);
	if (err)
		return err;
	err = phone_direct_offer(ph, c, target);
	if (err) {     /* it just went: never lose the call */
		phone_direct_requeue(ph, c);
		return 0;
	}
	return 0;
}


int phone_dial(struct phone *ph, const char *pos, const char *number,
	       const char *trunk, uint64_t *id)
{
	struct pcall *c;
	int err;

	if (!ph || !phone_agent_id(ph, pos))
		return ENOENT;

	err = phone_dial_leg(ph, pos, number, trunk, &c);
	if (err)
		return err;

	phone_call_publish(ph, c);
	*id = c->id;
	return 0;
}


json_t *phone_call_json(const struct phone *ph, uint64_t id)
{
	const struct pcall *c = ph ? phone_call_find(ph, id) : NULL;

	return c ? pcall_json(c) : NULL;
}


/* Every position with its call taker's state (transfer and intercom
 * targets) */
json_t *phone_positions_json(const struct phone *ph)
{
	json_t *agents = json_array();

	for (uint32_t i = 0; ph && i < ph->nagents; i++) {
		json_array_append_new(agents, json_pack("{s:s, s:s}",
			"id", ph->agents[i], "agent", acd_astate_name(
				acd_agent_state(ph->acd, i + 1))));
	}
	return agents;
}


json_t *phone_state_json(const struct phone *ph, const char *pos)
{
	uint32_t a = ph ? phone_agent_id(ph, pos) : ACD_NONE;
	enum acd_astate st = a ? acd_agent_state(ph->acd, a) :
		ACD_A_LOGGED_OUT;
	json_t *calls = json_array();
	struct le *le;

	LIST_FOREACH(ph ? &ph->calls : NULL, le)
		json_array_append_new(calls, pcall_json(le->data));

	return json_pack("{s:o, s:o, s:s, s:b, s:o, s:o}",
			 "intercoms", phone_icom_json(ph, pos),
			 "positions", phone_positions_json(ph),
			 "agent", acd_astate_name(st),
			 "ready", (st == ACD_A_AVAILABLE || st == ACD_A_RINGING
			 || st == ACD_A_ON_CALL || st == ACD_A_WRAP_UP) &&
			 !acd_agent_nr_after(ph->acd, a),
			 "calls", calls,
			 "queues", ph ? phone_queues_json(ph) : json_array());
}
