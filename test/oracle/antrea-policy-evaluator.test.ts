/**
 * The Antrea-native policy oracle against truth derived by hand from Antrea's
 * docs/antrea-network-policy.md (github:antrea-io/antrea; sections cited per test).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateAntreaConnection, NondeterministicAntreaOrderError, type OracleAntreaCluster, type OracleAntreaPolicy } from './antrea-policy-evaluator.js';
import { ANTREA_PROFILE, type OracleEndpoint, type OracleNetworkPolicy, type OraclePacket, type OraclePod } from './netpol-evaluator.js';

const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string): OraclePod => ({ namespace, name, labels, ips: [ip] });
const P = (p: OraclePod): OracleEndpoint => ({ pod: p });
const tcp = (port: number): OraclePacket => ({ family: 4, protocol: 'TCP', port });
const web = pod('prod', 'web', { app: 'web' }, '10.10.1.2');
const client = pod('dev', 'client', { app: 'client' }, '10.10.2.2');
const peer = pod('prod', 'peer', { app: 'peer' }, '10.10.1.3');
const base = (antreaPolicies: OracleAntreaPolicy[], networkPolicies: OracleNetworkPolicy[] = []): OracleAntreaCluster => ({
  namespaces: [{ name: 'prod', labels: { env: 'prod' } }, { name: 'dev', labels: { env: 'dev' } }],
  pods: [web, client, peer],
  networkPolicies,
  antreaPolicies,
});
const annp = (name: string, tier: string | undefined, priority: number, ingress: OracleAntreaPolicy['spec']['ingress'], ns = 'prod'): OracleAntreaPolicy => ({
  namespace: ns,
  name,
  spec: { ...(tier ? { tier } : {}), priority, appliedTo: [{ podSelector: { matchLabels: { app: 'web' } } }], ingress },
});

test('"Rule enforcement based on priorities": tier first, then policy priority, then rule order', () => {
  // ACNP3 (emergency, 20) > ACNP1 (application, 10) > ANNP1 (application, 15); ir3.1 > ir3.2 > ir1.1 > ir1.2 > ir2.1
  const acnp3: OracleAntreaPolicy = { name: 'acnp3', spec: { tier: 'emergency', priority: 20, appliedTo: [{ podSelector: { matchLabels: { app: 'web' } } }], ingress: [{ action: 'Pass', name: 'ir3.1', ports: [{ port: 1 }] }, { action: 'Drop', name: 'ir3.2', ports: [{ port: 2 }] }] } };
  const acnp1: OracleAntreaPolicy = { name: 'acnp1', spec: { priority: 10, appliedTo: [{ podSelector: { matchLabels: { app: 'web' } } }], ingress: [{ action: 'Allow', name: 'ir1.1', ports: [{ port: 2 }, { port: 3 }] }, { action: 'Reject', name: 'ir1.2' }] } };
  const annp1 = annp('annp1', 'application', 15, [{ action: 'Allow', name: 'ir2.1' }]);
  const cl = base([annp1, acnp1, acnp3]);
  const v = (port: number) => evaluateAntreaConnection(cl, P(client), P(web), tcp(port), ANTREA_PROFILE);
  // port 2: ir3.2 (emergency) drops before ir1.1 allows
  assert.equal(v(2).attribution, { type: 'rule', direction: 'ingress', policy: { kind: 'AntreaClusterNetworkPolicy', name: 'acnp3', rule: 'ir3.2' }, action: 'Drop', tier: 'emergency' });
  // port 3: ir1.1 allows (ACNP1 priority 10 before ANNP1 priority 15)
  assert.equal(v(3).ingress.rule?.policy, { kind: 'AntreaClusterNetworkPolicy', name: 'acnp1', rule: 'ir1.1' });
  // port 4: ir1.2 rejects everything else before ANNP1's allow-all
  assert.is(v(4).verdict, 'rejected');
  assert.equal(v(4).attribution, { type: 'rule', direction: 'ingress', policy: { kind: 'AntreaClusterNetworkPolicy', name: 'acnp1', rule: 'ir1.2' }, action: 'Reject', tier: 'application' });
  // port 1: ir3.1 passes: every later Antrea rule in regular tiers is skipped (ir1.2 would reject); no K8s policy, no baseline → allowed
  assert.is(v(1).verdict, 'allowed');
  assert.match(v(1).ingress.notes.join(), /passed to K8s NetworkPolicy/);
});

test('"Static tiers": K8s NetworkPolicy after all regular tiers, before the baseline tier; Allow in a tier overrides K8s isolation', () => {
  const denyAll: OracleNetworkPolicy = { namespace: 'prod', name: 'deny', spec: { podSelector: {}, policyTypes: ['Ingress'] } };
  const allowK8s: OracleNetworkPolicy = { namespace: 'prod', name: 'allow-dev', spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }] }] } };
  // An application-tier Allow wins over the K8s default deny.
  let cl = base([annp('allow', 'application', 5, [{ action: 'Allow', name: 'a' }])], [denyAll]);
  assert.is(evaluateAntreaConnection(cl, P(client), P(web), tcp(80), ANTREA_PROFILE).verdict, 'allowed');
  // A Pass falls through to the K8s default deny: isolatedBy names the K8s policy.
  cl = base([annp('pass', 'securityops', 5, [{ action: 'Pass', name: 'p' }])], [denyAll]);
  assert.equal(evaluateAntreaConnection(cl, P(client), P(web), tcp(80), ANTREA_PROFILE).attribution, { type: 'default-deny', direction: 'ingress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'prod', name: 'deny' }] });
  // "ACNP for default zero-trust cluster security posture" (baseline, Drop all): a pod no K8s policy selects is dropped by it ...
  const zeroTrust: OracleAntreaPolicy = { name: 'default-cluster-deny', spec: { priority: 1, tier: 'baseline', appliedTo: [{ namespaceSelector: {} }], ingress: [{ action: 'Drop', name: 'drop-in' }], egress: [{ action: 'Drop', name: 'drop-out' }] } };
  cl = base([zeroTrust]);
  assert.equal(evaluateAntreaConnection(cl, P(client), P(web), tcp(80), ANTREA_PROFILE).attribution, { type: 'rule', direction: 'egress', policy: { kind: 'AntreaClusterNetworkPolicy', name: 'default-cluster-deny', rule: 'drop-out' }, action: 'Drop', tier: 'baseline' });
  // ... while a K8s policy that selects the pods decides before the baseline tier.
  const allowEgress: OracleNetworkPolicy = { namespace: 'dev', name: 'out', spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } };
  cl = base([zeroTrust], [allowK8s, allowEgress]);
  assert.is(evaluateAntreaConnection(cl, P(client), P(web), tcp(80), ANTREA_PROFILE).verdict, 'allowed');
  // "baseline policies cannot counteract the isolated Pod behavior": a baseline Allow does not lift K8s isolation.
  const baselineAllow = annp('lift', 'baseline', 1, [{ action: 'Allow', name: 'all' }]);
  cl = base([baselineAllow], [denyAll]);
  assert.is(evaluateAntreaConnection(cl, P(client), P(web), tcp(80), ANTREA_PROFILE).attribution?.type, 'default-deny');
});

test('"Antrea NetworkPolicy": podSelector peers are namespace-local; namespaceSelector AND podSelector; empty from = every source', () => {
  const cl = base([
    annp('np', 'application', 3, [
      { action: 'Drop', name: 'local-peer', from: [{ podSelector: { matchLabels: { app: 'peer' } } }] },
      { action: 'Drop', name: 'dev-client', from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8080 }] },
      { action: 'Allow', name: 'rest' },
    ]),
  ]);
  const v = (src: OraclePod, port: number) => evaluateAntreaConnection(cl, P(src), P(web), tcp(port), ANTREA_PROFILE);
  assert.is(v(peer, 1).ingress.rule?.policy.rule, 'local-peer');
  assert.is(v(client, 8080).ingress.rule?.policy.rule, 'dev-client');
  assert.is(v(client, 8081).ingress.rule?.policy.rule, 'rest');
  assert.is(v(client, 7999).verdict, 'allowed');
});

test('egress rules are enforced at the source before ingress at the destination', () => {
  const eg: OracleAntreaPolicy = { namespace: 'dev', name: 'out', spec: { priority: 1, appliedTo: [{ podSelector: {} }], egress: [{ action: 'Reject', name: 'no-prod', to: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }] }] } };
  const cl = base([eg, annp('in', undefined, 2, [{ action: 'Drop', name: 'x' }])]);
  const d = evaluateAntreaConnection(cl, P(client), P(web), tcp(80), ANTREA_PROFILE);
  assert.equal([d.verdict, d.attribution?.direction, d.attribution?.type === 'rule' ? d.attribution.policy.name : ''], ['rejected', 'egress', 'out']);
});

test('equal tier and priority on one pod is refused (the docs call it nondeterministic)', () => {
  const cl = base([annp('a', 'application', 5, [{ action: 'Allow', name: 'x' }]), annp('b', 'application', 5, [{ action: 'Drop', name: 'y' }])]);
  assert.throws(() => evaluateAntreaConnection(cl, P(client), P(web), tcp(80), ANTREA_PROFILE), (e: unknown) => e instanceof NondeterministicAntreaOrderError);
});

test('"appliedTo per rule" (docs/antrea-network-policy.md, acnp-appliedto-per-rule): each rule applies only to its own appliedTo', () => {
  // The docs' example: rule 1 drops client-east → db-restricted-west, rule 2 client-west → db-restricted-east.
  const west = pod('prod', 'db-west', { app: 'db-restricted-west' }, '10.10.1.20');
  const east = pod('prod', 'db-east', { app: 'db-restricted-east' }, '10.10.1.21');
  const clientEast = pod('dev', 'c-east', { app: 'client-east' }, '10.10.2.20');
  const clientWest = pod('dev', 'c-west', { app: 'client-west' }, '10.10.2.21');
  const acnp: OracleAntreaPolicy = {
    name: 'acnp-appliedto-per-rule',
    spec: {
      priority: 1,
      ingress: [
        { action: 'Drop', name: 'r1', appliedTo: [{ podSelector: { matchLabels: { app: 'db-restricted-west' } } }], from: [{ podSelector: { matchLabels: { app: 'client-east' } } }] },
        { action: 'Drop', name: 'r2', appliedTo: [{ podSelector: { matchLabels: { app: 'db-restricted-east' } } }], from: [{ podSelector: { matchLabels: { app: 'client-west' } } }] },
      ],
    },
  };
  const cl: OracleAntreaCluster = { ...base([acnp]), pods: [west, east, clientEast, clientWest] };
  const v = (s: OraclePod, d: OraclePod) => evaluateAntreaConnection(cl, P(s), P(d), tcp(80), ANTREA_PROFILE);
  assert.equal(v(clientEast, west).attribution, { type: 'rule', direction: 'ingress', policy: { kind: 'AntreaClusterNetworkPolicy', name: 'acnp-appliedto-per-rule', rule: 'r1' }, action: 'Drop', tier: 'application' });
  assert.equal(v(clientWest, east).ingress.rule?.policy.rule, 'r2');
  // Each rule's scope is the rule itself: r1 does not apply to db-east, r2 not to db-west.
  assert.is(v(clientEast, east).verdict, 'allowed');
  assert.is(v(clientWest, west).verdict, 'allowed');
  // A namespaced ANNP with rule-level appliedTo: the rule's pod selector picks pods of the policy's namespace only.
  const annpRule: OracleAntreaPolicy = { namespace: 'prod', name: 'per-rule', spec: { priority: 5, egress: [{ action: 'Drop', name: 'out', appliedTo: [{ podSelector: { matchLabels: { app: 'client-east' } } }] }] } };
  const cl2: OracleAntreaCluster = { ...base([annpRule]), pods: [west, clientEast] };
  assert.is(evaluateAntreaConnection(cl2, P(clientEast), P(west), tcp(80), ANTREA_PROFILE).verdict, 'allowed', 'c-east is in dev, not prod');
});

test('Antrea: an egress named port does not resolve for ipBlock destinations (pod_reconciler.go filterUnresolvablePort), even a pod IP', () => {
  // The K8s API resolves a named port against the destination pod; Antrea's agent resolves it
  // against the pods a rule's selectors give, and removes named ports from the ipBlock part.
  const target = { ...pod('prod', 'web2', { app: 'web2' }, '10.10.3.10'), ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' as const }] };
  const np = (to: OracleNetworkPolicy['spec']['egress']): OracleNetworkPolicy => ({ namespace: 'dev', name: 'out', spec: { podSelector: {}, policyTypes: ['Egress'], egress: to } });
  const byBlock = np([{ to: [{ ipBlock: { cidr: '10.10.3.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 'http' }] }]);
  const cl = (p: OracleNetworkPolicy): OracleAntreaCluster => ({ ...base([], [p]), pods: [client, target] });
  assert.equal(evaluateAntreaConnection(cl(byBlock), P(client), P(target), tcp(8080), ANTREA_PROFILE).attribution, { type: 'default-deny', direction: 'egress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'dev', name: 'out' }] });
  assert.is(evaluateAntreaConnection(cl(byBlock), P(client), P(target), tcp(443), ANTREA_PROFILE).verdict, 'allowed', 'numbered ports stay');
  // Through a selector peer (or no `to` at all) the name resolves per destination pod.
  const bySelector = np([{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web2' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }]);
  assert.is(evaluateAntreaConnection(cl(bySelector), P(client), P(target), tcp(8080), ANTREA_PROFILE).verdict, 'allowed');
  assert.is(evaluateAntreaConnection(cl(np([{ ports: [{ protocol: 'TCP', port: 'http' }] }])), P(client), P(target), tcp(8080), ANTREA_PROFILE).verdict, 'allowed');
});

test.run();
