/**
 * @file yaml_json.c  YAML (libyaml document API) to jansson
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <jansson.h>
#include <re.h>
#include "common/yaml_json.h"

enum { DEPTH_MAX = 32 };

static json_t *scalar(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	char *end;
	long long i;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_string(v);
	if (!strcmp(v, "true") || !strcmp(v, "false"))
		return json_boolean(v[0] == 't');
	errno = 0;
	i = strtoll(v, &end, 10);
	if (*v && !*end && !errno)
		return json_integer(i);
	return json_string(v);
}


static json_t *node(yaml_document_t *d, yaml_node_t *n, unsigned depth)
{
	json_t *j = NULL;

	if (!n || depth > DEPTH_MAX)
		return NULL;
	switch (n->type) {

	case YAML_SCALAR_NODE:
		return scalar(n);

	case YAML_SEQUENCE_NODE:
		j = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     j && it < n->data.sequence.items.top; it++) {
			json_t *v = node(d, yaml_document_get_node(d, *it),
					 depth + 1);

			if (!v || json_array_append_new(j, v))
				goto fail;
		}
		return j;

	case YAML_MAPPING_NODE:
		j = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     j && p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(d, p->key);
			json_t *v;

			if (!k || k->type != YAML_SCALAR_NODE)
				goto fail;
			v = node(d, yaml_document_get_node(d, p->value),
				 depth + 1);
			if (!v || json_object_set_new(j, (const char *)
						      k->data.scalar.value, v))
				goto fail;
		}
		return j;

	default:
		return NULL;
	}
 fail:
	json_decref(j);
	return NULL;
}


static int yaml_load(json_t **jp, const char *path, char *why, size_t sz)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t p;
	yaml_document_t d;
	int err = 0;

	if (!f) {
		re_snprintf(why, sz, "%s: %m", path, errno);
		return errno;
	}
	if (!yaml_parser_initialize(&p)) {
		fclose(f);
		return ENOMEM;
	}
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &d)) {
		re_snprintf(why, sz, "%s:%zu: %s", path,
			    p.problem_mark.line + 1,
			    p.problem ? p.problem : "not YAML");
		err = EINVAL;
	}
	else {
		*jp = node(&d, yaml_document_get_root_node(&d), 0);
		if (!*jp) {
			re_snprintf(why, sz, "%s: empty, too deep or a "
				    "non-scalar key", path);
			err = EINVAL;
		}
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return err;
}


int sim_conf_load(json_t **jp, const char *path, char *why, size_t sz)
{
	size_t n = path ? strlen(path) : 0;
	json_error_t je;

	if (!jp || !path)
		return EINVAL;
	*jp = NULL;
	if ((n > 5 && !strcmp(path + n - 5, ".yaml")) ||
	    (n > 4 && !strcmp(path + n - 4, ".yml")))
		return yaml_load(jp, path, why, sz);
	*jp = json_load_file(path, 0, &je);
	if (!*jp) {
		re_snprintf(why, sz, "%s:%d: %s", path, je.line, je.text);
		return EINVAL;
	}
	return 0;
}
