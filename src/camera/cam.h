/**
 * @file cam.h  Digital CCTV: cameras, live video, PTZ with a control lock
 *
 * The registry knows the config's cameras.  A camera's RTSP session (a
 * relay thread) runs while anyone views it, and a little longer, so that
 * selecting it again starts at once from the cached GOP.  Viewers get the
 * fMP4 init segment, the fragments since the last keyframe, then every new
 * fragment.  PTZ goes through a per-camera control lock (priority,
 * takeover, inactivity release, Stop on every release) and an ONVIF worker
 * thread per camera.
 */
#include <stdint.h>
#include <jansson.h>

struct cam_reg;
struct cam_viewer;
struct conf;
struct audit;
struct store;
struct mbuf;

enum cam_frag_type {
	CAM_FRAG_INIT = 1,     /* codec, width, height set               */
	CAM_FRAG_KEY,
	CAM_FRAG_DELTA,
	CAM_FRAG_OFFLINE,      /* reason set                             */
};

struct cam_frag {
	enum cam_frag_type type;
	const uint8_t *p;
	size_t n;
	const char *codec;
	int width, height;
	const char *reason;
};

typedef void (cam_frag_h)(const struct cam_frag *f, void *arg);

/* store (may be NULL): wall routes and adopted cameras survive a
 * restart; locks held when iccsd went get a Stop at start */
int  cam_reg_alloc(struct cam_reg **rp, const struct conf *conf,
		   struct audit *audit, struct store *store);
/* SIGHUP: cameras added, changed or removed as the config now says */
void cam_reg_set_conf(struct cam_reg *r, const struct conf *conf);
/* May these roles see (and, with the permission, act on) the camera? */
bool cam_visible(struct cam_reg *r, const char *cam, uint32_t roles);
/* Every visible camera, for consoles */
json_t *cam_list_json(struct cam_reg *r, uint32_t roles);

/* Watch a camera's video until the viewer is dereferenced; h is called
 * at once with what is cached (init, GOP) when the camera is live */
int  cam_view(struct cam_viewer **vp, struct cam_reg *r, const char *cam,
	      cam_frag_h *h, void *arg);

/* The list for consoles: id, name, ptz, online, viewers, lock */
json_t *cam_json(struct cam_reg *r, const char *cam);

/* PTZ under the control lock.  Errors: ENOENT (no camera), ENOTSUP (no
 * PTZ), EBUSY (held by an equal or higher priority: *holderp names the
 * holder).  A successful call takes or keeps the lock. */
struct cam_who {
	const char *op;        /* operator username                      */
	const char *pos;       /* position                               */
	int prio;              /* PTZ priority, higher wins              */
};
int  cam_ptz_move(struct cam_reg *r, const char *cam,
		  const struct cam_who *who, double pan, double tilt,
		  double zoom, const char **holderp);
int  cam_ptz_preset(struct cam_reg *r, const char *cam,
		    const struct cam_who *who, const char *action,
		    const char *token, const char *name,
		    const char **holderp);
/* Absolute position or relative step (each -1..1) under the lock */
int  cam_ptz_goto(struct cam_reg *r, const char *cam,
		  const struct cam_who *who, bool relative, double pan,
		  double tilt, double zoom, const char **holderp);
/* {pan, tilt, zoom, moving} as last read, or null; a refresh is asked */
json_t *cam_status_json(struct cam_reg *r, const char *cam);
/* Release the lock if who (op at pos) holds it; Stop is sent */
int  cam_lock_release(struct cam_reg *r, const char *cam,
		      const struct cam_who *who, const char *why);
/* Every lock held from a position (console gone, session ended) */
void cam_lock_release_pos(struct cam_reg *r, const char *pos,
			  const char *why);
/* The presets last read from the camera (refreshed in the background) */
json_t *cam_presets_json(struct cam_reg *r, const char *cam);

/* WS-Discovery: Probe target (ip:port), answers collected for
 * timeout_ms, then a camera.discovered event.  EALREADY while one runs. */
int  cam_discover(struct cam_reg *r, const char *target,
		  unsigned timeout_ms);

/* Adopt a discovered device as a camera: probed over ONVIF (profile,
 * stream, PTZ) first, then stored and listed; camera.adopted tells how
 * it went.  EEXIST: the id is taken; by: the operator, for the audit. */
int  cam_adopt(struct cam_reg *r, const char *id, const char *name,
	       const char *xaddr, const char *endpoint, uint32_t roles,
	       const char *by, const char *pos);

/* Remove an adopted camera (as a reload removes a config one) and forget
 * it in the store.  EPERM: the camera is the config's. */
int  cam_forget(struct cam_reg *r, const char *cam);

/* The camera's own JPEG, fetched with its credentials (ONVIF
 * GetSnapshotUri); h gets err 0 and the picture, or an error and why.
 * ENOTSUP: the camera has no ONVIF.  arg is a mem object the request
 * keeps a reference to (dropped uncalled when the registry goes). */
typedef void (cam_snap_h)(int err, const char *why, const struct mbuf *jpeg,
			  void *arg);
int  cam_snapshot(struct cam_reg *r, const char *cam, cam_snap_h *h,
		  void *arg);

/* Video wall: tile -> camera, NULL to clear */
int  cam_wall_route(struct cam_reg *r, const char *tile, const char *cam);
json_t *cam_wall_json(struct cam_reg *r);
