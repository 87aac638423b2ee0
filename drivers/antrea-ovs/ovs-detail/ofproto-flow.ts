/**
 * Builds the `ovs-appctl ofproto/trace` flow for each node of a Traceflow (pure), as antctl
 * trace-packet does: on the sending node from the source pod's port (destination MAC: the
 * destination pod's when it is local, else the gateway's); on a receiving node from the tunnel
 * port with Antrea's global virtual MAC as both MACs.
 */
import type { AddressFamily, Protocol } from '../../../core/model.js';

/** Antrea's global virtual MAC, used on tunnelled packets. */
export const GLOBAL_VIRTUAL_MAC = 'aa:bb:cc:dd:ee:ff';
/** The bridge Antrea programs. */
export const ANTREA_BRIDGE = 'br-int';

/** The packet as it enters the node's pipeline. */
export interface PipelinePacket {
  family: AddressFamily;
  protocol: Protocol;
  srcIp: string;
  dstIp: string;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  ttl?: number;
}

/** Where the packet enters the bridge. */
export interface PipelineEntry {
  /** OpenFlow port number or interface name. */
  inPort: number | string;
  srcMac: string;
  dstMac: string;
}

/** The ofproto/trace flow string for a packet entering at a port. */
export function ofprotoFlow(entry: PipelineEntry, packet: PipelinePacket): string {
  const v6 = packet.family === 'ip6';
  const proto = packet.protocol === 'icmp' ? (v6 ? 'icmp6' : 'icmp') : v6 ? `${packet.protocol}6` : packet.protocol;
  const parts = [
    proto,
    `in_port=${entry.inPort}`,
    `dl_src=${entry.srcMac}`,
    `dl_dst=${entry.dstMac}`,
    `${v6 ? 'ipv6_src' : 'nw_src'}=${packet.srcIp}`,
    `${v6 ? 'ipv6_dst' : 'nw_dst'}=${packet.dstIp}`,
    `nw_ttl=${packet.ttl ?? 64}`,
  ];
  if (packet.protocol === 'icmp') parts.push(`icmp_type=${v6 ? 128 : 8}`, 'icmp_code=0');
  else {
    if (packet.srcPort !== undefined) parts.push(`tp_src=${packet.srcPort}`);
    if (packet.dstPort !== undefined) parts.push(`tp_dst=${packet.dstPort}`);
    if (packet.protocol === 'tcp' && packet.tcpFlags !== undefined) parts.push(`tcp_flags=0x${packet.tcpFlags.toString(16).padStart(3, '0')}`);
  }
  return parts.join(',');
}

/** The argv of the trace. */
export function ofprotoTraceArgv(flow: string): string[] {
  return ['ovs-appctl', 'ofproto/trace', ANTREA_BRIDGE, flow];
}

/** The argv that names the tables (Antrea sets OpenFlow table names at start). */
export const TABLE_FEATURES_ARGV = ['ovs-ofctl', '--no-names', '-O', 'OpenFlow15', 'dump-table-features', ANTREA_BRIDGE];
