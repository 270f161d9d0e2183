/**
 * @file cam_relay.c  RTSP in, fragmented MP4 out, no transcoding
 *
 * libavformat reads the camera over RTSP interleaved in TCP.  Packets of
 * one access unit (same timestamp: cameras and x264 slice a picture into
 * several NAL units) are joined, then muxed into one fMP4 fragment per
 * frame: the lowest latency MSE can play.  The muxer writes into a
 * memory AVIOContext; after each flush the buffer holds exactly one piece
 * (init segment or fragment), which goes to the main loop.
 *
 * Traps (reference/platform.md): FFmpeg 5.1's socket timeout is `timeout`
 * in microseconds, and a stalled camera errors only after long, so an
 * interrupt callback is the watchdog; every packet gets a duration or
 * per-frame fragments collapse onto time 0.
 */
#include <string.h>
#include <stdatomic.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <re.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include "core/log.h"
#include "camera/cam_relay.h"
#include "camera/cam_xq.h"

#define MOD "camera"

enum {
	STALL_MS = 5000,            /* no packet for this long: reconnect */
	BACKOFF_MIN_MS = 500,
	BACKOFF_MAX_MS = 10000,
	AVIO_BUF = 65536,
	FRAME_DUR_DEFAULT = 3600,   /* 40 ms at 90 kHz                    */
	MAX_FRAME_GAP = 90000,      /* 1 s at 90 kHz                      */
};

struct cam_relay {
	pthread_t tid;
	atomic_bool stop;
	char *url;
	struct cam_xq *xq;
	uint64_t gen;
	uint64_t last_pkt_ms;       /* watchdog (relay thread only)       */
	char why[80];               /* what failed (relay thread only)    */
	struct mbuf *out;           /* what the muxer wrote since a flush */
};


static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static int interrupt_cb(void *arg)
{
	struct cam_relay *r = arg;

	if (atomic_load(&r->stop))
		return 1;
	return r->last_pkt_ms && mono_ms() - r->last_pkt_ms > STALL_MS;
}


static void post(struct cam_relay *r, enum cam_msg_type type,
		 const void *p, size_t n, const char *codec, int w, int h)
{
	struct cam_msg *m = malloc(sizeof(*m) + n);

	if (!m)
		return;
	memset(m, 0, sizeof(*m));
	m->gen = r->gen;
	m->len = n;
	m->width = w;
	m->height = h;
	if (codec)
		str_ncpy(m->codec, codec, sizeof(m->codec));
	if (n)
		memcpy(m->data, p, n);
	if (cam_xq_push(r->xq, type, m))
		free(m);   /* main loop stalled: the viewer skips */
}


static int write_cb(void *arg, uint8_t *buf, int size)
{
	struct cam_relay *r = arg;

	return mbuf_write_mem(r->out, buf, (size_t)size) ? -1 : size;
}


/* Post what the muxer wrote since the last flush as one piece */
static void flush_piece(struct cam_relay *r, AVFormatContext *oc,
			enum cam_msg_type type, const char *codec, int w,
			int h)
{
	avio_flush(oc->pb);
	if (r->out->end)
		post(r, type, r->out->buf, r->out->end, codec, w, h);
	mbuf_rewind(r->out);
}


struct session {
	AVFormatContext *ic, *oc;
	int vi;                     /* the video stream's index           */
	AVPacket *held;             /* the access unit being joined       */
	int64_t out_ts;             /* next output timestamp              */
	bool started;               /* first keyframe seen                */
};


static int open_input(struct cam_relay *r, struct session *s)
{
	AVDictionary *o = NULL;
	int err;

	s->ic = avformat_alloc_context();
	if (!s->ic)
		return ENOMEM;
	s->ic->interrupt_callback.callback = interrupt_cb;
	s->ic->interrupt_callback.opaque = r;
	/* we join access units and find keyframes ourselves: the parser
	 * would hold every frame until the next one begins */
	s->ic->flags |= AVFMT_FLAG_NOPARSE;
	s->ic->max_delay = 0;
	av_dict_set(&o, "rtsp_transport", "tcp", 0);
	av_dict_set(&o, "timeout", "5000000", 0);
	av_dict_set(&o, "allowed_media_types", "video", 0);
	err = avformat_open_input(&s->ic, r->url, NULL, &o);
	av_dict_free(&o);
	if (err < 0) {
		av_strerror(err, r->why, sizeof(r->why));
		return EPROTO;
	}

	s->vi = av_find_best_stream(s->ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL,
				    0);
	if (s->vi < 0 ||
	    s->ic->streams[s->vi]->codecpar->codec_id != AV_CODEC_ID_H264) {
		str_ncpy(r->why, "no H.264 video stream", sizeof(r->why));
		return ENOTSUP;
	}
	return 0;
}


static int open_output(struct cam_relay *r, struct session *s,
		       char *codec, size_t csz)
{
	AVCodecParameters *par = s->ic->streams[s->vi]->codecpar;
	AVDictionary *o = NULL;
	struct h264_info hi;
	uint8_t *buf;
	AVStream *st;
	int err;

	if (par->extradata_size <= 0 ||
	    h264_scan(par->extradata, (size_t)par->extradata_size, &hi) ||
	    h264_codec_string(codec, csz, &hi)) {
		str_ncpy(r->why, "no SPS in the SDP (sprop-parameter-sets)",
			 sizeof(r->why));
		return EPROTO;
	}
	/* the demuxer knows the size only after find_stream_info, which
	 * would cost the first keyframe: read it from the SPS */
	if (par->width <= 0 || par->height <= 0) {
		par->width = hi.width;
		par->height = hi.height;
	}
	if (par->width <= 0 || par->height <= 0) {
		str_ncpy(r->why, "no picture size in the SPS",
			 sizeof(r->why));
		return EPROTO;
	}

	if (avformat_alloc_output_context2(&s->oc, NULL, "mp4", NULL) < 0)
		return ENOMEM;
	st = avformat_new_stream(s->oc, NULL);
	buf = av_malloc(AVIO_BUF);
	if (!st || !buf)
		return ENOMEM;
	s->oc->pb = avio_alloc_context(buf, AVIO_BUF, 1, r, NULL, write_cb,
				       NULL);
	if (!s->oc->pb) {
		av_free(buf);
		return ENOMEM;
	}
	s->oc->flags |= AVFMT_FLAG_CUSTOM_IO;
	avcodec_parameters_copy(st->codecpar, par);
	st->codecpar->codec_tag = 0;
	st->time_base = s->ic->streams[s->vi]->time_base;

	av_dict_set(&o, "movflags", "frag_custom+empty_moov+"
		    "default_base_moof+skip_trailer", 0);
	err = avformat_write_header(s->oc, &o);
	av_dict_free(&o);
	if (err < 0) {
		av_strerror(err, r->why, sizeof(r->why));
		return EPROTO;
	}

	flush_piece(r, s->oc, CAM_MSG_INIT, codec, par->width, par->height);
	return 0;
}


/* Mux the held access unit; its duration is the gap to the next one */
static int mux_held(struct cam_relay *r, struct session *s, int64_t next)
{
	AVPacket *p = s->held;
	AVStream *ist = s->ic->streams[s->vi];
	struct h264_info hi;
	bool key;
	int err;

	if (!p->size)
		return 0;
	key = !h264_scan(p->data, (size_t)p->size, &hi) && hi.idr;
	if (!s->started && !key) {
		av_packet_unref(p);   /* nothing decodes before a keyframe */
		return 0;
	}
	s->started = true;
	/* Our own gapless timeline: the demuxer's timestamps jump when the
	 * first RTCP sender report arrives (and on camera clock steps); a
	 * jump would be a hole MSE stalls at, or a duration the muxer
	 * refuses.  A gap of more than a second counts as one frame. */
	p->duration = next != AV_NOPTS_VALUE && next > p->pts &&
		next - p->pts <= MAX_FRAME_GAP ? next - p->pts :
		FRAME_DUR_DEFAULT;
	p->pts = s->out_ts;
	p->dts = p->pts;   /* cameras for live view send no B-frames */
	s->out_ts += p->duration;
	p->flags = key ? AV_PKT_FLAG_KEY : 0;
	p->stream_index = 0;
	av_packet_rescale_ts(p, ist->time_base, s->oc->streams[0]->time_base);

	err = av_write_frame(s->oc, p);
	if (err >= 0)
		err = av_write_frame(s->oc, NULL);
	if (err < 0) {
		char e[64];

		av_strerror(err, e, sizeof(e));
		re_snprintf(r->why, sizeof(r->why), "the muxer refused a "
			    "frame (pts %lld): %s", (long long)p->pts, e);
		return EPROTO;
	}
	av_packet_unref(p);
	flush_piece(r, s->oc, key ? CAM_MSG_KEY : CAM_MSG_DELTA, NULL, 0, 0);
	return 0;
}


static int join(struct session *s, AVPacket *pkt)
{
	size_t off = (size_t)s->held->size;

	if (!s->held->size)
		return av_packet_ref(s->held, pkt) < 0 ? ENOMEM : 0;
	if (av_grow_packet(s->held, pkt->size) < 0)
		return ENOMEM;
	memcpy(s->held->data + off, pkt->data, (size_t)pkt->size);
	return 0;
}


static int read_loop(struct cam_relay *r, struct session *s)
{
	AVPacket *pkt = av_packet_alloc();
	int err = 0;

	if (!pkt)
		return ENOMEM;
	while (!err && !atomic_load(&r->stop)) {
		if ((err = av_read_frame(s->ic, pkt)) < 0) {
			av_strerror(err, r->why, sizeof(r->why));
			err = EPIPE;
			break;
		}
		r->last_pkt_ms = mono_ms();
		if (pkt->stream_index != s->vi || pkt->pts == AV_NOPTS_VALUE) {
			av_packet_unref(pkt);
			continue;
		}
		if (s->held->size && pkt->pts != s->held->pts)
			err = mux_held(r, s, pkt->pts);
		if (!err)
			err = join(s, pkt);
		av_packet_unref(pkt);
	}
	av_packet_free(&pkt);
	return err;
}


static void session_close(struct session *s)
{
	if (s->oc) {
		if (s->oc->pb)
			av_freep(&s->oc->pb->buffer);
		avio_context_free(&s->oc->pb);
		avformat_free_context(s->oc);
	}
	avformat_close_input(&s->ic);
	av_packet_free(&s->held);
}


static int session_run(struct cam_relay *r, bool *opened)
{
	struct session s = {.vi = -1};
	char codec[32];
	int err;

	r->last_pkt_ms = 0;
	s.held = av_packet_alloc();
	err = s.held ? open_input(r, &s) : ENOMEM;
	r->last_pkt_ms = mono_ms();
	if (!err)
		err = open_output(r, &s, codec, sizeof(codec));
	if (!err) {
		*opened = true;
		err = read_loop(r, &s);
	}
	session_close(&s);
	return err;
}


static void pause_ms(struct cam_relay *r, unsigned ms)
{
	for (unsigned t = 0; t < ms && !atomic_load(&r->stop); t += 50) {
		struct timespec ts = {0, 50 * 1000000};

		nanosleep(&ts, NULL);
	}
}


static void *relay_thread(void *arg)
{
	struct cam_relay *r = arg;
	unsigned backoff = BACKOFF_MIN_MS;

	while (!atomic_load(&r->stop)) {
		bool opened = false;
		char why[128];
		int err;

		r->why[0] = '\0';
		err = session_run(r, &opened);
		if (atomic_load(&r->stop))
			break;
		if (r->why[0])
			re_snprintf(why, sizeof(why), "%s: %s", opened ?
				    "stream lost" : "cannot open stream",
				    r->why);
		else
			re_snprintf(why, sizeof(why), "%s: %m", opened ?
				    "stream lost" : "cannot open stream", err);
		post(r, CAM_MSG_OFFLINE, why, strlen(why) + 1, NULL, 0, 0);
		if (opened)
			backoff = BACKOFF_MIN_MS;
		pause_ms(r, backoff);
		backoff = min(backoff * 2, (unsigned)BACKOFF_MAX_MS);
	}
	return NULL;
}


static void relay_destructor(void *data)
{
	struct cam_relay *r = data;

	mem_deref(r->url);
	mem_deref(r->out);
	mem_deref(r->xq);
}


int cam_relay_start(struct cam_relay **rp, const char *url,
		    struct cam_xq *xq, uint64_t gen)
{
	struct cam_relay *r;
	int err;

	r = mem_zalloc(sizeof(*r), relay_destructor);
	if (!r)
		return ENOMEM;
	atomic_init(&r->stop, false);
	r->gen = gen;
	r->xq = mem_ref(xq);
	r->out = mbuf_alloc(AVIO_BUF);
	err = str_dup(&r->url, url);
	if (!err && !r->out)
		err = ENOMEM;
	if (!err)
		err = pthread_create(&r->tid, NULL, relay_thread, r);
	if (err) {
		mem_deref(r);
		return err;
	}
	*rp = r;
	return 0;
}


void cam_relay_stop(struct cam_relay *r)
{
	if (!r)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->tid, NULL);
	mem_deref(r);
}
