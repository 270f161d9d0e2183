/**
 * @file cam_onvif.h  ONVIF client: SOAP 1.2 envelopes with a WS-Security
 *                    UsernameToken digest, over libcurl (blocking: call it
 *                    from a camera's worker thread only), replies read with
 *                    libxml2.  Parsers take raw bytes (fuzzed).
 */
#include <time.h>

struct mbuf;

enum { ONVIF_ERR_MAX = 128, ONVIF_URL_MAX = 512, ONVIF_TOK_MAX = 64 };

struct onvif_dev {
	char device[ONVIF_URL_MAX];    /* device service XAddr        */
	char media[ONVIF_URL_MAX];
	char ptz[ONVIF_URL_MAX];
	char snapshot[ONVIF_URL_MAX];  /* GetSnapshotUri, "" until asked */
	bool services;                 /* addresses from GetServices    */
	char profile[ONVIF_TOK_MAX];   /* first media profile          */
	long offset_s;                 /* device clock - ours          */
	const char *user, *pass;       /* NULL: no authentication      */
	bool http_auth;                /* camera wants HTTP digest     */
	char why[ONVIF_ERR_MAX];       /* last error                   */
};

struct onvif_preset {
	char token[ONVIF_TOK_MAX];
	char name[ONVIF_TOK_MAX];
};

/* Base64(SHA-1(nonce || created || password)) */
int  onvif_wsse_digest(char *out, size_t sz, const uint8_t *nonce,
		       size_t nlen, const char *created, const char *pass);
/* A whole envelope; user NULL: no Security header */
int  onvif_envelope(struct mbuf *mb, const char *user, const char *pass,
		    time_t dev_now, const uint8_t nonce[16],
		    const char *body);

/* One request; *replyp (mbuf) holds the body of a 200 reply */
int  onvif_call(struct onvif_dev *d, const char *url, const char *body,
		struct mbuf **replyp);

/* The operations a camera worker uses (each one call) */
int  onvif_setup(struct onvif_dev *d, char *rtsp, size_t rsz);
int  onvif_move(struct onvif_dev *d, double pan, double tilt, double zoom,
		unsigned timeout_s);
int  onvif_stop(struct onvif_dev *d);
int  onvif_presets(struct onvif_dev *d, struct onvif_preset *v,
		   size_t max, size_t *countp);
int  onvif_goto_preset(struct onvif_dev *d, const char *token);
/* absolute: a position in the camera's generic space; relative: a step */
int  onvif_move_to(struct onvif_dev *d, bool relative, double pan,
		   double tilt, double zoom);
struct onvif_status {
	double pan, tilt, zoom;
	bool moving;
};
int  onvif_status(struct onvif_dev *d, struct onvif_status *st);
int  onvif_set_preset(struct onvif_dev *d, const char *name,
		      char *token, size_t tsz);
/* The camera's own JPEG: GetSnapshotUri once, then an HTTP GET with the
 * camera's credentials (digest or basic).  *jpegp: a new mbuf. */
int  onvif_snapshot(struct onvif_dev *d, struct mbuf **jpegp);

/* WS-Discovery (SOAP over UDP): a Probe for NetworkVideoTransmitters,
 * and the ProbeMatches it brings */
struct onvif_probe_match {
	char endpoint[ONVIF_TOK_MAX * 2];  /* EndpointReference Address   */
	char xaddr[ONVIF_URL_MAX];         /* first http(s) XAddr         */
	char scopes[ONVIF_URL_MAX];
};
int  onvif_probe_msg(struct mbuf *mb, const char *msg_id);
int  onvif_parse_probe_matches(const uint8_t *p, size_t n,
			       struct onvif_probe_match *v, size_t max,
			       size_t *countp, char *why, size_t wsz);

/* Reply parsers: 0, EBADMSG (not a reply we understand), EPROTO (a SOAP
 * fault: why holds its reason) */
int  onvif_parse_time(const uint8_t *p, size_t n, time_t *t,
		      char *why, size_t wsz);
int  onvif_parse_caps(const uint8_t *p, size_t n, char *media, char *ptz,
		      size_t usz, char *why, size_t wsz);
int  onvif_parse_services(const uint8_t *p, size_t n, char *media,
			  char *ptz, size_t usz, char *why, size_t wsz);
int  onvif_parse_profile(const uint8_t *p, size_t n, char *tok,
			 size_t tsz, char *why, size_t wsz);
int  onvif_parse_uri(const uint8_t *p, size_t n, char *uri, size_t usz,
		     char *why, size_t wsz);
int  onvif_parse_presets(const uint8_t *p, size_t n, struct onvif_preset *v,
			 size_t max, size_t *countp, char *why, size_t wsz);
int  onvif_parse_status(const uint8_t *p, size_t n, struct onvif_status *st,
			char *why, size_t wsz);
int  onvif_parse_ok(const uint8_t *p, size_t n, const char *elem,
		    char *text, size_t tsz, char *why, size_t wsz);
