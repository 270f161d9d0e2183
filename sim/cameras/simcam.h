/**
 * @file simcam.h  `iccs-sim cameras`: simulated PTZ cameras
 *
 * Each camera is an RTSP mount of one gst-rtsp-server (H.264, the camera's
 * name and a clock burned in, 1 s GOP) and an ONVIF device (SOAP over
 * HTTP) whose PTZ moves a crop window over a larger scene, so a move is
 * visible in the picture.  GStreamer runs in its own thread; the ONVIF
 * server and the motion clock run in the libre main loop.
 */

enum {
	SIMCAM_MAX = 64,
	SIMCAM_PRESETS = 8,
	SCENE_W = 1280, SCENE_H = 720,   /* the scene a camera looks at */
	VIEW_W = 640, VIEW_H = 360,      /* its widest view               */
};

struct simcam_preset {
	bool used;
	char name[32];
	double pan, tilt, zoom;
};

struct simcam {
	unsigned idx;                    /* 1..N: rtsp://.../camN       */
	char name[32];
	/* position: pan, tilt -1..1, zoom 0..1; velocity per second      */
	double pan, tilt, zoom;
	double vx, vy, vz;
	uint64_t move_until;             /* ms, monotonic; 0: still     */
	struct simcam_preset presets[SIMCAM_PRESETS];
	unsigned moves, stops;           /* PTZ commands seen (tests)   */
	unsigned svc_hits;               /* requests on GetServices' XAddrs */
	unsigned snapshots;              /* JPEGs served                */
	void *crop;                      /* GstElement of the live media */
};

struct simcam_sim {
	struct simcam cams[SIMCAM_MAX];
	unsigned n;
	uint16_t rtsp_port;
	struct sa onvif;
	char user[64];
	char pass[128];                  /* empty: no authentication    */
	bool http_auth;                  /* HTTP digest, not WS-Security */
	bool no_services;                /* an old device: no GetServices */
	bool noise;                      /* --scene noise: a busy picture */
	int clock_offset;                /* s, device clock vs ours     */
	struct http_sock *hs;
	struct udp_sock *disc;           /* WS-Discovery, or NULL        */
	struct tmr tmr;
};

uint64_t simcam_now_ms(void);
/* The crop window of a camera's position (call locked) */
void simcam_window(const struct simcam *c, int *left, int *right,
		   int *top, int *bottom);
/* Apply a camera's position to its crop window (call locked) */
void simcam_apply(struct simcam *c);
/* simcam_snap.c: a JPEG of the camera's current picture */
int  simcam_snapshot(struct simcam *c, struct mbuf **mbp);
void simcam_lock(void);
void simcam_unlock(void);

/* simcam_onvif.c */
int  simcam_onvif_start(struct simcam_sim *s);
/* simcam_disc.c: answer WS-Discovery Probes on addr */
int  simcam_disc_start(struct simcam_sim *s, const struct sa *addr);
/* simcam_wsse.c: WS-Security UsernameToken PasswordDigest check */
bool simcam_wsse_ok(const char *nonce_b64, const char *created,
		    const char *pass, const char *digest_b64);
