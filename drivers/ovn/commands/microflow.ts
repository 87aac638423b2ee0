import type { AddressFamily, Protocol } from '../../../core/model.js';
import { ofprotoTraceFlow } from '../../ovs-common/index.js';

/** The packet as the OVN tools need it. */
export interface OvnPacket {
  family: AddressFamily;
  protocol: Protocol;
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  ttl: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
}

/**
 * Builds an ovn-trace microflow (OVN logical match syntax). Values come from discovery (pod
 * annotations, the API), and names are quoted, so nothing here is interpreted by a shell: the
 * microflow is passed as one argv element.
 */
export function ovnMicroflow(inport: string, p: OvnPacket): string {
  const ip = p.family === 'ip6' ? 'ip6' : 'ip4';
  const parts = [
    `inport==${JSON.stringify(inport)}`,
    `eth.src==${p.srcMac}`,
    `eth.dst==${p.dstMac}`,
    `${ip}.src==${p.srcIp}`,
    `${ip}.dst==${p.dstIp}`,
    `ip.ttl==${p.ttl}`,
  ];
  if (p.protocol === 'tcp' || p.protocol === 'udp') {
    if (p.dstPort !== undefined) parts.push(`${p.protocol}.dst==${p.dstPort}`);
    if (p.srcPort !== undefined) parts.push(`${p.protocol}.src==${p.srcPort}`);
    if (p.protocol === 'tcp' && p.tcpFlags !== undefined) parts.push(`tcp.flags==${p.tcpFlags}`);
  } else if (p.family === 'ip6') {
    parts.push('icmp6.type==128', 'icmp6.code==0');
  } else {
    parts.push('icmp4.type==8', 'icmp4.code==0');
  }
  return parts.join(' && ');
}

/**
 * The `ovs-appctl ofproto/trace` flow of an OVN packet entering br-int at `inPort` (an OVS
 * interface name or OpenFlow port), built by the shared OVS flow builder (field names OVS 3.1
 * accepts: `udp_dst`, `icmpv6_type`, ...); `extra` carries tunnel metadata for a receiving node.
 */
export function ofprotoFlow(inPort: string, p: OvnPacket, extra: string[] = []): string {
  return ofprotoTraceFlow(inPort, p, extra);
}

/** Formats an `--lb-dst` backend: IPv6 is bracketed so the port is not read as part of the address. */
export function lbDst(ip: string, port: number | undefined): string {
  if (port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Swaps a packet's direction for a reply (addresses, MACs given by the caller, ports swapped). */
export function replyPacket(forward: OvnPacket, srcMac: string, dstMac: string): OvnPacket {
  return {
    ...forward,
    srcMac,
    dstMac,
    srcIp: forward.dstIp,
    dstIp: forward.srcIp,
    ...(forward.dstPort !== undefined ? { srcPort: forward.dstPort } : {}),
    ...(forward.srcPort !== undefined ? { dstPort: forward.srcPort } : {}),
    // A reply to a SYN is a SYN-ACK.
    ...(forward.protocol === 'tcp' ? { tcpFlags: 0x12 } : {}),
  };
}
