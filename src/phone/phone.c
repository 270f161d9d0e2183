/**
 * @file phone.c  The telephony service: ACD decisions to call legs
 *
 * Glue between the pure ACD (acd.c: queues, agents, what is offered to
 * whom) and the legs (call.c).  An agent is a position: agent id =
 * index in conf->positions + 1; a queue is a queue resource: id = index
 * in conf->resources + 1.  ACD handlers must not call back into the ACD,
 * so they only change legs, routes and the consoles' view.  Every call's
 * arrival and end goes into the audit trail: that is the record of how
 * each call ended, restarts included.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "core/audit.h"
#include "media/media.h"
#include "position/pos_audio.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"

enum { STATS_MS = 1000 };


uint64_t phone_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


uint64_t phone_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


uint32_t phone_agent_id(const struct phone *ph, const char *pos)
{
	for (uint32_t i = 0; pos && i < ph->nagents; i++) {
		if (!strcmp(ph->agents[i], pos))
			return i + 1;
	}
	return ACD_NONE;
}


static const char *agent_pos(const struct phone *ph, uint32_t agent)
{
	return agent && agent <= ph->nagents ? ph->agents[agent - 1] : "";
}


uint32_t phone_queue_id(const struct phone *ph, const char *queue)
{
	const struct conf *cf = ph->conf;

	for (size_t i = 0; queue && i < cf->resourcec; i++) {
		if (cf->resources[i].type == RES_QUEUE &&
		    !strcmp(cf->resources[i].id, queue))
			return (uint32_t)i + 1;
	}
	return ACD_NONE;
}


static const struct conf_resource *queue_res(const struct phone *ph,
					     uint32_t qid)
{
	const struct conf *cf = ph->conf;

	if (!qid || qid > cf->resourcec ||
	    cf->resources[qid - 1].type != RES_QUEUE)
		return NULL;
	return &cf->resources[qid - 1];
}


const char *phone_queue_name(const struct phone *ph, uint32_t qid)
{
	const struct conf_resource *rs = queue_res(ph, qid);

	return rs ? rs->name : NULL;
}


struct pcall *phone_call_find(const struct phone *ph, uint64_t id)
{
	struct le *le;

	LIST_FOREACH(&ph->calls, le) {
		struct pcall *c = le->data;

		if (c->id == id)
			return c;
	}
	return NULL;
}


void phone_call_publish(const struct phone *ph, const struct pcall *c)
{
	json_t *j = pcall_json(c);

	(void)ph;
	if (j)
		bus_publish("call.update", j);
	json_decref(j);
}


static void call_audit(struct phone *ph, const struct pcall *c,
		       const char *action, const char *result)
{
	char obj[32];
	json_t *d;

	(void)re_snprintf(obj, sizeof(obj), "%llu",
			  (unsigned long long)c->id);
	d = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "queue", c->queue,
		      "number", c->number, "caller", c->caller,
		      "trunk", c->trunk ? c->trunk->id : "",
		      "position", *c->last_pos ? c->last_pos : NULL);
	(void)audit_log(ph->audit, "system", NULL, action, obj, result, d);
	json_decref(d);
}


/* ---- ACD handlers: never call acd_ from here ---- */

static void set_pos(struct pcall *c, const char *pos)
{
	str_ncpy(c->pos, pos, sizeof(c->pos));
	if (*pos)
		str_ncpy(c->last_pos, pos, sizeof(c->last_pos));
}


static void h_offer(const struct acd_call_info *ci, uint32_t agent,
		    void *arg)
{
	struct phone *ph = arg;
	struct pcall *c = phone_call_find(ph, ci->id);

	if (!c)
		return;
	c->st = PCALL_RINGING;
	set_pos(c, agent_pos(ph, agent));
	phone_call_publish(ph, c);
}


static void h_cancel(const struct acd_call_info *ci, uint32_t agent,
		     enum acd_cancel why, void *arg)
{
	struct phone *ph = arg;
	struct pcall *c = phone_call_find(ph, ci->id);

	(void)agent;
	if (!c)
		return;
	log_info(MOD, "call %llu: offer to %s cancelled (%s)",
		 (unsigned long long)c->id, c->pos, acd_cancel_name(why));
	c->st = PCALL_QUEUED;
	set_pos(c, "");
	phone_call_publish(ph, c);
}


static void h_announce(const struct acd_call_info *ci, uint32_t n,
		       void *arg)
{
	struct pcall *c = phone_call_find(arg, ci->id);

	if (c)
		pcall_announce(c, n);
}


static void h_overflow(const struct acd_call_info *ci, uint32_t from_q,
		       void *arg)
{
	struct phone *ph = arg;
	struct pcall *c = phone_call_find(ph, ci->id);
	const struct conf_resource *rs = queue_res(ph, ci->queue);

	(void)from_q;
	if (!c || !rs)
		return;
	str_ncpy(c->queue, rs->id, sizeof(c->queue));
	phone_call_publish(ph, c);
}


/* The position went while ringing or talking: back to the queue head */
static void h_returned(const struct acd_call_info *ci, uint32_t agent,
		       void *arg)
{
	struct phone *ph = arg;
	struct pcall *c = phone_call_find(ph, ci->id);

	if (!c)
		return;
	log_notice(MOD, "call %llu: position %s gone, back to the queue",
		   (unsigned long long)c->id, agent_pos(ph, agent));
	pcall_media_route(c, agent_pos(ph, agent), false);
	c->st = PCALL_QUEUED;
	set_pos(c, "");
	call_audit(ph, c, "call.returned", "queued");
	phone_call_publish(ph, c);
	pcall_announce(c, 0);
}


static void h_ended(const struct acd_call_info *ci, enum acd_end why,
		    void *arg)
{
	struct phone *ph = arg;
	struct pcall *c = phone_call_find(ph, ci->id);

	if (!c)
		return;

	pcall_media_route(c, c->pos, false);
	if (c->transferring)
		return;

	c->st = PCALL_ENDED;
	call_audit(ph, c, "call.end", c->end_why ? c->end_why :
		   acd_end_name(why));
	phone_call_publish(ph, c);
	pcall_link_gone(c);
	log_info(MOD, "call %llu ended: %s", (unsigned long long)c->id,
		 acd_end_name(why));
	pcall_bye(c);
	mem_deref(c);
}


static const struct acd_h acd_handlers = {
	.offer = h_offer,
	.cancel = h_cancel,
	.announce = h_announce,
	.overflow = h_overflow,
	.returned = h_returned,
	.ended = h_ended,
};


/* ---- queue statistics for consoles ---- */

json_t *phone_queues_json(const struct phone *ph)
{
	const struct conf *cf = ph->conf;
	uint64_t now = phone_unix_ms();
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		unsigned waiting = 0, ringing = 0, talking = 0;
		uint64_t longest = 0;
		struct le *le;

		if (rs->type != RES_QUEUE)
			continue;

		LIST_FOREACH(&ph->calls, le) {
			const struct pcall *c = le->data;

			if (strcmp(c->queue, rs->id))
				continue;
			if (c->st == PCALL_QUEUED) {
				++waiting;
				longest = max(longest, now - c->arrival);
			}
			else if (c->st == PCALL_RINGING) {
				++ringing;
				longest = max(longest, now - c->arrival);
			}
			else if (c->st != PCALL_ENDED) {
				++talking;
			}
		}

		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:I, s:i, s:i, s:i, s:I, s:i, s:i}",
			"id", rs->id, "name", rs->name,
			"priority", json_integer_value(json_object_get(
				rs->attrs, "priority")),
			"waiting", waiting, "ringing", ringing,
			"connected", talking, "longest_ms",
			(json_int_t)longest,
			"answered", ph->answered[i],
			"answered_10s", ph->answered10[i]));
	}

	return arr;
}


static void tick_handler(void *arg)
{
	struct phone *ph = arg;
	uint64_t now = phone_mono_ms();

	tmr_start(&ph->tick, PHONE_TICK_MS, tick_handler, ph);
	acd_tick(ph->acd, now);

	if (now - ph->last_stats >= STATS_MS) {
		json_t *j = json_pack("{s:o}", "queues", phone_queues_json(ph));

		ph->last_stats = now;
		phone_watch(ph, now);
		if (j)
			bus_publish("queue.update", j);
		json_decref(j);
	}
}


void phone_call_arrived(struct phone *ph, struct pcall *c)
{
	uint32_t q = phone_queue_id(ph, c->queue);
	int err;

	call_audit(ph, c, "call.arrive", "queued");
	phone_call_publish(ph, c);
	err = acd_call_arrive(ph->acd, c->id, q, 0, 0, phone_mono_ms());
	if (err)
		log_warn(MOD, "call %llu not queued: %m",
			 (unsigned long long)c->id, err);
}


/* ---- setup ---- */

static int acd_setup(struct phone *ph)
{
	const struct conf *cf = ph->conf;
	struct acd_conf ac = {
		.max_queues = (uint32_t)cf->resourcec + 1,
		.max_agents = (uint32_t)cf->positionc + 1,
		.max_calls = PHONE_MAX_CALLS,
		.ring_s = cf->tel_ring_s,
		.grace_s = cf->tel_grace_s,
		.noanswer = ACD_NA_NOT_READY,
	};
	int err;

	err = acd_alloc(&ph->acd, &ac, &acd_handlers, ph);
	for (size_t i = 0; !err && i < cf->resourcec; i++) {
		const struct conf_resource *rs = &cf->resources[i];
		struct acd_queue_conf qc = {
			.id = (uint32_t)i + 1,
			.announce_s = cf->tel_announce_s,
		};

		if (rs->type != RES_QUEUE)
			continue;
		qc.prio = (int)json_integer_value(json_object_get(rs->attrs,
								  "priority"));
		err = acd_queue_add(ph->acd, &qc);
	}

	ph->answered = mem_zalloc(sizeof(uint32_t) * (cf->resourcec + 1),
				  NULL);
	ph->answered10 = mem_zalloc(sizeof(uint32_t) * (cf->resourcec + 1),
				    NULL);
	if (!err && (!ph->answered || !ph->answered10))
		err = ENOMEM;
	ph->nagents = (uint32_t)cf->positionc;
	ph->agents = mem_zalloc(sizeof(*ph->agents) * (ph->nagents + 1),
				NULL);
	ph->lost = mem_zalloc(sizeof(*ph->lost) * (ph->nagents + 1), NULL);
	if (!err && (!ph->agents || !ph->lost))
		err = ENOMEM;
	for (uint32_t i = 0; !err && i < ph->nagents; i++) {
		str_ncpy(ph->agents[i], cf->positions[i].id,
			 sizeof(ph->agents[i]));
		err = acd_agent_add(ph->acd, i + 1, 0, 0);
	}

	return err;
}


/* The operator left the position (logout, session killed): the
 * position's calls go back to the queue */
static void session_ended(const char *event, json_t *data, void *arg)
{
	(void)event;
	phone_position_gone(arg, json_string_value(json_object_get(data,
							"position")));
}


static void phone_destructor(void *arg)
{
	struct phone *ph = arg;

	mem_deref(ph->bus);

	phone_shutdown(ph);
	tmr_cancel(&ph->tick);
	list_flush(&ph->calls);
	mem_deref(ph->lsnr);
	mem_deref(ph->sock);
	list_flush(&ph->trunks);
	if (ph->sip)
		sip_close(ph->sip, true);
	mem_deref(ph->sip);
	mem_deref(ph->dnsc);
	mem_deref(ph->acd);
	mem_deref((struct conf *)ph->conf);
	mem_deref(ph->agents);
	mem_deref(ph->lost);
	mem_deref(ph->answered);
	mem_deref(ph->answered10);
}


int phone_alloc(struct phone **php, const struct conf *conf,
		struct media *media, struct pos_audio *pa,
		struct audit *audit)
{
	struct phone *ph;
	int err;

	if (!php || !conf)
		return EINVAL;

	ph = mem_zalloc(sizeof(*ph), phone_destructor);
	if (!ph)
		return ENOMEM;

	ph->conf = mem_ref((struct conf *)conf);   /* outlives a reload */
	ph->media = media;
	ph->pa = pa;
	ph->audit = audit;
	/* call ids stay unique across restarts: seconds since the epoch
	 * in the high bits, still exact in a JavaScript number */
	ph->seq = (uint64_t)time(NULL) << 20;
	tmr_init(&ph->tick);

	err = acd_setup(ph);
	err = err ? err : trunk_start(ph);
	err = err ? err : bus_subscribe(&ph->bus, "session.ended",
					session_ended, ph);
	if (err) {
		mem_deref(ph);
		return err;
	}

	tmr_start(&ph->tick, PHONE_TICK_MS, tick_handler, ph);
	*php = ph;
	return 0;
}


void phone_shutdown(struct phone *ph)
{
	if (!ph || ph->closing)
		return;

	ph->closing = true;
	icom_shutdown(ph);
	phone_direct_shutdown(ph);
	if (ph->acd)
		acd_shutdown(ph->acd, phone_mono_ms());
}
