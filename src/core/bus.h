/**
 * @file bus.h  In-process event bus
 *
 * Cross-cutting news (a login, a position coming alive, a config reload)
 * is published here rather than by one module calling into another.
 * Main-loop thread only.  Payloads are jansson objects, borrowed for the
 * duration of the callback.
 */
#include <jansson.h>

struct bus_sub;

typedef void (bus_h)(const char *event, json_t *data, void *arg);

/* Subscribe to events whose name starts with prefix ("" for all). */
int  bus_subscribe(struct bus_sub **subp, const char *prefix, bus_h *h,
		   void *arg);
void bus_publish(const char *event, json_t *data);
void bus_close(void);
