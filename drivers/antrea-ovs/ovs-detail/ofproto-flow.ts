/**
 * The `ovs-appctl ofproto/trace` flow for each node of a Traceflow (pure), as antctl trace-packet
 * does: on the sending node from the source pod's port (destination MAC: the destination pod's
 * when it is local, else the gateway's); on a receiving node from the tunnel port with Antrea's
 * global virtual MAC as both MACs. The flow syntax itself is the shared OVS builder's.
 */
import type { AddressFamily, Protocol } from '../../../core/model.js';
import { ofprotoTraceArgv as sharedTraceArgv, ofprotoTraceFlow } from '../../ovs-common/index.js';

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
  return ofprotoTraceFlow(entry.inPort, { ...packet, srcMac: entry.srcMac, dstMac: entry.dstMac });
}

/** The argv of the trace on Antrea's bridge. */
export function ofprotoTraceArgv(flow: string): string[] {
  return sharedTraceArgv(ANTREA_BRIDGE, flow);
}

/** The argv that names the tables (Antrea sets OpenFlow table names at start). */
export const TABLE_FEATURES_ARGV = ['ovs-ofctl', '--no-names', '-O', 'OpenFlow15', 'dump-table-features', ANTREA_BRIDGE];
