/**
 * @file test_media.c  The media engine against real UDP on 127.0.0.1
 *
 * The test is the radio gateway: it sends RTP from its own socket on a
 * main-loop timer, receives what the engine transmits, and listens to the
 * frames the engine hands the main loop with a Goertzel filter.
 */
#include <re.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <stdatomic.h>
#include "media/codec.h"
#include "media/jb.h"
#include "media/mix.h"
#include "media/media.h"
#include "media/media_int.h"

enum { MAXANA = 4, SAFETY_MS = 10000 };

/* What one channel of one position sounded like */
struct ana {
	const char *pos;
	int ch;                     /* 0 headset, 1 speaker              */
	double hz;
	uint64_t t_on;              /* first frame with signal           */
	unsigned frames, used;
	double sum2, tone2;
	uint16_t peak;
	int16_t min, max;
	uint32_t next_seq;
	unsigned seq_err;
};

/* The test's RTP peer */
struct peer {
	struct udp_sock *us;
	struct sa local, dst;
	struct codec_enc *enc;
	const struct codec_ops *ops;
	struct tmr tmr;
	double hz, amp, phase;
	int16_t dc;                 /* constant signal instead of a tone */
	unsigned total, sent;
	uint16_t seq;
	uint32_t ts, ssrc;
	bool lossy;
	struct mbuf *held;          /* reordering: sent after the next   */
	uint64_t t_first;

	/* receive side */
	struct codec_dec *dec;
	unsigned rx, rx_marker, rx_after_off;
	uint64_t t_off;
	double sum2, tone2;
	unsigned used;
};

struct fx {
	struct media *m;
	struct ana anav[MAXANA];
	size_t anac;
	unsigned frames;
	unsigned drain;             /* frames still to take, then stop   */
	bool draining;
	struct tmr safety;
	bool timeout;
};


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}


/* Sum of squares of the component at hz (2|X|^2/N) */
static double goertzel(const int16_t *x, size_t n, size_t stride,
		       double hz)
{
	double c = 2.0 * cos(2.0 * M_PI * hz / AUD_SRATE);
	double q1 = 0, q2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double q0 = c * q1 - q2 + x[i * stride];
		q2 = q1;
		q1 = q0;
	}

	return 2.0 * (q1 * q1 + q2 * q2 - c * q1 * q2) / n;
}


static double snr_db(double sum2, double tone2)
{
	double noise = sum2 - tone2;

	return 10.0 * log10(tone2 / (noise > 1.0 ? noise : 1.0));
}


static double rms_dbfs(double sum2, unsigned n)
{
	return 20.0 * log10(sqrt(sum2 / n) * sqrt(2.0) / 32767.0);
}


/* An even port whose odd neighbour is free too (RTP + RTCP) */
static void port_pair(struct sa *sa)
{
	int i;

	for (i = 0; i < 50; i++) {
		struct udp_sock *a = NULL, *b = NULL;
		struct sa tmp;
		uint16_t p;

		sa_set_str(&tmp, "127.0.0.1", 0);
		assert_int_equal(0, udp_listen(&a, &tmp, NULL, NULL));
		udp_local_get(a, &tmp);
		p = sa_port(&tmp) & 0xfffe;
		a = mem_deref(a);
		sa_set_port(&tmp, p);
		if (!udp_listen(&a, &tmp, NULL, NULL)) {
			sa_set_port(&tmp, p + 1);
			if (!udp_listen(&b, &tmp, NULL, NULL)) {
				mem_deref(a);
				mem_deref(b);
				*sa = tmp;
				sa_set_port(sa, p);
				return;
			}
		}
		mem_deref(a);
	}

	fail_msg("no free port pair");
}


static void ana_frame(struct ana *a, const struct media_frame *f)
{
	int16_t ch[AUD_FRAME];
	double s2 = 0;
	size_t i;

	for (i = 0; i < AUD_FRAME; i++) {
		ch[i] = f->pcm[2 * i + a->ch];
		s2 += (double)ch[i] * ch[i];
	}

	if (a->frames++ && f->seq != a->next_seq)
		++a->seq_err;
	a->next_seq = f->seq + 1;
	if (f->peak[a->ch] > a->peak)
		a->peak = f->peak[a->ch];

	if (!a->t_on && f->peak[a->ch] > 1000)
		a->t_on = now_ns();

	/* skip the onset: the jitter buffer fills, the FIR settles */
	if (!a->t_on || (now_ns() - a->t_on) < 100000000ull)
		return;

	a->sum2 += s2;
	a->tone2 += goertzel(ch, AUD_FRAME, 1, a->hz);
	++a->used;
	for (i = 0; i < AUD_FRAME; i++) {
		if (ch[i] < a->min)
			a->min = ch[i];
		if (ch[i] > a->max)
			a->max = ch[i];
	}
}


static void frames_h(const struct media_frame *frames, size_t n, void *arg)
{
	struct fx *fx = arg;
	size_t i, k;

	++fx->frames;

	for (i = 0; i < n; i++) {
		for (k = 0; k < fx->anac; k++) {
			if (!strcmp(frames[i].pos, fx->anav[k].pos))
				ana_frame(&fx->anav[k], &frames[i]);
		}
	}

	if (fx->draining && !fx->drain--)
		re_cancel();
}


static void safety_h(void *arg)
{
	struct fx *fx = arg;

	fx->timeout = true;
	re_cancel();
}


static struct ana *fx_ana(struct fx *fx, const char *pos, int ch, double hz)
{
	struct ana *a = &fx->anav[fx->anac++];

	memset(a, 0, sizeof(*a));
	a->pos = pos;
	a->ch = ch;
	a->hz = hz;
	a->min = 32767;
	a->max = -32768;

	return a;
}


/* Run the loop until something calls re_cancel (or the safety timer) */
static void fx_run(struct fx *fx)
{
	tmr_start(&fx->safety, SAFETY_MS, safety_h, fx);
	(void)re_main(NULL);
	tmr_cancel(&fx->safety);
	assert_false(fx->timeout);
}


static void fx_drain(struct fx *fx, unsigned frames)
{
	fx->drain = frames;
	fx->draining = true;
}


static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	tmr_init(&fx->safety);
	assert_int_equal(0, media_alloc(&fx->m, frames_h, fx));
	*state = fx;

	return 0;
}


static int teardown(void **state)
{
	struct fx *fx = *state;

	mem_deref(fx->m);
	free(fx);

	return 0;
}


static void add_stream(struct fx *fx, const char *id, const struct sa *local,
		       const struct sa *remote, const char *codec)
{
	struct media_stream_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	str_ncpy(cfg.id, id, sizeof(cfg.id));
	cfg.local = local;
	cfg.remote = remote;
	cfg.codec = codec;
	assert_int_equal(0, media_stream_add(fx->m, &cfg));
}


/* ---- the peer ---- */

static void peer_recv(const struct sa *src, struct mbuf *mb, void *arg);

static void peer_init(struct peer *p, const char *codec, double hz,
		      double dbfs)
{
	struct sa any;

	memset(p, 0, sizeof(*p));
	p->ops = codec_find(codec);
	assert_non_null(p->ops);
	assert_int_equal(0, p->ops->enc_alloc(&p->enc, NULL));
	assert_int_equal(0, p->ops->dec_alloc(&p->dec, NULL));
	p->hz = hz;
	p->amp = 32767.0 * pow(10.0, dbfs / 20.0);
	p->seq = 1000;
	p->ts = 5000;
	p->ssrc = 0x1234abcd;
	tmr_init(&p->tmr);
	sa_set_str(&any, "127.0.0.1", 0);
	assert_int_equal(0, udp_listen(&p->us, &any, peer_recv, p));
	udp_local_get(p->us, &p->local);
}


static void peer_close(struct peer *p)
{
	tmr_cancel(&p->tmr);
	mem_deref(p->us);
	mem_deref(p->enc);
	mem_deref(p->dec);
	mem_deref(p->held);
}


static struct mbuf *peer_packet(struct peer *p)
{
	struct rtp_header h;
	int16_t pcm[AUD_FRAME];
	uint8_t pl[CODEC_PAYLOAD_MAX];
	size_t len = sizeof(pl), i;
	struct mbuf *mb = mbuf_alloc(RTP_HEADER_SIZE + sizeof(pl));

	for (i = 0; i < AUD_FRAME; i++) {
		pcm[i] = p->dc ? p->dc : (int16_t)lrint(p->amp * sin(p->phase));
		p->phase += 2.0 * M_PI * p->hz / AUD_SRATE;
	}
	assert_int_equal(0, p->ops->encode(p->enc, pl, &len, pcm));

	memset(&h, 0, sizeof(h));
	h.ver = RTP_VERSION;
	h.m = p->sent == 0;
	h.pt = p->ops->pt;
	h.seq = p->seq++;
	h.ts = p->ts;
	h.ssrc = p->ssrc;
	p->ts += p->ops->clock * AUD_PTIME / 1000;
	assert_int_equal(0, rtp_hdr_encode(mb, &h));
	assert_int_equal(0, mbuf_write_mem(mb, pl, len));
	mb->pos = 0;

	return mb;
}


static void peer_send_h(void *arg)
{
	struct peer *p = arg;
	struct mbuf *mb;
	unsigned k = p->sent % 10;

	if (p->sent >= p->total)
		return;

	tmr_start(&p->tmr, AUD_PTIME, peer_send_h, p);
	if (!p->sent)
		p->t_first = now_ns();

	mb = peer_packet(p);
	++p->sent;

	/* 10% loss (k == 3), and k == 6 swapped with k == 7 */
	if (p->lossy && k == 3) {
		mem_deref(mb);
		return;
	}
	if (p->lossy && k == 6) {
		p->held = mb;
		return;
	}

	(void)udp_send(p->us, &p->dst, mb);
	mem_deref(mb);
	if (p->held) {
		(void)udp_send(p->us, &p->dst, p->held);
		p->held = mem_deref(p->held);
	}
}


static void peer_start(struct peer *p, const struct sa *dst, unsigned n)
{
	p->dst = *dst;
	p->total = n;
	tmr_start(&p->tmr, 0, peer_send_h, p);
}


static void peer_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct peer *p = arg;
	struct rtp_header h;
	int16_t pcm[4 * AUD_FRAME];
	size_t n = ARRAY_SIZE(pcm), i;
	double s2 = 0;

	if (rtp_hdr_decode(&h, mb) || h.pt != p->ops->pt)
		return;

	if (p->t_off && now_ns() > p->t_off + 60000000ull)
		++p->rx_after_off;
	if (!p->rx++ && h.m)
		++p->rx_marker;

	if (p->ops->decode(p->dec, pcm, &n, mbuf_buf(mb), mbuf_get_left(mb)))
		return;

	/* skip the first frames: the codec's resampler settles */
	if (p->rx < 5 || n < AUD_FRAME)
		return;

	for (i = 0; i < AUD_FRAME; i++)
		s2 += (double)pcm[i] * pcm[i];
	p->sum2 += s2;
	p->tone2 += goertzel(pcm, AUD_FRAME, 1, p->hz);
	++p->used;
}


/* ---- tests ---- */

/* 2 s of tone from the peer into a stream that pos routes to ch */
static void tone_in(struct fx *fx, struct peer *peer, const char *tg,
		    const char *pos, enum media_chan ch, bool lossy,
		    struct ana **hs, struct ana **sp)
{
	struct sa local;

	port_pair(&local);
	add_stream(fx, tg, &local, NULL, "PCMU");
	assert_int_equal(0, media_position(fx->m, pos, true));
	assert_int_equal(0, media_route(fx->m, pos, tg, ch, 100));
	*hs = fx_ana(fx, pos, 0, 1000);
	*sp = fx_ana(fx, pos, 1, 1000);

	peer_init(peer, "PCMU", 1000, -12);
	peer->lossy = lossy;
	peer_start(peer, &local, 100);
	fx_drain(fx, 115);   /* 2 s of packets + the jitter buffer */
	fx_run(fx);
}


static void check_tone(const struct ana *a, double min_snr,
		       unsigned min_frames)
{
	assert_true(a->used >= min_frames);
	assert_int_equal(0, a->seq_err);
	assert_true(snr_db(a->sum2, a->tone2) > min_snr);
	assert_true(fabs(rms_dbfs(a->sum2, a->used * AUD_FRAME) + 12) < 1.0);
}


static void test_route_headset_speaker(void **state)
{
	struct fx *fx = *state;
	struct ana *hs, *sp;
	struct peer peer;
	double delay_ms;

	tone_in(fx, &peer, "tg1", "p1", MEDIA_HEADSET, false, &hs, &sp);
	delay_ms = (hs->t_on - peer.t_first) / 1e6;
	peer_close(&peer);
	check_tone(hs, 30, 80);
	assert_int_equal(0, sp->peak);
	print_message("RTP in -> headset frame: %.1f ms, SNR %.1f dB, "
		      "%.2f dBFS\n", delay_ms, snr_db(hs->sum2, hs->tone2),
		      rms_dbfs(hs->sum2, hs->used * AUD_FRAME));

	fx->anac = 0;
	fx->draining = false;
	tone_in(fx, &peer, "tg2", "p2", MEDIA_SPEAKER, false, &hs, &sp);
	peer_close(&peer);
	check_tone(sp, 30, 80);
	assert_int_equal(0, hs->peak);
}


static void test_no_wrap(void **state)
{
	struct fx *fx = *state;
	struct peer pa, pb;
	struct sa la, lb;
	struct ana *hs;

	port_pair(&la);
	port_pair(&lb);
	add_stream(fx, "a", &la, NULL, "PCMU");
	add_stream(fx, "b", &lb, NULL, "PCMU");
	assert_int_equal(0, media_position(fx->m, "p1", true));
	assert_int_equal(0, media_route(fx->m, "p1", "a", MEDIA_HEADSET, 100));
	assert_int_equal(0, media_route(fx->m, "p1", "b", MEDIA_HEADSET, 100));
	hs = fx_ana(fx, "p1", 0, 1000);

	/* near full scale DC from both: the sum would wrap to negative */
	peer_init(&pa, "PCMU", 0, 0);
	peer_init(&pb, "PCMU", 0, 0);
	pa.dc = pb.dc = 30000;
	peer_start(&pa, &la, 50);
	peer_start(&pb, &lb, 50);
	fx_drain(fx, 40);
	fx_run(fx);
	peer_close(&pa);
	peer_close(&pb);

	assert_int_equal(32767, hs->peak);
	assert_int_equal(32767, hs->max);
	assert_true(hs->used > 10);
	assert_true(hs->min >= 0);
}


static void mic_h(void *arg);

struct mic {
	struct fx *fx;
	struct tmr tmr;
	double phase;
	unsigned n;
	uint64_t t0;
};


static void mic_h(void *arg)
{
	struct mic *mc = arg;
	int16_t pcm[AUD_FRAME];
	uint64_t next, now;
	size_t i;

	for (i = 0; i < AUD_FRAME; i++) {
		pcm[i] = (int16_t)lrint(8000 * sin(mc->phase));
		mc->phase += 2.0 * M_PI * 500 / AUD_SRATE;
	}
	(void)media_mic(mc->fx->m, "p1", pcm, AUD_FRAME);
	if (!mc->n++)
		mc->t0 = now_ns();

	/* paced on the monotonic clock like a console's sound card, so
	 * the approximate main-loop timer does not drift */
	next = mc->t0 + (uint64_t)mc->n * AUD_PTIME * 1000000ull;
	now = now_ns();
	tmr_start(&mc->tmr, next > now ? (next - now) / 1000000 : 0, mic_h,
		  mc);
}


struct ptt_run {
	struct fx *fx;
	struct peer *peer;
	struct tmr tmr;
	int phase;
};


/* PTT on for 50 packets received, then off, then 300 ms of quiet */
static void ptt_step(void *arg)
{
	struct ptt_run *r = arg;

	if (r->phase == 0 && r->peer->rx >= 50) {
		assert_int_equal(0, media_ptt(r->fx->m, "p1", "tx", false));
		r->peer->t_off = now_ns();
		r->phase = 1;
		tmr_start(&r->tmr, 300, ptt_step, r);
		return;
	}

	if (r->phase == 1) {
		re_cancel();
		return;
	}

	tmr_start(&r->tmr, 10, ptt_step, r);
}


static void test_ptt(void **state)
{
	struct fx *fx = *state;
	struct ptt_run r;
	struct peer peer;
	struct mic mc;
	struct sa local;

	peer_init(&peer, "PCMU", 500, 0);
	port_pair(&local);
	add_stream(fx, "tx", &local, &peer.local, "PCMU");
	assert_int_equal(0, media_ptt(fx->m, "p1", "tx", true));

	memset(&mc, 0, sizeof(mc));
	mc.fx = fx;
	tmr_init(&mc.tmr);
	tmr_start(&mc.tmr, 0, mic_h, &mc);
	memset(&r, 0, sizeof(r));
	r.fx = fx;
	r.peer = &peer;
	tmr_init(&r.tmr);
	tmr_start(&r.tmr, 10, ptt_step, &r);
	fx_run(fx);
	tmr_cancel(&mc.tmr);
	tmr_cancel(&r.tmr);

	assert_true(peer.rx >= 50);
	assert_int_equal(1, peer.rx_marker);
	assert_int_equal(0, peer.rx_after_off);
	assert_true(snr_db(peer.sum2, peer.tone2) > 25);
	print_message("PTT: %u packets, 500 Hz SNR %.1f dB\n", peer.rx,
		      snr_db(peer.sum2, peer.tone2));
	peer_close(&peer);
}


/* Patch off once 60 packets came out of b, then 300 ms of quiet */
static void patch_step(void *arg)
{
	struct ptt_run *r = arg;

	if (r->phase == 0 && r->peer->rx >= 60) {
		assert_int_equal(0, media_patch(r->fx->m, "a", "b", false));
		r->peer->t_off = now_ns();
		r->phase = 1;
		tmr_start(&r->tmr, 300, patch_step, r);
		return;
	}

	if (r->phase == 1) {
		re_cancel();
		return;
	}

	tmr_start(&r->tmr, 10, patch_step, r);
}


/* A tone into stream a comes out of stream b as RTP while patched */
static void test_patch(void **state)
{
	struct fx *fx = *state;
	struct peer src, dst;
	struct ptt_run r;
	struct sa la, lb;

	peer_init(&src, "PCMU", 1000, -12);
	peer_init(&dst, "PCMU", 1000, -12);
	port_pair(&la);
	port_pair(&lb);
	add_stream(fx, "a", &la, NULL, "PCMU");
	add_stream(fx, "b", &lb, &dst.local, "PCMU");
	assert_int_equal(0, media_patch(fx->m, "a", "b", true));

	peer_start(&src, &la, 200);
	memset(&r, 0, sizeof(r));
	r.fx = fx;
	r.peer = &dst;
	tmr_init(&r.tmr);
	tmr_start(&r.tmr, 10, patch_step, &r);
	fx_run(fx);
	tmr_cancel(&r.tmr);

	/* a is still sending: only the patch can have stopped b */
	assert_true(src.sent < src.total);
	assert_true(dst.rx >= 60);
	assert_int_equal(1, dst.rx_marker);
	assert_int_equal(0, dst.rx_after_off);
	assert_true(snr_db(dst.sum2, dst.tone2) > 25);
	assert_true(fabs(rms_dbfs(dst.sum2, dst.used * AUD_FRAME) + 12) < 1.0);
	print_message("patch: %u packets, 1 kHz SNR %.1f dB\n", dst.rx,
		      snr_db(dst.sum2, dst.tone2));
	peer_close(&src);
	peer_close(&dst);
}


static void test_play_tone(void **state)
{
	struct fx *fx = *state;
	struct media_play play = {.tone_hz = 750, .level_dbfs = -12,
				  .duration_ms = 1000};
	struct sa local;
	struct ana *hs, *sp;

	port_pair(&local);
	add_stream(fx, "tg", &local, NULL, "PCMU");
	assert_int_equal(0, media_position(fx->m, "p1", true));
	assert_int_equal(0, media_route(fx->m, "p1", "tg", MEDIA_HEADSET, 100));
	hs = fx_ana(fx, "p1", 0, 750);
	sp = fx_ana(fx, "p1", 1, 750);
	assert_int_equal(0, media_play(fx->m, "tg", &play));
	fx_drain(fx, 60);
	fx_run(fx);

	check_tone(hs, 40, 40);
	assert_int_equal(0, sp->peak);
}


static void test_loss_reorder(void **state)
{
	struct fx *fx = *state;
	struct ana *hs, *sp;
	struct peer peer;
	json_t *st, *o;

	tone_in(fx, &peer, "tg", "p1", MEDIA_HEADSET, true, &hs, &sp);
	peer_close(&peer);
	check_tone(hs, 15, 80);
	print_message("10%% loss + reordering: SNR %.1f dB\n",
		      snr_db(hs->sum2, hs->tone2));

	st = media_stats(fx->m);
	o = json_object_get(st, "tg");
	assert_non_null(o);
	print_message("lost %lld reordered %lld late %lld\n",
		      json_integer_value(json_object_get(o, "lost")),
		      json_integer_value(json_object_get(o, "reordered")),
		      json_integer_value(json_object_get(o, "late")));
	assert_true(json_integer_value(json_object_get(o, "reordered")) +
		    json_integer_value(json_object_get(o, "late")) > 0);
	json_decref(st);
}


static void test_stats(void **state)
{
	struct fx *fx = *state;
	struct ana *hs, *sp;
	struct peer peer;
	json_t *st, *o;
	char *txt;

	tone_in(fx, &peer, "tg", "p1", MEDIA_HEADSET, false, &hs, &sp);
	peer_close(&peer);

	st = media_stats(fx->m);
	o = json_object_get(st, "tg");
	assert_non_null(o);
	assert_true(json_integer_value(json_object_get(o, "received")) > 0);
	assert_true(json_integer_value(json_object_get(o, "rx_packets")) > 0);
	assert_string_equal("PCMU",
			    json_string_value(json_object_get(o, "codec")));
	txt = json_dumps(st, JSON_COMPACT);
	print_message("stats: %s\n", txt);
	{
		uint64_t ticks, over;
		double avg, max;

		media_tick_info(fx->m, &ticks, &avg, &max, &over);
		print_message("%llu ticks (1 stream, 1 position): "
			      "%.1f us avg, %.1f us max CPU, %llu skipped\n",
			      (unsigned long long)ticks, avg, max,
			      (unsigned long long)over);
	}
	free(txt);
	json_decref(st);
}


/* Two SRTP endpoints with crossed keys: p1 talks on a, p2 hears b */
static void test_srtp(void **state)
{
	struct fx *fx = *state;
	struct media_stream_cfg ca, cb;
	struct sa la, lb;
	struct mic mc;
	struct ana *hs;
	json_t *st;
	size_t i;

	port_pair(&la);
	port_pair(&lb);
	memset(&ca, 0, sizeof(ca));
	str_ncpy(ca.id, "a", sizeof(ca.id));
	ca.local = &la;
	ca.remote = &lb;
	ca.codec = "PCMU";
	ca.srtp = true;
	for (i = 0; i < MEDIA_SRTP_KEY; i++) {
		ca.srtp_tx_key[i] = (uint8_t)i;
		ca.srtp_rx_key[i] = (uint8_t)(0xa0 + i);
	}
	cb = ca;
	str_ncpy(cb.id, "b", sizeof(cb.id));
	cb.local = &lb;
	cb.remote = &la;
	memcpy(cb.srtp_tx_key, ca.srtp_rx_key, MEDIA_SRTP_KEY);
	memcpy(cb.srtp_rx_key, ca.srtp_tx_key, MEDIA_SRTP_KEY);
	assert_int_equal(0, media_stream_add(fx->m, &ca));
	assert_int_equal(0, media_stream_add(fx->m, &cb));

	assert_int_equal(0, media_position(fx->m, "p2", true));
	assert_int_equal(0, media_route(fx->m, "p2", "b", MEDIA_HEADSET, 100));
	assert_int_equal(0, media_ptt(fx->m, "p1", "a", true));
	hs = fx_ana(fx, "p2", 0, 500);

	memset(&mc, 0, sizeof(mc));
	mc.fx = fx;
	tmr_init(&mc.tmr);
	tmr_start(&mc.tmr, 0, mic_h, &mc);
	fx_drain(fx, 60);
	fx_run(fx);
	tmr_cancel(&mc.tmr);

	assert_true(hs->used > 20);
	assert_true(snr_db(hs->sum2, hs->tone2) > 25);

	st = media_stats(fx->m);
	assert_int_equal(0, json_integer_value(json_object_get(
		json_object_get(st, "b"), "rx_dropped")));
	json_decref(st);
}


static void test_args(void **state)
{
	struct fx *fx = *state;
	struct media_stream_cfg cfg;
	struct media_play play = {.tone_hz = 1000};
	struct sa local;
	int16_t pcm[AUD_FRAME] = {0};

	memset(&cfg, 0, sizeof(cfg));
	str_ncpy(cfg.id, "x", sizeof(cfg.id));
	sa_set_str(&local, "127.0.0.1", 20001);
	cfg.local = &local;
	cfg.codec = "PCMU";
	assert_int_equal(EINVAL, media_stream_add(fx->m, &cfg));
	sa_set_port(&local, 20000);
	cfg.codec = "nope";
	assert_int_equal(ENOENT, media_stream_add(fx->m, &cfg));
	assert_int_equal(EINVAL, media_mic(fx->m, "p1", pcm, 160));
	assert_int_equal(EINVAL, media_route(fx->m, "p1", "x",
					     MEDIA_HEADSET, 101));
	play.level_dbfs = 3;
	assert_int_equal(EINVAL, media_play(fx->m, "x", &play));
	assert_int_equal(EINVAL, media_patch(fx->m, "x", "x", true));
	assert_int_equal(EINVAL, media_patch(fx->m, "x", NULL, true));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_route_headset_speaker,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_play_tone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_loss_reorder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_srtp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args, setup, teardown),
	};
	int r;

	libre_init();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();

	return r;
}
