/**
 * @file call_parse.c  What we read from a caller's INVITE: caller id
 *                     and the SDP offer (fuzzed: fuzz/fuzz_sip.c)
 *
 * libre parses the SIP message and the SDP syntax; the checks here
 * decide what we accept, each refusal with a SIP status and a reason.
 */
#include <string.h>
#include <re.h>
#include "phone/call_parse.h"


/* Caller id: P-Asserted-Identity when the network sends one, else From */
void pcall_caller_parse(char *user, size_t usz, char *name, size_t nsz,
			const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_xhdr(msg, "P-Asserted-Identity");
	const struct pl *pu = &msg->from.uri.user;
	const struct pl *pn = &msg->from.dname;
	struct sip_addr addr;

	if (h && !sip_addr_decode(&addr, &h->val)) {
		pu = &addr.uri.user;
		pn = &addr.dname;
	}

	user[0] = name[0] = '\0';
	(void)pl_strcpy(pu, user, usz);
	if (pl_isset(pn))
		(void)pl_strcpy(pn, name, nsz);

	/* shown to operators and sent as JSON: printable ASCII only */
	for (char *p = user; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	for (char *p = name; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}


int pcall_sdp_prepare(struct sdp_session **sessp, struct sdp_media **mp,
		      const struct sa *laddr, bool srtp)
{
	int err;

	err = sdp_session_alloc(sessp, laddr);
	err = err ? err : sdp_media_add(mp, *sessp, "audio", sa_port(laddr),
					srtp ? "RTP/SAVP" : "RTP/AVP");
	err = err ? err : sdp_format_add(NULL, *mp, false, "0", "PCMU",
					 8000, 1, NULL, NULL, NULL, false,
					 NULL);
	err = err ? err : sdp_format_add(NULL, *mp, false, "8", "PCMA",
					 8000, 1, NULL, NULL, NULL, false,
					 NULL);
	return err;
}


/* Reads the caller's offer; *reason says what is wrong with it */
int pcall_offer_read(struct sdp_session *sess, struct sdp_media *m,
		     bool srtp, const struct sip_msg *msg, uint16_t *scode,
		     const char **reason)
{
	const struct sa *ra;
	int err;

	if (!mbuf_get_left(msg->mb)) {
		*scode = 488;
		*reason = "an SDP offer is required";
		return EPROTO;
	}
	if (!msg_ctype_cmp(&msg->ctyp, "application", "sdp")) {
		*scode = 415;
		*reason = "only application/sdp bodies";
		return EPROTO;
	}

	err = sdp_decode(sess, msg->mb, true);
	if (err) {
		*scode = 488;
		*reason = "malformed SDP";
		return err;
	}

	ra = sdp_media_raddr(m);
	if (!sdp_media_rformat(m, NULL) || !sa_isset(ra, SA_ALL) ||
	    sdp_media_disabled(m)) {
		*scode = 488;
		*reason = "no common audio codec (PCMU, PCMA)";
		return EPROTO;
	}
	if (srtp != !str_casecmp(sdp_media_proto(m), "RTP/SAVP")) {
		*scode = 488;
		*reason = srtp ? "this trunk requires SRTP" :
			"SRTP is not configured on this trunk";
		return EPROTO;
	}

	return 0;
}
