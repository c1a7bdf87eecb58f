/* Native C twins of Switchboard's reference NFs, on the same DPDK path as `./switchboard bench native`:
 * net_pcap (infinite_rx=1) -> NF chain -> net_null, one core, batches of 32, run to completion.
 * Usage: sbnative <EAL args> -- --pcap FILE [--nf forward|ttl|maglev|nat|monitor|firewall] [--rules FILE] [--chain N]
 *                                 [--seconds S] [--warmup S] [--out FILE]
 * Prints one line: "<Mpps> <Mpps per CPU-second>": packets through the chain per wall-clock second, and per
 * second this thread was on a CPU (the fair figure on a shared machine, where the thread waits for a CPU).
 * With --out, the pcap is replayed once (no infinite_rx) and what leaves the chain is written to FILE with
 * net_pcap's tx_pcap: the check that each twin behaves as its C# NF (tests/Host.Tests/Dpdk/NativeTwinTests.cs).
 * Each NF behaves as its C# twin: ttl parses Ethernet (up to two VLAN tags) and IPv4 with the same
 * validation as Sdk/Headers/HeaderParser.cs, drops what does not parse, decrements the TTL with an
 * RFC 1624 checksum update and drops packets whose TTL reaches zero; every NF in a chain parses afresh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <time.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_lcore.h>
#include "nf.h"

#define BURST 32
enum { NF_FORWARD, NF_TTL, NF_MAGLEV, NF_NAT, NF_MONITOR, NF_FIREWALL };

static int parse_ipv4(uint8_t *p, int len, uint8_t **ip)
{
	if (len < 14) return 0;
	int off = 14;
	uint16_t type = (uint16_t)(p[12] << 8 | p[13]);
	for (int tags = 0; type == 0x8100 || type == 0x88A8; tags++) {
		if (tags == 2 || len < off + 4) return 0;
		type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
	}
	if (type != 0x0800) return 0;
	uint8_t *h = p + off;
	int avail = len - off;
	if (avail < 20 || h[0] >> 4 != 4) return 0;
	int ihl = (h[0] & 0xF) * 4;
	if (ihl < 20 || ihl > avail) return 0;
	int total = h[2] << 8 | h[3];
	if (total < ihl || total > avail) return 0;
	*ip = h;
	return 1;
}

static inline uint16_t csum_update(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new;
	sum = (sum & 0xFFFF) + (sum >> 16);
	sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Returns 1 to keep the packet. */
static inline int ttl_nf(struct rte_mbuf *m)
{
	uint8_t *ip;
	if (!parse_ipv4(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, &ip)) return 0;
	if (ip[8] == 0) return 0; /* already expired: dropped as the C# NF drops it (no wrap to 255) */
	uint16_t before = (uint16_t)(ip[8] << 8 | ip[9]);
	ip[8]--;
	uint16_t after = (uint16_t)(ip[8] << 8 | ip[9]);
	uint16_t c = (uint16_t)(ip[10] << 8 | ip[11]);
	c = csum_update(c, before, after);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	return ip[8] != 0;
}

static inline uint16_t ttl_burst(struct rte_mbuf **bufs, uint16_t n)
{
	uint16_t kept = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (ttl_nf(bufs[i])) bufs[kept++] = bufs[i];
		else rte_pktmbuf_free(bufs[i]);
	}
	return kept;
}

static inline uint16_t run_chain(int nf, int chain, struct rte_mbuf **bufs, uint16_t n)
{
	for (int k = 0; k < chain && n > 0; k++) {
		switch (nf) {
		case NF_TTL: n = ttl_burst(bufs, n); break;
		case NF_MAGLEV: n = maglev_burst(bufs, n); break;
		case NF_NAT: n = nat_burst(bufs, n); break;
		case NF_MONITOR: n = monitor_burst(bufs, n); break;
		case NF_FIREWALL: n = firewall_burst(bufs, n); break;
		default: break;
		}
	}
	return n;
}

/* The measured loop: rx burst -> NF chain -> tx burst, on the calling thread. Also exported (libsbnative.so) so the
 * bench can run this very loop inside the .NET process, on ports the host configured. */
__attribute__((visibility("default")))
double sbn_loop(uint16_t in, uint16_t out, int nf, int chain, double seconds, double warmup, double *cpu_mpps)
{
	struct rte_mbuf *bufs[BURST];
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc();
	uint64_t measure_from = start + (uint64_t)(warmup * hz), end = measure_from + (uint64_t)(seconds * hz);
	uint64_t done = 0, done_at_start = 0;
	int measuring = 0;
	long idle = 0;
	struct timespec cpu0, cpu1;
	for (;;) {
		uint16_t n = rte_eth_rx_burst(in, 0, bufs, BURST);
		done += n; /* every received packet leaves the chain once: sent, refused (freed) or dropped by an NF */
		if (n > 0) {
			n = run_chain(nf, chain, bufs, n);
			uint16_t sent = rte_eth_tx_burst(out, 0, bufs, n);
			if (sent < n) rte_pktmbuf_free_bulk(bufs + sent, n - sent);
		}
		if (seconds < 0) { /* replay once (--out): done after a long run of empty polls at end of file */
			idle = n > 0 || done == 0 ? 0 : idle + 1;
			if (idle == 100000) { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1); *cpu_mpps = 0; return (double)done; }
			continue;
		}
		uint64_t now = rte_rdtsc();
		if (!measuring && now >= measure_from) {
			measuring = 1; done_at_start = done; start = now;
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
		}
		if (now >= end) { end = now; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1); break; }
	}
	double packets = (double)(done - done_at_start);
	double cpu = (double)(cpu1.tv_sec - cpu0.tv_sec) + (double)(cpu1.tv_nsec - cpu0.tv_nsec) / 1e9;
	*cpu_mpps = packets / cpu / 1e6;
	return packets / ((double)(end - start) / hz) / 1e6;
}

#ifndef SBN_LIBRARY
static int setup_port(const char *devargs, struct rte_mempool *mp, uint16_t *port)
{
	char name[64];
	sscanf(devargs, "%63[^,]", name);
	if (rte_dev_probe(devargs) != 0 || rte_eth_dev_get_port_by_name(name, port) != 0) {
		fprintf(stderr, "sbnative: cannot attach %s\n", devargs);
		return -1;
	}
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	uint16_t rxd = 1024, txd = 1024;
	if (rte_eth_dev_configure(*port, 1, 1, &conf) < 0 || rte_eth_dev_adjust_nb_rx_tx_desc(*port, &rxd, &txd) < 0 ||
	    rte_eth_rx_queue_setup(*port, 0, rxd, rte_eth_dev_socket_id(*port), NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(*port, 0, txd, rte_eth_dev_socket_id(*port), NULL) < 0 || rte_eth_dev_start(*port) < 0) {
		fprintf(stderr, "sbnative: cannot start %s\n", devargs);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret = rte_eal_init(argc, argv);
	if (ret < 0) { fprintf(stderr, "sbnative: rte_eal_init failed\n"); return 1; }
	argc -= ret; argv += ret;
	const char *pcap = NULL, *nf = "ttl", *rules = NULL, *outfile = NULL;
	int chain = 1;
	double seconds = 2, warmup = 0.3;
	static struct option opts[] = {
		{"pcap", required_argument, 0, 'p'}, {"nf", required_argument, 0, 'n'}, {"chain", required_argument, 0, 'c'},
		{"seconds", required_argument, 0, 's'}, {"warmup", required_argument, 0, 'w'}, {"rules", required_argument, 0, 'r'},
		{"out", required_argument, 0, 'o'}, {0, 0, 0, 0}};
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': pcap = optarg; break;
		case 'n': nf = optarg; break;
		case 'c': chain = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'r': rules = optarg; break;
		case 'o': outfile = optarg; break;
		default: return 64;
		}
	}
	static const char *kinds[] = {"forward", "ttl", "maglev", "nat", "monitor", "firewall"};
	int kind = -1;
	for (int k = 0; k < 6; k++) if (strcmp(nf, kinds[k]) == 0) kind = k;
	if (pcap == NULL || kind < 0 || chain < 1 || (kind == NF_FIREWALL && rules == NULL)) {
		fprintf(stderr, "usage: sbnative <EAL args> -- --pcap FILE [--nf forward|ttl|maglev|nat|monitor|firewall] [--rules FILE] "
		                "[--chain N] [--seconds S] [--warmup S] [--out FILE]\n");
		return 64;
	}
	int init = kind == NF_MAGLEV ? maglev_init() : kind == NF_NAT ? nat_init() : kind == NF_MONITOR ? monitor_init()
	         : kind == NF_FIREWALL ? firewall_init(rules) : 0;
	if (init != 0) { fprintf(stderr, "sbnative: cannot set up %s\n", nf); return 1; }
	/* Same geometry as the host's DpdkPool: 192-byte private area, default data room. */
	struct rte_mempool *mp = rte_pktmbuf_pool_create("sbnative", 16383, 256, 192, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) { fprintf(stderr, "sbnative: mempool: %s\n", rte_strerror(rte_errno)); return 1; }
	char src[4200], dst[4200];
	snprintf(src, sizeof(src), "net_pcap_sbn0,rx_pcap=%s%s", pcap, outfile ? "" : ",infinite_rx=1");
	if (outfile) snprintf(dst, sizeof(dst), "net_pcap_sbn1,tx_pcap=%s", outfile);
	else snprintf(dst, sizeof(dst), "net_null_sbn0");
	uint16_t in, out;
	if (setup_port(src, mp, &in) || setup_port(dst, mp, &out)) return 1;

	double cpu_mpps, mpps = sbn_loop(in, out, kind, chain, outfile ? -1 : seconds, warmup, &cpu_mpps);
	if (outfile) printf("%.0f packets\n", mpps);
	else printf("%.3f %.3f\n", mpps, cpu_mpps);
	rte_eth_dev_stop(in); rte_eth_dev_stop(out);
	rte_eth_dev_close(in); rte_eth_dev_close(out); /* flushes tx_pcap */
	return 0;
}
#endif
