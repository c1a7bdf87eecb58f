/* Maglev twin of Plugins/Maglev (mode "dsr"): the paper's table population (two hashes of each backend's
 * name give offset and skip; weighted turns; 65 537 entries), the 5-tuple's FlowKey hash picking a table
 * position, a per-flow connection cache so a flow keeps its backend, and the destination MAC rewritten
 * to the backend's. Same backends, weights and hashes as the C# configuration in bench/NativeTwins.cs.
 * IPv4 only (the C# NF also balances IPv6). No idle sweep (the C# cache's 120 s timeout never fires in a run). */
#include <stdlib.h>
#include "nf.h"

#define TABLE_SIZE 65537
#define NB 8
static const char *names[NB] = {"web-1", "web-2", "web-3", "web-4", "web-5", "web-6", "web-7", "web-8"};
static const int weights[NB] = {1, 1, 2, 1, 1, 1, 2, 1};
static int table[TABLE_SIZE];
static struct flow_table cache;
struct cached { int backend; uint32_t last_seen; };

static uint64_t name_hash(const char *s, uint64_t h)
{
	for (; *s; s++) { h ^= (uint8_t)*s; h *= 0x100000001b3ULL; }
	return mix64(h);
}

int maglev_init(void)
{
	int64_t offset[NB], skip[NB], next[NB];
	for (int i = 0; i < TABLE_SIZE; i++) table[i] = -1;
	for (int i = 0; i < NB; i++) {
		offset[i] = (int64_t)(name_hash(names[i], 0xcbf29ce484222325ULL) % TABLE_SIZE);
		skip[i] = (int64_t)(name_hash(names[i], 0x6c62272e07bb0142ULL) % (TABLE_SIZE - 1)) + 1;
		next[i] = 0;
	}
	for (int filled = 0;;)
		for (int i = 0; i < NB; i++)
			for (int turn = 0; turn < weights[i]; turn++) {
				int64_t c = (offset[i] + next[i] * skip[i]) % TABLE_SIZE;
				while (table[c] >= 0) { next[i]++; c = (offset[i] + next[i] * skip[i]) % TABLE_SIZE; }
				table[c] = i;
				next[i]++;
				if (++filled == TABLE_SIZE) return flow_table_init(&cache, 65536, sizeof(struct cached));
			}
}

uint16_t maglev_burst(struct rte_mbuf **bufs, uint16_t n)
{
	uint16_t kept = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = bufs[i];
		struct parsed r;
		if (!parse(m, &r, 0)) { rte_pktmbuf_free(m); continue; } /* no IP: no flow to balance */
		struct flow f;
		flow_of(&r, &f);
		int created = 0;
		struct cached *c = flow_table_get(&cache, &f, 1, &created);
		int backend;
		if (c != NULL && !created) backend = c->backend;
		else {
			uint32_t pos = (uint32_t)(((uint64_t)(uint32_t)(flowkey_hash(&f) * 0x9E3779B1u) * TABLE_SIZE) >> 32);
			backend = table[pos];
			if (c != NULL) { c->backend = backend; c->last_seen = 0; }
		}
		uint8_t *mac = r.p; /* destination MAC 02:00:00:00:01:0k */
		mac[0] = 0x02; mac[1] = 0; mac[2] = 0; mac[3] = 0; mac[4] = 0x01; mac[5] = (uint8_t)(backend + 1);
		bufs[kept++] = m;
	}
	return kept;
}
