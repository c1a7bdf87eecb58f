/* SNAT twin of Plugins/Nat with the configuration of bench/NativeTwins.cs: inside 10.0.0.0/8, one public
 * address 203.0.113.1, ports 1024-65535, one core. Outbound TCP/UDP from inside to outside gets a mapping
 * (keyed by protocol and both endpoints) with the same port allocation as PortBlock: the inside port when
 * it is free ("port preservation"), else the next free one after a rotating cursor; the source address and
 * port are rewritten with RFC 1624 updates of the IPv4 and TCP/UDP checksums (a zero UDP checksum stays
 * zero). Replies to the public address are matched by port and translated back. Fragments are dropped.
 * Not in the twin: ICMP (echo, errors), DNAT, idle timeouts (the C# NF has them all). */
#include <stdlib.h>
#include "nf.h"

#define INSIDE_NET 0x0A000000u
#define INSIDE_MASK 0xFF000000u
#define PUBLIC_ADDR 0xCB007101u /* 203.0.113.1 */
#define PORT_MIN 1024
#define PORT_COUNT (65535 - 1024 + 1)
#define MAX_MAPPINGS 65536

struct mapping { uint32_t inside, remote; uint16_t inside_port, remote_port, public_port; uint8_t proto, in_use; };
struct out_value { int slot; };
struct port_block { uint64_t taken[(PORT_COUNT + 63) / 64]; int slot[PORT_COUNT]; int cursor, used; };

static struct flow_table out;          /* (proto, inside, remote) -> mapping slot */
static struct mapping maps[MAX_MAPPINGS];
static int next_slot;
static struct port_block blocks[2];     /* TCP, UDP */

int nat_init(void)
{
#if PORT_COUNT % 64 != 0 /* bits past the end are taken, so the scan never returns them */
	for (int b = 0; b < 2; b++) blocks[b].taken[PORT_COUNT / 64] = ~0ULL << (PORT_COUNT % 64);
#endif
	return flow_table_init(&out, MAX_MAPPINGS, sizeof(struct out_value));
}

static inline int is_taken(struct port_block *b, int i) { return (b->taken[i >> 6] >> (i & 63)) & 1; }

static int allocate(struct port_block *b, int preferred, int slot)
{
	if (b->used == PORT_COUNT) return -1;
	int i = preferred - PORT_MIN;
	if ((unsigned)i >= PORT_COUNT || is_taken(b, i)) {
		int words = (PORT_COUNT + 63) / 64, w = b->cursor >> 6;
		uint64_t free = ~b->taken[w] & (~0ULL << (b->cursor & 63));
		while (free == 0) { w = w + 1 == words ? 0 : w + 1; free = ~b->taken[w]; }
		i = (w << 6) + __builtin_ctzll(free);
		b->cursor = i + 1 == PORT_COUNT ? 0 : i + 1;
	}
	b->taken[i >> 6] |= 1ULL << (i & 63);
	b->slot[i] = slot;
	b->used++;
	return PORT_MIN + i;
}

/* Rewrite the source (or destination) endpoint with checksum updates, as Rewrite.Endpoint. */
static inline void rewrite(struct parsed *r, int source, uint32_t addr, uint16_t port)
{
	uint8_t *ip = r->p + r->ip;
	uint8_t *a = ip + (source ? 12 : 16);
	uint32_t old = rd32(a);
	wr32(a, addr);
	wr16(ip + 10, csum_update32(rd16(ip + 10), old, addr));
	uint8_t *l4 = r->p + r->l4;
	uint8_t *pp = l4 + (source ? 0 : 2);
	uint16_t old_port = rd16(pp);
	wr16(pp, port);
	if (r->proto == PROTO_TCP) wr16(l4 + 16, csum_update16(csum_update32(rd16(l4 + 16), old, addr), old_port, port));
	else if (rd16(l4 + 6) != 0) {
		uint16_t c = csum_update16(csum_update32(rd16(l4 + 6), old, addr), old_port, port);
		wr16(l4 + 6, c == 0 ? 0xFFFF : c);
	}
}

/* 1 to keep the packet. */
static inline int nat_packet(struct rte_mbuf *m)
{
	struct parsed r;
	if (!parse(m, &r, 1)) return 1; /* not IPv4: passes */
	uint8_t *ip = r.p + r.ip;
	uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
	int tcp = r.proto == PROTO_TCP, udp = r.proto == PROTO_UDP;
	if (dst == PUBLIC_ADDR) {
		if (r.frag) return 0;
		if (!tcp && !udp) return 0;
		if ((tcp ? r.tcp : r.udp) < 0) return 0;
		struct port_block *b = &blocks[tcp ? 0 : 1];
		uint16_t sport = rd16(r.p + r.l4), dport = rd16(r.p + r.l4 + 2);
		int i = dport - PORT_MIN;
		if ((unsigned)i >= PORT_COUNT || !is_taken(b, i)) return 0;
		struct mapping *mp = &maps[b->slot[i]];
		if (mp->remote != src || mp->remote_port != sport) return 0;
		rewrite(&r, 0, mp->inside, mp->inside_port);
		return 1;
	}
	if ((src & INSIDE_MASK) != INSIDE_NET || (dst & INSIDE_MASK) == INSIDE_NET) return 1;
	if (r.frag) return 0;
	if (!tcp && !udp) return 0;
	if ((tcp ? r.tcp : r.udp) < 0) return 0;
	struct flow f = {0};
	f.src = src; f.dst = dst; f.proto = r.proto;
	f.sport = rd16(r.p + r.l4); f.dport = rd16(r.p + r.l4 + 2);
	int created = 0;
	struct out_value *v = flow_table_get(&out, &f, 1, &created);
	if (v == NULL) return 0; /* table full */
	if (created) {
		/* No mapping (ports or slots exhausted): the entry goes too, so the flow's next packet tries again. */
		if (next_slot == MAX_MAPPINGS) { flow_table_undo_create(&out, v); return 0; }
		int slot = next_slot;
		int port = allocate(&blocks[tcp ? 0 : 1], f.sport, slot);
		if (port < 0) { flow_table_undo_create(&out, v); return 0; }
		next_slot++;
		maps[slot] = (struct mapping){f.src, f.dst, f.sport, f.dport, (uint16_t)port, f.proto, 1};
		v->slot = slot;
	}
	struct mapping *mp = &maps[v->slot];
	rewrite(&r, 1, PUBLIC_ADDR, mp->public_port);
	return 1;
}

uint16_t nat_burst(struct rte_mbuf **bufs, uint16_t n)
{
	uint16_t kept = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (nat_packet(bufs[i])) bufs[kept++] = bufs[i];
		else rte_pktmbuf_free(bufs[i]);
	}
	return kept;
}
