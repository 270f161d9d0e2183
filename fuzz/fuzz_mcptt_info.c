/**
 * @file fuzz_mcptt_info.c  libFuzzer target: the mcptt-info XML body
 *
 * The body arrives from the network in every INVITE and re-INVITE.
 * Whatever decodes must encode again and decode to the same values.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "radio/mcptt/mcptt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void recheck(const struct mcptt_info *mi)
{
	struct mcptt_info again;
	struct mbuf *mb = mbuf_alloc(1024);

	if (!mb || mcptt_info_encode(mb, mi))
		abort();
	if (mcptt_info_decode(&again, (char *)mb->buf, mb->end, NULL))
		abort();
	if (again.has != mi->has || again.stype != mi->stype ||
	    strcmp(again.req_uri, mi->req_uri) ||
	    strcmp(again.calling, mi->calling) ||
	    again.emergency != mi->emergency || again.alert != mi->alert)
		abort();
	mem_deref(mb);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcptt_info mi;
	const char *why = NULL;

	if (!mcptt_info_decode(&mi, (const char *)data, size, &why))
		recheck(&mi);
	else if (!why)
		abort();          /* every refusal says why */

	return 0;
}
