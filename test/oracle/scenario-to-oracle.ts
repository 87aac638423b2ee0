/**
 * Reads a lab scenario as the Kubernetes API objects it stands for, in the oracle's own terms
 * (namespaces, pods with IPs and container ports, NetworkPolicies, Antrea-native policies), and
 * answers which backends and target port a Service connection reaches — per the Service API: a
 * numeric targetPort is used as is, a named one resolves per backend pod (a pod without that
 * port name is no endpoint of the port). Type-only imports from the lab: no lab code runs here.
 */
import type { Scenario, ScenarioService } from '../../lab/scenario/scenario-types.js';
import type { OracleAntreaCluster } from './antrea-policy-evaluator.js';
import type { OraclePod } from './netpol-evaluator.js';

/** The scenario's cluster objects for the evaluators. */
export function scenarioToOracleCluster(s: Scenario): OracleAntreaCluster {
  return {
    namespaces: [{ name: 'default' }, ...(s.namespaces ?? []).filter((n) => n.name !== 'default').map((n) => ({ name: n.name, ...(n.labels ? { labels: n.labels } : {}) }))],
    pods: s.pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      ...(p.labels ? { labels: p.labels } : {}),
      ips: [p.ip, p.ipv6].filter((x): x is string => typeof x === 'string'),
      ...(p.ports ? { ports: p.ports } : {}),
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
    })),
    networkPolicies: (s.networkPolicies ?? []).map((np) => ({ namespace: np.namespace, name: np.name, spec: np.spec })),
    antreaPolicies: (s.antreaNetworkPolicies ?? []).map((ap) => ({ namespace: ap.namespace, name: ap.name, spec: ap.spec })),
  };
}

/** A Service endpoint: the backend pod and the port the packet reaches it on. */
export interface ServiceBackend {
  pod: OraclePod;
  port: number;
}

/** The ready backends of one Service port (`port`/`protocol` as the client uses them). */
export function serviceBackends(cluster: OracleAntreaCluster, svc: ScenarioService, port: number, protocol: 'TCP' | 'UDP' | 'SCTP', scenario: Scenario): ServiceBackend[] {
  const sp = svc.ports.find((p) => p.port === port && (p.protocol ?? 'TCP') === protocol);
  if (!sp) return [];
  const out: ServiceBackend[] = [];
  for (const raw of scenario.pods) {
    if (raw.namespace !== svc.namespace || raw.ready === false) continue;
    if (!Object.entries(svc.selector).every(([k, v]) => raw.labels?.[k] === v)) continue;
    const pod = cluster.pods.find((p) => p.namespace === raw.namespace && p.name === raw.name)!;
    const target = sp.targetPort ?? sp.port;
    if (typeof target === 'number') out.push({ pod, port: target });
    else {
      const cp = (raw.ports ?? []).find((c) => c.name === target && (c.protocol ?? 'TCP') === protocol);
      if (cp) out.push({ pod, port: cp.containerPort });
    }
  }
  return out;
}
