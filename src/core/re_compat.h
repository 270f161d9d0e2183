/**
 * @file re_compat.h  Lets libre and jansson live in one translation unit
 *
 * libre 1.1.0's re_json.h and jansson both define the enumerators
 * JSON_STRING and JSON_NULL.  We use jansson for all JSON (libre's odict
 * mangles numbers), so libre's pair is renamed while re.h is read.  The
 * build force-includes this file (-include) ahead of every source, and
 * re.h's include guard makes the sources' own #include <re.h> a no-op.
 */
#define JSON_STRING RE_ODICT_JSON_STRING
#define JSON_NULL   RE_ODICT_JSON_NULL
#include <re.h>
#undef JSON_STRING
#undef JSON_NULL
