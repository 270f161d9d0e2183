/**
 * @file pos_audio.c  Per-position audio routing state
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "position/pos_audio.h"

enum { VOLUME_DEFAULT = 80 };

struct tg_entry {
	struct le le;
	char tg[64];
	struct pos_audio_tg st;
};

struct pos_entry {
	struct le le;
	char pos[32];
	struct list tgs;
	bool mute[3];          /* indexed by enum pos_chan */
	bool ptt;
	bool call;             /* on a telephone call: mic always open */
};

struct pos_audio {
	struct list positions;
};

static const char *chan_names[] = {"off", "headset", "speaker"};


static void pos_entry_destructor(void *data)
{
	struct pos_entry *p = data;

	list_unlink(&p->le);
	list_flush(&p->tgs);
}


static void tg_entry_destructor(void *data)
{
	struct tg_entry *t = data;

	list_unlink(&t->le);
}


static void pa_destructor(void *data)
{
	struct pos_audio *pa = data;

	list_flush(&pa->positions);
}


int pos_audio_alloc(struct pos_audio **pap)
{
	struct pos_audio *pa;

	if (!pap)
		return EINVAL;

	pa = mem_zalloc(sizeof(*pa), pa_destructor);
	if (!pa)
		return ENOMEM;

	*pap = pa;
	return 0;
}


static struct pos_entry *pos_find(const struct pos_audio *pa,
				  const char *pos)
{
	struct le *le;

	for (le = list_head(&pa->positions); le; le = le->next) {
		struct pos_entry *p = le->data;

		if (!strcmp(p->pos, pos))
			return p;
	}
	return NULL;
}


static struct pos_entry *pos_get(struct pos_audio *pa, const char *pos)
{
	struct pos_entry *p = pos_find(pa, pos);

	if (p || strlen(pos) >= sizeof(p->pos))
		return p;

	p = mem_zalloc(sizeof(*p), pos_entry_destructor);
	if (!p)
		return NULL;

	str_ncpy(p->pos, pos, sizeof(p->pos));
	list_append(&pa->positions, &p->le, p);
	return p;
}


static struct tg_entry *tg_find(const struct pos_entry *p, const char *tg)
{
	struct le *le;

	for (le = p ? list_head(&p->tgs) : NULL; le; le = le->next) {
		struct tg_entry *t = le->data;

		if (!strcmp(t->tg, tg))
			return t;
	}
	return NULL;
}


int pos_audio_set(struct pos_audio *pa, const char *pos, const char *tg,
		  int monitored, int selected, int volume)
{
	struct pos_entry *p;
	struct tg_entry *t;

	if (!pa || !pos || !tg || strlen(tg) >= sizeof(t->tg) || volume > 100)
		return EINVAL;

	p = pos_get(pa, pos);
	if (!p)
		return ENOMEM;

	t = tg_find(p, tg);
	if (!t) {
		t = mem_zalloc(sizeof(*t), tg_entry_destructor);
		if (!t)
			return ENOMEM;
		str_ncpy(t->tg, tg, sizeof(t->tg));
		t->st.volume = VOLUME_DEFAULT;
		list_append(&p->tgs, &t->le, t);
	}

	if (monitored >= 0) {
		t->st.monitored = monitored;
		if (!monitored)
			t->st.selected = false;
	}
	if (selected >= 0) {
		t->st.selected = selected;
		if (selected)
			t->st.monitored = true;
	}
	if (volume >= 0)
		t->st.volume = (unsigned)volume;
	return 0;
}


int pos_audio_get(const struct pos_audio *pa, const char *pos,
		  const char *tg, struct pos_audio_tg *out)
{
	const struct tg_entry *t;

	if (!pa || !pos || !tg || !out)
		return EINVAL;

	t = tg_find(pos_find(pa, pos), tg);
	*out = t ? t->st : (struct pos_audio_tg){false, false, VOLUME_DEFAULT};
	return 0;
}


enum pos_chan pos_audio_channel(const struct pos_audio_tg *t)
{
	if (t->selected)
		return POS_CHAN_HEADSET;
	return t->monitored ? POS_CHAN_SPEAKER : POS_CHAN_OFF;
}


const char *pos_chan_name(enum pos_chan ch)
{
	return (unsigned)ch < ARRAY_SIZE(chan_names) ? chan_names[ch] : "?";
}


int pos_audio_mute(struct pos_audio *pa, const char *pos, enum pos_chan ch,
		   bool on)
{
	struct pos_entry *p;

	if (!pa || !pos || ch == POS_CHAN_OFF || ch > POS_CHAN_SPEAKER)
		return EINVAL;

	p = pos_get(pa, pos);
	if (!p)
		return ENOMEM;

	p->mute[ch] = on;
	return 0;
}


bool pos_audio_muted(const struct pos_audio *pa, const char *pos,
		     enum pos_chan ch)
{
	const struct pos_entry *p = pa && pos ? pos_find(pa, pos) : NULL;

	return p && ch <= POS_CHAN_SPEAKER && p->mute[ch];
}


int pos_audio_ptt(struct pos_audio *pa, const char *pos, bool on)
{
	struct pos_entry *p;

	if (!pa || !pos)
		return EINVAL;

	p = pos_get(pa, pos);
	if (!p)
		return ENOMEM;

	p->ptt = on;
	return 0;
}


bool pos_audio_ptt_on(const struct pos_audio *pa, const char *pos)
{
	const struct pos_entry *p = pa && pos ? pos_find(pa, pos) : NULL;

	return p && p->ptt;
}


int pos_audio_call(struct pos_audio *pa, const char *pos, bool on)
{
	struct pos_entry *p;

	if (!pa || !pos)
		return EINVAL;

	p = pos_get(pa, pos);
	if (!p)
		return ENOMEM;

	p->call = on;
	return 0;
}


bool pos_audio_mic_open(const struct pos_audio *pa, const char *pos)
{
	const struct pos_entry *p = pa && pos ? pos_find(pa, pos) : NULL;

	return p && (p->ptt || p->call);
}


json_t *pos_audio_selected(const struct pos_audio *pa, const char *pos)
{
	const struct pos_entry *p = pa && pos ? pos_find(pa, pos) : NULL;
	json_t *arr = json_array();
	struct le *le;

	for (le = p ? list_head(&p->tgs) : NULL; arr && le; le = le->next) {
		const struct tg_entry *t = le->data;

		if (t->st.selected)
			json_array_append_new(arr, json_string(t->tg));
	}
	return arr;
}


json_t *pos_audio_json(const struct pos_audio *pa, const char *pos,
		       const struct conf *conf, uint32_t roles)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < conf->resourcec; i++) {
		const struct conf_resource *rs = &conf->resources[i];
		struct pos_audio_tg t;

		if (rs->type != RES_TALKGROUP || !(rs->roles & roles))
			continue;

		(void)pos_audio_get(pa, pos, rs->id, &t);
		json_array_append_new(arr, json_pack(
			"{s:s, s:b, s:b, s:i, s:s}", "id", rs->id,
			"monitored", t.monitored, "selected", t.selected,
			"volume", (int)t.volume,
			"channel", pos_chan_name(pos_audio_channel(&t))));
	}

	return json_pack("{s:o, s:{s:b, s:b}, s:b}", "talkgroups", arr,
			 "mute", "headset",
			 pos_audio_muted(pa, pos, POS_CHAN_HEADSET),
			 "speaker", pos_audio_muted(pa, pos, POS_CHAN_SPEAKER),
			 "ptt", pos_audio_ptt_on(pa, pos));
}


void pos_audio_reset(struct pos_audio *pa, const char *pos)
{
	struct pos_entry *p = pa && pos ? pos_find(pa, pos) : NULL;

	mem_deref(p);
}
