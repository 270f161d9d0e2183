/**
 * @file fuzz_sip.c  libFuzzer target: a caller's INVITE as a trunk
 *                   receives it (SIP message, caller id, SDP offer)
 *
 * libre decodes the message; what we read from it (P-Asserted-Identity
 * or From, the SDP offer and its checks) must never crash, must refuse
 * with a SIP status and a reason, and must leave printable caller ids.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "phone/call_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void offer(const struct sip_msg *msg)
{
	struct sdp_session *sess = NULL;
	struct sdp_media *m = NULL;
	struct pcall_crypto crypto;
	const char *reason = NULL;
	uint16_t scode = 0;
	struct sa la;

	sa_set_str(&la, "127.0.0.1", 20000);
	for (int srtp = 0; srtp < 2; srtp++) {
		if (pcall_sdp_prepare(&sess, &m, &la, srtp))
			abort();
		if (pcall_offer_read(sess, m, srtp, msg, &scode, &reason,
				     &crypto) &&
		    (scode < 400 || scode > 699 || !reason))
			abort();
		sess = mem_deref(sess);
		msg->mb->pos = 0;
	}
}


/* A trunk with credentials reads the Authorization of a retried INVITE
 * (libre decodes and checks it; trunk_auth.c compares the fields) */
static void authorization(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
	struct httpauth_digest_resp r;
	static const uint8_t ha1[16];

	if (h && !httpauth_digest_response_decode(&r, &h->val))
		(void)httpauth_digest_response_auth(&r, &msg->met, ha1);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbuf *mb = mbuf_alloc(size + 1);
	struct sip_msg *msg = NULL;
	char user[128], name[64];

	if (!mb)
		return 0;
	(void)mbuf_write_mem(mb, data, size);
	mb->pos = 0;

	if (!sip_msg_decode(&msg, mb)) {
		pcall_caller_parse(user, sizeof(user), name, sizeof(name),
				   msg);
		for (const char *p = user; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				abort();
		authorization(msg);
		offer(msg);
	}

	mem_deref(msg);
	mem_deref(mb);
	return 0;
}
