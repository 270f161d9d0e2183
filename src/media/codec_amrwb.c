/**
 * @file codec_amrwb.c  AMR-WB in RTP, RFC 4867
 *
 * A payload is a 4-bit CMR, a table of contents (one entry per 20 ms
 * frame, F bit set while more follow) and the frames in ToC order.  The
 * octet-aligned format pads CMR, each ToC entry and each frame to whole
 * bytes; the bandwidth-efficient one packs them bit by bit.  opencore
 * and vo-amrwbenc speak the storage format (RFC 4867 section 5: one
 * header byte, then the frame padded to bytes), so this file converts
 * between that and the payload.  Payloads come off the network: every
 * length is checked against the whole ToC before anything is decoded.
 * CRC, robust sorting and interleaving are not supported.
 */
#include <string.h>
#include <re.h>
#include <opencore-amrwb/dec_if.h>
#include <vo-amrwbenc/enc_if.h>
#include "media/codec.h"
#include "media/codec_int.h"

enum {
	FT_MODE_MAX = 8,         /* 23.85 kbit/s                      */
	FT_SID      = 9,
	FT_LOST     = 14,        /* SPEECH_LOST: a slot without data   */
	FT_NODATA   = 15,
	CMR_NONE    = 15,
	AMRWB_MAXFRAMES = 32,    /* 640 ms, far more than any peer sends */
	AMRWB_FRAME_BYTES = 60,  /* mode 8: 477 bits                  */
};

/* Bits per frame type (3GPP TS 26.201); reserved types 10-13 are 0 and
 * refused by ft_valid() */
static const uint16_t ft_bits[16] = {
	132, 177, 253, 285, 317, 365, 397, 461, 477, 40,
	0, 0, 0, 0, 0, 0
};

struct codec_dec {
	void *st;
	bool oa;             /* octet-aligned                        */
	uint8_t cmr;         /* last mode request from the peer      */
};

struct codec_enc {
	void *st;
	bool oa;
	int mode;
};

struct toc {
	uint8_t ft;
	bool q;
};

/* Big-endian bit cursor, reading rp or writing wp; reads are bounded */
struct bits {
	const uint8_t *rp;
	uint8_t *wp;
	size_t len;          /* bytes */
	size_t pos;          /* bits  */
};


static bool ft_valid(unsigned ft)
{
	return ft <= FT_SID || ft == FT_LOST || ft == FT_NODATA;
}


static int bits_get(struct bits *b, unsigned n, unsigned *v)
{
	unsigned x = 0;

	if (b->pos + n > b->len * 8)
		return EBADMSG;

	for (unsigned i = 0; i < n; i++, b->pos++)
		x = (x << 1) | ((b->rp[b->pos / 8] >> (7 - b->pos % 8)) & 1);

	*v = x;
	return 0;
}


static void bits_put(struct bits *b, unsigned n, unsigned v)
{
	for (unsigned i = 0; i < n; i++, b->pos++) {
		const uint8_t m = 0x80 >> (b->pos % 8);

		if ((v >> (n - 1 - i)) & 1)
			b->wp[b->pos / 8] |= m;
		else
			b->wp[b->pos / 8] &= ~m;
	}
}


/* Copy nbits from src to dst, both at their cursors (MSB first) */
static void bits_copy(struct bits *dst, struct bits *src, size_t nbits)
{
	unsigned v = 0;

	for (size_t i = 0; i < nbits; i++) {
		(void)bits_get(src, 1, &v);
		bits_put(dst, 1, v);
	}
}


static int fmtp_check(const char *fmtp)
{
	struct pl v;

	if (codec_fmtp_on(fmtp, "crc") ||
	    codec_fmtp_on(fmtp, "robust-sorting") ||
	    codec_fmtp_get(fmtp, "interleaving", &v))
		return ENOTSUP;

	return 0;
}


static void dec_destructor(void *arg)
{
	struct codec_dec *d = arg;

	if (d->st)
		D_IF_exit(d->st);
}


int codec_amrwb_dec_alloc(struct codec_dec **dp, const char *fmtp)
{
	struct codec_dec *d;
	int err;

	if (!dp)
		return EINVAL;

	err = fmtp_check(fmtp);
	if (err)
		return err;

	d = codec_state_alloc(dp, sizeof(*d), dec_destructor, &err);
	if (!d)
		return err;

	d->oa  = codec_fmtp_on(fmtp, "octet-align");
	d->cmr = CMR_NONE;
	d->st  = D_IF_init();
	if (!d->st)
		err = ENOMEM;

	return codec_state_out(dp, d, err);
}


/* CMR and ToC; leaves the cursor on the first frame's first bit */
static int parse_toc(struct codec_dec *d, struct bits *b, struct toc *tocv,
		     size_t *tocc)
{
	const unsigned cmr_bits = d->oa ? 8 : 4, toc_bits = d->oa ? 8 : 6;
	unsigned v, f;
	size_t n = 0;
	int err;

	err = bits_get(b, cmr_bits, &v);
	if (err)
		return err;

	d->cmr = d->oa ? v >> 4 : v;

	do {
		if (n == AMRWB_MAXFRAMES)
			return EBADMSG;

		err = bits_get(b, toc_bits, &v);
		if (err)
			return err;

		if (d->oa)
			v >>= 2;          /* P bits: padding */

		f = (v >> 5) & 1;
		tocv[n].ft = (v >> 1) & 0xf;
		tocv[n].q  = v & 1;

		if (!ft_valid(tocv[n].ft))
			return EBADMSG;
		++n;
	} while (f);

	*tocc = n;
	return 0;
}


/* The payload must end exactly after the frames (plus padding) */
static int check_len(const struct codec_dec *d, const struct bits *b,
		     const struct toc *tocv, size_t tocc)
{
	size_t end = b->pos;

	for (size_t i = 0; i < tocc; i++) {
		const size_t nb = ft_bits[tocv[i].ft];

		end += d->oa ? (nb + 7) / 8 * 8 : nb;
	}

	return (end + 7) / 8 == b->len ? 0 : EBADMSG;
}


static void decode_frame(struct codec_dec *d, struct bits *b,
			 const struct toc *toc, int16_t *pcm)
{
	uint8_t sto[1 + AMRWB_FRAME_BYTES] = {0};
	struct bits o = {NULL, sto, sizeof(sto), 8};
	const size_t nb = ft_bits[toc->ft];
	int bfi = !toc->q || toc->ft == FT_LOST || toc->ft == FT_NODATA;

	sto[0] = (uint8_t)(toc->ft << 3 | (toc->q ? 0x04 : 0));
	bits_copy(&o, b, nb);

	if (d->oa)
		b->pos = (b->pos + 7) / 8 * 8;

	/* a damaged or missing frame runs the decoder's own concealment */
	D_IF_decode(d->st, sto, pcm, bfi);
}


int codec_amrwb_decode(struct codec_dec *d, int16_t *pcm, size_t *n,
		       const uint8_t *p, size_t len)
{
	struct toc tocv[AMRWB_MAXFRAMES];
	struct bits b = {p, NULL, len, 0};
	size_t tocc;
	int err;

	if (!d || !pcm || !n || !p)
		return EINVAL;

	if (!len || len > CODEC_PAYLOAD_MAX)
		return EBADMSG;

	err = parse_toc(d, &b, tocv, &tocc);
	if (err)
		return err;

	err = check_len(d, &b, tocv, tocc);
	if (err)
		return err;

	if (*n < tocc * AUD_FRAME)
		return EOVERFLOW;

	for (size_t i = 0; i < tocc; i++)
		decode_frame(d, &b, &tocv[i], pcm + i * AUD_FRAME);

	*n = tocc * AUD_FRAME;
	return 0;
}


int codec_amrwb_conceal(struct codec_dec *d, int16_t *pcm, size_t *n)
{
	uint8_t sto[1 + AMRWB_FRAME_BYTES] = {FT_NODATA << 3};

	if (!d || !pcm || !n)
		return EINVAL;

	if (*n < AUD_FRAME)
		return EOVERFLOW;

	D_IF_decode(d->st, sto, pcm, 1);

	*n = AUD_FRAME;
	return 0;
}


static void enc_destructor(void *arg)
{
	struct codec_enc *e = arg;

	if (e->st)
		E_IF_exit(e->st);
}


/* mode-set=0,2,8: send the best mode the peer accepts */
static int mode_select(const char *fmtp, int *modep)
{
	struct pl v;
	int mode = -1;
	unsigned x = 0;
	bool digit = false;

	if (!codec_fmtp_get(fmtp, "mode-set", &v)) {
		*modep = FT_MODE_MAX;
		return 0;
	}

	for (size_t i = 0; i <= v.l; i++) {
		const char c = i < v.l ? v.p[i] : ',';

		if (c >= '0' && c <= '9' && x < 100) {
			x = x * 10 + (unsigned)(c - '0');
			digit = true;
		}
		else if (c == ',' && digit) {
			if (x <= FT_MODE_MAX && (int)x > mode)
				mode = (int)x;
			x = 0;
			digit = false;
		}
		else if (c != ' ') {
			return EINVAL;
		}
	}

	if (mode < 0)
		return EINVAL;

	*modep = mode;
	return 0;
}


int codec_amrwb_enc_alloc(struct codec_enc **ep, const char *fmtp)
{
	struct codec_enc *e;
	int err;

	if (!ep)
		return EINVAL;

	err = fmtp_check(fmtp);
	if (err)
		return err;

	e = codec_state_alloc(ep, sizeof(*e), enc_destructor, &err);
	if (!e)
		return err;

	e->oa = codec_fmtp_on(fmtp, "octet-align");
	err = mode_select(fmtp, &e->mode);
	if (err)
		goto out;

	e->st = E_IF_init();
	if (!e->st)
		err = ENOMEM;

 out:
	return codec_state_out(ep, e, err);
}


/* One frame per payload, no mode request (CMR 15), Q set */
int codec_amrwb_encode(struct codec_enc *e, uint8_t *p, size_t *len,
		       const int16_t *pcm)
{
	uint8_t sto[1 + AMRWB_FRAME_BYTES + 4];
	struct bits src = {sto, NULL, sizeof(sto), 8};
	struct bits dst = {NULL, p, 0, 0};
	unsigned ft;
	size_t need;
	int n;

	if (!e || !p || !len || !pcm)
		return EINVAL;

	n = E_IF_encode(e->st, e->mode, pcm, sto, 0);
	ft = (sto[0] >> 3) & 0xf;
	if (n < 1 || !ft_valid(ft) || (size_t)n > sizeof(sto))
		return EPROTO;

	if (e->oa)
		need = 2 + (ft_bits[ft] + 7) / 8;
	else
		need = (4 + 6 + ft_bits[ft] + 7) / 8;

	if (*len < need)
		return EOVERFLOW;

	dst.len = need;
	p[need - 1] = 0;                   /* padding bits are zero */
	bits_put(&dst, e->oa ? 8 : 4, e->oa ? CMR_NONE << 4 : CMR_NONE);
	bits_put(&dst, 1, 0);              /* F: last (only) frame */
	bits_put(&dst, 4, ft);
	bits_put(&dst, 1, (sto[0] >> 2) & 1);
	if (e->oa)
		bits_put(&dst, 2, 0);
	bits_copy(&dst, &src, ft_bits[ft]);

	*len = need;
	return 0;
}
