/**
 * The Traceflow custom resource (`crd.antrea.io/v1beta1`, same JSON as `v1alpha1`), as plain data.
 * Field names are Antrea's JSON names; every field is optional because Antrea omits zero values
 * and older agents do not set newer fields.
 */

/** API group of Antrea's CRDs. */
export const ANTREA_CRD_GROUP = 'crd.antrea.io';
/** Plural resource name of Traceflows. */
export const TRACEFLOW_PLURAL = 'traceflows';
/** `traceflows.crd.antrea.io`, as RBAC and error messages name the resource. */
export const TRACEFLOW_RESOURCE = `${TRACEFLOW_PLURAL}.${ANTREA_CRD_GROUP}`;
/** Versions that serve Traceflows, in order of preference. */
export const TRACEFLOW_VERSIONS = ['v1beta1', 'v1alpha1'] as const;
/** A served Traceflow API version. */
export type TraceflowVersion = (typeof TRACEFLOW_VERSIONS)[number];

/** `spec.source`. `ip` only for live traffic. */
export interface TraceflowSource {
  namespace?: string;
  pod?: string;
  ip?: string;
}

/** `spec.destination`: one of pod, service or ip. */
export interface TraceflowDestination {
  namespace?: string;
  pod?: string;
  service?: string;
  ip?: string;
}

/** `packet.ipHeader` (IPv4). */
export interface TraceflowIpHeader {
  protocol?: number;
  ttl?: number;
  flags?: number;
}

/** `packet.ipv6Header`; its presence makes the trace IPv6. */
export interface TraceflowIpv6Header {
  nextHeader?: number;
  hopLimit?: number;
}

/** `packet.transportHeader`. */
export interface TraceflowTransportHeader {
  icmp?: { id?: number; sequence?: number };
  udp?: { srcPort?: number; dstPort?: number };
  tcp?: { srcPort?: number; dstPort?: number; flags?: number };
}

/** `spec.packet` and `status.capturedPacket`. */
export interface TraceflowPacket {
  srcIP?: string;
  dstIP?: string;
  length?: number;
  ipHeader?: TraceflowIpHeader;
  ipv6Header?: TraceflowIpv6Header;
  transportHeader?: TraceflowTransportHeader;
}

/** `spec`. */
export interface TraceflowSpec {
  source?: TraceflowSource;
  destination?: TraceflowDestination;
  packet?: TraceflowPacket;
  liveTraffic?: boolean;
  droppedOnly?: boolean;
  /** Seconds, 1-300 (schema); omitted means 20. */
  timeout?: number;
}

/** One observation point of a node report. Unknown components and actions are kept as strings. */
export interface TraceflowObservation {
  component?: string;
  componentInfo?: string;
  action?: string;
  pod?: string;
  dstMAC?: string;
  networkPolicy?: string;
  networkPolicyRule?: string;
  egress?: string;
  ttl?: number;
  translatedSrcIP?: string;
  translatedDstIP?: string;
  tunnelDstIP?: string;
  egressIP?: string;
  egressNode?: string;
  srcPodIP?: string;
}

/** One node's report (one packet-in). */
export interface TraceflowNodeResult {
  node?: string;
  role?: string;
  /** Unix seconds, agent clock. */
  timestamp?: number;
  observations?: TraceflowObservation[];
}

/** `status`. An absent phase means the controller has not picked the Traceflow up. */
export interface TraceflowStatus {
  phase?: 'Running' | 'Succeeded' | 'Failed' | 'Pending' | (string & {});
  reason?: string;
  startTime?: string;
  dataplaneTag?: number;
  results?: TraceflowNodeResult[];
  capturedPacket?: TraceflowPacket;
}

/** A whole Traceflow object. */
export interface Traceflow {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  spec: TraceflowSpec;
  status?: TraceflowStatus;
}

/** Whether a phase ends the Traceflow. */
export function isFinalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}
