// The Antrea flavour refuses what it does not model, naming the field — never accepts and ignores.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadScenario } from '../../../lab/scenario/scenario-loader.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';
import { repoRoot } from '../../helpers/paths.js';

const base = loadScenario(join(repoRoot, 'lab', 'scenarios', 'antrea.yaml'));

/** The scenario with one Antrea-native policy (its spec mutated) instead of the default ones. */
function withAnp(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { ...structuredClone(base), antreaNetworkPolicies: [{ name: 'p', namespace: 'backend', spec: { priority: 5, appliedTo: [{ podSelector: {} }], ...spec } }], ...extra };
}
const refused = (s: unknown, re: RegExp) => assert.throws(() => loadScenario(s as Scenario), (e: Error) => re.test(e.message), String(re));
const accepted = (s: unknown) => loadScenario(s as Scenario);

test('accepted: everything the flavour models', () => {
  accepted(withAnp({
    tier: 'securityops',
    ingress: [
      { action: 'Allow', name: 'a', from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.10.2.0/24'] } }, { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['frontend'] }] }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 'http' }, { protocol: 'SCTP', port: 1000, endPort: 2000 }, { protocol: 'UDP' }] },
      { action: 'Drop', name: 'b' },
      { action: 'Pass', name: 'c', enableLogging: false },
      { action: 'Reject', name: 'd' },
    ],
    egress: [{ action: 'Allow', name: 'e', to: [{ podSelector: {} }] }],
  }));
  // Rule-level appliedTo instead of spec.appliedTo.
  accepted({ ...structuredClone(base), antreaNetworkPolicies: [{ name: 'p', namespace: 'backend', spec: { priority: 5, ingress: [{ action: 'Drop', appliedTo: [{ podSelector: { matchLabels: { app: 'db' } } }] }] } }] });
});

test('refused: Antrea fields the lab does not model, each named', () => {
  refused(withAnp({ ingress: [{ action: 'Allow', protocols: [{ icmp: {} }] }] }), /spec\.ingress\[0\]\.protocols: protocols \(ICMP\/IGMP matches\) is not modelled/);
  refused(withAnp({ ingress: [{ action: 'Allow', l7Protocols: [{ http: {} }] }] }), /\.l7Protocols: layer-7 rules is not modelled/);
  refused(withAnp({ egress: [{ action: 'Allow', toServices: [{ name: 'web', namespace: 'backend' }] }] }), /\.toServices: toServices is not modelled/);
  refused(withAnp({ egress: [{ action: 'Allow', to: [{ fqdn: 'example.com' }] }] }), /to\[0\]\.fqdn: FQDN peers is not modelled/);
  refused(withAnp({ egress: [{ action: 'Allow', to: [{ nodeSelector: {} }] }] }), /to\[0\]\.nodeSelector: nodeSelector peers is not modelled/);
  refused(withAnp({ ingress: [{ action: 'Allow', from: [{ namespaces: { match: 'Self' } }] }] }), /from\[0\]\.namespaces: namespaces \(match: Self \/ sameLabels\) is not modelled/);
  refused(withAnp({ ingress: [{ action: 'Allow', from: [{ group: 'g' }] }] }), /from\[0\]\.group: Group peers is not modelled/);
  refused(withAnp({ ingress: [{ action: 'Allow', from: [{ serviceAccount: { name: 'a', namespace: 'b' } }] }] }), /serviceAccount: serviceAccount peers is not modelled/);
  refused(withAnp({ ingress: [{ action: 'Allow', enableLogging: true }] }), /\.enableLogging: policy logging is not modelled/);
  refused(withAnp({ ingress: [{ action: 'Allow', ports: [{ port: 80, sourcePort: 1000 }] }] }), /ports\[0\]\.sourcePort: source-port matches is not modelled/);
  refused(withAnp({ appliedTo: [{ namespaceSelector: {} }] }), /spec\.appliedTo\[0\]\.namespaceSelector: namespaceSelector appliedTo is not modelled/);
  refused(withAnp({ appliedTo: [{ service: { name: 'web', namespace: 'backend' } }] }), /appliedTo\[0\]\.service: Service appliedTo is not modelled/);
  refused(withAnp({ appliedTo: [{ group: 'g' }] }), /appliedTo\[0\]\.group: Group appliedTo is not modelled/);
  refused(withAnp({ ingress: [{ action: 'Allow', bogus: 1 }] }), /spec\.ingress\[0\]: unknown field "bogus"/);
});

test('refused: tiers, priorities and actions outside the model', () => {
  refused(withAnp({ tier: 'custom-tier' }), /spec\.tier must be one of emergency, .* no custom Tier objects/);
  refused(withAnp({ tier: 'baseline', ingress: [{ action: 'Pass' }] }), /Pass is not allowed in the baseline tier/);
  refused(withAnp({ ingress: [{ action: 'Deny' }] }), /action must be one of Allow, Drop, Reject, Pass/);
  refused(withAnp({ priority: 0 }), /spec\.priority must be a number from 1 to 10000/);
  refused(withAnp({ priority: 200, ingress: [{ action: 'Drop' }] }), /falls outside Antrea's range/);
  // Same tier and priority, overlapping pods: Antrea's order is undefined.
  const twice = withAnp({ ingress: [{ action: 'Drop' }] }) as Scenario;
  twice.antreaNetworkPolicies!.push({ name: 'q', namespace: 'backend', spec: { priority: 5, appliedTo: [{ podSelector: {} }], ingress: [{ action: 'Allow' }] } });
  refused(twice, /same tier, priority and rule index .* undefined/);
  // 101 rules at application priority 5 run into priority 6's range.
  const many = withAnp({ ingress: Array.from({ length: 101 }, () => ({ action: 'Drop' })) }) as Scenario;
  many.antreaNetworkPolicies!.push({ name: 'q', namespace: 'backend', spec: { priority: 6, appliedTo: [{ podSelector: {} }], ingress: [{ action: 'Allow' }] } });
  refused(many, /does not stay below .* re-arrange priorities/);
  refused(withAnp({ ingress: [{ action: 'Drop', name: 'x' }], egress: [{ action: 'Drop', name: 'x' }] }), /name "x" is used twice/);
  refused(withAnp({ ingress: [{ action: 'Drop' }, { action: 'Drop' }] }), /generated name "ingress-drop-[0-9a-f]{7}" is the name of another rule/);
});

test('refused: appliedTo in both places or in neither; bad peers and ports', () => {
  refused(withAnp({ ingress: [{ action: 'Drop', appliedTo: [{ podSelector: {} }] }] }), /appliedTo cannot be set both in spec and in rules/);
  refused({ ...structuredClone(base), antreaNetworkPolicies: [{ name: 'p', namespace: 'backend', spec: { priority: 5, ingress: [{ action: 'Drop' }] } }] }, /needs an appliedTo/);
  refused(withAnp({ ingress: [{ action: 'Allow', from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }), /ipBlock cannot be combined with podSelector/);
  refused(withAnp({ ingress: [{ action: 'Allow', from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/24'] } }] }] }), /except\[0\] 11\.0\.0\.0\/24 is not inside 10\.0\.0\.0\/8/);
  refused(withAnp({ ingress: [{ action: 'Allow', from: [{ ipBlock: { cidr: 'fd00::/64' } }] }] }), /IPv6 CIDRs are not supported by the antrea flavour/);
  refused(withAnp({ ingress: [{ action: 'Allow', ports: [{ port: 'http', endPort: 90 }] }] }), /endPort needs a numeric port/);
  refused(withAnp({ ingress: [{ action: 'Allow', ports: [{ port: 'Not_A_Name' }] }] }), /port must be a number 1-65535 or a container port name/);
});

test('refused on the antrea flavour: IPv6 ipBlocks in K8s NetworkPolicies, IPv6 Service IPs', () => {
  const s = structuredClone(base) as Scenario;
  s.networkPolicies!.push({ name: 'v6', namespace: 'backend', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: 'fd00::/64' } }] }] } });
  refused(s, /networkPolicies\[\d+\]: spec\.ingress\[0\]\.from\[0\]\.ipBlock: IPv6 CIDRs are not supported by the antrea flavour/);
  const named = structuredClone(base) as Scenario;
  named.networkPolicies!.push({ name: 'str', namespace: 'backend', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: '8080' }] }] } });
  refused(named, /ports\[0\]\.port "8080" is not a container port name/);
  const v6 = structuredClone(base) as Scenario;
  v6.services![0]!.clusterIPv6 = 'fd00:10:96::10';
  refused(v6, /clusterIPv6 is not supported by the antrea flavour/);
});

test.run();
