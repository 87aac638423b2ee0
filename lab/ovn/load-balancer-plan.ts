/**
 * Kubernetes Services → OVN Load_Balancer rows, the way ovn-kubernetes' services controller builds
 * cluster-wide ClusterIP load balancers: one per service and protocol, named
 * `Service_<ns>/<name>_<PROTO>_cluster`, with both address families' VIPs in the same row.
 */
import { formatIp, mustParseIp } from '../scenario/ip-address.js';
import { matchesMap } from '../scenario/label-selector.js';
import type { Scenario, ScenarioPod, ScenarioService, ScenarioServicePort } from '../scenario/scenario-types.js';
import type { DbCommand } from './ovn-plan-types.js';
import { atom, mapArgs } from './ovsdb-syntax.js';

/** One planned load balancer. */
export interface PlannedLoadBalancer {
  name: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** `vip:port` → `backend:port,backend:port` (IPv6 bracketed). */
  vips: Record<string, string>;
  externalIds: Record<string, string>;
  options: Record<string, string>;
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
      const vips: Record<string, string> = {};
      for (const vip of [svc.clusterIP, svc.clusterIPv6].filter((v): v is string => !!v)) {
        const family = mustParseIp(vip).family;
        for (const port of ports) {
          const backends: string[] = [];
          for (const pod of endpoints) {
            const ip = family === 4 ? pod.ip : pod.ipv6;
            const target = resolveTargetPort(port, pod);
            if (ip && target !== undefined) backends.push(hostPort(ip, target));
          }
          vips[hostPort(vip, port.port)] = backends.join(',');
        }
      }
      out.push({
        name: `Service_${svc.namespace}/${svc.name}_${proto}_cluster`,
        protocol: proto.toLowerCase() as PlannedLoadBalancer['protocol'],
        vips,
        externalIds: { 'k8s.ovn.org/kind': 'Service', 'k8s.ovn.org/owner': `${svc.namespace}/${svc.name}` },
        // The options ovn-kubernetes sets on ClusterIP load balancers; reject=true makes a VIP
        // without endpoints answer with a reject instead of silently dropping.
        options: { event: 'false', reject: 'true', skip_snat: 'false', neighbor_responder: 'none', hairpin_snat_ip: '169.254.0.5 fd69::5' },
      });
    }
  }
  return out;
}

/** Commands creating the load balancers and attaching each to every given logical switch. */
export function loadBalancerCommands(lbs: PlannedLoadBalancer[], switches: string[]): DbCommand[] {
  const cmds: DbCommand[] = [];
  lbs.forEach((lb, i) => {
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
    for (const sw of switches) cmds.push(['add', 'Logical_Switch', sw, 'load_balancer', id]);
  });
  return cmds;
}
