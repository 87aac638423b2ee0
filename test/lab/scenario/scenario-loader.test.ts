import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { loadScenario, loadScenarioFile, parseScenarioYaml } from '../../../lab/scenario/scenario-loader.js';
import { ScenarioError } from '../../../lab/scenario/scenario-error.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';
import { repoRoot } from '../../helpers/paths.js';

const defaultPath = join(repoRoot, 'lab', 'scenarios', 'default.yaml');
const base = (): Scenario => parse(readFileSync(defaultPath, 'utf8')) as Scenario;

/** Expects a ScenarioError whose issues include one matching `re`. */
function rejects(s: unknown, re: RegExp): ScenarioError {
  try {
    loadScenario(s as Scenario);
  } catch (err) {
    assert.instance(err, ScenarioError);
    const e = err as ScenarioError;
    assert.is(e.code, 'LAB_BAD_SCENARIO');
    assert.ok(e.issues.some((i) => re.test(i)), `no issue matches ${re}: ${JSON.stringify(e.issues)}`);
    assert.match(e.message, re);
    return e;
  }
  assert.unreachable(`scenario accepted, expected ${re}`);
  throw new Error('unreachable');
}

test('the default scenario loads with defaults filled in', () => {
  const s = loadScenarioFile(defaultPath);
  assert.is(s.name, 'default');
  assert.is(s.ovn?.mode, 'interconnect');
  assert.is(s.nodes.length, 2);
  assert.ok(s.pods.every((p) => p.ready === true));
  assert.equal(s.restrictedUserDenies, ['create pods/exec']);
});

test('the caller object is not modified', () => {
  const s = base();
  delete s.flavour;
  loadScenario(s);
  assert.is(s.flavour, undefined);
});

test('unknown node on a pod names the pod', () => {
  const s = base();
  s.pods[1]!.node = 'ovn-worker9';
  rejects(s, /pods\[1\] "frontend\/api": node "ovn-worker9" is not defined/);
});

test('duplicate pod, node, service names', () => {
  const s = base();
  s.pods.push({ ...s.pods[0]!, ip: '10.244.1.50', ipv6: 'fd00:10:244:1::50' });
  rejects(s, /duplicate pod "frontend\/client"/);
  const n = base();
  n.nodes.push({ ...n.nodes[0]!, podSubnet: '10.244.9.0/24', podSubnetV6: undefined, nodeIP: '172.18.0.9' });
  rejects(n, /nodes\[2\] "ovn-worker": duplicate node name/);
  const v = base();
  v.services!.push({ ...v.services![0]!, clusterIP: '10.96.0.99' });
  rejects(v, /services\[2\] "backend\/web": duplicate service/);
});

test('duplicate IP between pods, and a ClusterIP reusing a pod IP', () => {
  const s = base();
  s.pods[2]!.ip = '10.244.1.5';
  rejects(s, /pods\[2\] "backend\/web": IP address is already used by pod "frontend\/client"/);
  const v = base();
  v.services![0]!.clusterIP = '10.96.0.53';
  rejects(v, /services\[1\] "frontend\/dns": IP address is already used by service "backend\/web"/);
});

test('pod IP outside its node podSubnet, v4 and v6', () => {
  const s = base();
  s.pods[0]!.ip = '10.244.2.50';
  rejects(s, /pods\[0\] "frontend\/client": ip 10\.244\.2\.50 is outside node "ovn-worker" podSubnet/);
  const v6 = base();
  v6.pods[0]!.ipv6 = 'fd00:10:244:2::50';
  rejects(v6, /pods\[0\] "frontend\/client": ipv6 fd00:10:244:2::50 is outside node "ovn-worker" podSubnetV6/);
  const gw = base();
  gw.pods[0]!.ip = '10.244.1.1';
  rejects(gw, /ip 10\.244\.1\.1 is reserved/);
});

test('malformed IPs and CIDRs', () => {
  const s = base();
  s.nodes[0]!.podSubnet = '10.244.1.0/33';
  rejects(s, /nodes\[0\] "ovn-worker": podSubnet "10\.244\.1\.0\/33" is not an IPv4 CIDR/);
  const h = base();
  h.nodes[1]!.podSubnet = '10.244.2.7/24';
  rejects(h, /nodes\[1\] "ovn-worker2": podSubnet .* host bits clear/);
  const p = base();
  p.pods[0]!.ip = '10.244.1.300';
  rejects(p, /pods\[0\] "frontend\/client": ip "10\.244\.1\.300" is not an IPv4 address/);
  const o = base();
  o.nodes[1]!.podSubnet = '10.244.0.0/16';
  rejects(o, /overlaps the pod subnet of node "ovn-worker"/);
});

test('unknown namespace, and the reserved ovn-kubernetes namespace', () => {
  const s = base();
  s.pods[0]!.namespace = 'nope';
  rejects(s, /pods\[0\] "nope\/client": namespace "nope" is not defined in namespaces/);
  const np = base();
  np.networkPolicies![0]!.namespace = 'ghost';
  rejects(np, /networkPolicies\[0\] "ghost\/default-deny": namespace "ghost" is not defined/);
  const r = base();
  r.namespaces!.push({ name: 'ovn-kubernetes' });
  rejects(r, /reserved for the lab's ovnkube-node pods/);
});

test('a service selector matching no pod is refused', () => {
  const s = base();
  s.services![0]!.selector = { app: 'missing' };
  rejects(s, /services\[0\] "backend\/web": selector \{"app":"missing"\} matches no pod/);
  const t = base();
  t.services![0]!.ports[0]!.targetPort = 'nohttp';
  rejects(t, /targetPort "nohttp" is not a TCP container port name/);
});

test('NetworkPolicy selectors: peer matching nothing is an error, {} in an empty namespace is fine', () => {
  const peer = base();
  peer.networkPolicies![1]!.spec.ingress![0]!.from = [{ podSelector: { matchLabels: { app: 'ghost' } } }];
  rejects(peer, /networkPolicies\[1\] "backend\/allow-frontend-to-web": spec\.ingress\[0\]\.from\[0\]: podSelector matches no pod in namespace "backend"/);
  const ns = base();
  ns.networkPolicies![1]!.spec.ingress![0]!.from = [{ namespaceSelector: { matchLabels: { team: 'nobody' } } }];
  rejects(ns, /from\[0\]: namespaceSelector matches no namespace/);
  const target = base();
  target.networkPolicies![1]!.spec.podSelector = { matchLabels: { app: 'ghost' } };
  rejects(target, /allow-frontend-to-web": spec\.podSelector matches no pod in namespace "backend"/);
  const ok = base();
  ok.namespaces!.push({ name: 'empty' });
  ok.networkPolicies!.push({ name: 'deny-all', namespace: 'empty', spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
  assert.is(loadScenario(ok).networkPolicies!.length, base().networkPolicies!.length + 1);
  const expr = base();
  expr.networkPolicies![1]!.spec.podSelector = { matchExpressions: [{ key: 'app', operator: 'In' }] };
  rejects(expr, /operator In needs at least one value/);
  const block = base();
  block.networkPolicies![1]!.spec.ingress![0]!.from = [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }];
  rejects(block, /except\[0\] 192\.168\.0\.0\/16 is not inside 10\.0\.0\.0\/8/);
});

test('a hostNetwork pod must use its node IP', () => {
  const s = base();
  s.pods.push({ name: 'hostagent', namespace: 'default', node: 'ovn-worker', hostNetwork: true, ip: '172.18.0.3' });
  const at = s.pods.length - 1;
  rejects(s, new RegExp(`pods\\[${at}\\] "default/hostagent": a hostNetwork pod's ip must be its node's nodeIP 172\\.18\\.0\\.2`));
  const ok = base();
  ok.pods.push({ name: 'hostagent', namespace: 'default', node: 'ovn-worker', hostNetwork: true });
  assert.is(loadScenario(ok).pods.at(-1)!.ip, '172.18.0.2');
});

test('unknown fields and YAML syntax errors are reported with the source', () => {
  const s = base() as unknown as Record<string, unknown>;
  s.podz = [];
  rejects(s, /scenario: unknown field "podz"/);
  try {
    parseScenarioYaml('name: x\nnodes: [\n', 'broken.yaml');
    assert.unreachable('accepted broken YAML');
  } catch (err) {
    assert.instance(err, ScenarioError);
    assert.match((err as Error).message, /broken\.yaml/);
    assert.match((err as ScenarioError).issues[0]!, /YAML syntax/);
  }
  try {
    loadScenarioFile('/nonexistent/scenario.yaml');
    assert.unreachable('accepted a missing file');
  } catch (err) {
    assert.is((err as ScenarioError).code, 'LAB_BAD_SCENARIO');
    assert.match((err as Error).message, /\/nonexistent\/scenario\.yaml/);
  }
});

test('every problem is listed, not only the first', () => {
  const s = base();
  s.pods[0]!.node = 'x';
  s.services![1]!.clusterIP = 'bogus';
  const e = rejects(s, /node "x" is not defined/);
  assert.ok(e.issues.some((i) => /clusterIP "bogus" is not an IPv4 address/.test(i)));
});

test.run();
