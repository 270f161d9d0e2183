/**
 * @file test_pos.c  Positions: layout choice and occupancy on the board
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <jansson.h>
#include "core/conf.h"
#include "core/bus.h"
#include "cluster/cluster.h"
#include "position/pos.h"

static const char yaml[] =
	"node: {id: n1}\n"
	"listen: {https: \"127.0.0.1:8443\"}\n"
	"tls: {cert: server.pem}\n"
	"security: {audit_key: audit.key}\n"
	"web: {root: web}\n"
	"sites: [{id: s1, name: Site 1}]\n"
	"nodes: [{id: n1, site: s1}]\n"
	"positions:\n"
	"  - {id: D1, name: Desk 1, site: s1, node: n1, layout: disp}\n"
	"  - {id: S1, name: Spare 1, site: s1, node: n1, spare: true}\n"
	"layouts:\n"
	"  - {id: disp, name: Dispatch, roles: [dispatcher],"
	" panels: [radio]}\n"
	"  - {id: sup, name: Supervision, roles: [supervisor, admin],"
	" panels: [supervisor]}\n"
	"  - {id: ct, name: Calls, roles: [calltaker], panels: [calls]}\n";

static struct conf *conf;
static int events;


static int setup(void **state)
{
	char err[256];

	(void)state;
	return conf_load_buf(&conf, "pos.yaml", yaml, strlen(yaml), 0, err,
			     sizeof(err));
}


static int teardown(void **state)
{
	(void)state;
	conf = mem_deref(conf);
	return 0;
}


static const char *layout_id(const char *pos, uint32_t roles)
{
	const struct conf_layout *l =
		pos_layout_for(conf, conf_position(conf, pos), roles);

	return l ? l->id : NULL;
}


/* A supervisor covering a dispatcher's desk needs the supervisor's
 * tools, not a dispatch layout they may not use. */
static void position_layout_serves_its_roles_only(void **state)
{
	(void)state;
	assert_string_equal(layout_id("D1", ROLE_DISPATCHER), "disp");
	assert_string_equal(layout_id("D1", ROLE_SUPERVISOR), "sup");
	assert_string_equal(layout_id("D1", ROLE_CALLTAKER), "ct");
	assert_string_equal(layout_id("S1", ROLE_CALLTAKER), "ct");
	assert_string_equal(layout_id("S1", ROLE_ADMIN), "sup");
	assert_null(layout_id("S1", ROLE_CCTV));
}


static void count_event(const char *event, json_t *data, void *arg)
{
	(void)arg;
	if (!strcmp(event, "position.update") &&
	    !strcmp(json_string_value(json_object_get(data, "id")), "S1"))
		++events;
}


static void occupancy_is_published_and_listed(void **state)
{
	struct cluster *cl = NULL;
	struct pos_reg *pr = NULL;
	struct bus_sub *sub = NULL;
	json_t *j;

	(void)state;
	assert_int_equal(cluster_alloc(&cl, "local"), 0);
	assert_int_equal(pos_reg_alloc(&pr, conf, cl), 0);
	assert_int_equal(bus_subscribe(&sub, "position.", count_event, NULL),
			 0);

	events = 0;
	assert_int_equal(pos_occupy(pr, "S1", "amy", "Amy Shah",
				    ROLE_CALLTAKER, 1000), 0);
	assert_int_equal(events, 1);
	assert_string_equal(pos_occupant(pr, "S1"), "amy");
	assert_int_equal(pos_count_occupied(pr), 1);

	j = pos_json(pr, "S1");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(j, "session"), "display_name")), "Amy Shah");
	json_decref(j);

	assert_int_equal(pos_vacate(pr, "S1"), 0);
	assert_int_equal(events, 2);
	assert_null(pos_occupant(pr, "S1"));
	assert_int_not_equal(pos_occupy(pr, "NOPE", "amy", NULL, 1, 0), 0);

	mem_deref(sub);
	mem_deref(pr);
	mem_deref(cl);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(position_layout_serves_its_roles_only),
		cmocka_unit_test(occupancy_is_published_and_listed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
