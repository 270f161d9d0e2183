/**
 * @file stream.c  One RTP endpoint of the media engine (media thread only)
 *
 * Receive: libre's rtp_listen parses the header and feeds its RTCP
 * session; the payload goes into the jitter buffer.  Each tick one slot
 * comes out and is decoded once into the stream's 16 kHz frame, which
 * every position that routes the stream mixes.
 *
 * SRTP: rtp_listen hands us parsed headers, too late to decrypt.  libre's
 * UDP helper layer sees every datagram of a socket before its owner (and
 * every datagram the owner sends), so a helper on the RTP and one on the
 * RTCP socket decrypt/encrypt in place while libre's RTP and RTCP code
 * keep working unchanged (the way baresip's SRTP module does it).
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include "media/codec.h"
#include "media/jb.h"
#include "media/mix.h"
#include "media/media.h"
#include "media/media_int.h"
#include "core/log.h"

enum {
	JB_MIN_MS = 20,
	JB_MAX_MS = 300,
	PORT_ANY_MIN = 16384,
	PORT_ANY_MAX = 32767,
	SRTP_TAG = 10,
	HELPER_LAYER = 0,
};


static void destructor(void *arg)
{
	struct mstream *s = arg;

	list_unlink(&s->le);
	list_flush(&s->plays);
	list_flush(&s->txplays);
	mem_deref(s->uh_rtp);
	mem_deref(s->uh_rtcp);
	mem_deref(s->rtp);
	mem_deref(s->srtp_rx);
	mem_deref(s->srtp_tx);
	mem_deref(s->jb);
	mem_deref(s->dec);
	mem_deref(s->enc);
	mem_deref(s->txmb);
}


static void remote_set(struct mstream *s, const struct sa *rtp)
{
	struct sa rtcp = *rtp;

	s->remote = *rtp;
	s->remote_set = true;
	sa_set_port(&rtcp, sa_port(rtp) + 1);
	rtcp_start(s->rtp, s->id, &rtcp);
}


static void rtp_recv(const struct sa *src, const struct rtp_header *hdr,
		     struct mbuf *mb, void *arg)
{
	struct mstream *s = arg;
	size_t len = mbuf_get_left(mb);

	if (hdr->pt != s->pt || !len) {
		++s->rx_bad;
		return;
	}

	/* symmetric RTP: answer where the source sends from */
	if (!s->remote_set)
		remote_set(s, src);

	++s->rx_pkts;
	s->rx_bytes += len;
	s->ssrc = hdr->ssrc;
	(void)jb_put(s->jb, hdr->seq, hdr->ts, hdr->ssrc, mbuf_buf(mb), len,
		     media_now_ns() / 1000);
}


static bool srtp_recv(struct sa *src, struct mbuf *mb, void *arg)
{
	struct mstream *s = arg;

	if (srtp_decrypt(s->srtp_rx, mb)) {
		++s->rx_bad;
		return true;   /* consumed: never reaches the RTP code */
	}

	return false;
}


static bool srtp_send(int *err, struct sa *dst, struct mbuf *mb, void *arg)
{
	struct mstream *s = arg;

	*err = srtp_encrypt(s->srtp_tx, mb);

	return *err != 0;
}


static bool srtcp_recv(struct sa *src, struct mbuf *mb, void *arg)
{
	struct mstream *s = arg;

	return srtcp_decrypt(s->srtp_rx, mb) != 0;
}


static bool srtcp_send(int *err, struct sa *dst, struct mbuf *mb, void *arg)
{
	struct mstream *s = arg;

	*err = srtcp_encrypt(s->srtp_tx, mb);

	return *err != 0;
}


static int srtp_setup(struct mstream *s, const struct media_stream_cfg *cfg)
{
	const enum srtp_suite suite = SRTP_AES_CM_128_HMAC_SHA1_80;
	int err;

	err  = srtp_alloc(&s->srtp_rx, suite, cfg->srtp_rx_key,
			  MEDIA_SRTP_KEY, 0);
	err |= srtp_alloc(&s->srtp_tx, suite, cfg->srtp_tx_key,
			  MEDIA_SRTP_KEY, 0);
	if (err)
		return err ? err : ENOMEM;

	err = udp_register_helper(&s->uh_rtp, rtp_sock(s->rtp), HELPER_LAYER,
				  srtp_send, srtp_recv, s);
	if (err)
		return err;

	return udp_register_helper(&s->uh_rtcp, rtcp_sock(s->rtp),
				   HELPER_LAYER, srtcp_send, srtcp_recv, s);
}


static int sock_setup(struct mstream *s, const struct media_cmd *cmd)
{
	const struct sa *local = &cmd->u.add.local;
	uint16_t port = sa_port(local);
	uint16_t pmin = port ? port : PORT_ANY_MIN;
	uint16_t pmax = port ? port + 1 : PORT_ANY_MAX;
	int err;

	/* libre binds RTP to an even port and RTCP to the next one */
	err = rtp_listen(&s->rtp, IPPROTO_UDP, local, pmin, pmax, true,
			 rtp_recv, NULL, s);
	if (err)
		return err;

	if (port && sa_port(rtp_local(s->rtp)) != port)
		return EADDRINUSE;

	rtcp_set_srate(s->rtp, s->ops->clock, s->ops->clock);

	if (cmd->u.add.cfg.srtp) {
		err = srtp_setup(s, &cmd->u.add.cfg);
		if (err)
			return err;
	}

	if (sa_isset(&cmd->u.add.remote, SA_ALL))
		remote_set(s, &cmd->u.add.remote);

	return 0;
}


int mstream_alloc(struct mstream **sp, const struct media_cmd *cmd)
{
	const char *fmtp = cmd->u.add.fmtp[0] ? cmd->u.add.fmtp : NULL;
	struct mstream *s;
	int err;

	s = mem_zalloc(sizeof(*s), destructor);
	if (!s)
		return ENOMEM;

	str_ncpy(s->id, cmd->id, sizeof(s->id));
	s->ops = codec_find(cmd->u.add.codec);
	if (!s->ops) {
		err = ENOENT;
		goto out;
	}

	s->pt = cmd->u.add.cfg.pt ? cmd->u.add.cfg.pt : s->ops->pt;
	s->frame_ts = s->ops->clock * AUD_PTIME / 1000;
	s->tx_ts = rand_u32();

	err  = jb_alloc(&s->jb, s->ops->clock, s->frame_ts, JB_MIN_MS,
			JB_MAX_MS);
	err |= s->ops->dec_alloc(&s->dec, fmtp);
	err |= s->ops->enc_alloc(&s->enc, fmtp);
	if (err)
		goto out;

	s->txmb = mbuf_alloc(RTP_HEADER_SIZE + CODEC_PAYLOAD_MAX + SRTP_TAG);
	if (!s->txmb) {
		err = ENOMEM;
		goto out;
	}

	err = sock_setup(s, cmd);

 out:
	if (err)
		mem_deref(s);
	else
		*sp = s;

	return err;
}


static void conceal(struct mstream *s)
{
	size_t n = AUD_FRAME;

	if (s->ops->conceal && !s->ops->conceal(s->dec, s->pcm, &n)) {
		if (n < AUD_FRAME)
			memset(s->pcm + n, 0, (AUD_FRAME - n) * 2);
		return;
	}

	mix_plc_conceal(&s->plc, s->pcm);
}


enum { SPEECH_MS2 = 180 * 180 };

static void decode(struct mstream *s, const uint8_t *p, size_t len)
{
	size_t room = ARRAY_SIZE(s->pend) - s->npend;
	size_t n = room;

	uint64_t sq = 0;

	if (s->ops->decode(s->dec, s->pend + s->npend, &n, p, len) || n > room)
		return;

	/* speech energy (telephony's silent-call flag): RMS above about
	 * -45 dBFS, well over a line's idle noise */
	for (size_t i = 0; i < n; i++) {
		int32_t v = s->pend[s->npend + i];

		sq += (uint64_t)(v * v);
	}
	if (n && sq / n > SPEECH_MS2)
		++s->rx_speech;

	s->npend += n;
}


/* Decoded audio waiting: a payload may carry several 20 ms frames */
static bool pend_take(struct mstream *s)
{
	if (s->npend < AUD_FRAME)
		return false;

	memcpy(s->pcm, s->pend, sizeof(s->pcm));
	s->npend -= AUD_FRAME;
	memmove(s->pend, s->pend + AUD_FRAME, s->npend * 2);
	mix_plc_good(&s->plc, s->pcm);

	return true;
}


static void plays_mix(struct mstream *s)
{
	int32_t acc[AUD_FRAME];
	size_t i;

	if (list_isempty(&s->plays))
		return;

	for (i = 0; i < AUD_FRAME; i++)
		acc[i] = s->active ? s->pcm[i] : 0;

	if (!mplay_mix(&s->plays, acc))
		return;

	mix_clip(s->pcm, acc, AUD_FRAME);
	s->active = true;
}


void mstream_tick_rx(struct mstream *s)
{
	const uint8_t *p = NULL;
	size_t len = 0;

	switch (jb_get(s->jb, &p, &len)) {

	case JB_FRAME:
		decode(s, p, len);
		s->active = pend_take(s);
		if (!s->active) {
			conceal(s);
			s->active = true;
		}
		break;

	case JB_LOST:
		if (!pend_take(s))
			conceal(s);
		s->active = true;
		break;

	default:
		s->active = pend_take(s);
		break;
	}

	plays_mix(s);
}


static int send_frame(struct mstream *s, const int16_t *pcm)
{
	uint8_t pl[CODEC_PAYLOAD_MAX];
	size_t len = sizeof(pl);
	struct mbuf *mb = s->txmb;
	bool marker = !s->talking;
	int err;

	err = s->ops->encode(s->enc, pl, &len, pcm);
	if (err)
		return err;

	/* rtp_send writes the header into the room in front of pos */
	mb->pos = mb->end = RTP_HEADER_SIZE;
	err = mbuf_write_mem(mb, pl, len);
	if (err)
		return err;

	mb->pos = RTP_HEADER_SIZE;
	err = rtp_send(s->rtp, &s->remote, false, marker, s->pt, s->tx_ts,
		       mb);
	if (err)
		return err;

	s->talking = true;
	++s->tx_pkts;
	s->tx_bytes += len;

	return 0;
}


void mstream_tick_tx(struct mstream *s)
{
	int err;

	/* the timestamp runs with the clock, also between talk spurts */
	s->tx_ts += s->frame_ts;

	/* announcements to the far end mix in like one more talker */
	if (!list_isempty(&s->txplays)) {
		int32_t acc[AUD_FRAME] = {0};

		if (mplay_mix(&s->txplays, acc)) {
			if (!s->talkers++)
				memset(s->txacc, 0, sizeof(s->txacc));
			for (size_t i = 0; i < AUD_FRAME; i++)
				s->txacc[i] += acc[i];
		}
	}

	s->txon = s->talkers > 0;
	if (!s->talkers) {
		s->talking = false;
		return;
	}

	s->talkers = 0;
	/* kept for the recording tap: what went out is recorded even
	 * while the far end is not known yet */
	mix_clip(s->txpcm, s->txacc, AUD_FRAME);
	if (!s->remote_set)
		return;

	err = send_frame(s, s->txpcm);
	if (err)
		log_warn("media", "stream %s: send: %m\n", s->id, err);
}


static json_t *rtcp_json(struct mstream *s)
{
	struct rtcp_stats st;

	memset(&st, 0, sizeof(st));
	if (!s->rx_pkts || rtcp_stats(s->rtp, s->ssrc, &st))
		return json_null();

	return json_pack("{s:I, s:f, s:f, s:I}",
			 "lost", (json_int_t)st.rx.lost,
			 "jitter_ms", st.rx.jit / 1000.0,
			 "rtt_ms", st.rtt / 1000.0,
			 "tx_lost", (json_int_t)st.tx.lost);
}


json_t *mstream_stats(struct mstream *s)
{
	struct jb_stats js;
	json_t *o;

	jb_stats(s->jb, &js);

	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:i,"
		      " s:I, s:I, s:I, s:I, s:I, s:I}",
		      "codec", s->ops->name,
		      "received", (json_int_t)js.received,
		      "lost", (json_int_t)js.lost,
		      "late", (json_int_t)js.late,
		      "reordered", (json_int_t)js.reordered,
		      "duplicates", (json_int_t)js.duplicates,
		      "resets", (json_int_t)js.resets,
		      "ssrc", (json_int_t)js.ssrc,
		      "jitter_ms", js.jitter_ms,
		      "depth_ms", (int)js.depth_ms,
		      "rx_packets", (json_int_t)s->rx_pkts,
		      "rx_bytes", (json_int_t)s->rx_bytes,
		      "rx_dropped", (json_int_t)s->rx_bad,
		      "rx_speech", (json_int_t)s->rx_speech,
		      "tx_packets", (json_int_t)s->tx_pkts,
		      "tx_bytes", (json_int_t)s->tx_bytes);
	if (o)
		json_object_set_new(o, "rtcp", rtcp_json(s));

	return o;
}
