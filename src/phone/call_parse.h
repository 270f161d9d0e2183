/**
 * @file call_parse.h  Reading a caller's INVITE (include after re.h)
 */

void pcall_caller_parse(char *user, size_t usz, char *name, size_t nsz,
			const struct sip_msg *msg);
/* Our side of the SDP: one audio stream on laddr, PCMU and PCMA */
int  pcall_sdp_prepare(struct sdp_session **sessp, struct sdp_media **mp,
		       const struct sa *laddr, bool srtp);

enum { PCALL_SRTP_KEY = 30 };   /* AES-128 master key + 112-bit salt */

/* SDES (RFC 4568): the a=crypto line of one side */
struct pcall_crypto {
	uint32_t tag;
	uint8_t key[PCALL_SRTP_KEY];
};

/* 0, or an error with the SIP status and reason to refuse with.  srtp:
 * the offer must be RTP/SAVP with an AES_CM_128_HMAC_SHA1_80 a=crypto,
 * read into *crypto; otherwise it must be plain RTP/AVP. */
int  pcall_offer_read(struct sdp_session *sess, struct sdp_media *m,
		      bool srtp, const struct sip_msg *msg, uint16_t *scode,
		      const char **reason, struct pcall_crypto *crypto);
/* Our a=crypto line in the answer (the offer's tag, our key) */
int  pcall_crypto_set(struct sdp_media *m, const struct pcall_crypto *c);
/* The first a=crypto of m with our suite; *reason when none */
int  pcall_crypto_read(const struct sdp_media *m, struct pcall_crypto *c,
		       const char **reason);
