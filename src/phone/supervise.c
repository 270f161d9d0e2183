/**
 * @file supervise.c  Supervisor listen-in, whisper and barge
 *
 * The supervisor hears the caller (the call leg routed to their
 * headset) and the call taker (a voice pair, intercom.c, between the
 * two positions: the call taker's microphone goes out on it besides the
 * call).  The mode decides where the supervisor's microphone goes:
 *   listen:  nowhere;
 *   whisper: the pair only: the call taker hears, the caller does not;
 *   barge:   the pair and the call leg: all three hear each other.
 * One supervisor per call; it ends with the call, when the call leaves
 * the call taker, or with mode "off".  The ops layer audits each change.
 */
#include <string.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/log.h"
#include "media/media.h"
#include "position/pos_audio.h"
#include "phone/acd.h"
#include "phone/phone.h"
#include "phone/phone_int.h"

#define MOD "phone"

enum sup_mode { SUP_OFF = 0, SUP_LISTEN, SUP_WHISPER, SUP_BARGE };

static const char *mode_names[] = {"off", "listen", "whisper", "barge"};

struct sup {
	struct le le;                 /* phone->sups                   */
	uint64_t call;
	char leg[PHONE_ID_MAX];       /* the caller's stream           */
	enum sup_mode mode;
	struct vpair vp;              /* pos[0] supervisor, pos[1] taker */
};


static struct sup *sup_find(const struct phone *ph, uint64_t call)
{
	struct le *le;

	LIST_FOREACH(&ph->sups, le) {
		struct sup *s = le->data;

		if (s->call == call)
			return s;
	}
	return NULL;
}


/* The routes and microphones of mode m (SUP_OFF: all off) */
static void apply(struct phone *ph, struct sup *s, enum sup_mode m)
{
	const char *sv = s->vp.pos[0];
	bool on = m != SUP_OFF, talk = m == SUP_WHISPER || m == SUP_BARGE;

	(void)media_route(ph->media, sv, s->leg,
			  on ? MEDIA_HEADSET : MEDIA_OFF, 100);
	(void)media_route(ph->media, sv, s->vp.stream[0],
			  on ? MEDIA_HEADSET : MEDIA_OFF, 100);
	(void)media_ptt(ph->media, sv, s->vp.stream[0], talk);
	(void)media_ptt(ph->media, sv, s->leg, m == SUP_BARGE);
	(void)pos_audio_call(ph->pa, sv, talk);
	if (on)
		(void)media_position(ph->media, sv, true);
	/* the call taker: heard by the supervisor, hears a whisper */
	phone_route(ph, s->vp.pos[1], s->vp.stream[1], on);
	s->mode = m;
}


static void sup_free(struct phone *ph, struct sup *s)
{
	apply(ph, s, SUP_OFF);
	vpair_down(ph, &s->vp);
	list_unlink(&s->le);
	mem_deref(s);
}


int phone_supervise(struct phone *ph, const char *pos, uint64_t id,
		    const char *mode)
{
	struct pcall *c = ph ? phone_call_find(ph, id) : NULL;
	struct sup *s;
	enum sup_mode m = SUP_OFF;
	char name[40];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!str_cmp(mode, mode_names[i]))
			m = (enum sup_mode)i;
	if (m == SUP_OFF && str_cmp(mode, "off"))
		return EINVAL;
	if (!c || c->st == PCALL_ENDED)
		return ENOENT;

	s = sup_find(ph, id);
	if (s && strcmp(s->vp.pos[0], pos))
		return EBUSY;             /* another supervisor is on it */
	if (m == SUP_OFF) {
		if (s)
			sup_free(ph, s);
		phone_call_publish(ph, c);
		return 0;
	}
	if (!*c->pos || c->st != PCALL_CONNECTED)
		return EPROTO;            /* nobody is talking to the caller */
	if (!strcmp(c->pos, pos))
		return EALREADY;          /* one's own call */

	if (!s) {
		s = mem_zalloc(sizeof(*s), NULL);
		if (!s)
			return ENOMEM;
		s->call = id;
		str_ncpy(s->leg, c->stream, sizeof(s->leg));
		str_ncpy(s->vp.pos[0], pos, sizeof(s->vp.pos[0]));
		str_ncpy(s->vp.pos[1], c->pos, sizeof(s->vp.pos[1]));
		(void)re_snprintf(name, sizeof(name), "sup-%llu",
				  (unsigned long long)id);
		err = vpair_up(ph, &s->vp, name);
		if (err) {
			mem_deref(s);
			return err;
		}
		list_append(&ph->sups, &s->le, s);
	}

	log_info(MOD, "call %llu: %s %s (call taker %s)",
		 (unsigned long long)id, pos, mode_names[m], s->vp.pos[1]);
	apply(ph, s, m);
	phone_call_publish(ph, c);
	return 0;
}


/* The call ended or left its call taker: supervision ends with it */
void sup_call_gone(struct phone *ph, const struct pcall *c)
{
	struct sup *s = sup_find(ph, c->id);

	if (s)
		sup_free(ph, s);
}


json_t *sup_json(const struct phone *ph, const struct pcall *c)
{
	const struct sup *s = sup_find(ph, c->id);

	return s ? json_pack("{s:s, s:s}", "position", s->vp.pos[0],
			     "mode", mode_names[s->mode]) : NULL;
}


/* The supervisor's or the call taker's position went */
void sup_position_gone(struct phone *ph, const char *pos)
{
	struct le *le = list_head(&ph->sups);

	while (le) {
		struct sup *s = le->data;

		le = le->next;
		if (!strcmp(s->vp.pos[0], pos) || !strcmp(s->vp.pos[1], pos))
			sup_free(ph, s);
	}
}
