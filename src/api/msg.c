/**
 * @file msg.c  Control messages: the envelope and schema checks
 *
 * Every message from a console or an integration passes here before any
 * handler sees it, so a handler can trust the types and bounds of the
 * fields its schema declares.  Reasons name the field at fault: the
 * engineer integrating a CAD system reads them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <re.h>
#include <jansson.h>
#include "api/api.h"
#include "api/api_int.h"


int api_fail(struct api_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return code;
}


int api_msg_decode(json_t **msgp, int64_t *idp, const char *buf,
		   size_t len, struct api_err *e)
{
	json_error_t jerr;
	json_t *msg, *id;

	*idp = -1;

	if (len > API_MSG_MAX)
		return api_fail(e, 413, "message larger than %u bytes",
				API_MSG_MAX);

	/* Duplicate keys would let two readers see two different values */
	msg = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!msg)
		return api_fail(e, 400, "invalid JSON at %d:%d: %s",
				jerr.line, jerr.column, jerr.text);

	if (!json_is_object(msg)) {
		json_decref(msg);
		return api_fail(e, 400, "message must be a JSON object");
	}

	id = json_object_get(msg, "id");
	if (id && (!json_is_integer(id) || json_integer_value(id) < 0)) {
		json_decref(msg);
		return api_fail(e, 400, "'id' must be a non-negative integer");
	}
	if (id)
		*idp = json_integer_value(id);

	if (!json_is_string(json_object_get(msg, "op"))) {
		json_decref(msg);
		return api_fail(e, 400, "'op' missing or not a string");
	}

	*msgp = msg;
	return 0;
}


static const struct api_field *field_find(const struct api_field *f,
					  const char *name)
{
	for (; f && f->name; f++) {
		if (!strcmp(f->name, name))
			return f;
	}
	return NULL;
}


static bool str_ok(const json_t *v, const struct api_field *f)
{
	size_t n;

	if (!json_is_string(v))
		return false;
	n = json_string_length(v);
	/* NUL inside a string would cut it short in C: refuse it */
	return n >= f->min && n <= f->max &&
		strlen(json_string_value(v)) == n;
}


static int check_value(const struct api_field *f, const json_t *v,
		       struct api_err *e)
{
	static const char *tname[] = {"string", "integer", "number",
				      "boolean", "array of strings"};
	double d;
	size_t i;
	json_t *el;

	switch (f->type) {

	case FT_STR:
		if (str_ok(v, f))
			return 0;
		if (json_is_string(v))
			return api_fail(e, 400, "'%s' must have %.0f to %.0f "
					"characters", f->name, f->min, f->max);
		break;

	case FT_INT:
		if (!json_is_integer(v))
			break;
		d = (double)json_integer_value(v);
		if (d >= f->min && d <= f->max)
			return 0;
		return api_fail(e, 400, "'%s' out of range %.0f..%.0f",
				f->name, f->min, f->max);

	case FT_NUM:
		if (!json_is_number(v))
			break;
		d = json_number_value(v);
		if (isfinite(d) && d >= f->min && d <= f->max)
			return 0;
		return api_fail(e, 400, "'%s' out of range %g..%g",
				f->name, f->min, f->max);

	case FT_BOOL:
		if (json_is_boolean(v))
			return 0;
		break;

	case FT_STRARR:
		if (!json_is_array(v))
			break;
		if (json_array_size(v) < f->min || json_array_size(v) > f->max)
			return api_fail(e, 400, "'%s' must have %.0f to %.0f "
					"elements", f->name, f->min, f->max);
		json_array_foreach(v, i, el) {
			if (!json_is_string(el) || !json_string_length(el))
				return api_fail(e, 400, "'%s'[%zu] must be a "
						"non-empty string", f->name, i);
		}
		return 0;
	}

	return api_fail(e, 400, "'%s' must be %s", f->name, tname[f->type]);
}


int api_msg_check(const struct api_field *fields, const json_t *msg,
		  struct api_err *e)
{
	const struct api_field *f;
	const char *key;
	json_t *v;
	int err;

	json_object_foreach((json_t *)msg, key, v) {
		if (!strcmp(key, "op") || !strcmp(key, "id"))
			continue;
		f = field_find(fields, key);
		if (!f)
			return api_fail(e, 400, "unknown field '%s'", key);
		err = check_value(f, v, e);
		if (err)
			return err;
	}

	for (f = fields; f && f->name; f++) {
		if (f->required && !json_object_get(msg, f->name))
			return api_fail(e, 400, "missing field '%s'", f->name);
	}

	return 0;
}
