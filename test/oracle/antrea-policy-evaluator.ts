/**
 * An independent evaluator of Antrea-native policies (`crd.antrea.io/v1beta1` NetworkPolicy,
 * "ANNP", and ClusterNetworkPolicy, "ACNP") together with K8s NetworkPolicy, written from
 * Antrea's docs/antrea-network-policy.md:
 *
 * - Order: tiers by tier priority (static tiers Emergency 50 > SecurityOps 100 > NetworkOps 150
 *   > Platform 200 > Application 250), "K8s NetworkPolicies will be enforced once all tiers have
 *   been enforced", then the Baseline tier (253). A policy without `tier` is in Application.
 *   Within a tier, policies by `priority` (lower first); within a policy, rules in the order
 *   written ("Rule enforcement based on priorities").
 * - The first matching rule decides: Allow / Drop / Reject. "A Pass rule ... skips this packet
 *   for further Antrea-native policy rule evaluations in regular Tiers, and delegates the decision
 *   to K8s namespaced NetworkPolicies"; "If no K8s NetworkPolicy matches this traffic, then all
 *   Antrea-native policy Baseline Tier rules will be tested".
 * - "baseline policies cannot counteract the isolated Pod behavior provided by K8s
 *   NetworkPolicies": a pod isolated by a K8s policy with no allowing rule is dropped (default
 *   deny) before the baseline tier.
 * - Peers as in K8s (an ANNP's `podSelector` alone selects pods in the policy's namespace; with a
 *   `namespaceSelector`, their AND); an empty `from`/`to` matches every peer, missing `ports`
 *   every port; `endPort` a range. Each direction is enforced at its own pod: egress at the
 *   source, then ingress at the destination.
 * - Equal (tier, priority) with conflicting actions is "nondeterministic" per the docs: the
 *   scenario generator never produces it, and {@link evaluateAntreaConnection} refuses it.
 */
import { selectorSelects, type OracleLabelSelector } from './oracle-selector.js';
import {
  combine,
  evaluateK8sDirection,
  k8sPeerMatches,
  k8sPortsMatch,
  namedPortTarget,
  type CniPolicyProfile,
  type DirectionDecision,
  type OracleCluster,
  type OracleDecision,
  type OracleEndpoint,
  type OracleNetworkPolicyPeer,
  type OracleNetworkPolicyPort,
  type OraclePacket,
  type OraclePod,
  type OraclePolicyRef,
} from './netpol-evaluator.js';

/** Antrea's static tiers and their priorities (docs/antrea-network-policy.md "Static tiers"). */
export const ANTREA_STATIC_TIERS: Record<string, number> = { emergency: 50, securityops: 100, networkops: 150, platform: 200, application: 250, baseline: 253 };

/** One rule of an Antrea-native policy. */
export interface OracleAntreaRule {
  action: 'Allow' | 'Drop' | 'Reject' | 'Pass';
  name?: string;
  from?: OracleNetworkPolicyPeer[];
  to?: OracleNetworkPolicyPeer[];
  ports?: OracleNetworkPolicyPort[];
  /** Rule-level appliedTo (Antrea: set on every rule instead of the spec). */
  appliedTo?: OracleAppliedTo[];
}

/** One appliedTo entry of an Antrea-native policy or rule. */
export type OracleAppliedTo = { podSelector?: OracleLabelSelector; namespaceSelector?: OracleLabelSelector };

/** An Antrea NetworkPolicy (namespaced; `namespace` set) or ClusterNetworkPolicy (`namespace` absent). */
export interface OracleAntreaPolicy {
  namespace?: string;
  name: string;
  spec: {
    tier?: string;
    priority: number;
    /** Policy-level appliedTo; absent when every rule has its own (docs/antrea-network-policy.md). */
    appliedTo?: OracleAppliedTo[];
    ingress?: OracleAntreaRule[];
    egress?: OracleAntreaRule[];
  };
}

/** A cluster with Antrea-native policies as well. */
export interface OracleAntreaCluster extends OracleCluster {
  antreaPolicies: OracleAntreaPolicy[];
}

/** Antrea's name for an unnamed rule is a hash (`ingress-allow-2f0ed6e`); the oracle needs names. */
export class UnnamedAntreaRuleError extends Error {
  readonly code = 'ORACLE_UNNAMED_ANTREA_RULE';
}

/** Two policies at the same tier and priority apply to one pod with conflicting actions. */
export class NondeterministicAntreaOrderError extends Error {
  readonly code = 'ORACLE_NONDETERMINISTIC_ANTREA_ORDER';
}

function tierPriority(p: OracleAntreaPolicy): number {
  const tier = (p.spec.tier ?? 'application').toLowerCase();
  const prio = ANTREA_STATIC_TIERS[tier];
  if (prio === undefined) throw new Error(`oracle: unknown Antrea tier ${tier} (only the static tiers are modelled)`);
  return prio;
}

function selectedBy(cluster: OracleCluster, p: OracleAntreaPolicy, appliedTo: OracleAppliedTo[], pod: OraclePod): boolean {
  if (pod.hostNetwork) return false;
  return appliedTo.some((a) => {
    if (p.namespace !== undefined) return pod.namespace === p.namespace && selectorSelects(a.podSelector ?? {}, pod.labels);
    const nsOk = a.namespaceSelector ? selectorSelects(a.namespaceSelector, { ...(cluster.namespaces.find((n) => n.name === pod.namespace)?.labels ?? {}), 'kubernetes.io/metadata.name': pod.namespace }) : true;
    return nsOk && (a.podSelector ? selectorSelects(a.podSelector, pod.labels) : true);
  });
}

/** Whether a rule of `p` applies to `pod`: the rule's own appliedTo, else the policy's. */
function ruleAppliesTo(cluster: OracleCluster, p: OracleAntreaPolicy, rule: OracleAntreaRule, pod: OraclePod): boolean {
  return selectedBy(cluster, p, rule.appliedTo ?? p.spec.appliedTo ?? [], pod);
}

function appliesTo(cluster: OracleCluster, p: OracleAntreaPolicy, pod: OraclePod): boolean {
  const rules = [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])];
  return p.spec.appliedTo ? selectedBy(cluster, p, p.spec.appliedTo, pod) : rules.some((r) => ruleAppliesTo(cluster, p, r, pod));
}

function policyRef(p: OracleAntreaPolicy, rule: OracleAntreaRule, direction: string, index: number): OraclePolicyRef {
  if (!rule.name) throw new UnnamedAntreaRuleError(`Antrea policy ${p.namespace ?? ''}/${p.name} ${direction}[${index}] has no name`);
  return { kind: p.namespace !== undefined ? 'AntreaNetworkPolicy' : 'AntreaClusterNetworkPolicy', ...(p.namespace !== undefined ? { namespace: p.namespace } : {}), name: p.name, rule: rule.name };
}

/** The ordered (tier, policy priority, rule index) rules of one direction that apply to `pod`. */
function orderedRules(cluster: OracleAntreaCluster, pod: OraclePod, direction: 'ingress' | 'egress', baseline: boolean) {
  const policies = cluster.antreaPolicies.filter((p) => appliesTo(cluster, p, pod) && (tierPriority(p) === ANTREA_STATIC_TIERS.baseline) === baseline);
  const seen = new Map<string, OracleAntreaPolicy>();
  for (const p of policies) {
    const key = `${tierPriority(p)}/${p.spec.priority}`;
    const other = seen.get(key);
    if (other && (p.spec[direction]?.length ?? 0) > 0 && (other.spec[direction]?.length ?? 0) > 0) {
      throw new NondeterministicAntreaOrderError(`${other.name} and ${p.name} share tier and priority ${key} on ${pod.namespace}/${pod.name}`);
    }
    seen.set(key, p);
  }
  policies.sort((a, b) => tierPriority(a) - tierPriority(b) || a.spec.priority - b.spec.priority);
  return policies.flatMap((p) =>
    (p.spec[direction] ?? []).flatMap((rule, index) => (ruleAppliesTo(cluster, p, rule, pod) ? [{ policy: p, rule, index }] : [])),
  );
}

function ruleMatches(cluster: OracleCluster, p: OracleAntreaPolicy, rule: OracleAntreaRule, direction: 'ingress' | 'egress', subject: OraclePod, remote: OracleEndpoint, packet: OraclePacket, profile: CniPolicyProfile, notes: string[]): boolean {
  const peers = direction === 'ingress' ? rule.from : rule.to;
  // An ACNP's podSelector-only peer selects pods in every namespace; an ANNP's, in its own.
  const peerNs = p.namespace ?? ('pod' in remote ? remote.pod.namespace : '');
  const peerOk = !peers || peers.length === 0 || peers.some((peer) => k8sPeerMatches(cluster, peer, peerNs, remote, packet.family, profile));
  if (!peerOk) return false;
  return k8sPortsMatch(rule.ports, packet, namedPortTarget(cluster, direction, peers, peerNs, subject, remote, packet.family, profile), profile, notes);
}

/** One direction under Antrea: tiers, then K8s NetworkPolicy, then the baseline tier. */
export function evaluateAntreaDirection(
  cluster: OracleAntreaCluster,
  direction: 'ingress' | 'egress',
  subject: OraclePod,
  remote: OracleEndpoint,
  packet: OraclePacket,
  profile: CniPolicyProfile,
): DirectionDecision {
  const notes: string[] = [];
  for (const { policy, rule, index } of orderedRules(cluster, subject, direction, false)) {
    if (!ruleMatches(cluster, policy, rule, direction, subject, remote, packet, profile, notes)) continue;
    const tier = (policy.spec.tier ?? 'application').toLowerCase();
    const decided = { policy: policyRef(policy, rule, direction, index), index, action: rule.action, tier };
    if (rule.action === 'Pass') {
      notes.push(`passed to K8s NetworkPolicy by ${policy.name} rule ${rule.name ?? index}`);
      break;
    }
    return { allowed: rule.action === 'Allow', rule: decided, isolatedBy: [], ...(rule.action === 'Reject' ? { rejected: true } : {}), notes };
  }
  const k8s = evaluateK8sDirection(cluster, direction, subject, remote, packet, profile);
  notes.push(...k8s.notes);
  if (k8s.isolatedBy.length > 0) return { ...k8s, notes };
  for (const { policy, rule, index } of orderedRules(cluster, subject, direction, true)) {
    if (!ruleMatches(cluster, policy, rule, direction, subject, remote, packet, profile, notes)) continue;
    if (rule.action === 'Pass') continue; // refused by Antrea's admission webhook; never generated
    const decided = { policy: policyRef(policy, rule, direction, index), index, action: rule.action, tier: 'baseline' };
    return { allowed: rule.action === 'Allow', rule: decided, isolatedBy: [], ...(rule.action === 'Reject' ? { rejected: true } : {}), notes };
  }
  return { allowed: true, isolatedBy: [], notes };
}

/** Egress at the source, then ingress at the destination, under Antrea's full policy order. */
export function evaluateAntreaConnection(cluster: OracleAntreaCluster, src: OracleEndpoint, dst: OracleEndpoint, packet: OraclePacket, profile: CniPolicyProfile): OracleDecision {
  const open: DirectionDecision = { allowed: true, isolatedBy: [], notes: [] };
  const egress = 'pod' in src ? evaluateAntreaDirection(cluster, 'egress', src.pod, dst, packet, profile) : open;
  const ingress = 'pod' in dst ? evaluateAntreaDirection(cluster, 'ingress', dst.pod, src, packet, profile) : open;
  return combine(egress, ingress);
}
