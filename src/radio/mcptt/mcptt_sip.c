/**
 * @file mcptt_sip.c  ESN call control: group and private calls (24.379)
 *
 * One struct mcptt_call per joined talkgroup or private call, each a
 * libre sipsess towards the participating function (the PSI).  Failures
 * end in a clear state with a reason; the rule table below decides what
 * is retried.  Every body is multipart/mixed with one boundary, because
 * libre keeps one Content-Type per session.
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "radio/radio.h"
#include "radio/mcptt/fc.h"
#include "radio/mcptt/mcptt.h"
#include "radio/mcptt/mcptt_int.h"


#define CTYPE "multipart/mixed;boundary=" MCPTT_BOUNDARY
#define FEATURES "+g.3gpp.mcptt;+g.3gpp.icsi-ref=" \
	"urn%3Aurn-7%3A3gpp-service.ims.icsi.mcptt"

enum { RETRY_MAX_S = 60 };

/* What a final failure means for a join (retry or stop), and the words
 * consoles show for a group call and for a private call */
static const struct fail_rule {
	uint16_t lo, hi;
	bool retry;
	const char *why, *why_pc;
} fail_rules[] = {
	{403, 403, false, "not allowed in this group",
	 "not allowed to call this radio"},
	{404, 404, false, "no such group", "no such radio"},
	{480, 480, true,  "group temporarily unavailable",
	 "declined or not reachable"},
	{486, 486, true,  "busy", "the radio is in another call"},
	{488, 488, false, "media offer not acceptable",
	 "media offer not acceptable"},
	{400, 499, false, NULL, NULL},
	{500, 599, true,  NULL, NULL},
	{600, 699, false, NULL, NULL},
};

static const struct fail_rule *rule_find(uint16_t scode)
{
	for (size_t i = 0; i < ARRAY_SIZE(fail_rules); i++) {
		if (scode >= fail_rules[i].lo && scode <= fail_rules[i].hi)
			return &fail_rules[i];
	}

	return NULL;
}


static void call_destructor(void *arg)
{
	struct mcptt_call *call = arg;

	tmr_cancel(&call->retry);
	mcptt_floor_stop(call);
	mcptt_media_stop(call);
	list_unlink(&call->le);
	mem_deref(call->sess);
	mem_deref(call->sdp);
}


struct mcptt_call *mcptt_call_find(const struct mcptt *mc, const char *id)
{
	for (struct le *le = list_head(&mc->calls); le; le = le->next) {
		struct mcptt_call *call = le->data;

		if (!strcmp(call->id, id))
			return call;
	}

	return NULL;
}


static void state_report(struct mcptt_call *call, enum radio_group_state st,
			 const char *reason)
{
	const struct radio_events *e = call->mc->ev;
	const char *stream = call->media_up ? call->stream : NULL;
	static const enum radio_call_state cst[] = {
		[RADIO_GROUP_IDLE] = RADIO_CALL_ENDED,
		[RADIO_GROUP_JOINING] = RADIO_CALL_RINGING,
		[RADIO_GROUP_JOINED] = RADIO_CALL_CONNECTED,
		[RADIO_GROUP_FAILED] = RADIO_CALL_FAILED,
	};

	call->st = st;
	if (call->kind == MCPTT_GROUP && e->group)
		e->group(call->id, st, reason, stream, call->mc->arg);
	else if (call->kind == MCPTT_PRIVATE && e->call)
		e->call(call->id, cst[st], reason, stream, call->mc->arg);
}


/* Media and floor of a session come and go together */
static void session_down(struct mcptt_call *call)
{
	mcptt_floor_stop(call);
	mcptt_media_stop(call);
	call->sess = mem_deref(call->sess);
	call->sdp = mem_deref(call->sdp);
}


static int local_prepare(struct mcptt_call *call)
{
	int err;

	call->l.addr = call->mc->rtp_addr;
	call->l.prio = call->mc->prio;
	rand_bytes(call->l.key, sizeof(call->l.key));

	err = mcptt_port_pick(&call->mc->rtp_addr, &call->l.audio_port);
	err = err ? err : mcptt_floor_alloc(call);
	err = err ? err : mcptt_sdp_alloc(&call->sdp, &call->l);

	return err;
}


static int info_fill(struct mbuf *mb, const struct mcptt_call *call)
{
	struct mcptt_info mi = {
		.has = MI_STYPE | MI_REQ_URI,
		.stype = call->kind == MCPTT_GROUP ? MCPTT_ST_PREARRANGED :
			MCPTT_ST_PRIVATE,
		.emergency = call->emerg_want,
		.alert = call->emerg_want,
	};

	if (call->emerg_want || call->emergency)
		mi.has |= MI_EMERG | MI_ALERT;
	if (call->imminent) {
		mi.has |= MI_IMMINENT;
		mi.imminent = true;
	}
	if (call->broadcast) {
		mi.has |= MI_BROADCAST;
		mi.broadcast = true;
	}
	str_ncpy(mi.req_uri, call->target, sizeof(mi.req_uri));

	return mcptt_info_encode(mb, &mi);
}


/* SDP (offer or answer) and, for requests, mcptt-info */
static int body_make(struct mbuf **mbp, struct mcptt_call *call,
		     bool offer, bool info)
{
	struct mbuf *sdp = NULL, *xml = NULL;
	int err;

	err = mcptt_sdp_encode(&sdp, call->sdp, offer);
	if (!err && info) {
		xml = mbuf_alloc(512);
		err = xml ? info_fill(xml, call) : ENOMEM;
	}
	if (!err)
		err = mcptt_body_build(mbp, sdp, xml);

	mem_deref(sdp);
	mem_deref(xml);
	return err;
}


/* Reads the peer's body; *reason says what is wrong with it */
static int body_read(struct mcptt_body *b, struct mcptt_info *mi,
		     const struct sip_msg *msg, const char **reason)
{
	struct pl body = PL_INIT;
	int err;

	memset(mi, 0, sizeof(*mi));
	body.p = (const char *)mbuf_buf(msg->mb);
	body.l = mbuf_get_left(msg->mb);

	err = mcptt_body_split(b, &msg->ctyp, &body, reason);
	if (!err && pl_isset(&b->info))
		err = mcptt_info_decode(mi, b->info.p, b->info.l, reason);

	return err;
}


static void alias_learn(struct mcptt_call *call, const struct sip_msg *msg)
{
	const struct sip_hdr *h;
	struct sip_addr addr;

	h = sip_msg_xhdr(msg, "P-Asserted-Identity");
	if (!h || sip_addr_decode(&addr, &h->val))
		return;

	(void)pl_strcpy(&addr.auri, call->alias_uri, sizeof(call->alias_uri));
	call->alias[0] = '\0';
	if (pl_isset(&addr.dname))
		(void)pl_strcpy(&addr.dname, call->alias, sizeof(call->alias));
}


static void emergency_report(struct mcptt_call *call, bool on,
			     const char *by)
{
	const struct radio_events *e = call->mc->ev;

	call->emergency = on;
	if (e->emergency)
		e->emergency(call->id, on, by, call->mc->arg);
}


static void retry_handler(void *arg);

static void fail(struct mcptt_call *call, uint16_t scode, const char *why,
		 bool retry)
{
	uint32_t secs;

	session_down(call);
	if (scode)
		re_snprintf(call->reason, sizeof(call->reason), "%u %s",
			    scode, why);
	else
		str_ncpy(call->reason, why, sizeof(call->reason));

	if (!retry || call->kind != MCPTT_GROUP) {
		state_report(call, RADIO_GROUP_FAILED, call->reason);
		if (call->kind == MCPTT_PRIVATE)
			mem_deref(call);
		return;
	}

	secs = min(RETRY_MAX_S, 2u << min(call->attempts, 5u));
	state_report(call, RADIO_GROUP_FAILED, call->reason);
	tmr_start(&call->retry, secs * 1000, retry_handler, call);
}


static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct mcptt_call *call = arg;
	const char *reason = "bad body";
	struct mcptt_sdp_remote r;
	struct mcptt_info mi;
	struct mcptt_body b;
	int err;

	err = body_read(&b, &mi, msg, &reason);
	err = err ? err : mcptt_sdp_decode(call->sdp, &r, &b.sdp, false,
					   &reason);
	if (err) {
		str_ncpy(call->reason, reason, sizeof(call->reason));
		return err;
	}

	if (call->st == RADIO_GROUP_JOINED) {
		/* answer to our emergency re-INVITE: media stays put */
		if (call->emerg_want != call->emergency)
			emergency_report(call, call->emerg_want,
					 call->mc->aor);
		return 0;
	}

	call->r = r;
	if (mi.has & MI_EMERG)
		call->emergency = mi.emergency;

	return 0;
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct mcptt_call *call = arg;
	int err;

	call->attempts = 0;
	err = mcptt_media_start(call);
	err = err ? err : mcptt_floor_start(call);
	if (err) {
		re_snprintf(call->reason, sizeof(call->reason),
			    "media setup failed: %m", err);
		fail(call, 0, call->reason, false);
		return;
	}

	state_report(call, RADIO_GROUP_JOINED, NULL);
	if (call->emerg_want && !call->emergency)
		call->emergency = true;
	if (call->emergency)
		emergency_report(call, true, call->mc->aor);
}


static void progr_handler(const struct sip_msg *msg, void *arg)
{
	struct mcptt_call *call = arg;

	if (call->kind == MCPTT_PRIVATE && msg->scode == 180)
		state_report(call, RADIO_GROUP_JOINING, "ringing");
}


/* The network's re-INVITE: emergency raised or cancelled in the group */
static int offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			 void *arg)
{
	struct mcptt_call *call = arg;
	const char *reason = "bad body";
	struct mcptt_sdp_remote r;
	struct mcptt_info mi;
	struct mcptt_body b;
	int err;

	err = body_read(&b, &mi, msg, &reason);
	if (!err && pl_isset(&b.sdp))
		err = mcptt_sdp_decode(call->sdp, &r, &b.sdp, true, &reason);
	if (err)
		return err;   /* libre answers 488 */

	alias_learn(call, msg);
	if ((mi.has & MI_EMERG) && mi.emergency != call->emergency) {
		emergency_report(call, mi.emergency, (mi.has & MI_CALLING) ?
				 mi.calling : NULL);
	}

	return body_make(descp, call, !pl_isset(&b.sdp), false);
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct mcptt_call *call = arg;
	const struct fail_rule *rule;

	if (err == ECONNRESET && !msg) {
		/* BYE from the network: the group call ended */
		session_down(call);
		state_report(call, RADIO_GROUP_IDLE, "call ended by network");
		mem_deref(call);
		return;
	}

	if (err) {
		if (err == EBADMSG || err == EPROTO)
			fail(call, 0, *call->reason ? call->reason :
			     "bad answer", false);
		else
			fail(call, 0, err == ETIMEDOUT ? "no answer" :
			     "link failure", true);
		return;
	}

	rule = msg ? rule_find(msg->scode) : NULL;
	if (rule) {
		const char *w = call->kind == MCPTT_PRIVATE ? rule->why_pc :
			rule->why;
		char why[96];

		if (w)
			str_ncpy(why, w, sizeof(why));
		else
			(void)pl_strcpy(&msg->reason, why, sizeof(why));
		fail(call, msg->scode, why, rule->retry);
		return;
	}

	session_down(call);
	state_report(call, RADIO_GROUP_IDLE, "call ended");
	mem_deref(call);
}


static int contact_make(char *buf, size_t sz, struct mcptt *mc)
{
	struct sa la;
	int err;

	/* libre 1.1.0 writes no Contact header parameters for sessions:
	 * the feature tags ride as URI parameters */
	err = sip_transp_laddr(mc->sip, &la, SIP_TRANSP_TLS, NULL);
	if (err)
		return err;

	return re_snprintf(buf, sz, "sip:iccs@%J;transport=tls;" FEATURES,
			   &la) < 0 ? ENOMEM : 0;
}


static int session_connect(struct mcptt_call *call)
{
	struct mcptt *mc = call->mc;
	const char *routev[1] = {mc->route};
	struct mbuf *desc = NULL;
	char contact[160];
	int err;

	call->attempts++;
	call->reason[0] = '\0';
	err = local_prepare(call);
	err = err ? err : contact_make(contact, sizeof(contact), mc);
	err = err ? err : body_make(&desc, call, true, true);
	if (err)
		goto out;

	err = sipsess_connect(&call->sess, mc->sock, mc->psi, NULL, mc->aor,
			      contact, routev, 1, CTYPE, desc, NULL, NULL,
			      false, offer_handler, answer_handler,
			      progr_handler, estab_handler, NULL, NULL,
			      close_handler, call,
			      "Accept-Contact: *;+g.3gpp.mcptt;require;"
			      "explicit\r\n"
			      "P-Preferred-Service: urn:urn-7:3gpp-service."
			      "ims.icsi.mcptt\r\n%s",
			      call->emerg_want ?
			      "Resource-Priority: mcpttp.15\r\n" : "");
 out:
	mem_deref(desc);
	if (err)
		session_down(call);

	return err;
}


static void retry_handler(void *arg)
{
	struct mcptt_call *call = arg;
	int err;

	state_report(call, RADIO_GROUP_JOINING, "retrying");
	err = session_connect(call);
	if (err)
		fail(call, 0, "could not send INVITE", true);
}


static int call_alloc(struct mcptt_call **callp, struct mcptt *mc,
		      enum mcptt_kind kind, const char *id,
		      const char *target)
{
	struct mcptt_call *call;

	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call)
		return ENOMEM;

	call->mc = mc;
	call->kind = kind;
	str_ncpy(call->id, id, sizeof(call->id));
	str_ncpy(call->target, target, sizeof(call->target));
	(void)re_snprintf(call->stream, sizeof(call->stream), "esn:%s", id);
	tmr_init(&call->retry);
	list_append(&mc->calls, &call->le, call);

	*callp = call;
	return 0;
}


int mcptt_group_join(struct mcptt *mc, const char *tg, const char *group)
{
	struct mcptt_call *call = mcptt_call_find(mc, tg);
	int err;

	if (!tg || !group || strlen(tg) >= sizeof(call->id) ||
	    strlen(group) >= MCPTT_URI_MAX || strncmp(group, "sip", 3))
		return EINVAL;
	if (call && call->st != RADIO_GROUP_FAILED)
		return EALREADY;
	if (call)
		mem_deref(call);

	err = call_alloc(&call, mc, MCPTT_GROUP, tg, group);
	if (err)
		return err;

	state_report(call, RADIO_GROUP_JOINING, NULL);
	err = session_connect(call);
	if (err)
		mem_deref(call);

	return err;
}


/* We end a call of ours: libre sends BYE or CANCEL */
static int call_end(struct mcptt *mc, const char *id,
		    enum mcptt_kind kind, const char *why)
{
	struct mcptt_call *call = mcptt_call_find(mc, id);

	if (!call || call->kind != kind)
		return ENOENT;

	session_down(call);
	state_report(call, RADIO_GROUP_IDLE, why);
	mem_deref(call);
	return 0;
}


int mcptt_group_leave(struct mcptt *mc, const char *tg)
{
	return call_end(mc, tg, MCPTT_GROUP, "left");
}


/* Imminent peril and broadcast group calls [simplified]: the joined
 * group session is re-INVITEd with imminentperil-ind / broadcast-ind and
 * the floor requests that follow carry the matching Floor Indicator.
 * Back to a normal call with both false. */
int mcptt_call_kind(struct mcptt *mc, const char *tg, bool imminent,
		    bool broadcast)
{
	struct mcptt_call *call = mcptt_call_find(mc, tg);
	struct mbuf *desc = NULL;
	int err;

	if (!call || call->kind != MCPTT_GROUP)
		return ENOENT;
	if (call->st != RADIO_GROUP_JOINED || !call->sess)
		return ENOTCONN;
	if (call->imminent == imminent && call->broadcast == broadcast)
		return 0;

	call->imminent = imminent;
	call->broadcast = broadcast;
	err = body_make(&desc, call, true, true);
	if (!err)
		err = sipsess_modify(call->sess, desc);
	mem_deref(desc);

	return err;
}


int mcptt_emergency(struct mcptt *mc, const char *tg, bool on)
{
	struct mcptt_call *call = mcptt_call_find(mc, tg);
	struct mbuf *desc = NULL;
	int err;

	if (!call)
		return ENOENT;
	if (call->st != RADIO_GROUP_JOINED || !call->sess)
		return ENOTCONN;
	if (on == call->emergency)
		return 0;

	call->emerg_want = on;
	err = body_make(&desc, call, true, true);
	if (!err)
		err = sipsess_modify(call->sess, desc);
	mem_deref(desc);

	return err;
}


/* ---- private calls ---- */

int mcptt_private_call(struct mcptt *mc, char **callp, const char *peer,
		       bool emergency)
{
	struct mcptt_call *call;
	char id[32];
	int err;

	if (!callp || !peer || strncmp(peer, "sip", 3) ||
	    strlen(peer) >= MCPTT_URI_MAX)
		return EINVAL;

	(void)re_snprintf(id, sizeof(id), "esn-pc-%u", ++mc->callseq);
	err = call_alloc(&call, mc, MCPTT_PRIVATE, id, peer);
	if (err)
		return err;

	call->emerg_want = emergency;
	err = session_connect(call);
	err = err ? err : str_dup(callp, id);
	if (err)
		mem_deref(call);

	return err;
}


static int incoming_check(struct mcptt_call *call, const struct sip_msg *msg,
			  const char **reason)
{
	struct mcptt_info mi;
	struct mcptt_body b;
	int err;

	err = body_read(&b, &mi, msg, reason);
	if (err)
		return err;
	if (!(mi.has & MI_STYPE) || mi.stype != MCPTT_ST_PRIVATE) {
		*reason = "only private calls are accepted";
		return EPROTO;
	}

	if (mi.has & MI_CALLING)
		str_ncpy(call->peer, mi.calling, sizeof(call->peer));
	else
		(void)pl_strcpy(&msg->from.auri, call->peer,
				sizeof(call->peer));
	call->emergency = (mi.has & MI_EMERG) && mi.emergency;

	err = local_prepare(call);
	err = err ? err : mcptt_sdp_decode(call->sdp, &call->r, &b.sdp, true,
					   reason);
	return err;
}


/* An INVITE outside any dialog: a private call to this dispatcher */
void mcptt_sess_conn(const struct sip_msg *msg, void *arg)
{
	struct mcptt *mc = arg;
	const struct radio_events *e = mc->ev;
	const char *reason = "bad body";
	struct mcptt_call *call;
	char id[32], contact[160];
	int err;

	(void)re_snprintf(id, sizeof(id), "esn-pc-%u", ++mc->callseq);
	if (call_alloc(&call, mc, MCPTT_PRIVATE, id, "")) {
		(void)sip_treply(NULL, mc->sip, msg, 500, "Server Error");
		return;
	}
	call->incoming = true;

	err = incoming_check(call, msg, &reason);
	if (err) {
		(void)sip_treplyf(NULL, NULL, mc->sip, msg, false,
				  err == EPROTO ? 403 : 488, "Not Acceptable",
				  "Warning: 399 %s \"%s\"\r\n"
				  "Content-Length: 0\r\n\r\n", mc->domain,
				  reason);
		mem_deref(call);
		return;
	}

	/* manual commencement: ring until the dispatcher answers */
	err = contact_make(contact, sizeof(contact), mc);
	err = err ? err : sipsess_accept(&call->sess, mc->sock, msg, 180,
					 "Ringing", contact, CTYPE, NULL,
					 NULL, NULL, false, offer_handler,
					 answer_handler, estab_handler, NULL,
					 NULL, close_handler, call, "");
	if (err) {
		(void)sip_treply(NULL, mc->sip, msg, 500, "Server Error");
		mem_deref(call);
		return;
	}

	alias_learn(call, msg);
	state_report(call, RADIO_GROUP_JOINING, "ringing");
	if (e->call_in)
		e->call_in(call->id, call->peer, *call->alias ? call->alias :
			   NULL, call->emergency, mc->arg);
}


int mcptt_private_answer(struct mcptt *mc, const char *id, bool accept)
{
	struct mcptt_call *call = mcptt_call_find(mc, id);
	struct mbuf *desc = NULL;
	int err;

	if (!call || !call->incoming)
		return ENOENT;
	if (!call->sess || call->st != RADIO_GROUP_JOINING)
		return EALREADY;

	if (!accept) {
		err = sipsess_reject(call->sess, 480, "Temporarily "
				     "Unavailable", "Warning: 399 %s \"110 "
				     "user declined the call invitation\""
				     "\r\n", mc->host);
		session_down(call);
		state_report(call, RADIO_GROUP_IDLE, "declined");
		mem_deref(call);
		return err;
	}

	err = body_make(&desc, call, false, false);
	err = err ? err : sipsess_answer(call->sess, 200, "OK", desc, "");
	mem_deref(desc);

	return err;
}


int mcptt_private_hangup(struct mcptt *mc, const char *id)
{
	return call_end(mc, id, MCPTT_PRIVATE, "hung up");
}
