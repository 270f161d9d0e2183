/**
 * @file media_api.c  The main thread's side of the media engine
 *
 * Each call validates its arguments here, where the caller can still get
 * an error back, then copies them into a command for the media thread.
 * The number of commands in flight is bounded so a stalled media thread
 * shows up as ENOSPC instead of growing memory without limit.
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


static struct media_cmd *cmd_new(enum media_cmd_type type, const char *id,
				 const char *id2)
{
	struct media_cmd *c;

	if (!id || !*id || strlen(id) >= MEDIA_ID_MAX)
		return NULL;
	if (id2 && (!*id2 || strlen(id2) >= MEDIA_ID_MAX))
		return NULL;

	c = mem_zalloc(sizeof(*c), NULL);
	if (!c)
		return NULL;

	c->type = type;
	str_ncpy(c->id, id, sizeof(c->id));
	if (id2)
		str_ncpy(c->id2, id2, sizeof(c->id2));

	return c;
}


static int cmd_send(struct media *m, struct media_cmd *c)
{
	int err;

	if (!c)
		return EINVAL;

	if (atomic_fetch_add(&m->ncmd, 1) >= MEDIA_CMD_MAX) {
		err = ENOSPC;
		goto out;
	}

	err = mqueue_push(m->cmdq, c->type, c);

 out:
	if (err) {
		atomic_fetch_sub(&m->ncmd, 1);
		mem_deref(c);
	}

	return err;
}


static int stream_cfg_check(const struct media_stream_cfg *cfg)
{
	if (!cfg->local || !sa_isset(cfg->local, SA_ADDR))
		return EINVAL;

	/* libre puts RTP on an even port and RTCP on the next */
	if (sa_port(cfg->local) & 1)
		return EINVAL;

	if (cfg->fmtp && strlen(cfg->fmtp) >= MEDIA_FMTP_MAX)
		return EINVAL;

	if (!cfg->codec || !codec_find(cfg->codec) || strlen(cfg->codec) >= 32)
		return ENOENT;

	return 0;
}


int media_stream_add(struct media *m, const struct media_stream_cfg *cfg)
{
	struct media_cmd *c;
	int err;

	if (!m || !cfg)
		return EINVAL;

	err = stream_cfg_check(cfg);
	if (err)
		return err;

	c = cmd_new(MCMD_STREAM_ADD, cfg->id, NULL);
	if (!c)
		return EINVAL;

	c->u.add.cfg = *cfg;
	c->u.add.local = *cfg->local;
	if (cfg->remote)
		c->u.add.remote = *cfg->remote;
	else
		sa_init(&c->u.add.remote, AF_UNSPEC);
	str_ncpy(c->u.add.codec, cfg->codec, sizeof(c->u.add.codec));
	if (cfg->fmtp)
		str_ncpy(c->u.add.fmtp, cfg->fmtp, sizeof(c->u.add.fmtp));

	/* the caller's pointers are not ours to keep */
	c->u.add.cfg.local = c->u.add.cfg.remote = NULL;
	c->u.add.cfg.codec = c->u.add.cfg.fmtp = NULL;

	return cmd_send(m, c);
}


int media_stream_remove(struct media *m, const char *id)
{
	if (!m)
		return EINVAL;

	return cmd_send(m, cmd_new(MCMD_STREAM_REMOVE, id, NULL));
}


int media_position(struct media *m, const char *pos, bool active)
{
	struct media_cmd *c;

	if (!m)
		return EINVAL;

	c = cmd_new(MCMD_POSITION, pos, NULL);
	if (c)
		c->on = active;

	return cmd_send(m, c);
}


int media_route(struct media *m, const char *pos, const char *src,
		enum media_chan ch, unsigned volume)
{
	struct media_cmd *c;

	if (!m || !src || ch > MEDIA_SPEAKER || volume > 100)
		return EINVAL;

	c = cmd_new(MCMD_ROUTE, pos, src);
	if (c) {
		c->ch = ch;
		c->volume = volume;
	}

	return cmd_send(m, c);
}


int media_mute(struct media *m, const char *pos, enum media_chan ch,
	       bool mute)
{
	struct media_cmd *c;

	if (!m || ch == MEDIA_OFF || ch > MEDIA_SPEAKER)
		return EINVAL;

	c = cmd_new(MCMD_MUTE, pos, NULL);
	if (c) {
		c->ch = ch;
		c->on = mute;
	}

	return cmd_send(m, c);
}


int media_ptt(struct media *m, const char *pos, const char *stream,
	      bool on)
{
	struct media_cmd *c;

	if (!m || !stream)
		return EINVAL;

	c = cmd_new(MCMD_PTT, pos, stream);
	if (c)
		c->on = on;

	return cmd_send(m, c);
}


int media_patch(struct media *m, const char *src, const char *dst,
		bool on)
{
	struct media_cmd *c;

	if (!m || !src || !dst || !strcmp(src, dst))
		return EINVAL;

	c = cmd_new(MCMD_PATCH, src, dst);
	if (c)
		c->on = on;

	return cmd_send(m, c);
}


int media_mic(struct media *m, const char *pos, const int16_t *pcm,
	      size_t n)
{
	struct media_cmd *c;

	if (!m || !pcm || n != AUD_FRAME)
		return EINVAL;

	c = cmd_new(MCMD_MIC, pos, NULL);
	if (c)
		memcpy(c->u.pcm, pcm, sizeof(c->u.pcm));

	return cmd_send(m, c);
}


int media_play(struct media *m, const char *target,
	       const struct media_play *play)
{
	struct media_cmd *c;

	if (!m || !play || play->level_dbfs > 0)
		return EINVAL;

	if (play->wav ? strlen(play->wav) >= MEDIA_PATH_MAX || !*play->wav
		      : !play->tone_hz || play->tone_hz >= AUD_SRATE / 2)
		return EINVAL;

	c = cmd_new(MCMD_PLAY, target, NULL);
	if (c) {
		c->u.play.prm = *play;
		c->u.play.prm.wav = NULL;
		if (play->wav)
			str_ncpy(c->u.play.wav, play->wav,
				 sizeof(c->u.play.wav));
	}

	return cmd_send(m, c);
}


json_t *media_stats(const struct media *m)
{
	if (!m)
		return NULL;

	return m->stats ? json_incref(m->stats) : json_object();
}


void media_tick_info(const struct media *m, uint64_t *ticks,
		     double *avg_us, double *max_us, uint64_t *overruns)
{
	struct media *mm = (struct media *)m;
	uint64_t n = atomic_load(&mm->ticks);

	if (ticks)
		*ticks = n;
	if (avg_us)
		*avg_us = n ? atomic_load(&mm->tick_ns_sum) / 1e3 / n : 0;
	if (max_us)
		*max_us = atomic_load(&mm->tick_ns_max) / 1e3;
	if (overruns)
		*overruns = atomic_load(&mm->overruns);
}
