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

#define CRYPTO_SUITE "AES_CM_128_HMAC_SHA1_80"


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
	/* either is decoded, so that a mismatch is refused with a reason
	 * (pcall_offer_read) rather than read as no usable audio */
	err = err ? err : sdp_media_set_alt_protos(*mp, 2, "RTP/AVP",
						   "RTP/SAVP");
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
		     const char **reason, struct pcall_crypto *crypto)
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

	if (srtp != !str_casecmp(sdp_media_proto(m), "RTP/SAVP")) {
		*scode = 488;
		*reason = srtp ? "this trunk requires SRTP (RTP/SAVP)" :
			"SRTP is not configured on this trunk";
		return EPROTO;
	}
	ra = sdp_media_raddr(m);
	if (!sdp_media_rformat(m, NULL) || !sa_isset(ra, SA_ALL) ||
	    sdp_media_disabled(m)) {
		*scode = 488;
		*reason = "no common audio codec (PCMU, PCMA)";
		return EPROTO;
	}
	if (srtp && pcall_crypto_read(m, crypto, reason)) {
		*scode = 488;
		return EPROTO;
	}

	return 0;
}


struct crypto_find {
	struct pcall_crypto *c;
	const char *reason;
};


/* "<tag> AES_CM_128_HMAC_SHA1_80 inline:<base64>[|lifetime][|mki]"
 * [session params]: the first line with our suite wins */
static bool crypto_one(const char *name, const char *value, void *arg)
{
	struct crypto_find *f = arg;
	struct pl tag, suite, key;
	size_t n = sizeof(f->c->key);

	(void)name;
	if (!value || re_regex(value, strlen(value),
			       "[0-9]+[ ]+[^ ]+[ ]+inline:[^|]+",
			       &tag, NULL, &suite, NULL, &key) ||
	    tag.l > 9) {
		f->reason = "a=crypto is malformed";
		return false;
	}
	if (pl_strcmp(&suite, CRYPTO_SUITE)) {
		f->reason = "no a=crypto with " CRYPTO_SUITE;
		return false;
	}
	/* the key ends at '|' or at a session parameter */
	for (size_t i = 0; i < key.l; i++)
		if (key.p[i] == ' ')
			key.l = i;
	if (key.l != 40 || base64_decode(key.p, key.l, f->c->key, &n) ||
	    n != sizeof(f->c->key)) {
		f->reason = "a=crypto key is not 30 bytes of base64";
		return false;
	}
	f->c->tag = pl_u32(&tag);
	return true;
}


int pcall_crypto_read(const struct sdp_media *m, struct pcall_crypto *c,
		      const char **reason)
{
	struct crypto_find f = {c, "SRTP without a=crypto (SDES)"};

	if (!sdp_media_rattr_apply(m, "crypto", crypto_one, &f)) {
		*reason = f.reason;
		return EPROTO;
	}
	return 0;
}


int pcall_crypto_set(struct sdp_media *m, const struct pcall_crypto *c)
{
	char b64[48];
	size_t n = sizeof(b64) - 1;
	int err;

	err = base64_encode(c->key, sizeof(c->key), b64, &n);
	if (err)
		return err;
	b64[n] = '\0';

	return sdp_media_set_lattr(m, true, "crypto", "%u " CRYPTO_SUITE
				   " inline:%s", c->tag, b64);
}
