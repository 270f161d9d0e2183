/**
 * @file tetra.h  The Airwave (TETRA) bearer: a terminal driven over PEI
 *
 * One TETRA terminal (a fixed or desk radio) reached over TCP or a
 * serial line, speaking the AT command set of EN 300 392-5; its voice
 * arrives as RTP from the radio gateway next to it.  Behind the same
 * struct bearer_ops as ESN (radio.h).
 */
#include <stdbool.h>

struct bearer;
struct conf;
struct media;
struct radio_events;

/* ENOENT when conf has no tetra section */
extern const struct bearer_ops tetra_bearer_ops;
int tetra_bearer_alloc(struct bearer **bp, const struct conf *conf,
		       const struct radio_events *ev, void *arg,
		       struct media *media);
