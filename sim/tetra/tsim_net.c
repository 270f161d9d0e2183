/**
 * @file tsim_net.c  The simulated TETRA network behind the terminal:
 * the one group call the terminal carries, field radios talking in it,
 * the dispatcher's transmissions through the gateway, SDS
 *
 * Voice is RTP between the radio gateway (this process) and iccsd, in
 * the configured codec.  What the dispatcher says counts only while the
 * network granted it the transmission, as on air.  Frames are paced
 * from CLOCK_MONOTONIC: the tmr only wakes the sender.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <jansson.h>
#include "media/codec.h"
#include "core/log.h"
#include "common/speech.h"
#include "common/heard.h"
#include "tsim.h"

#define DISP "disp"

int ts_radio_prepare(struct ts_radio *r)
{
	char text[256];

	if (r->speech && *r->speech)
		str_ncpy(text, r->speech, sizeof(text));
	else
		re_snprintf(text, sizeof(text), "%s, status report, over",
			    r->alias);
	if (sim_speech(text, &r->pcm, &r->pcmn)) {
		log_warn("tetra", "radio %s: no speech (espeak-ng/sox)",
			 r->issi);
		return EIO;
	}
	return 0;
}


/* ---- RTP ---- */

static void rtp_out(struct tsim *s, const int16_t *pcm, bool first)
{
	uint8_t pkt[12 + CODEC_PAYLOAD_MAX];
	size_t len = CODEC_PAYLOAD_MAX;
	struct mbuf *mb;

	if (!s->enc || !sa_isset(&s->raddr, SA_ALL) ||
	    s->codec_ops->encode(s->enc, pkt + 12, &len, pcm))
		return;
	pkt[0] = 0x80;
	pkt[1] = (uint8_t)(s->codec_ops->pt | (first ? 0x80 : 0));
	pkt[2] = (uint8_t)(s->seq >> 8);
	pkt[3] = (uint8_t)s->seq;
	for (int i = 0; i < 4; i++) {
		pkt[4 + i] = (uint8_t)(s->rtp_ts >> (24 - 8 * i));
		pkt[8 + i] = (uint8_t)(s->ssrc >> (24 - 8 * i));
	}
	++s->seq;
	s->rtp_ts += s->codec_ops->clock * AUD_PTIME / 1000;
	mb = mbuf_alloc(12 + len);
	if (!mb)
		return;
	(void)mbuf_write_mem(mb, pkt, 12 + len);
	mb->pos = 0;
	(void)udp_send(s->us, &s->raddr, mb);
	mem_deref(mb);
}


static void rtp_in(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct tsim *s = arg;
	const uint8_t *p = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb), hl;
	int16_t pcm[AUD_FRAME * 8];
	size_t n = ARRAY_SIZE(pcm);

	if (len < 12 || (p[0] >> 6) != 2)
		return;
	if (!sa_isset(&s->raddr, SA_ALL))
		s->raddr = *src;   /* symmetric RTP */
	hl = 12 + 4 * (size_t)(p[0] & 15);
	if ((p[0] & 0x10) && len >= hl + 4)
		hl += 4 + 4 * (size_t)(p[hl + 2] << 8 | p[hl + 3]);
	if (len <= hl || !s->dec)
		return;
	/* on air only while the network lets the dispatcher talk */
	if (!s->call.cci || strcmp(s->call.talker, DISP) ||
	    (!s->call.grp && !s->call.peer))
		return;
	if (s->codec_ops->decode(s->dec, pcm, &n, p + hl, len - hl))
		return;
	sim_heard_add(s->call.grp ? &s->call.grp->heard :
		      &s->call.peer->heard, pcm, n);
}


/* ---- the call ---- */

static void hang_tmr(void *arg)
{
	struct tsim *s = arg;

	ts_hangup(s, 13);   /* timer expiry: the hang time is over */
}


static void idle(struct tsim *s)
{
	tmr_cancel(&s->call.tmr_talk);
	s->call.talker[0] = '\0';
	s->call.radio = NULL;
	/* an individual call lasts until one side releases it */
	if (!s->call.peer)
		tmr_start(&s->call.tmr_hang, s->hang_s * 1000u, hang_tmr, s);
}


static void talk_tmr(void *arg)
{
	struct tsim *s = arg;
	struct ts_call *c = &s->call;
	int16_t frame[AUD_FRAME];
	uint64_t now = ts_now_ms();

	while (c->radio && c->t_next <= now) {
		const struct ts_radio *r = c->radio;

		if (c->t_next >= c->t_end) {
			ts_send(s, "+CDTXC: %d,0", c->cci);
			idle(s);
			return;
		}
		memset(frame, 0, sizeof(frame));
		for (size_t i = 0; i < AUD_FRAME && r->pcmn; i++)
			frame[i] = r->pcm[(c->pos + i) % r->pcmn];
		rtp_out(s, frame, c->pos == 0);
		c->pos += AUD_FRAME;
		c->t_next += AUD_PTIME;
	}
	tmr_start(&c->tmr_talk, 5, talk_tmr, s);
}


void ts_call_new(struct tsim *s, struct ts_group *g, unsigned prio)
{
	s->ccis = s->ccis % 999 + 1;
	s->call.cci = s->ccis;
	s->call.grp = g;
	s->call.peer = NULL;
	s->call.incoming = s->call.ringing = false;
	s->call.prio = prio;
	s->call.talker[0] = '\0';
}


int ts_radio_talk(struct ts_radio *r, struct ts_group *g, unsigned secs)
{
	struct tsim *s = r->ts;
	struct ts_call *c = &s->call;

	if (!g->attached || !s->tc)
		return EHOSTUNREACH;   /* the terminal does not hear it */
	if (c->cci && (c->grp != g || c->talker[0]))
		return EBUSY;
	if (!c->cci) {
		ts_call_new(s, g, 0);
		ts_send(s, "+CTICN: %d,0,0,0,%s,1,1,0,1,1,0,%s,0", c->cci,
			r->issi, g->gssi);
	}
	ts_talk_start(s, r, secs);
	return 0;
}


/* r talks in the terminal's call: the terminal shows it as the talker */
void ts_talk_start(struct tsim *s, struct ts_radio *r, unsigned secs)
{
	struct ts_call *c = &s->call;

	tmr_cancel(&c->tmr_hang);
	str_ncpy(c->talker, r->issi, sizeof(c->talker));
	c->radio = r;
	c->pos = 0;
	c->t_next = ts_now_ms();
	c->t_end = c->t_next + (secs ? secs : 3) * 1000ull;
	ts_send(s, "+CTXG: %d,3,0,0,0,%s", c->cci, r->issi);
	tmr_start(&c->tmr_talk, 0, talk_tmr, s);
}


/* The dispatcher's group call: connected and granted at once; or an
 * individual call to a radio (tsim_pcall.c) */
int ts_dial(struct tsim *s, const char *gssi)
{
	struct ts_group *g = ts_group_find(s, gssi);
	struct ts_call *c = &s->call;

	if (!g && ts_radio_find(s, gssi))
		return ts_pc_dial(s, ts_radio_find(s, gssi));
	if (!g || !g->attached || s->ctsdc_comms == 0)
		return ENOENT;
	if (c->cci)
		return EBUSY;
	ts_call_new(s, g, s->ctsdc_prio);
	str_ncpy(c->talker, DISP, sizeof(c->talker));
	ts_send(s, "+CTOCP: %d,0,0", c->cci);
	ts_send(s, "+CTCC: %d", c->cci);
	ts_send(s, "+CTXG: %d,0,0,0", c->cci);
	return 0;
}


int ts_txd(struct tsim *s, int cci, unsigned prio)
{
	struct ts_call *c = &s->call;

	if (!c->cci || c->cci != cci)
		return EINVAL;
	if (c->radio && prio < 2) {
		ts_send(s, "+CTXG: %d,1,0,0", cci);
		return 0;
	}
	if (c->radio)   /* pre-emptive: the radio stops */
		ts_send(s, "+CDTXC: %d,0", cci);
	tmr_cancel(&c->tmr_talk);
	tmr_cancel(&c->tmr_hang);
	c->radio = NULL;
	str_ncpy(c->talker, DISP, sizeof(c->talker));
	ts_send(s, "+CTXG: %d,0,0,0", cci);
	return 0;
}


int ts_utxc(struct tsim *s, int cci)
{
	struct ts_call *c = &s->call;

	if (!c->cci || c->cci != cci)
		return EINVAL;
	if (!strcmp(c->talker, DISP)) {
		ts_send(s, "+CTXC: %d,0", cci);
		idle(s);
	}
	return 0;
}


void ts_hangup(struct tsim *s, unsigned cause)
{
	struct ts_call *c = &s->call;

	tmr_cancel(&c->tmr_talk);
	tmr_cancel(&c->tmr_hang);
	tmr_cancel(&c->tmr_answer);
	if (c->cci && cause)
		ts_send(s, "+CTCR: %d,%u", c->cci, cause);
	c->cci = 0;
	c->grp = NULL;
	c->peer = NULL;
	c->incoming = c->ringing = false;
	c->radio = NULL;
	c->talker[0] = '\0';
}


/* An SDS the terminal received: header, then the hex user data */
int ts_sds(struct tsim *s, const char *from, const char *to, unsigned ai,
	   const uint8_t *buf, size_t bits)
{
	char hex[520];
	size_t n = (bits + 7) / 8;

	if (!s->tc)
		return ENOTCONN;
	if (n * 2 >= sizeof(hex))
		return EMSGSIZE;
	for (size_t i = 0; i < n; i++)
		(void)re_snprintf(hex + 2 * i, 3, "%02X", buf[i]);
	ts_send(s, "+CTSDSR: %u,%s,0,%s,0,%zu", ai, from, to, bits);
	ts_send(s, "%s", hex);
	return 0;
}


int ts_net_start(struct tsim *s)
{
	struct sa a;
	int err;

	s->codec_ops = codec_find(s->codec);
	if (!s->codec_ops || !s->codec_ops->enc_alloc)
		return ENOTSUP;
	s->ssrc = rand_u32();
	err = s->codec_ops->enc_alloc(&s->enc, NULL);
	err = err ? err : s->codec_ops->dec_alloc(&s->dec, NULL);
	err = err ? err : sa_decode(&a, s->rtp, strlen(s->rtp));
	if (!err && s->rtp_remote[0])
		err = sa_decode(&s->raddr, s->rtp_remote,
				strlen(s->rtp_remote));
	return err ? err : udp_listen(&s->us, &a, rtp_in, s);
}


void ts_net_close(struct tsim *s)
{
	ts_hangup(s, 0);
	s->us = mem_deref(s->us);
	s->enc = mem_deref(s->enc);
	s->dec = mem_deref(s->dec);
}
