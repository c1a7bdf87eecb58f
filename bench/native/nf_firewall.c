/* Linear-scan firewall twin of Plugins/Firewall: first match wins over rules read from a file that the bench
 * writes from the C# rules (RuleParser's ranges: one line per rule, "accept|drop" then for each field -
 * source, destination, source port, destination port, protocol, input port, ct state - "*" or a comma list
 * of LO-HI, 32 hex digits each); no match takes the default policy (accept, as the bench configures). Connection
 * tracking as FirewallEngine for TCP and UDP: a connection is created only for accepted packets, keyed by the
 * canonical 5-tuple, ct state new / established (and invalid for TCP segments that fit no connection).
 * Not in the twin: ICMP errors (related), IPv6, idle timeouts. */
#include <stdio.h>
#include <stdlib.h>
#include "nf.h"

typedef unsigned __int128 u128;
#define FIELDS 7
#define NO_PORT 65536
enum { NEW = 0, ESTABLISHED = 1, RELATED = 2, INVALID = 3 };
enum { TCP_NONE, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_ESTABLISHED, TCP_FIN_WAIT, TCP_TIME_WAIT, TCP_CLOSED };

struct rule { int accept; int n[FIELDS]; u128 *lo[FIELDS], *hi[FIELDS]; };
struct conn { uint8_t tcp, seen_reply, initiator_is_canonical_source, fin_seen; };

static struct rule *rules;
static int nrules;
static struct flow_table conns;
static uint64_t accepted, dropped;

static u128 hex128(const char *s, const char **end)
{
	u128 v = 0;
	for (; (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'); s++) v = v << 4 | (u128)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
	*end = s;
	return v;
}

int firewall_init(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) { perror(path); return -1; }
	static char line[1 << 16];
	int cap = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != 'a' && line[0] != 'd') continue;
		if (nrules == cap) { cap = cap ? cap * 2 : 64; rules = realloc(rules, sizeof(struct rule) * (size_t)cap); }
		struct rule *r = &rules[nrules++];
		memset(r, 0, sizeof(*r));
		r->accept = line[0] == 'a';
		const char *s = strchr(line, ' ');
		for (int fi = 0; fi < FIELDS; fi++) {
			while (s && *s == ' ') s++;
			if (s == NULL || *s == 0) { fprintf(stderr, "%s: rule %d has too few fields\n", path, nrules); return -1; }
			if (*s == '*') { s++; continue; }
			int count = 1;
			for (const char *t = s; *t && *t != ' ' && *t != '\n'; t++) if (*t == ',') count++;
			r->n[fi] = count;
			r->lo[fi] = malloc(sizeof(u128) * (size_t)count);
			r->hi[fi] = malloc(sizeof(u128) * (size_t)count);
			for (int k = 0; k < count; k++) {
				r->lo[fi][k] = hex128(s, &s); s++; /* '-' */
				r->hi[fi][k] = hex128(s, &s); if (*s == ',') s++;
			}
		}
	}
	fclose(f);
	return flow_table_init(&conns, 65536, sizeof(struct conn));
}

static inline int classify(const u128 v[FIELDS])
{
	for (int i = 0; i < nrules; i++) {
		const struct rule *r = &rules[i];
		int f = 0;
		for (; f < FIELDS; f++) {
			int n = r->n[f];
			if (n == 0) continue;
			int hit = 0;
			for (int k = 0; k < n; k++) if (v[f] >= r->lo[f][k] && v[f] <= r->hi[f][k]) { hit = 1; break; }
			if (!hit) break;
		}
		if (f == FIELDS) return i;
	}
	return -1;
}

static int tcp_state(struct conn *c, int exists, int reply, int flags, int *restart)
{
	*restart = 0;
	if (flags < 0) return INVALID;
	int syn = flags & 2, ack = flags & 16, rst = flags & 4, fin = flags & 1;
	int pure_syn = syn && !ack && !rst && !fin;
	if (syn && (rst || fin)) return INVALID;
	if (!exists) return pure_syn ? NEW : INVALID;
	if (pure_syn && (c->tcp == TCP_TIME_WAIT || c->tcp == TCP_CLOSED)) { *restart = 1; return NEW; }
	if (!reply) {
		if (syn && ack) return INVALID;
		return c->seen_reply ? ESTABLISHED : NEW;
	}
	if (c->tcp == TCP_SYN_SENT && !(syn && ack) && !rst) return INVALID;
	return ESTABLISHED;
}

static void advance(struct conn *c, int reply, int flags)
{
	if (reply) c->seen_reply = 1;
	if (c->tcp == TCP_NONE || flags < 0) return;
	if (flags & 4) { c->tcp = TCP_CLOSED; return; }
	int syn = flags & 2, ack = flags & 16;
	if (c->tcp == TCP_SYN_SENT && reply && syn && ack) c->tcp = TCP_SYN_RECEIVED;
	else if (c->tcp == TCP_SYN_RECEIVED && !reply && ack && !syn) c->tcp = TCP_ESTABLISHED;
	if ((flags & 1) && (c->tcp == TCP_SYN_RECEIVED || c->tcp == TCP_ESTABLISHED || c->tcp == TCP_FIN_WAIT)) {
		c->fin_seen |= (uint8_t)(reply ? 2 : 1);
		c->tcp = c->fin_seen == 3 ? TCP_TIME_WAIT : TCP_FIN_WAIT;
	}
}

/* 1 to keep the packet. */
static inline int decide(struct rte_mbuf *m)
{
	struct parsed r;
	if (!parse(m, &r, 1)) { accepted++; return 1; } /* non-IP: "nonIp": accept */
	struct flow f, canon;
	flow_of(&r, &f);
	int is_canonical_source = f.src != f.dst ? f.src < f.dst : f.sport <= f.dport;
	canon = f;
	if (!is_canonical_source) { canon.src = f.dst; canon.dst = f.src; canon.sport = f.dport; canon.dport = f.sport; }
	int created = 0;
	struct conn *c = flow_table_get(&conns, &canon, 0, &created);
	int exists = c != NULL;
	int reply = exists && c->initiator_is_canonical_source != is_canonical_source;
	int flags = r.proto == PROTO_TCP && r.tcp >= 0 ? r.p[r.tcp + 13] : -1;
	int restart = 0, state;
	if (r.proto == PROTO_TCP) state = tcp_state(c, exists, reply, flags, &restart);
	else state = exists && (c->seen_reply || reply) ? ESTABLISHED : NEW;
	const u128 mapped = (u128)0xFFFF00000000ULL;
	int ports = (r.proto == PROTO_TCP || r.proto == PROTO_UDP || r.proto == 132) && !r.frag;
	u128 v[FIELDS] = {mapped | f.src, mapped | f.dst, ports ? f.sport : NO_PORT, ports ? f.dport : NO_PORT, r.proto, 0, (u128)state};
	int rule = classify(v);
	int accept = rule < 0 ? 1 : rules[rule].accept;
	if (!accept) { dropped++; return 0; }
	accepted++;
	if (state == INVALID) return 1;
	if (!exists || restart) {
		if (!exists) c = flow_table_get(&conns, &canon, 1, &created);
		if (c == NULL) { accepted--; dropped++; return 0; } /* table full: "whenFull": drop */
		c->tcp = r.proto == PROTO_TCP ? TCP_SYN_SENT : TCP_NONE;
		c->seen_reply = 0; c->fin_seen = 0;
		c->initiator_is_canonical_source = (uint8_t)is_canonical_source;
	} else advance(c, reply, flags);
	return 1;
}

uint16_t firewall_burst(struct rte_mbuf **bufs, uint16_t n)
{
	uint16_t kept = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (decide(bufs[i])) bufs[kept++] = bufs[i];
		else rte_pktmbuf_free(bufs[i]);
	}
	return kept;
}
