/**
 * @file sds.h  TETRA SDS payloads: status, SDS-TL text, LIP location
 *
 * Pure codecs on the user data that +CTSDSR delivers and AT+CMGS sends
 * (EN 300 392-2 §29 SDS-TL, ETSI TS 100 392-18-1 LIP).  Decoding takes
 * the AI service and the bit length from the +CTSDSR header, because a
 * status (AI service 13) carries no protocol identifier.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	SDS_AI_SDSTL  = 12,     /* SDS type 4 */
	SDS_AI_STATUS = 13,
	SDS_TEXT_MAX  = 256,
};

/* Protocol identifiers (EN 300 392-2 table 29.21) */
enum sds_pid {
	SDS_PID_SIMPLE_TEXT    = 0x02,
	SDS_PID_SIMPLE_IMM     = 0x09,
	SDS_PID_LIP            = 0x0a,
	SDS_PID_TEXT           = 0x82,
	SDS_PID_TEXT_IMM       = 0x89,
};

enum sds_kind {
	SDS_STATUS = 0,
	SDS_TEXT,           /* SDS-TRANSFER or simple text            */
	SDS_REPORT,         /* SDS-REPORT / SDS-ACK                   */
	SDS_LIP,            /* LIP short location report              */
};

/* Status value ranges (EN 300 392-2 pre-coded status): INFERRED */
enum sds_status_class {
	SDS_ST_EMERGENCY = 0,   /* value 0                  */
	SDS_ST_RESERVED,        /* 1..0x7bff                */
	SDS_ST_SDSTL,           /* 0x7c00..0x7fff short rpt */
	SDS_ST_USER,            /* 0x8000..0xffff           */
	SDS_ST_EMERGENCY_CANCEL, /* SDS_STATUS_EMERGENCY_CANCEL */
};

/* Emergency alarm: pre-coded status 0 (EN 300 392-2).  Its cancel has
 * no standard value and Airwave's status plan is not public: 0xFFFE, a
 * user-defined value, is INFERRED (an organisation may use another) */
enum {
	SDS_STATUS_EMERGENCY        = 0,
	SDS_STATUS_EMERGENCY_CANCEL = 0xfffe,
};

struct sds_text {
	uint8_t  msg_type;      /* 0 TRANSFER, 1 REPORT, 2 ACK            */
	uint8_t  dr_req;        /* delivery report request (2 bits)       */
	bool     short_form;    /* service selection/short form report    */
	uint8_t  ref;           /* message reference                      */
	uint8_t  status;        /* delivery status (REPORT/ACK)           */
	uint8_t  coding;        /* text coding scheme, 1 = ISO 8859-1     */
	bool     has_ts;
	uint32_t ts;            /* 24-bit timestamp, raw                  */
	size_t   len;
	char     text[SDS_TEXT_MAX + 1];  /* 8-bit text, NUL added        */
};

/* LIP short location report (TS 100 392-18-1 §6.2.1), raw fields and
 * derived values.  lat/lon are two's complement of 24/25 bits. */
struct sds_lip {
	uint8_t  time_elapsed;  /* 0 <5 s, 1 <5 min, 2 <30 min, 3 n/a     */
	int32_t  lon_raw;       /* * 360 / 2^25 degrees                   */
	int32_t  lat_raw;       /* * 180 / 2^24 degrees                   */
	uint8_t  pos_err;       /* 0 <2 m ... 6 >200 km, 7 unknown        */
	uint8_t  velocity;      /* 0..28 km/h linear, 127 unknown         */
	uint8_t  direction;     /* 22.5 degree steps                      */
	uint8_t  add_type;      /* 0 reason for sending, 1 user data      */
	uint8_t  add_data;
	double   lat, lon;      /* degrees, filled by decode              */
};

struct sds_msg {
	enum sds_kind kind;
	uint8_t       pid;
	uint16_t      status;
	struct sds_text text;
	struct sds_lip  lip;
};

int sds_decode(struct sds_msg *m, unsigned ai_service, const uint8_t *buf,
	       size_t bits, const char **reason);
int sds_encode(uint8_t *buf, size_t size, size_t *bitsp,
	       unsigned *ai_service, const struct sds_msg *m,
	       const char **reason);

enum sds_status_class sds_status_class(uint16_t value);
int    sds_lip_error_m(uint8_t pos_err);   /* -1 unknown/unbounded */
double sds_lip_speed_kmh(uint8_t velocity); /* < 0 if unknown      */
void   sds_lip_set_pos(struct sds_lip *lip, double lat, double lon);

int sds_hex_decode(uint8_t *buf, size_t size, size_t *np, const char *hex,
		   size_t len);
