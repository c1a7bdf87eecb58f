/* Per-flow monitor twin of Plugins/Monitor: Ethernet and IPv4 parsed where present, packets and bytes counted
 * per 5-tuple (FlowKey's) in a bounded table (65 536 flows; beyond it counted as untracked), every frame passes. */
#include <stdlib.h>
#include "nf.h"

struct counters { uint64_t packets, bytes; };
static struct flow_table flows;
static uint64_t total_bytes, untracked, non_ip;

int monitor_init(void) { return flow_table_init(&flows, 65536, sizeof(struct counters)); }

uint16_t monitor_burst(struct rte_mbuf **bufs, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct parsed r;
		if (!parse(bufs[i], &r, 0)) { non_ip++; continue; }
		struct flow f;
		flow_of(&r, &f);
		total_bytes += r.len;
		int created = 0;
		struct counters *c = flow_table_get(&flows, &f, 1, &created);
		if (c == NULL) { untracked++; continue; }
		c->packets++;
		c->bytes += r.len;
	}
	return n;
}
