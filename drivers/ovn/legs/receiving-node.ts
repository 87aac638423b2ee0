import type { OfprotoTrace } from '../../ovs-common/ofproto-trace-types.js';
import { ofprotoFlow, type OvnPacket } from '../commands/microflow.js';

/** What the receiving node's OVS sees arrive on the tunnel. */
export interface TunnelArrival {
  tunnelId: string;
  /** Geneve option 0 (OVN: ingress port key << 16 | egress port key). */
  metadata0?: string;
  /** Ethernet addresses and TTL after the sending node's routing. */
  dlSrc?: string;
  dlDst?: string;
  ttl?: number;
}

const SET_TUN_ID = /^set_field:(0x[0-9a-f]+)(?:\/0x[0-9a-f]+)?->tun_id$/i;
const SET_META = /^set_field:(0x[0-9a-f]+)(?:\/0x[0-9a-f]+)?->tun_metadata0$/i;
const MOVED_NOTE = /NXM_NX_TUN_METADATA0\[(\d+)\.\.(\d+)\] is now (0x[0-9a-f]+)/i;

/**
 * Reads the tunnel key, geneve metadata, MACs and TTL the sending node put on the packet, from its
 * ofproto/trace: the kernel/native forms print them in `set(tunnel(...))`; the dummy datapath
 * prints only an output port, so the `set_field`/`move` actions of the tunnel table are replayed.
 */
export function tunnelArrivalFromTrace(trace: OfprotoTrace): TunnelArrival | undefined {
  const last = trace.blocks.at(-1);
  if (!last) return undefined;
  let tunnelId = trace.summary.tunnel?.tunnelId;
  let metadata: bigint | undefined = trace.summary.tunnel?.geneveOptions[0]?.data ? BigInt(trace.summary.tunnel.geneveOptions[0].data) : undefined;
  if (!tunnelId) {
    for (const table of last.tables) {
      for (const action of table.actions) {
        const id = SET_TUN_ID.exec(action);
        if (id) tunnelId = id[1];
        const meta = SET_META.exec(action);
        if (meta) metadata = BigInt(meta[1]!);
      }
    }
    // `move:REG14[0..14]->TUN_METADATA0[16..30]` is followed by a note with the moved value.
    const moved = last.notes.map((n) => MOVED_NOTE.exec(n.text)).filter((m): m is RegExpExecArray => m !== null).at(-1);
    if (moved && metadata !== undefined) {
      const lo = BigInt(moved[1]!);
      const hi = BigInt(moved[2]!);
      const width = hi - lo + 1n;
      const mask = ((1n << width) - 1n) << lo;
      metadata = (metadata & ~mask) | ((BigInt(moved[3]!) << lo) & mask);
    }
  }
  if (!tunnelId) return undefined;
  const actions = trace.summary.datapathActions ?? '';
  const eth = /set\(eth\(src=([0-9a-f:]+),dst=([0-9a-f:]+)\)\)/i.exec(actions);
  const ttl = /set\(ipv4\([^)]*ttl=(\d+)[^)]*\)\)|set\(ipv6\([^)]*hlimit=(\d+)[^)]*\)\)/.exec(actions);
  return {
    tunnelId,
    ...(metadata !== undefined ? { metadata0: `0x${metadata.toString(16)}` } : {}),
    ...(eth ? { dlSrc: eth[1], dlDst: eth[2] } : {}),
    ...(ttl ? { ttl: Number(ttl[1] ?? ttl[2]) } : {}),
  };
}

/** The ofproto/trace flow for the packet arriving on the receiving node's tunnel port. */
export function receivingNodeFlow(opts: {
  tunnelPort: string;
  arrival: TunnelArrival;
  packet: OvnPacket;
  srcNodeIp?: string;
  dstNodeIp?: string;
}): string {
  const { arrival } = opts;
  const tun = [
    `tun_id=${arrival.tunnelId}`,
    ...(opts.srcNodeIp ? [`tun_src=${opts.srcNodeIp}`] : []),
    ...(opts.dstNodeIp ? [`tun_dst=${opts.dstNodeIp}`] : []),
    ...(arrival.metadata0 ? [`tun_metadata0=${arrival.metadata0}`] : []),
  ];
  const packet: OvnPacket = {
    ...opts.packet,
    srcMac: arrival.dlSrc ?? opts.packet.srcMac,
    dstMac: arrival.dlDst ?? opts.packet.dstMac,
    ttl: arrival.ttl ?? opts.packet.ttl - 1,
  };
  return ofprotoFlow(opts.tunnelPort, packet, tun);
}
