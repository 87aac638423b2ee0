/**
 * Pure planner: scenario → OVN NB contents per zone and OVS contents per node, laid out like an
 * ovn-kubernetes cluster (shared gateway mode by default, local gateway mode as an option).
 *
 * Per zone NB (interconnect: one zone per node, named after it; central: one zone `global`):
 * - a switch per node (`<node>`) with pod LSPs `<ns>_<pod>`, the management LSP `k8s-<node>`
 *   and `stor-<node>` patched to `rtos-<node>` on `ovn_cluster_router`;
 * - interconnect only: `transit_switch` with `tstor-<local>` (type router ↔ `rtots-<local>`) and
 *   `tstor-<other>` (type remote, requested-chassis=<other>), and static routes to the other nodes'
 *   pod subnets via their transit IPs;
 * - the gateway topology (see gateway-plan.ts): join switch, `GR_<node>`, `ext_<node>` with its
 *   localnet port, SNAT, routes; in shared mode pod egress goes through the GR, in local mode
 *   through the management port; both route traffic to the node's own IP to `k8s-<node>`
 *   (priority-1004 policy);
 * - Service load balancers (cluster-wide in clusterLBGroup, NodePort per node on its switch and
 *   GR), NetworkPolicy port groups/ACLs/address sets.
 *
 * Per node OVS: br-int with the pod and management ports, and the provider bridge breth0 (uplink
 * `eth0`) mapped as `physnet` (ovn-bridge-mappings), so ovn-controller patches the localnet port.
 */
import type { Scenario, ScenarioPod } from '../scenario/scenario-types.js';
import { gatewayCommands, learnedMacBindings } from './gateway-plan.js';
import { loadBalancerCommands, planLoadBalancers } from './load-balancer-plan.js';
import { networkPolicyCommands, nodeAllowAcl, aclCreateCommand, planNetworkPolicies } from './network-policy-plan.js';
import {
  CLUSTER_ROUTER,
  EXTERNAL_BRIDGE,
  EXTERNAL_UPLINK_PORT,
  GLOBAL_ZONE,
  PHYSICAL_NETWORK,
  etorName,
  gatewayRouterName,
  MGMT_OVS_PORT,
  TRANSIT_SWITCH,
  TRANSIT_SWITCH_TUNNEL_KEY,
  mgmtLspName,
  nodeAddressing,
  podIps,
  podLspAddress,
  podLspName,
  podMac,
  podOvsPortName,
  rtosName,
  rtotsName,
  storName,
  tstorName,
  type NodeAddressing,
} from './ovn-names.js';
import type { DbCommand, NodePlan, OvnClusterPlan, ZonePlan } from './ovn-plan-types.js';
import { atom, mapArgs } from './ovsdb-syntax.js';

/** Plans the whole cluster for a validated scenario. */
export function planOvnCluster(scenario: Scenario): OvnClusterPlan {
  const mode = scenario.ovn?.mode ?? 'interconnect';
  const addressing = nodeAddressing(scenario);
  const zoneOf = (node: string): string => (mode === 'interconnect' ? node : GLOBAL_ZONE);
  const zoneNames = mode === 'interconnect' ? scenario.nodes.map((n) => n.name) : [GLOBAL_ZONE];
  const zones = zoneNames.map((zone) =>
    planZone(
      scenario,
      zone,
      addressing.filter((a) => zoneOf(a.name) === zone),
      addressing.filter((a) => zoneOf(a.name) !== zone),
      mode === 'interconnect',
    ),
  );
  const nodes = addressing.map((a) => planNode(scenario, a, zoneOf(a.name), mode === 'interconnect'));
  return { mode, zones, nodes };
}

function podsOn(scenario: Scenario, node: string): ScenarioPod[] {
  return scenario.pods.filter((p) => p.node === node && !p.hostNetwork);
}

function planZone(scenario: Scenario, zone: string, local: NodeAddressing[], remote: NodeAddressing[], interconnect: boolean): ZonePlan {
  const topo: DbCommand[] = [];
  topo.push(['set', 'NB_Global', '.', `name=${atom(zone)}`]);
  topo.push(['lr-add', CLUSTER_ROUTER]);
  topo.push(['set', 'Logical_Router', CLUSTER_ROUTER, ...mapArgs('external_ids', { 'k8s-cluster-router': 'yes' })]);
  for (const n of local) {
    // Addresses are all static; exclude_ips for the management IP would only make northd's IPAM
    // warn about the k8s-<node> port using it.
    const otherConfig: Record<string, string> = { subnet: n.subnetV4 };
    if (n.subnetV6) otherConfig.ipv6_prefix = n.subnetV6.split('/')[0]!;
    topo.push(['ls-add', n.name]);
    topo.push(['set', 'Logical_Switch', n.name, ...mapArgs('other_config', otherConfig)]);
    for (const pod of podsOn(scenario, n.name)) {
      const lsp = podLspName(pod.namespace, pod.name);
      const addr = podLspAddress(pod);
      topo.push(['lsp-add', n.name, lsp]);
      topo.push(['lsp-set-addresses', lsp, addr]);
      topo.push(['lsp-set-port-security', lsp, addr]);
      topo.push([
        'set',
        'Logical_Switch_Port',
        lsp,
        ...mapArgs('external_ids', { namespace: pod.namespace, pod: 'true' }),
        ...mapArgs('options', { 'requested-chassis': n.name }),
      ]);
    }
    const mgmt = mgmtLspName(n.name);
    topo.push(['lsp-add', n.name, mgmt]);
    topo.push(['lsp-set-addresses', mgmt, [n.mgmtMac, n.mgmtV4, ...(n.mgmtV6 ? [n.mgmtV6] : [])].join(' ')]);
    topo.push(['lrp-add', CLUSTER_ROUTER, rtosName(n.name), n.rtosMac, ...n.rtosNetworks]);
    topo.push(['lsp-add', n.name, storName(n.name)]);
    topo.push(['lsp-set-type', storName(n.name), 'router']);
    topo.push(['lsp-set-addresses', storName(n.name), 'router']);
    topo.push(['lsp-set-options', storName(n.name), `router-port=${rtosName(n.name)}`]);
  }
  if (interconnect) {
    topo.push(['ls-add', TRANSIT_SWITCH]);
    topo.push([
      'set',
      'Logical_Switch',
      TRANSIT_SWITCH,
      ...mapArgs('other_config', { 'interconn-ts': TRANSIT_SWITCH, 'requested-tnl-key': String(TRANSIT_SWITCH_TUNNEL_KEY), mcast_snoop: 'true', mcast_querier: 'false', mcast_flood_unregistered: 'true' }),
    ]);
    for (const n of local) {
      topo.push(['lrp-add', CLUSTER_ROUTER, rtotsName(n.name), n.rtotsMac, ...n.rtotsNetworks]);
      topo.push(['lsp-add', TRANSIT_SWITCH, tstorName(n.name)]);
      topo.push(['lsp-set-type', tstorName(n.name), 'router']);
      topo.push(['lsp-set-addresses', tstorName(n.name), 'router']);
      topo.push(['lsp-set-options', tstorName(n.name), `router-port=${rtotsName(n.name)}`, `requested-tnl-key=${n.nodeId}`]);
    }
    for (const r of remote) {
      topo.push(['lsp-add', TRANSIT_SWITCH, tstorName(r.name)]);
      topo.push(['lsp-set-type', tstorName(r.name), 'remote']);
      topo.push(['lsp-set-addresses', tstorName(r.name), [r.rtotsMac, ...r.rtotsNetworks].join(' ')]);
      // ovn-kubernetes names the node (its hostname) as requested-chassis of remote ports.
      topo.push(['lsp-set-options', tstorName(r.name), `requested-chassis=${r.name}`, `requested-tnl-key=${r.nodeId}`]);
      topo.push(['lr-route-add', CLUSTER_ROUTER, r.subnetV4, r.transitV4]);
      if (r.subnetV6 && r.transitV6) topo.push(['lr-route-add', CLUSTER_ROUTER, r.subnetV6, r.transitV6]);
    }
  }

  topo.push(...gatewayCommands(scenario, local, remote, interconnect));

  // Management-port allow ACLs on each node switch, then services and policies.
  const extra: DbCommand[] = [];
  local.forEach((n, i) => {
    for (const [j, ip] of [n.mgmtV4, n.mgmtV6].filter((x): x is string => !!x).entries()) {
      const id = `@nodeacl${i}_${j}`;
      extra.push(aclCreateCommand(nodeAllowAcl(n.name, ip), id));
      extra.push(['add', 'Logical_Switch', n.name, 'acls', id]);
    }
  });
  extra.push(...loadBalancerCommands(planLoadBalancers(scenario), local.map((n) => ({ node: n.name, switch: n.name, router: gatewayRouterName(n.name) }))));
  const localNames = new Set(local.map((n) => n.name));
  const policies = networkPolicyCommands(planNetworkPolicies(scenario, (p) => localNames.has(p.node)));

  return {
    name: zone,
    nodes: local.map((n) => n.name),
    nbTransactions: [topo, extra, ...(policies.length > 0 ? [policies] : [])],
    macBindings: learnedMacBindings(local, remote),
    remoteChassis: interconnect ? remote.map((r) => ({ name: r.chassisId, hostname: r.name, encapIp: r.nodeIP })) : [],
    remotePortBindings: interconnect ? remote.map((r) => ({ port: tstorName(r.name), chassis: r.chassisId })) : [],
  };
}

function planNode(scenario: Scenario, a: NodeAddressing, zone: string, interconnect: boolean): NodePlan {
  const pods = podsOn(scenario, a.name);
  const ports = [
    { name: MGMT_OVS_PORT, ifaceId: mgmtLspName(a.name), mac: a.mgmtMac, ips: [a.mgmtV4, ...(a.mgmtV6 ? [a.mgmtV6] : [])] },
    ...pods.map((p) => ({
      name: podOvsPortName(p.namespace, p.name),
      ifaceId: podLspName(p.namespace, p.name),
      mac: podMac(p),
      ips: podIps(p),
      pod: { namespace: p.namespace, name: p.name },
    })),
  ];
  const chassisExternalIds: Record<string, string> = {
    'system-id': a.chassisId,
    hostname: a.name,
    'ovn-encap-type': 'geneve',
    'ovn-encap-ip': a.nodeIP,
    'ovn-bridge': 'br-int',
    'ovn-bridge-mappings': `${PHYSICAL_NETWORK}:${EXTERNAL_BRIDGE}`,
  };
  // In interconnect mode every node is its own zone's gateway to the others: ovn-controller only
  // builds tunnels to `is-remote` chassis when the local chassis is an interconnect chassis.
  if (interconnect) chassisExternalIds['ovn-is-interconn'] = 'true';
  return {
    name: a.name,
    zone,
    nodeIP: a.nodeIP,
    nodeId: a.nodeId,
    chassisId: a.chassisId,
    chassisExternalIds,
    ports,
    externalBridge: { name: EXTERNAL_BRIDGE, uplink: EXTERNAL_UPLINK_PORT, mac: a.externalMac },
    // The gateway router's l3gateway ports are claimed by this chassis once it runs the GR.
    expectedBindings: [...ports.map((p) => p.ifaceId), etorName(a.name)],
  };
}
