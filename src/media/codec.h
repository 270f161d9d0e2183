/**
 * @file codec.h  Voice codecs behind one ops table
 *
 * Internal audio is 16 kHz mono, 20 ms frames (320 samples).  Each codec
 * converts between its wire payload and that, resampling inside when its
 * own rate differs (G.711 runs at 8 kHz), so a source is decoded once
 * and every mixer takes the same frame.
 *
 * Payloads are RTP payloads: for AMR-WB the RFC 4867 payload (CMR, ToC,
 * frames), octet-aligned or bandwidth-efficient as the fmtp says.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	AUD_SRATE = 16000,
	AUD_PTIME = 20,                        /* ms                    */
	AUD_FRAME = AUD_SRATE * AUD_PTIME / 1000,  /* 320 samples        */
	CODEC_PAYLOAD_MAX = 1500,
};

struct codec_dec;
struct codec_enc;

struct codec_ops {
	const char *name;      /* "PCMU", "PCMA", "AMR-WB", "opus", "L16" */
	uint32_t clock;        /* RTP clock rate                         */
	uint8_t  pt;           /* static payload type, or default dynamic */

	/* fmtp: the SDP fmtp value or NULL, e.g. "octet-align=1" */
	int (*dec_alloc)(struct codec_dec **dp, const char *fmtp);
	/* Decode one payload into pcm (16 kHz); *n in: room, out: samples.
	 * A payload may carry several 20 ms frames (AMR-WB). */
	int (*decode)(struct codec_dec *d, int16_t *pcm, size_t *n,
		      const uint8_t *p, size_t len);
	/* Conceal one lost 20 ms frame, NULL when the codec has no PLC */
	int (*conceal)(struct codec_dec *d, int16_t *pcm, size_t *n);

	int (*enc_alloc)(struct codec_enc **ep, const char *fmtp);
	/* Encode one 20 ms frame (AUD_FRAME samples at 16 kHz) */
	int (*encode)(struct codec_enc *e, uint8_t *p, size_t *len,
		      const int16_t *pcm);
};

/* By name, case-insensitive ("pcmu", "AMR-WB", "opus" ...) */
const struct codec_ops *codec_find(const char *name);
const struct codec_ops *codec_table(size_t *countp);

/* Decoders and encoders are mem_alloc'd: release with mem_deref */
