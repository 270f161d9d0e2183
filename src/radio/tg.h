/**
 * @file tg.h  Talkgroups, whatever bearer carries them
 *
 * The console side of radio: which positions listen to a talkgroup (the
 * bearer joins its group while anyone does), where its voice streams are
 * (a radio gateway's fixed RTP stream, a bearer's call), who at this node
 * holds the talkgroup's PTT (one position at a time: console-side
 * arbitration before the network's floor control), and the floor,
 * emergency and link state consoles show.  Changes are published on the
 * bus as "radio.floor", "radio.emergency", "radio.link" and
 * "radio.message".  Main-loop thread only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct tg_service;
struct conf;
struct media;
struct pos_audio;

int  tg_alloc(struct tg_service **tsp, const struct conf *conf,
	      struct media *media, struct pos_audio *pa);
/* After a change of pos's routing of tg: apply it to every stream of
 * the talkgroup, and join or leave its group as listeners come and go */
void tg_route(struct tg_service *ts, const char *tg, const char *pos);
/* PTT of pos on tg.  EBUSY: another position of this node holds it */
int  tg_ptt(struct tg_service *ts, const char *tg, const char *pos,
	    bool on);
int  tg_emergency_ack(struct tg_service *ts, const char *tg,
		      const char *who);
/* {"talkgroup", "bearer", "group", "floor": {...},
 *  "emergency": {"on", "by", "by_alias", "acks"}} */
json_t *tg_json(const struct tg_service *ts, const char *tg);
json_t *tg_list_json(const struct tg_service *ts);
/* {"esn": {"up", "reason"}} for the bearers in use */
json_t *tg_links_json(const struct tg_service *ts);
