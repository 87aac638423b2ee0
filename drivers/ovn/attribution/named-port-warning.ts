/**
 * ovn-kubernetes does not implement named ports in NetworkPolicy: for a rule whose port is a name,
 * it allows every port of the rule's protocol (ovn-kubernetes issue 2117; go-controller
 * pkg/ovn/gress_policy.go addPortPolicy takes `Port.IntVal`, which is 0 for a name, and port 0
 * means every port). The data plane is the truth the trace reports, so a
 * trace that a NetworkPolicy with such a rule selects carries a warning naming the policy and
 * the port, instead of a verdict that pretends the rule is enforced.
 */
import type { KubeClient } from '../../../core/kube/kube-client.js';
import { namedPortRules, type NamedPortRule } from '../../../core/policy/named-port-rules.js';

/** The warning for one rule. */
export function namedPortWarning(rule: NamedPortRule): string {
  return (
    `NetworkPolicy ${rule.policy.namespace}/${rule.policy.name} (${rule.direction} rule ${rule.ruleIndex}) uses the named port "${rule.portName}" for ${rule.protocol}: ` +
    `ovn-kubernetes does not enforce named ports (it allows every ${rule.protocol} port for that rule, ovn-kubernetes issue 2117); the verdict follows the data plane`
  );
}

/** A traced pod, as the check needs it. */
export interface TracedPod {
  namespace: string;
  labels?: Record<string, string>;
}

/**
 * Reads the NetworkPolicies of the source's and the destination's namespaces and returns one
 * warning per rule with a named port for `protocol` in a policy that selects the destination
 * (ingress) or the source (egress). `onError` hears a failed read (the check is then skipped for
 * that namespace).
 */
export async function namedPortWarnings(
  kube: KubeClient,
  traced: { source?: TracedPod; destination?: TracedPod; protocol: string },
  onError: (namespace: string, err: Error) => void = () => undefined,
): Promise<string[]> {
  if (!['tcp', 'udp', 'sctp'].includes(traced.protocol.toLowerCase())) return [];
  const namespaces = [...new Set([traced.source?.namespace, traced.destination?.namespace].filter((n): n is string => Boolean(n)))];
  const lists = await Promise.all(
    namespaces.map((ns) =>
      kube.listNetworkPolicies(ns).catch((err: Error) => {
        onError(ns, err);
        return [];
      }),
    ),
  );
  return namedPortRules(lists.flat(), traced).map(namedPortWarning);
}
