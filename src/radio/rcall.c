/**
 * @file rcall.c  Private (individual) radio calls at the console
 *
 * The bearer does the signalling (mcptt_sip.c for ESN); this file keeps
 * what the console needs: who is calling, which position has the call,
 * where its voice goes, the floor within the call.  A call stays in the
 * list for a short while after it ended so every console sees how it
 * ended (declined, busy, no answer, hung up).
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "media/media.h"
#include "position/pos_audio.h"
#include "radio/radio.h"
#include "radio/tg.h"
#include "radio/rcall.h"

#define MOD "rcall"

enum {
	LINGER_MS = 10000,       /* an ended call stays visible this long */
	VOLUME    = 100,
};

enum pc_state { PC_RINGING = 0, PC_CONNECTED, PC_ENDED };

static const char *state_names[] = {"ringing", "connected", "ended"};

static const char *floor_names[] = {
	[RADIO_FLOOR_IDLE]       = "idle",
	[RADIO_FLOOR_REQUESTING] = "requesting",
	[RADIO_FLOOR_GRANTED]    = "granted",
	[RADIO_FLOOR_QUEUED]     = "queued",
	[RADIO_FLOOR_DENIED]     = "denied",
	[RADIO_FLOOR_TAKEN]      = "taken",
	[RADIO_FLOOR_REVOKED]    = "revoked",
	[RADIO_FLOOR_RELEASED]   = "idle",
	[RADIO_FLOOR_NO_ANSWER]  = "no_answer",
};

struct rcall {
	struct le le;
	struct rcall_service *ps;
	struct bearer *b;
	char id[64];
	char peer[128];            /* the radio's id                    */
	char alias[64];
	char pos[32];              /* the position with the call, or "" */
	bool incoming, emergency;
	enum pc_state st;
	char reason[128];
	char stream[64];           /* voice stream once connected       */
	bool ptt;                  /* the position holds its PTT        */
	bool tx;                   /* the floor lets it talk            */
	enum radio_floor_state fst;
	char talker[128];
	int64_t since;             /* ms, wall clock                    */
	struct tmr tmr_linger;
};

struct rcall_service {
	const struct conf *conf;
	struct tg_service *tgs;
	struct media *media;
	struct pos_audio *pa;
	struct list calls;
};


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static struct rcall *find(const struct rcall_service *ps, const char *id)
{
	for (struct le *le = ps ? ps->calls.head : NULL; id && le;
	     le = le->next) {
		struct rcall *c = le->data;

		if (!strcmp(c->id, id))
			return c;
	}
	return NULL;
}


json_t *rcall_json(const struct rcall_service *ps, const char *id)
{
	const struct rcall *c = find(ps, id);
	const char *talker_alias;

	if (!c)
		return NULL;
	talker_alias = conf_alias(ps->conf, c->talker);
	return json_pack("{s:s, s:s, s:s?, s:s, s:b, s:b, s:s?, s:s?, s:I,"
			 " s:{s:s, s:b, s:b, s:s?, s:s?}}",
		"call", c->id, "peer", c->peer,
		"alias", c->alias[0] ? c->alias : NULL,
		"state", state_names[c->st],
		"incoming", c->incoming, "emergency", c->emergency,
		"position", c->pos[0] ? c->pos : NULL,
		"reason", c->reason[0] ? c->reason : NULL,
		"since", (json_int_t)c->since,
		"floor", "state", floor_names[c->fst], "ptt", c->ptt,
		"tx", c->tx, "talker", c->talker[0] ? c->talker : NULL,
		"talker_alias", talker_alias ? talker_alias :
		(c->talker[0] && !strcmp(c->talker, c->peer) &&
		 c->alias[0] ? c->alias : NULL));
}


json_t *rcall_list_json(const struct rcall_service *ps)
{
	json_t *arr = json_array();

	for (struct le *le = ps ? ps->calls.head : NULL; arr && le;
	     le = le->next) {
		const struct rcall *c = le->data;

		json_array_append_new(arr, rcall_json(ps, c->id));
	}
	return arr;
}


static void publish(struct rcall *c)
{
	json_t *j = rcall_json(c->ps, c->id);

	if (j)
		bus_publish("radio.call", j);
	json_decref(j);
}


static void call_destructor(void *data)
{
	struct rcall *c = data;

	tmr_cancel(&c->tmr_linger);
	list_unlink(&c->le);
}


static void linger_tmr(void *arg)
{
	mem_deref(arg);
}


/* Voice to the position's headset and its microphone to the call: on
 * while connected (and, for the mic, while the floor lets it talk) */
static void media_apply(struct rcall *c)
{
	struct rcall_service *ps = c->ps;
	bool up = c->st == PC_CONNECTED && c->stream[0] && c->pos[0];

	if (!c->stream[0] || !c->pos[0])
		return;
	(void)media_route(ps->media, c->pos, c->stream,
			  up ? MEDIA_HEADSET : MEDIA_OFF, VOLUME);
	(void)media_ptt(ps->media, c->pos, c->stream, up && c->ptt && c->tx);
}


static void ended(struct rcall *c, const char *reason)
{
	if (c->st == PC_ENDED)
		return;
	if (c->ptt && c->pos[0])
		(void)pos_audio_ptt(c->ps->pa, c->pos, false);
	c->st = PC_ENDED;
	c->ptt = c->tx = false;
	str_ncpy(c->reason, reason ? reason : "ended", sizeof(c->reason));
	media_apply(c);
	c->stream[0] = '\0';
	log_info(MOD, "private call %s with %s ended: %s", c->id, c->peer,
		 c->reason);
	publish(c);
	tmr_start(&c->tmr_linger, LINGER_MS, linger_tmr, c);
}


static int call_new(struct rcall **cp, struct rcall_service *ps,
		    struct bearer *b, const char *id, const char *peer,
		    const char *alias)
{
	struct rcall *c = mem_zalloc(sizeof(*c), call_destructor);
	const char *dir_alias = conf_alias(ps->conf, peer);

	if (!c)
		return ENOMEM;
	c->ps = ps;
	c->b = b;
	c->since = now_ms();
	tmr_init(&c->tmr_linger);
	str_ncpy(c->id, id, sizeof(c->id));
	str_ncpy(c->peer, peer ? peer : "", sizeof(c->peer));
	/* the fleet directory names radios the way this room knows them */
	str_ncpy(c->alias, dir_alias ? dir_alias : alias ? alias : "",
		 sizeof(c->alias));
	list_append(&ps->calls, &c->le, c);
	*cp = c;
	return 0;
}


/* ---- bearer events (through tg.c) ---- */

static void ev_call_in(struct bearer *b, const char *id, const char *from,
		       const char *alias, bool emergency, void *arg)
{
	struct rcall_service *ps = arg;
	struct rcall *c;

	if (find(ps, id) || call_new(&c, ps, b, id, from, alias))
		return;
	c->incoming = true;
	c->emergency = emergency;
	log_notice(MOD, "%sprivate call %s from %s%s%s",
		   emergency ? "EMERGENCY " : "", id, from,
		   c->alias[0] ? " " : "", c->alias);
	publish(c);
}


static void ev_call(struct bearer *b, const char *id, int st,
		    const char *reason, const char *stream, void *arg)
{
	struct rcall_service *ps = arg;
	struct rcall *c = find(ps, id);

	if (!c || c->st == PC_ENDED)
		return;

	switch (st) {

	case RADIO_CALL_RINGING:
		c->st = PC_RINGING;
		break;

	case RADIO_CALL_CONNECTED:
		c->st = PC_CONNECTED;
		c->reason[0] = '\0';
		str_ncpy(c->stream, stream ? stream : "", sizeof(c->stream));
		media_apply(c);
		break;

	default:
		ended(c, reason);
		return;
	}
	publish(c);
}


static void ev_floor(struct bearer *b, const char *id,
		     const struct radio_floor *f, void *arg)
{
	struct rcall *c = find(arg, id);

	if (!c || c->st == PC_ENDED)
		return;
	c->fst = f->state;
	c->tx = f->tx;
	str_ncpy(c->talker, f->talker ? f->talker : "", sizeof(c->talker));
	media_apply(c);
	publish(c);
}


static const struct tg_call_h call_h = {
	.call_in = ev_call_in,
	.call    = ev_call,
	.floor   = ev_floor,
};


/* ---- console requests ---- */

/* A directory alias ("Lima Two One") names its radio id */
static const char *resolve(const struct conf *cf, const char *to)
{
	for (size_t i = 0; i < cf->directoryc; i++) {
		if (!str_casecmp(cf->directory[i].alias, to))
			return cf->directory[i].id;
	}
	return to;
}


int rcall_dial(struct rcall_service *ps, const char *pos, const char *to,
	       bool emergency, const char **idp)
{
	const char *peer = ps && to ? resolve(ps->conf, to) : NULL;
	struct bearer *b = tg_bearer_for(ps ? ps->tgs : NULL, peer);
	struct rcall *c;
	char *id = NULL;
	int err;

	if (!pos || !idp)
		return EINVAL;
	if (!b || !b->ops->private_call)
		return ENOENT;

	err = b->ops->private_call(b, &id, peer, emergency);
	if (err)
		return err;
	err = call_new(&c, ps, b, id, peer, NULL);
	mem_deref(id);
	if (err)
		return err;

	c->emergency = emergency;
	str_ncpy(c->pos, pos, sizeof(c->pos));
	log_info(MOD, "%s calls %s (%s)", pos, peer, c->id);
	publish(c);
	*idp = c->id;
	return 0;
}


int rcall_answer(struct rcall_service *ps, const char *pos,
		 const char *id, bool accept)
{
	struct rcall *c = find(ps, id);
	int err;

	if (!c || !pos)
		return ENOENT;
	if (!c->incoming || c->st != PC_RINGING || c->pos[0])
		return EALREADY;

	err = c->b->ops->private_answer(c->b, c->id, accept);
	if (err)
		return err;
	if (!accept) {
		ended(c, "declined");
		return 0;
	}
	str_ncpy(c->pos, pos, sizeof(c->pos));
	publish(c);
	return 0;
}


int rcall_hangup(struct rcall_service *ps, const char *pos, const char *id)
{
	struct rcall *c = find(ps, id);

	if (!c || c->st == PC_ENDED)
		return ENOENT;
	if (strcmp(c->pos, pos ? pos : ""))
		return EPERM;
	(void)c->b->ops->private_hangup(c->b, c->id);
	ended(c, "hung up");
	return 0;
}


int rcall_ptt(struct rcall_service *ps, const char *pos, const char *id,
	      bool on)
{
	struct rcall *c = find(ps, id);
	int err = 0;

	if (!c || c->st != PC_CONNECTED)
		return ENOENT;
	if (strcmp(c->pos, pos ? pos : ""))
		return EPERM;
	if (c->ptt == on)
		return 0;

	c->ptt = on;
	(void)pos_audio_ptt(ps->pa, pos, on);
	if (on && c->b->ops->ptt_request)
		err = c->b->ops->ptt_request(c->b, c->id, 255, c->emergency);
	else if (!on && c->b->ops->ptt_release)
		err = c->b->ops->ptt_release(c->b, c->id);
	if (!on)
		c->tx = false;
	media_apply(c);
	publish(c);
	return err;
}


void rcall_release(struct rcall_service *ps, const char *pos)
{
	for (struct le *le = ps ? ps->calls.head : NULL; le; le = le->next) {
		struct rcall *c = le->data;

		if (c->ptt && pos && !strcmp(c->pos, pos))
			(void)rcall_ptt(ps, pos, c->id, false);
	}
}


void rcall_position_gone(struct rcall_service *ps, const char *pos)
{
	struct le *le = ps ? ps->calls.head : NULL;

	while (le) {
		struct rcall *c = le->data;

		le = le->next;
		if (c->st != PC_ENDED && pos && !strcmp(c->pos, pos))
			(void)rcall_hangup(ps, pos, c->id);
	}
}


static void destructor(void *data)
{
	struct rcall_service *ps = data;

	tg_calls_attach(ps->tgs, NULL, NULL);
	list_flush(&ps->calls);
	mem_deref((struct conf *)ps->conf);
}


int rcall_alloc(struct rcall_service **psp, const struct conf *conf,
		struct tg_service *tgs, struct media *media,
		struct pos_audio *pa)
{
	struct rcall_service *ps;

	if (!psp || !conf)
		return EINVAL;
	ps = mem_zalloc(sizeof(*ps), destructor);
	if (!ps)
		return ENOMEM;
	ps->conf = mem_ref((struct conf *)conf);   /* outlives a reload */
	ps->tgs = tgs;
	ps->media = media;
	ps->pa = pa;
	tg_calls_attach(tgs, &call_h, ps);
	*psp = ps;
	return 0;
}
