/**
 * @file fuzz_pei.c  libFuzzer target: TETRA PEI byte stream
 *
 * The input is fed to one parser whole and to another in chunks whose
 * sizes come from the input itself; both must report the same events,
 * because a serial port may cut the stream anywhere.  Each line is also
 * handed to pei_line_parse() on its own.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "radio/tetra/pei.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	uint64_t hash;
	size_t   count;
};

static void on_ev(const struct pei_ev *ev, void *arg)
{
	struct trace *t = arg;
	uint64_t h = t->hash;

	if (strlen(ev->id) >= PEI_ID_MAX || strlen(ev->id2) >= PEI_ID_MAX ||
	    ev->sds_bits >= PEI_SDS_MAX * 8 || !ev->line ||
	    strlen(ev->line) > PEI_LINE_MAX ||
	    (ev->type == PEI_EV_BAD && !ev->reason) ||
	    !pei_cause_str(ev->cause)[0])
		abort();
	h = h * 1099511628211u + (uint64_t)ev->type;
	h = h * 1099511628211u + (uint64_t)(ev->cci + 1);
	h = h * 1099511628211u + (uint64_t)(ev->code + 1);
	for (const char *c = ev->id; *c; c++)
		h = h * 31 + (uint8_t)*c;
	for (size_t i = 0; i < (ev->sds_bits + 7) / 8; i++)
		h = h * 31 + ev->sds[i];
	t->hash = h;
	t->count++;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace a = {0}, b = {0};
	struct pei *pa, *pb;
	struct pei_ev ev;
	char line[PEI_LINE_MAX + 1];
	size_t i = 0, n;

	if (pei_alloc(&pa, on_ev, &a) || pei_alloc(&pb, on_ev, &b))
		abort();

	pei_feed(pa, data, size);
	while (i < size) {
		n = 1 + data[i] % 13;
		if (n > size - i)
			n = size - i;
		pei_feed(pb, data + i, n);
		i += n;
	}
	if (a.count != b.count || a.hash != b.hash)
		abort();

	n = size < PEI_LINE_MAX ? size : PEI_LINE_MAX;
	memcpy(line, data, n);
	line[n] = '\0';
	(void)pei_line_parse(&ev, line, NULL);

	mem_deref(pa);
	mem_deref(pb);
	return 0;
}
