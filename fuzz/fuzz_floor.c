/**
 * @file fuzz_floor.c  libFuzzer target: MCPTT floor control packets
 *
 * Walks every APP packet of a datagram as the radio bearer will.  What
 * decodes must encode again (unless it needs an id V13.0 lacked) and
 * decode to the same message, and is then fed to a floor participant
 * so the state machine sees hostile input too.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "radio/mcptt/fc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fc_part *fp;

static int no_send(const struct fc_msg *m, void *arg)
{
	uint8_t buf[1500];
	size_t n;

	/* what the participant sends must always be encodable */
	if (fc_msg_encode(buf, sizeof(buf), &n, m, FC_IDS_CURRENT, NULL))
		abort();
	return 0;
}

static const struct fc_part_h h = {.send = no_send};


static void recheck(const struct fc_msg *m, enum fc_ids ids)
{
	uint8_t buf[1500];
	struct fc_msg d;
	size_t n, used;

	if (fc_msg_encode(buf, sizeof(buf), &n, m, ids, NULL))
		return;
	if (fc_msg_decode(&d, buf, n, &used, NULL) || used != n ||
	    d.type != m->type || d.has != m->has || d.prio != m->prio ||
	    strcmp(d.user_id, m->user_id) || strcmp(d.phrase, m->phrase))
		abort();
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fc_msg m;
	size_t used;

	if (!fp) {
		struct fc_part_conf conf;

		fc_part_conf_default(&conf);
		if (fc_part_alloc(&fp, &conf, &h, NULL))
			abort();
		fc_part_start(fp, false);
		fc_part_ptt(fp, true);
	}

	while (size && !fc_msg_decode(&m, data, size, &used, NULL)) {
		recheck(&m, FC_IDS_CURRENT);
		recheck(&m, FC_IDS_LEGACY);
		fc_part_recv(fp, &m);
		fc_part_timer_expired(fp, (enum fc_timer)(m.ssrc & 3));
		data += used;
		size -= used;
	}

	return 0;
}
