/**
 * @file conf.h  Configuration: one YAML file, validated whole before use
 *
 * The loader walks the YAML tree against the key tables in conf_schema.c
 * (type, bounds, default, doc of every key).  Any unknown key, bad type or
 * range, dangling reference or insecure setting is refused with
 * "file:line: reason"; nothing is half-applied.  Secrets are never inline:
 * the config names files, and secfile_check() refuses files that group or
 * others can read.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Operator roles: a bit each so a permission is a mask. */
enum role {
	ROLE_CALLTAKER  = 1u << 0,
	ROLE_DISPATCHER = 1u << 1,
	ROLE_SUPERVISOR = 1u << 2,
	ROLE_CCTV       = 1u << 3,
	ROLE_ADMIN      = 1u << 4,
};
#define ROLE_ALL 0x1fu

int  role_parse(uint32_t *role, const char *name);  /* one role name   */
const char *role_name(uint32_t role);               /* one role bit    */
/* Comma separated names <-> mask, e.g. "dispatcher,supervisor" */
int  roles_parse(uint32_t *mask, const char *csv);
int  roles_print(char *buf, size_t sz, uint32_t mask);
json_t *roles_json(uint32_t mask);                  /* array of names  */

enum conf_res_type {
	RES_TALKGROUP = 0,
	RES_QUEUE,
	RES_CAMERA,
	RES_WALL_TILE,
	RES_INTERCOM,
};
const char *conf_res_type_name(enum conf_res_type t);

struct conf_site {
	char *id;
	char *name;
};

struct conf_node {
	char *id;
	char *site;        /* references conf_site.id               */
};

struct conf_position {
	char *id;
	char *name;
	char *site;        /* references conf_site.id               */
	char *node;        /* references conf_node.id               */
	bool spare;
	char *layout;      /* optional: references conf_layout.id   */
};

struct conf_layout {
	char *id;
	char *name;
	uint32_t roles;    /* the roles this layout is the default for */
	char **panels;     /* known panel names, see conf_panel_known() */
	size_t panelc;
};

struct conf_resource {
	char *id;
	char *name;
	enum conf_res_type type;
	uint32_t roles;    /* roles allowed to see and act on it     */
	json_t *attrs;     /* type-specific, already validated:
			    * talkgroup: esn_group (str), tetra_gssi (int),
			    *            preferred_bearer ("esn"|"tetra"),
			    *            rtp_local, rtp_remote ("ip:port"),
			    *            codec (str)
			    * queue: numbers ([str]), priority (int)
			    * camera: onvif (str), rtsp (str), ptz (bool)
			    * wall_tile: wall (str), index (int)
			    * intercom: position (str)                 */
};

/* The radio fleet directory: what consoles show for a radio id */
struct conf_dirent {
	char *id;          /* MCPTT ID (sip:...) or TETRA ISSI ("tetra:N") */
	char *alias;       /* call sign, e.g. "Lima Two One"              */
};

/* A SIP trunk 999/101 calls arrive on (phone module) */
struct conf_trunk {
	char *id;
	char *transport;   /* "udp" | "tcp" | "tls"                   */
	char *listen;      /* "ip:port"; RTP goes on the same IP      */
	char *cert;        /* tls: PEM cert + key, 0600               */
	char *credentials; /* digest "user:password" file, 0600       */
	bool srtp;         /* offer/require RTP/SAVP (SDES)           */
	char *peer;        /* "ip:port" outbound INVITEs go to, or NULL */
};

struct conf {
	char *file;                /* path as given                    */

	/* node: */
	char *node_id;
	char *state_dir;

	/* listen: */
	char *https_addr;          /* "ip:port"                        */

	/* tls: */
	char *tls_cert;            /* PEM: chain + private key, 0600   */
	int   tls_min_version;     /* 12 or 13                         */

	/* security: */
	char *audit_key;           /* HMAC key file for the audit chain */
	char *run_as;              /* user to drop to when run as root */
	unsigned lockout_attempts; /* failures before lockout          */
	unsigned lockout_secs;     /* how long a lockout lasts         */
	unsigned session_idle_secs;

	/* log: */
	char *log_level;           /* debug|info|notice|warn|error     */
	char *log_target;          /* stderr|syslog                    */

	/* store: */
	char *store_path;

	/* web: */
	char *web_root;

	/* media: */
	char *wav_dir;             /* or NULL                          */

	/* recording: */
	char *rec_dir;             /* default <state_dir>/recordings   */
	unsigned rec_retention_days;   /* 0: keep for ever             */
	unsigned rec_min_free_mb;  /* alarm below this much free space */

	/* esn: (optional; esn_server NULL: the ESN bearer is off) */
	char *esn_server;          /* "host:port" of the SIP/TLS proxy */
	char *esn_domain;
	char *esn_mcptt_id;        /* sip:user@domain                  */
	char *esn_client_cert;     /* PEM: cert + key, 0600            */
	char *esn_ca;              /* PEM: CA of the network           */
	unsigned esn_priority;     /* mc_priority asked for, 1..255    */
	char *esn_rtp_addr;        /* local IP for media and SIP       */

	/* tetra: (optional; tetra_terminal NULL: the TETRA bearer is off) */
	char *tetra_terminal;      /* "host:port" (TCP) or a tty path  */
	char *tetra_rtp_local;     /* "ip:port" our end of the voice   */
	char *tetra_rtp_remote;    /* "ip:port" the radio gateway's    */
	char *tetra_codec;         /* codec_find() name                */
	unsigned tetra_mode;       /* AT+CTOM operating mode           */
	unsigned tetra_priority;   /* TxDemandPriority 0..3            */
	bool tetra_failback;       /* back to the preferred bearer     */

	/* cctv: (optional) */
	char *cctv_credentials;    /* "user:password" file, 0600, or NULL */
	unsigned cctv_lock_idle_ms; /* PTZ lock released after this     */
	char *cctv_discovery;      /* WS-Discovery Probe target ip:port */

	/* telephony: */
	unsigned tel_ring_s;       /* offer unanswered -> next taker   */
	unsigned tel_grace_s;      /* a gone position's call waits     */
	unsigned tel_announce_s;   /* between a waiting caller's
				      announcements                    */
	unsigned tel_rtp_timeout_s; /* no RTP from a caller: call ends */
	unsigned tel_silent_s;     /* no speech energy: silent flag    */
	unsigned tel_dial_s;       /* an outbound call rings this long */

	struct conf_site     *sites;     size_t sitec;
	struct conf_node     *nodes;     size_t nodec;
	struct conf_position *positions; size_t positionc;
	struct conf_layout   *layouts;   size_t layoutc;
	struct conf_resource *resources; size_t resourcec;
	struct conf_dirent   *directory; size_t directoryc;
	struct conf_trunk    *trunks;    size_t trunkc;
};

enum conf_flags {
	CONF_CHECK_FILES = 1 << 0,  /* stat the files named, check modes */
};

/*
 * Load and validate.  On failure returns a positive errno and writes
 * "file:line: reason" into err.  The result is a mem_alloc'd object.
 */
int conf_load(struct conf **confp, const char *path, int flags,
	      char *err, size_t errsz);
int conf_load_buf(struct conf **confp, const char *name,
		  const char *buf, size_t len, int flags,
		  char *err, size_t errsz);

const struct conf_site     *conf_site(const struct conf *c, const char *id);
const struct conf_node     *conf_node(const struct conf *c, const char *id);
const struct conf_position *conf_position(const struct conf *c,
					  const char *id);
const struct conf_layout   *conf_layout(const struct conf *c,
					const char *id);
const struct conf_resource *conf_resource(const struct conf *c,
					  const char *id);
bool conf_panel_known(const char *panel);
/* The alias of a radio id from the directory, or NULL */
const char *conf_alias(const struct conf *c, const char *id);

/* Print every key with type, bounds, default and doc (iccsd --help-config) */
int conf_schema_print(struct re_printf *pf, void *unused);
