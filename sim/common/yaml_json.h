/**
 * @file yaml_json.h  A simulator's YAML config file as a jansson tree,
 * so one loader serves YAML and JSON files alike
 *
 * Mappings become objects, sequences arrays; a plain (unquoted) scalar
 * that is a decimal integer becomes an integer, true/false a boolean,
 * everything else (and every quoted scalar) a string.  Include after
 * jansson.h.
 */
#include <stddef.h>

/* path ending in .yaml or .yml: YAML, else JSON.  why gets the reason
 * (with the line) when the file cannot be read. */
int sim_conf_load(json_t **jp, const char *path, char *why, size_t sz);
