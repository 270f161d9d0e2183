/**
 * @file api_int.h  Internals of the API module (not for other modules)
 */

enum {
	API_MSG_MAX = 65536,      /* largest control message accepted   */
	API_REASON_MAX = 160,
	API_BACKLOG = 256,        /* pending connections on the listener */
};

struct api_err {
	int  code;                /* HTTP-like: 400, 401, 403, 404 ...  */
	char reason[API_REASON_MAX];
};

int api_fail(struct api_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Field types of message schemas */
enum api_ftype {
	FT_STR,        /* string, min..max characters                  */
	FT_INT,        /* integer, min..max                            */
	FT_NUM,        /* number, min..max                             */
	FT_BOOL,
	FT_STRARR,     /* array of strings, min..max elements          */
};

struct api_field {
	const char *name;
	enum api_ftype type;
	bool required;
	double min, max;
};

/* msg.c: the envelope {"op", "id", ...} and the schema checks */
/* *idp is the request id, -1 when absent or not valid */
int  api_msg_decode(json_t **msgp, int64_t *idp, const char *buf,
		    size_t len, struct api_err *e);
int  api_msg_check(const struct api_field *fields, const json_t *msg,
		   struct api_err *e);

struct api_counters {
	uint64_t http_requests;
	uint64_t ws_messages;
	uint64_t rest_requests;
	uint64_t logins_ok, logins_failed, logins_locked;
	uint64_t errors[6];       /* 400 401 403 404 409 5xx            */
};

struct api {
	struct api_ctx ctx;
	struct http_sock *https;
	struct websock *ws;
	struct list clients;      /* struct ws_client                   */
	struct list audio;        /* struct audio_client                */
	struct list video;        /* struct video_client (ws_video.c)   */
	uint64_t mic_dropped;     /* mic frames while PTT was off       */
	struct bus_sub *bus;
	struct api_counters cnt;
	int64_t started;
};

/* A request being served, whatever transport brought it */
struct api_req {
	struct api *api;
	struct session *sess;     /* NULL before hello / without token  */
	const char *transport;    /* "wss" or "rest"                    */
	const char *peer;
	struct mbuf **body;       /* REST: a binary reply's body goes
				   * here (the result then has
				   * "content_type" and "headers")      */
};

typedef int (api_op_h)(struct api_req *r, const json_t *msg,
		       json_t **result, struct api_err *e);

struct api_op {
	const char *name;
	const char *perm;         /* rbac permission; NULL: no session  */
	const struct api_field *fields;
	api_op_h *h;
};

/* ops.c */
const struct api_op *api_op_find(const char *name);
const struct api_op *api_op_table(size_t *countp);
int  api_dispatch(struct api_req *r, const json_t *msg, json_t **result,
		  struct api_err *e);
void api_count_error(struct api *api, int code);
/* A string field of a message, or NULL */
const char *api_str(const json_t *msg, const char *name);
/* Audit the requesting operator's action at their position; consumes
 * detail (may be NULL) */
void api_audit(struct api_req *r, const char *action, const char *object,
	       const char *result, json_t *detail);
/* Permission needed to receive an event, NULL when targeted */
const char *api_event_perm(const char *event);

/* ops_audio.c: handlers of the audio ops */
api_op_h api_op_audio_state, api_op_monitor, api_op_select, api_op_volume,
	api_op_mute, api_op_ptt, api_op_play, api_op_sounds;
/* ops_call.c */
api_op_h api_op_call_state, api_op_call_ready, api_op_call_answer,
	api_op_call_hangup, api_op_call_hold, api_op_call_transfer,
	api_op_call_dial, api_op_call_consult, api_op_call_complete,
	api_op_call_cancel, api_op_call_conference, api_op_call_supervise;
/* ops_icom.c: position-to-position intercom */
api_op_h api_op_icom_call, api_op_icom_answer, api_op_icom_hangup,
	 api_op_icom_state;
/* ops_radio.c */
api_op_h api_op_radio_state, api_op_emergency_ack;
api_op_h api_op_emergency_raise;
api_op_h api_op_patch, api_op_radio_send;   /* ops_radio.c (TETRA) */
/* ops_rcall.c: private radio calls */
api_op_h api_op_rcall_list, api_op_rcall_dial, api_op_rcall_answer,
	api_op_rcall_hangup, api_op_rcall_ptt;
/* ops_record.c */
api_op_h api_op_rec_search, api_op_rec_replay, api_op_rec_recall,
	api_op_rec_export, api_op_rec_get;
void api_audio_release(struct api *api, const char *pos);
void api_audio_reset(struct api *api, const char *pos);

/* ops_camera.c */
api_op_h api_op_camera_list, api_op_camera_ptz, api_op_camera_release,
	api_op_camera_presets, api_op_camera_preset, api_op_wall_route,
	api_op_wall_state, api_op_camera_discover, api_op_camera_move,
	api_op_camera_status, api_op_camera_adopt, api_op_camera_forget;
/* GET /api/v1/cameras/{id}/snapshot (answered when the camera has) */
void api_camera_snapshot(struct api *api, struct http_conn *conn,
			 struct session *sess, const char *cam);
/* ws_video.c: live camera video (fMP4 over binary frames) */
int  api_video_accept(struct api *api, struct http_conn *conn,
		      const struct http_msg *msg);

/* ws_audio.c: the binary audio channel */
int  api_audio_accept(struct api *api, struct http_conn *conn,
		      const struct http_msg *msg);
void api_audio_session_ended(struct api *api, int64_t sid);
unsigned api_audio_count(const struct api *api);

/* ws.c */
int  api_ws_accept(struct api *api, struct http_conn *conn,
		   const struct http_msg *msg);
void api_ws_event(struct api *api, const char *event, json_t *data);
void api_ws_close_all(struct api *api);
unsigned api_ws_count(const struct api *api);

/* http.c: replies with the security headers every response carries */
void api_http_reply(struct http_conn *conn, uint16_t code,
		    const char *ctype, const char *extra_hdrs,
		    const void *body, size_t len);
void api_http_json(struct http_conn *conn, uint16_t code, json_t *j);
void api_http_error(struct http_conn *conn, const struct api_err *e);
/* The same, sent once the audit entries queued so far are durable */
void api_http_audited(struct api *api, struct http_conn *conn,
		      uint16_t code, json_t *j);
void api_http_audited_error(struct api *api, struct http_conn *conn,
			    const struct api_err *e);
/* A binary body (referenced) with its content type and extra header
 * lines ("Name: value\r\n"...), once the audit entries are durable */
void api_http_audited_body(struct api *api, struct http_conn *conn,
			   const char *ctype, const char *hdrs,
			   struct mbuf *body);
const char *api_http_reason(uint16_t code);
void api_tcp_nodelay(struct tcp_conn *tc);
void api_http_handler(struct http_conn *conn, const struct http_msg *msg,
		      void *arg);

/* rest.c */
void api_rest_handle(struct api *api, struct http_conn *conn,
		     const struct http_msg *msg);
/* metrics.c */
void api_metrics_handle(struct api *api, struct http_conn *conn);
/* static.c */
void api_static_handle(struct api *api, struct http_conn *conn,
		       const struct http_msg *msg);
