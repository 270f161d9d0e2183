/**
 * @file cam_relay.h  One camera's RTSP session, remuxed to fMP4 in a
 *                    thread of its own (libavformat reads block)
 *
 * The thread hands each finished piece to the main loop through a
 * cam_xq: the init segment (with codec string and size), then one
 * fragment (moof+mdat) per frame, or news that the camera went offline.
 * It reconnects by itself with a growing pause until stopped.
 */

enum cam_msg_type {
	CAM_MSG_INIT = 1,      /* ftyp+moov; codec, width, height set  */
	CAM_MSG_KEY,           /* fragment starting with a keyframe    */
	CAM_MSG_DELTA,         /* any other fragment                   */
	CAM_MSG_OFFLINE,       /* data holds the reason (text)         */
};

/* Crosses threads: malloc'd by the relay, freed by the receiver */
struct cam_msg {
	uint64_t gen;          /* the relay that sent it               */
	char codec[32];        /* avc1.PPCCLL (INIT)                   */
	int width, height;     /* (INIT)                               */
	size_t len;
	uint8_t data[];
};

struct cam_relay;
struct cam_xq;

/* Starts the thread; every message carries gen (queue id = type) */
int  cam_relay_start(struct cam_relay **rp, const char *url,
		     struct cam_xq *xq, uint64_t gen);
/* Stops and joins the thread, frees the relay (NULL-safe) */
void cam_relay_stop(struct cam_relay *r);

/* cam_h264.c: what the relay reads of H.264 itself (Annex B) */
struct h264_info {
	bool idr;              /* an IDR slice (type 5)                */
	bool sps;              /* a sequence parameter set (type 7)    */
	uint8_t profile, constraints, level;   /* from the first SPS    */
	int width, height;     /* from the SPS, 0 if it did not parse  */
};
int  h264_scan(const uint8_t *p, size_t n, struct h264_info *info);
int  h264_codec_string(char *buf, size_t sz, const struct h264_info *in);
