/**
 * @file simcam_snap.c  A simulated camera's snapshot: a real JPEG of what
 *                      it looks at now
 *
 * A one-frame GStreamer pipeline renders the camera's scene through the
 * same crop window, scale and name overlay as its stream, and jpegenc
 * encodes it, so a pan shows in the snapshot as in the video.  Runs in the
 * caller's thread (the simulator's main loop) for the ~50 ms it takes:
 * GStreamer's own threads do the work.
 */
#include <string.h>
#include <gst/gst.h>
#include <re.h>
#include "simcam.h"

enum { SNAP_WAIT_NS = 3000000000LL };


int simcam_snapshot(struct simcam *c, struct mbuf **mbp)
{
	char launch[1024];
	GstElement *pipe, *sink;
	GstSample *sample = NULL;
	GError *gerr = NULL;
	struct mbuf *mb = NULL;
	int l, r, t, b, err = EIO;

	simcam_lock();
	simcam_window(c, &l, &r, &t, &b);
	simcam_unlock();
	re_snprintf(launch, sizeof(launch),
		    "videotestsrc pattern=smpte num-buffers=1 ! "
		    "video/x-raw,width=%d,height=%d ! "
		    "videocrop left=%d right=%d top=%d bottom=%d ! "
		    "videoscale ! video/x-raw,width=%d,height=%d ! "
		    "textoverlay text=\"%s\" valignment=top halignment=left "
		    "font-desc=\"Sans 18\" ! videoconvert ! jpegenc ! "
		    "appsink name=out sync=false", SCENE_W, SCENE_H, l, r, t,
		    b, VIEW_W, VIEW_H, c->name);
	pipe = gst_parse_launch(launch, &gerr);
	if (!pipe) {
		re_fprintf(stderr, "cameras: snapshot pipeline: %s\n",
			   gerr ? gerr->message : "?");
		g_clear_error(&gerr);
		return EIO;
	}
	sink = gst_bin_get_by_name(GST_BIN(pipe), "out");
	gst_element_set_state(pipe, GST_STATE_PLAYING);
	/* appsink's action signal: no link to libgstapp needed */
	if (sink)
		g_signal_emit_by_name(sink, "try-pull-sample",
				      (guint64)SNAP_WAIT_NS, &sample);
	if (sample) {
		GstBuffer *buf = gst_sample_get_buffer(sample);
		GstMapInfo map;

		if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
			mb = mbuf_alloc(map.size);
			if (mb && !mbuf_write_mem(mb, map.data, map.size))
				err = 0;
			gst_buffer_unmap(buf, &map);
		}
		gst_sample_unref(sample);
	}
	gst_element_set_state(pipe, GST_STATE_NULL);
	if (sink)
		gst_object_unref(sink);
	gst_object_unref(pipe);
	if (err)
		mem_deref(mb);
	else
		*mbp = mb;
	return err;
}
