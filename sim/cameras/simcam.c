/**
 * @file simcam.c  `iccs-sim cameras`: RTSP mounts and the PTZ motion clock
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <re.h>
#include "simcam.h"

enum { MOTION_MS = 40 };

/* Guards every camera's position and crop element: GStreamer's thread
 * sets the element, the main loop moves it */
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static GMainLoop *gloop;

void simcam_lock(void)   { pthread_mutex_lock(&mtx); }
void simcam_unlock(void) { pthread_mutex_unlock(&mtx); }


uint64_t simcam_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


/* The view is a window of the scene: zoom 0 is VIEW_W x VIEW_H, zoom 1 is
 * half of that; pan -1..1 slides it from the left edge to the right, tilt
 * from the bottom to the top.  The window's size only changes with zoom,
 * so a pan or tilt never renegotiates caps. (call locked) */
void simcam_window(const struct simcam *c, int *left, int *right,
		   int *top, int *bottom)
{
	int w = (int)(VIEW_W * (1.0 - c->zoom / 2.0)) & ~1;
	int h = (int)(VIEW_H * (1.0 - c->zoom / 2.0)) & ~1;

	*left = (int)((c->pan + 1.0) / 2.0 * (SCENE_W - w)) & ~1;
	*top = (int)((1.0 - c->tilt) / 2.0 * (SCENE_H - h)) & ~1;
	*right = SCENE_W - w - *left;
	*bottom = SCENE_H - h - *top;
}


void simcam_apply(struct simcam *c)
{
	int l, r, t, b;

	if (!c->crop)
		return;
	simcam_window(c, &l, &r, &t, &b);
	g_object_set(c->crop, "left", l, "right", r, "top", t, "bottom", b,
		     NULL);
}


static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}


/* Continuous moves: full pan range (2) in 4 s at speed 1 */
static void motion_tick(void *arg)
{
	struct simcam_sim *s = arg;
	uint64_t now = simcam_now_ms();
	const double dt = MOTION_MS / 1000.0;

	tmr_start(&s->tmr, MOTION_MS, motion_tick, s);
	simcam_lock();
	for (unsigned i = 0; i < s->n; i++) {
		struct simcam *c = &s->cams[i];

		if (!c->move_until)
			continue;
		if (now >= c->move_until) {
			c->move_until = 0;
			c->vx = c->vy = c->vz = 0;
			continue;
		}
		c->pan = clampd(c->pan + c->vx * dt * 0.5, -1, 1);
		c->tilt = clampd(c->tilt + c->vy * dt * 0.5, -1, 1);
		c->zoom = clampd(c->zoom + c->vz * dt * 0.5, 0, 1);
		simcam_apply(c);
	}
	simcam_unlock();
}


/* A machine-readable millisecond clock in the picture's bottom-left
 * corner: 48 blocks of 8x16 pixels, bit 47 first, white for 1, written
 * into the luma plane just before encoding.  bench/camera.mjs reads it
 * back in the browser for glass-to-glass latency. */
enum { STAMP_BITS = 48, STAMP_W = 8, STAMP_H = 16 };

static GstPadProbeReturn stamp_probe(GstPad *pad, GstPadProbeInfo *info,
				     gpointer data)
{
	GstBuffer *buf = gst_pad_probe_info_get_buffer(info);
	struct timespec ts;
	GstMapInfo map;
	uint64_t ms;

	(void)pad;
	(void)data;
	if (!buf)
		return GST_PAD_PROBE_OK;
	buf = gst_buffer_make_writable(buf);
	GST_PAD_PROBE_INFO_DATA(info) = buf;
	if (!gst_buffer_map(buf, &map, GST_MAP_WRITE))
		return GST_PAD_PROBE_OK;
	if (map.size >= (size_t)VIEW_W * VIEW_H * 3 / 2) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		for (int y = VIEW_H - STAMP_H; y < VIEW_H; y++) {
			uint8_t *row = map.data + (size_t)y * VIEW_W;

			for (int b = 0; b < STAMP_BITS; b++)
				memset(row + b * STAMP_W,
				       (ms >> (STAMP_BITS - 1 - b)) & 1 ?
				       235 : 16, STAMP_W);
		}
		/* grey chroma under the stamp (I420: U then V, half size) */
		for (int pl = 0; pl < 2; pl++) {
			uint8_t *plane = map.data + (size_t)VIEW_W * VIEW_H +
				(size_t)pl * (VIEW_W / 2) * (VIEW_H / 2);

			for (int y = (VIEW_H - STAMP_H) / 2; y < VIEW_H / 2; y++)
				memset(plane + (size_t)y * (VIEW_W / 2), 128,
				       STAMP_BITS * STAMP_W / 2);
		}
	}
	gst_buffer_unmap(buf, &map);
	return GST_PAD_PROBE_OK;
}


static void media_unprepared(GstRTSPMedia *media, gpointer data)
{
	struct simcam *c = data;

	simcam_lock();
	if (c->crop) {
		gst_object_unref(c->crop);
		c->crop = NULL;
	}
	simcam_unlock();
}


/* The pipeline is built anew when a client comes after the last left:
 * find its crop window and put it where the camera points */
static void media_configure(GstRTSPMediaFactory *f, GstRTSPMedia *media,
			    gpointer data)
{
	struct simcam *c = data;
	GstElement *el = gst_rtsp_media_get_element(media);
	GstElement *crop = gst_bin_get_by_name_recurse_up(GST_BIN(el), "ptz");
	GstElement *enc = gst_bin_get_by_name_recurse_up(GST_BIN(el), "enc");
	GstPad *pad = enc ? gst_element_get_static_pad(enc, "sink") : NULL;

	if (pad) {
		gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe,
				  NULL, NULL);
		gst_object_unref(pad);
	}
	if (enc)
		gst_object_unref(enc);
	gst_object_unref(el);
	simcam_lock();
	if (c->crop)
		gst_object_unref(c->crop);
	c->crop = crop;
	simcam_apply(c);
	simcam_unlock();
	g_signal_connect(media, "unprepared", G_CALLBACK(media_unprepared), c);
}


/*
 * smpte bars are a scene with edges everywhere: any pan shows.  Being
 * still, they encode to ~110 kbit/s whatever the target; "noise" changes
 * every pixel every frame, so the encoder spends its whole 1 Mbit/s like
 * a camera on a busy street (benchmarks of the relay's cost per stream).
 */
static int mount(GstRTSPMountPoints *mp, struct simcam *c, bool noise)
{
	GstRTSPMediaFactory *f = gst_rtsp_media_factory_new();
	char launch[1024], path[32];

	re_snprintf(launch, sizeof(launch),
		    "( videotestsrc is-live=true pattern=%s ! "
		    "video/x-raw,width=%d,height=%d,framerate=25/1 ! "
		    "videocrop name=ptz ! videoscale ! "
		    "video/x-raw,width=%d,height=%d ! "
		    "textoverlay text=\"%s\" valignment=top halignment=left "
		    "font-desc=\"Sans 18\" ! "
		    "clockoverlay valignment=bottom halignment=right "
		    "time-format=\"%%H:%%M:%%S\" font-desc=\"Sans 18\" ! "
		    "videoconvert ! video/x-raw,format=I420 ! "
		    "x264enc name=enc tune=zerolatency speed-preset=ultrafast "
		    "key-int-max=25 bframes=0 bitrate=1000 threads=1 ! "
		    "video/x-h264,profile=constrained-baseline ! "
		    "rtph264pay name=pay0 pt=96 config-interval=1 )",
		    noise ? "snow" : "smpte", SCENE_W, SCENE_H, VIEW_W,
		    VIEW_H, c->name);
	gst_rtsp_media_factory_set_launch(f, launch);
	gst_rtsp_media_factory_set_shared(f, TRUE);
	g_signal_connect(f, "media-configure", G_CALLBACK(media_configure), c);
	re_snprintf(path, sizeof(path), "/cam%u", c->idx);
	gst_rtsp_mount_points_add_factory(mp, path, f);
	return 0;
}


static void *gst_thread(void *arg)
{
	(void)arg;
	g_main_loop_run(gloop);
	return NULL;
}


static int rtsp_start(struct simcam_sim *s, pthread_t *tid)
{
	GstRTSPServer *srv;
	GstRTSPMountPoints *mp;
	char port[8];

	gst_init(NULL, NULL);
	gloop = g_main_loop_new(NULL, FALSE);
	srv = gst_rtsp_server_new();
	re_snprintf(port, sizeof(port), "%u", s->rtsp_port);
	gst_rtsp_server_set_address(srv, "127.0.0.1");
	gst_rtsp_server_set_service(srv, port);
	mp = gst_rtsp_server_get_mount_points(srv);
	for (unsigned i = 0; i < s->n; i++)
		mount(mp, &s->cams[i], s->noise);
	g_object_unref(mp);
	if (gst_rtsp_server_attach(srv, NULL) == 0) {
		re_fprintf(stderr, "cameras: cannot listen on RTSP port %u\n",
			   s->rtsp_port);
		return EADDRINUSE;
	}
	return pthread_create(tid, NULL, gst_thread, NULL);
}


static int read_secret(char *buf, size_t sz, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return errno;
	n = fread(buf, 1, sz - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}


static int usage(void)
{
	re_fprintf(stderr, "usage: iccs-sim cameras [--count N] "
		   "[--rtsp-port P] [--onvif ADDR:PORT] [--user U "
		   "--password-file F] [--clock-offset S] [--names A,B,..] "
		   "[--discovery ADDR:PORT] [--auth wsse|http] "
		   "[--services yes|no] [--scene bars|noise]\n");
	return 2;
}


static struct sa disc_addr;

static int args(struct simcam_sim *s, int argc, char *argv[])
{
	const char *names = NULL;
	int err = 0;

	s->n = 4;
	s->rtsp_port = 8554;
	sa_set_str(&s->onvif, "127.0.0.1", 8080);
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return EINVAL;
		if (!strcmp(k, "--count"))
			s->n = (unsigned)atoi(v);
		else if (!strcmp(k, "--rtsp-port"))
			s->rtsp_port = (uint16_t)atoi(v);
		else if (!strcmp(k, "--onvif"))
			err = sa_decode(&s->onvif, v, strlen(v));
		else if (!strcmp(k, "--user"))
			str_ncpy(s->user, v, sizeof(s->user));
		else if (!strcmp(k, "--password-file"))
			err = read_secret(s->pass, sizeof(s->pass), v);
		else if (!strcmp(k, "--auth"))
			s->http_auth = !strcmp(v, "http");
		else if (!strcmp(k, "--services"))
			s->no_services = !strcmp(v, "no");
		else if (!strcmp(k, "--scene")) {
			s->noise = !strcmp(v, "noise");
			if (!s->noise && strcmp(v, "bars"))
				return EINVAL;
		}
		else if (!strcmp(k, "--clock-offset"))
			s->clock_offset = atoi(v);
		else if (!strcmp(k, "--names"))
			names = v;
		else if (!strcmp(k, "--discovery"))
			err = sa_decode(&disc_addr, v, strlen(v));
		else
			return EINVAL;
		if (err)
			return err;
	}
	if (!s->n || s->n > SIMCAM_MAX)
		return EINVAL;
	for (unsigned i = 0; i < s->n; i++) {
		struct simcam *c = &s->cams[i];
		const char *comma = names ? strchr(names, ',') : NULL;
		size_t len = names ? (comma ? (size_t)(comma - names) :
				      strlen(names)) : 0;

		c->idx = i + 1;
		if (len)
			re_snprintf(c->name, sizeof(c->name), "%b", names,
				    len);
		else
			re_snprintf(c->name, sizeof(c->name), "cam%u", i + 1);
		names = comma ? comma + 1 : NULL;
	}
	return 0;
}


static void signal_h(int sig)
{
	(void)sig;
	re_cancel();
}


int cameras_main(int argc, char *argv[])
{
	static struct simcam_sim s;
	pthread_t tid;
	int err;

	err = args(&s, argc, argv);
	if (err)
		return usage();

	err = rtsp_start(&s, &tid);
	if (err)
		return 1;
	err = simcam_onvif_start(&s);
	if (err) {
		re_fprintf(stderr, "cameras: ONVIF on %J: %m\n", &s.onvif,
			   err);
		return 1;
	}
	if (sa_isset(&disc_addr, SA_ALL) &&
	    (err = simcam_disc_start(&s, &disc_addr))) {
		re_fprintf(stderr, "cameras: WS-Discovery on %J: %m\n",
			   &disc_addr, err);
		return 1;
	}
	tmr_init(&s.tmr);
	tmr_start(&s.tmr, MOTION_MS, motion_tick, &s);

	re_printf("cameras: ready n=%u rtsp=127.0.0.1:%u onvif=%J\n", s.n,
		  s.rtsp_port, &s.onvif);
	fflush(stdout);
	err = re_main(signal_h);

	tmr_cancel(&s.tmr);
	s.hs = mem_deref(s.hs);
	s.disc = mem_deref(s.disc);
	g_main_loop_quit(gloop);
	pthread_join(tid, NULL);
	return err ? 1 : 0;
}
