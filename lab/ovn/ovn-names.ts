/**
 * ovn-kubernetes naming and addressing conventions (see shared/reference/ovnkube-trace.md §2.1
 * and ovn-kubernetes `pkg/types/const.go`, `pkg/util`). Pure functions.
 */
import { createHash } from 'node:crypto';
import { cidrHost, formatIp, macFromIp, mustParseCidr, mustParseIp, type ParsedIp } from '../scenario/ip-address.js';
import type { Scenario, ScenarioNode, ScenarioPod } from '../scenario/scenario-types.js';

/** The cluster router every node switch hangs off. */
export const CLUSTER_ROUTER = 'ovn_cluster_router';
/** The interconnect transit switch present in every zone. */
export const TRANSIT_SWITCH = 'transit_switch';
/** Tunnel key ovn-kubernetes requests for the transit switch datapath (BaseTransitSwitchTunnelKey). */
export const TRANSIT_SWITCH_TUNNEL_KEY = 16711683;
/** ovn-kubernetes' default IPv4 / IPv6 transit subnets (100.88.0.0/16, fd97::/64). */
export const TRANSIT_SUBNET_V4 = '100.88.0.0/16';
export const TRANSIT_SUBNET_V6 = 'fd97::/64';
/** OVS interface name of the management port on every node. */
export const MGMT_OVS_PORT = 'ovn-k8s-mp0';
/** Owner controller written in ovn-kubernetes external_ids. */
export const DEFAULT_CONTROLLER = 'default-network-controller';
/** Central-mode zone name (ovn-kubernetes' default zone). */
export const GLOBAL_ZONE = 'global';

/** `<namespace>_<pod>`: the pod's logical switch port (and OVS iface-id). */
export function podLspName(namespace: string, pod: string): string {
  return `${namespace}_${pod}`;
}
/** `k8s-<node>`: the management logical switch port. */
export const mgmtLspName = (node: string): string => `k8s-${node}`;
/** `stor-<node>` / `rtos-<node>`: node switch ↔ cluster router patch. */
export const storName = (node: string): string => `stor-${node}`;
export const rtosName = (node: string): string => `rtos-${node}`;
/** `tstor-<node>` / `rtots-<node>`: transit switch ↔ cluster router patch. */
export const tstorName = (node: string): string => `tstor-${node}`;
export const rtotsName = (node: string): string => `rtots-${node}`;

/**
 * OVS interface name for a pod. Real CNIs use the first 15 characters of the container ID; the
 * lab has no containers, so it uses 15 hex characters of a hash of `<namespace>/<pod>` (stable,
 * unique, within Linux' 15-character interface-name limit).
 */
export function podOvsPortName(namespace: string, pod: string): string {
  return createHash('sha256').update(`${namespace}/${pod}`).digest('hex').slice(0, 15);
}

/**
 * ovn-kubernetes `util.HashForOVN`: `"a"` + decimal FNV-1a 64-bit hash. Used for port group and
 * address set names, which may not contain `-` or `/`.
 */
export function hashForOvn(s: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return `a${h.toString(10)}`;
}

/** Addressing of one node, derived the way ovn-kubernetes derives it. */
export interface NodeAddressing {
  name: string;
  /** ovn-kubernetes node id (annotation `k8s.ovn.org/node-id`): position in `nodes` + 2. */
  nodeId: number;
  nodeIP: string;
  subnetV4: string;
  subnetV6?: string;
  /** Gateway (first host) addresses: the rtos router port. */
  gatewayV4: string;
  gatewayV6?: string;
  /** Management port addresses (second host). */
  mgmtV4: string;
  mgmtV6?: string;
  /** `0a:58:` + gateway IPv4 bytes. */
  rtosMac: string;
  /** `0a:58:` + management IPv4 bytes. */
  mgmtMac: string;
  /** `rtos-<node>` networks, e.g. `10.244.1.1/24`. */
  rtosNetworks: string[];
  /** Transit addresses (100.88.0.<id>, fd97::<id>) and MAC. */
  transitV4: string;
  transitV6?: string;
  rtotsMac: string;
  rtotsNetworks: string[];
}

/** Computes {@link NodeAddressing} for every node of a (validated) scenario. */
export function nodeAddressing(scenario: Scenario): NodeAddressing[] {
  const dual = scenario.nodes.some((n) => n.podSubnetV6);
  return scenario.nodes.map((n, i) => addressingFor(n, i + 2, dual));
}

function addressingFor(n: ScenarioNode, nodeId: number, dualStackTransit: boolean): NodeAddressing {
  const v4 = mustParseCidr(n.podSubnet);
  const v6 = n.podSubnetV6 ? mustParseCidr(n.podSubnetV6) : undefined;
  const gw4 = cidrHost(v4, 1);
  const mgmt4 = cidrHost(v4, 2);
  const transit4 = cidrHost(mustParseCidr(TRANSIT_SUBNET_V4), nodeId);
  const transit6 = dualStackTransit ? cidrHost(mustParseCidr(TRANSIT_SUBNET_V6), nodeId) : undefined;
  const gw6 = v6 ? cidrHost(v6, 1) : undefined;
  const mgmt6 = v6 ? cidrHost(v6, 2) : undefined;
  return {
    name: n.name,
    nodeId,
    nodeIP: n.nodeIP,
    subnetV4: n.podSubnet,
    subnetV6: n.podSubnetV6,
    gatewayV4: formatIp(gw4),
    gatewayV6: gw6 && formatIp(gw6),
    mgmtV4: formatIp(mgmt4),
    mgmtV6: mgmt6 && formatIp(mgmt6),
    rtosMac: macFromIp(gw4),
    mgmtMac: macFromIp(mgmt4),
    rtosNetworks: [`${formatIp(gw4)}/${v4.prefix}`, ...(gw6 && v6 ? [`${formatIp(gw6)}/${v6.prefix}`] : [])],
    transitV4: formatIp(transit4),
    transitV6: transit6 && formatIp(transit6),
    rtotsMac: macFromIp(transit4),
    rtotsNetworks: [`${formatIp(transit4)}/16`, ...(transit6 ? [`${formatIp(transit6)}/64`] : [])],
  };
}

/** A pod's MAC: `0a:58:` + its IPv4 bytes (or the low 32 bits of its IPv6 address when v6-only). */
export function podMac(pod: ScenarioPod): string {
  const ip: ParsedIp = mustParseIp(pod.ip ?? pod.ipv6!);
  return macFromIp(ip);
}

/** The pod's IPs in canonical text, IPv4 first. */
export function podIps(pod: ScenarioPod): string[] {
  return [pod.ip, pod.ipv6].filter((x): x is string => !!x).map((t) => formatIp(mustParseIp(t)));
}

/** `"<mac> <ip> [<ipv6>]"`: the LSP `addresses` / `port_security` entry. */
export function podLspAddress(pod: ScenarioPod): string {
  return [podMac(pod), ...podIps(pod)].join(' ');
}
