/**
 * @file cluster_local.c  Single-node backend: the local view is the truth
 */
#include <re.h>
#include "cluster/cluster.h"


static int local_put(struct cluster *c, const char *key, json_t *val)
{
	cluster_notify(c, key, val);
	return 0;
}


static int local_del(struct cluster *c, const char *key)
{
	cluster_notify(c, key, NULL);
	return 0;
}


const struct cluster_ops cluster_local_ops = {
	.name = "local",
	.put  = local_put,
	.del  = local_del,
};
