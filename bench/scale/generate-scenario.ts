/**
 * Generates lab scenarios of a given size: nodes, namespaces, pods spread over the nodes,
 * NetworkPolicies (default-deny per namespace plus allow rules with namespace and pod selectors
 * and ports, so the NB gets many ACLs and port groups) and ClusterIP Services (many load
 * balancers). Deterministic: the same sizes give the same scenario.
 */
import type { Scenario, ScenarioNetworkPolicy, ScenarioPod, ScenarioService } from '../../lab/scenario/scenario-types.js';

/** Sizes of a generated scenario. */
export interface ScenarioSize {
  name: string;
  nodes: number;
  pods: number;
  namespaces: number;
  networkPolicies: number;
  services: number;
  /** Pod subnet prefix per node (default 24; 22 fits up to 1,000 pods on one node). */
  subnetPrefix?: number;
}

/** The scale scenario: 200 pods over 4 nodes, 50 NetworkPolicies, 30 Services. */
export const SCALE_SIZE: ScenarioSize = { name: 'bench-scale', nodes: 4, pods: 200, namespaces: 10, networkPolicies: 50, services: 30 };

/** Name of the i-th node (the first two keep the default scenario's names). */
export function nodeName(i: number): string {
  return i === 0 ? 'ovn-worker' : `ovn-worker${i + 1}`;
}

/** How many distinct app labels each namespace has: one per Service placed in it. */
function appsPerNamespace(size: ScenarioSize): number {
  return Math.max(1, Math.ceil(size.services / size.namespaces));
}

/** Pod i's name, namespace and app label. */
export function podIdentity(size: ScenarioSize, i: number): { name: string; namespace: string; app: string } {
  const ns = `team-${i % size.namespaces}`;
  return { name: `pod-${i}`, namespace: ns, app: `app-${Math.floor(i / size.namespaces) % appsPerNamespace(size)}` };
}

/** IPv4 address of the n-th host of a node's subnet 10.<128+node>.0.0/prefix, starting at .10. */
function podIp(node: number, n: number): string {
  const host = 10 + n;
  return `10.${128 + node}.${host >> 8}.${host & 255}`;
}

/** Builds the scenario. Pods go round-robin over nodes; pod i is in namespace team-(i mod namespaces). */
export function generateScenario(size: ScenarioSize): Scenario {
  const prefix = size.subnetPrefix ?? 24;
  const capacity = 2 ** (32 - prefix) - 12;
  const perNode = Math.ceil(size.pods / size.nodes);
  if (perNode > capacity) throw new Error(`${perNode} pods per node do not fit a /${prefix} subnet`);
  const nodes = Array.from({ length: size.nodes }, (_, i) => ({ name: nodeName(i), podSubnet: `10.${128 + i}.0.0/${prefix}`, nodeIP: `172.18.0.${2 + i}` }));
  const namespaces = Array.from({ length: size.namespaces }, (_, i) => ({ name: `team-${i}`, labels: { team: `team-${i}`, tier: i % 2 ? 'backend' : 'frontend' } }));
  const used = new Array<number>(size.nodes).fill(0);
  const pods: ScenarioPod[] = Array.from({ length: size.pods }, (_, i) => {
    const node = i % size.nodes;
    const id = podIdentity(size, i);
    return {
      name: id.name,
      namespace: id.namespace,
      node: nodeName(node),
      labels: { app: id.app, role: i % 3 === 0 ? 'db' : 'web' },
      ip: podIp(node, used[node]!++),
      ports: [{ name: 'http', containerPort: 8080 }],
    };
  });
  // Service i lives in namespace i mod namespaces and selects one of that namespace's app labels.
  const services: ScenarioService[] = Array.from({ length: size.services }, (_, i) => ({
    name: `svc-${i}`,
    namespace: `team-${i % size.namespaces}`,
    clusterIP: `10.96.${1 + (i >> 8)}.${i & 255}`,
    selector: { app: `app-${Math.floor(i / size.namespaces) % appsPerNamespace(size)}` },
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'alt', port: 8443, targetPort: 8080, protocol: 'TCP' },
    ],
  }));
  const policies: ScenarioNetworkPolicy[] = [];
  for (let i = 0; i < size.networkPolicies; i++) {
    const ns = `team-${i % size.namespaces}`;
    const kind = Math.floor(i / size.namespaces) % 4;
    if (kind === 0) {
      policies.push({ name: `default-deny-${i}`, namespace: ns, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    } else if (kind === 1) {
      policies.push({
        name: `allow-same-tier-${i}`,
        namespace: ns,
        spec: {
          podSelector: { matchLabels: { role: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
        },
      });
    } else if (kind === 2) {
      policies.push({
        name: `allow-db-${i}`,
        namespace: ns,
        spec: {
          podSelector: { matchLabels: { role: 'db' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { role: 'web' } } }], ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'TCP', port: 8080 }] }],
        },
      });
    } else {
      policies.push({
        name: `egress-limit-${i}`,
        namespace: ns,
        spec: {
          podSelector: { matchLabels: { role: 'db' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '10.128.0.0/9', except: ['10.200.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'UDP', port: 53 }] }],
        },
      });
    }
  }
  return { name: size.name, flavour: 'ovn-kubernetes', ovn: { mode: 'interconnect' }, nodes, namespaces, pods, services, networkPolicies: policies };
}
