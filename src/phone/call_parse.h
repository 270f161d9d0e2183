/**
 * @file call_parse.h  Reading a caller's INVITE (include after re.h)
 */

void pcall_caller_parse(char *user, size_t usz, char *name, size_t nsz,
			const struct sip_msg *msg);
/* Our side of the SDP: one audio stream on laddr, PCMU and PCMA */
int  pcall_sdp_prepare(struct sdp_session **sessp, struct sdp_media **mp,
		       const struct sa *laddr, bool srtp);
/* 0, or an error with the SIP status and reason to refuse with */
int  pcall_offer_read(struct sdp_session *sess, struct sdp_media *m,
		      bool srtp, const struct sip_msg *msg, uint16_t *scode,
		      const char **reason);
