/**
 * @file pei.h  TETRA PEI (EN 300 392-5) AT channel: line parser, commands
 *
 * pei_*: an incremental parser fed with whatever bytes the serial port or
 * TCP socket delivered.  Lines end in CR, LF or both; empty lines are
 * skipped.  Each complete line becomes one typed event; +CTSDSR waits for
 * its payload line.  Results the table does not know are reported as
 * PEI_EV_UNKNOWN, malformed known ones as PEI_EV_BAD: neither is fatal.
 * No sockets, no timers: the gateway owns those.
 *
 * pei_cmd_* / pei_seq_*: command strings (each ends in CR) from a table.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	PEI_LINE_MAX  = 640,  /* 2047-bit SDS = 512 hex digits + header  */
	PEI_ID_MAX    = 24,   /* extended TSI is 17 digits               */
	PEI_PARAM_MAX = 16,
	PEI_SDS_MAX   = 256,  /* bytes of one SDS-4 (2047 bits)          */
	PEI_CMD_MAX   = 640,
	PEI_SEQ_MAX   = 16,
};

enum pei_ev_type {
	PEI_EV_OK = 0,
	PEI_EV_ERROR,      /* ERROR, NO CARRIER, BUSY, ... (text in line) */
	PEI_EV_CME_ERROR,  /* +CME ERROR: <n>; code = n or -1 if verbose  */
	PEI_EV_PROMPT,     /* "> " before SDS data                       */
	PEI_EV_ECHO,       /* our own command echoed (ATE1)              */
	PEI_EV_REBOOT,     /* a start-up banner: the terminal restarted  */
	PEI_EV_CTICN,      /* incoming call                              */
	PEI_EV_CTOCP,      /* outgoing call progress                     */
	PEI_EV_CTCC,       /* call connected                             */
	PEI_EV_CTCR,       /* call released, cause                       */
	PEI_EV_CTXG,       /* transmission granted, talker identity      */
	PEI_EV_TX_CEASED,  /* +CDTXC (down) or +CTXC                     */
	PEI_EV_CTXI,       /* transmission interrupt                     */
	PEI_EV_CTXW,       /* transmission wait                          */
	PEI_EV_SDS,        /* +CTSDSR header + payload                   */
	PEI_EV_CMGS,       /* SDS send result                            */
	PEI_EV_CNUM,       /* +CNUMF / +CNUMS own identity               */
	PEI_EV_CTGS,       /* selected group                             */
	PEI_EV_UNKNOWN,    /* well-formed line nobody asked about        */
	PEI_EV_BAD,        /* malformed line; reason says why            */
};

/* Every int is -1 when the line did not carry it */
struct pei_ev {
	enum pei_ev_type type;
	const char *line;       /* the raw line, valid during the callback */
	const char *name;       /* "+CTXG" etc., "" for plain words        */
	const char *reason;     /* PEI_EV_BAD only                         */
	int  code;              /* CME error, call status, TxGrant         */
	int  cci;               /* CC instance                             */
	int  cause;             /* +CTCR disconnect cause                  */
	int  ai_service;
	int  hook, simplex, e2ee, comms_type, codec, prio;
	int  tx_perm;           /* TxRqPrmsn                               */
	int  id_type;           /* calling party / TPI / number type       */
	char id[PEI_ID_MAX];    /* calling party, talker, own number, GTSI */
	int  id2_type;          /* called party                            */
	char id2[PEI_ID_MAX];
	int  nparam;            /* every field as an integer (-1 = absent  */
	int  param[PEI_PARAM_MAX]; /* or not a number), in line order      */
	uint8_t sds[PEI_SDS_MAX];  /* PEI_EV_SDS payload                   */
	size_t  sds_bits;
};

struct pei;
typedef void (pei_ev_h)(const struct pei_ev *ev, void *arg);

int  pei_alloc(struct pei **pp, pei_ev_h *evh, void *arg);
void pei_feed(struct pei *p, const uint8_t *buf, size_t len);
void pei_reset(struct pei *p);
int  pei_line_parse(struct pei_ev *ev, const char *line,
		    const char **reason);
const char *pei_ev_name(enum pei_ev_type type);
/* +CTCR disconnect cause in words ("called party busy") */
const char *pei_cause_str(int cause);


/* Commands */
enum pei_cmd {
	PEI_CMD_PROBE = 0,     /* AT                                     */
	PEI_CMD_RESET,         /* ATZ                                    */
	PEI_CMD_ECHO_OFF,      /* ATE0                                   */
	PEI_CMD_CTOM,          /* AT+CTOM=<mode>                         */
	PEI_CMD_CTSP_VOICE,    /* service profiles routed to the TE      */
	PEI_CMD_CTSP_TEXT,
	PEI_CMD_CTSP_STATUS,
	PEI_CMD_CTSP_LIP,
	PEI_CMD_CTSP_GROUP,
	PEI_CMD_CNUMF,         /* AT+CNUMF?                              */
	PEI_CMD_CTGS,          /* AT+CTGS=1,<gtsi>                       */
	PEI_CMD_CTSDC_GROUP,   /* AT+CTSDC=... group, then ATD           */
	PEI_CMD_CTSDC_INDIV,   /* simplex individual call                */
	PEI_CMD_DIAL,          /* ATD<ssi>                               */
	PEI_CMD_ANSWER,        /* ATA                                    */
	PEI_CMD_HANGUP,        /* ATH                                    */
	PEI_CMD_CTXD,          /* AT+CTXD=<cci>,<prio>  PTT press        */
	PEI_CMD_CUTXC,         /* AT+CUTXC=<cci>        PTT release      */
	PEI_CMD_CTSDS_SDSTL,   /* AT+CTSDS=12,0  select SDS-TL           */
	PEI_CMD_CTSDS_STATUS,  /* AT+CTSDS=13,0  select status           */
	PEI_CMD_CMGS,          /* AT+CMGS=<id>,<bits>CRLF<hex>^Z         */
	PEI_CMD_COUNT
};

struct pei_arg {
	unsigned    n;         /* mode, CC instance                      */
	unsigned    prio;      /* TxDemandPriority / call priority       */
	const char *id;        /* digits: SSI, GTSI                      */
	const uint8_t *data;   /* CMGS payload                           */
	size_t      bits;
};

struct pei_line {
	char   s[PEI_CMD_MAX];
	size_t len;
};

int pei_cmd_build(struct pei_line *out, enum pei_cmd cmd,
		  const struct pei_arg *a, const char **reason);

/* Start-up (and after a reboot banner): what the terminal needs before
 * the gateway can use it; gtsi may be NULL for no group attach. */
int pei_seq_startup(struct pei_line *v, size_t n, size_t *np,
		    unsigned mode, const char *gtsi, const char **reason);
int pei_seq_reinit(struct pei_line *v, size_t n, size_t *np,
		   unsigned mode, const char *gtsi, const char **reason);
