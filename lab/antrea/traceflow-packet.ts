/**
 * Pure: the packet an antrea-agent injects for a Traceflow (reference §1.2 `preparePacket`) and
 * the `ofproto/trace` flow strings for the sending node (from the source pod's port) and a
 * receiving node (from `antrea-tun0`).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { GLOBAL_VIRTUAL_MAC, TUNNEL_OFPORT } from './antrea-names.js';

/** `spec` of a Traceflow, as far as the lab reads it. */
export interface TraceflowSpec {
  source?: { namespace?: string; pod?: string; ip?: string };
  destination?: { namespace?: string; pod?: string; service?: string; ip?: string };
  packet?: {
    ipHeader?: { protocol?: number; ttl?: number; flags?: number };
    ipv6Header?: { nextHeader?: number; hopLimit?: number };
    transportHeader?: {
      icmp?: { id?: number; sequence?: number };
      udp?: { srcPort?: number; dstPort?: number };
      tcp?: { srcPort?: number; dstPort?: number; flags?: number };
    };
  };
  liveTraffic?: boolean;
  droppedOnly?: boolean;
  timeout?: number;
}

/** An IPv4 packet to trace. */
export interface TracePacket {
  srcIP: string;
  dstIP: string;
  /** IP protocol number. */
  protocol: number;
  ttl: number;
  /** DSCP (Traceflow tags injected packets with the dataplane tag). */
  dscp: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  icmpId?: number;
  icmpSequence?: number;
  srcMac: string;
  dstMac: string;
}

/** The resolved destination (by the agent, from the API). */
export interface ResolvedDestination {
  ip: string;
  /** Service: ports[0] protocol/port (overridden by the spec's transport header). */
  servicePort?: { protocol: 'TCP' | 'UDP' | 'SCTP'; port: number };
  /** MAC of a destination pod on the sending node (else the gateway MAC is used). */
  localMac?: string;
}

/** A source port in the ephemeral range, stable per seed ("random" at injection in Antrea). */
export function ephemeralPort(seed: string): number {
  const h = createHash('sha256').update(seed).digest();
  return 32768 + (h.readUInt16BE(0) % (60999 - 32768));
}

/**
 * Builds the injected packet: ICMP echo when no transport header, TCP SYN when `tcp` is given
 * without flags, TTL 64 by default, services → ClusterIP with ports[0] unless the spec overrides.
 */
export function buildInjectedPacket(spec: TraceflowSpec, src: { ip: string; mac: string }, dst: ResolvedDestination, gatewayMac: string, tag: number, seed: string): TracePacket {
  const th = spec.packet?.transportHeader ?? {};
  const ipHeader = spec.packet?.ipHeader ?? {};
  let protocol = ipHeader.protocol ?? 0;
  let srcPort: number | undefined;
  let dstPort: number | undefined;
  let tcpFlags: number | undefined;
  if (dst.servicePort) {
    protocol = dst.servicePort.protocol === 'UDP' ? 17 : dst.servicePort.protocol === 'SCTP' ? 132 : 6;
    dstPort = dst.servicePort.port;
    if (protocol === 6) tcpFlags = 2;
  }
  // Transport precedence: TCP > UDP > ICMP > other IP protocol.
  if (th.tcp) {
    protocol = 6;
    srcPort = th.tcp.srcPort;
    dstPort = th.tcp.dstPort ?? dstPort;
    tcpFlags = th.tcp.flags ?? 2;
  } else if (th.udp) {
    protocol = 17;
    srcPort = th.udp.srcPort;
    dstPort = th.udp.dstPort ?? dstPort;
    tcpFlags = undefined;
  } else if (th.icmp || (!dst.servicePort && protocol === 0)) {
    if (!dst.servicePort) protocol = 1;
  }
  const packet: TracePacket = {
    srcIP: src.ip,
    dstIP: dst.ip,
    protocol,
    ttl: ipHeader.ttl || 64,
    dscp: tag,
    srcMac: src.mac,
    dstMac: dst.localMac ?? gatewayMac,
  };
  if (protocol === 6 || protocol === 17) {
    packet.srcPort = srcPort || ephemeralPort(seed);
    packet.dstPort = dstPort ?? 0;
    if (protocol === 6) packet.tcpFlags = tcpFlags ?? 0;
  } else if (protocol === 1) {
    packet.icmpId = th.icmp?.id ?? 0;
    packet.icmpSequence = th.icmp?.sequence ?? 0;
  }
  return packet;
}

/** Protocol-specific part of a flow string (OVS 3.1 wants `tcp_dst`/`udp_dst`, not `tp_dst`). */
function l4(p: TracePacket): string {
  switch (p.protocol) {
    case 6:
      return `tcp,nw_src=${p.srcIP},nw_dst=${p.dstIP},nw_ttl=${p.ttl},nw_tos=${p.dscp << 2},tcp_src=${p.srcPort},tcp_dst=${p.dstPort},tcp_flags=0x${(p.tcpFlags ?? 0).toString(16).padStart(3, '0')}`;
    case 17:
      return `udp,nw_src=${p.srcIP},nw_dst=${p.dstIP},nw_ttl=${p.ttl},nw_tos=${p.dscp << 2},udp_src=${p.srcPort},udp_dst=${p.dstPort}`;
    case 1:
      return `icmp,nw_src=${p.srcIP},nw_dst=${p.dstIP},nw_ttl=${p.ttl},nw_tos=${p.dscp << 2},icmp_type=8,icmp_code=0`;
    default:
      return `ip,nw_proto=${p.protocol},nw_src=${p.srcIP},nw_dst=${p.dstIP},nw_ttl=${p.ttl},nw_tos=${p.dscp << 2}`;
  }
}

/** Flow for `ofproto/trace` on the sending node, entering from the source pod's port. */
export function senderFlow(p: TracePacket, inPort: number): string {
  return `in_port=${inPort},dl_src=${p.srcMac},dl_dst=${p.dstMac},${l4(p)}`;
}

/**
 * Flow on the receiving node: the packet as it left the sender (after DNAT and TTL decrement),
 * arriving on `antrea-tun0` from the sender's node IP.
 */
export function receiverFlow(p: TracePacket, after: Record<string, string>, senderNodeIP: string, tunnelDstIP: string): { flow: string; packet: TracePacket } {
  const next: TracePacket = {
    ...p,
    dstIP: after.nw_dst ?? p.dstIP,
    ttl: after.nw_ttl !== undefined ? Number(after.nw_ttl) : p.ttl,
    srcMac: after.dl_src ?? p.srcMac,
    dstMac: after.dl_dst ?? GLOBAL_VIRTUAL_MAC,
    ...(p.dstPort !== undefined && after.tp_dst !== undefined ? { dstPort: Number(after.tp_dst) } : {}),
  };
  return { flow: `in_port=${TUNNEL_OFPORT},tun_src=${senderNodeIP},tun_dst=${tunnelDstIP},tun_id=0,dl_src=${next.srcMac},dl_dst=${next.dstMac},${l4(next)}`, packet: next };
}

/** Whether a string is an IPv4 address. */
export const isIPv4 = (s: string | undefined): s is string => typeof s === 'string' && isIP(s) === 4;
