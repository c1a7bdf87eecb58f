/* Shared pieces of the C twins (bench/native): header parsing with the same validation as
 * Sdk/Headers/HeaderParser.cs (IPv4 only), RFC 1624 checksum updates, a 5-tuple and an open-addressing flow table.
 * Each NF processes one burst in place: it compacts the packets it keeps to the front, frees the others and
 * returns how many it kept. */
#ifndef SBN_NF_H
#define SBN_NF_H
#include <stdint.h>
#include <string.h>
#include <rte_mbuf.h>

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17

/* What parsing found in one frame (offsets from the frame's first byte). */
struct parsed {
	uint8_t *p;      /* frame */
	int len;         /* frame length */
	int eth;         /* 1 when Ethernet parsed */
	int ip;          /* offset of the IPv4 header, or -1 */
	int l4;          /* offset just past the IPv4 header */
	int end;         /* end of the IP datagram (its total length) */
	uint8_t proto;
	uint8_t frag, nonfirst;
	int tcp, udp;    /* offset of a parsed TCP/UDP header, or -1 */
};

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* Ethernet (up to two VLAN tags) then IPv4, as Parse/TryParse<Ethernet>, TryParse<Ipv4>; then TCP and UDP as
 * TryParse<Tcp>/TryParse<Udp> when want_l4. Returns 1 when Ethernet and IPv4 parsed. */
static inline int parse(struct rte_mbuf *m, struct parsed *r, int want_l4)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	int len = m->data_len;
	r->p = p; r->len = len; r->eth = 0; r->ip = -1; r->tcp = r->udp = -1;
	if (len < 14) return 0;
	int off = 14;
	uint16_t type = rd16(p + 12);
	for (int tags = 0; type == 0x8100 || type == 0x88A8; tags++) {
		if (tags == 2 || len < off + 4) return 0;
		type = rd16(p + off + 2);
		off += 4;
	}
	r->eth = 1;
	if (type != 0x0800) return 0;
	uint8_t *h = p + off;
	int avail = len - off;
	if (avail < 20 || h[0] >> 4 != 4) return 0;
	int ihl = (h[0] & 0xF) * 4;
	if (ihl < 20 || ihl > avail) return 0;
	int total = rd16(h + 2);
	if (total < ihl || total > avail) return 0;
	int frag = rd16(h + 6);
	r->ip = off; r->l4 = off + ihl; r->end = off + total; r->proto = h[9];
	r->frag = (frag & 0x3FFF) != 0; r->nonfirst = (frag & 0x1FFF) != 0;
	if (want_l4 && !r->nonfirst) {
		int room = r->end - r->l4;
		if (r->proto == PROTO_TCP && room >= 20) {
			int tl = (p[r->l4 + 12] >> 4) * 4;
			if (tl >= 20 && tl <= room) r->tcp = r->l4;
		} else if (r->proto == PROTO_UDP && room >= 8) {
			int ul = rd16(p + r->l4 + 4);
			if (ul >= 8 && (r->frag || ul <= room)) r->udp = r->l4;
		}
	}
	return 1;
}

static inline uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new;
	sum = (sum & 0xFFFF) + (sum >> 16);
	sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t csum_update32(uint16_t csum, uint32_t old, uint32_t new)
{
	return csum_update16(csum_update16(csum, (uint16_t)(old >> 16), (uint16_t)(new >> 16)), (uint16_t)old, (uint16_t)new);
}

/* The 5-tuple of FlowKey.TryGet for IPv4: ports from TCP/UDP when the (non-fragment) datagram holds 4 bytes of them. */
struct flow {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, pad[3];
};

static inline void flow_of(const struct parsed *r, struct flow *f)
{
	const uint8_t *ip = r->p + r->ip;
	memset(f, 0, sizeof(*f));
	f->src = rd32(ip + 12); f->dst = rd32(ip + 16); f->proto = r->proto;
	int end = r->end < r->len ? r->end : r->len;
	if (!r->frag && (r->proto == PROTO_TCP || r->proto == PROTO_UDP) && end - r->l4 >= 4) {
		f->sport = rd16(r->p + r->l4); f->dport = rd16(r->p + r->l4 + 2);
	} else if (!r->frag && r->proto == PROTO_ICMP && end - r->l4 >= 6 && (r->p[r->l4] == 8 || r->p[r->l4] == 0)) {
		f->sport = f->dport = rd16(r->p + r->l4 + 4);
	}
}

static inline int flow_eq(const struct flow *a, const struct flow *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport && a->dport == b->dport && a->proto == b->proto;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30; x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 27; x *= 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* The table's own hash (any good one: C# uses Dictionary's). */
static inline uint32_t flow_slot_hash(const struct flow *f)
{
	uint64_t a = (uint64_t)f->src << 32 | f->dst, b = (uint64_t)f->proto << 32 | (uint32_t)f->sport << 16 | f->dport;
	return (uint32_t)(mix64(a ^ (b * 0x9E3779B97F4A7C15ULL)) >> 32);
}

/* FlowKey.Hash() of an IPv4 flow (IPv4-mapped IPv6 addresses, splitmix64 finalisers). */
static inline uint32_t flowkey_hash(const struct flow *f)
{
	const uint64_t mapped = 0x0000FFFF00000000ULL;
	uint64_t h = mix64(0 ^ mix64((mapped | f->src) ^ mix64(0 ^ mix64(mapped | f->dst))));
	h ^= ((uint64_t)f->sport << 24) | ((uint64_t)f->dport << 8) | f->proto;
	return (uint32_t)(mix64(h) >> 32);
}

/* Open addressing, linear probing, power-of-two capacity; values are fixed-size blobs next to the keys. */
struct flow_table {
	uint32_t mask, count, limit, value_size;
	uint8_t *used;
	struct flow *keys;
	uint8_t *values;
};

static inline int flow_table_init(struct flow_table *t, uint32_t max_flows, uint32_t value_size)
{
	uint32_t cap = 1;
	while (cap < max_flows * 2) cap <<= 1;
	t->mask = cap - 1; t->count = 0; t->limit = max_flows; t->value_size = value_size;
	t->used = calloc(cap, 1);
	t->keys = calloc(cap, sizeof(struct flow));
	t->values = calloc(cap, value_size);
	return t->used && t->keys && t->values ? 0 : -1;
}

/* The value of f, or NULL. With create, a new zeroed entry is made when there is room (*created = 1). */
static inline void *flow_table_get(struct flow_table *t, const struct flow *f, int create, int *created)
{
	uint32_t i = flow_slot_hash(f) & t->mask;
	for (;;) {
		if (!t->used[i]) {
			if (!create || t->count >= t->limit) return NULL;
			t->used[i] = 1; t->keys[i] = *f; t->count++;
			*created = 1;
			return t->values + (size_t)i * t->value_size;
		}
		if (flow_eq(&t->keys[i], f)) return t->values + (size_t)i * t->value_size;
		i = (i + 1) & t->mask;
	}
}

/* Undo the entry flow_table_get has just created (value is what it returned): nothing was added after it, so it is
 * the end of its probe chain and clearing it leaves every other key reachable. */
static inline void flow_table_undo_create(struct flow_table *t, void *value)
{
	size_t i = (size_t)((uint8_t *)value - t->values) / t->value_size;
	t->used[i] = 0;
	memset(value, 0, t->value_size);
	t->count--;
}

/* Burst functions (nf_*.c). */
int maglev_init(void);
uint16_t maglev_burst(struct rte_mbuf **bufs, uint16_t n);
int nat_init(void);
uint16_t nat_burst(struct rte_mbuf **bufs, uint16_t n);
int monitor_init(void);
uint16_t monitor_burst(struct rte_mbuf **bufs, uint16_t n);
int firewall_init(const char *rules_file);
uint16_t firewall_burst(struct rte_mbuf **bufs, uint16_t n);
#endif
