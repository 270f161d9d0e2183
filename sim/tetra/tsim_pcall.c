/**
 * @file tsim_pcall.c  Individual calls between a simulated radio and the
 *                     dispatcher's terminal; emergency alarms on groups
 *
 * To a radio: AT+CTSDC must ask for a point-to-point call (comms type
 * 0), then ATD<ISSI> pages the radio (+CTOCP, called party paged).  A
 * radio with answer "auto" answers after ANSWER_MS (+CTCC), "manual"
 * rings until the trainer answers through the control API, "reject"
 * declines (+CTCR cause 11, called party rejection).  From a radio:
 * +CTICN with comms type 0 and the terminal's ISSI as called party; ATA
 * connects it.  Either side releases with +CTCR (cause 1, user
 * request).  The terminal carries one call at a time.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "media/codec.h"
#include "core/log.h"
#include "radio/tetra/sds.h"
#include "common/heard.h"
#include "tsim.h"

enum {
	ANSWER_MS      = 300,
	CAUSE_USER     = 1,
	CAUSE_REJECTED = 11,
	PRIO_EMERGENCY = 15,
};


static void connected(struct tsim *s)
{
	tmr_cancel(&s->call.tmr_answer);
	s->call.ringing = false;
	ts_send(s, "+CTCC: %d", s->call.cci);
	log_info("tetra", "individual call %d with %s connected",
		 s->call.cci, s->call.peer->issi);
}


static void answer_tmr(void *arg)
{
	connected(arg);
}


static struct ts_call *call_of(struct ts_radio *r)
{
	struct ts_call *c = &r->ts->call;

	return c->cci && c->peer == r ? c : NULL;
}


/* ATD<ISSI> after an individual-call AT+CTSDC */
int ts_pc_dial(struct tsim *s, struct ts_radio *r)
{
	struct ts_call *c = &s->call;

	if (s->ctsdc_comms != 0)
		return EPROTO;   /* group parameters for an individual */
	if (c->cci)
		return EBUSY;
	ts_call_new(s, NULL, s->ctsdc_prio);
	c->peer = r;
	c->ringing = true;
	ts_send(s, "+CTOCP: %d,2,0", c->cci);
	log_info("tetra", "individual call %d to %s (%s)", c->cci, r->issi,
		 r->alias);
	switch (r->answer) {
	case TS_ANSWER_REJECT:
		ts_hangup(s, CAUSE_REJECTED);
		break;
	case TS_ANSWER_AUTO:
		tmr_start(&c->tmr_answer, ANSWER_MS, answer_tmr, s);
		break;
	default:
		break;   /* rings until the trainer answers */
	}
	return 0;
}


/* A radio calls the control room */
int ts_pc_call(struct ts_radio *r, bool emergency)
{
	struct tsim *s = r->ts;
	struct ts_call *c = &s->call;

	if (!s->tc)
		return ENOTCONN;
	if (c->cci)
		return EBUSY;
	ts_call_new(s, NULL, emergency ? PRIO_EMERGENCY : 0);
	c->peer = r;
	c->incoming = c->ringing = true;
	ts_send(s, "+CTICN: %d,0,0,0,%s,1,1,0,0,1,0,%s,%u", c->cci, r->issi,
		s->issi, c->prio);
	return 0;
}


/* ATA */
int ts_pc_answer(struct tsim *s)
{
	if (!s->call.cci || !s->call.peer || !s->call.incoming ||
	    !s->call.ringing)
		return EINVAL;
	connected(s);
	return 0;
}


/* The trainer answers (or declines) for a "manual" radio */
int ts_pc_radio_answer(struct ts_radio *r, bool accept)
{
	struct ts_call *c = call_of(r);

	if (!c || c->incoming || !c->ringing)
		return ENOENT;
	if (accept)
		connected(r->ts);
	else
		ts_hangup(r->ts, CAUSE_REJECTED);
	return 0;
}


int ts_pc_radio_hangup(struct ts_radio *r)
{
	if (!call_of(r))
		return ENOENT;
	ts_hangup(r->ts, CAUSE_USER);
	return 0;
}


/* The radio talks in its individual call */
int ts_pc_talk(struct ts_radio *r, unsigned secs)
{
	struct ts_call *c = call_of(r);

	if (!c || c->ringing)
		return ENOENT;
	if (c->talker[0])
		return EBUSY;
	ts_talk_start(r->ts, r, secs);
	return 0;
}


/* An emergency alarm status (or its cancel, INFERRED value: sds.h) to
 * a group, from a radio or from the dispatcher's terminal */
void ts_emergency_sds(struct tsim *s, const char *from, const char *to,
		      unsigned status)
{
	struct ts_group *g = ts_group_find(s, to);
	enum sds_status_class cls = sds_status_class((uint16_t)status);

	if (!g || (cls != SDS_ST_EMERGENCY && cls != SDS_ST_EMERGENCY_CANCEL))
		return;
	g->emergency = cls == SDS_ST_EMERGENCY;
	str_ncpy(g->em_by, g->emergency ? from : "", sizeof(g->em_by));
	log_info("tetra", "emergency on group %s %s by %s", g->gssi,
		 g->emergency ? "raised" : "cancelled", from);
}
