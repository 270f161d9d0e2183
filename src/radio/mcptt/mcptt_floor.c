/**
 * @file mcptt_floor.c  Floor channel and voice stream of an ESN call
 *
 * The floor channel is a libre UDP socket on the local m=application
 * port, driven through the floor participant of fc_part.c.  Its timers
 * run on libre tmr in the main loop: they pace signalling retries, not
 * audio, so wall-clock jitter is harmless.  Voice goes to the media
 * engine as one SRTP stream per call.
 */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <re.h>
#include <jansson.h>
#include "media/media.h"
#include "radio/radio.h"
#include "radio/mcptt/fc.h"
#include "radio/mcptt/mcptt.h"
#include "radio/mcptt/mcptt_int.h"


/* How each participant output looks to the console; !shown: not at all
 * (T103, the end of a burst, changes nothing on a console) */
static const struct {
	bool shown;
	enum radio_floor_state st;
} ui_map[] = {
	[FC_UI_GRANTED]       = {true, RADIO_FLOOR_GRANTED},
	[FC_UI_DENIED]        = {true, RADIO_FLOOR_DENIED},
	[FC_UI_REVOKED]       = {true, RADIO_FLOOR_REVOKED},
	[FC_UI_TALKER]        = {true, RADIO_FLOOR_TAKEN},
	[FC_UI_IDLE]          = {true, RADIO_FLOOR_IDLE},
	[FC_UI_QUEUED]        = {true, RADIO_FLOOR_QUEUED},
	[FC_UI_NO_ANSWER]     = {true, RADIO_FLOOR_NO_ANSWER},
	[FC_UI_NOT_PERMITTED] = {true, RADIO_FLOOR_DENIED},
	[FC_UI_MEDIA_END]     = {true, RADIO_FLOOR_IDLE},
};


/* Even port whose +1 is free too: RTCP runs on port+1 */
static bool pair_free(const struct sa *addr, uint16_t port)
{
	struct sa a = *addr;
	int fd[2] = {-1, -1};
	bool ok = true;

	for (int i = 0; i < 2 && ok; i++) {
		sa_set_port(&a, (uint16_t)(port + i));
		fd[i] = socket(sa_af(&a), SOCK_DGRAM, 0);
		ok = fd[i] >= 0 && !bind(fd[i], &a.u.sa, a.len);
	}
	for (int i = 0; i < 2; i++) {
		if (fd[i] >= 0)
			(void)close(fd[i]);
	}

	return ok;
}


int mcptt_port_pick(const struct sa *addr, uint16_t *portp)
{
	for (int i = 0; i < 32; i++) {
		uint16_t port = (uint16_t)(20000 + 2 * (rand_u16() % 20000));

		if (pair_free(addr, port)) {
			*portp = port;
			return 0;
		}
	}

	return EADDRINUSE;
}


static void ui_handler(const struct fc_ui_ev *ev, void *arg)
{
	struct mcptt_call *call = arg;
	const struct radio_events *e = call->mc->ev;
	struct radio_floor f = {.tx = ev->tx, .qpos = ev->qpos};
	struct pl user;

	if (ev->what == FC_UI_STATE) {
		if (ev->state != FC_PS_PEND_REQ)
			return;
		f.state = RADIO_FLOOR_REQUESTING;
	}
	else if ((unsigned)ev->what < ARRAY_SIZE(ui_map) &&
		 ui_map[ev->what].shown) {
		f.state = ui_map[ev->what].st;
	}
	else {
		return;
	}

	if (ev->what == FC_UI_DENIED)
		f.reason = *ev->phrase ? ev->phrase :
			fc_deny_cause_str(ev->cause);
	else if (ev->what == FC_UI_REVOKED)
		f.reason = fc_revoke_cause_str(ev->cause);
	else if (ev->what == FC_UI_NOT_PERMITTED)
		f.reason = "requests not permitted";
	else if (ev->what == FC_UI_NO_ANSWER)
		f.reason = fc_timer_name(ev->timer);
	else if (ev->what == FC_UI_MEDIA_END)
		f.reason = "the talker's audio stopped (T103)";

	if (ev->what == FC_UI_TALKER && ev->talker) {
		f.talker = ev->talker;
		if (!strcmp(ev->talker, call->alias_uri) && *call->alias)
			f.alias = call->alias;
		else if (!re_regex(ev->talker, strlen(ev->talker),
				   "[^:]+:[^@]+@", NULL, &user) &&
			 user.l < sizeof(call->alias)) {
			(void)pl_strcpy(&user, call->alias,
					sizeof(call->alias));
			f.alias = call->alias;
		}
	}

	if (e->floor)
		e->floor(call->id, &f, call->mc->arg);
}


static int send_handler(const struct fc_msg *m, void *arg)
{
	struct mcptt_call *call = arg;
	const char *reason = NULL;
	struct mbuf *mb;
	size_t n = 0;
	int err;

	if (!call->fcus || !sa_isset(&call->r.fc, SA_ALL))
		return ENOTCONN;

	mb = mbuf_alloc(1500);
	if (!mb)
		return ENOMEM;

	err = fc_msg_encode(mb->buf, mb->size, &n, m, FC_IDS_CURRENT,
			    &reason);
	if (!err) {
		mb->end = n;
		err = udp_send(call->fcus, &call->r.fc, mb);
	}
	mem_deref(mb);

	return err;
}


static void fctmr_handler(void *arg)
{
	struct mcptt_fctmr *ft = arg;

	if (ft->call->fp)
		fc_part_timer_expired(ft->call->fp, ft->t);
}


static void tmr_start_h(enum fc_timer t, uint32_t ms, void *arg)
{
	struct mcptt_call *call = arg;

	if ((unsigned)t < FC_TMR_COUNT)
		tmr_start(&call->fct[t].tmr, ms, fctmr_handler, &call->fct[t]);
}


static void tmr_stop_h(enum fc_timer t, void *arg)
{
	struct mcptt_call *call = arg;

	if ((unsigned)t < FC_TMR_COUNT)
		tmr_cancel(&call->fct[t].tmr);
}


static const struct fc_part_h part_h = {
	.send      = send_handler,
	.tmr_start = tmr_start_h,
	.tmr_stop  = tmr_stop_h,
	.ui        = ui_handler,
};


/* Only the network's floor port is listened to: anyone else on the LAN
 * could otherwise grant or revoke the floor. */
static void recv_handler(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct mcptt_call *call = arg;

	if (!call->fp || !sa_cmp(src, &call->r.fc, SA_ALL))
		return;

	while (mbuf_get_left(mb) && call->fp) {
		struct fc_msg m;
		size_t used = 0;

		if (fc_msg_decode(&m, mbuf_buf(mb), mbuf_get_left(mb), &used,
				  NULL) || !used)
			return;
		mbuf_advance(mb, (ssize_t)used);
		fc_part_recv(call->fp, &m);
	}
}


int mcptt_floor_alloc(struct mcptt_call *call)
{
	struct sa la = call->mc->rtp_addr;
	int err;

	sa_set_port(&la, 0);
	err = udp_listen(&call->fcus, &la, recv_handler, call);
	if (!err)
		err = udp_local_get(call->fcus, &la);
	if (!err)
		call->l.fc_port = sa_port(&la);

	for (int t = 0; t < FC_TMR_COUNT; t++) {
		call->fct[t].call = call;
		call->fct[t].t = (enum fc_timer)t;
		tmr_init(&call->fct[t].tmr);
	}

	return err;
}


static uint16_t floor_ind(const struct mcptt_call *call)
{
	uint16_t ind = FC_IND_NORMAL;

	if (call->emergency)
		ind |= FC_IND_EMERGENCY;
	if (call->imminent)
		ind |= FC_IND_IMMINENT;
	if (call->broadcast)
		ind |= FC_IND_BROADCAST;
	if (call->r.queueing)
		ind |= FC_IND_QUEUEING;

	return ind;
}


/* The participant's priority is fixed when it is made: a new priority
 * or emergency state makes a new one while we hold no floor. */
static int part_make(struct mcptt_call *call, uint8_t prio)
{
	struct fc_part_conf pc;
	int err;

	fc_part_conf_default(&pc);
	pc.ssrc = rand_u32();
	pc.prio = (uint8_t)min(prio, call->r.prio);
	pc.floor_ind = floor_ind(call);

	call->fp = mem_deref(call->fp);
	err = fc_part_alloc(&call->fp, &pc, &part_h, call);
	if (!err) {
		call->ptt_prio = pc.prio;
		call->ptt_ind = pc.floor_ind;
		fc_part_start(call->fp, false);
	}

	return err;
}


int mcptt_floor_start(struct mcptt_call *call)
{
	if (!call->fcus)
		return ENOTCONN;

	/* a rejoin is no floor request: wait for Floor Taken / Idle */
	return part_make(call, call->mc->prio);
}


void mcptt_floor_stop(struct mcptt_call *call)
{
	if (call->fp)
		fc_part_stop(call->fp);
	for (int t = 0; t < FC_TMR_COUNT; t++)
		tmr_cancel(&call->fct[t].tmr);
	call->fp = mem_deref(call->fp);
	call->fcus = mem_deref(call->fcus);
}


int mcptt_floor_ptt(struct mcptt_call *call, bool pressed, uint8_t prio)
{
	uint8_t want = (uint8_t)min(prio ? prio : call->mc->prio,
				    call->r.prio);
	int err;

	if (!call->fp)
		return ENOTCONN;

	if (pressed && (want != call->ptt_prio ||
			floor_ind(call) != call->ptt_ind) &&
	    fc_part_state(call->fp) == FC_PS_NO_PERM) {
		err = part_make(call, want);
		if (err)
			return err;
	}

	fc_part_ptt(call->fp, pressed);

	return 0;
}


/* T103 runs while someone else talks and is restarted by their media:
 * the media thread counts received packets per stream and publishes the
 * counts every second, which is fine grained enough for a 4 s timer. */
enum { RX_POLL_MS = 1000 };

static void rx_tmr(void *arg)
{
	struct mcptt_call *call = arg;
	json_t *st = media_stats(call->mc->media);
	json_t *rx = json_object_get(json_object_get(st, call->stream),
				     "rx_packets");
	uint64_t n = (uint64_t)json_integer_value(rx);

	if (n > call->rx_seen)
		fc_part_rtp(call->fp);
	call->rx_seen = n;
	json_decref(st);
	tmr_start(&call->tmr_rx, RX_POLL_MS, rx_tmr, call);
}


int mcptt_media_start(struct mcptt_call *call)
{
	struct media_stream_cfg cfg = {
		.codec = "AMR-WB",
		.fmtp = "octet-align=1",
		.pt = 96,
		.srtp = true,
	};
	struct sa la = call->mc->rtp_addr;
	int err;

	if (!call->mc->media || call->media_up)
		return 0;

	sa_set_port(&la, call->l.audio_port);
	str_ncpy(cfg.id, call->stream, sizeof(cfg.id));
	cfg.local = &la;
	cfg.remote = &call->r.audio;
	memcpy(cfg.srtp_rx_key, call->r.key, sizeof(cfg.srtp_rx_key));
	memcpy(cfg.srtp_tx_key, call->l.key, sizeof(cfg.srtp_tx_key));

	err = media_stream_add(call->mc->media, &cfg);
	call->media_up = !err;
	call->rx_seen = 0;
	if (!err)
		tmr_start(&call->tmr_rx, RX_POLL_MS, rx_tmr, call);

	return err;
}


void mcptt_media_stop(struct mcptt_call *call)
{
	tmr_cancel(&call->tmr_rx);
	if (call->media_up && call->mc->media)
		(void)media_stream_remove(call->mc->media, call->stream);
	call->media_up = false;
}
