/**
 * Pure: what an antrea-agent would report for one node of a traced packet, derived from the real
 * `ofproto/trace` of that node — the observations in Antrea's fixed order (reference §1.4):
 * [SpoofGuard | Forwarding/Received] → [LB] → [NetworkPolicy egress] → [NetworkPolicy ingress]
 * → [NetworkPolicy drop] → [Forwarding/Output].
 */
import { GATEWAY_OFPORT, T, TUNNEL_OFPORT } from './antrea-names.js';
import { lastSetField, type ParsedTrace } from './ofproto-trace-reader.js';
import { policyRef, type PolicyRule } from './policy-rule-plan.js';

/** A Traceflow observation (`crd.antrea.io` Observation; keys in Go declaration order). */
export interface Observation {
  component: string;
  componentInfo?: string;
  action: string;
  pod?: string;
  networkPolicy?: string;
  networkPolicyRule?: string;
  translatedDstIP?: string;
  tunnelDstIP?: string;
  srcPodIP?: string;
}

/** How the packet left this node's pipeline. */
export type NodeOutcome =
  | { kind: 'tunnel'; tunnelDstIP: string }
  | { kind: 'delivered'; port: number }
  | { kind: 'gateway'; toGatewayIP: boolean }
  | { kind: 'dropped'; table: number; rejected: boolean }
  | { kind: 'lost'; table: number };

/** One node's view. */
export interface NodeObservations {
  observations: Observation[];
  outcome: NodeOutcome;
  /** Whether an observation reports a drop or reject (the agent's drop packet-in). */
  dropped: boolean;
}

/** What the mapping needs about the node and the policies. */
export interface ObservationContext {
  role: 'sender' | 'receiver';
  /** Source pod IP (sender role). */
  srcPodIP?: string;
  gatewayIP: string;
  rules: PolicyRule[];
}

const DROP_POINTS = new Set<number>([T.EgressDefaultRule, T.IngressDefaultRule, T.EgressMetric, T.IngressMetric]);
const hexNum = (v: string | undefined) => (v === undefined ? undefined : Number.parseInt(v, v.startsWith('0x') ? 16 : 10));

/** Maps a node's trace to observations. */
export function observationsFromTrace(trace: ParsedTrace, ctx: ObservationContext): NodeObservations {
  const obs: Observation[] = [];
  const visited = (table: number) => trace.steps.some((s) => s.table === table);
  const last = trace.steps.at(-1);
  const ruleById = new Map(ctx.rules.map((r) => [r.conjId, r]));
  const ruleObs = (conj: number | undefined, componentInfo: string, action: string): Observation => {
    const rule = conj === undefined ? undefined : ruleById.get(conj);
    return {
      component: 'NetworkPolicy',
      componentInfo,
      action,
      ...(rule ? { networkPolicy: policyRef(rule) } : {}),
      ...(rule && rule.ruleName ? { networkPolicyRule: rule.ruleName } : {}),
    };
  };

  if (ctx.role === 'sender') {
    // The agent's first observation: the packet passed SpoofGuard on the sending node.
    const sg = trace.steps.findIndex((s) => s.table === T.SpoofGuard);
    if (sg >= 0 && sg < trace.steps.length - 1) obs.push({ component: 'SpoofGuard', action: 'Forwarded', ...(ctx.srcPodIP ? { srcPodIP: ctx.srcPodIP } : {}) });
    else return { observations: [], outcome: { kind: 'lost', table: last?.table ?? 0 }, dropped: false };
  } else obs.push({ component: 'Forwarding', action: 'Received' });

  const dnat = trace.steps.find((s) => s.table === T.EndpointDNAT && s.actions.some((a) => a.startsWith('ct(')));
  if (dnat) {
    const m = /nat\(dst=([0-9.]+)/.exec(dnat.actions.join(' '));
    if (m) obs.push({ component: 'LB', action: 'Forwarded', translatedDstIP: m[1] });
  }
  const egressConj = hexNum(lastSetField(trace, 'reg5'));
  if (egressConj !== undefined && (visited(T.EgressRule) || visited(T.AntreaPolicyEgressRule))) obs.push(ruleObs(egressConj, 'EgressRule', 'Forwarded'));
  const ingressConj = hexNum(lastSetField(trace, 'reg6'));
  if (ingressConj !== undefined) obs.push(ruleObs(ingressConj, 'IngressRule', 'Forwarded'));

  // A drop at one of the agent's observation points (default rules, metric tables). A Reject's
  // trace goes on after the metric drop (the packet-in group's copy to the controller), so the
  // first such drop decides; Rejected comes from the rule's action, as the agent reports it.
  const policyDrop = trace.steps.find((s) => DROP_POINTS.has(s.table) && s.actions.at(-1) === 'drop');
  if (policyDrop) {
    switch (policyDrop.table) {
      case T.EgressDefaultRule:
      case T.IngressDefaultRule: {
        const info = policyDrop.table === T.EgressDefaultRule ? 'EgressDefaultRule' : 'IngressDefaultRule';
        obs.push({ component: 'NetworkPolicy', componentInfo: info, action: 'Dropped' });
        return { observations: obs, outcome: { kind: 'dropped', table: policyDrop.table, rejected: false }, dropped: true };
      }
      default: {
        const info = policyDrop.table === T.EgressMetric ? 'EgressMetric' : 'IngressMetric';
        const denyConj = hexNum(lastSetField(trace, 'reg3'));
        const rejected = denyConj !== undefined && ruleById.get(denyConj)?.action === 'Reject';
        obs.push(ruleObs(denyConj, info, rejected ? 'Rejected' : 'Dropped'));
        return { observations: obs, outcome: { kind: 'dropped', table: policyDrop.table, rejected }, dropped: true };
      }
    }
  }
  const lastActions = last?.actions ?? [];
  if (last && (lastActions.length === 0 || lastActions.at(-1) === 'drop')) {
    // Dropped where Antrea installs no Traceflow observation point: the agent sees nothing more.
    return { observations: obs, outcome: { kind: 'lost', table: last.table }, dropped: false };
  }
  // IN_PORT (hairpin: a pod reaching itself through a Service) prints no output port line.
  const port = last?.outputPort ?? (last?.actions.at(-1) === 'IN_PORT' && trace.finalFields.in_port !== undefined ? Number(trace.finalFields.in_port) : undefined);
  if (last?.table === T.Output && port !== undefined) {
    if (port === TUNNEL_OFPORT) {
      const tunnelDstIP = lastSetField(trace, 'tun_dst') ?? trace.finalFields.tun_dst ?? '';
      obs.push({ component: 'Forwarding', componentInfo: 'Output', action: 'Forwarded', tunnelDstIP });
      return { observations: obs, outcome: { kind: 'tunnel', tunnelDstIP }, dropped: false };
    }
    if (port === GATEWAY_OFPORT) {
      const toGatewayIP = trace.finalFields.nw_dst === ctx.gatewayIP;
      obs.push({ component: 'Forwarding', componentInfo: 'Output', action: toGatewayIP ? 'Delivered' : 'ForwardedOutOfNetwork' });
      return { observations: obs, outcome: { kind: 'gateway', toGatewayIP }, dropped: false };
    }
    obs.push({ component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' });
    return { observations: obs, outcome: { kind: 'delivered', port }, dropped: false };
  }
  return { observations: obs, outcome: { kind: 'lost', table: last?.table ?? 0 }, dropped: false };
}
