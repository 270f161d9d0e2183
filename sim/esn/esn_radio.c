/**
 * @file esn_radio.c  Simulated field radios: network-side floor
 * participants that talk with real speech (espeak-ng, 16 kHz mono,
 * AMR-WB octet-aligned 20 ms frames over SRTP to every dispatcher of
 * the group) and raise or cancel emergencies.
 *
 * Frames are paced from CLOCK_MONOTONIC: the 20 ms tmr only wakes the
 * sender, which catches up with every frame due, since libre timers run
 * on wall-clock time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "media/codec.h"
#include "core/log.h"
#include "common/speech.h"
#include "esn_floor.h"
#include "esn.h"

enum { PT_AMRWB = 96 };

bool esn_radio_in(const struct esn_radio *r, const struct esn_group *g)
{
	if (g->pc_radio)
		return g->pc_radio == r;
	for (unsigned i = 0; i < r->groupc; i++) {
		if (!strcmp(r->groups[i], g->uri))
			return true;
	}
	return false;
}

/* every_s: a few seconds of speech in the radio's first group, when the
 * floor is free (a busy floor just skips a turn) */
static void sched_tmr(void *arg)
{
	struct esn_radio *r = arg;
	struct esn_group *g = r->groupc ?
		esn_group_find(r->esn, r->groups[0]) : NULL;

	tmr_start(&r->tmr_sched, r->every_s * 1000u, sched_tmr, r);
	if (g && !r->tgrp && !esn_floor_holder(&g->floor))
		(void)esn_radio_talk(r, g, 3, NULL);
}

int esn_radio_init(struct esn_radio *r)
{
	char text[256];

	tmr_init(&r->tmr);
	tmr_init(&r->tmr_sched);
	if (r->every_s)
		tmr_start(&r->tmr_sched, r->every_s * 1000u, sched_tmr, r);
	r->ssrc = rand_u32();
	if (r->speech_text)
		str_ncpy(text, r->speech_text, sizeof(text));
	else
		re_snprintf(text, sizeof(text), "%s, status report, over",
			    r->alias ? r->alias : r->id);
	if (sim_speech(text, &r->pcm, &r->pcmn))
		log_warn("esn", "radio %s: no speech (espeak-ng/sox)\n",
			 r->id);
	return codec_find("AMR-WB")->enc_alloc(&r->enc, "octet-align=1");
}

static void send_frame(struct esn_radio *r, const int16_t *pcm)
{
	uint8_t pkt[12 + CODEC_PAYLOAD_MAX];
	size_t len = CODEC_PAYLOAD_MAX;
	struct le *le;

	if (codec_find("AMR-WB")->encode(r->enc, pkt + 12, &len, pcm))
		return;
	pkt[0] = 0x80;
	pkt[1] = PT_AMRWB | (r->pos == AUD_FRAME ? 0x80 : 0);
	pkt[2] = r->seq >> 8;
	pkt[3] = r->seq & 0xff;
	for (int i = 0; i < 4; i++) {
		pkt[4 + i] = (uint8_t)(r->ts >> (24 - 8 * i));
		pkt[8 + i] = (uint8_t)(r->ssrc >> (24 - 8 * i));
	}
	++r->seq;
	r->ts += AUD_FRAME;
	for (le = r->tgrp->legs.head; le; le = le->next)
		esn_leg_rtp_send(le->data, pkt, 12 + len);
}

static void stop_talk(struct esn_radio *r, bool release)
{
	struct esn_group *g = r->tgrp;

	tmr_cancel(&r->tmr);
	r->tgrp = NULL;
	r->granted = false;
	if (release && g)
		esn_floor_release(&g->floor, r->part);
}

static void talk_tmr(void *arg)
{
	struct esn_radio *r = arg;
	int16_t frame[AUD_FRAME];
	uint64_t now = esn_now_ms();

	while (r->tgrp && r->t_next <= now) {
		if (r->t_next >= r->t_end) {
			stop_talk(r, true);
			return;
		}
		memset(frame, 0, sizeof(frame));
		for (size_t i = 0; i < AUD_FRAME && r->pcmn; i++)
			frame[i] = r->pcm[(r->pos + i) % r->pcmn];
		r->pos += AUD_FRAME;
		send_frame(r, frame);
		r->t_next += AUD_PTIME;
	}
	tmr_start(&r->tmr, 5, talk_tmr, r);
}

int esn_radio_talk(struct esn_radio *r, struct esn_group *g,
		   unsigned seconds, const char *text)
{
	struct esn_fl_req q = {.part = r->part, .prio = r->prio,
			       .emerg = r->emerg, .queueing = false};

	if (text && *text) {
		int16_t *pcm = NULL;
		size_t n = 0;
		int err = sim_speech(text, &pcm, &n);

		if (err)
			return err;
		mem_deref(r->pcm);
		r->pcm = pcm;
		r->pcmn = n;
	}
	stop_talk(r, true);
	esn_floor_join(&g->floor, r->part);
	r->tgrp = g;
	r->pos = 0;
	r->t_end = esn_now_ms() + (seconds ? seconds : 3) * 1000ull;
	esn_floor_request(&g->floor, &q);
	if (!r->granted) {
		r->tgrp = NULL;
		return EBUSY;
	}
	return 0;
}

/* What the floor server tells this radio */
void esn_radio_floor(struct esn_radio *r, const struct esn_fl_out *o)
{
	switch (o->act) {
	case ESN_FA_GRANT:
		if (!r->tgrp)
			break;
		r->granted = true;
		r->t_next = esn_now_ms();
		tmr_start(&r->tmr, 0, talk_tmr, r);
		break;
	case ESN_FA_REVOKE:
		log_info("esn", "radio %s revoked (%u)\n", r->id, o->cause);
		stop_talk(r, false);
		break;
	default:
		break;
	}
}

int esn_radio_emergency(struct esn_radio *r, struct esn_group *g, bool on)
{
	struct le *le;
	int err = 0;

	r->emerg = on;
	g->emerg = on;
	for (le = g->legs.head; le; le = le->next)
		err |= esn_sip_emergency(le->data, r, on);
	if (on)       /* the emergency talker pre-empts whoever talks */
		(void)esn_radio_talk(r, g, 3, NULL);
	return err;
}

/* g is going (a private call ended): stop talking into it */
void esn_radio_leave(struct esn_radio *r, const struct esn_group *g)
{
	if (r->tgrp == g)
		stop_talk(r, false);
}
