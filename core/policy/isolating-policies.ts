import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { PolicyRef } from '../model.js';
import { selectorMatches } from './label-selector-match.js';

/**
 * The Kubernetes NetworkPolicies that isolate a pod in one direction: those in its namespace
 * whose podSelector selects it and whose policyTypes include the direction (policyTypes absent
 * means Ingress, plus Egress when the policy has egress rules).
 */
export function isolatingPolicies(
  policies: readonly V1NetworkPolicy[],
  pod: { namespace: string; labels?: Record<string, string> },
  direction: 'ingress' | 'egress',
): PolicyRef[] {
  const refs: PolicyRef[] = [];
  for (const np of policies) {
    if ((np.metadata?.namespace ?? '') !== pod.namespace) continue;
    const types = np.spec?.policyTypes ?? ['Ingress', ...((np.spec?.egress?.length ?? 0) > 0 ? ['Egress'] : [])];
    if (!types.includes(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
    if (!selectorMatches(np.spec?.podSelector, pod.labels)) continue;
    refs.push({ kind: 'NetworkPolicy', namespace: pod.namespace, name: np.metadata?.name ?? '' });
  }
  return refs.sort((a, b) => a.name.localeCompare(b.name));
}

/** "isolated by NetworkPolicy a/b, a/c; no rule allows tcp/5432 from x/y" — the default-deny sentence. */
export function defaultDenyExplanation(opts: {
  direction: 'ingress' | 'egress';
  isolatedPod: string;
  isolatedBy: readonly PolicyRef[];
  protocol: string;
  port?: number;
  peer: string;
}): string {
  const by = opts.isolatedBy.length
    ? `isolated by ${opts.isolatedBy.map((p) => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`).join(', ')}`
    : `isolated by a policy that selects ${opts.isolatedPod}`;
  const what = `${opts.protocol}${opts.port !== undefined ? `/${opts.port}` : ''}`;
  const dir = opts.direction === 'ingress' ? `from ${opts.peer}` : `to ${opts.peer}`;
  return `${opts.direction} of ${opts.isolatedPod} denied: ${by}; no rule allows ${what} ${dir}`;
}
