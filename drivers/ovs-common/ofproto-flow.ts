/**
 * The one builder of `ovs-appctl ofproto/trace` flows (br_flow syntax, ovs-fields(7)) and of the
 * trace's argv, for every OVS-based driver. Driver-specific values (which in_port, which MACs,
 * the bridge, tunnel metadata) come from the caller.
 *
 * The field names follow the prerequisites OVS checks when it parses the flow (OVS 3.1 rejects a
 * field whose prerequisite the flow does not meet, "prerequisites not met for setting ..."):
 * - `tp_src`/`tp_dst` and `icmp_type`/`icmp_code` are the TCP/UDP/SCTP port and ICMPv4 fields
 *   only where the protocol is implied by the right keyword, so ports are written `tcp_dst`,
 *   `udp_dst`, `sctp_dst` and ICMPv6 is written `icmpv6_type`/`icmpv6_code`;
 * - IPv6 uses the `tcp6`/`udp6`/`icmp6` shorthands and `ipv6_src`/`ipv6_dst`;
 * - `nw_ttl` is always set (a zero TTL sends OVN's packets to the TTL-exceeded flows).
 */
import type { AddressFamily, Protocol } from '../../core/model.js';

/** The packet to trace, as the trace's flow needs it. */
export interface OfprotoFlowPacket {
  family: AddressFamily;
  protocol: Protocol;
  srcIp: string;
  dstIp: string;
  /** Omitted when the caller does not set them (OVS then uses zero MACs). */
  srcMac?: string;
  dstMac?: string;
  /** IP TTL / IPv6 hop limit. Default 64. */
  ttl?: number;
  srcPort?: number;
  dstPort?: number;
  /** TCP flags as a number (0x002 = SYN). */
  tcpFlags?: number;
  /** ICMP type/code. Default: echo request (8/0, ICMPv6 128/0). */
  icmpType?: number;
  icmpCode?: number;
}

/** Default TTL of a traced packet. */
export const DEFAULT_TRACE_TTL = 64;

/** The `tcp`/`udp6`/`icmp6`... keyword of a packet. */
function protocolKeyword(family: AddressFamily, protocol: Protocol): string {
  const v6 = family === 'ip6';
  if (protocol === 'icmp') return v6 ? 'icmp6' : 'icmp';
  return v6 ? `${protocol}6` : protocol;
}

/**
 * The ofproto/trace flow of `packet` entering at `inPort`. `extra` fields (tunnel metadata such as
 * `tun_id=..`, `tun_src=..`) follow `in_port`.
 */
export function ofprotoTraceFlow(inPort: string | number, packet: OfprotoFlowPacket, extra: readonly string[] = []): string {
  const v6 = packet.family === 'ip6';
  const parts = [`in_port=${inPort}`, ...extra, protocolKeyword(packet.family, packet.protocol)];
  if (packet.srcMac !== undefined) parts.push(`dl_src=${packet.srcMac}`);
  if (packet.dstMac !== undefined) parts.push(`dl_dst=${packet.dstMac}`);
  parts.push(`${v6 ? 'ipv6_src' : 'nw_src'}=${packet.srcIp}`, `${v6 ? 'ipv6_dst' : 'nw_dst'}=${packet.dstIp}`, `nw_ttl=${packet.ttl ?? DEFAULT_TRACE_TTL}`);
  if (packet.protocol === 'icmp') {
    const field = v6 ? 'icmpv6' : 'icmp';
    parts.push(`${field}_type=${packet.icmpType ?? (v6 ? 128 : 8)}`, `${field}_code=${packet.icmpCode ?? 0}`);
  } else {
    if (packet.dstPort !== undefined) parts.push(`${packet.protocol}_dst=${packet.dstPort}`);
    if (packet.srcPort !== undefined) parts.push(`${packet.protocol}_src=${packet.srcPort}`);
    if (packet.protocol === 'tcp' && packet.tcpFlags !== undefined) parts.push(`tcp_flags=0x${packet.tcpFlags.toString(16).padStart(3, '0')}`);
  }
  return parts.join(',');
}

/** Options of {@link ofprotoTraceArgv}. */
export interface OfprotoTraceArgvOptions {
  /**
   * `--ct-next` states, in the order the trace's conntrack actions consume them (one per `ct`
   * recirculation; after the last one OVS assumes `trk,new`, ovs-vswitchd(8)).
   */
  ctNext?: string | readonly string[];
  /** Print port names instead of numbers (`--names`). */
  names?: boolean;
}

/** The argv of `ovs-appctl ofproto/trace [--names] [--ct-next S]... <bridge> <flow>`. */
export function ofprotoTraceArgv(bridge: string, flow: string, options: OfprotoTraceArgvOptions = {}): string[] {
  const states = options.ctNext === undefined ? [] : typeof options.ctNext === 'string' ? [options.ctNext] : options.ctNext;
  return ['ovs-appctl', 'ofproto/trace', ...(options.names ? ['--names'] : []), ...states.flatMap((s) => ['--ct-next', s]), bridge, flow];
}
