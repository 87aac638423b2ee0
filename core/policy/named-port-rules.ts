import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { PolicyRef } from '../model.js';
import { selectorMatches } from './label-selector-match.js';

/** A NetworkPolicy rule that names a port (`ports[].port` is a string) for the traced protocol. */
export interface NamedPortRule {
  policy: PolicyRef;
  /** The side of the traced connection the policy selects. */
  direction: 'ingress' | 'egress';
  /** Index of the rule in the policy's `ingress` / `egress` list. */
  ruleIndex: number;
  /** The port name as written in the policy. */
  portName: string;
  /** Protocol of the port entry, upper case (`TCP` when absent). */
  protocol: string;
}

function appliesTo(np: V1NetworkPolicy, pod: { namespace: string; labels?: Record<string, string> }, direction: 'ingress' | 'egress'): boolean {
  if ((np.metadata?.namespace ?? '') !== pod.namespace) return false;
  const types = np.spec?.policyTypes ?? ['Ingress', ...((np.spec?.egress?.length ?? 0) > 0 ? ['Egress'] : [])];
  if (!types.includes(direction === 'ingress' ? 'Ingress' : 'Egress')) return false;
  return selectorMatches(np.spec?.podSelector, pod.labels);
}

/**
 * The rules with a named port for `protocol` in the NetworkPolicies that select the traced pods:
 * ingress rules of policies selecting the destination, egress rules of policies selecting the
 * source. Pure; `policies` may hold both namespaces' policies (each is matched to its own).
 * A CNI that does not implement named ports uses this to warn that such a rule is not enforced
 * as written.
 */
export function namedPortRules(
  policies: readonly V1NetworkPolicy[],
  traced: { source?: { namespace: string; labels?: Record<string, string> }; destination?: { namespace: string; labels?: Record<string, string> }; protocol: string },
): NamedPortRule[] {
  const proto = traced.protocol.toUpperCase();
  if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return [];
  const found: NamedPortRule[] = [];
  const sides: ['ingress' | 'egress', { namespace: string; labels?: Record<string, string> } | undefined][] = [
    ['ingress', traced.destination],
    ['egress', traced.source],
  ];
  for (const [direction, pod] of sides) {
    if (!pod) continue;
    for (const np of policies) {
      if (!appliesTo(np, pod, direction)) continue;
      const rules = (direction === 'ingress' ? np.spec?.ingress : np.spec?.egress) ?? [];
      rules.forEach((rule, ruleIndex) => {
        for (const p of rule.ports ?? []) {
          const protocol = (p.protocol ?? 'TCP').toUpperCase();
          if (typeof p.port !== 'string' || /^\d+$/.test(p.port) || protocol !== proto) continue;
          found.push({ policy: { kind: 'NetworkPolicy', namespace: pod.namespace, name: np.metadata?.name ?? '' }, direction, ruleIndex, portName: p.port, protocol });
        }
      });
    }
  }
  return found;
}
