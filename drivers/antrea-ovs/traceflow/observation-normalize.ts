/**
 * Normalizes Traceflow observations into the cni-trace model (pure). Stage is
 * `Component/ComponentInfo` (NSX's observation table reads the same way), actions are mapped to
 * the model's verbs, unknown components and actions are kept verbatim, and everything
 * Antrea-specific stays in `detail`.
 */
import type { HopAction, Observation, PolicyKind, PolicyRef } from '../../../core/model.js';
import type { TraceflowNodeResult, TraceflowObservation } from './traceflow-types.js';

/** Antrea's policy type prefixes (`controlplane/v1beta2` `NetworkPolicyType`) → the model's kinds. */
const POLICY_KINDS: Record<string, PolicyKind> = {
  K8sNetworkPolicy: 'NetworkPolicy',
  AntreaNetworkPolicy: 'AntreaNetworkPolicy',
  AntreaClusterNetworkPolicy: 'AntreaClusterNetworkPolicy',
  AdminNetworkPolicy: 'AdminNetworkPolicy',
  BaselineAdminNetworkPolicy: 'BaselineAdminNetworkPolicy',
};

/**
 * Parses Antrea's `networkPolicy` reference: `<Type>:<ns>/<name>` (namespaced kinds),
 * `<Type>:<name>` (cluster kinds) or `AdminNetworkPolicy:/<name>` (Antrea prints the empty
 * namespace). Returns undefined for a type the model has no kind for (the raw text is kept in
 * the observation's detail).
 */
export function parsePolicyRef(ref: string | undefined, rule?: string): PolicyRef | undefined {
  if (!ref) return undefined;
  const colon = ref.indexOf(':');
  if (colon < 0) return undefined;
  const kind = POLICY_KINDS[ref.slice(0, colon)];
  if (!kind) return undefined;
  const rest = ref.slice(colon + 1);
  const slash = rest.indexOf('/');
  const namespace = slash >= 0 ? rest.slice(0, slash) : '';
  const name = slash >= 0 ? rest.slice(slash + 1) : rest;
  if (!name) return undefined;
  return { kind, ...(namespace ? { namespace } : {}), name, ...(rule ? { rule } : {}) };
}

/** Antrea action → model action. Both names of "left the pod network" map to `left-cluster`. */
export function normalizeAction(action: string | undefined): HopAction {
  switch (action) {
    case 'Delivered':
      return 'delivered';
    case 'Received':
      return 'received';
    case 'Forwarded':
      return 'forwarded';
    case 'Dropped':
      return 'dropped';
    case 'Rejected':
      return 'rejected';
    case 'ForwardedOutOfNetwork':
    case 'ForwardedOutOfOverlay':
      return 'left-cluster';
    case 'MarkedForSNAT':
      return 'marked-for-snat';
    case 'ForwardedToEgressNode':
      return 'forwarded-to-egress-node';
    default:
      // An action this version does not know: shown as Antrea wrote it.
      return action ?? 'unknown';
  }
}

/** `Component/ComponentInfo`, or the component alone. */
export function observationStage(obs: TraceflowObservation): string {
  const component = obs.component ?? 'Unknown';
  return obs.componentInfo ? `${component}/${obs.componentInfo}` : component;
}

/** A node report's Unix-seconds timestamp as ISO 8601 (`2026-08-01T10:00:02Z`). */
export function reportTimestamp(seconds: number | undefined): string | undefined {
  // Beyond year 9999 there is no ISO date (toISOString throws); checkTraceflowObject refuses such
  // a timestamp first, this keeps the normalizer total on its own.
  if (seconds === undefined || typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 253_402_300_799) return undefined;
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** One line saying what the observation means, where Antrea's fields say more than the stage. */
function describe(obs: TraceflowObservation): string | undefined {
  if (obs.component === 'LB' && obs.translatedDstIP) {
    return `load-balanced to endpoint ${obs.pod ?? obs.translatedDstIP}${obs.translatedSrcIP ? ` (source NAT to ${obs.translatedSrcIP}, hairpin)` : ''}`;
  }
  if (obs.action === 'MarkedForSNAT') return `marked for SNAT to egress IP ${obs.egressIP ?? '?'}${obs.egress ? ` by Egress ${obs.egress}` : ''}${obs.egressNode ? ` on ${obs.egressNode}` : ''}`;
  if (obs.action === 'ForwardedToEgressNode') return `sent to egress node ${obs.egressNode ?? '?'}${obs.egressIP ? ` for SNAT to ${obs.egressIP}` : ''}${obs.egress ? ` (Egress ${obs.egress})` : ''}`;
  if (obs.action === 'ForwardedOutOfNetwork' || obs.action === 'ForwardedOutOfOverlay') return 'left the Antrea pod network (towards a non-pod destination)';
  if (obs.networkPolicy && !parsePolicyRef(obs.networkPolicy)) return `policy ${obs.networkPolicy}${obs.networkPolicyRule ? ` rule ${obs.networkPolicyRule}` : ''}`;
  return undefined;
}

/** Turns one Antrea observation of a node report into a model observation. */
export function normalizeObservation(obs: TraceflowObservation, node: string | undefined, timestamp: string | undefined): Observation {
  const action = normalizeAction(obs.action);
  const policy = parsePolicyRef(obs.networkPolicy, obs.networkPolicyRule);
  const detail: Record<string, unknown> = {};
  for (const key of ['component', 'componentInfo', 'action', 'pod', 'srcPodIP', 'networkPolicy', 'networkPolicyRule', 'egress', 'egressIP', 'egressNode', 'dstMAC', 'ttl'] as const) {
    if (obs[key] !== undefined && obs[key] !== '') detail[key] = obs[key];
  }
  const description = describe(obs);
  return {
    ...(node ? { node } : {}),
    stage: observationStage(obs),
    action,
    ...(description ? { description } : {}),
    ...(obs.translatedDstIP ? { translatedDstIp: obs.translatedDstIP } : {}),
    ...(obs.translatedSrcIP ? { translatedSrcIp: obs.translatedSrcIP } : {}),
    ...(obs.tunnelDstIP ? { tunnelDst: obs.tunnelDstIP } : {}),
    ...(policy ? { policy } : {}),
    ...(action === 'dropped' || action === 'rejected' ? { terminal: true } : {}),
    ...(timestamp ? { timestamp } : {}),
    detail,
  };
}

/** Whether a node report is the sender's (its first observation point is SpoofGuard). */
export function isSenderReport(result: TraceflowNodeResult): boolean {
  return (result.observations ?? []).some((o) => o.component === 'SpoofGuard');
}

/** The role of a node report, in words: `sender`, `egress node` or `receiver`. */
export function reportRole(result: TraceflowNodeResult): 'sender' | 'egress node' | 'receiver' {
  if (isSenderReport(result)) return 'sender';
  if ((result.observations ?? []).some((o) => o.action === 'MarkedForSNAT')) return 'egress node';
  return 'receiver';
}

/**
 * Node reports in path order: the sender's first (agents append in any order, and antctl does
 * not sort), the rest in the order they were appended.
 */
export function orderReports(results: readonly TraceflowNodeResult[]): TraceflowNodeResult[] {
  const senders = results.filter(isSenderReport);
  return [...senders, ...results.filter((r) => !isSenderReport(r))];
}

/** Model observations of one node report. */
export function reportObservations(result: TraceflowNodeResult): Observation[] {
  const ts = reportTimestamp(result.timestamp);
  return (result.observations ?? []).map((o) => normalizeObservation(o, result.node, ts));
}

/** Actions that end the path (what antrea-controller counts as "receiver"). */
export const TERMINAL_ACTIONS: ReadonlySet<string> = new Set(['Delivered', 'Dropped', 'Rejected', 'ForwardedOutOfNetwork', 'ForwardedOutOfOverlay']);
