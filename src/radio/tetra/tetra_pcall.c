/**
 * @file tetra_pcall.c  TETRA individual (private) calls over the PEI
 *
 * Out: AT+CTSDC with individual-call parameters (simplex, point to
 * point), then ATD<ISSI>; +CTOCP says the radio is being called, +CTCC
 * that it answered, +CTCR why the call ended.  In: +CTICN with a
 * point-to-point comms type (or our own ISSI as called party) offers a
 * call; ATA takes it, ATH declines or ends it.  Talking is half duplex
 * as in a group call (AT+CTXD / AT+CUTXC, +CTXG with the talker), which
 * is why an individual call is a struct tetra_grp with indiv set:
 * tetra_call.c does its floor and voice.  The terminal carries one call
 * at a time, so a second one is refused as "terminal busy".
 */
#include <string.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "radio/radio.h"
#include "radio/tetra/pei.h"
#include "radio/tetra/tetra.h"
#include "radio/tetra/tetra_int.h"

#define MOD "tetra"

enum {
	PRIO_EMERGENCY = 15,   /* call priority of an emergency call      */
	COMMS_P2P      = 0,    /* +CTICN comms type: point to point,
				* INFERRED (radio-protocols.md §4.2)     */
};


static void pc_destructor(void *arg)
{
	struct tetra_grp *g = arg;

	tetra_media(g, false);
	list_unlink(&g->le);
}


static int pc_new(struct tetra_grp **gp, struct tetra *te,
		  const char *issi)
{
	struct tetra_grp *g;

	if (!issi || !issi[0] || strlen(issi) >= sizeof(g->gssi) ||
	    strspn(issi, "0123456789") != strlen(issi))
		return EINVAL;
	g = mem_zalloc(sizeof(*g), pc_destructor);
	if (!g)
		return ENOMEM;
	g->te = te;
	g->indiv = true;
	g->cci = -1;
	(void)re_snprintf(g->tg, sizeof(g->tg), "tetra-pc-%u", ++te->pcseq);
	(void)re_snprintf(g->stream, sizeof(g->stream), "tetra:%s", g->tg);
	str_ncpy(g->gssi, issi, sizeof(g->gssi));
	list_append(&te->grps, &g->le, g);
	*gp = g;
	return 0;
}


static struct tetra_grp *pc_find(struct tetra *te, const char *call)
{
	struct tetra_grp *g = tetra_grp_find(te, call);

	return g && g->indiv ? g : NULL;
}


static void report(struct tetra_grp *g, enum radio_call_state st,
		   const char *reason)
{
	struct tetra *te = g->te;

	if (te->ev->call)
		te->ev->call(g->tg, st, reason, g->media_up ? g->stream :
			     NULL, te->arg);
}


/* The call is over: consoles are told why, the object goes */
void tetra_pc_end(struct tetra_grp *g, enum radio_call_state st,
		  const char *reason)
{
	if (g->tx || g->want_tx)
		tetra_floor(g, RADIO_FLOOR_IDLE, false, NULL, NULL);
	tetra_media(g, false);
	log_info(MOD, "individual call %s with %s: %s", g->tg, g->gssi,
		 reason ? reason : "ended");
	report(g, st, reason);
	mem_deref(g);
}


/* +CTICN: a group call (false: tetra_call.c takes it) or a radio
 * calling the control room */
bool tetra_pc_offer(struct tetra *te, const struct pei_ev *ev)
{
	struct tetra_grp *g;
	char from[64];

	if (tetra_grp_by_gssi(te, ev->id2))
		return false;
	if (ev->comms_type != COMMS_P2P &&
	    (!ev->id2[0] || strcmp(ev->id2, te->issi)))
		return false;
	tetra_id(from, sizeof(from), ev->id);
	if (tetra_busy(te)) {
		log_notice(MOD, "individual call %d from %s not offered: the "
			   "terminal is busy", ev->cci, from);
		return true;
	}
	if (ev->cci < 0 || pc_new(&g, te, ev->id)) {
		log_info(MOD, "individual call %d: no caller identity",
			 ev->cci);
		return true;
	}
	g->cci = ev->cci;
	if (te->ev->call_in)
		te->ev->call_in(g->tg, from, NULL, ev->prio == PRIO_EMERGENCY,
				te->arg);
	return true;
}


/* What the terminal says about the call's set-up and end; the floor
 * (+CTXG, +CDTXC, ...) goes on in tetra_call.c */
bool tetra_pc_ev(struct tetra_grp *g, const struct pei_ev *ev)
{
	char why[96];

	switch (ev->type) {

	case PEI_EV_CTOCP:
		g->cci = ev->cci;
		report(g, RADIO_CALL_RINGING, NULL);
		return true;

	case PEI_EV_CTCC:
		g->cci = ev->cci;
		g->dialing = false;
		g->connected = true;
		tetra_media(g, true);
		report(g, RADIO_CALL_CONNECTED, NULL);
		return true;

	case PEI_EV_CTCR:
		re_snprintf(why, sizeof(why), "%s (cause %d)",
			    pei_cause_str(ev->cause), ev->cause);
		tetra_pc_end(g, g->connected ? RADIO_CALL_ENDED :
			     RADIO_CALL_FAILED, why);
		return true;

	default:
		return false;
	}
}


void tetra_pc_cmd_done(struct tetra_grp *g, const struct tetra_cmd *c,
		       bool ok, const char *why)
{
	char r[128];

	if (ok || (c->tag != T_PC_DIAL && c->tag != T_PC_ANSWER)) {
		if (!ok && c->tag == T_CTXD) {
			g->want_tx = false;
			re_snprintf(r, sizeof(r), "transmit demand refused: "
				    "%s", why);
			tetra_floor(g, RADIO_FLOOR_DENIED, false, NULL, r);
		}
		return;
	}
	re_snprintf(r, sizeof(r), "%s: %s", c->tag == T_PC_DIAL ?
		    "call set-up failed" : "answer failed", why);
	tetra_pc_end(g, RADIO_CALL_FAILED, r);
}


/* ---- console requests ---- */

int tetra_pc_dial(struct tetra *te, char **callp, const char *peer,
		  bool emergency)
{
	struct tetra_grp *g;
	struct pei_arg a = {.prio = emergency ? PRIO_EMERGENCY : 0};
	int err;

	if (!callp || !peer || strncmp(peer, "tetra:", 6))
		return EINVAL;
	if (!te->up)
		return ENOTCONN;
	if (tetra_busy(te))
		return EBUSY;
	err = pc_new(&g, te, peer + 6);
	if (err)
		return err;
	g->dialing = true;
	err = tetra_cmd(te, PEI_CMD_CTSDC_INDIV, &a, T_PLAIN, g->tg);
	a.id = g->gssi;
	err = err ? err : tetra_cmd(te, PEI_CMD_DIAL, &a, T_PC_DIAL, g->tg);
	err = err ? err : str_dup(callp, g->tg);
	if (err)
		mem_deref(g);
	return err;
}


int tetra_pc_answer(struct tetra *te, const char *call, bool accept)
{
	struct tetra_grp *g = pc_find(te, call);
	int err;

	if (!g || g->connected || g->dialing)
		return ENOENT;
	if (accept)
		return tetra_cmd(te, PEI_CMD_ANSWER, NULL, T_PC_ANSWER, g->tg);
	err = tetra_cmd(te, PEI_CMD_HANGUP, NULL, T_PLAIN, NULL);
	te->gone_cci = g->cci;
	mem_deref(g);
	return err;
}


/* ATH ends the terminal's call: there is only one */
int tetra_pc_hangup(struct tetra *te, const char *call)
{
	struct tetra_grp *g = pc_find(te, call);

	if (!g)
		return ENOENT;
	te->gone_cci = g->cci;
	mem_deref(g);
	return te->up ? tetra_cmd(te, PEI_CMD_HANGUP, NULL, T_PLAIN, NULL) :
		0;
}
