/**
 * @file rcall.h  Private (individual) radio calls at the console
 *
 * A radio calls the control room, or a dispatcher calls a radio, over
 * whichever bearer reaches it.  An incoming call is offered to every
 * position allowed to take radio calls; the first to answer gets it.  The
 * call's voice goes to that position's headset; talking is push-to-talk
 * under the network's floor control, as in a group call.  Changes are
 * published on the bus as "radio.call".  Main-loop thread only.
 */
#include <stdbool.h>
#include <jansson.h>

struct rcall_service;
struct tg_service;
struct media;
struct pos_audio;
struct conf;

int  rcall_alloc(struct rcall_service **psp, const struct conf *conf,
		 struct tg_service *tgs, struct media *media,
		 struct pos_audio *pa);
/* to: a radio id or a directory alias.  *idp: the call id (static
 * storage of the call).  ENOENT: no bearer reaches to. */
int  rcall_dial(struct rcall_service *ps, const char *pos, const char *to,
		bool emergency, const char **idp);
/* EALREADY: another position answered first */
int  rcall_answer(struct rcall_service *ps, const char *pos,
		  const char *call, bool accept);
int  rcall_hangup(struct rcall_service *ps, const char *pos,
		  const char *call);
/* EPERM: the call is not this position's */
int  rcall_ptt(struct rcall_service *ps, const char *pos, const char *call,
	       bool on);
/* The position's console went away: stop talking in its calls */
void rcall_release(struct rcall_service *ps, const char *pos);
/* The position's operator left: its calls end, ringing offers stay */
void rcall_position_gone(struct rcall_service *ps, const char *pos);
json_t *rcall_json(const struct rcall_service *ps, const char *call);
json_t *rcall_list_json(const struct rcall_service *ps);
