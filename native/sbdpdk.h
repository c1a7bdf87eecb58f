/* libsbdpdk: the thin C shim between Switchboard's managed host and DPDK.
 * It exports only what C# cannot reach directly (static inline functions, struct layouts, macros)
 * and keeps no logic of its own: every decision is made in Host/Ports/Dpdk. */
#ifndef SBDPDK_H
#define SBDPDK_H
#include <stdint.h>

#define SB_ABI_VERSION 1

/* Where the fields the host touches live inside struct rte_mbuf (checked against the accessors at start). */
struct sb_mbuf_layout {
	uint32_t mbuf_size;      /* sizeof(struct rte_mbuf): the private area starts right after it */
	uint32_t off_buf_addr;
	uint32_t off_data_off;
	uint32_t off_nb_segs;
	uint32_t off_pkt_len;
	uint32_t off_data_len;
	uint32_t off_buf_len;
	uint32_t off_pool;
	uint32_t off_next;
	uint32_t default_headroom; /* RTE_PKTMBUF_HEADROOM */
	uint32_t off_port;
	uint32_t off_ol_flags;
};

struct sb_port_info {
	char driver[64];
	char device[128];
	uint16_t max_rx_queues, max_tx_queues;
	uint16_t rx_desc_min, rx_desc_max, tx_desc_min, tx_desc_max;
	uint64_t flow_type_rss_offloads;
	int32_t socket_id;
	uint8_t mac[6];
};

struct sb_link {
	uint32_t speed_mbps;
	uint8_t up, full_duplex, autoneg;
};

struct sb_stats {
	uint64_t ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors, rx_nombuf;
};

#endif
