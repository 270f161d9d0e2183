/**
 * @file mcptt.h  ESN bearer internals: mcptt-info XML, SDP, bodies
 *
 * Shared by the mcptt_*.c files and their unit tests; the rest of iccsd
 * sees only radio.h.  The wire contract is docs/ESN-PROFILE.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	MCPTT_URI_MAX = 256,
	MCPTT_KEY_LEN = 30,         /* SRTP master key + salt          */
};

#define MCPTT_INFO_CTYPE "application/vnd.3gpp.mcptt-info+xml"
#define MCPTT_INFO_NS    "urn:3gpp:ns:mcpttInfo:1.0"
#define MCPTT_MSG_CTYPE  "application/vnd.openiccs.radio+json"
#define MCPTT_BOUNDARY   "openiccs-mcptt-5f3a"


/* ---- mcptt-info (mcptt_xml.c) ---- */

enum mcptt_stype {
	MCPTT_ST_NONE = 0,
	MCPTT_ST_PREARRANGED,
	MCPTT_ST_PRIVATE,
	MCPTT_ST_CHAT,
};

enum mcptt_info_has {
	MI_STYPE     = 1u << 0,
	MI_REQ_URI   = 1u << 1,
	MI_CALLING   = 1u << 2,
	MI_EMERG     = 1u << 3,
	MI_IMMINENT  = 1u << 4,
	MI_ALERT     = 1u << 5,
	MI_BROADCAST = 1u << 6,
};

struct mcptt_info {
	uint32_t has;                     /* MI_* present                */
	enum mcptt_stype stype;
	char req_uri[MCPTT_URI_MAX];      /* group or callee             */
	char calling[MCPTT_URI_MAX];      /* mcptt-calling-user-id       */
	bool emergency, imminent, alert, broadcast;
};

int  mcptt_info_encode(struct mbuf *mb, const struct mcptt_info *mi);
/* EBADMSG with *reason for malformed or unexpected XML */
int  mcptt_info_decode(struct mcptt_info *mi, const char *buf, size_t len,
		       const char **reason);
const char *mcptt_stype_name(enum mcptt_stype st);


/* ---- SDP and multipart bodies (mcptt_sdp.c) ---- */

struct mcptt_sdp_local {
	struct sa addr;                   /* c= address                  */
	uint16_t audio_port;              /* RTP; RTCP on +1             */
	uint16_t fc_port;                 /* floor control (m=application)*/
	uint8_t key[MCPTT_KEY_LEN];       /* our SRTP key (we send with) */
	uint8_t prio;                     /* mc_priority asked for       */
};

struct mcptt_sdp_remote {
	struct sa audio;                  /* where to send RTP           */
	struct sa fc;                     /* where floor packets go      */
	uint8_t key[MCPTT_KEY_LEN];       /* the peer's SRTP key         */
	unsigned crypto_tag;
	uint8_t prio;                     /* granted mc_priority         */
	bool queueing;
	bool octet_align;
};

struct mcptt_sdp;

int  mcptt_sdp_alloc(struct mcptt_sdp **sdpp,
		     const struct mcptt_sdp_local *l);
/* offer (or, after mcptt_sdp_offer_recv, answer) into *mbp */
int  mcptt_sdp_encode(struct mbuf **mbp, struct mcptt_sdp *sdp,
		      bool offer);
/* Decodes the peer's SDP into r; EBADMSG with *reason when unusable */
int  mcptt_sdp_decode(struct mcptt_sdp *sdp, struct mcptt_sdp_remote *r,
		      const struct pl *body, bool offer,
		      const char **reason);

struct mcptt_body {
	struct pl sdp;                    /* empty when absent           */
	struct pl info;
	struct pl json;                   /* MESSAGE payload             */
};

/* multipart/mixed with the SDP and (if xml) the mcptt-info parts */
int  mcptt_body_build(struct mbuf **mbp, const struct mbuf *sdp,
		      const struct mbuf *xml);
/* Splits a body by its Content-Type (multipart or single part) */
int  mcptt_body_split(struct mcptt_body *b, const struct msg_ctype *ct,
		      const struct pl *body, const char **reason);
