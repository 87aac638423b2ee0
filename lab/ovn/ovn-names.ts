/**
 * ovn-kubernetes naming and addressing conventions (see shared/reference/ovnkube-trace.md §2.1
 * and ovn-kubernetes `pkg/types/const.go`, `pkg/util`). Pure functions.
 */
import { createHash } from 'node:crypto';
import { cidrHost, formatCidr, formatIp, macFromIp, mustParseCidr, mustParseIp, type ParsedIp } from '../scenario/ip-address.js';
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

/** The join switch between ovn_cluster_router and the gateway routers (types.OVNJoinSwitch). */
export const JOIN_SWITCH = 'join';
/** ovn-kubernetes' default join subnets (config.Gateway.V4JoinSubnet / V6JoinSubnet). */
export const JOIN_SUBNET_V4 = '100.64.0.0/16';
export const JOIN_SUBNET_V6 = 'fd98::/64';
/** The provider bridge and its physical network name (types.PhysicalNetworkName). */
export const EXTERNAL_BRIDGE = 'breth0';
export const PHYSICAL_NETWORK = 'physnet';
/** The uplink OVS port of the provider bridge (a kind node's eth0). */
export const EXTERNAL_UPLINK_PORT = 'eth0';
/** Default MTU of a kind ovn-kubernetes cluster (config.Default.MTU), set as `gateway_mtu`. */
export const GATEWAY_MTU = 1400;
/** Masquerade subnet and the dummy next hop of the service return route (config.Gateway.MasqueradeIPs). */
export const MASQUERADE_SUBNET_V4 = '169.254.169.0/29';
export const DUMMY_NEXT_HOP_V4 = '169.254.169.4';
export const MASQUERADE_SUBNET_V6 = 'fd69::/125';
export const DUMMY_NEXT_HOP_V6 = 'fd69::4';
/** Prefix length of the node network (a kind docker network is a /16; its gateway is the first host). */
export const NODE_NETWORK_PREFIX = 16;
/** Names of ovn-kubernetes' load balancer groups (types.ClusterLBGroupName, ...). */
export const CLUSTER_LB_GROUP = 'clusterLBGroup';
export const CLUSTER_SWITCH_LB_GROUP = 'clusterSwitchLBGroup';
export const CLUSTER_ROUTER_LB_GROUP = 'clusterRouterLBGroup';
/** The ACL logging meter (types.OvnACLLoggingMeter). */
export const ACL_LOGGING_METER = 'acl-logging';

/** `GR_<node>`: the node's gateway router. */
export const gatewayRouterName = (node: string): string => `GR_${node}`;
/** `ext_<node>`: the node's external switch. */
export const externalSwitchName = (node: string): string => `ext_${node}`;
/** `rtoj-<router>` / `jtor-<router>`: router ↔ join switch patch (GR_<node> or ovn_cluster_router). */
export const rtojName = (router: string): string => `rtoj-${router}`;
export const jtorName = (router: string): string => `jtor-${router}`;
/** `rtoe-GR_<node>` / `etor-GR_<node>`: gateway router ↔ external switch patch. */
export const rtoeName = (node: string): string => `rtoe-${gatewayRouterName(node)}`;
export const etorName = (node: string): string => `etor-${gatewayRouterName(node)}`;
/** `breth0_<node>`: the localnet port of the external switch (l3-gateway-config interface-id). */
export const localnetPortName = (node: string): string => `${EXTERNAL_BRIDGE}_${node}`;

/**
 * The node's chassis id (OVS `system-id`, annotation `k8s.ovn.org/node-chassis-id`): a UUID, as
 * on a real node, stable for a node name (so nothing can confuse a chassis with its node).
 */
export function chassisId(node: string): string {
  const h = createHash('sha256').update(`chassis/${node}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

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
  /** Chassis id (OVS system-id). */
  chassisId: string;
  /** The gateway router's join addresses (100.64.0.<id>, fd98::<id>), its rtoj MAC and networks. */
  joinV4: string;
  joinV6?: string;
  rtojGrMac: string;
  rtojGrNetworks: string[];
  /** Node IP with the node network prefix (`rtoe-GR_<node>` network, node-primary-ifaddr). */
  nodeCidr: string;
  /** The node network's gateway (the GR's default route next hop). */
  nodeGateway: string;
  /** MAC of breth0 (the rtoe-GR port): docker's `02:42:` + node IP bytes, like a kind node's eth0. */
  externalMac: string;
}

/** ovn_cluster_router's join port (`rtoj-ovn_cluster_router`): the first join addresses. */
export function clusterRouterJoin(dualStack: boolean): { mac: string; v4: string; v6?: string; networks: string[] } {
  const v4 = cidrHost(mustParseCidr(JOIN_SUBNET_V4), 1);
  const v6 = dualStack ? cidrHost(mustParseCidr(JOIN_SUBNET_V6), 1) : undefined;
  return {
    mac: macFromIp(v4),
    v4: formatIp(v4),
    ...(v6 ? { v6: formatIp(v6) } : {}),
    networks: [`${formatIp(v4)}/16`, ...(v6 ? [`${formatIp(v6)}/64`] : [])],
  };
}

/**
 * The cluster subnets (ovn-kubernetes `--cluster-subnets`): the /16 around each node's IPv4 pod
 * subnet and the /48 around each IPv6 one (kind: 10.244.0.0/16, fd00:10:244::/48), de-duplicated.
 */
export function clusterSubnets(scenario: Scenario): { v4: string[]; v6: string[] } {
  const around = (cidr: string, prefix: number): string => {
    const c = mustParseCidr(cidr);
    return formatCidr(mustParseCidr(`${cidr.split('/')[0]}/${Math.min(prefix, c.prefix)}`));
  };
  const v4 = [...new Set(scenario.nodes.map((n) => around(n.podSubnet, 16)))];
  const v6 = [...new Set(scenario.nodes.filter((n) => n.podSubnetV6).map((n) => around(n.podSubnetV6!, 48)))];
  return { v4, v6 };
}

/** The gateway mode of a scenario (ovn-kubernetes' default: shared). */
export function gatewayModeOf(scenario: Scenario): 'shared' | 'local' {
  return scenario.ovn?.gatewayMode ?? 'shared';
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
  const join4 = cidrHost(mustParseCidr(JOIN_SUBNET_V4), nodeId);
  const join6 = dualStackTransit ? cidrHost(mustParseCidr(JOIN_SUBNET_V6), nodeId) : undefined;
  const nodeIp = mustParseIp(n.nodeIP);
  const nodeNet = mustParseCidr(`${formatIp(nodeIp)}/${NODE_NETWORK_PREFIX}`);
  const ipBytes = formatIp(nodeIp).split('.').map((x) => Number(x).toString(16).padStart(2, '0'));
  return {
    chassisId: chassisId(n.name),
    joinV4: formatIp(join4),
    joinV6: join6 && formatIp(join6),
    rtojGrMac: macFromIp(join4),
    rtojGrNetworks: [`${formatIp(join4)}/16`, ...(join6 ? [`${formatIp(join6)}/64`] : [])],
    nodeCidr: `${formatIp(nodeIp)}/${NODE_NETWORK_PREFIX}`,
    nodeGateway: formatIp(cidrHost(nodeNet, 1)),
    externalMac: `02:42:${ipBytes.join(':')}`,
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
