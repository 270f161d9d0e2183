/**
 * @file pos_audio.h  What each position hears and where it transmits
 *
 * Per position and talkgroup: monitored, selected, volume.  The channel
 * follows the dispatch-console rule: selected plays in the headset (and
 * is where PTT transmits), monitored but not selected on the speaker.
 * The state belongs to the position, not to a console connection, so it
 * survives a console reconnect.  Main-loop thread only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct pos_audio;
struct conf;

enum pos_chan {
	POS_CHAN_OFF = 0,
	POS_CHAN_HEADSET,
	POS_CHAN_SPEAKER,
};

struct pos_audio_tg {
	bool monitored;
	bool selected;
	unsigned volume;       /* 0..100 */
};

int  pos_audio_alloc(struct pos_audio **pap);
/* Change one talkgroup at a position; -1 leaves a field as it is.
 * Selecting implies monitoring; unmonitoring implies unselecting. */
int  pos_audio_set(struct pos_audio *pa, const char *pos, const char *tg,
		   int monitored, int selected, int volume);
int  pos_audio_get(const struct pos_audio *pa, const char *pos,
		   const char *tg, struct pos_audio_tg *out);
enum pos_chan pos_audio_channel(const struct pos_audio_tg *t);
const char *pos_chan_name(enum pos_chan ch);

int  pos_audio_mute(struct pos_audio *pa, const char *pos,
		    enum pos_chan ch, bool on);
bool pos_audio_muted(const struct pos_audio *pa, const char *pos,
		     enum pos_chan ch);
int  pos_audio_ptt(struct pos_audio *pa, const char *pos, bool on);
bool pos_audio_ptt_on(const struct pos_audio *pa, const char *pos);
/* A telephone call in the headset keeps the microphone open (the
 * media engine sends it only to the call's stream, not to radio) */
int  pos_audio_call(struct pos_audio *pa, const char *pos, bool on);
bool pos_audio_mic_open(const struct pos_audio *pa, const char *pos);

/* Talkgroups selected at pos, as a new array of ids */
json_t *pos_audio_selected(const struct pos_audio *pa, const char *pos);
/* The whole state of pos for the talkgroups the roles may see (new) */
json_t *pos_audio_json(const struct pos_audio *pa, const char *pos,
		       const struct conf *conf, uint32_t roles);
/* Forget a position's state (a new operator starts from defaults) */
void pos_audio_reset(struct pos_audio *pa, const char *pos);
