/**
 * Decides what a Traceflow says (pure): one leg per node report, the overall verdict, and the drop
 * attribution: the dropping rule of an Antrea-native policy, or, for a default-rule drop, the
 * Kubernetes NetworkPolicies that isolate the pod.
 */
import type { V1EndpointSlice, V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import type { DropAttribution, Leg, Observation, TraceRequest, Verdict } from '../../../core/model.js';
import { defaultDenyExplanation, isolatingPolicies } from '../../../core/policy/isolating-policies.js';
import { serviceEndpointPort } from '../../../core/policy/service-endpoint-port.js';
import { isSenderReport, orderReports, parsePolicyRef, reportObservations, reportRole, reportTimestamp, TERMINAL_ACTIONS } from './observation-normalize.js';
import { isFinalPhase, type Traceflow, type TraceflowNodeResult, type TraceflowObservation } from './traceflow-types.js';

/** Antrea's controller reason when a Traceflow ran out of time. */
export const CONTROLLER_TIMEOUT_REASON = 'Traceflow timeout';

/** A pod named by namespace and name, with its labels when they were read. */
export interface PodIdentity {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
}

/** Cluster facts that turn a default-rule drop into named isolating policies. */
export interface IsolationFacts {
  /** The pod the default rule applies to (destination for ingress, source for egress). */
  pod?: PodIdentity;
  /** The NetworkPolicies of that pod's namespace; undefined when they could not be read. */
  policies?: readonly V1NetworkPolicy[];
  /** For a Service destination: the Service and its EndpointSlices (the endpoint's port is what the policy saw). */
  service?: { object: V1Service; endpointSlices: readonly V1EndpointSlice[] };
}

/** What the evaluation needs besides the Traceflow. */
export interface EvaluationContext {
  request: TraceRequest;
  /** Label of the source (`frontend/client`, an IP, or `any`). */
  sourceLabel: string;
  /** Label of the destination (`backend/db`, `service backend/db`, an IP). */
  destinationLabel: string;
  /** Set when the local deadline passed before the Traceflow finished. */
  localTimeoutSeconds?: number;
  /**
   * Set when, after the create, the API server never answered with the Traceflow's state (every
   * watch and re-read failed): why. Its phase is then unknown, not "pending".
   */
  unobserved?: string;
  isolation?: IsolationFacts;
}

/** The overall outcome. */
export interface TraceflowOutcome {
  verdict: Verdict;
  reason: string;
  drop?: DropAttribution;
}

/** A default-rule drop: who is isolated, in which direction. */
export interface DefaultRuleDrop {
  direction: 'ingress' | 'egress';
  /** The isolated pod when it is known from the request or the LB observation. */
  pod?: { namespace: string; name: string };
}

function directionOf(obs: TraceflowObservation): 'ingress' | 'egress' | undefined {
  const info = obs.componentInfo ?? '';
  if (info.startsWith('Ingress')) return 'ingress';
  if (info.startsWith('Egress')) return 'egress';
  return undefined;
}

/** The first drop or reject in path order, with its node. */
export function findDrop(tf: Traceflow): { obs: TraceflowObservation; node?: string } | undefined {
  for (const r of orderReports(tf.status?.results ?? [])) {
    const obs = (r.observations ?? []).find((o) => o.action === 'Dropped' || o.action === 'Rejected');
    if (obs) return { obs, ...(r.node ? { node: r.node } : {}) };
  }
  return undefined;
}

/** The endpoint address AntreaProxy translated the destination to (the LB observation's `translatedDstIP`). */
function lbTranslatedDst(tf: Traceflow): string | undefined {
  for (const r of orderReports(tf.status?.results ?? [])) {
    for (const o of r.observations ?? []) if (o.component === 'LB' && o.translatedDstIP) return o.translatedDstIP;
  }
  return undefined;
}

/**
 * The destination port the NetworkPolicy saw. Antrea evaluates policies after AntreaProxy's DNAT,
 * and a Traceflow's observations carry only the translated IP (the CRD's Observation has no port
 * field), so behind a Service the port is the chosen endpoint's port of the traced Service port,
 * read from the Service's EndpointSlices; undefined (not the Service port) when it is unknown.
 */
export function policyDstPort(tf: Traceflow, ctx: EvaluationContext): number | undefined {
  const p = ctx.request.packet;
  if (ctx.request.destination.kind !== 'service') return p.dstPort;
  const svc = ctx.isolation?.service;
  if (!svc || p.dstPort === undefined) return undefined;
  const endpointIp = lbTranslatedDst(tf);
  return serviceEndpointPort({ service: svc.object, slices: svc.endpointSlices, servicePort: p.dstPort, protocol: p.protocol, ...(endpointIp ? { endpointIp } : {}) });
}

/** The service endpoint pod the LB chose (`pod` of the LB observation, filled in by antrea-controller). */
function lbEndpointPod(tf: Traceflow): { namespace: string; name: string } | undefined {
  for (const r of tf.status?.results ?? []) {
    for (const o of r.observations ?? []) {
      if (o.component === 'LB' && o.pod && o.pod.includes('/')) {
        const [namespace, name] = o.pod.split('/', 2) as [string, string];
        return { namespace, name };
      }
    }
  }
  return undefined;
}

/**
 * For a drop by `IngressDefaultRule` / `EgressDefaultRule`: the direction and the isolated pod
 * (ingress: the destination pod or the Service endpoint; egress: the source pod).
 */
export function defaultRuleDrop(tf: Traceflow, request: TraceRequest): DefaultRuleDrop | undefined {
  const drop = findDrop(tf);
  const info = drop?.obs.componentInfo;
  if (!drop || (info !== 'IngressDefaultRule' && info !== 'EgressDefaultRule')) return undefined;
  if (info === 'EgressDefaultRule') {
    const src = request.source;
    return { direction: 'egress', ...(src?.kind === 'pod' ? { pod: { namespace: src.namespace, name: src.name } } : {}) };
  }
  const dst = request.destination;
  const pod = dst.kind === 'pod' ? { namespace: dst.namespace, name: dst.name } : lbEndpointPod(tf);
  return { direction: 'ingress', ...(pod ? { pod } : {}) };
}

/** The drop attribution of a dropping or rejecting observation. */
export function dropAttribution(obs: TraceflowObservation, node: string | undefined, ctx: EvaluationContext, tf: Traceflow): DropAttribution {
  const direction = directionOf(obs);
  const verb = obs.action === 'Rejected' ? 'rejected' : 'dropped';
  const target = direction === 'egress' ? `egress from ${ctx.sourceLabel}` : `ingress to ${ctx.destinationLabel}`;
  const policy = parsePolicyRef(obs.networkPolicy, obs.networkPolicyRule);
  if (policy) {
    const kindName = `${policy.kind} ${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;
    const by = policy.rule ? `rule ${policy.rule} of ${kindName}` : kindName;
    return { type: 'rule', policy, ...(direction ? { direction } : {}), explanation: `${target} ${verb} by ${by}` };
  }
  if (obs.componentInfo === 'IngressDefaultRule' || obs.componentInfo === 'EgressDefaultRule') {
    const d = defaultRuleDrop(tf, ctx.request) ?? { direction: direction ?? 'ingress' };
    const facts = ctx.isolation;
    const pod = facts?.pod ?? d.pod;
    const podLabel = pod ? `${pod.namespace}/${pod.name}` : d.direction === 'ingress' ? ctx.destinationLabel : ctx.sourceLabel;
    const isolatedBy = pod && facts?.pod?.labels && facts.policies ? isolatingPolicies(facts.policies, { namespace: pod.namespace, labels: facts.pod.labels }, d.direction) : [];
    const p = ctx.request.packet;
    const peer = d.direction === 'ingress' ? ctx.sourceLabel : ctx.destinationLabel;
    const port = policyDstPort(tf, ctx);
    let explanation = defaultDenyExplanation({ direction: d.direction, isolatedPod: podLabel, isolatedBy, protocol: p.protocol, ...(port !== undefined ? { port } : {}), peer });
    if (isolatedBy.length === 0 && facts?.policies && facts.pod?.labels) {
      // Antrea also reports the baseline tier's default drop through the default-rule table.
      explanation = `${d.direction} of ${podLabel} denied by a default rule, but no Kubernetes NetworkPolicy selects ${podLabel}: look for an Antrea baseline-tier policy (BaselineAdminNetworkPolicy or an ACNP in the baseline tier)`;
    }
    return { type: 'default-deny', direction: d.direction, isolatedBy, explanation };
  }
  const stage = obs.componentInfo ? `${obs.component}/${obs.componentInfo}` : (obs.component ?? 'an unknown component');
  const raw = obs.networkPolicy ? ` (policy ${obs.networkPolicy}${obs.networkPolicyRule ? ` rule ${obs.networkPolicyRule}` : ''})` : '';
  return { type: 'other', explanation: `${verb} at ${stage}${node ? ` on ${node}` : ''}${raw}` };
}

/** Where a node report hands the packet on, in words (`tunnel 192.168.77.102`, `egress node b`). */
function handOff(last: TraceflowObservation | undefined): string | undefined {
  if (!last) return undefined;
  if (last.tunnelDstIP) return `tunnel ${last.tunnelDstIP}`;
  if (last.action === 'ForwardedToEgressNode') return `egress node ${last.egressNode ?? '?'}`;
  if (last.action === 'Forwarded' && last.componentInfo === 'Output') return 'the gateway (routed to another node)';
  return undefined;
}

/** The verdict of one node report: what happened to the packet at that node. */
function reportVerdict(result: TraceflowNodeResult): { verdict: Verdict; reason: string; to?: string; terminal: boolean } {
  const obs = result.observations ?? [];
  const node = result.node ?? 'a node';
  const terminal = obs.find((o) => o.action !== undefined && TERMINAL_ACTIONS.has(o.action));
  if (terminal) {
    switch (terminal.action) {
      case 'Delivered':
        return { verdict: 'delivered', reason: `delivered to its destination on ${node}`, terminal: true };
      case 'Dropped':
        return { verdict: 'dropped', reason: `dropped at ${terminal.component}${terminal.componentInfo ? `/${terminal.componentInfo}` : ''} on ${node}`, terminal: true };
      case 'Rejected':
        return { verdict: 'rejected', reason: `rejected at ${terminal.component}${terminal.componentInfo ? `/${terminal.componentInfo}` : ''} on ${node}`, terminal: true };
      default:
        return { verdict: 'left-cluster', reason: `forwarded out of the pod network on ${node} (${terminal.action})`, to: 'outside the pod network', terminal: true };
    }
  }
  const last = obs.at(-1);
  const to = handOff(last);
  if (to) return { verdict: 'delivered', reason: `${node} passed the packet on to ${to}`, to, terminal: false };
  return { verdict: 'inconclusive', reason: `${node} reported no observation that ends or hands on the packet${last ? ` (last: ${last.component ?? '?'} ${last.action ?? '?'})` : ''}`, terminal: false };
}

/** Options of {@link nodeReportLeg}. */
export interface NodeReportLegOptions {
  id: string;
  traceflowName: string;
  ctx: EvaluationContext;
  tf: Traceflow;
}

/**
 * One leg per node report (tool `traceflow`, shown as an observation tree). It decides the verdict
 * when it holds the terminal observation (delivered, dropped, rejected, left the network); a
 * report that hands the packet on to another node (tunnel, egress node) counts as "delivered"
 * for its part of the path, as the OVN driver counts a leg that reaches the tunnel.
 */
export function nodeReportLeg(result: TraceflowNodeResult, options: NodeReportLegOptions): Leg {
  const { ctx, tf } = options;
  const node = result.node ?? 'unknown node';
  const role = reportRole(result);
  const v = reportVerdict(result);
  const observations = reportObservations(result);
  const leg: Leg = {
    id: options.id,
    tool: 'traceflow',
    direction: 'forward',
    ...(result.node ? { node: result.node } : {}),
    description: `report of ${node} (${role})`,
    from: ctx.sourceLabel,
    to: v.to ?? ctx.destinationLabel,
    verdict: v.verdict,
    reason: `Traceflow ${options.traceflowName}: ${v.reason}`,
    observations,
    decisive: v.terminal,
    durationMs: 0,
    summary: 'observation-tree',
  };
  if (v.verdict === 'dropped' || v.verdict === 'rejected') {
    const dropObs = (result.observations ?? []).find((o) => o.action === 'Dropped' || o.action === 'Rejected');
    if (dropObs) leg.drop = dropAttribution(dropObs, result.node, ctx, tf);
    // The default rule's drop belongs to the isolating policies, not to one of them.
    const terminal = observations.find((o) => o.terminal);
    if (terminal && leg.drop?.type === 'default-deny' && !terminal.policy) terminal.isolatedBy = leg.drop.isolatedBy;
  }
  return leg;
}

/** The last observation of the last report, in words, for timeout messages. */
function lastReportWords(tf: Traceflow): string {
  const results = tf.status?.results ?? [];
  const last = results.at(-1);
  if (!last) return 'no node reported an observation';
  const obs = last.observations?.at(-1);
  const what = obs ? `${obs.component ?? '?'}${obs.componentInfo ? `/${obs.componentInfo}` : ''} ${obs.action ?? '?'}` : 'no observation';
  return `node ${last.node ?? '?'} reported last (${what}${reportTimestamp(last.timestamp) ? ` at ${new Date(last.timestamp! * 1000).toISOString()}` : ''})`;
}

/** The overall outcome of a Traceflow as it stands (final, or when the local deadline passed). */
export function evaluateTraceflow(tf: Traceflow, ctx: EvaluationContext): TraceflowOutcome {
  const name = tf.metadata.name;
  const status = tf.status ?? {};
  const phase = status.phase ?? '';
  if (ctx.unobserved !== undefined && !isFinalPhase(phase)) {
    return {
      verdict: 'error',
      reason: `Traceflow ${name} was created, but the API server never answered with its state${ctx.localTimeoutSeconds !== undefined ? ` within ${ctx.localTimeoutSeconds}s` : ''} (${ctx.unobserved}); whether antrea-controller ran it is unknown: check the API server's health and "kubectl get traceflow ${name}"`,
    };
  }
  if (phase === '' || phase === 'Pending') {
    return {
      verdict: 'inconclusive',
      reason: `Traceflow ${name} is pending: antrea-controller did not start it${ctx.localTimeoutSeconds !== undefined ? ` within ${ctx.localTimeoutSeconds}s` : ''} (no phase). Either antrea-controller is not running, or all 14 dataplane tags are in use by running Traceflows; check "kubectl get traceflows" and the antrea-controller logs`,
    };
  }
  if (phase === 'Failed') {
    const reason = status.reason ?? '(no reason given)';
    if (reason === CONTROLLER_TIMEOUT_REASON) {
      return { verdict: 'inconclusive', reason: `Traceflow ${name} failed with "${reason}" after ${tf.spec.timeout ?? 20}s; ${lastReportWords(tf)}` };
    }
    return { verdict: 'error', reason: `Traceflow ${name} failed: ${reason}` };
  }
  if (phase !== 'Succeeded') {
    return {
      verdict: 'inconclusive',
      reason: `Traceflow ${name} did not finish within ${ctx.localTimeoutSeconds ?? tf.spec.timeout ?? 20}s (phase ${phase}); ${lastReportWords(tf)}`,
    };
  }
  const drop = findDrop(tf);
  if (drop) {
    const attribution = dropAttribution(drop.obs, drop.node, ctx, tf);
    return { verdict: drop.obs.action === 'Rejected' ? 'rejected' : 'dropped', reason: `Traceflow ${name}: ${attribution.explanation}`, drop: attribution };
  }
  const results = orderReports(status.results ?? []);
  const delivered = results.find((r) => (r.observations ?? []).some((o) => o.action === 'Delivered'));
  if (delivered) {
    const endpoint = lbEndpoint(tf);
    return { verdict: 'delivered', reason: `Traceflow ${name} succeeded: delivered to ${endpoint ?? ctx.destinationLabel} on ${delivered.node ?? 'its node'}` };
  }
  const left = results.find((r) => (r.observations ?? []).some((o) => o.action === 'ForwardedOutOfNetwork' || o.action === 'ForwardedOutOfOverlay'));
  if (left) return { verdict: 'left-cluster', reason: `Traceflow ${name} succeeded: forwarded out of the pod network on ${left.node ?? 'a node'}` };
  const captured = ctx.request.droppedOnly ? ' (a dropped-only live Traceflow reports the first captured packet; nothing was dropped)' : '';
  return { verdict: 'inconclusive', reason: `Traceflow ${name} succeeded but no report ends the path${captured}; ${lastReportWords(tf)}` };
}

function lbEndpoint(tf: Traceflow): string | undefined {
  const pod = lbEndpointPod(tf);
  return pod ? `${pod.namespace}/${pod.name}` : undefined;
}

/** Model observations of a whole Traceflow, in path order. */
export function traceflowObservations(tf: Traceflow): Observation[] {
  return orderReports(tf.status?.results ?? []).flatMap(reportObservations);
}

/** Whether the sender's report is expected (an injected packet, or a live capture from a source pod). */
export function expectsSenderReport(request: TraceRequest): boolean {
  return request.source?.kind === 'pod';
}

export { isSenderReport };
