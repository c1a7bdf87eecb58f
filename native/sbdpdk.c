/* See sbdpdk.h. Every function is a direct pass-through or a struct copy. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ethdev.h>
#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_version.h>
#include "sbdpdk.h"

#define SB_EXPORT __attribute__((visibility("default")))

SB_EXPORT int sb_abi_version(void) { return SB_ABI_VERSION; }
SB_EXPORT const char *sb_dpdk_version(void) { return rte_version(); }
SB_EXPORT int sb_errno(void) { return rte_errno; }
SB_EXPORT const char *sb_strerror(int err) { return rte_strerror(err); }

/* rte_eal_init pins the calling thread to the main lcore's CPU; the managed runtime's thread must keep its
 * own affinity (GC and thread-pool threads inherit it), so it is saved and restored around the call. */
SB_EXPORT int sb_eal_init(int argc, char **argv)
{
	cpu_set_t saved;
	int have = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
	int ret = rte_eal_init(argc, argv);
	if (have) pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	return ret;
}

SB_EXPORT int sb_eal_cleanup(void) { return rte_eal_cleanup(); }
SB_EXPORT int sb_thread_register(void) { return rte_thread_register(); }
SB_EXPORT void sb_thread_unregister(void) { rte_thread_unregister(); }
SB_EXPORT unsigned sb_lcore_id(void) { return rte_lcore_id(); }

SB_EXPORT void sb_mbuf_layout(struct sb_mbuf_layout *l)
{
	l->mbuf_size = sizeof(struct rte_mbuf);
	l->off_buf_addr = offsetof(struct rte_mbuf, buf_addr);
	l->off_data_off = offsetof(struct rte_mbuf, data_off);
	l->off_nb_segs = offsetof(struct rte_mbuf, nb_segs);
	l->off_pkt_len = offsetof(struct rte_mbuf, pkt_len);
	l->off_data_len = offsetof(struct rte_mbuf, data_len);
	l->off_buf_len = offsetof(struct rte_mbuf, buf_len);
	l->off_pool = offsetof(struct rte_mbuf, pool);
	l->off_next = offsetof(struct rte_mbuf, next);
	l->default_headroom = RTE_PKTMBUF_HEADROOM;
	l->off_port = offsetof(struct rte_mbuf, port);
	l->off_ol_flags = offsetof(struct rte_mbuf, ol_flags);
}

/* Reserve one dynamic ol_flags bit at a fixed position (the host's descriptor layout names it at compile time).
 * Returns the bit, or -rte_errno when it is taken by something else. */
SB_EXPORT int sb_dynflag_register(const char *name, unsigned bitnum)
{
	struct rte_mbuf_dynflag p;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	int bit = rte_mbuf_dynflag_register_bitnum(&p, bitnum);
	return bit < 0 ? -rte_errno : bit;
}

/* Accessors: the host reads fields through the layout above; these let it verify that layout. */
SB_EXPORT void *sb_mbuf_buf_addr(struct rte_mbuf *m) { return m->buf_addr; }
SB_EXPORT uint16_t sb_mbuf_data_off(struct rte_mbuf *m) { return m->data_off; }
SB_EXPORT uint16_t sb_mbuf_data_len(struct rte_mbuf *m) { return m->data_len; }
SB_EXPORT uint32_t sb_mbuf_pkt_len(struct rte_mbuf *m) { return m->pkt_len; }
SB_EXPORT uint16_t sb_mbuf_buf_len(struct rte_mbuf *m) { return m->buf_len; }
SB_EXPORT uint16_t sb_mbuf_nb_segs(struct rte_mbuf *m) { return m->nb_segs; }
SB_EXPORT void *sb_mbuf_pool(struct rte_mbuf *m) { return m->pool; }
SB_EXPORT void *sb_mbuf_priv(struct rte_mbuf *m) { return rte_mbuf_to_priv(m); }

SB_EXPORT struct rte_mempool *sb_pool_create(const char *name, unsigned n, unsigned cache, uint16_t priv_size,
                                             uint16_t data_room, int socket)
{
	return rte_pktmbuf_pool_create(name, n, cache, priv_size, data_room, socket);
}
SB_EXPORT void sb_pool_free(struct rte_mempool *mp) { rte_mempool_free(mp); }
SB_EXPORT unsigned sb_pool_in_use(const struct rte_mempool *mp) { return rte_mempool_in_use_count(mp); }
SB_EXPORT unsigned sb_pool_avail(const struct rte_mempool *mp) { return rte_mempool_avail_count(mp); }
SB_EXPORT uint16_t sb_pool_priv_size(struct rte_mempool *mp) { return rte_pktmbuf_priv_size(mp); }
SB_EXPORT uint16_t sb_pool_data_room(struct rte_mempool *mp) { return rte_pktmbuf_data_room_size(mp); }

/* Return the calling lcore's cached objects to the pool (before a registered thread gives up its lcore id). */
SB_EXPORT void sb_pool_cache_flush(struct rte_mempool *mp)
{
	struct rte_mempool_cache *c = rte_mempool_default_cache(mp, rte_lcore_id());
	if (c != NULL) rte_mempool_cache_flush(c, mp);
}

SB_EXPORT int sb_mbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **mbufs, unsigned n)
{
	return rte_pktmbuf_alloc_bulk(mp, mbufs, n);
}
SB_EXPORT void sb_mbuf_free_bulk(struct rte_mbuf **mbufs, unsigned n) { rte_pktmbuf_free_bulk(mbufs, n); }

SB_EXPORT uint16_t sb_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)
{
	return rte_eth_rx_burst(port, queue, mbufs, n);
}
SB_EXPORT uint16_t sb_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)
{
	return rte_eth_tx_burst(port, queue, mbufs, n);
}

SB_EXPORT int sb_dev_probe(const char *devargs) { return rte_dev_probe(devargs); }
SB_EXPORT int sb_port_by_name(const char *name, uint16_t *port) { return rte_eth_dev_get_port_by_name(name, port); }
SB_EXPORT int sb_port_valid(uint16_t port) { return rte_eth_dev_is_valid_port(port); }

SB_EXPORT int sb_port_info(uint16_t port, struct sb_port_info *out)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	int ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0) return ret;
	memset(out, 0, sizeof(*out));
	strncpy(out->driver, info.driver_name ? info.driver_name : "", sizeof(out->driver) - 1);
	strncpy(out->device, info.device ? rte_dev_name(info.device) : "", sizeof(out->device) - 1);
	out->max_rx_queues = info.max_rx_queues;
	out->max_tx_queues = info.max_tx_queues;
	out->rx_desc_min = info.rx_desc_lim.nb_min;
	out->rx_desc_max = info.rx_desc_lim.nb_max;
	out->tx_desc_min = info.tx_desc_lim.nb_min;
	out->tx_desc_max = info.tx_desc_lim.nb_max;
	out->flow_type_rss_offloads = info.flow_type_rss_offloads;
	out->socket_id = rte_eth_dev_socket_id(port);
	if (rte_eth_macaddr_get(port, &mac) == 0) memcpy(out->mac, mac.addr_bytes, 6);
	return 0;
}

/* Configure nrx/ntx queues; RSS over rss_hf when it is non-zero (the host passes the device's supported set). */
SB_EXPORT int sb_port_configure(uint16_t port, uint16_t nrx, uint16_t ntx, uint64_t rss_hf)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (rss_hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
	}
	return rte_eth_dev_configure(port, nrx, ntx, &conf);
}

/* A negative socket is SOCKET_ID_ANY (-1) cast to unsigned, as DPDK expects. */
/* Descriptor counts are rounded to what the device accepts; the adjusted values are written back. */
SB_EXPORT int sb_port_adjust_desc(uint16_t port, uint16_t *nrxd, uint16_t *ntxd)
{
	return rte_eth_dev_adjust_nb_rx_tx_desc(port, nrxd, ntxd);
}
SB_EXPORT int sb_rx_queue_setup(uint16_t port, uint16_t q, uint16_t nd, int socket, struct rte_mempool *mp)
{
	return rte_eth_rx_queue_setup(port, q, nd, (unsigned)socket, NULL, mp);
}
SB_EXPORT int sb_tx_queue_setup(uint16_t port, uint16_t q, uint16_t nd, int socket)
{
	return rte_eth_tx_queue_setup(port, q, nd, (unsigned)socket, NULL);
}
SB_EXPORT int sb_port_start(uint16_t port) { return rte_eth_dev_start(port); }
SB_EXPORT int sb_port_stop(uint16_t port) { return rte_eth_dev_stop(port); }
SB_EXPORT int sb_port_close(uint16_t port) { return rte_eth_dev_close(port); }
SB_EXPORT int sb_port_promiscuous(uint16_t port) { return rte_eth_promiscuous_enable(port); }

/* Stop and close the port, then remove its device from its bus (so a vdev name can be attached again). */
SB_EXPORT int sb_port_detach(uint16_t port)
{
	struct rte_eth_dev_info info;
	int ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0) return ret;
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	return info.device ? rte_dev_remove(info.device) : 0;
}

SB_EXPORT int sb_port_link(uint16_t port, struct sb_link *out)
{
	struct rte_eth_link link;
	int ret = rte_eth_link_get_nowait(port, &link);
	if (ret != 0) return ret;
	out->speed_mbps = link.link_speed;
	out->up = link.link_status;
	out->full_duplex = link.link_duplex;
	out->autoneg = link.link_autoneg;
	return 0;
}

SB_EXPORT int sb_port_stats(uint16_t port, struct sb_stats *out)
{
	struct rte_eth_stats s;
	int ret = rte_eth_stats_get(port, &s);
	if (ret != 0) return ret;
	out->ipackets = s.ipackets; out->opackets = s.opackets;
	out->ibytes = s.ibytes; out->obytes = s.obytes;
	out->imissed = s.imissed; out->ierrors = s.ierrors;
	out->oerrors = s.oerrors; out->rx_nombuf = s.rx_nombuf;
	return 0;
}
SB_EXPORT int sb_port_stats_reset(uint16_t port) { return rte_eth_stats_reset(port); }
