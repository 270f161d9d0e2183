/**
 * @file media_pos.c  Positions of the media engine: routes, PTT, mixing
 *
 * Media thread only.  A position's two channels are built each tick from
 * the already decoded stream frames (a source is decoded once however
 * many positions hear it), with a saturating sum, then muted, metered
 * and interleaved for the console.  Patches live here too: a patch is a
 * PTT whose microphone is another stream.
 */
#include <re.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include "media/codec.h"
#include "media/jb.h"
#include "media/mix.h"
#include "media/media.h"
#include "media/media_int.h"
#include "core/log.h"


static void pos_destructor(void *arg)
{
	struct mpos *p = arg;

	list_unlink(&p->le);
	list_flush(&p->plays);
}


struct mpos *media_pos_get(struct media_eng *e, const char *id)
{
	struct mpos *p;
	struct le *le;

	LIST_FOREACH(&e->positions, le) {
		p = le->data;
		if (!strcmp(p->id, id))
			return p;
	}

	p = mem_zalloc(sizeof(*p), pos_destructor);
	if (!p)
		return NULL;

	str_ncpy(p->id, id, sizeof(p->id));
	list_append(&e->positions, &p->le, p);

	return p;
}


/* Routes hold stream pointers so a tick does no name lookups */
void mpos_routes_bind(struct media_eng *e, const char *id,
		      struct mstream *s)
{
	struct le *le;
	size_t i;

	LIST_FOREACH(&e->positions, le) {
		struct mpos *p = le->data;

		for (i = 0; i < p->routec; i++) {
			if (!strcmp(p->routev[i].src, id))
				p->routev[i].s = s;
		}
	}
}


void mpos_cmd_position(struct media_eng *e, const struct media_cmd *c)
{
	struct mpos *p = media_pos_get(e, c->id);

	if (!p || p->active == c->on)
		return;

	p->active = c->on;
	if (c->on)
		++e->npos_active;
	else
		--e->npos_active;
}


void mpos_cmd_route(struct media_eng *e, const struct media_cmd *c)
{
	struct mpos *p = media_pos_get(e, c->id);
	struct mroute *r = NULL;
	size_t i;

	if (!p)
		return;

	for (i = 0; i < p->routec && !r; i++) {
		if (!strcmp(p->routev[i].src, c->id2))
			r = &p->routev[i];
	}

	if (c->ch == MEDIA_OFF) {
		if (r)
			*r = p->routev[--p->routec];
		return;
	}

	if (!r) {
		if (p->routec >= MEDIA_ROUTE_MAX) {
			log_warn("media", "%s: too many routes\n", p->id);
			return;
		}
		r = &p->routev[p->routec++];
		str_ncpy(r->src, c->id2, sizeof(r->src));
	}

	r->s = media_stream_find(e, c->id2);
	r->ch = c->ch;
	r->gain = mix_gain(c->volume);
}


void mpos_cmd_mute(struct media_eng *e, const struct media_cmd *c)
{
	struct mpos *p = media_pos_get(e, c->id);

	if (p && c->ch != MEDIA_OFF)
		p->mute[c->ch - 1] = c->on;
}


void mpos_cmd_ptt(struct media_eng *e, const struct media_cmd *c)
{
	struct mpos *p = media_pos_get(e, c->id);
	size_t i;

	if (!p)
		return;

	for (i = 0; i < p->pttc; i++) {
		if (!strcmp(p->pttv[i], c->id2))
			break;
	}

	if (!c->on && i < p->pttc)
		memcpy(p->pttv[i], p->pttv[--p->pttc], MEDIA_ID_MAX);
	else if (c->on && i == p->pttc && p->pttc < MEDIA_PTT_MAX)
		str_ncpy(p->pttv[p->pttc++], c->id2, MEDIA_ID_MAX);
}


void mpos_cmd_mic(struct media_eng *e, const struct media_cmd *c)
{
	struct mpos *p = media_pos_get(e, c->id);
	unsigned slot;

	if (!p)
		return;

	/* a full FIFO drops the oldest: keep the talker's latency bounded */
	if (p->mic_n == MEDIA_MIC_FIFO) {
		p->mic_head = (p->mic_head + 1) % MEDIA_MIC_FIFO;
		--p->mic_n;
	}

	slot = (p->mic_head + p->mic_n++) % MEDIA_MIC_FIFO;
	memcpy(p->micv[slot], c->u.pcm, sizeof(p->micv[slot]));
}


static uint16_t peak(const int16_t *v, size_t n)
{
	int32_t pk = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t a = v[i] < 0 ? -(int32_t)v[i] : v[i];
		if (a > pk)
			pk = a;
	}

	return (uint16_t)(pk > 32767 ? 32767 : pk);
}


void mpos_mix(struct mpos *p, struct media_frame *f)
{
	int32_t acc[2][AUD_FRAME];
	int16_t out[2][AUD_FRAME];
	size_t i;
	int c;

	memset(acc, 0, sizeof(acc));

	for (i = 0; i < p->routec; i++) {
		const struct mroute *r = &p->routev[i];

		if (r->s && r->s->active)
			mix_add(acc[r->ch - 1], r->s->pcm, AUD_FRAME, r->gain);
	}

	(void)mplay_mix(&p->plays, acc[0]);

	for (c = 0; c < 2; c++) {
		if (p->mute[c])
			memset(out[c], 0, sizeof(out[c]));
		else
			mix_clip(out[c], acc[c], AUD_FRAME);
		f->peak[c] = peak(out[c], AUD_FRAME);
	}

	mix_interleave(f->pcm, out[0], out[1], AUD_FRAME);
	str_ncpy(f->pos, p->id, sizeof(f->pos));
	f->seq = p->seq++;
}


void mpos_mic(struct media_eng *e, struct mpos *p)
{
	struct mstream *s;
	size_t i;

	if (!p->pttc) {
		/* mic audio from before the PTT press must not go out */
		p->mic_n = 0;
		p->mic_run = false;
		return;
	}

	/* the console's clock is not ours: hold one frame of slack so its
	 * jitter does not punch silence into the talker's audio */
	if (!p->mic_run && p->mic_n >= 2)
		p->mic_run = true;
	else if (!p->mic_n)
		p->mic_run = false;

	if (p->mic_run) {
		memcpy(p->mic, p->micv[p->mic_head], sizeof(p->mic));
		p->mic_head = (p->mic_head + 1) % MEDIA_MIC_FIFO;
		--p->mic_n;
	}
	else {
		memset(p->mic, 0, sizeof(p->mic));
	}

	for (i = 0; i < p->pttc; i++) {
		s = media_stream_find(e, p->pttv[i]);
		if (!s)
			continue;
		if (!s->talkers++)
			memset(s->txacc, 0, sizeof(s->txacc));
		mix_add(s->txacc, p->mic, AUD_FRAME, 32768);
	}
}



/* ---- patches: one stream's received audio out on another ---- */

static void patch_destructor(void *arg)
{
	struct mpatch *pa = arg;

	list_unlink(&pa->le);
}


void mpatch_bind(struct media_eng *e, const char *id, struct mstream *s)
{
	struct le *le;

	LIST_FOREACH(&e->patches, le) {
		struct mpatch *pa = le->data;

		if (!strcmp(pa->src, id))
			pa->s = s;
		if (!strcmp(pa->dst, id))
			pa->d = s;
	}
}


void mpatch_cmd(struct media_eng *e, const struct media_cmd *c)
{
	struct mpatch *pa = NULL;
	struct le *le;

	LIST_FOREACH(&e->patches, le) {
		struct mpatch *x = le->data;

		if (!strcmp(x->src, c->id) && !strcmp(x->dst, c->id2)) {
			pa = x;
			break;
		}
	}

	if (!c->on) {
		mem_deref(pa);
		return;
	}

	if (pa)
		return;

	pa = mem_zalloc(sizeof(*pa), patch_destructor);
	if (!pa) {
		log_warn("media", "patch %s to %s: %m\n", c->id, c->id2,
			 ENOMEM);
		return;
	}

	str_ncpy(pa->src, c->id, sizeof(pa->src));
	str_ncpy(pa->dst, c->id2, sizeof(pa->dst));
	pa->s = media_stream_find(e, pa->src);
	pa->d = media_stream_find(e, pa->dst);
	list_append(&e->patches, &pa->le, pa);
}


/* After the receive side of the tick, before the transmit side: a
 * patched frame leaves in the same tick it was decoded */
void mpatch_mix(struct media_eng *e)
{
	struct le *le;

	LIST_FOREACH(&e->patches, le) {
		struct mpatch *pa = le->data;
		struct mstream *d = pa->d;

		if (!pa->s || !d || !pa->s->active)
			continue;

		if (!d->talkers++)
			memset(d->txacc, 0, sizeof(d->txacc));
		mix_add(d->txacc, pa->s->pcm, AUD_FRAME, 32768);
	}
}
