/**
 * @file esn_leg.c  One dispatcher's media in one group: its RTP/SRTP
 * socket, its floor socket and what the network heard from it.
 *
 * SRTP is SDES (ESN-PROFILE, simplified): the dispatcher's key protects
 * what it sends, ours what we send.  A floor holder's packets are
 * forwarded as they are (same SSRC, sequence and timestamps) to every
 * other dispatcher of the group, re-protected with that leg's key.
 */
#include <string.h>
#include <openssl/rand.h>
#include <re.h>
#include "media/codec.h"
#include "esn_floor.h"
#include "esn.h"

static size_t hdr_len(const struct rtp_header *h)
{
	return 12 + 4 * (size_t)h->cc + (h->ext ? 4 + 4 * (size_t)h->x.len :
					 0);
}

static void heard(struct esn_leg *leg, const uint8_t *p, size_t len)
{
	int16_t pcm[AUD_FRAME * 8];
	size_t n = sizeof(pcm) / sizeof(pcm[0]);

	if (!leg->dec || codec_find("AMR-WB")->decode(leg->dec, pcm, &n, p,
						      len))
		n = 0;
	sim_heard_add(&leg->heard, pcm, n);
}

static void forward(struct esn_leg *from, const uint8_t *pkt, size_t len)
{
	struct le *le;

	for (le = from->grp->legs.head; le; le = le->next) {
		struct esn_leg *to = le->data;

		if (to != from)
			esn_leg_rtp_send(to, pkt, len);
	}
}

static void rtp_recv(const struct sa *src, const struct rtp_header *hdr,
		     struct mbuf *mb, void *arg)
{
	struct esn_leg *leg = arg;
	size_t hl = hdr_len(hdr), start;

	if (!leg->rx || mb->pos < hl)
		return;
	start = mb->pos - hl;
	mb->pos = start;
	if (srtp_decrypt(leg->rx, mb))
		return;              /* not from this dispatcher's key */
	heard(leg, mbuf_buf(mb) + hl, mbuf_get_left(mb) - hl);
	if (esn_floor_holder(&leg->grp->floor) == leg->part)
		forward(leg, mbuf_buf(mb), mbuf_get_left(mb));
}

void esn_leg_rtp_send(struct esn_leg *leg, const uint8_t *pkt, size_t len)
{
	struct mbuf *mb;

	if (!leg->tx || !sa_isset(&leg->raddr_rtp, SA_ALL))
		return;
	mb = mbuf_alloc(len + 16);
	if (!mb)
		return;
	mbuf_write_mem(mb, pkt, len);
	mb->pos = 0;
	if (!srtp_encrypt(leg->tx, mb)) {
		mb->pos = 0;
		udp_send(rtp_sock(leg->rtp), &leg->raddr_rtp, mb);
	}
	mem_deref(mb);
}

static void floor_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	esn_fcsrv_recv(arg, src, mb);
}

static void leg_destructor(void *arg)
{
	struct esn_leg *leg = arg;

	esn_fcsrv_stop(leg);
	list_unlink(&leg->le);
	mem_deref(leg->sess);
	mem_deref(leg->rtp);
	mem_deref(leg->fus);
	mem_deref(leg->tx);
	mem_deref(leg->rx);
	mem_deref(leg->dec);
	mem_deref(leg->ldesc);
	mem_deref(leg->sdp);
	mem_deref(leg->callid);
	mem_deref(leg->ltag);
	mem_deref(leg->rtag);
	mem_deref(leg->ruri);
	mem_deref(leg->luri);
	mem_deref(leg->target);
	mem_deref(leg->mcptt_id);
}

int esn_leg_alloc(struct esn_leg **legp, struct esn_group *grp,
		  const char *mcptt_id, const struct sa *laddr)
{
	struct esn_leg *leg = mem_zalloc(sizeof(*leg), leg_destructor);
	struct sa fa = *laddr;
	int err;

	if (!leg)
		return ENOMEM;
	leg->grp = grp;
	leg->part = ++grp->esn->next_part;
	tmr_init(&leg->tmr_ack);
	sa_set_port(&fa, 0);
	err  = str_dup(&leg->mcptt_id, mcptt_id);
	err |= rtp_listen(&leg->rtp, IPPROTO_UDP, laddr, 20000, 29998,
			  false, rtp_recv, NULL, leg);
	if (!err)
		err = udp_listen(&leg->fus, &fa, floor_recv, leg);
	if (!err && RAND_bytes(leg->key, sizeof(leg->key)) != 1)
		err = EIO;
	if (err)
		mem_deref(leg);
	else
		*legp = leg;
	return err;
}

int esn_leg_start(struct esn_leg *leg, const uint8_t *rkey)
{
	int err;

	leg->tx = mem_deref(leg->tx);
	leg->rx = mem_deref(leg->rx);
	err  = srtp_alloc(&leg->tx, SRTP_AES_CM_128_HMAC_SHA1_80, leg->key,
			  ESN_KEY_LEN, 0);
	err |= srtp_alloc(&leg->rx, SRTP_AES_CM_128_HMAC_SHA1_80, rkey,
			  ESN_KEY_LEN, 0);
	return err;
}

/* {"dispatcher":D,"packets":N,"level_db":L,"freq_hz":F} of the last
 * second heard */
int esn_leg_audio(struct re_printf *pf, const struct esn_leg *leg)
{
	return re_hprintf(pf, "{\"dispatcher\":\"%s\",%H}", leg->mcptt_id,
			  sim_heard_print, &leg->heard);
}
