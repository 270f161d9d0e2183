/**
 * @file intercom.c  Position-to-position intercom (no SIP)
 *
 * The media engine mixes streams into headsets and sends microphones
 * out on streams; it has no position-to-position path.  An intercom is
 * therefore a voice pair: two media streams on the loopback address
 * sending to each other, one per position.  A position talks on its own
 * stream (its microphone goes out, as on a call leg) and hears the
 * other position from the same stream.  Being streams, both are seen
 * by the recording tap like call legs ("icom-<id>-<position>": its
 * transmission is that position's voice, what it receives the other's).
 * Supervision (supervise.c) uses the same pair between supervisor and
 * call taker.
 *
 * An intercom rings at the called position (event "intercom.update")
 * until answered, hung up by either side, or the ring time passes.
 */
#include <string.h>
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

#define MOD "intercom"

enum icom_state { ICOM_RINGING = 0, ICOM_CONNECTED, ICOM_ENDED };

struct icom {
	struct le le;                 /* phone->icoms                  */
	struct phone *ph;
	uint64_t id;
	enum icom_state st;
	struct vpair vp;              /* pos[0] called pos[1]          */
	struct tmr ring;
	uint64_t start;               /* unix ms                       */
	uint64_t call;                /* a consult: the held caller    */
};


/* Is pos talking on anything but stream (a call or another pair)?
 * Its microphone stays open then. */
static bool pos_talking(const struct phone *ph, const char *pos,
			const char *stream)
{
	struct le *le;

	LIST_FOREACH(&ph->calls, le) {
		const struct pcall *c = le->data;

		if (c->st == PCALL_CONNECTED && !strcmp(c->pos, pos) &&
		    strcmp(c->stream, stream))
			return true;
	}
	LIST_FOREACH(&ph->icoms, le) {
		const struct icom *ic = le->data;

		for (int i = 0; ic->vp.up && i < 2; i++) {
			if (!strcmp(ic->vp.pos[i], pos) &&
			    strcmp(ic->vp.stream[i], stream))
				return true;
		}
	}
	return false;
}


/* pos hears stream in its headset and talks on it (a call leg, one side
 * of a voice pair) */
void phone_route(struct phone *ph, const char *pos, const char *stream,
		 bool on)
{
	if (!pos || !*pos)
		return;

	(void)media_route(ph->media, pos, stream,
			  on ? MEDIA_HEADSET : MEDIA_OFF, 100);
	(void)media_ptt(ph->media, pos, stream, on);
	if (on || !pos_talking(ph, pos, stream))
		(void)pos_audio_call(ph->pa, pos, on);
	if (on)
		(void)media_position(ph->media, pos, true);
}


/* Two streams on the loopback address sending to each other:
 * <name>-<pos[i]> */
int vpair_up(struct phone *ph, struct vpair *vp, const char *name)
{
	struct sa lo[2];
	uint16_t port[2];
	int err = 0;

	for (int i = 0; !err && i < 2; i++) {
		(void)re_snprintf(vp->stream[i], sizeof(vp->stream[i]),
				  "%s-%s", name, vp->pos[i]);
		err = sa_set_str(&lo[i], "127.0.0.1", 0);
		err = err ? err : phone_port_pick(ph, &lo[i], &port[i]);
		if (!err)
			sa_set_port(&lo[i], port[i]);
	}

	for (int i = 0; !err && i < 2; i++) {
		struct media_stream_cfg cfg = {0};

		str_ncpy(cfg.id, vp->stream[i], sizeof(cfg.id));
		cfg.local = &lo[i];
		cfg.remote = &lo[1 - i];
		cfg.codec = "L16";    /* loopback: wideband costs nothing */
		err = media_stream_add(ph->media, &cfg);
		if (err && i)
			(void)media_stream_remove(ph->media, vp->stream[0]);
	}

	vp->up = !err;
	return err;
}


void vpair_down(struct phone *ph, struct vpair *vp)
{
	if (!vp->up)
		return;

	vp->up = false;
	for (int i = 0; i < 2; i++) {
		phone_route(ph, vp->pos[i], vp->stream[i], false);
		(void)media_stream_remove(ph->media, vp->stream[i]);
	}
}


static const char *state_name(enum icom_state st)
{
	static const char *names[] = {"ringing", "connected", "ended"};

	return names[st];
}


static json_t *icom_json(const struct icom *ic)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}",
			 "id", (json_int_t)ic->id,
			 "from", ic->vp.pos[0], "to", ic->vp.pos[1],
			 "state", state_name(ic->st),
			 "start", (json_int_t)ic->start,
			 "call", (json_int_t)ic->call);
}


static void publish(const struct icom *ic, const char *reason)
{
	json_t *j = icom_json(ic);

	if (j && reason)
		json_object_set_new(j, "reason", json_string(reason));
	if (j)
		bus_publish("intercom.update", j);
	json_decref(j);
}


static void icom_destructor(void *arg)
{
	struct icom *ic = arg;

	list_unlink(&ic->le);
	tmr_cancel(&ic->ring);
	vpair_down(ic->ph, &ic->vp);
}


static void icom_end(struct icom *ic, const char *reason)
{
	struct pcall *a = ic->call ? phone_call_find(ic->ph, ic->call) : NULL;
	char obj[32];
	json_t *d;

	/* a consult's intercom ended: the caller stays held at the
	 * position, which resumes, or consults again */
	if (a && a->icom == ic->id) {
		a->icom = 0;
		phone_call_publish(ic->ph, a);
	}
	ic->st = ICOM_ENDED;
	(void)re_snprintf(obj, sizeof(obj), "%llu",
			  (unsigned long long)ic->id);
	d = json_pack("{s:s, s:s}", "from", ic->vp.pos[0], "to",
		      ic->vp.pos[1]);
	(void)audit_log(ic->ph->audit, "system", NULL, "intercom.end", obj,
			reason, d);
	json_decref(d);
	log_info(MOD, "intercom %llu %s -> %s ended: %s",
		 (unsigned long long)ic->id, ic->vp.pos[0], ic->vp.pos[1],
		 reason);
	publish(ic, reason);
	mem_deref(ic);
}


static void ring_timeout(void *arg)
{
	icom_end(arg, "no_answer");
}


static struct icom *icom_find(const struct phone *ph, uint64_t id)
{
	struct le *le;

	LIST_FOREACH(&ph->icoms, le) {
		struct icom *ic = le->data;

		if (ic->id == id)
			return ic;
	}
	return NULL;
}


static bool in_intercom(const struct phone *ph, const char *pos)
{
	struct le *le;

	LIST_FOREACH(&ph->icoms, le) {
		const struct icom *ic = le->data;

		if (!strcmp(ic->vp.pos[0], pos) || !strcmp(ic->vp.pos[1], pos))
			return true;
	}
	return false;
}


/* pos calls to; call: the caller held while pos consults, or 0 */
static int icom_start(struct phone *ph, const char *pos, const char *to,
		      uint64_t call, uint64_t *id)
{
	struct icom *ic;

	if (!ph || !phone_agent_id(ph, pos))
		return EPERM;
	if (!phone_agent_id(ph, to))
		return ENOENT;
	if (!strcmp(pos, to))
		return EINVAL;
	if (in_intercom(ph, pos) || in_intercom(ph, to))
		return EBUSY;

	ic = mem_zalloc(sizeof(*ic), icom_destructor);
	if (!ic)
		return ENOMEM;

	ic->ph = ph;
	ic->id = ++ph->seq;
	ic->start = phone_unix_ms();
	ic->call = call;
	str_ncpy(ic->vp.pos[0], pos, sizeof(ic->vp.pos[0]));
	str_ncpy(ic->vp.pos[1], to, sizeof(ic->vp.pos[1]));
	tmr_init(&ic->ring);
	list_append(&ph->icoms, &ic->le, ic);
	tmr_start(&ic->ring, ph->conf->tel_ring_s * 1000, ring_timeout, ic);
	log_info(MOD, "intercom %llu: %s calls %s",
		 (unsigned long long)ic->id, pos, to);
	publish(ic, NULL);
	*id = ic->id;
	return 0;
}


int phone_icom_call(struct phone *ph, const char *pos, const char *to,
		    uint64_t *id)
{
	return icom_start(ph, pos, to, 0, id);
}


int phone_icom_answer(struct phone *ph, const char *pos, uint64_t id)
{
	struct icom *ic = ph ? icom_find(ph, id) : NULL;
	char name[32];
	int err;

	if (!ic)
		return ENOENT;
	if (strcmp(ic->vp.pos[1], pos))
		return EPERM;
	if (ic->st != ICOM_RINGING)
		return EPROTO;

	(void)re_snprintf(name, sizeof(name), "icom-%llu",
			  (unsigned long long)ic->id);
	err = vpair_up(ph, &ic->vp, name);
	if (err)
		return err;

	tmr_cancel(&ic->ring);
	ic->st = ICOM_CONNECTED;
	for (int i = 0; i < 2; i++)
		phone_route(ph, ic->vp.pos[i], ic->vp.stream[i], true);
	publish(ic, NULL);
	return 0;
}


/* Either side hangs up (the called side's hang-up while ringing is a
 * refusal) */
int phone_icom_hangup(struct phone *ph, const char *pos, uint64_t id)
{
	struct icom *ic = ph ? icom_find(ph, id) : NULL;

	if (!ic)
		return ENOENT;
	if (strcmp(ic->vp.pos[0], pos) && strcmp(ic->vp.pos[1], pos))
		return EPERM;

	icom_end(ic, ic->st == ICOM_RINGING && !strcmp(ic->vp.pos[1], pos) ?
		 "refused" : "hungup");
	return 0;
}


json_t *phone_icom_json(const struct phone *ph, const char *pos)
{
	json_t *arr = json_array();
	struct le *le;

	LIST_FOREACH(ph ? &ph->icoms : NULL, le) {
		const struct icom *ic = le->data;

		if (!strcmp(ic->vp.pos[0], pos) || !strcmp(ic->vp.pos[1], pos))
			json_array_append_new(arr, icom_json(ic));
	}
	return arr;
}


void icom_position_gone(struct phone *ph, const char *pos)
{
	struct le *le = list_head(&ph->icoms);

	while (le) {
		struct icom *ic = le->data;

		le = le->next;
		if (!strcmp(ic->vp.pos[0], pos) || !strcmp(ic->vp.pos[1], pos))
			icom_end(ic, "position_gone");
	}
}


void icom_shutdown(struct phone *ph)
{
	while (!list_isempty(&ph->icoms))
		icom_end(list_head(&ph->icoms)->data, "restart");
}


/* Consult a position about the held caller a: an intercom to it */
int icom_consult(struct phone *ph, struct pcall *a, const char *to)
{
	uint64_t id;
	int err = icom_start(ph, a->pos, to, a->id, &id);

	if (!err)
		a->icom = id;
	return err;
}


/* The consult's intercom ends (completed or cancelled) */
void icom_consult_end(struct phone *ph, struct pcall *a, const char *why)
{
	struct icom *ic = icom_find(ph, a->icom);

	a->icom = 0;
	if (ic)
		icom_end(ic, why);
}


/* Attended transfer to the consulted position: it agreed over the
 * intercom, so the call connects there at once (it must be free) */
int icom_consult_complete(struct phone *ph, struct pcall *a)
{
	struct icom *ic = icom_find(ph, a->icom);
	char to[PHONE_ID_MAX];
	int err;

	if (!ic || ic->st != ICOM_CONNECTED)
		return EPROTO;
	str_ncpy(to, ic->vp.pos[1], sizeof(to));
	if (acd_agent_state(ph->acd, phone_agent_id(ph, to)) !=
	    ACD_A_AVAILABLE)
		return EBUSY;

	icom_consult_end(ph, a, "consult_completed");
	err = phone_leave(ph, a);
	if (err)
		return err;
	err = phone_direct_offer(ph, a, to);
	if (err) {     /* it just went: never lose the call */
		phone_direct_requeue(ph, a);
		return 0;
	}
	return phone_answer(ph, to, a->id);
}
