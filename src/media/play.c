/**
 * @file play.c  Tone and WAV sources for tests and training (media thread)
 *
 * A WAV file is read a frame's worth per tick rather than loaded whole:
 * the read is a small page-cache copy, where loading a long file at once
 * would stall the 20 ms clock.  librem's resampler handles the integer
 * ratios (8, 32, 48 kHz); other rates (11.025, 22.05, 44.1 kHz) fall back
 * to linear interpolation, good enough for announcements and training.
 */
#include <re.h>
#include <rem.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <math.h>
#include "media/codec.h"
#include "media/jb.h"
#include "media/mix.h"
#include "media/media.h"
#include "media/media_int.h"

enum {
	TONE_DEFAULT_MS = 1000,
	WAV_RATE_MAX = 48000,
	WAV_CH_MAX = 2,
	/* mono input frames one tick may need, with interpolation room */
	LIN_MAX = AUD_FRAME * WAV_RATE_MAX / AUD_SRATE + 4,
};

struct mplay {
	struct le le;
	size_t left;                  /* 16 kHz samples still to play   */
	bool until_eof;

	/* tone */
	double phase, step, amp;

	/* WAV */
	struct aufile *af;
	uint32_t irate;
	unsigned ich;
	bool use_rs;
	struct auresamp rs;
	double rpos, rstep;           /* linear fallback                */
	int16_t lin[LIN_MAX];
	size_t linn;
	bool eof;
};


static void destructor(void *arg)
{
	struct mplay *p = arg;

	list_unlink(&p->le);
	mem_deref(p->af);
}


static int wav_open(struct mplay *p, const char *path)
{
	struct aufile_prm prm;
	int err;

	err = aufile_open(&p->af, &prm, path, AUFILE_READ);
	if (err)
		return err;

	if (prm.fmt != AUFMT_S16LE || !prm.channels ||
	    prm.channels > WAV_CH_MAX || !prm.srate ||
	    prm.srate > WAV_RATE_MAX)
		return ENOTSUP;

	p->irate = prm.srate;
	p->ich = prm.channels;
	p->rstep = (double)p->irate / AUD_SRATE;

	if (p->irate != AUD_SRATE) {
		auresamp_init(&p->rs);
		p->use_rs = !auresamp_setup(&p->rs, p->irate, p->ich,
					    AUD_SRATE, 1);
	}

	return 0;
}


int mplay_alloc(struct mplay **pp, const struct media_play *prm,
		struct list *owner)
{
	struct mplay *p;
	int err = 0;

	if (!pp || !prm || !owner)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;

	p->left = (size_t)prm->duration_ms * AUD_SRATE / 1000;

	if (prm->wav) {
		p->until_eof = !prm->duration_ms;
		err = wav_open(p, prm->wav);
	}
	else {
		if (!p->left)
			p->left = TONE_DEFAULT_MS * AUD_SRATE / 1000;
		p->amp = 32767.0 * pow(10.0, prm->level_dbfs / 20.0);
		p->step = 2.0 * M_PI * prm->tone_hz / AUD_SRATE;
	}

	if (err) {
		mem_deref(p);
		return err;
	}

	list_append(owner, &p->le, p);
	*pp = p;

	return 0;
}


static void tone_gen(struct mplay *p, int16_t *pcm)
{
	size_t i;

	for (i = 0; i < AUD_FRAME; i++) {
		pcm[i] = (int16_t)lrint(p->amp * sin(p->phase));
		p->phase += p->step;
	}

	/* keep the phase small so the sine stays exact for hours */
	p->phase = fmod(p->phase, 2.0 * M_PI);
}


/* Read up to n interleaved frames; zeros after the end of the file */
static size_t wav_read(struct mplay *p, int16_t *buf, size_t n)
{
	size_t sz = n * p->ich * 2;

	if (p->eof || aufile_read(p->af, (uint8_t *)buf, &sz))
		sz = 0;

	if (sz < n * p->ich * 2) {
		p->eof = true;
		memset((uint8_t *)buf + sz, 0, n * p->ich * 2 - sz);
	}

	return sz / (p->ich * 2);
}


static void wav_resamp(struct mplay *p, int16_t *pcm)
{
	int16_t in[LIN_MAX * WAV_CH_MAX];
	size_t n = AUD_FRAME * p->irate / AUD_SRATE;
	size_t outc = AUD_FRAME;

	(void)wav_read(p, in, n);
	if (auresamp(&p->rs, pcm, &outc, in, n * p->ich) || outc < AUD_FRAME)
		memset(pcm, 0, AUD_FRAME * 2);
}


static void wav_linear(struct mplay *p, int16_t *pcm)
{
	int16_t in[LIN_MAX * WAV_CH_MAX];
	size_t need = (size_t)(p->rpos + AUD_FRAME * p->rstep) + 2;
	size_t i, k, n, drop;

	if (need > LIN_MAX)
		need = LIN_MAX;

	/* top up the mono buffer, averaging stereo */
	if (need > p->linn) {
		n = need - p->linn;
		(void)wav_read(p, in, n);
		for (i = 0; i < n; i++) {
			int32_t v = in[i * p->ich];
			if (p->ich == 2)
				v = (v + in[i * 2 + 1]) / 2;
			p->lin[p->linn++] = (int16_t)v;
		}
	}

	for (i = 0; i < AUD_FRAME; i++) {
		double x = p->rpos + i * p->rstep;
		double f;

		k = (size_t)x;
		f = x - k;
		if (k + 1 >= p->linn)
			k = p->linn - 2;
		pcm[i] = (int16_t)lrint(p->lin[k] * (1.0 - f) +
					p->lin[k + 1] * f);
	}

	p->rpos += AUD_FRAME * p->rstep;
	drop = (size_t)p->rpos;
	if (drop > p->linn)
		drop = p->linn;
	memmove(p->lin, p->lin + drop, (p->linn - drop) * 2);
	p->linn -= drop;
	p->rpos -= drop;
}


/* One frame; false when the source has ended */
static bool play_frame(struct mplay *p, int16_t *pcm)
{
	if (!p->af)
		tone_gen(p, pcm);
	else if (p->eof)
		return false;
	else if (p->use_rs)
		wav_resamp(p, pcm);
	else
		wav_linear(p, pcm);

	if (p->until_eof)
		return true;

	if (p->left <= AUD_FRAME) {
		/* the last frame: play only what is left */
		memset(pcm + p->left, 0, (AUD_FRAME - p->left) * 2);
		p->left = 0;
		return true;
	}

	p->left -= AUD_FRAME;

	return true;
}


bool mplay_mix(struct list *plays, int32_t *acc)
{
	struct le *le = list_head(plays);
	bool played = false;

	while (le) {
		struct mplay *p = le->data;
		int16_t pcm[AUD_FRAME];

		le = le->next;

		if ((!p->until_eof && !p->left) || !play_frame(p, pcm)) {
			mem_deref(p);
			continue;
		}

		mix_add(acc, pcm, AUD_FRAME, 32768);
		played = true;
	}

	return played;
}
