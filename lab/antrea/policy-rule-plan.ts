/**
 * Pure: the scenario's Kubernetes NetworkPolicies and Antrea-native NetworkPolicies as Antrea's
 * agent realises them — OpenFlow rules with a conjunction ID each, the pods they apply to, the
 * peer addresses and the service matches — plus which pods are isolated by K8s policies
 * (default drop). It follows the controller and the agent's pod reconciler:
 *
 * - an absent/empty peer list is the match-all ipBlock `0.0.0.0/0`; an `ipBlock` is its `cidr`
 *   minus every `except` ({@link ipBlockCidrs});
 * - a named port resolves per pod: against each applied pod's own container ports for ingress,
 *   against each destination pod's for egress. Pods that resolve to the same numbers share one
 *   OpenFlow rule; each such group is a rule of its own (own conjunction ID, same priority).
 *   ipBlock destinations cannot resolve a named port: their rule keeps only the numeric ports,
 *   and a rule left with no port allows nothing (groupMembersByServices, filterUnresolvablePort);
 * - an egress rule with no `to` and a named port also resolves it against every pod;
 * - priorities: K8s rules 200 (conjunctive matches) / 190 (action), Antrea-native rules by
 *   tier, policy priority and rule index ({@link initialRulePriority}); baseline-tier rules
 *   live in the {Egress,Ingress}DefaultRule tables below the K8s default drops (so they cannot
 *   undo K8s isolation: GetAntreaPolicy{Egress,Ingress}Tables).
 * The pipeline planner turns these into per-node conjunction flows.
 */
import { matches } from '../scenario/label-selector.js';
import type { AntreaPolicyPeer, AntreaRuleAction, LabelSelector, NetworkPolicyPeer, NetworkPolicyPort, Scenario, ScenarioPod } from '../scenario/scenario-types.js';
import { ipBlockCidrs } from './ip-block-cidrs.js';
import { antreaRuleName } from './rule-name.js';
import { initialRulePriority, K8S_ACTION_PRIORITY, K8S_RULE_PRIORITY, BASELINE_TIER_PRIORITY, tierPriority } from './policy-priority.js';
import { portRangeMatches, type PortMatch } from './port-range-match.js';

/** `K8sNetworkPolicy` or `AntreaNetworkPolicy` (controlplane NetworkPolicyType strings). */
export type PolicyType = 'K8sNetworkPolicy' | 'AntreaNetworkPolicy';

/** One service match: a protocol and, optionally, a (masked) destination port. */
export interface RuleService {
  protocol: 'tcp' | 'udp' | 'sctp';
  port?: PortMatch;
}

/** The policy table a rule's flows live in. */
export type RuleTable = 'AntreaPolicyEgressRule' | 'AntreaPolicyIngressRule' | 'EgressRule' | 'IngressRule' | 'EgressDefaultRule' | 'IngressDefaultRule';

/** The match-all peer (controller's matchAllPeer, IPv4 part). */
export const ANY_PEER = '0.0.0.0/0';

/** One realised OpenFlow policy rule. */
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
  /** Pods the rule applies to (ingress: the pods of this named-port group). */
  appliedTo: ScenarioPod[];
  /** Peer addresses (pod IPs, CIDRs; {@link ANY_PEER} for any); empty: no peer matches. */
  peers: string[];
  /** Service clause; undefined: no service clause (any traffic); empty: nothing matches. */
  services?: RuleService[];
  table: RuleTable;
  /** Priority of the conjunctive match flows. */
  ovsPriority: number;
  /** Priority of the `conj_id=` action flow. */
  actionPriority: number;
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

/** A rule's port entry before named-port resolution. */
interface PortSpec {
  protocol: RuleService['protocol'];
  port?: number | string;
  endPort?: number;
}

/** Peers as the controller groups them: pod members and ipBlock CIDRs. */
interface ResolvedPeers {
  pods: ScenarioPod[];
  cidrs: string[];
}

/** One OpenFlow rule before its ID: applied pods, peers, resolved ports. */
interface RuleGroup {
  applied: ScenarioPod[];
  peers: string[];
  services?: PortSpec[];
}

/** Plans every policy rule of the scenario. */
export function planPolicyRules(scenario: Scenario): PolicyPlan {
  const podsNet = scenario.pods.filter((p) => !p.hostNetwork && p.ip);
  const nsLabels = new Map<string, Record<string, string>>();
  for (const p of scenario.pods) nsLabels.set(p.namespace, { 'kubernetes.io/metadata.name': p.namespace });
  nsLabels.set('default', { 'kubernetes.io/metadata.name': 'default' });
  for (const ns of scenario.namespaces ?? []) nsLabels.set(ns.name, { ...ns.labels, 'kubernetes.io/metadata.name': ns.name });

  const resolvePeers = (peers: Array<NetworkPolicyPeer | AntreaPolicyPeer> | undefined, policyNs: string, allPodsIfEmpty: boolean): ResolvedPeers => {
    if (!peers || peers.length === 0) return { pods: allPodsIfEmpty ? podsNet : [], cidrs: [ANY_PEER] };
    const pods = new Map<string, ScenarioPod>();
    const cidrs: string[] = [];
    for (const peer of peers) {
      if (peer.ipBlock) {
        cidrs.push(...ipBlockCidrs(peer.ipBlock.cidr, peer.ipBlock.except ?? []));
        continue;
      }
      const namespaces = peer.namespaceSelector ? [...nsLabels.entries()].filter(([, l]) => matches(peer.namespaceSelector!, l)).map(([n]) => n) : [policyNs];
      for (const p of podsNet) {
        if (!namespaces.includes(p.namespace)) continue;
        if (peer.podSelector && !matches(peer.podSelector, p.labels)) continue;
        pods.set(podKey(p), p);
      }
    }
    return { pods: [...pods.values()], cidrs };
  };
  const selectPods = (ns: string, sel: LabelSelector) => podsNet.filter((p) => p.namespace === ns && matches(sel, p.labels));

  const rules: PolicyRule[] = [];
  let nextId = 1;
  const emit = (
    base: Omit<PolicyRule, 'conjId' | 'appliedTo' | 'peers' | 'services'>,
    groups: RuleGroup[],
  ): void => {
    for (const g of groups) {
      rules.push({ ...base, conjId: nextId++, appliedTo: g.applied, peers: [...new Set(g.peers)], ...(g.services ? { services: expandServices(g.services) } : {}) });
    }
  };

  // Antrea-native policies first: they are evaluated before K8s policies.
  for (const np of scenario.antreaNetworkPolicies ?? []) {
    const tierPrio = tierPriority(np.spec.tier) ?? 250;
    const baseline = tierPrio === BASELINE_TIER_PRIORITY;
    const policyApplied = np.spec.appliedTo ? uniquePods(np.spec.appliedTo.flatMap((a) => selectPods(np.namespace, a.podSelector))) : [];
    for (const direction of ['Ingress', 'Egress'] as const) {
      const list = (direction === 'Ingress' ? np.spec.ingress : np.spec.egress) ?? [];
      list.forEach((r, i) => {
        const applied = r.appliedTo ? uniquePods(r.appliedTo.flatMap((a) => selectPods(np.namespace, a.podSelector))) : policyApplied;
        const prio = initialRulePriority(tierPrio, np.spec.priority, i) ?? 0;
        const base = {
          type: 'AntreaNetworkPolicy' as const,
          namespace: np.namespace,
          policyName: np.name,
          ruleName: antreaRuleName(direction, r),
          direction,
          action: r.action,
          table: (baseline ? (direction === 'Ingress' ? 'IngressDefaultRule' : 'EgressDefaultRule') : direction === 'Ingress' ? 'AntreaPolicyIngressRule' : 'AntreaPolicyEgressRule') as RuleTable,
          ovsPriority: prio,
          actionPriority: prio,
        };
        const ports = portSpecs(r.ports);
        const peers = resolvePeers(direction === 'Ingress' ? r.from : r.to, np.namespace, direction === 'Egress' && hasNamedPort(ports));
        emit(base, direction === 'Ingress' ? ingressGroups(applied, peers, ports) : egressGroups(applied, peers, ports, false));
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
        const base = {
          type: 'K8sNetworkPolicy' as const,
          namespace: np.namespace,
          policyName: np.name,
          ruleName: '',
          direction,
          action: 'Allow' as const,
          table: (direction === 'Ingress' ? 'IngressRule' : 'EgressRule') as RuleTable,
          ovsPriority: K8S_RULE_PRIORITY,
          actionPriority: K8S_ACTION_PRIORITY,
        };
        const ports = portSpecs(r.ports);
        const peerList = direction === 'Ingress' ? (r as { from?: NetworkPolicyPeer[] }).from : (r as { to?: NetworkPolicyPeer[] }).to;
        const peers = resolvePeers(peerList, np.namespace, direction === 'Egress' && hasNamedPort(ports));
        emit(base, direction === 'Ingress' ? ingressGroups(applied, peers, ports) : egressGroups(applied, peers, ports, true));
      }
    }
  }
  return { rules, ingressIsolated: [...ingressIsolated.values()], egressIsolated: [...egressIsolated.values()] };
}

function uniquePods(pods: ScenarioPod[]): ScenarioPod[] {
  return [...new Map(pods.map((p) => [podKey(p), p])).values()];
}

function portSpecs(ports: Array<NetworkPolicyPort> | undefined): PortSpec[] | undefined {
  if (!ports || ports.length === 0) return undefined;
  return ports.map((p) => ({ protocol: (p.protocol ?? 'TCP').toLowerCase() as PortSpec['protocol'], ...(p.port !== undefined ? { port: p.port } : {}), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) }));
}

const hasNamedPort = (ports: PortSpec[] | undefined) => (ports ?? []).some((p) => typeof p.port === 'string');

/** A named port resolved against one pod's container ports (same name and protocol), else as is. */
function resolveFor(ports: PortSpec[], pod: ScenarioPod): PortSpec[] {
  return ports.map((s) => {
    if (typeof s.port !== 'string') return s;
    const cp = (pod.ports ?? []).find((c) => c.name === s.port && (c.protocol ?? 'TCP').toLowerCase() === s.protocol);
    return cp ? { protocol: s.protocol, port: cp.containerPort } : s;
  });
}

/** normalizeServices: the numbers of the ports, a named (unresolved) one counting as 0. */
const servicesKey = (ports: PortSpec[] | undefined) => (ports ?? []).filter((s) => s.port !== undefined).map((s) => (typeof s.port === 'string' ? 0 : s.port)).join(',');

/** filterUnresolvablePort: unresolved named ports removed (undefined stays undefined: any port). */
const resolvable = (ports: PortSpec[] | undefined): PortSpec[] | undefined => (ports === undefined ? undefined : ports.filter((s) => typeof s.port !== 'string'));

/** Members grouped by what the rule's ports resolve to for each of them. */
function groupByServices(ports: PortSpec[] | undefined, members: ScenarioPod[]): Map<string, { pods: ScenarioPod[]; services?: PortSpec[] }> {
  const groups = new Map<string, { pods: ScenarioPod[]; services?: PortSpec[] }>();
  if (!hasNamedPort(ports)) {
    groups.set(servicesKey(ports), { pods: members, services: ports });
    return groups;
  }
  for (const m of members) {
    const resolved = resolveFor(ports!, m);
    const key = servicesKey(resolved);
    const g = groups.get(key) ?? { pods: [], services: resolved };
    g.pods.push(m);
    groups.set(key, g);
  }
  return groups;
}

/** Ingress: applied pods grouped by their own resolution; every group sees all peers. */
function ingressGroups(applied: ScenarioPod[], peers: ResolvedPeers, ports: PortSpec[] | undefined): RuleGroup[] {
  const from = [...peers.pods.map((p) => p.ip!), ...peers.cidrs];
  return [...groupByServices(ports, applied).values()].map((g) => ({ applied: g.pods, peers: from, services: resolvable(g.services) }));
}

/** Egress: destination pods grouped by their resolution; ipBlocks share the unresolved group. */
function egressGroups(applied: ScenarioPod[], peers: ResolvedPeers, ports: PortSpec[] | undefined, k8s: boolean): RuleGroup[] {
  const groups = groupByServices(ports, peers.pods);
  const out = new Map<string, RuleGroup>([...groups.entries()].map(([k, g]) => [k, { applied, peers: g.pods.map((p) => p.ip!), services: resolvable(g.services) }]));
  if (k8s || peers.cidrs.length > 0) {
    const key = servicesKey(ports);
    const g = out.get(key) ?? { applied, peers: [], services: resolvable(ports) };
    g.peers.push(...peers.cidrs);
    out.set(key, g);
  }
  return [...out.values()];
}

/** Port entries → service matches (ranges as masked matches). */
function expandServices(ports: PortSpec[]): RuleService[] {
  const out = new Map<string, RuleService>();
  for (const p of ports) {
    if (typeof p.port === 'string') continue;
    if (p.port === undefined) out.set(p.protocol, { protocol: p.protocol });
    else {
      const matchesOf = p.endPort !== undefined && p.endPort > p.port ? portRangeMatches(p.port, p.endPort) : [{ value: p.port, mask: 0xffff }];
      for (const m of matchesOf) out.set(`${p.protocol}/${m.value}/${m.mask}`, { protocol: p.protocol, port: m });
    }
  }
  return [...out.values()];
}
