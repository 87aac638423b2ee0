/**
 * Antrea's names and numbers as a real agent uses them: the default IPv4 pipeline table layout
 * (encap, AntreaProxy, AntreaPolicy and Egress on), OVS port names, cookie categories, registers,
 * conntrack zones and MACs. Pure constants and helpers, shared by the planner and the controller.
 */
import { createHash } from 'node:crypto';
import { cidrHost, formatIp, mustParseCidr } from '../scenario/ip-address.js';

/** Antrea's default IPv4 table IDs and names (pkg/agent/openflow/pipeline.go, FlexiblePipeline order). */
export const ANTREA_TABLES = [
  'PipelineRootClassifier',
  'ARPSpoofGuard',
  'ARPResponder',
  'Classifier',
  'SpoofGuard',
  'UnSNAT',
  'ConntrackZone',
  'ConntrackState',
  'PreRoutingClassifier',
  'SessionAffinity',
  'ServiceLB',
  'EndpointDNAT',
  'AntreaPolicyEgressRule',
  'EgressRule',
  'EgressDefaultRule',
  'EgressMetric',
  'L3Forwarding',
  'EgressMark',
  'L3DecTTL',
  'SNATMark',
  'SNAT',
  'L2ForwardingCalc',
  'IngressSecurityClassifier',
  'AntreaPolicyIngressRule',
  'IngressRule',
  'IngressDefaultRule',
  'IngressMetric',
  'ConntrackCommit',
  'Output',
] as const;

/** A table name of the pipeline. */
export type AntreaTableName = (typeof ANTREA_TABLES)[number];

/** Table ID by name. */
export const T = Object.fromEntries(ANTREA_TABLES.map((n, i) => [n, i])) as Record<AntreaTableName, number>;

/** Bridge and fixed port names/numbers (Antrea defaults: tunnel 1, gateway 2). */
export const BRIDGE = 'br-int';
export const TUNNEL_PORT = 'antrea-tun0';
export const GATEWAY_PORT = 'antrea-gw0';
export const TUNNEL_OFPORT = 1;
export const GATEWAY_OFPORT = 2;
/** First ofport of pod ports. */
export const FIRST_POD_OFPORT = 3;
/** Antrea's global virtual MAC, used as destination MAC of tunnelled packets. */
export const GLOBAL_VIRTUAL_MAC = 'aa:bb:cc:dd:ee:ff';
/** Conntrack zone of IPv4 connections (CtZone). */
export const CT_ZONE = 65520;
/** Conntrack zone of Antrea's SNAT (SNATCtZone). */
export const SNAT_CT_ZONE = 65521;

/** Cookie categories (pkg/agent/openflow/cookie/allocator.go), bits 47–40. */
export const COOKIE_CATEGORY = { Default: 0, PodConnectivity: 1, NetworkPolicy: 2, Service: 3, Egress: 4, Multicast: 5, Multicluster: 6, Traceflow: 7, ExternalNodeConnectivity: 8 } as const;
/** The agent's cookie "round" (bits 63–48): the number of agent restarts, 1 on a fresh node. */
export const COOKIE_ROUND = 1;

/** `0x1020000000005`-style cookie: round, category and an id in the low 40 bits. */
export function cookie(category: keyof typeof COOKIE_CATEGORY, id = 0): string {
  const v = (BigInt(COOKIE_ROUND) << 48n) | (BigInt(COOKIE_CATEGORY[category]) << 40n) | BigInt(id);
  return `0x${v.toString(16)}`;
}

/** Register marks (docs/design/ovs-pipeline.md "OVS Registers"). */
export const REG = {
  /** reg0[0..3] PktSourceField. */
  fromTunnel: '0x1/0xf',
  fromGateway: '0x2/0xf',
  fromPod: '0x3/0xf',
  /** reg0[4..7] PktDestinationField. */
  toTunnel: '0x10/0xf0',
  toGateway: '0x20/0xf0',
  /** reg0 bit 9: RewriteMACRegMark. */
  rewriteMac: '0x200/0x200',
  /** reg0 bit 10: APDenyRegMark; reg0[11..12]: APDispositionField (1 drop, 2 reject). */
  apDeny: '0x400/0x400',
  dispositionDrop: '0x800/0x1800',
  dispositionReject: '0x1000/0x1800',
  /** reg0[21..22] OutputRegField: 1 OutputToOFPort, 2 OutputToController. */
  outputToPort: '0x200000/0x600000',
  outputToController: '0x400000/0x600000',
  /** reg0[25..31] PacketInOperationField: 2 = reject (PacketInNPRejectOperation). */
  packetInReject: '0x4000000/0xfe000000',
  /** reg4[16..18] ServiceEPStateField: 1 EpToSelect, 2 EpSelected. */
  epToSelect: '0x10000/0x70000',
  epSelected: '0x20000/0x70000',
} as const;

/** The node's gateway IP: the first host of its pod CIDR (antrea-gw0). */
export function gatewayIp(podSubnet: string): string {
  return formatIp(cidrHost(mustParseCidr(podSubnet), 1));
}

/** A stable, locally administered unicast MAC derived from a seed (Antrea generates random ones). */
export function stableMac(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  const bytes = [((h[0]! & 0xfc) | 0x02) >>> 0, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * Antrea's container interface name (`util.GenerateContainerInterfaceName`): the first 8
 * characters of the pod name, `-`, and 6 hex characters of a hash, 15 characters at most.
 */
export function podInterfaceName(namespace: string, pod: string): string {
  const hash = createHash('sha1').update(`${namespace}/${pod}`).digest('hex').slice(0, 6);
  return `${pod.slice(0, 8)}-${hash}`;
}

/** Name of the antrea-agent pod on a node (`antrea-agent-<5 chars>`, stable per node). */
export function antreaAgentPodName(node: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = createHash('sha256').update(`antrea-agent/${node}`).digest();
  return `antrea-agent-${Array.from({ length: 5 }, (_, i) => alphabet[h[i]! % alphabet.length]).join('')}`;
}

/** Namespace of Antrea's own pods. */
export const ANTREA_NAMESPACE = 'kube-system';

/** `0x0af40105` for 10.244.1.5 (how registers holding IPs print in flows). */
export function ipHex(ip: string): string {
  return `0x${ip
    .split('.')
    .map((x) => Number(x).toString(16).padStart(2, '0'))
    .join('')}`;
}
