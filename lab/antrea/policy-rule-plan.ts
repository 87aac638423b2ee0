/**
 * Pure: the scenario's Kubernetes NetworkPolicies and Antrea-native NetworkPolicies as Antrea's
 * agent realises them — one rule per policy rule with a conjunction ID, the pods it applies to,
 * the peer addresses and the service ports — plus which pods are isolated by K8s policies
 * (default-deny). The pipeline planner turns these into per-node conjunction flows.
 */
import { matches } from '../scenario/label-selector.js';
import { ANTREA_TIERS } from '../scenario/antrea-scenario-validator.js';
import type { AntreaPolicyPeer, AntreaRuleAction, LabelSelector, NetworkPolicyPeer, NetworkPolicyPort, Scenario, ScenarioPod } from '../scenario/scenario-types.js';

/** `K8sNetworkPolicy` or `AntreaNetworkPolicy` (controlplane NetworkPolicyType strings). */
export type PolicyType = 'K8sNetworkPolicy' | 'AntreaNetworkPolicy';

/** One service port clause: protocol and, optionally, a destination port. */
export interface RulePort {
  protocol: 'tcp' | 'udp' | 'sctp';
  port?: number;
}

/** One realised policy rule. */
export interface PolicyRule {
  /** Conjunction ID (Antrea's rule ID), also the value Traceflow reads from reg3/reg5/reg6. */
  conjId: number;
  type: PolicyType;
  namespace: string;
  policyName: string;
  /** Rule name (`networkPolicyRule`); empty for K8s rules. */
  ruleName: string;
  direction: 'Ingress' | 'Egress';
  action: AntreaRuleAction;
  /** Pods the rule applies to. */
  appliedTo: ScenarioPod[];
  /** Peer IPs / CIDRs; undefined = any peer. */
  peers?: string[];
  /** Ports; undefined = any port. */
  ports?: RulePort[];
  /** OVS flow priority (ANP: by tier, policy priority and rule order; K8s: 200). */
  ovsPriority: number;
}

/** All rules and the K8s-isolated pods. */
export interface PolicyPlan {
  rules: PolicyRule[];
  /** Pods isolated for ingress / egress by some K8s NetworkPolicy (their default rule drops). */
  ingressIsolated: ScenarioPod[];
  egressIsolated: ScenarioPod[];
}

const podKey = (p: ScenarioPod) => `${p.namespace}/${p.name}`;

/** `K8sNetworkPolicy:ns/name` (controlplane `NetworkPolicyReference.ToString`). */
export function policyRef(rule: Pick<PolicyRule, 'type' | 'namespace' | 'policyName'>): string {
  return `${rule.type}:${rule.namespace}/${rule.policyName}`;
}

/** Plans every policy rule of the scenario. */
export function planPolicyRules(scenario: Scenario): PolicyPlan {
  const podsNet = scenario.pods.filter((p) => !p.hostNetwork && p.ip);
  const nsLabels = new Map<string, Record<string, string>>();
  for (const p of scenario.pods) nsLabels.set(p.namespace, { 'kubernetes.io/metadata.name': p.namespace });
  nsLabels.set('default', { 'kubernetes.io/metadata.name': 'default' });
  for (const ns of scenario.namespaces ?? []) nsLabels.set(ns.name, { ...ns.labels, 'kubernetes.io/metadata.name': ns.name });

  const peerAddresses = (peers: Array<NetworkPolicyPeer | AntreaPolicyPeer>, policyNs: string): string[] => {
    const out = new Set<string>();
    for (const peer of peers) {
      if (peer.ipBlock) {
        out.add(peer.ipBlock.cidr);
        continue;
      }
      const namespaces = peer.namespaceSelector ? [...nsLabels.entries()].filter(([, l]) => matches(peer.namespaceSelector!, l)).map(([n]) => n) : [policyNs];
      for (const p of podsNet) {
        if (!namespaces.includes(p.namespace)) continue;
        if (peer.podSelector && !matches(peer.podSelector, p.labels)) continue;
        out.add(p.ip!);
      }
    }
    return [...out];
  };
  const selectPods = (ns: string, sel: LabelSelector) => podsNet.filter((p) => p.namespace === ns && matches(sel, p.labels));

  const rules: PolicyRule[] = [];
  let nextId = 1;

  // Antrea-native policies first: they are evaluated before K8s policies (tables 12/23).
  const anps = [...(scenario.antreaNetworkPolicies ?? [])].sort(
    (a, b) =>
      (ANTREA_TIERS[(a.spec.tier ?? 'application').toLowerCase()] ?? 250) - (ANTREA_TIERS[(b.spec.tier ?? 'application').toLowerCase()] ?? 250) ||
      a.spec.priority - b.spec.priority ||
      `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  );
  let anpPriority = 44900;
  for (const np of anps) {
    const applied = uniquePods(np.spec.appliedTo.flatMap((a) => selectPods(np.namespace, a.podSelector)));
    for (const direction of ['Ingress', 'Egress'] as const) {
      const list = (direction === 'Ingress' ? np.spec.ingress : np.spec.egress) ?? [];
      list.forEach((r, i) => {
        const peers = direction === 'Ingress' ? r.from : r.to;
        rules.push({
          conjId: nextId++,
          type: 'AntreaNetworkPolicy',
          namespace: np.namespace,
          policyName: np.name,
          // Antrea names unnamed rules `<direction>-<index>`-style; the lab keeps them empty-safe.
          ruleName: r.name ?? `${direction.toLowerCase()}-${i}`,
          direction,
          action: r.action,
          appliedTo: applied,
          peers: peers && peers.length > 0 ? peerAddresses(peers, np.namespace) : undefined,
          ports: r.ports && r.ports.length > 0 ? expandPorts(r.ports.map((p) => ({ protocol: p.protocol, port: p.port, endPort: p.endPort })), []) : undefined,
          ovsPriority: anpPriority,
        });
        anpPriority -= 1;
      });
    }
  }

  const ingressIsolated = new Map<string, ScenarioPod>();
  const egressIsolated = new Map<string, ScenarioPod>();
  for (const np of scenario.networkPolicies ?? []) {
    const applied = selectPods(np.namespace, np.spec.podSelector);
    const types = np.spec.policyTypes ?? ['Ingress', ...(np.spec.egress && np.spec.egress.length > 0 ? ['Egress' as const] : [])];
    for (const direction of ['Ingress', 'Egress'] as const) {
      if (!types.includes(direction)) continue;
      for (const p of applied) (direction === 'Ingress' ? ingressIsolated : egressIsolated).set(podKey(p), p);
      const list = (direction === 'Ingress' ? np.spec.ingress : np.spec.egress) ?? [];
      for (const r of list) {
        const peers = direction === 'Ingress' ? (r as { from?: NetworkPolicyPeer[] }).from : (r as { to?: NetworkPolicyPeer[] }).to;
        // Named ports resolve against the pods that own them: the applied pods for ingress,
        // every pod for egress.
        const portOwners = direction === 'Ingress' ? applied : podsNet;
        rules.push({
          conjId: nextId++,
          type: 'K8sNetworkPolicy',
          namespace: np.namespace,
          policyName: np.name,
          ruleName: '',
          direction,
          action: 'Allow',
          appliedTo: applied,
          peers: peers && peers.length > 0 ? peerAddresses(peers, np.namespace) : undefined,
          ports: r.ports && r.ports.length > 0 ? expandPorts(r.ports, portOwners) : undefined,
          ovsPriority: 200,
        });
      }
    }
  }
  return { rules, ingressIsolated: [...ingressIsolated.values()], egressIsolated: [...egressIsolated.values()] };
}

function uniquePods(pods: ScenarioPod[]): ScenarioPod[] {
  return [...new Map(pods.map((p) => [podKey(p), p])).values()];
}

/** Port entries → protocol/port clauses (named ports resolved, small ranges enumerated). */
function expandPorts(ports: NetworkPolicyPort[], owners: ScenarioPod[]): RulePort[] {
  const out = new Map<string, RulePort>();
  for (const p of ports) {
    const protocol = (p.protocol ?? 'TCP').toLowerCase() as RulePort['protocol'];
    if (p.port === undefined) {
      out.set(protocol, { protocol });
      continue;
    }
    let numbers: number[];
    if (typeof p.port === 'string') {
      numbers = owners.flatMap((o) => (o.ports ?? []).filter((cp) => cp.name === p.port && (cp.protocol ?? 'TCP').toLowerCase() === protocol).map((cp) => cp.containerPort));
    } else if (p.endPort !== undefined) {
      numbers = [];
      for (let n = p.port; n <= Math.min(p.endPort, p.port + 255); n++) numbers.push(n);
    } else numbers = [p.port];
    for (const n of numbers) out.set(`${protocol}/${n}`, { protocol, port: n });
  }
  return [...out.values()];
}
