/**
 * @file watch.c  Callers who vanish, callers who cannot speak
 *
 * Once a second, from the media engine's per-stream counters:
 *  - a leg whose far end sent no RTP for telephony.rtp_timeout_s is
 *    ended (audited "rtp_timeout"): under overload or a network fault a
 *    caller can vanish without a BYE, and the call must not hold a call
 *    taker or a queue place for ever;
 *  - a connected caller whose audio carried no speech energy for
 *    telephony.silent_s is flagged silent to the call taker (event
 *    "call.silent" and the call's "silent" field): a caller who cannot
 *    speak (silent 999 call) must not be taken for a dead line.  The
 *    flag clears when speech comes.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "core/bus.h"
#include "media/media.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"


static uint64_t stat_of(const json_t *st, const char *stream,
			const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(
		json_object_get(st, stream), key));
}


static void silent_set(struct phone *ph, struct pcall *c, bool on)
{
	json_t *j;

	if (c->silent == on)
		return;

	c->silent = on;
	if (on)
		log_notice(MOD, "call %llu at %s: silent caller",
			   (unsigned long long)c->id, c->pos);
	j = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)c->id,
		      "position", c->pos, "silent", on);
	if (j)
		bus_publish("call.silent", j);
	json_decref(j);
	phone_call_publish(ph, c);
}


static void vanished(struct phone *ph, struct pcall *c)
{
	log_notice(MOD, "call %llu: no RTP for %u s, ended",
		   (unsigned long long)c->id, ph->conf->tel_rtp_timeout_s);
	c->end_why = "rtp_timeout";
	if (c->direct || c->unmanaged)
		phone_direct_end(ph, c, c->end_why);
	else
		(void)acd_call_abandon(ph->acd, c->id, phone_mono_ms());
}


/* One leg; true if it ended */
static bool watch_leg(struct phone *ph, struct pcall *c, const json_t *st,
		      uint64_t now)
{
	const struct conf *cf = ph->conf;
	uint64_t pk = stat_of(st, c->stream, "rx_packets");
	uint64_t sp = stat_of(st, c->stream, "rx_speech");
	bool spoke = sp != c->speech;

	if (!c->rx_at || pk != c->rx_pkts) {
		c->rx_pkts = pk;
		c->rx_at = now;
	}
	/* the silence is counted while connected only */
	if (!c->speech_at || spoke || c->st != PCALL_CONNECTED) {
		c->speech = sp;
		c->speech_at = now;
	}
	if (spoke && c->silent)
		silent_set(ph, c, false);

	if (cf->tel_rtp_timeout_s && c->media_up &&
	    now - c->rx_at >= cf->tel_rtp_timeout_s * 1000ull) {
		vanished(ph, c);
		return true;
	}

	if (cf->tel_silent_s && c->st == PCALL_CONNECTED && *c->pos &&
	    !c->outbound && now - c->speech_at >= cf->tel_silent_s * 1000ull)
		silent_set(ph, c, true);

	return false;
}


void phone_watch(struct phone *ph, uint64_t now)
{
	json_t *st;
	struct le *le;

	if (!ph->conf->tel_rtp_timeout_s && !ph->conf->tel_silent_s)
		return;

	st = media_stats(ph->media);
	le = list_head(&ph->calls);
	while (le) {
		struct pcall *c = le->data;

		if (c->st == PCALL_ENDED || c->st == PCALL_DIALING ||
		    !watch_leg(ph, c, st, now)) {
			le = le->next;
			continue;
		}
		le = list_head(&ph->calls);   /* it ended, maybe its link */
	}
	json_decref(st);
}
