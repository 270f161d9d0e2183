/**
 * @file pos.h  Working positions: who sits where, with which layout
 *
 * The positions themselves come from the config; who occupies one is live
 * state kept in the cluster under "pos/<id>", so every node of a
 * multi-site control room sees the same board.  Each change is published
 * on the bus as "position.update" with the position's JSON.
 */
#include <stdint.h>
#include <jansson.h>

struct pos_reg;
struct conf;
struct conf_position;
struct conf_layout;
struct cluster;

int  pos_reg_alloc(struct pos_reg **prp, const struct conf *conf,
		   struct cluster *cl);
/* After a config reload: positions may have been renamed or relaid */
void pos_reg_set_conf(struct pos_reg *pr, const struct conf *conf);

int  pos_occupy(struct pos_reg *pr, const char *pos_id,
		const char *username, const char *display_name,
		uint32_t roles, int64_t since_ms);
int  pos_vacate(struct pos_reg *pr, const char *pos_id);
/* Username of the operator at pos_id, or NULL when free */
const char *pos_occupant(const struct pos_reg *pr, const char *pos_id);

json_t *pos_json(const struct pos_reg *pr, const char *pos_id);  /* new */
json_t *pos_list_json(const struct pos_reg *pr);                 /* new */
unsigned pos_count_occupied(const struct pos_reg *pr);

/* The position's own layout when it is made for one of the operator's
 * roles, else the first layout made for one of them; NULL when none. */
const struct conf_layout *pos_layout_for(const struct conf *conf,
					 const struct conf_position *p,
					 uint32_t roles);
json_t *pos_layout_json(const struct conf_layout *l);            /* new */
