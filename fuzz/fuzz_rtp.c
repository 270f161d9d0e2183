/**
 * @file fuzz_rtp.c  libFuzzer target: RTP packets into a jitter buffer
 *
 * The input is one RTP packet as it comes off the socket.  libre decodes
 * the header (libre 1.1.0 leaves padding in place, so it is stripped
 * here as the receive path must).  A valid packet is put into a jitter
 * buffer, then replayed as a short stream whose sequence offsets,
 * arrival times, gets per arrival and SSRC changes come from the payload
 * bytes, so reordering, loss, late and reset paths all get exercised.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "media/jb.h"

enum { FRAME_TS = 160, REPLAYS = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int payload(struct mbuf *mb, const struct rtp_header *hdr)
{
	size_t pad;

	if (hdr->ver != 2)
		return EBADMSG;
	if (!hdr->pad)
		return 0;
	if (!mbuf_get_left(mb))
		return EBADMSG;

	pad = mb->buf[mb->end - 1];
	if (!pad || pad > mbuf_get_left(mb))
		return EBADMSG;

	mb->end -= pad;
	return 0;
}


static void drain(struct jb *jb, unsigned n)
{
	const uint8_t *p;
	size_t len;

	while (n--) {
		if (jb_get(jb, &p, &len) == JB_FRAME && len)
			(void)p[len - 1];  /* the payload must be readable */
	}
}


static void replay(struct jb *jb, const struct rtp_header *hdr,
		   const uint8_t *p, size_t len)
{
	uint64_t now = 0;
	uint32_t ssrc = hdr->ssrc;

	for (size_t i = 0; i < len && i < REPLAYS; i++) {
		uint8_t b = p[i];
		uint16_t seq = (uint16_t)(hdr->seq + 1 + i + (b & 7) - 3);
		uint32_t ts = hdr->ts +
			(uint32_t)(int16_t)(seq - hdr->seq) * FRAME_TS;

		if (b == 0xff)
			ssrc ^= 1;
		if (b == 0xfe)
			ts += 41 * 8000;

		now += 20 * (b >> 6) + ((b >> 3) & 7);
		(void)jb_put(jb, seq, ts, ssrc, p, len, now);
		drain(jb, b >> 6);
	}

	drain(jb, 30);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbuf mb = {(uint8_t *)data, size, 0, size};
	struct rtp_header hdr;
	struct jb *jb = NULL;
	const uint8_t *p;
	size_t len;

	if (rtp_hdr_decode(&hdr, &mb) || payload(&mb, &hdr))
		return 0;

	p = mbuf_buf(&mb);
	len = mbuf_get_left(&mb);

	if (jb_alloc(&jb, 8000, FRAME_TS, 40, 200))
		return 0;

	(void)jb_put(jb, hdr.seq, hdr.ts, hdr.ssrc, p, len, 0);
	drain(jb, 4);
	replay(jb, &hdr, p, len);

	mem_deref(jb);
	return 0;
}
