/**
 * @file cam_int.h  Internals of the camera module
 */

enum {
	CAM_ID_MAX = 64,
	CAM_GOP_MAX_BYTES = 8 * 1024 * 1024,   /* a GOP beyond: not cached */
	CAM_LINGER_MS = 60000,   /* relay kept after the last viewer      */
	CAM_LOCK_IDLE_MS = 15000,
	CAM_MOVE_TIMEOUT_S = 1,  /* ContinuousMove always with a timeout  */
	CAM_MOVE_REFRESH_MS = 700,
	CAM_PRESETS_MAX = 32,
};

struct cam_piece {
	struct le le;
	enum cam_frag_type type;
	size_t n;
	uint8_t *p;
};

struct cam_preset {
	char token[CAM_ID_MAX];
	char name[CAM_ID_MAX];
};

struct cam_ptz;

struct cam {
	struct le le;
	struct cam_reg *reg;
	char id[CAM_ID_MAX];
	char name[128];
	char *rtsp;              /* from config or ONVIF GetStreamUri    */
	char *onvif;             /* device service URL, NULL: no ONVIF    */
	bool ptz;
	uint32_t roles;          /* roles that may see and act on it      */
	bool rtsp_conf;          /* rtsp from the config, not ONVIF       */
	bool adopted;            /* from WS-Discovery (store), not config */
	bool probing;            /* adopted, first ONVIF set-up not done  */
	struct {                 /* who adopted it (while probing)        */
		char by[64], pos[64], endpoint[128];
	} adopt;
	struct list snaps;       /* snapshot requests waiting (cam_snap.c) */

	/* video */
	struct cam_relay *relay;
	uint64_t gen;
	struct list viewers;
	struct tmr linger;
	struct cam_piece *init;
	char codec[32];
	int width, height;
	struct list gop;         /* pieces since the last keyframe       */
	size_t gop_bytes;
	bool online;
	char reason[128];
	uint64_t frags;

	/* control lock */
	char holder[64];         /* operator, "" when free               */
	char holder_pos[64];
	int holder_prio;
	bool moving;
	double v[3];             /* last velocity asked                  */
	struct tmr idle;         /* inactivity release                   */
	struct tmr refresh;      /* re-send ContinuousMove while moving  */
	struct cam_ptz *worker;  /* ONVIF thread                         */
	struct cam_preset presets[CAM_PRESETS_MAX];
	size_t presetc;
	bool pos_known;          /* last GetStatus                       */
	double pos[3];
	bool pos_moving;
};

struct cam_reg {
	const struct conf *conf;
	struct audit *audit;
	struct list cams;
	struct cam_xq *xq;       /* relay and ONVIF threads -> main loop */
	uint64_t gen;
	struct list tiles;       /* struct cam_tile                      */
	unsigned lock_idle_ms;
	char *user, *pass;       /* ONVIF credentials, NULL: none        */
	struct cam_disc *disc;   /* a WS-Discovery in progress           */
	struct store *store;     /* wall routes, adopted cameras, locks   */
	bool closing;            /* being freed: nobody is called back    */
};

struct cam_tile {
	struct le le;
	char tile[CAM_ID_MAX];
	char cam[CAM_ID_MAX];
};

struct cam *cam_find(struct cam_reg *r, const char *id);
/* ONVIF found the stream the config did not name */
void cam_stream_uri(struct cam *c, const char *uri);

/* A camera leaves (reload, failed adoption): viewers and waiting
 * snapshots are told why, its lock released with Stop, routes cleared */
void cam_remove(struct cam *c, const char *why);

/* Set a wall tile without telling or storing (loading the store) */
int  cam_wall_set(struct cam_reg *r, const char *tile, const char *cam);

/* cam_store.c: what survives a restart (store migration 3) */
void cam_store_load(struct cam_reg *r);
void cam_store_wall(struct cam_reg *r, const char *tile, const char *cam);
void cam_store_lock(struct cam *c);      /* holder now, or none       */
int  cam_store_adopt(struct cam_reg *r, const struct cam *c,
		     const char *endpoint, const char *by);
int  cam_store_forget(struct cam_reg *r, const char *id);
int  cam_new(struct cam **cp, struct cam_reg *r, const char *id,
	     const char *name, const char *rtsp, const char *onvif,
	     bool ptz, uint32_t roles);

/* cam_adopt.c: the set-up of an adopted camera ended; false: it failed
 * and the camera is gone */
bool cam_adopt_probed(struct cam *c, int err, const char *why);

/* cam_snap.c */
void cam_snap_done(struct cam *c, int err, const char *why,
		   struct mbuf *jpeg);

/* cam_lock.c */
void cam_lock_init(struct cam *c);
void cam_lock_close(struct cam *c);
void cam_lock_json(json_t *j, const struct cam *c);
/* The holder loses the lock (camera removed): Stop, event, audit */
void cam_lock_drop(struct cam *c, const char *why);

/* cam_ptz.c: the ONVIF worker of a camera (jobs in order) */
enum cam_job_type {
	JOB_SETUP = 1,   /* time offset, capabilities, profile, stream URI */
	JOB_MOVE,
	JOB_STOP,
	JOB_PRESETS,
	JOB_GOTO_PRESET,
	JOB_SET_PRESET,
	JOB_ABSOLUTE,
	JOB_RELATIVE,
	JOB_STATUS,
	JOB_SNAPSHOT,
};
int  cam_ptz_alloc(struct cam_ptz **wp, struct cam *c);
int  cam_ptz_job(struct cam_ptz *w, enum cam_job_type type,
		 const double v[3], const char *token, const char *name);
/* main-loop side of a job's result (queue id CAM_MSG_ONVIF) */
void cam_ptz_result(struct cam_reg *r, void *data);

enum { CAM_MSG_ONVIF = 100 };
