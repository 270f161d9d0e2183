/**
 * @file rbac.h  Role-based access control: the permission matrix
 *
 * One table (rbac.c) says which roles hold which permission.  Every API
 * operation and every pushed event names the permission it needs; the
 * server checks it on every message, whatever the console shows.
 */
#include <stdbool.h>
#include <stdint.h>

struct rbac_perm {
	const char *name;
	uint32_t roles;     /* enum role mask (core/conf.h) */
	const char *doc;
};

bool rbac_allowed(uint32_t roles, const char *perm);
const struct rbac_perm *rbac_perm_find(const char *perm);
/* The whole matrix, for docs and `iccsctl rbac` */
const struct rbac_perm *rbac_table(size_t *countp);
