/**
 * The NetworkPolicy oracle checked against truth tables derived by hand from the Kubernetes
 * documentation's own examples (https://kubernetes.io/docs/concepts/services-networking/network-policies/,
 * sections cited per test) and the NetworkPolicy API reference — not against the product or the lab.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidrHolds, formatOracleIp, parseOracleCidr, parseOracleIp } from './cidr.js';
import {
  ANTREA_PROFILE,
  effectivePolicyTypes,
  evaluateK8sConnection,
  KUBERNETES_API_PROFILE,
  OVN_KUBERNETES_PROFILE,
  type OracleCluster,
  type OracleEndpoint,
  type OracleNetworkPolicy,
  type OraclePacket,
  type OraclePod,
} from './netpol-evaluator.js';
import { selectorSelects } from './oracle-selector.js';

const pod = (namespace: string, name: string, labels: Record<string, string>, ips: string[], ports?: OraclePod['ports']): OraclePod => ({ namespace, name, labels, ips, ...(ports ? { ports } : {}) });
const tcp = (port: number, family: 4 | 6 = 4): OraclePacket => ({ family, protocol: 'TCP', port });
const udp = (port: number): OraclePacket => ({ family: 4, protocol: 'UDP', port });
const P = (p: OraclePod): OracleEndpoint => ({ pod: p });
const IP = (ip: string): OracleEndpoint => ({ ip });

// --- the "NetworkPolicy resource" example: test-network-policy in namespace default -----------
const db = pod('default', 'db', { role: 'db' }, ['10.1.0.10']);
const frontend = pod('default', 'frontend', { role: 'frontend' }, ['10.1.0.11']);
const other = pod('default', 'other', { role: 'other' }, ['10.1.0.12']);
const myproj = pod('myproject', 'any', { x: 'y' }, ['10.1.1.5']);
const elsewhere = pod('elsewhere', 'fe', { role: 'frontend' }, ['10.1.2.5']);
const testNetworkPolicy: OracleNetworkPolicy = {
  namespace: 'default',
  name: 'test-network-policy',
  spec: {
    podSelector: { matchLabels: { role: 'db' } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      {
        from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }],
        ports: [{ protocol: 'TCP', port: 6379 }],
      },
    ],
    egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
  },
};
const docCluster: OracleCluster = {
  namespaces: [{ name: 'default' }, { name: 'myproject', labels: { project: 'myproject' } }, { name: 'elsewhere' }],
  pods: [db, frontend, other, myproj, elsewhere],
  networkPolicies: [testNetworkPolicy],
};

test('docs "The NetworkPolicy resource": ingress to role=db on TCP 6379 from the three peers only', () => {
  // "allows connections to all pods in the default namespace with the label role=db on TCP port
  // 6379 from: any pod in the default namespace with the label role=frontend; any pod in a
  // namespace with the label project=myproject; IP addresses in the ranges 172.17.0.0–172.17.0.255
  // and 172.17.2.0–172.17.255.255"
  const table: Array<[OracleEndpoint, OraclePacket, 'allowed' | 'dropped']> = [
    [P(frontend), tcp(6379), 'allowed'],
    [P(myproj), tcp(6379), 'allowed'],
    [IP('172.17.0.255'), tcp(6379), 'allowed'],
    [IP('172.17.2.0'), tcp(6379), 'allowed'],
    [IP('172.17.255.255'), tcp(6379), 'allowed'],
    [IP('172.17.1.7'), tcp(6379), 'dropped'], // except
    [IP('172.18.0.1'), tcp(6379), 'dropped'],
    [P(other), tcp(6379), 'dropped'], // same namespace, wrong label
    [P(elsewhere), tcp(6379), 'dropped'], // role=frontend, but podSelector alone means the policy's namespace
    [P(frontend), tcp(6380), 'dropped'],
    [P(frontend), udp(6379), 'dropped'], // protocol is part of the port
  ];
  for (const [src, pkt, want] of table) {
    const d = evaluateK8sConnection(docCluster, src, P(db), pkt, KUBERNETES_API_PROFILE);
    assert.is(d.verdict, want, `${JSON.stringify(src).slice(0, 60)} ${pkt.protocol}/${pkt.port}`);
    if (want === 'dropped') assert.equal(d.attribution, { type: 'default-deny', direction: 'ingress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'default', name: 'test-network-policy' }] });
    else assert.equal(d.ingress.rule, { policy: { kind: 'NetworkPolicy', namespace: 'default', name: 'test-network-policy' }, index: 0, action: 'Allow' });
  }
});

test('docs "The NetworkPolicy resource": egress from role=db only to 10.0.0.0/24 on TCP 5978; other pods are not isolated', () => {
  assert.is(evaluateK8sConnection(docCluster, P(db), IP('10.0.0.200'), tcp(5978), KUBERNETES_API_PROFILE).verdict, 'allowed');
  const denied = evaluateK8sConnection(docCluster, P(db), IP('10.0.1.1'), tcp(5978), KUBERNETES_API_PROFILE);
  assert.equal(denied.attribution, { type: 'default-deny', direction: 'egress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'default', name: 'test-network-policy' }] });
  // db → frontend: egress of db denied first (the egress side decides before ingress).
  assert.is(evaluateK8sConnection(docCluster, P(db), P(frontend), tcp(80), KUBERNETES_API_PROFILE).attribution?.direction, 'egress');
  // Pods the policy does not select are not isolated: frontend → other is allowed.
  assert.is(evaluateK8sConnection(docCluster, P(frontend), P(other), tcp(80), KUBERNETES_API_PROFILE).verdict, 'allowed');
});

test('docs "Behavior of to and from selectors": one peer with both selectors is their AND, two peers their OR', () => {
  const alice = { name: 'alice-ns', labels: { user: 'alice' } };
  const bob = { name: 'bob-ns', labels: { user: 'bob' } };
  const target = pod('t', 'target', { app: 't' }, ['10.2.0.2']);
  const aliceClient = pod('alice-ns', 'c', { role: 'client' }, ['10.2.1.2']);
  const aliceOther = pod('alice-ns', 'o', { role: 'other' }, ['10.2.1.3']);
  const bobClient = pod('bob-ns', 'c', { role: 'client' }, ['10.2.2.2']);
  const localClient = pod('t', 'c', { role: 'client' }, ['10.2.0.3']);
  const mk = (from: OracleNetworkPolicy['spec']['ingress']): OracleCluster => ({
    namespaces: [alice, bob, { name: 't' }],
    pods: [target, aliceClient, aliceOther, bobClient, localClient],
    networkPolicies: [{ namespace: 't', name: 'p', spec: { podSelector: {}, ingress: from } }],
  });
  const and = mk([{ from: [{ namespaceSelector: { matchLabels: { user: 'alice' } }, podSelector: { matchLabels: { role: 'client' } } }] }]);
  const or = mk([{ from: [{ namespaceSelector: { matchLabels: { user: 'alice' } } }, { podSelector: { matchLabels: { role: 'client' } } }] }]);
  const v = (c: OracleCluster, src: OraclePod) => evaluateK8sConnection(c, P(src), P(target), tcp(80), KUBERNETES_API_PROFILE).verdict;
  // AND: "allows connections from Pods with the label role=client in Namespaces with the label user=alice"
  assert.equal([aliceClient, aliceOther, bobClient, localClient].map((s) => v(and, s)), ['allowed', 'dropped', 'dropped', 'dropped']);
  // OR: "allows connections from Pods in the local Namespace with the label role=client, or from any Pod in any namespace with the label user=alice"
  assert.equal([aliceClient, aliceOther, bobClient, localClient].map((s) => v(or, s)), ['allowed', 'allowed', 'dropped', 'allowed']);
});

test('docs "Default policies": deny all / allow all ingress and egress; empty vs missing rules', () => {
  const a = pod('ns', 'a', { app: 'a' }, ['10.3.0.2']);
  const b = pod('ns', 'b', { app: 'b' }, ['10.3.0.3']);
  const c = (...nps: OracleNetworkPolicy['spec'][]): OracleCluster => ({ namespaces: [{ name: 'ns' }], pods: [a, b], networkPolicies: nps.map((spec, i) => ({ namespace: 'ns', name: `p${i}`, spec })) });
  const v = (cl: OracleCluster, pkt: OraclePacket = tcp(80)) => evaluateK8sConnection(cl, P(a), P(b), pkt, KUBERNETES_API_PROFILE);
  // default-deny-ingress: podSelector {}, policyTypes [Ingress]
  assert.equal(v(c({ podSelector: {}, policyTypes: ['Ingress'] })).attribution, { type: 'default-deny', direction: 'ingress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'ns', name: 'p0' }] });
  // allow-all-ingress: ingress: [{}] — an empty rule matches every source and port (also ICMP)
  assert.is(v(c({ podSelector: {}, policyTypes: ['Ingress'] }, { podSelector: {}, ingress: [{}] }), { family: 4, protocol: 'ICMP' }).verdict, 'allowed');
  // default-deny-egress: policyTypes [Egress]
  assert.is(v(c({ podSelector: {}, policyTypes: ['Egress'] })).attribution?.direction, 'egress');
  // allow-all-egress: egress: [{}] with policyTypes [Egress]
  assert.is(v(c({ podSelector: {}, policyTypes: ['Egress'] }, { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })).verdict, 'allowed');
  // default-deny-all: both types; isolatedBy lists every isolating policy, sorted by name
  const both = v(c({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'] }));
  assert.equal(both.attribution, { type: 'default-deny', direction: 'egress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'ns', name: 'p0' }, { kind: 'NetworkPolicy', namespace: 'ns', name: 'p1' }] });
  // A rule with from: [] (empty list) is the same as a missing from: every source.
  assert.is(v(c({ podSelector: {}, ingress: [{ from: [], ports: [] }] })).verdict, 'allowed');
  // A rule with ports lists no ICMP: ICMP is not allowed by it.
  assert.is(v(c({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }), { family: 4, protocol: 'ICMP' }).verdict, 'dropped');
});

test('API reference: policyTypes defaults to Ingress, plus Egress when egress rules exist (an empty egress list adds nothing)', () => {
  const np = (spec: Partial<OracleNetworkPolicy['spec']>): OracleNetworkPolicy => ({ namespace: 'n', name: 'x', spec: { podSelector: {}, ...spec } });
  assert.equal(effectivePolicyTypes(np({})), ['Ingress']);
  assert.equal(effectivePolicyTypes(np({ egress: [] })), ['Ingress']);
  assert.equal(effectivePolicyTypes(np({ egress: [{}] })), ['Ingress', 'Egress']);
  assert.equal(effectivePolicyTypes(np({ policyTypes: ['Egress'], ingress: [{}] })), ['Egress']);
  // A policy with only egress rules and no policyTypes still isolates ingress.
  const a = pod('n', 'a', {}, ['10.4.0.2']);
  const b = pod('n', 'b', {}, ['10.4.0.3']);
  const cl: OracleCluster = { namespaces: [{ name: 'n' }], pods: [a, b], networkPolicies: [np({ egress: [{}] })] };
  assert.equal(evaluateK8sConnection(cl, P(a), P(b), tcp(1), KUBERNETES_API_PROFILE).attribution, { type: 'default-deny', direction: 'ingress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'n', name: 'x' }] });
});

test('docs "Targeting a range of ports": endPort is inclusive; protocol defaults to TCP', () => {
  const dbPod = pod('default', 'db', { role: 'db' }, ['10.5.0.2']);
  const cl: OracleCluster = {
    namespaces: [{ name: 'default' }],
    pods: [dbPod],
    networkPolicies: [{ namespace: 'default', name: 'multi-port-egress', spec: { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }] } }],
  };
  const v = (port: number, ip = '10.0.0.9') => evaluateK8sConnection(cl, P(dbPod), IP(ip), tcp(port), KUBERNETES_API_PROFILE).verdict;
  assert.equal([31999, 32000, 32500, 32768, 32769].map((p) => v(p)), ['dropped', 'allowed', 'allowed', 'allowed', 'dropped']);
  assert.is(v(32000, '10.0.1.9'), 'dropped');
  const noProto: OracleCluster = { ...cl, networkPolicies: [{ namespace: 'default', name: 'x', spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53 }] }] } }] };
  assert.is(evaluateK8sConnection(noProto, P(dbPod), IP('1.1.1.1'), tcp(53), KUBERNETES_API_PROFILE).verdict, 'allowed');
  assert.is(evaluateK8sConnection(noProto, P(dbPod), IP('1.1.1.1'), udp(53), KUBERNETES_API_PROFILE).verdict, 'dropped');
});

test('docs "Targeting a Namespace by its name": kubernetes.io/metadata.name is always set', () => {
  const dst = pod('a', 'd', {}, ['10.6.0.2']);
  const src = pod('b', 's', {}, ['10.6.1.2']);
  const cl: OracleCluster = {
    namespaces: [{ name: 'a' }, { name: 'b' }],
    pods: [dst, src],
    networkPolicies: [{ namespace: 'a', name: 'from-b', spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }] }] } }],
  };
  assert.is(evaluateK8sConnection(cl, P(src), P(dst), tcp(1), KUBERNETES_API_PROFILE).verdict, 'allowed');
});

test('API reference "port": a named port resolves against the destination pod; ovn-kubernetes allows the whole protocol', () => {
  const web1 = pod('w', 'web1', { app: 'web' }, ['10.7.0.2'], [{ name: 'http', containerPort: 8080 }]);
  const web2 = pod('w', 'web2', { app: 'web' }, ['10.7.0.3'], [{ name: 'http', containerPort: 9090 }]);
  const noPort = pod('w', 'plain', { app: 'web' }, ['10.7.0.4']);
  const client = pod('c', 'client', {}, ['10.7.1.2']);
  const cl: OracleCluster = { namespaces: [{ name: 'w' }, { name: 'c' }], pods: [web1, web2, noPort, client], networkPolicies: [{ namespace: 'w', name: 'http', spec: { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] } }] };
  const v = (dst: OraclePod, port: number, profile = KUBERNETES_API_PROFILE) => evaluateK8sConnection(cl, P(client), P(dst), tcp(port), profile).verdict;
  // per destination pod: 8080 on web1, 9090 on web2, nothing on a pod without the name
  assert.equal([v(web1, 8080), v(web1, 9090), v(web2, 9090), v(web2, 8080), v(noPort, 8080)], ['allowed', 'dropped', 'allowed', 'dropped', 'dropped']);
  assert.equal([v(web1, 8080, ANTREA_PROFILE), v(web1, 9090, ANTREA_PROFILE)], ['allowed', 'dropped']);
  // ovn-kubernetes: every TCP port, on every selected pod (the departure is noted)
  assert.equal([v(web1, 1, OVN_KUBERNETES_PROFILE), v(noPort, 8080, OVN_KUBERNETES_PROFILE)], ['allowed', 'allowed']);
  const departed = evaluateK8sConnection(cl, P(client), P(noPort), tcp(1), OVN_KUBERNETES_PROFILE).ingress;
  assert.match(departed.notes.join(), /NetworkPolicy w\/http ingress\[0\]: ovn-kubernetes: named port http allows every TCP port/);
  assert.is(departed.allowedByDeparture, true, 'allowed only by the departure: the CNI should warn');
  assert.is(evaluateK8sConnection(cl, P(client), P(web1), tcp(8080), OVN_KUBERNETES_PROFILE).ingress.allowedByDeparture, undefined, 'the name resolves to this port: no departure');
  assert.is(evaluateK8sConnection(cl, P(client), P(web1), udp(8080), OVN_KUBERNETES_PROFILE).verdict, 'dropped');
  // Egress: resolved against the peer (destination) pod.
  const eg: OracleCluster = { ...cl, networkPolicies: [{ namespace: 'c', name: 'out', spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] } }] };
  assert.equal([evaluateK8sConnection(eg, P(client), P(web2), tcp(9090), KUBERNETES_API_PROFILE).verdict, evaluateK8sConnection(eg, P(client), P(web1), tcp(9090), KUBERNETES_API_PROFILE).verdict], ['allowed', 'dropped']);
  assert.is(evaluateK8sConnection(eg, P(client), IP('8.8.8.8'), tcp(8080), KUBERNETES_API_PROFILE).verdict, 'dropped');
});

test('ovn-kubernetes: a port-less entry beside a numbered entry of the same protocol is lost (getProtocolPortsMap)', () => {
  const a = pod('n', 'a', {}, ['10.8.0.2']);
  const b = pod('n', 'b', {}, ['10.8.0.3']);
  const cl: OracleCluster = { namespaces: [{ name: 'n' }], pods: [a, b], networkPolicies: [{ namespace: 'n', name: 'p', spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP' }, { protocol: 'TCP', port: 80 }, { protocol: 'UDP' }] }] } }] };
  const v = (pkt: OraclePacket, profile = KUBERNETES_API_PROFILE) => evaluateK8sConnection(cl, P(a), P(b), pkt, profile).verdict;
  assert.equal([v(tcp(81)), v(tcp(80)), v(udp(5))], ['allowed', 'allowed', 'allowed']);
  assert.equal([v(tcp(81), OVN_KUBERNETES_PROFILE), v(tcp(80), OVN_KUBERNETES_PROFILE), v(udp(5), OVN_KUBERNETES_PROFILE)], ['dropped', 'allowed', 'allowed']);
});

test('ipBlock: IPv6 CIDRs and except; a pod IP counts as an ipBlock match (per-CNI choice); families never cross', () => {
  const d = pod('n', 'd', {}, ['10.9.0.2', 'fd00:10:244:1::2']);
  const s = pod('m', 's', {}, ['10.9.1.2', 'fd00:10:244:2::5']);
  const cl: OracleCluster = {
    namespaces: [{ name: 'n' }, { name: 'm' }],
    pods: [d, s],
    networkPolicies: [{ namespace: 'n', name: 'v6', spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: 'fd00:10:244::/48', except: ['fd00:10:244:2::/64'] } }, { ipBlock: { cidr: '10.9.1.0/24' } }] }] } }],
  };
  assert.is(evaluateK8sConnection(cl, P(s), P(d), tcp(1, 4), KUBERNETES_API_PROFILE).verdict, 'allowed');
  assert.is(evaluateK8sConnection(cl, P(s), P(d), tcp(1, 6), KUBERNETES_API_PROFILE).verdict, 'dropped');
  assert.is(evaluateK8sConnection(cl, IP('fd00:10:244:3::9'), P(d), tcp(1, 6), KUBERNETES_API_PROFILE).verdict, 'allowed');
  assert.is(evaluateK8sConnection(cl, P(s), P(d), tcp(1, 4), { ...KUBERNETES_API_PROFILE, podIpsMatchIpBlocks: false }).verdict, 'dropped');
});

test('selectors: matchExpressions In/NotIn/Exists/DoesNotExist (NotIn and DoesNotExist match an absent key)', () => {
  const s = { matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'NotIn' as const, values: ['x'] }, { key: 'c', operator: 'DoesNotExist' as const }] };
  assert.ok(selectorSelects(s, { a: '1' }));
  assert.ok(selectorSelects(s, { a: '1', b: 'y' }));
  assert.not.ok(selectorSelects(s, { a: '1', b: 'x' }));
  assert.not.ok(selectorSelects(s, { a: '1', c: '' }));
  assert.not.ok(selectorSelects({ matchExpressions: [{ key: 'b', operator: 'In', values: ['x'] }] }, {}));
  assert.ok(selectorSelects({ matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { b: '' }));
  assert.ok(selectorSelects({}, undefined));
});

test('CIDR arithmetic: prefixes, host bits, IPv6 compression and IPv4 tails', () => {
  const c = (t: string) => parseOracleCidr(t)!;
  const ip = (t: string) => parseOracleIp(t)!;
  assert.ok(cidrHolds(c('10.0.0.0/8'), ip('10.255.255.255')));
  assert.not.ok(cidrHolds(c('10.0.0.0/8'), ip('11.0.0.0')));
  assert.ok(cidrHolds(c('10.1.2.3/32'), ip('10.1.2.3')));
  assert.ok(cidrHolds(c('0.0.0.0/0'), ip('1.2.3.4')));
  assert.not.ok(cidrHolds(c('0.0.0.0/0'), ip('::1')));
  assert.ok(cidrHolds(c('10.1.2.3/24'), ip('10.1.2.200')), 'host bits of the block are ignored');
  assert.ok(cidrHolds(c('fd00::/8'), ip('fdff:1::1')));
  assert.not.ok(cidrHolds(c('fd00:10:244:1::/64'), ip('fd00:10:244:2::1')));
  assert.is(ip('::ffff:1.2.3.4').value, 0xffff01020304n);
  assert.is(formatOracleIp(ip('fd00:10:244:0:0:0:0:5')), 'fd00:10:244::5');
  assert.is(formatOracleIp(ip('10.244.1.5')), '10.244.1.5');
  for (const bad of ['10.0.0.256', '1.2.3', 'fd00::1::2', '1:2:3:4:5:6:7:8:9', 'g::1']) assert.is(parseOracleIp(bad), undefined, bad);
  assert.is(parseOracleCidr('10.0.0.0/33'), undefined);
});

test.run();
