/**
 * @file esn_pcall.c  Private calls between a simulated radio and a
 *                    dispatcher (TS 24.379 private call, ESN-PROFILE)
 *
 * A private call is a group of two for as long as it lasts: one radio
 * and one dispatcher leg, with the group's floor server between them, so
 * talking, hearing and floor control work exactly as in a group call.
 * Towards a radio the commencement mode is the radio's: "auto" answers
 * at once, "manual" rings (180) until answer_ms passes or the trainer
 * answers through the control API, "reject" declines with 480.
 */
#include <string.h>
#include <re.h>
#include "media/codec.h"
#include "core/log.h"
#include "esn_floor.h"
#include "esn.h"

enum { ANSWER_MS_DEF = 2000 };

static void pc_destructor(void *arg)
{
	struct esn_group *g = arg;

	tmr_cancel(&g->tmr_answer);
	tmr_cancel(&g->tmr_limit);
	list_unlink(&g->le);
	mem_deref(g->pc_answer);
	mem_deref(g->uri);
	mem_deref(g->name);
}

struct esn_group *esn_pcall_of(struct esn *e, const struct esn_radio *r)
{
	for (struct le *le = e->groups.head; le; le = le->next) {
		struct esn_group *g = le->data;

		if (g->pc_radio == r)
			return g;
	}
	return NULL;
}

int esn_pcall_group(struct esn *e, struct esn_radio *r,
		    struct esn_group **gp)
{
	static unsigned seq;
	struct esn_group *g;
	int err;

	if (!r)
		return ENOENT;
	if (esn_pcall_of(e, r))
		return EBUSY;
	g = mem_zalloc(sizeof(*g), pc_destructor);
	if (!g)
		return ENOMEM;
	g->esn = e;
	g->pc_radio = r;
	tmr_init(&g->tmr_answer);
	err  = re_sdprintf(&g->uri, "sip:pc-%u@%s", ++seq, e->domain);
	err |= str_dup(&g->name, r->alias ? r->alias : r->id);
	if (err) {
		mem_deref(g);
		return ENOMEM;
	}
	esn_fcsrv_init(g);
	list_append(&e->groups, &g->le, g);
	*gp = g;
	return 0;
}

void esn_pcall_check(struct esn_group *g)
{
	if (!g || !g->pc_radio || !list_isempty(&g->legs) || g->pc_ringing)
		return;
	log_info("esn", "private call %s with %s ended\n", g->uri,
		 g->pc_radio->id);
	esn_radio_leave(g->pc_radio, g);
	mem_deref(g);
}

/* ---- a dispatcher calls a radio ---- */

static int answer_h(const struct sip_msg *msg, void *arg)
{
	return 0;
}

static void answer_tmr(void *arg)
{
	(void)esn_pcall_answer(arg);
}

int esn_pcall_incoming(struct esn_group *g, struct esn_leg *leg,
		       const struct sip_msg *msg, struct mbuf *ans)
{
	struct esn *e = g->esn;
	struct esn_radio *r = g->pc_radio;
	bool manual = !str_casecmp(r->answer, "manual");
	int err;

	err = sipsess_accept(&leg->sess, e->ssock, msg, manual ? 180 : 200,
			     manual ? "Ringing" : "OK", "esn",
			     "application/sdp", manual ? NULL : ans, NULL,
			     NULL, false, esn_leg_offer_h, answer_h,
			     esn_leg_estab_h, NULL, NULL, esn_leg_close_h, leg,
			     "Contact: <sip:esn@%J;transport=tls>%s\r\n"
			     "P-Asserted-Identity: \"%s\" <%s>\r\n",
			     &e->laddr, esn_feature_tags,
			     r->alias ? r->alias : r->id, r->mcptt_id);
	if (err)
		return err;

	list_append(&g->legs, &leg->le, leg);
	esn_floor_join(&g->floor, leg->part);
	if (manual) {
		g->pc_ringing = leg;
		g->pc_answer = mem_ref(ans);
		tmr_start(&g->tmr_answer, r->answer_ms ? r->answer_ms :
			  ANSWER_MS_DEF, answer_tmr, g);
	}
	log_info("esn", "%s calls %s (%s)\n", leg->mcptt_id, r->id,
		 manual ? "ringing" : "answered");
	return 0;
}

int esn_pcall_answer(struct esn_group *g)
{
	struct esn_leg *leg = g ? g->pc_ringing : NULL;
	int err;

	if (!leg)
		return ENOENT;
	tmr_cancel(&g->tmr_answer);
	err = sipsess_answer(leg->sess, 200, "OK", g->pc_answer, NULL);
	g->pc_ringing = NULL;
	g->pc_answer = mem_deref(g->pc_answer);
	return err;
}

/* ---- a radio calls a dispatcher ---- */

static int dial_answer_h(const struct sip_msg *msg, void *arg)
{
	struct esn_leg *leg = arg;
	struct pl sdp, info;
	const char *why = NULL;
	int err;

	err = esn_body_split(msg, &sdp, &info);
	err = err ? err : esn_sdp_answered(leg, &sdp, &why);
	if (err)
		log_info("esn", "private call answer from %s refused: %s\n"
			 "%r\n", leg->mcptt_id, why ? why : "bad body", &sdp);
	return err;
}

static void dial_estab_h(const struct sip_msg *msg, void *arg)
{
	struct esn_leg *leg = arg;

	/* the dialog's tags, for network requests in it */
	leg->ltag = mem_deref(leg->ltag);
	(void)pl_strdup(&leg->ltag, &msg->from.tag);
	log_info("esn", "%s answered %s\n", leg->mcptt_id,
		 leg->grp->pc_radio->id);
}

int esn_pcall_dial(struct esn *e, struct esn_radio *r, const char *to,
		   bool emerg, struct esn_group **gp)
{
	struct esn_reg *reg = esn_reg_find(e, to);
	struct mbuf *offer = NULL, *body = NULL;
	struct esn_group *g = NULL;
	struct esn_leg *leg = NULL;
	char route[128];
	const char *routev[1] = {route};
	int err;

	if (!reg)
		return ENOENT;
	err = esn_pcall_group(e, r, &g);
	if (err)
		return err;
	err = esn_leg_alloc(&leg, g, to, &e->laddr);
	err = err ? err : esn_sdp_offer(leg, r->prio, &offer);
	body = mbuf_alloc(2048);
	if (err || !body) {
		err = err ? err : ENOMEM;
		goto out;
	}
	err  = mbuf_printf(body, "--esnb\r\nContent-Type: application/sdp"
			   "\r\n\r\n%b\r\n--esnb\r\nContent-Type: "
			   "application/vnd.3gpp.mcptt-info+xml\r\n\r\n",
			   offer->buf, offer->end);
	err |= esn_info_print(body, to, r->mcptt_id, emerg, true);
	err |= mbuf_printf(body, "--esnb--\r\n");
	if (err)
		goto out;
	leg->emerg = emerg;
	leg->src = reg->src;

	/* over the dispatcher's own TLS connection, as for MESSAGE */
	re_snprintf(route, sizeof(route), "sip:%J;transport=tls;lr",
		    &reg->src);
	body->pos = 0;
	err = sipsess_connect(&leg->sess, e->ssock, to, r->alias, r->mcptt_id,
			      "esn", routev, 1,
			      "multipart/mixed;boundary=esnb", body, NULL,
			      NULL, false, esn_leg_offer_h, dial_answer_h,
			      NULL, dial_estab_h, NULL, NULL,
			      esn_leg_close_h, leg,
			      "P-Asserted-Identity: \"%s\" <%s>\r\n%s",
			      r->alias ? r->alias : r->id, r->mcptt_id,
			      emerg ? "Resource-Priority: mcpttp.15\r\n" : "");
	if (err)
		goto out;
	list_append(&g->legs, &leg->le, leg);
	esn_floor_join(&g->floor, leg->part);
	*gp = g;
 out:
	mem_deref(offer);
	mem_deref(body);
	if (err) {
		mem_deref(leg);
		esn_pcall_check(g);
	}
	return err;
}

/* The radio ends the call (or declines it while it rings) */
int esn_pcall_hangup(struct esn_group *g)
{
	struct le *le;

	if (!g || !g->pc_radio)
		return ENOENT;
	if (g->pc_ringing) {
		(void)sipsess_reject(g->pc_ringing->sess, 480,
				     "Temporarily Unavailable", "");
		g->pc_ringing = NULL;
	}
	while ((le = list_head(&g->legs)))
		mem_deref(le->data);    /* BYE goes with the session */
	esn_pcall_check(g);
	return 0;
}
