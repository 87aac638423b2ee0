/**
 * The words every renderer shares: how a tool, a policy, an endpoint, a drop and a verdict are
 * named. Kept in one place so the text summary, the JUnit report and the CLI say the same thing.
 */
import type { DestinationEndpoint, DropAttribution, Leg, PacketSpec, PolicyRef, SourceEndpoint, TraceRequest, TraceResult } from '../core/model.js';
import { isSuccess } from '../core/verdict.js';

/**
 * How a tool is named in sentences. ovnkube-trace says `ovs-appctl ofproto/trace` where the model
 * keeps the shorter tool id `ofproto/trace`; users compare our level-0 lines with its output.
 */
export function toolLabel(tool: string): string {
  return tool === 'ofproto/trace' ? 'ovs-appctl ofproto/trace' : tool;
}

/** `NetworkPolicy backend/default-deny`, `AntreaClusterNetworkPolicy acnp-x rule ingress-0`. */
export function policyLabel(policy: PolicyRef): string {
  const name = policy.namespace ? `${policy.namespace}/${policy.name}` : policy.name;
  return `${policy.kind} ${name}${policy.rule !== undefined && policy.rule !== '' ? ` rule ${policy.rule}` : ''}`;
}

import { endpointLabel } from '../core/endpoint-label.js';

export { endpointLabel };

/** `tcp/5432`, `udp/53`, `icmp` (ICMPv6 under ip6). */
export function packetLabel(packet: PacketSpec): string {
  if (packet.protocol === 'icmp') return packet.family === 'ip6' ? 'icmpv6' : 'icmp';
  return packet.dstPort !== undefined ? `${packet.protocol}/${packet.dstPort}` : packet.protocol;
}

/** `frontend/client -> backend/db tcp/5432` (`any` when the request has no source). */
export function traceTitle(request: TraceRequest): string {
  return `${endpointLabel(request.source) ?? 'any'} -> ${endpointLabel(request.destination)} ${packetLabel(request.packet)}`;
}

/** Whether the text of `explanation` already names `policy` (its namespace/name, and its rule). */
function names(explanation: string, policy: PolicyRef): boolean {
  const name = policy.namespace ? `${policy.namespace}/${policy.name}` : policy.name;
  if (!explanation.includes(name)) return false;
  return policy.rule === undefined || policy.rule === '' || explanation.includes(policy.rule);
}

/**
 * A drop in one phrase that always names the policy behind it: the driver's explanation, plus
 * whatever policy (rule, or isolating policies of a default deny) the explanation leaves out, so
 * the verdict line is enough to know which object to look at.
 */
export function dropSummary(drop: DropAttribution): string {
  const explanation = drop.explanation.trim();
  switch (drop.type) {
    case 'rule': {
      if (names(explanation, drop.policy)) return explanation;
      const by = `${drop.direction ? `${drop.direction} ` : ''}rule of ${policyLabel(drop.policy)}`;
      return explanation ? `${explanation} (${by})` : `dropped by ${by}`;
    }
    case 'default-deny': {
      const missing = drop.isolatedBy.filter((p) => !names(explanation, p));
      if (missing.length === 0) return explanation || `${drop.direction ?? ''} default deny`.trim();
      const by = `isolated by ${missing.map(policyLabel).join(', ')}`;
      return explanation ? `${explanation} (${by})` : `${drop.direction ? `${drop.direction} ` : ''}default deny: ${by}`;
    }
    case 'other':
      return explanation;
  }
}

/** The endpoint names a leg's sentence uses when the leg does not carry its own. */
export interface EndpointNames {
  from?: string;
  to?: string;
}

/** Default names for a leg's ends: the request's source and destination, swapped for `reverse` legs. */
export function legEndpointNames(result: Pick<TraceResult, 'request'> | undefined, leg: Pick<Leg, 'direction' | 'from' | 'to'>): Required<EndpointNames> {
  const src = endpointLabel(result?.request.source) ?? 'unknown';
  const dst = endpointLabel(result?.request.destination) ?? 'unknown';
  const [from, to] = leg.direction === 'forward' ? [src, dst] : [dst, src];
  return { from: leg.from ?? from, to: leg.to ?? to };
}

/**
 * ovnkube-trace's verdict sentence, word for word:
 * `<tool> <description> indicates success from <from> to <to>` (or `failure`). Success means the
 * leg delivered the packet or let it leave the cluster; anything else (drop, reject, no terminal
 * observation, tool error) is a failure, as ovnkube-trace prints it when its pattern does not match.
 */
export function legSentence(leg: Pick<Leg, 'tool' | 'description' | 'verdict'>, ends: Required<EndpointNames>): string {
  const outcome = isSuccess(leg.verdict) ? 'success' : 'failure';
  return `${toolLabel(leg.tool)} ${leg.description} indicates ${outcome} from ${ends.from} to ${ends.to}`;
}

/**
 * The words after `Verdict: <verdict>`: the drop (naming its policy) for a blocked packet, the
 * result's reason for any other outcome but a plain delivery, where the reason adds nothing.
 */
export function verdictDetail(result: Pick<TraceResult, 'verdict' | 'reason' | 'drop' | 'backends'>): string | undefined {
  // Every backend traced: the count of reachable ones and what stopped the others.
  if (result.backends?.mode === 'all') return result.reason.trim() || undefined;
  if ((result.verdict === 'dropped' || result.verdict === 'rejected') && result.drop) return dropSummary(result.drop);
  if (result.verdict === 'delivered') return undefined;
  return result.reason.trim() || undefined;
}

/** Milliseconds as `143 ms` below 10 s, else `12.3 s`. */
export function durationLabel(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A command line a user can paste into a shell: arguments with spaces or shell syntax are
 * single-quoted (ovn-trace's match expression is one argument).
 */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
