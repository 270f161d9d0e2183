/**
 * @file fuzz_msg.c  libFuzzer target: console control messages
 *
 * Drives the envelope decoder and then the schema check of the op the
 * message names (or of every op, when it names none we know), which is
 * all the parsing a message gets before a handler runs.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include <jansson.h>
#include "api/api.h"
#include "api/api_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_err e = {0};
	const struct api_op *op, *ops;
	json_t *msg = NULL;
	size_t n;

	int64_t id;

	if (api_msg_decode(&msg, &id, (const char *)data, size, &e))
		return 0;

	op = api_op_find(json_string_value(json_object_get(msg, "op")));
	if (op) {
		(void)api_msg_check(op->fields, msg, &e);
	}
	else {
		ops = api_op_table(&n);
		for (size_t i = 0; i < n; i++)
			(void)api_msg_check(ops[i].fields, msg, &e);
	}

	json_decref(msg);
	return 0;
}
