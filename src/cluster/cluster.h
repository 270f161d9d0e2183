/**
 * @file cluster.h  Shared live state (who is where, floor holders, locks)
 *
 * Live state goes through here so that one node and three sites run the
 * same code: a backend (a const struct cluster_ops) carries writes to the
 * shared store and reports every change back through cluster_notify(),
 * which updates the local view and calls the watchers.  The "local"
 * backend (single node) reports its own writes at once; an etcd backend
 * reports what its watch stream sees, including other nodes' writes.
 * Main-loop thread only.
 */
#include <jansson.h>

struct cluster;

struct cluster_ops {
	const char *name;
	int  (*put)(struct cluster *c, const char *key, json_t *val);
	int  (*del)(struct cluster *c, const char *key);
};

/* val is NULL when the key was deleted; borrowed for the call */
typedef void (cluster_watch_h)(const char *key, json_t *val, void *arg);

int  cluster_alloc(struct cluster **cp, const char *backend);
const char *cluster_backend(const struct cluster *c);
/* val is not consumed */
int  cluster_put(struct cluster *c, const char *key, json_t *val);
int  cluster_del(struct cluster *c, const char *key);
/* Borrowed reference from the local view, or NULL */
json_t *cluster_get(const struct cluster *c, const char *key);
int  cluster_watch(struct cluster *c, const char *prefix,
		   cluster_watch_h *h, void *arg);

/* For backends: a change was committed to the shared state */
void cluster_notify(struct cluster *c, const char *key, json_t *val);

extern const struct cluster_ops cluster_local_ops;
