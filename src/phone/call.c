/**
 * @file call.c  A caller's leg: SIP session, SDP, RTP stream
 *
 * The B2BUA answers every acceptable call at once (200 OK with an SDP
 * answer): the caller is then in the control room's hands, hears the
 * queue's announcements while waiting, and no ring-out on the far side
 * can lose the call.  The leg's audio is one media stream "call-<n>";
 * routing it to a position's headset, and the position's microphone out
 * on it, is what answering means.
 */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "media/media.h"
#include "position/pos_audio.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"
#include "phone/call_parse.h"

#define MOD "phone"

enum { ANNOUNCE_HZ = 425, ANNOUNCE_MS = 600, ANNOUNCE_DBFS = -16 };


const char *pcall_state_name(enum pcall_state st)
{
	static const char *names[] = {"queued", "ringing", "connected",
				      "held", "dialing", "ended"};

	return st <= PCALL_ENDED ? names[st] : "?";
}


static void pcall_destructor(void *arg)
{
	struct pcall *c = arg;

	list_unlink(&c->le);
	tmr_cancel(&c->ring);
	if (c->link)
		c->link->link = NULL;
	if (c->media_up)
		(void)media_stream_remove(c->ph->media, c->stream);
	mem_deref(c->sess);
	mem_deref(c->sdp);
	OPENSSL_cleanse(c->srtp_rx, sizeof(c->srtp_rx));
	OPENSSL_cleanse(c->srtp_tx, sizeof(c->srtp_tx));
}


/* An even port whose odd neighbour (RTCP) is free too on addr */
static bool port_free(const struct sa *addr, uint16_t port)
{
	for (int i = 0; i < 2; i++) {
		struct sa a = *addr;
		int fd = socket(sa_af(&a), SOCK_DGRAM, 0);
		bool ok;

		if (fd < 0)
			return false;
		sa_set_port(&a, (uint16_t)(port + i));
		ok = bind(fd, &a.u.sa, a.len) == 0;
		close(fd);
		if (!ok)
			return false;
	}
	return true;
}


/* The media thread binds the port later: a cursor walking the range
 * (rather than random picks) keeps two calls in quick succession from
 * probing the same free pair before either is bound. */
int phone_port_pick(struct phone *ph, const struct sa *addr,
		    uint16_t *portp)
{
	enum { LO = 20000, PAIRS = 20000 };

	if (!ph->next_port)
		ph->next_port = (uint16_t)(LO + 2 * (rand_u16() % PAIRS));

	for (int i = 0; i < 64; i++) {
		uint16_t port = ph->next_port;

		ph->next_port = (uint16_t)(port + 2 >= LO + 2 * PAIRS ? LO :
					   port + 2);
		if (port_free(addr, port)) {
			*portp = port;
			return 0;
		}
	}
	return EADDRINUSE;
}


int pcall_sdp_setup(struct pcall *c, const struct sa *laddr)
{
	struct sa la = *laddr;
	uint16_t port;
	int err;

	err = phone_port_pick(c->ph, &la, &port);
	if (err)
		return err;

	sa_set_port(&la, port);
	c->laddr = la;
	return pcall_sdp_prepare(&c->sdp, &c->sdpm, &la, c->trunk->srtp);
}


int pcall_media_start(struct pcall *c)
{
	const struct sdp_format *f = sdp_media_rformat(c->sdpm, NULL);
	struct media_stream_cfg cfg = {0};
	struct sa la = c->laddr;
	struct sa ra = *sdp_media_raddr(c->sdpm);
	int err;

	if (!f)
		return EPROTO;

	str_ncpy(cfg.id, c->stream, sizeof(cfg.id));
	cfg.local = &la;
	cfg.remote = &ra;
	cfg.codec = f->name;
	cfg.pt = (uint8_t)f->pt;
	if (c->srtp) {
		cfg.srtp = true;
		memcpy(cfg.srtp_rx_key, c->srtp_rx, sizeof(cfg.srtp_rx_key));
		memcpy(cfg.srtp_tx_key, c->srtp_tx, sizeof(cfg.srtp_tx_key));
	}

	err = media_stream_add(c->ph->media, &cfg);
	c->media_up = !err;
	return err;
}


static int offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			 void *arg)
{
	struct pcall *c = arg;
	int err;

	/* a re-INVITE (the network's hold, a new address): keep the
	 * stream, follow the new address on the next packet */
	err = sdp_decode(c->sdp, msg->mb, true);
	if (err)
		return err;

	return sdp_encode(descp, c->sdp, false);
}


static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct pcall *c = arg;

	return sdp_decode(c->sdp, msg->mb, false);
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}


/* The caller hung up (BYE or CANCEL) or the leg failed */
static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct pcall *c = arg;
	struct phone *ph = c->ph;

	(void)msg;
	log_info(MOD, "call %llu: caller side closed: %m",
		 (unsigned long long)c->id, err);
	c->sess = mem_deref(c->sess);
	if (c->direct || c->unmanaged) {
		phone_direct_end(ph, c, acd_end_name(c->st == PCALL_RINGING ?
				 ACD_END_ABANDONED : ACD_END_CALLER_HUNGUP));
		return;
	}
	/* the ACD's ended handler frees c */
	(void)acd_call_abandon(ph->acd, c->id, phone_mono_ms());
}


/* SDES: the caller's key protects what it sends, a fresh key of ours
 * what we send; the answer carries ours under the offer's tag */
static int srtp_answer(struct pcall *c, const struct pcall_crypto *rc)
{
	struct pcall_crypto lc = {.tag = rc->tag};

	if (RAND_bytes(lc.key, sizeof(lc.key)) != 1)
		return EIO;
	memcpy(c->srtp_rx, rc->key, sizeof(c->srtp_rx));
	memcpy(c->srtp_tx, lc.key, sizeof(c->srtp_tx));
	c->srtp = true;
	return pcall_crypto_set(c->sdpm, &lc);
}


/* A leg with its id and stream name, in no list yet */
struct pcall *pcall_new(struct phone *ph, const struct trunk *tr)
{
	struct pcall *c = mem_zalloc(sizeof(*c), pcall_destructor);

	if (!c)
		return NULL;

	c->ph = ph;
	c->trunk = tr;
	tmr_init(&c->ring);
	c->id = ++ph->seq;
	c->arrival = phone_unix_ms();
	(void)re_snprintf(c->stream, sizeof(c->stream), "call-%llu",
			  (unsigned long long)c->id);
	return c;
}


int pcall_alloc(struct pcall **cp, struct phone *ph,
		const struct trunk *tr, const struct sip_msg *msg,
		const char *queue, uint16_t *scode, const char **reason)
{
	struct pcall_crypto crypto;
	struct mbuf *desc = NULL;
	struct pcall *c;
	int err;

	c = pcall_new(ph, tr);
	if (!c)
		return ENOMEM;

	(void)pl_strcpy(&msg->uri.user, c->number, sizeof(c->number));
	str_ncpy(c->queue, queue, sizeof(c->queue));
	pcall_caller_parse(c->caller, sizeof(c->caller), c->caller_name,
			   sizeof(c->caller_name), msg);

	*scode = 500;
	*reason = "Server Error";
	err = pcall_sdp_setup(c, &tr->laddr);
	if (err)
		goto out;
	err = pcall_offer_read(c->sdp, c->sdpm, c->trunk->srtp, msg, scode,
			       reason, &crypto);
	if (err)
		goto out;
	if (c->trunk->srtp) {
		err = srtp_answer(c, &crypto);
		if (err)
			goto out;
	}

	err = sdp_encode(&desc, c->sdp, false);
	err = err ? err : sipsess_accept(&c->sess, ph->sock, msg, 200, "OK",
					 "iccs", "application/sdp", desc,
					 NULL, NULL, false, offer_handler,
					 answer_handler, estab_handler, NULL,
					 NULL, close_handler, c, "");
	if (err) {
		*scode = 500;
		*reason = "Server Error";
		goto out;
	}

	/* accepted: from here on only the ACD ends the call */
	if (pcall_media_start(c))
		log_warn(MOD, "call %llu: no media stream",
			 (unsigned long long)c->id);
	list_append(&ph->calls, &c->le, c);

 out:
	mem_deref(desc);
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}


void pcall_media_route(struct pcall *c, const char *pos, bool on)
{
	struct phone *ph = c->ph;

	phone_route(ph, pos, c->stream, on);
}


/* A recorded announcement where the node has one
 * (media.wav_dir/announce-<queue>.wav), else a short tone */
void pcall_announce(struct pcall *c, unsigned n)
{
	const struct conf *cf = c->ph->conf;
	struct media_play mp = {
		.tone_hz = ANNOUNCE_HZ,
		.level_dbfs = ANNOUNCE_DBFS,
		.duration_ms = ANNOUNCE_MS,
	};
	char target[PHONE_ID_MAX + 4], wav[1024];

	(void)n;
	if (cf->wav_dir) {
		(void)re_snprintf(wav, sizeof(wav), "%s/announce-%s.wav",
				  cf->wav_dir, c->queue);
		if (!access(wav, R_OK)) {
			mp.wav = wav;
			mp.duration_ms = 0;
		}
	}

	(void)re_snprintf(target, sizeof(target), "tx:%s", c->stream);
	(void)media_play(c->ph->media, target, &mp);
}


/* Our end of the call: libre sends BYE */
void pcall_bye(struct pcall *c)
{
	c->sess = mem_deref(c->sess);
}


json_t *pcall_json(const struct pcall *c)
{
	uint64_t now = phone_unix_ms();

	return pcall_json_links(c, json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s?,"
			 " s:I, s:I, s:I}",
			 "id", (json_int_t)c->id,
			 "queue", c->queue,
			 "queue_name", phone_queue_name(c->ph,
				phone_queue_id(c->ph, c->queue)),
			 "number", c->number,
			 "caller", c->caller,
			 "caller_name", c->caller_name,
			 "trunk", c->trunk ? c->trunk->id : "",
			 "state", pcall_state_name(c->st),
			 "position", *c->pos ? c->pos : NULL,
			 "arrival", (json_int_t)c->arrival,
			 "answered", (json_int_t)c->answered,
			 "wait_ms", (json_int_t)(c->answered ?
				c->answered - c->arrival : now - c->arrival)));
}
