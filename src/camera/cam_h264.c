/**
 * @file cam_h264.c  The little of H.264 the relay reads itself: NAL unit
 *                   types (is this access unit a keyframe?) and the
 *                   profile/level bytes of the SPS (the MSE codec string)
 *
 * Input is Annex B (start codes), as FFmpeg's RTP depacketizer gives it,
 * or a single NAL without a start code.  Anything else is EBADMSG.
 */
#include <string.h>
#include <re.h>
#include "camera/cam_relay.h"

enum { NAL_IDR = 5, NAL_SPS = 7, SPS_MAX = 256 };

/* An RBSP bit reader: past the end it reads zeros and sets err */
struct bits {
	const uint8_t *p;
	size_t n, pos;        /* in bits */
	bool err;
};


static unsigned bit(struct bits *b)
{
	unsigned v;

	if (b->pos >= b->n * 8) {
		b->err = true;
		return 0;
	}
	v = (b->p[b->pos / 8] >> (7 - b->pos % 8)) & 1;
	++b->pos;
	return v;
}


static uint32_t bits_u(struct bits *b, unsigned n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 1 | bit(b);
	return v;
}


/* Exp-Golomb; more than 31 leading zeros is not a valid SPS */
static uint32_t ue(struct bits *b)
{
	unsigned zeros = 0;

	while (!bit(b) && !b->err) {
		if (++zeros > 31) {
			b->err = true;
			return 0;
		}
	}
	return zeros ? (uint32_t)((1ull << zeros) - 1 + bits_u(b, zeros)) : 0;
}


static int32_t se(struct bits *b)
{
	uint32_t v = ue(b);

	return v & 1 ? (int32_t)((v + 1) / 2) : -(int32_t)(v / 2);
}


static void skip_scaling_list(struct bits *b, unsigned size)
{
	int last = 8, next = 8;

	for (unsigned j = 0; j < size && !b->err; j++) {
		if (next)
			next = (last + se(b) + 256) % 256;
		last = next ? next : last;
	}
}


static bool high_profile(uint8_t p)
{
	static const uint8_t hp[] = {100, 110, 122, 244, 44, 83, 86, 118, 128,
				     138, 139, 134, 135};

	for (size_t i = 0; i < sizeof(hp); i++) {
		if (hp[i] == p)
			return true;
	}
	return false;
}


static void sps_chroma(struct bits *b, unsigned *chroma, bool *sep)
{
	*chroma = ue(b);
	if (*chroma == 3)
		*sep = bit(b);
	(void)ue(b);              /* bit_depth_luma_minus8        */
	(void)ue(b);              /* bit_depth_chroma_minus8      */
	(void)bit(b);             /* qpprime_y_zero_transform...  */
	if (bit(b)) {             /* seq_scaling_matrix_present   */
		for (unsigned i = 0; i < (*chroma == 3 ? 12u : 8u); i++) {
			if (bit(b))
				skip_scaling_list(b, i < 6 ? 16 : 64);
		}
	}
}


static void sps_poc(struct bits *b)
{
	uint32_t type = ue(b), n;

	if (type == 0) {
		(void)ue(b);      /* log2_max_pic_order_cnt_lsb   */
	}
	else if (type == 1) {
		(void)bit(b);
		(void)se(b);
		(void)se(b);
		n = ue(b);
		for (uint32_t i = 0; i < n && i < 256 && !b->err; i++)
			(void)se(b);
	}
}


/* Picture size from an SPS NAL unit (header byte first) */
static int sps_size(const uint8_t *nal, size_t n, struct h264_info *info)
{
	uint8_t rbsp[SPS_MAX];
	struct bits b = {rbsp, 0, 0, false};
	unsigned chroma = 1, zeros = 0, cx, cy;
	uint32_t w, h, crop[4] = {0};
	bool sep = false, fmo;

	/* drop emulation prevention bytes (00 00 03) */
	for (size_t i = 1; i < n && b.n < sizeof(rbsp); i++) {
		if (zeros >= 2 && nal[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = nal[i] ? 0 : zeros + 1;
		rbsp[b.n++] = nal[i];
	}
	b.pos = 24;                    /* profile, constraints, level */
	(void)ue(&b);                  /* seq_parameter_set_id        */
	if (high_profile(rbsp[0]))
		sps_chroma(&b, &chroma, &sep);
	(void)ue(&b);                  /* log2_max_frame_num_minus4   */
	sps_poc(&b);
	(void)ue(&b);                  /* max_num_ref_frames          */
	(void)bit(&b);                 /* gaps_in_frame_num_allowed   */
	w = ue(&b) + 1;
	h = ue(&b) + 1;
	fmo = bit(&b);
	if (!fmo)
		(void)bit(&b);         /* mb_adaptive_frame_field     */
	(void)bit(&b);                 /* direct_8x8_inference        */
	if (bit(&b)) {
		for (int i = 0; i < 4; i++)
			crop[i] = ue(&b);
	}
	if (b.err || chroma > 3 || w > 1024 || h > 1024)
		return EBADMSG;

	cx = (chroma == 0 || sep) ? 1 : (chroma == 3 ? 1 : 2);
	cy = ((chroma == 1 && !sep) ? 2 : 1) * (2 - fmo);
	w *= 16;
	h *= 16 * (2 - fmo);
	if (cx * (crop[0] + crop[1]) >= w || cy * (crop[2] + crop[3]) >= h)
		return EBADMSG;
	w -= cx * (crop[0] + crop[1]);
	h -= cy * (crop[2] + crop[3]);
	if (w > 8192 || h > 8192)     /* 8K is as large as cameras go */
		return EBADMSG;
	info->width = (int)w;
	info->height = (int)h;
	return 0;
}


/* Offset of the byte after the next start code at or after i, or n */
static size_t next_nal(const uint8_t *p, size_t n, size_t i)
{
	for (; i + 3 <= n; i++) {
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1)
			return i + 3;
	}
	return n;
}


static void nal(const uint8_t *p, size_t n, struct h264_info *info)
{
	uint8_t type;

	if (!n)
		return;
	type = p[0] & 0x1f;
	if (type == NAL_IDR)
		info->idr = true;
	if (type == NAL_SPS && !info->sps && n >= 4) {
		info->sps = true;
		info->profile = p[1];
		info->constraints = p[2];
		info->level = p[3];
		if (sps_size(p, n, info))
			info->width = info->height = 0;
	}
}


int h264_scan(const uint8_t *p, size_t n, struct h264_info *info)
{
	size_t i, j;
	bool any = false;

	if (!p || !info)
		return EINVAL;
	memset(info, 0, sizeof(*info));

	i = next_nal(p, n, 0);
	if (i == n) {
		/* a bare NAL unit: forbidden bit must be clear */
		if (!n || (p[0] & 0x80))
			return EBADMSG;
		nal(p, n, info);
		return 0;
	}
	while (i < n) {
		j = next_nal(p, n, i);
		/* the NAL ends before the next start code's zeros */
		size_t end = j == n ? n : j - 3;

		while (end > i && p[end - 1] == 0)
			--end;
		if (end > i && !(p[i] & 0x80)) {
			nal(p + i, end - i, info);
			any = true;
		}
		i = j;
	}
	return any ? 0 : EBADMSG;
}


int h264_codec_string(char *buf, size_t sz, const struct h264_info *in)
{
	if (!in || !in->sps || !in->profile)
		return EINVAL;
	return re_snprintf(buf, sz, "avc1.%02X%02X%02X", in->profile,
			   in->constraints, in->level) < 0 ? ENOMEM : 0;
}
