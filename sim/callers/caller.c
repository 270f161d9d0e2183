/**
 * @file caller.c  One simulated caller: INVITE with an SDP offer (SRTP
 * by SDES when asked), digest answers from the command line's
 * credentials, then 20 ms of speech, a tone or silence per packet until
 * one side hangs up.
 */
#include <math.h>
#include <string.h>
#include <openssl/rand.h>
#include <re.h>
#include <jansson.h>
#include "media/codec.h"
#include "callers.h"

#define SUITE "AES_CM_128_HMAC_SHA1_80"

static void caller_destructor(void *arg)
{
	struct caller *c = arg;

	list_unlink(&c->le);
	tmr_cancel(&c->end);
	mem_deref(c->sess);
	mem_deref(c->rtp);
	mem_deref(c->tx);
	mem_deref(c->rx);
	mem_deref(c->enc);
	mem_deref(c->dec);
	mem_deref(c->sdp);
}


static size_t hdr_len(const struct rtp_header *h)
{
	return 12 + 4 * (size_t)h->cc + (h->ext ? 4 + 4 * (size_t)h->x.len :
					 0);
}


/* What the control room says to the caller: counted and measured */
static void rtp_recv(const struct sa *src, const struct rtp_header *hdr,
		     struct mbuf *mb, void *arg)
{
	struct caller *c = arg;
	int16_t pcm[AUD_FRAME * 2];
	size_t n = sizeof(pcm) / sizeof(pcm[0]), hl = hdr_len(hdr);
	double sq = 0;

	(void)src;
	if (!c->dec || mb->pos < hl)
		return;
	if (c->rx) {
		mb->pos -= hl;
		if (srtp_decrypt(c->rx, mb))
			return;
		mb->pos += hl;
	}
	++c->rx_packets;
	if (c->codec->decode(c->dec, pcm, &n, mbuf_buf(mb),
			     mbuf_get_left(mb)))
		return;
	for (size_t i = 0; i < n; i++)
		sq += (double)pcm[i] * pcm[i];
	c->rx_sq += sq;
	c->rx_n += n;
}


static void end_h(void *arg)
{
	caller_hangup(arg);
}


static void ended(struct caller *c, const struct sip_msg *msg, int err)
{
	if (c->st == CALLER_ENDED)
		return;
	if (msg && msg->scode >= 300) {
		c->scode = msg->scode;
		(void)pl_strcpy(&msg->reason, c->reason, sizeof(c->reason));
	}
	else if (err && c->st == CALLER_TRYING) {
		str_ncpy(c->reason, strerror(err), sizeof(c->reason));
	}
	tmr_cancel(&c->end);
	callers_ended(c);
	c->st = CALLER_ENDED;
}


/* "<tag> AES_CM_128_HMAC_SHA1_80 inline:<base64>..." */
static bool crypto_h(const char *name, const char *value, void *arg)
{
	uint8_t *key = arg;
	struct pl suite, k;
	size_t n = CALLERS_KEY;

	(void)name;
	if (!value || re_regex(value, strlen(value),
			       "[0-9]+ [^ ]+ inline:[A-Za-z0-9+/=]+", NULL,
			       &suite, &k) || pl_strcmp(&suite, SUITE))
		return false;
	return !base64_decode(k.p, k.l, key, &n) && n == CALLERS_KEY;
}


static int media_start(struct caller *c)
{
	const struct sdp_format *f = sdp_media_rformat(c->sdpm, NULL);
	uint8_t rkey[CALLERS_KEY];
	int err;

	if (!f || !(c->codec = codec_find(f->name)))
		return EPROTO;
	c->pt = (uint8_t)f->pt;
	err = c->codec->enc_alloc(&c->enc, NULL);
	err = err ? err : c->codec->dec_alloc(&c->dec, NULL);
	if (err || !c->cs->srtp)
		return err;

	if (!sdp_media_rattr_apply(c->sdpm, "crypto", crypto_h, rkey))
		return EPROTO;
	err = srtp_alloc(&c->tx, SRTP_AES_CM_128_HMAC_SHA1_80, c->key,
			 CALLERS_KEY, 0);
	err = err ? err : srtp_alloc(&c->rx, SRTP_AES_CM_128_HMAC_SHA1_80,
				     rkey, CALLERS_KEY, 0);
	return err;
}


static int answer_h(const struct sip_msg *msg, void *arg)
{
	struct caller *c = arg;

	return sdp_decode(c->sdp, msg->mb, false);
}


static void estab_h(const struct sip_msg *msg, void *arg)
{
	struct caller *c = arg;
	unsigned after = c->abandon ? c->spec.abandon_s : c->spec.hold_s;

	(void)msg;
	if (media_start(c)) {
		str_ncpy(c->reason, "no usable media in the answer",
			 sizeof(c->reason));
		caller_hangup(c);
		return;
	}
	c->st = CALLER_CONNECTED;
	c->scode = 200;
	c->t_answer = c->t_next = callers_now();
	++c->cs->answered;
	if (after)
		tmr_start(&c->end, after * 1000ull, end_h, c);
}


static int offer_h(struct mbuf **descp, const struct sip_msg *msg,
		   void *arg)
{
	struct caller *c = arg;
	int err = sdp_decode(c->sdp, msg->mb, true);

	return err ? err : sdp_encode(descp, c->sdp, false);
}


static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct caller *c = arg;

	c->sess = mem_deref(c->sess);
	ended(c, msg, err);
}


static int auth_h(char **user, char **pass, const char *realm, void *arg)
{
	const struct callers *cs = arg;
	int err;

	(void)realm;
	if (!cs->user)
		return EAUTH;
	err = str_dup(user, cs->user);
	return err ? err : str_dup(pass, cs->pass);
}


static int sdp_offer(struct caller *c, struct mbuf **descp)
{
	struct callers *cs = c->cs;
	struct sa la = *rtp_local(c->rtp);
	char b64[48];
	size_t n = sizeof(b64) - 1;
	int err;

	err = sdp_session_alloc(&c->sdp, &la);
	err = err ? err : sdp_media_add(&c->sdpm, c->sdp, "audio",
					sa_port(&la), cs->srtp ? "RTP/SAVP" :
					"RTP/AVP");
	err = err ? err : sdp_format_add(NULL, c->sdpm, false, "0", "PCMU",
					 8000, 1, NULL, NULL, NULL, false,
					 NULL);
	err = err ? err : sdp_format_add(NULL, c->sdpm, false, "8", "PCMA",
					 8000, 1, NULL, NULL, NULL, false,
					 NULL);
	if (!err && cs->srtp) {
		if (RAND_bytes(c->key, sizeof(c->key)) != 1)
			return EIO;
		err = base64_encode(c->key, sizeof(c->key), b64, &n);
		b64[n] = '\0';
		err = err ? err : sdp_media_set_lattr(c->sdpm, true, "crypto",
						      "1 " SUITE " inline:%s",
						      b64);
	}
	return err ? err : sdp_encode(descp, c->sdp, true);
}


int caller_alloc(struct caller **cp, struct callers *cs,
		 const struct callers_spec *spec)
{
	char to[128], from[128];
	struct mbuf *desc = NULL;
	struct caller *c;
	int err;

	c = mem_zalloc(sizeof(*c), caller_destructor);
	if (!c)
		return ENOMEM;
	c->cs = cs;
	c->spec = *spec;
	c->id = ++cs->next_id;
	c->t_start = callers_now();
	c->ssrc = rand_u32();
	tmr_init(&c->end);
	if (!*c->spec.caller)
		(void)re_snprintf(c->spec.caller, sizeof(c->spec.caller),
				  "0770090%04llu",
				  (unsigned long long)(cs->serial++ % 10000));
	c->abandon = spec->abandon > 0 &&
		rand_u32() <= spec->abandon * (double)UINT32_MAX;

	err = rtp_listen(&c->rtp, IPPROTO_UDP, &cs->laddr, 30000, 59998,
			 false, rtp_recv, NULL, c);
	err = err ? err : sdp_offer(c, &desc);
	if (err)
		goto out;

	(void)re_snprintf(to, sizeof(to), "sip:%s@%J;transport=%s",
			  spec->number, &cs->trunk, sip_transp_param(cs->tp));
	(void)re_snprintf(from, sizeof(from), "sip:%s@%j", c->spec.caller,
			  &cs->laddr);
	err = sipsess_connect(&c->sess, cs->sock, to, NULL, from,
			      c->spec.caller, NULL, 0, "application/sdp",
			      desc, cs->user ? auth_h : NULL, cs, false,
			      offer_h, answer_h, NULL, estab_h, NULL, NULL,
			      close_h, c, "Subject: %s call\r\n",
			      spec->number);
	if (err)
		goto out;
	list_append(&cs->calls, &c->le, c);
	++cs->placed;

 out:
	mem_deref(desc);
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}


/* BYE when answered, CANCEL while trying (libre sends either) */
void caller_hangup(struct caller *c)
{
	if (c->st == CALLER_ENDED)
		return;
	c->sess = mem_deref(c->sess);
	ended(c, NULL, 0);
}


/* One 20 ms frame of what the caller says */
static void frame(struct caller *c, int16_t *pcm)
{
	const struct callers *cs = c->cs;
	unsigned v = cs->nvoice ? (unsigned)(c->id % cs->nvoice) : 0;
	const int16_t *words = cs->voice[v].pcm;
	size_t n = cs->nvoice ? cs->voice[v].n : 0;

	if (c->spec.silent || (!c->spec.tone_hz && !n)) {
		memset(pcm, 0, AUD_FRAME * sizeof(*pcm));
		return;
	}
	for (size_t i = 0; i < AUD_FRAME; i++, c->pos++) {
		if (c->spec.tone_hz)
			pcm[i] = (int16_t)(8000 * sin(2 * M_PI *
				c->spec.tone_hz * (double)c->pos / AUD_SRATE));
		else
			pcm[i] = words[c->pos % n];
	}
}


void caller_media_tick(struct caller *c, uint64_t now)
{
	const struct sa *ra = sdp_media_raddr(c->sdpm);
	uint8_t pkt[12 + CODEC_PAYLOAD_MAX];
	int16_t pcm[AUD_FRAME];
	struct mbuf *mb;

	if (c->st != CALLER_CONNECTED || !c->enc || !sa_isset(ra, SA_ALL))
		return;

	for (; c->t_next <= now; c->t_next += AUD_PTIME) {
		size_t len = CODEC_PAYLOAD_MAX;

		frame(c, pcm);
		if (c->codec->encode(c->enc, pkt + 12, &len, pcm))
			return;
		pkt[0] = 0x80;
		pkt[1] = (uint8_t)(c->pt | (c->tx_packets ? 0 : 0x80));
		for (int i = 0; i < 2; i++)
			pkt[2 + i] = (uint8_t)(c->seq >> (8 - 8 * i));
		for (int i = 0; i < 4; i++) {
			pkt[4 + i] = (uint8_t)(c->ts >> (24 - 8 * i));
			pkt[8 + i] = (uint8_t)(c->ssrc >> (24 - 8 * i));
		}
		++c->seq;
		c->ts += c->codec->clock * AUD_PTIME / 1000;
		mb = mbuf_alloc(12 + len + 16);
		if (!mb)
			return;
		(void)mbuf_write_mem(mb, pkt, 12 + len);
		mb->pos = 0;
		if (!c->tx || !srtp_encrypt(c->tx, mb)) {
			mb->pos = 0;
			(void)udp_send(rtp_sock(c->rtp), ra, mb);
			++c->tx_packets;
		}
		mem_deref(mb);
	}
}


json_t *caller_json(const struct caller *c)
{
	static const char *st[] = {"trying", "connected", "ended"};
	double db = c->rx_n ? 20 * log10(sqrt(c->rx_sq / c->rx_n) / 32768 +
					 1e-9) : -120;

	return json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:b, s:b, s:I, "
			 "s:I, s:f, s:I}",
			 "id", (json_int_t)c->id,
			 "number", c->spec.number,
			 "caller", c->spec.caller,
			 "state", st[c->st],
			 "sip_status", c->scode,
			 "reason", c->reason,
			 "srtp", c->tx != NULL,
			 "silent", c->spec.silent,
			 "tx_packets", (json_int_t)c->tx_packets,
			 "rx_packets", (json_int_t)c->rx_packets,
			 "rx_level_db", round(db * 10) / 10,
			 "talk_ms", (json_int_t)(c->t_answer ?
				callers_now() - c->t_answer : 0));
}
