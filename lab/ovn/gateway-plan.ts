/**
 * Pure planner of ovn-kubernetes' gateway topology for one zone (go-controller/pkg/ovn/gateway.go
 * `GatewayInit`/`addExternalSwitch`, pkg/ovn/topology/topologyfactory.go `NewJoinSwitch`,
 * pkg/ovn/zone_interconnect `addRemoteNodeStaticRoutes`, pkg/ovn/gatewayrouter):
 *
 * - the join switch `join` with `jtor-ovn_cluster_router` ↔ `rtoj-ovn_cluster_router`
 *   (100.64.0.1/16) and per local node `jtor-GR_<node>` ↔ `rtoj-GR_<node>` (100.64.0.<node id>/16,
 *   MAC `0a:58:` + that address, `gateway_mtu`);
 * - per local node the gateway router `GR_<node>` (options chassis=<chassis id>,
 *   lb_force_snat_ip=router_ip, snat-ct-zone=0, ...; external_ids physical_ip(s)), the external
 *   switch `ext_<node>` with `etor-GR_<node>` ↔ `rtoe-GR_<node>` (node IP, breth0 MAC) and the
 *   localnet port `breth0_<node>` (network_name physnet);
 * - GR routes: cluster subnets via rtoj-ovn_cluster_router, the masquerade subnet via the dummy next
 *   hop (with its static MAC binding), the default route via the node network's gateway;
 * - GR NAT: SNAT of the join address and of every cluster subnet to the node IP;
 * - ovn_cluster_router: a route to each GR's join address, and per local node a source-IP route of
 *   its pod subnet via its GR (shared mode) or its management port (local mode); in interconnect,
 *   routes to the remote GRs' join addresses via their transit addresses.
 */
import type { Scenario } from '../scenario/scenario-types.js';
import {
  CLUSTER_ROUTER,
  DUMMY_NEXT_HOP_V4,
  GATEWAY_MTU,
  JOIN_SWITCH,
  MASQUERADE_SUBNET_V4,
  PHYSICAL_NETWORK,
  clusterRouterJoin,
  clusterSubnets,
  etorName,
  externalSwitchName,
  gatewayModeOf,
  gatewayRouterName,
  jtorName,
  localnetPortName,
  rtoeName,
  rtojName,
  type NodeAddressing,
} from './ovn-names.js';
import type { DbCommand } from './ovn-plan-types.js';
import { mapArgs } from './ovsdb-syntax.js';

/** Commands building the join switch, the local gateway routers and the routes, for one zone. */
export function gatewayCommands(scenario: Scenario, local: NodeAddressing[], remote: NodeAddressing[], interconnect: boolean): DbCommand[] {
  const cmds: DbCommand[] = [];
  const dual = [...local, ...remote].some((n) => n.joinV6);
  const crJoin = clusterRouterJoin(dual);
  const shared = gatewayModeOf(scenario) === 'shared';
  const subnets = clusterSubnets(scenario);

  cmds.push(['ls-add', JOIN_SWITCH]);
  cmds.push(['lrp-add', CLUSTER_ROUTER, rtojName(CLUSTER_ROUTER), crJoin.mac, ...crJoin.networks]);
  cmds.push(...routerPatch(JOIN_SWITCH, jtorName(CLUSTER_ROUTER), rtojName(CLUSTER_ROUTER), ['router']));

  for (const n of local) {
    const gr = gatewayRouterName(n.name);
    cmds.push(['lr-add', gr]);
    cmds.push([
      'set',
      'Logical_Router',
      gr,
      ...mapArgs('options', {
        always_learn_from_arp_request: 'false',
        dynamic_neigh_routers: 'true',
        chassis: n.chassisId,
        lb_force_snat_ip: 'router_ip',
        mac_binding_age_threshold: '300',
        'snat-ct-zone': '0',
      }),
      ...mapArgs('external_ids', { physical_ip: n.nodeIP, physical_ips: n.nodeIP }),
    ]);
    // GR ↔ join switch; gateway_mtu makes northd check packet sizes towards the cluster (check_pkt_larger).
    cmds.push(['lrp-add', gr, rtojName(gr), n.rtojGrMac, ...n.rtojGrNetworks]);
    cmds.push(['set', 'Logical_Router_Port', rtojName(gr), ...mapArgs('options', { gateway_mtu: String(GATEWAY_MTU) })]);
    cmds.push(...routerPatch(JOIN_SWITCH, jtorName(gr), rtojName(gr), ['router']));
    // GR ↔ external switch ↔ provider bridge.
    const ext = externalSwitchName(n.name);
    cmds.push(['lrp-add', gr, rtoeName(n.name), n.externalMac, n.nodeCidr]);
    cmds.push(['set', 'Logical_Router_Port', rtoeName(n.name), ...mapArgs('external_ids', { 'gateway-physical-ip': 'yes' })]);
    cmds.push(['ls-add', ext]);
    cmds.push(['lsp-add', ext, localnetPortName(n.name)]);
    cmds.push(['lsp-set-type', localnetPortName(n.name), 'localnet']);
    cmds.push(['lsp-set-addresses', localnetPortName(n.name), 'unknown']);
    cmds.push(['lsp-set-options', localnetPortName(n.name), `network_name=${PHYSICAL_NETWORK}`]);
    cmds.push(...routerPatch(ext, etorName(n.name), rtoeName(n.name), [n.externalMac]));
    cmds.push(['lsp-set-options', etorName(n.name), `router-port=${rtoeName(n.name)}`, 'nat-addresses=router', 'exclude-lb-vips-from-garp=true']);

    // GR routes: the cluster back through ovn_cluster_router, the masquerade return route, the world.
    for (const s of subnets.v4) cmds.push(['lr-route-add', gr, s, crJoin.v4]);
    if (crJoin.v6) for (const s of subnets.v6) cmds.push(['lr-route-add', gr, s, crJoin.v6]);
    cmds.push(['lr-route-add', gr, MASQUERADE_SUBNET_V4, DUMMY_NEXT_HOP_V4, rtoeName(n.name)]);
    cmds.push(['static-mac-binding-add', rtoeName(n.name), DUMMY_NEXT_HOP_V4, n.externalMac]);
    // The lab's nodes are IPv4-only (no node IPv6 address): no IPv6 default route or SNAT, as on
    // an ovn-kubernetes node without an IPv6 gateway.
    cmds.push(['lr-route-add', gr, '0.0.0.0/0', n.nodeGateway, rtoeName(n.name)]);

    // GR NAT: the join address (ICMP needs-frag return) and every cluster subnet to the node IP.
    cmds.push(['lr-nat-add', gr, 'snat', n.nodeIP, n.joinV4]);
    for (const s of subnets.v4) cmds.push(['lr-nat-add', gr, 'snat', n.nodeIP, s]);

    // ovn_cluster_router: the GR's join address, and where this node's pods leave the cluster.
    cmds.push(['lr-route-add', CLUSTER_ROUTER, n.joinV4, n.joinV4]);
    if (n.joinV6) cmds.push(['lr-route-add', CLUSTER_ROUTER, n.joinV6, n.joinV6]);
    const via4 = shared ? n.joinV4 : n.mgmtV4;
    cmds.push(['--policy=src-ip', 'lr-route-add', CLUSTER_ROUTER, n.subnetV4, via4]);
    if (n.subnetV6) {
      const via6 = shared ? n.joinV6 : n.mgmtV6;
      if (via6) cmds.push(['--policy=src-ip', 'lr-route-add', CLUSTER_ROUTER, n.subnetV6, via6]);
    }
    // Both modes: traffic from the node's pods to its own node IP goes to the host (NodeSubnetPolicyPriority).
    cmds.push(['lr-policy-add', CLUSTER_ROUTER, '1004', `inport == "rtos-${n.name}" && ip4.dst == ${n.nodeIP} /* ${n.name} */`, 'reroute', n.mgmtV4]);
  }
  if (interconnect) {
    for (const r of remote) {
      cmds.push(['lr-route-add', CLUSTER_ROUTER, r.joinV4, r.transitV4]);
      if (r.joinV6 && r.transitV6) cmds.push(['lr-route-add', CLUSTER_ROUTER, r.joinV6, r.transitV6]);
    }
  }
  return cmds;
}

/** docker's MAC for an address on its bridge network: `02:42:` + the IPv4 bytes. */
function externalMacOf(ip: string): string {
  return `02:42:${ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':')}`;
}

/** A neighbour a running gateway router has learned by ARP (an SB MAC_Binding row). */
export interface LearnedMacBinding {
  /** The router whose datapath the binding belongs to. */
  router: string;
  port: string;
  ip: string;
  mac: string;
}

/**
 * The MAC bindings the local gateway routers of a zone hold after traffic has flowed: the node
 * network's gateway and every other node's breth0 (docker's `02:42:` + IP MACs), and
 * ovn_cluster_router's join port (dynamic_neigh_routers=true: a GR learns its router neighbours on
 * the join switch by ARP instead of northd's static entries). ovn-controller
 * writes them when the ARP replies arrive; the dummy datapath answers no ARP, so the lab writes
 * them (ovn-trace resolves next hops from MAC_Binding only).
 */
export function learnedMacBindings(local: NodeAddressing[], remote: NodeAddressing[]): LearnedMacBinding[] {
  const out: LearnedMacBinding[] = [];
  for (const n of local) {
    const router = gatewayRouterName(n.name);
    out.push({ router, port: rtoeName(n.name), ip: n.nodeGateway, mac: externalMacOf(n.nodeGateway) });
    const crJoin = clusterRouterJoin(n.joinV6 !== undefined);
    out.push({ router, port: rtojName(router), ip: crJoin.v4, mac: crJoin.mac });
    if (crJoin.v6) out.push({ router, port: rtojName(router), ip: crJoin.v6, mac: crJoin.mac });
    for (const other of [...local, ...remote]) if (other.name !== n.name) out.push({ router, port: rtoeName(n.name), ip: other.nodeIP, mac: other.externalMac });
  }
  return out;
}

/** A switch port of type router patched to a router port. */
function routerPatch(sw: string, lsp: string, lrp: string, addresses: string[]): DbCommand[] {
  return [
    ['lsp-add', sw, lsp],
    ['lsp-set-type', lsp, 'router'],
    ['lsp-set-addresses', lsp, ...addresses],
    ['lsp-set-options', lsp, `router-port=${lrp}`],
  ];
}
