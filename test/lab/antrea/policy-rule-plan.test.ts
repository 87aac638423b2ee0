// Pure: how the lab's Antrea flavour turns policies into OpenFlow rules — ipBlock except as
// address sets, per-pod named ports, merged conjunction flows, masked port ranges, priorities.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadScenario } from '../../../lab/scenario/scenario-loader.js';
import { cidrContains, mustParseCidr, mustParseIp } from '../../../lab/scenario/ip-address.js';
import { ipBlockCidrs } from '../../../lab/antrea/ip-block-cidrs.js';
import { portRangeMatches } from '../../../lab/antrea/port-range-match.js';
import { initialRulePriority } from '../../../lab/antrea/policy-priority.js';
import { planPolicyRules } from '../../../lab/antrea/policy-rule-plan.js';
import { antreaRuleName } from '../../../lab/antrea/rule-name.js';
import { FlowSet, planAntreaCluster } from '../../../lab/antrea/pipeline-plan.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';
import { repoRoot } from '../../helpers/paths.js';

const base = loadScenario(join(repoRoot, 'lab', 'scenarios', 'antrea.yaml'));
const covered = (cidrs: string[], ip: string) => cidrs.filter((c) => cidrContains(mustParseCidr(c), mustParseIp(ip))).length;

test('ipBlock except: cidr minus every except, disjoint, nothing excepted left', () => {
  const cidrs = ipBlockCidrs('10.0.0.0/8', ['10.10.1.0/24', '10.10.1.128/25', '10.200.0.0/16']);
  for (const ip of ['10.0.0.1', '10.10.0.255', '10.10.2.0', '10.199.255.255', '10.201.0.0', '10.255.255.255']) assert.is(covered(cidrs, ip), 1, ip);
  for (const ip of ['10.10.1.0', '10.10.1.200', '10.200.3.4']) assert.is(covered(cidrs, ip), 0, ip);
  assert.equal(ipBlockCidrs('10.10.1.0/24', ['10.10.1.0/24']), []);
  assert.equal(ipBlockCidrs('10.10.1.4/32'), ['10.10.1.4/32']);
});

test('port ranges: aligned masked blocks covering exactly the range', () => {
  assert.equal(portRangeMatches(1000, 1000), [{ value: 1000, mask: 0xffff }]);
  for (const [a, b] of [[1000, 2000], [1, 65535], [80, 81], [32768, 60999]] as const) {
    const m = portRangeMatches(a, b);
    const inside = (p: number) => m.filter((x) => (p & x.mask) === x.value).length;
    for (const p of [a - 1, a, Math.floor((a + b) / 2), b, b + 1]) if (p >= 1 && p <= 65535) assert.is(inside(p), p >= a && p <= b ? 1 : 0, `${a}-${b}: ${p}`);
  }
});

test('priorities: Antrea initialOFPriority (docs/design/ovs-pipeline.md: application p5 → 14500, 14499)', () => {
  assert.is(initialRulePriority(250, 5, 0), 14500);
  assert.is(initialRulePriority(250, 5, 1), 14499);
  assert.is(initialRulePriority(50, 1, 0), 65000 - (200 * 50 + 20));
  assert.is(initialRulePriority(253, 1, 2), 180 - 12);
  assert.is(initialRulePriority(250, 200, 0), undefined, 'outside the table range');
});

function withPolicies(extra: Partial<Scenario>): Scenario {
  return { ...structuredClone(base), ...extra };
}

test('egress named port: resolved per destination pod, one rule per resolution, ipBlocks keep numeric ports only', () => {
  const s = withPolicies({
    pods: [...base.pods.map((p) => (p.name === 'api' ? { ...p, ports: [{ name: 'http', containerPort: 9090 }] } : p))],
    networkPolicies: [
      {
        name: 'named',
        namespace: 'frontend',
        spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }, { ipBlock: { cidr: '192.168.0.0/16' } }], ports: [{ protocol: 'TCP', port: 'http' }, { protocol: 'UDP', port: 53 }] }] },
      },
    ],
    antreaNetworkPolicies: [],
  });
  const rules = planPolicyRules(s).rules;
  const byPeer = (ip: string) => rules.find((r) => r.peers.includes(ip))!;
  const tcpPorts = (ip: string) => (byPeer(ip).services ?? []).filter((x) => x.protocol === 'tcp').map((x) => x.port?.value);
  assert.equal(tcpPorts('10.10.1.6'), [8080], 'web');
  assert.equal(tcpPorts('10.10.2.7'), [9090], 'api');
  // db (postgres only) cannot resolve "http": it shares the rule of the ipBlock, numeric ports only.
  assert.is(byPeer('10.10.2.5'), byPeer('192.168.0.0/16'));
  assert.equal(byPeer('192.168.0.0/16').services, [{ protocol: 'udp', port: { value: 53, mask: 0xffff } }]);
  assert.is(new Set(rules.map((r) => r.conjId)).size, rules.length);
});

test('egress named port without "to": resolved against every pod; the match-all peer keeps no port (allows nothing more)', () => {
  const s = withPolicies({
    networkPolicies: [{ name: 'any', namespace: 'frontend', spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] } }],
    antreaNetworkPolicies: [],
  });
  const rules = planPolicyRules(s).rules;
  const got = rules.map((r) => JSON.stringify([[...r.peers].sort(), r.services?.map((x) => `${x.protocol}/${x.port?.value}`)])).sort();
  assert.equal(got, [JSON.stringify([['0.0.0.0/0', '10.10.1.5', '10.10.1.8', '10.10.2.5'], []]), JSON.stringify([['10.10.1.6', '10.10.2.7'], ['tcp/8080']])]);
});

test('ingress named port: resolved per applied pod', () => {
  const s = withPolicies({
    pods: [...base.pods.map((p) => (p.name === 'db' ? { ...p, ports: [{ name: 'http', containerPort: 8443 }] } : p))],
    networkPolicies: [{ name: 'named-in', namespace: 'backend', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'http' }] }] } }],
    antreaNetworkPolicies: [],
  });
  const rules = planPolicyRules(s).rules;
  assert.equal(rules.map((r) => [r.appliedTo.map((p) => p.name), r.services?.map((x) => x.port?.value), r.peers]), [
    [['web'], [8080], ['0.0.0.0/0']],
    [['db'], [8443], ['0.0.0.0/0']],
  ]);
});

test('an ipBlock /32 equal to a pod IP another rule selects: one flow with both conjunction actions', () => {
  const s = withPolicies({
    networkPolicies: [
      {
        name: 'both',
        namespace: 'backend',
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'frontend' } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] }, { from: [{ ipBlock: { cidr: '10.10.1.5/32' } }] }],
        },
      },
    ],
  });
  const plan = planAntreaCluster(s);
  const w1 = plan.nodes.find((n) => n.name === 'antrea-worker')!;
  const [a, b] = plan.rules.filter((r) => r.policyName === 'both');
  const line = w1.flows.find((f) => /^table=24,[^ ]*priority=200,ip,nw_src=10\.10\.1\.5 /.test(f));
  assert.ok(line, w1.flows.join('\n'));
  assert.match(line!, new RegExp(`actions=conjunction\\(${a!.conjId},1/3\\),conjunction\\(${b!.conjId},1/2\\)$`));
  const keys = w1.flows.map((f) => f.replace(/cookie=0x[0-9a-f]+,/, '').split(' actions=')[0]);
  assert.is(new Set(keys).size, keys.length);
});

test('FlowSet: OVS-equal matches are one flow; a clash between different actions is an error', () => {
  const f = new FlowSet();
  f.add(13, 200, 'ip,nw_dst=10.1.1.1', 'conjunction(1,2/2)', '0x1');
  f.add(13, 200, 'ip,nw_dst=10.1.1.1/32', 'conjunction(2,2/3)', '0x2');
  f.add(13, 200, 'ip,nw_dst=0.0.0.0/0', 'conjunction(3,2/2)', '0x3');
  f.add(13, 200, 'ip', 'conjunction(4,2/2)', '0x4');
  assert.equal(f.lines(), ['table=13,cookie=0x1,priority=200,ip,nw_dst=10.1.1.1 actions=conjunction(1,2/2),conjunction(2,2/3)', 'table=13,cookie=0x3,priority=200,ip actions=conjunction(3,2/2),conjunction(4,2/2)']);
  assert.throws(() => f.add(13, 200, 'ip,nw_dst=10.1.1.1', 'drop', '0x5'), (e: Error & { code?: string }) => e.code === 'LAB_ANTREA_PLAN_CONFLICT' && /same match/.test(e.message));
});

test('Antrea-native rules: tiers and priorities, baseline in the Default tables, rule index per direction', () => {
  const s = withPolicies({
    antreaNetworkPolicies: [
      { name: 'p', namespace: 'backend', spec: { priority: 5, appliedTo: [{ podSelector: {} }], ingress: [{ action: 'Drop', name: 'i0' }, { action: 'Pass', name: 'i1' }], egress: [{ action: 'Allow', name: 'e0' }] } },
      { name: 'sec', namespace: 'backend', spec: { tier: 'securityops', priority: 2, appliedTo: [{ podSelector: {} }], ingress: [{ action: 'Reject', name: 's0' }] } },
      { name: 'base', namespace: 'backend', spec: { tier: 'baseline', priority: 3, appliedTo: [{ podSelector: {} }], egress: [{ action: 'Drop', name: 'b0' }] } },
    ],
  });
  const rules = planPolicyRules(s).rules.filter((r) => r.type === 'AntreaNetworkPolicy');
  assert.equal(rules.map((r) => [r.ruleName, r.table, r.ovsPriority]), [
    ['i0', 'AntreaPolicyIngressRule', 14500],
    ['i1', 'AntreaPolicyIngressRule', 14499],
    ['e0', 'AntreaPolicyEgressRule', 14500],
    ['s0', 'AntreaPolicyIngressRule', 65000 - (20000 + 40)],
    ['b0', 'EgressDefaultRule', 150],
  ]);
});

test('unnamed rules get antrea-controller\'s generated names (upstream mutate_test.go vectors)', () => {
  assert.is(antreaRuleName('Ingress', { action: 'Allow', from: [{ podSelector: { matchLabels: { foo1: 'bar1' } } }] }), 'ingress-allow-c4f16d3');
  assert.is(antreaRuleName('Ingress', { action: 'Allow', from: [{ podSelector: { matchLabels: { foo2: 'bar2' } } }] }), 'ingress-allow-be87b58');
  assert.is(antreaRuleName('Egress', { action: 'Allow', to: [{ podSelector: { matchLabels: { foo2: 'bar2' } } }] }), 'egress-allow-44b2575');
  assert.is(antreaRuleName('Ingress', { action: 'Drop', name: 'mine' }), 'mine');
});

test.run();
