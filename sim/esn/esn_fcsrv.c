/**
 * @file esn_fcsrv.c  A group's floor server on the wire (TS 24.380)
 *
 * esn_floor decides; this file turns its actions into MCPT packets on
 * each dispatcher's floor socket (or into a radio's behaviour), runs the
 * transmit time limit and re-sends Floor Granted (ack required) every
 * T20 = 1 s, at most C20 = 3 times, until the Floor Ack comes.
 */
#include <string.h>
#include <re.h>
#include "media/codec.h"
#include "radio/mcptt/fc.h"
#include "core/log.h"
#include "esn_floor.h"
#include "esn.h"

enum { T20_MS = 1000, C20 = 3, SERVER_SSRC = 0x45534e31 /* "ESN1" */ };

/* Message type per floor action */
static const enum fc_type act_type[] = {
	[ESN_FA_GRANT]  = FC_FLOOR_GRANTED,
	[ESN_FA_TAKEN]  = FC_FLOOR_TAKEN,
	[ESN_FA_DENY]   = FC_FLOOR_DENY,
	[ESN_FA_QUEUED] = FC_QUEUE_POS_INFO,
	[ESN_FA_REVOKE] = FC_FLOOR_REVOKE,
	[ESN_FA_IDLE]   = FC_FLOOR_IDLE,
};

static void ack_tmr(void *arg)
{
	struct esn_leg *leg = arg;
	struct mbuf *mb;

	if (!leg->pendlen || leg->pendc >= C20) {
		leg->pendlen = 0;
		return;
	}
	mb = mbuf_alloc(leg->pendlen);
	if (mb) {
		mbuf_write_mem(mb, leg->pend, leg->pendlen);
		mb->pos = 0;
		udp_send(leg->fus, &leg->raddr_fc, mb);
		mem_deref(mb);
	}
	++leg->pendc;
	tmr_start(&leg->tmr_ack, T20_MS, ack_tmr, leg);
}

static void fill(struct fc_msg *m, struct esn_group *g,
		 const struct esn_fl_out *o)
{
	uint16_t ind = FC_IND_NORMAL | (o->emerg ? FC_IND_EMERGENCY : 0);

	switch (o->act) {
	case ESN_FA_GRANT:
		m->ack_req = true;
		m->duration = o->seconds;
		m->prio = o->prio;
		str_ncpy(m->user_id, esn_part_name(g, o->holder),
			 sizeof(m->user_id));
		m->floor_ind = ind;
		m->has = FC_HAS(FC_F_DURATION) | FC_HAS(FC_F_PRIORITY) |
			FC_HAS(FC_F_USER_ID) | FC_HAS(FC_F_FLOOR_IND);
		break;
	case ESN_FA_TAKEN:
		str_ncpy(m->granted_id, esn_part_name(g, o->holder),
			 sizeof(m->granted_id));
		m->permission = 1;
		m->seq = ++g->fseq;
		m->floor_ind = ind;
		m->has = FC_HAS(FC_F_GRANTED_ID) | FC_HAS(FC_F_PERMISSION) |
			FC_HAS(FC_F_SEQNUM) | FC_HAS(FC_F_FLOOR_IND);
		break;
	case ESN_FA_DENY:
	case ESN_FA_REVOKE:
		m->cause = o->cause;
		str_ncpy(m->phrase, o->act == ESN_FA_DENY ?
			 (o->cause == 7 ? "queue full" : "floor is busy") :
			 fc_revoke_cause_str(o->cause), sizeof(m->phrase));
		m->has = FC_HAS(FC_F_REJECT_CAUSE);
		break;
	case ESN_FA_QUEUED:
		m->qpos = o->qpos;
		m->qprio = o->prio;
		m->has = FC_HAS(FC_F_QUEUE_INFO);
		break;
	case ESN_FA_IDLE:
		m->seq = ++g->fseq;
		m->floor_ind = FC_IND_NORMAL;
		m->has = FC_HAS(FC_F_SEQNUM) | FC_HAS(FC_F_FLOOR_IND);
		break;
	default:
		break;
	}
}

static void send_leg(struct esn_leg *leg, const struct esn_fl_out *o)
{
	struct fc_msg m;
	uint8_t buf[512];
	size_t len;
	const char *why = NULL;
	struct mbuf *mb;

	fc_msg_init(&m, act_type[o->act], SERVER_SSRC);
	fill(&m, leg->grp, o);
	if (fc_msg_encode(buf, sizeof(buf), &len, &m, FC_IDS_CURRENT, &why)) {
		log_warn("esn", "floor %s: %s\n", fc_type_name(m.type), why);
		return;
	}
	mb = mbuf_alloc(len);
	if (!mb)
		return;
	mbuf_write_mem(mb, buf, len);
	mb->pos = 0;
	udp_send(leg->fus, &leg->raddr_fc, mb);
	mem_deref(mb);
	if (m.ack_req) {
		memcpy(leg->pend, buf, len);
		leg->pendlen = len;
		leg->pendc = 0;
		tmr_start(&leg->tmr_ack, T20_MS, ack_tmr, leg);
	}
}

static void limit_tmr(void *arg)
{
	struct esn_group *g = arg;

	log_info("esn", "%s: transmit time limit\n", g->uri);
	esn_floor_expire(&g->floor);
}

static void floor_out(const struct esn_fl_out *o, void *arg)
{
	struct esn_group *g = arg;
	struct le *le;

	/* a fault a trainer or test injects: Floor Idle lost on the way */
	if (o->act == ESN_FA_IDLE && g->esn->drop_idle)
		return;
	if (o->act == ESN_FA_LIMIT) {
		if (o->seconds)
			tmr_start(&g->tmr_limit, o->seconds * 1000u,
				  limit_tmr, g);
		else
			tmr_cancel(&g->tmr_limit);
		return;
	}
	for (le = g->legs.head; le; le = le->next) {
		struct esn_leg *l = le->data;

		if (l->part == o->part) {
			send_leg(l, o);
			return;
		}
	}
	for (le = g->esn->radios.head; le; le = le->next) {
		struct esn_radio *r = le->data;

		if (r->part == o->part) {
			esn_radio_floor(r, o);
			return;
		}
	}
}

void esn_fcsrv_init(struct esn_group *g)
{
	tmr_init(&g->tmr_limit);
	esn_floor_init(&g->floor, g->esn->limit_s, floor_out, g);
}

void esn_fcsrv_recv(struct esn_leg *leg, const struct sa *src,
		    struct mbuf *mb)
{
	struct fc_msg m;
	struct esn_fl_req r;
	const char *why = NULL;
	size_t used;

	if (fc_msg_decode(&m, mbuf_buf(mb), mbuf_get_left(mb), &used,
			  &why)) {
		log_debug("esn", "floor from %J: %s\n", src, why);
		return;
	}
	leg->raddr_fc = *src;        /* answer where it comes from */
	switch (m.type) {
	case FC_FLOOR_REQUEST:
		memset(&r, 0, sizeof(r));
		r.part = leg->part;
		r.prio = (m.has & FC_HAS(FC_F_PRIORITY)) ?
			min(m.prio, leg->max_prio) : leg->max_prio;
		r.emerg = leg->emerg || (m.floor_ind &
			(FC_IND_EMERGENCY | FC_IND_IMMINENT));
		r.bcast = m.floor_ind & FC_IND_BROADCAST;
		r.queueing = leg->queueing;
		esn_floor_request(&leg->grp->floor, &r);
		break;
	case FC_FLOOR_RELEASE:
		esn_floor_release(&leg->grp->floor, leg->part);
		break;
	case FC_FLOOR_ACK:
		leg->pendlen = 0;
		tmr_cancel(&leg->tmr_ack);
		break;
	case FC_QUEUE_POS_REQ: {
		struct esn_fl_out o = {.act = ESN_FA_QUEUED,
			.part = leg->part, .qpos = (uint8_t)esn_floor_qpos(
				&leg->grp->floor, leg->part)};

		if (!o.qpos)
			o.qpos = FC_QPOS_NOT_QUEUED;
		send_leg(leg, &o);
		break;
	}
	default:
		break;
	}
}

void esn_fcsrv_stop(struct esn_leg *leg)
{
	tmr_cancel(&leg->tmr_ack);
	if (leg->grp && leg->part)
		esn_floor_leave(&leg->grp->floor, leg->part);
}
