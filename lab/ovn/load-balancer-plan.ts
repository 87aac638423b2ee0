/**
 * Kubernetes Services → OVN Load_Balancer rows, the way ovn-kubernetes' services controller
 * (pkg/ovn/controller/services/lb_config.go) builds them:
 * - cluster-wide: one per service and protocol, `Service_<ns>/<name>_<PROTO>_cluster`, with the
 *   ClusterIPs and externalIPs of both families, in the `clusterLBGroup` load balancer group (every
 *   node switch and gateway router);
 * - NodePort: per node and protocol `Service_<ns>/<name>_<PROTO>_node_router+switch_<node>` with
 *   VIP `<node IP>:<nodePort>`, on that node's switch and gateway router (`buildPerNodeLBs`; the
 *   switch and router rules are the same for pod endpoints with externalTrafficPolicy Cluster).
 *   ovn-kubernetes uses load balancer templates for such plain NodePorts when templates are
 *   enabled; the per-node form is what it writes without them (and for ETP=Local).
 */
import { formatIp, mustParseIp } from '../scenario/ip-address.js';
import { matchesMap } from '../scenario/label-selector.js';
import type { Scenario, ScenarioPod, ScenarioService, ScenarioServicePort } from '../scenario/scenario-types.js';
import type { DbCommand } from './ovn-plan-types.js';
import { atom, mapArgs } from './ovsdb-syntax.js';
import { CLUSTER_LB_GROUP, CLUSTER_ROUTER_LB_GROUP, CLUSTER_SWITCH_LB_GROUP } from './ovn-names.js';

/** One planned load balancer. */
export interface PlannedLoadBalancer {
  name: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** `vip:port` → `backend:port,backend:port` (IPv6 bracketed). */
  vips: Record<string, string>;
  externalIds: Record<string, string>;
  options: Record<string, string>;
  /** `cluster`: attached through clusterLBGroup; a node name: on that node's switch and GR. */
  scope: 'cluster' | { node: string };
}

/** `ip:port`, bracketing IPv6 addresses like OVN expects. */
export function hostPort(ip: string, port: number): string {
  const parsed = mustParseIp(ip);
  return parsed.family === 6 ? `[${formatIp(parsed)}]:${port}` : `${formatIp(parsed)}:${port}`;
}

/** Resolves a service port's targetPort on one endpoint pod (named ports via its container ports). */
export function resolveTargetPort(port: ScenarioServicePort, pod: ScenarioPod): number | undefined {
  const proto = port.protocol ?? 'TCP';
  if (port.targetPort === undefined) return port.port;
  if (typeof port.targetPort === 'number') return port.targetPort;
  const cp = (pod.ports ?? []).find((p) => p.name === port.targetPort && (p.protocol ?? 'TCP') === proto);
  return cp?.containerPort;
}

/** Ready endpoint pods of a service (ovn-kubernetes only load-balances to ready endpoints). */
export function serviceEndpoints(scenario: Scenario, svc: ScenarioService): ScenarioPod[] {
  return scenario.pods.filter((p) => p.namespace === svc.namespace && p.ready !== false && matchesMap(svc.selector, p.labels));
}

/** The options ovn-kubernetes sets on service load balancers (lbOpts: reject when no endpoints). */
const LB_OPTIONS = { event: 'false', reject: 'true', skip_snat: 'false', neighbor_responder: 'none', hairpin_snat_ip: '169.254.0.5 fd69::5' };

/** Plans the load balancers of every service in the scenario. */
export function planLoadBalancers(scenario: Scenario): PlannedLoadBalancer[] {
  const out: PlannedLoadBalancer[] = [];
  for (const svc of scenario.services ?? []) {
    const endpoints = serviceEndpoints(scenario, svc);
    const byProto = new Map<string, ScenarioServicePort[]>();
    for (const p of svc.ports) {
      const proto = p.protocol ?? 'TCP';
      byProto.set(proto, [...(byProto.get(proto) ?? []), p]);
    }
    for (const [proto, ports] of byProto) {
      const backendsOf = (port: ScenarioServicePort, family: 4 | 6): string => {
        const backends: string[] = [];
        for (const pod of endpoints) {
          const ip = family === 4 ? pod.ip : pod.ipv6;
          const target = resolveTargetPort(port, pod);
          if (ip && target !== undefined) backends.push(hostPort(ip, target));
        }
        return backends.join(',');
      };
      const vips: Record<string, string> = {};
      for (const vip of [svc.clusterIP, svc.clusterIPv6, ...(svc.externalIPs ?? [])].filter((v): v is string => !!v)) {
        const family = mustParseIp(vip).family;
        for (const port of ports) vips[hostPort(vip, port.port)] = backendsOf(port, family);
      }
      const protocol = proto.toLowerCase() as PlannedLoadBalancer['protocol'];
      const externalIds = { 'k8s.ovn.org/kind': 'Service', 'k8s.ovn.org/owner': `${svc.namespace}/${svc.name}` };
      out.push({ name: `Service_${svc.namespace}/${svc.name}_${proto}_cluster`, protocol, vips, externalIds, options: { ...LB_OPTIONS }, scope: 'cluster' });
      if (svc.type === 'NodePort') {
        for (const node of scenario.nodes) {
          const nodeVips: Record<string, string> = {};
          for (const port of ports) if (port.nodePort !== undefined) nodeVips[hostPort(node.nodeIP, port.nodePort)] = backendsOf(port, 4);
          out.push({ name: `Service_${svc.namespace}/${svc.name}_${proto}_node_router+switch_${node.name}`, protocol, vips: nodeVips, externalIds, options: { ...LB_OPTIONS }, scope: { node: node.name } });
        }
      }
    }
  }
  return out;
}

/**
 * Commands creating the zone's load balancer groups (clusterLBGroup on every local node switch and
 * gateway router, clusterSwitchLBGroup on the switches, clusterRouterLBGroup on the routers) and
 * its load balancers: cluster-wide ones in clusterLBGroup, per-node ones on their local node's
 * switch and gateway router (`routers` undefined: local gateway mode without routers is not a case
 * the lab builds, but a switch-only zone attaches cluster load balancers to the switches alone).
 */
export function loadBalancerCommands(lbs: PlannedLoadBalancer[], localNodes: Array<{ switch: string; router?: string; node: string }>): DbCommand[] {
  const cmds: DbCommand[] = [];
  const local = new Map(localNodes.map((n) => [n.node, n]));
  const clusterIds: string[] = [];
  lbs.forEach((lb, i) => {
    if (lb.scope !== 'cluster' && !local.has(lb.scope.node)) return;
    const id = `@lb${i}`;
    cmds.push([
      `--id=${id}`,
      'create',
      'Load_Balancer',
      `name=${atom(lb.name)}`,
      `protocol=${lb.protocol}`,
      ...mapArgs('vips', lb.vips),
      ...mapArgs('options', lb.options),
      ...mapArgs('external_ids', lb.externalIds),
    ]);
    if (lb.scope === 'cluster') clusterIds.push(id);
    else {
      const n = local.get(lb.scope.node)!;
      cmds.push(['add', 'Logical_Switch', n.switch, 'load_balancer', id]);
      if (n.router) cmds.push(['add', 'Logical_Router', n.router, 'load_balancer', id]);
    }
  });
  const routers = localNodes.flatMap((n) => (n.router ? [n.router] : []));
  const groups: Array<[string, string, string[], string[], string[]]> = [
    ['@lbg_cluster', CLUSTER_LB_GROUP, clusterIds, localNodes.map((n) => n.switch), routers],
    ['@lbg_switch', CLUSTER_SWITCH_LB_GROUP, [], localNodes.map((n) => n.switch), []],
    ['@lbg_router', CLUSTER_ROUTER_LB_GROUP, [], [], routers],
  ];
  for (const [id, name, members, switches, groupRouters] of groups) {
    cmds.push([`--id=${id}`, 'create', 'Load_Balancer_Group', `name=${atom(name)}`, ...(members.length ? [`load_balancer=[${members.join(',')}]`] : [])]);
    for (const sw of switches) cmds.push(['add', 'Logical_Switch', sw, 'load_balancer_group', id]);
    for (const r of groupRouters) cmds.push(['add', 'Logical_Router', r, 'load_balancer_group', id]);
  }
  return cmds;
}
