/**
 * @file api.h  The console and integration API: HTTPS, WSS, REST
 *
 * One HTTPS listener serves the web console's files, the WSS control
 * channel (/ws/control), REST (/api/v1), /healthz and /metrics.  Every
 * operation goes through one dispatcher that validates the message against
 * its schema and the operator's roles against the permission matrix.
 */
#include <stdint.h>

struct api;
struct conf;
struct store;
struct audit;
struct session_mgr;
struct pos_reg;
struct pos_audio;
struct media;
struct media_frame;
struct tg_service;
struct rec;
struct phone;
struct cam_reg;

struct api_ctx {
	const struct conf *conf;
	struct store *store;
	struct audit *audit;
	struct session_mgr *sessions;
	struct pos_reg *pos;
	struct pos_audio *paudio;   /* routing state per position   */
	struct media *media;        /* the media engine             */
	struct tg_service *tgs;     /* talkgroups over the bearers  */
	struct phone *phone;        /* 999/101 calls, or NULL       */
	struct cam_reg *cams;       /* CCTV cameras; set by name    */
	struct rcall_service *rcalls; /* private radio calls; set by name */
	struct rec *rec;            /* recording: keep it last, set by name */
};

/* Process-wide TLS policy (minimum version): call before libre_init() */
int  api_tls_init(int min_version);

int  api_alloc(struct api **apip, const struct api_ctx *ctx);
void api_set_conf(struct api *api, const struct conf *conf);
/* The media engine's frames of one tick, to the audio channels */
void api_audio_frames(struct api *api, const struct media_frame *frames,
		      size_t n);
/* Tell consoles the node is going down, close their channels */
void api_shutdown(struct api *api);
