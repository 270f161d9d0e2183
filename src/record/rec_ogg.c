/**
 * @file rec_ogg.c  Read a recording back: Ogg pages (libogg), Opus
 *                  packets (libopus) to 16 kHz mono PCM
 *
 * Files on disk are outside data by the time they are read back (a disk
 * error, an altered file): every step checks and fails with a reason,
 * never reads past a buffer.  Only what our recorder writes is accepted:
 * one logical stream, OpusHead with one channel.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <ogg/ogg.h>
#include <opus/opus.h>
#include "record/rec.h"
#include "record/rec_int.h"

enum {
	PKT_PCM_MAX = REC_RATE * 120 / 1000,  /* longest Opus packet     */
	PCM_LIMIT = REC_RATE * 3600,          /* one hour at most        */
};

struct odec {
	ogg_sync_state oy;
	ogg_stream_state os;
	bool os_init;
	OpusDecoder *dec;
	unsigned npkt;
	size_t skip;                  /* pre-skip, at 16 kHz            */
	int64_t granule;              /* of the last page: the end, at
				       * 48 kHz, pre-skip included      */
	int16_t *pcm;
	size_t n, cap;
};


static int head_parse(struct odec *d, const ogg_packet *op)
{
	const uint8_t *p = op->packet;
	int err;

	if (op->bytes < 19 || memcmp(p, "OpusHead", 8))
		return EBADMSG;
	if (p[8] != 1 || p[9] != 1)   /* version 1, mono */
		return ENOTSUP;

	/* pre-skip is counted at 48 kHz */
	d->skip = (size_t)(p[10] | p[11] << 8) / 3;
	d->dec = opus_decoder_create(REC_RATE, 1, &err);

	return d->dec ? 0 : ENOMEM;
}


static int pcm_room(struct odec *d, size_t more)
{
	int16_t *np;
	size_t cap;

	if (d->n + more <= d->cap)
		return 0;
	if (d->n + more > PCM_LIMIT)
		return EFBIG;

	cap = d->cap ? d->cap * 2 : REC_RATE * 10;
	while (cap < d->n + more)
		cap *= 2;
	np = realloc(d->pcm, cap * sizeof(*np));
	if (!np)
		return ENOMEM;
	d->pcm = np;
	d->cap = cap;

	return 0;
}


static int packet_take(struct odec *d, ogg_packet *op)
{
	int n, err;

	switch (d->npkt++) {

	case 0:
		return head_parse(d, op);

	case 1:
		return op->bytes >= 8 && !memcmp(op->packet, "OpusTags", 8) ?
			0 : EBADMSG;

	default:
		break;
	}

	err = pcm_room(d, PKT_PCM_MAX);
	if (err)
		return err;

	n = opus_decode(d->dec, op->packet, (opus_int32)op->bytes,
			d->pcm + d->n, PKT_PCM_MAX, 0);
	if (n < 0)
		return EBADMSG;
	d->n += (size_t)n;

	return 0;
}


static int page_take(struct odec *d, ogg_page *og)
{
	ogg_packet op;
	int err, r;

	if (!d->os_init) {
		if (ogg_stream_init(&d->os, ogg_page_serialno(og)))
			return ENOMEM;
		d->os_init = true;
	}
	if (ogg_page_serialno(og) != d->os.serialno)
		return ENOTSUP;       /* a second logical stream       */
	if (ogg_stream_pagein(&d->os, og))
		return EBADMSG;
	if (ogg_page_granulepos(og) > 0)
		d->granule = ogg_page_granulepos(og);

	while ((r = ogg_stream_packetout(&d->os, &op)) != 0) {
		if (r < 0)
			return EBADMSG;   /* a hole: lost or altered pages */
		err = packet_take(d, &op);
		if (err)
			return err;
	}

	return 0;
}


/* Decode a whole file held in memory (also the fuzz target's entry) */
int rec_decode_buf(const uint8_t *buf, size_t len, int16_t **pcmp,
		   size_t *np)
{
	struct odec d;
	ogg_page og;
	char *dst;
	int err = 0, r;

	if (!buf || !pcmp || !np)
		return EINVAL;
	if (!len)
		return EBADMSG;

	memset(&d, 0, sizeof(d));
	ogg_sync_init(&d.oy);

	dst = ogg_sync_buffer(&d.oy, (long)len);
	if (!dst) {
		err = ENOMEM;
		goto out;
	}
	memcpy(dst, buf, len);
	(void)ogg_sync_wrote(&d.oy, (long)len);

	while (!err && (r = ogg_sync_pageout(&d.oy, &og)) != 0) {
		if (r < 0) {
			err = EBADMSG;    /* bytes that are not a page     */
			break;
		}
		err = page_take(&d, &og);
	}
	if (!err && d.npkt < 2)
		err = EBADMSG;

 out:
	if (!err) {
		size_t skip = d.skip < d.n ? d.skip : d.n;
		size_t end = (size_t)(d.granule / 3);

		/* the last packet is padded: its page says where the audio
		 * really ends */
		if (d.granule > 0 && end >= skip && end < d.n)
			d.n = end;

		if (d.pcm && skip)   /* no audio at all: d.pcm is NULL */
			memmove(d.pcm, d.pcm + skip,
				(d.n - skip) * sizeof(*d.pcm));
		*pcmp = d.pcm;
		*np = d.n - skip;
		d.pcm = NULL;
	}
	free(d.pcm);
	if (d.dec)
		opus_decoder_destroy(d.dec);
	if (d.os_init)
		ogg_stream_clear(&d.os);
	ogg_sync_clear(&d.oy);

	return err;
}


int rec_decode_file(const char *path, int16_t **pcmp, size_t *np)
{
	uint8_t *buf = NULL;
	long len;
	FILE *f;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return errno;

	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		err = EIO;
		goto out;
	}
	if (len > 64 * 1024 * 1024) {
		err = EFBIG;
		goto out;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		err = EIO;
		goto out;
	}

	err = rec_decode_buf(buf, (size_t)len, pcmp, np);

 out:
	free(buf);
	(void)fclose(f);
	return err;
}


/* A 16 kHz mono WAV of pcm, for media_play */
int rec_wav_write(const char *path, const int16_t *pcm, size_t n)
{
	uint8_t h[44];
	uint32_t data = (uint32_t)(n * 2);
	FILE *f;
	int err = 0;

	memcpy(h, "RIFF", 4);
	h[4] = (uint8_t)(data + 36); h[5] = (uint8_t)((data + 36) >> 8);
	h[6] = (uint8_t)((data + 36) >> 16);
	h[7] = (uint8_t)((data + 36) >> 24);
	memcpy(h + 8, "WAVEfmt ", 8);
	h[16] = 16; h[17] = h[18] = h[19] = 0;
	h[20] = 1; h[21] = 0;                         /* PCM            */
	h[22] = 1; h[23] = 0;                         /* mono           */
	h[24] = REC_RATE & 0xff; h[25] = REC_RATE >> 8; h[26] = h[27] = 0;
	h[28] = (REC_RATE * 2) & 0xff; h[29] = (REC_RATE * 2) >> 8;
	h[30] = h[31] = 0;
	h[32] = 2; h[33] = 0; h[34] = 16; h[35] = 0;
	memcpy(h + 36, "data", 4);
	h[40] = (uint8_t)data; h[41] = (uint8_t)(data >> 8);
	h[42] = (uint8_t)(data >> 16); h[43] = (uint8_t)(data >> 24);

	f = fopen(path, "wb");
	if (!f)
		return errno;
	/* little-endian host (x86-64, arm64): samples as they are */
	if (fwrite(h, 1, sizeof(h), f) != sizeof(h) ||
	    fwrite(pcm, 2, n, f) != n)
		err = EIO;
	if (fclose(f) && !err)
		err = EIO;

	return err;
}
