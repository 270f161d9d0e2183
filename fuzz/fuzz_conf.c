/**
 * @file fuzz_conf.c  libFuzzer target: the YAML configuration loader
 *
 * The whole loader runs (YAML events, tree, key tables, references,
 * building struct conf) with flags 0, so no input makes it touch the file
 * system.  A config is written by an engineer, but it may come from a
 * deployment tool or a copy-paste: no input may crash or leak.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "core/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	char err[256];

	if (!conf_load_buf(&c, "fuzz.yaml", (const char *)data, size, 0,
			   err, sizeof(err)))
		mem_deref(c);

	return 0;
}
