/**
 * @file tetra_call.c  TETRA groups, group calls, PTT, SDS
 *
 * A group is attached with AT+CTGS (the terminal's scan list, INFERRED
 * for more than one group); its calls come as +CTICN with the GSSI as
 * called party, or are set up by us (AT+CTSDC + ATD<GSSI>) when the
 * console keys a group with no call.  Who talks comes from +CTXG (the
 * transmitting party identity), the end of a transmission from
 * +CDTXC/+CTXC and the end of the call from +CTCR.  The gateway's RTP
 * voice is one media stream, "tetra:<talkgroup>", that exists while the
 * group has a call: the terminal carries one call at a time.
 */
#include <string.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "radio/radio.h"
#include "radio/tetra/pei.h"
#include "radio/tetra/sds.h"
#include "radio/tetra/tetra.h"
#include "radio/tetra/tetra_int.h"

#define MOD "tetra"

enum { PRIO_EMERGENCY = 15 };   /* call priority of an emergency call */


struct tetra_grp *tetra_grp_find(const struct tetra *te, const char *tg)
{
	for (struct le *le = list_head(&te->grps); tg && le; le = le->next) {
		struct tetra_grp *g = le->data;

		if (!strcmp(g->tg, tg))
			return g;
	}
	return NULL;
}


struct tetra_grp *tetra_grp_by_gssi(const struct tetra *te,
				    const char *gssi)
{
	for (struct le *le = list_head(&te->grps); gssi && le;
	     le = le->next) {
		struct tetra_grp *g = le->data;

		if (!g->indiv && !strcmp(g->gssi, gssi))
			return g;
	}
	return NULL;
}


static struct tetra_grp *by_cci(const struct tetra *te, int cci)
{
	for (struct le *le = list_head(&te->grps); cci >= 0 && le;
	     le = le->next) {
		struct tetra_grp *g = le->data;

		if (g->cci == cci)
			return g;
	}
	return NULL;
}


static struct tetra_grp *dialing(const struct tetra *te)
{
	for (struct le *le = list_head(&te->grps); le; le = le->next) {
		struct tetra_grp *g = le->data;

		if (g->dialing)
			return g;
	}
	return NULL;
}


/* The terminal carries one call at a time, group or individual */
bool tetra_busy(const struct tetra *te)
{
	for (struct le *le = list_head(&te->grps); le; le = le->next) {
		const struct tetra_grp *g = le->data;

		if (g->cci >= 0 || g->dialing || g->indiv)
			return true;
	}
	return false;
}


void tetra_grp_report(struct tetra_grp *g, enum radio_group_state st,
		      const char *reason)
{
	const struct radio_events *ev = g->te->ev;

	g->st = st;
	if (ev->group)
		ev->group(g->tg, st, reason, g->media_up ? g->stream : NULL,
			  g->te->arg);
}


void tetra_floor(struct tetra_grp *g, enum radio_floor_state st, bool tx,
		 const char *talker, const char *reason)
{
	const struct radio_events *ev = g->te->ev;
	struct radio_floor f = {.state = st, .tx = tx, .talker = talker,
				.reason = reason};

	g->tx = tx;
	if (ev->floor)
		ev->floor(g->tg, &f, g->te->arg);
}


/* ---- voice ---- */

/* The gateway's RTP stream of g's call: on while it has one */
void tetra_media(struct tetra_grp *g, bool on)
{
	struct tetra *te = g->te;
	struct media_stream_cfg cfg = {.codec = te->codec};

	if (!on || !te->media) {
		if (g->media_up && te->media)
			(void)media_stream_remove(te->media, g->stream);
		g->media_up = false;
		return;
	}
	if (g->media_up)
		return;
	str_ncpy(cfg.id, g->stream, sizeof(cfg.id));
	cfg.local = &te->rtp_local;
	cfg.remote = sa_isset(&te->rtp_remote, SA_ALL) ? &te->rtp_remote :
		NULL;
	g->media_up = !media_stream_add(te->media, &cfg);
}


/* A call on g is up (ours or the network's): voice flows */
static void call_up(struct tetra_grp *g, int cci)
{
	bool had = g->media_up;

	g->cci = cci;
	g->dialing = false;
	tetra_media(g, true);
	if (!had && g->st == RADIO_GROUP_JOINED)
		tetra_grp_report(g, RADIO_GROUP_JOINED, NULL);
}


static void call_down(struct tetra_grp *g, const char *reason)
{
	bool had = g->media_up, was_tx = g->tx || g->want_tx;

	g->cci = -1;
	g->dialing = false;
	g->want_tx = false;
	tetra_media(g, false);
	tetra_floor(g, was_tx && reason ? RADIO_FLOOR_REVOKED :
		    RADIO_FLOOR_IDLE, false, NULL, reason);
	if (had && g->st == RADIO_GROUP_JOINED)
		tetra_grp_report(g, RADIO_GROUP_JOINED, NULL);
}


void tetra_calls_lost(struct tetra *te, const char *reason)
{
	struct le *le = list_head(&te->grps);

	/* a report may make the talkgroup leave: g goes, next stays */
	while (le) {
		struct tetra_grp *g = le->data;

		le = le->next;
		if (g->indiv) {
			tetra_pc_end(g, RADIO_CALL_ENDED, reason);
			continue;
		}
		g->cci = -1;
		g->dialing = g->want_tx = g->tx = false;
		tetra_media(g, false);
		if (g->st != RADIO_GROUP_IDLE)
			tetra_grp_report(g, RADIO_GROUP_FAILED, reason);
	}
}


/* ---- what the terminal says about calls ---- */

static void ctxg(struct tetra_grp *g, const struct pei_ev *ev)
{
	char talker[64];

	switch (ev->code) {
	case 0:    /* granted to us */
		if (g->want_tx) {
			tetra_floor(g, RADIO_FLOOR_GRANTED, true, NULL, NULL);
			return;
		}
		/* released while it was on its way: cease at once */
		{
			struct pei_arg a = {.n = (unsigned)g->cci};

			(void)tetra_cmd(g->te, PEI_CMD_CUTXC, &a, T_CUTXC,
					g->tg);
		}
		return;
	case 1:
		g->want_tx = false;
		tetra_floor(g, RADIO_FLOOR_DENIED, false, NULL,
			    "transmission not granted");
		return;
	case 2:
		tetra_floor(g, RADIO_FLOOR_QUEUED, false, NULL, NULL);
		return;
	default:   /* 3: granted to another: the talker */
		g->want_tx = false;
		if (ev->id[0])
			tetra_id(talker, sizeof(talker), ev->id);
		tetra_floor(g, RADIO_FLOOR_TAKEN, false,
			    ev->id[0] ? talker : NULL, NULL);
		return;
	}
}


void tetra_call_ev(struct tetra *te, const struct pei_ev *ev)
{
	struct tetra_grp *g = by_cci(te, ev->cci);
	char why[64];

	if (!g && ev->cci >= 0 && ev->cci == te->gone_cci) {
		if (ev->type == PEI_EV_CTCR)
			te->gone_cci = -1;
		return;
	}
	if (!g && (ev->type == PEI_EV_CTOCP || ev->type == PEI_EV_CTCC ||
		   ev->type == PEI_EV_CTCR))
		g = dialing(te);
	if (ev->type == PEI_EV_CTICN ? tetra_pc_offer(te, ev) :
	    g && g->indiv && tetra_pc_ev(g, ev))
		return;

	switch (ev->type) {

	case PEI_EV_CTICN:
		/* a group call: the called party is the GSSI */
		g = ev->id2[0] ? tetra_grp_by_gssi(te, ev->id2) : NULL;
		if (!g) {
			log_info(MOD, "call %d for %s: no such group here",
				 ev->cci, ev->id2);
			return;
		}
		call_up(g, ev->cci);
		if (ev->prio == PRIO_EMERGENCY && te->ev->emergency) {
			char by[64];

			tetra_id(by, sizeof(by), ev->id);
			te->ev->emergency(g->tg, true, by, te->arg);
		}
		break;

	case PEI_EV_CTOCP:
	case PEI_EV_CTCC:
		if (!g)
			g = dialing(te);
		if (!g)
			return;
		call_up(g, ev->cci);
		if (!g->want_tx && ev->type == PEI_EV_CTCC) {
			struct pei_arg a = {.n = (unsigned)g->cci};

			(void)tetra_cmd(te, PEI_CMD_CUTXC, &a, T_CUTXC, g->tg);
		}
		break;

	case PEI_EV_CTXG:
		if (g)
			ctxg(g, ev);
		break;

	case PEI_EV_TX_CEASED:
		if (g && !g->want_tx)
			tetra_floor(g, RADIO_FLOOR_IDLE, false, NULL, NULL);
		break;

	case PEI_EV_CTXI:
		if (g) {
			g->want_tx = false;
			tetra_floor(g, RADIO_FLOOR_REVOKED, false, NULL,
				    "transmission interrupted");
		}
		break;

	case PEI_EV_CTXW:
		if (g)
			tetra_floor(g, RADIO_FLOOR_QUEUED, false, NULL, NULL);
		break;

	case PEI_EV_CTCR:
		if (!g)
			g = dialing(te);
		if (!g)
			return;
		re_snprintf(why, sizeof(why), "call released (cause %d)",
			    ev->cause);
		/* the network ends an idle group call after its hang time:
		 * that is the normal end, not a failure */
		call_down(g, g->want_tx ? why : NULL);
		break;

	default:
		break;
	}
}


/* Final results of the commands this file sent */
void tetra_cmd_done(struct tetra *te, const struct tetra_cmd *c, bool ok,
		    const char *why)
{
	struct tetra_grp *g = tetra_grp_find(te, c->tg);
	char r[128];

	if (!g)
		return;
	if (g->indiv) {
		tetra_pc_cmd_done(g, c, ok, why);
		return;
	}

	switch (c->tag) {

	case T_ATTACH:
		if (ok) {
			tetra_grp_report(g, RADIO_GROUP_JOINED, NULL);
			break;
		}
		re_snprintf(r, sizeof(r), "group attach refused: %s", why);
		tetra_grp_report(g, RADIO_GROUP_FAILED, r);
		break;

	case T_DIAL:
	case T_CTXD:
		if (ok)
			break;
		g->dialing = false;
		g->want_tx = false;
		re_snprintf(r, sizeof(r), "%s: %s", c->tag == T_DIAL ?
			    "call set-up failed" : "transmit demand refused",
			    why);
		tetra_floor(g, RADIO_FLOOR_DENIED, false, NULL, r);
		break;

	case T_CUTXC:
		if (!g->want_tx)
			tetra_floor(g, RADIO_FLOOR_IDLE, false, NULL, NULL);
		break;

	case T_EMERG:
	case T_EMERG_OFF:
		if (!ok) {
			log_warn(MOD, "emergency status to %s: %s", g->gssi,
				 why);
			break;
		}
		tetra_id(r, sizeof(r), te->issi);
		if (te->ev->emergency)
			te->ev->emergency(g->tg, c->tag == T_EMERG, r,
					  te->arg);
		break;

	default:
		break;
	}
}


/* ---- the bearer's operations ---- */

static void grp_destructor(void *arg)
{
	struct tetra_grp *g = arg;

	tetra_media(g, false);
	list_unlink(&g->le);
}


int tetra_join(struct tetra *te, const char *tg, const char *gssi)
{
	struct tetra_grp *g = tetra_grp_find(te, tg);
	struct pei_arg a = {.id = gssi};
	int err;

	if (!tg || !gssi || strlen(tg) >= sizeof(g->tg) ||
	    strlen(gssi) >= sizeof(g->gssi) || !gssi[0] ||
	    strspn(gssi, "0123456789") != strlen(gssi))
		return EINVAL;

	if (!g) {
		g = mem_zalloc(sizeof(*g), grp_destructor);
		if (!g)
			return ENOMEM;
		g->te = te;
		g->cci = -1;
		str_ncpy(g->tg, tg, sizeof(g->tg));
		str_ncpy(g->gssi, gssi, sizeof(g->gssi));
		(void)re_snprintf(g->stream, sizeof(g->stream), "tetra:%s",
				  tg);
		list_append(&te->grps, &g->le, g);
	}
	else if (g->st == RADIO_GROUP_JOINED ||
		 g->st == RADIO_GROUP_JOINING) {
		return 0;
	}

	if (!te->up) {
		/* attached once start-up is through; if the terminal is
		 * lost meanwhile, the group fails then */
		tetra_grp_report(g, RADIO_GROUP_JOINING,
				 "waiting for the TETRA terminal");
		return 0;
	}
	g->st = RADIO_GROUP_JOINING;
	err = tetra_cmd(te, PEI_CMD_CTGS, &a, T_ATTACH, tg);
	if (err)
		mem_deref(g);
	else
		tetra_grp_report(g, RADIO_GROUP_JOINING, NULL);
	return err;
}


/* The group stays in the terminal's scan list (no standard detach,
 * INFERRED); we stop carrying its calls */
int tetra_leave(struct tetra *te, const char *tg)
{
	struct tetra_grp *g = tetra_grp_find(te, tg);

	if (!g)
		return ENOENT;
	if (g->cci >= 0 && g->tx) {
		struct pei_arg a = {.n = (unsigned)g->cci};

		(void)tetra_cmd(te, PEI_CMD_CUTXC, &a, T_PLAIN, NULL);
	}
	g->st = RADIO_GROUP_IDLE;
	if (te->ev->group)
		te->ev->group(tg, RADIO_GROUP_IDLE, NULL, NULL, te->arg);
	mem_deref(g);
	return 0;
}


int tetra_ptt(struct tetra *te, const char *tg, bool on, bool emergency)
{
	struct tetra_grp *g = tetra_grp_find(te, tg);
	struct pei_arg a = {0};
	int err;

	if (!g || !te->up || (g->indiv ? !g->connected :
				   g->st != RADIO_GROUP_JOINED))
		return ENOTCONN;

	if (!on) {
		bool was = g->want_tx || g->tx;

		g->want_tx = false;
		if (g->cci >= 0 && was) {
			a.n = (unsigned)g->cci;
			return tetra_cmd(te, PEI_CMD_CUTXC, &a, T_CUTXC, tg);
		}
		tetra_floor(g, RADIO_FLOOR_IDLE, false, NULL, NULL);
		return 0;
	}

	g->want_tx = true;
	tetra_floor(g, RADIO_FLOOR_REQUESTING, false, NULL, NULL);
	if (g->cci >= 0) {
		a.n = (unsigned)g->cci;
		a.prio = emergency ? 3 : te->prio;
		return tetra_cmd(te, PEI_CMD_CTXD, &a, T_CTXD, tg);
	}
	if (g->dialing)
		return 0;
	if (tetra_busy(te)) {
		g->want_tx = false;
		tetra_floor(g, RADIO_FLOOR_DENIED, false, NULL, "terminal busy:"
			    " it carries another call");
		return 0;
	}

	/* no call on the group: set one up, the grant comes with it */
	g->dialing = true;
	a.prio = emergency ? PRIO_EMERGENCY : 0;
	err = tetra_cmd(te, PEI_CMD_CTSDC_GROUP, &a, T_PLAIN, tg);
	a.id = g->gssi;
	err = err ? err : tetra_cmd(te, PEI_CMD_DIAL, &a, T_DIAL, tg);
	if (err)
		g->dialing = false;
	return err;
}


/* ---- SDS: status, text, location ---- */

static const char *digits_of(const char *to)
{
	if (to && !strncmp(to, "tetra:", 6))
		to += 6;
	return to;
}


static int sds_send(struct tetra *te, const char *to, const char *text,
		    unsigned status, enum tetra_tag tag, const char *tg)
{
	static uint8_t ref;
	struct sds_msg m = {0};
	const char *reason = NULL;
	struct pei_arg a = {.id = digits_of(to)};
	uint8_t buf[PEI_SDS_MAX];
	unsigned ai = 0;
	int err;

	if (!te->up)
		return ENOTCONN;
	if (text) {
		size_t n = strlen(text);

		if (n > SDS_TEXT_MAX - 8)
			return EMSGSIZE;
		m.kind = SDS_TEXT;
		m.pid = SDS_PID_TEXT;
		m.text.ref = ++ref;
		m.text.coding = 1;
		m.text.len = n;
		memcpy(m.text.text, text, n);
	}
	else {
		m.kind = SDS_STATUS;
		m.status = (uint16_t)status;
	}
	err = sds_encode(buf, sizeof(buf), &a.bits, &ai, &m, &reason);
	if (err) {
		log_warn(MOD, "SDS to %s: %s", to, reason);
		return err;
	}
	a.data = buf;
	err = tetra_cmd(te, ai == SDS_AI_STATUS ? PEI_CMD_CTSDS_STATUS :
			PEI_CMD_CTSDS_SDSTL, NULL, T_PLAIN, NULL);
	return err ? err : tetra_cmd(te, PEI_CMD_CMGS, &a, tag, tg);
}


int tetra_send(struct tetra *te, const char *to, const char *text,
	       unsigned status)
{
	return sds_send(te, to, text, status, T_PLAIN, NULL);
}


/* The console raises (or cancels) an emergency on a group: the
 * terminal sends the emergency alarm status to the group (its cancel:
 * SDS_STATUS_EMERGENCY_CANCEL, INFERRED); consoles learn it once the
 * terminal took the SDS (tetra_cmd_done).  Talking in it then sets up
 * emergency-priority calls (tetra_ptt). */
int tetra_emergency(struct tetra *te, const char *tg, bool on)
{
	struct tetra_grp *g = tetra_grp_find(te, tg);

	if (!g || g->indiv)
		return ENOENT;
	return sds_send(te, g->gssi, NULL, on ? SDS_STATUS_EMERGENCY :
			SDS_STATUS_EMERGENCY_CANCEL, on ? T_EMERG :
			T_EMERG_OFF, g->tg);
}


/* Emergency alarm: pre-coded status 0 (EN 300 392-2, INFERRED for
 * Airwave), sent to a group we carry; its cancel: sds.h */
void tetra_sds_ev(struct tetra *te, const struct pei_ev *ev)
{
	struct radio_msg rm = {0};
	const char *reason = NULL;
	struct tetra_grp *g = tetra_grp_by_gssi(te, ev->id2);
	enum sds_status_class cls;
	struct sds_msg m;
	char from[64], to[64];

	if (sds_decode(&m, (unsigned)ev->ai_service, ev->sds, ev->sds_bits,
		       &reason)) {
		log_info(MOD, "SDS from %s not understood: %s", ev->id,
			 reason);
		return;
	}
	tetra_id(from, sizeof(from), ev->id);
	tetra_id(to, sizeof(to), ev->id2);
	rm.from = ev->id[0] ? from : NULL;
	rm.to = g ? g->tg : ev->id2[0] ? to : NULL;

	switch (m.kind) {
	case SDS_STATUS:
		cls = sds_status_class(m.status);
		if ((cls == SDS_ST_EMERGENCY ||
		     cls == SDS_ST_EMERGENCY_CANCEL) && g) {
			if (te->ev->emergency)
				te->ev->emergency(g->tg,
						  cls == SDS_ST_EMERGENCY,
						  rm.from, te->arg);
			return;
		}
		rm.type = RADIO_MSG_STATUS;
		rm.status = m.status;
		break;
	case SDS_TEXT:
		rm.type = RADIO_MSG_TEXT;
		rm.text = m.text.text;
		break;
	case SDS_LIP:
		rm.type = RADIO_MSG_LOCATION;
		rm.lat = m.lip.lat;
		rm.lon = m.lip.lon;
		{
			int e = sds_lip_error_m(m.lip.pos_err);

			rm.accuracy_m = e < 0 ? 0 : (unsigned)e;
		}
		break;
	default:
		return;   /* delivery reports */
	}
	if (te->ev->message)
		te->ev->message(&rm, te->arg);
}
