// Pure parts of the Antrea lab: scenario checks, the pipeline planner and the trace → observation mapping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../../lab/scenario/scenario-loader.js';
import { planAntreaCluster } from '../../../lab/antrea/pipeline-plan.js';
import { parseOfprotoTrace } from '../../../lab/antrea/ofproto-trace-reader.js';
import { observationsFromTrace } from '../../../lab/antrea/traceflow-observations.js';
import { buildInjectedPacket, senderFlow } from '../../../lab/antrea/traceflow-packet.js';
import { cookie, T } from '../../../lab/antrea/antrea-names.js';
import { fixturePath, repoRoot } from '../../helpers/paths.js';

const scenario = loadScenario(join(repoRoot, 'lab', 'scenarios', 'antrea.yaml'));

test('scenario: Antrea-only fields are refused on the OVN flavour and checked on Antrea', () => {
  const ovn = { ...structuredClone(scenario), flavour: 'ovn-kubernetes' as const };
  assert.throws(() => loadScenario(ovn), /liveTraffic: only the antrea flavour/);
  const bad = structuredClone(scenario);
  bad.antreaNetworkPolicies![0]!.spec.ingress![0]!.action = 'Deny' as never;
  bad.liveTraffic![0]!.from = 'frontend/ghost';
  assert.throws(() => loadScenario(bad), (e: Error) => /action must be one of Allow, Drop, Reject, Pass/.test(e.message) && /from must name a scenario pod/.test(e.message));
});

test('planner: Antrea table IDs, cookies with category bits, K8s allow as conjunctions, default drops', () => {
  const plan = planAntreaCluster(scenario);
  assert.is(plan.tableNames[T.Output], 'Output');
  assert.is(T.Output, 28);
  assert.is(cookie('NetworkPolicy', 5), '0x1020000000005');
  const w1 = plan.nodes.find((n) => n.name === 'antrea-worker')!;
  const web = w1.ports.find((p) => p.pod.name === 'web')!;
  const flows = w1.flows.join('\n');
  const rule = plan.rules.find((r) => r.policyName === 'allow-frontend-to-web')!;
  // Antrea's shapes (docs/design/ovs-pipeline.md): ingress From = source addresses (clause 1),
  // To = the target port in reg1 without an ethertype (clause 2), Service (clause 3); the action
  // flow at priority 190 loads reg6 and commits the rule ID into ct_label; the default drop
  // matches reg1 alone.
  assert.match(flows, new RegExp(`table=24,cookie=${cookie('NetworkPolicy', rule.conjId)},priority=200,reg1=0x${web.ofport.toString(16)} actions=[^\\n]*conjunction\\(${rule.conjId},2/3\\)`));
  assert.match(flows, new RegExp(`table=24,[^\\n]*priority=190,conj_id=${rule.conjId},ip actions=set_field:0x${rule.conjId.toString(16)}->reg6,ct\\(commit,table=26,zone=65520,exec\\(set_field:0x${rule.conjId.toString(16)}/0xffffffff->ct_label\\)\\)`));
  assert.match(flows, new RegExp(`table=25,[^\\n]*priority=200,reg1=0x${web.ofport.toString(16)} actions=drop`));
  assert.match(flows, /table=16,[^\n]*ip,nw_dst=10\.10\.2\.0\/24 actions=.*set_field:172\.18\.0\.3->tun_dst/);
  assert.ok(w1.groups[0]!.includes('selection_method=hash'));
  // Every flow line is unique per table/priority/match (OVS would silently replace duplicates).
  const keys = w1.flows.map((f) => f.replace(/cookie=0x[0-9a-f]+,/, '').split(' actions=')[0]);
  assert.is(new Set(keys).size, keys.length);
});

test('observations: a receiver-side ANP drop maps to IngressMetric with policy and rule names', () => {
  const plan = planAntreaCluster(scenario);
  const text = [
    ' 3. in_port=1, priority 200, cookie 0x1010000000000',
    '    set_field:0x1/0xf->reg0',
    '23. conj_id=1,ip, priority 44900, cookie 0x1020000000001',
    '    set_field:0x1->reg3',
    '    set_field:0x400/0x400->reg0',
    '    goto_table:26',
    '26. reg0=0xc00/0x1c00,reg3=0x1, priority 200, cookie 0x1020000000001',
    '    drop',
    'Final flow: tcp,reg3=0x1,nw_dst=10.10.2.5',
  ].join('\n');
  const seen = observationsFromTrace(parseOfprotoTrace(text), { role: 'receiver', gatewayIP: '10.10.2.1', rules: plan.rules });
  assert.equal(seen.observations, [
    { component: 'Forwarding', action: 'Received' },
    { component: 'NetworkPolicy', componentInfo: 'IngressMetric', action: 'Dropped', networkPolicy: 'AntreaNetworkPolicy:backend/protect-db', networkPolicyRule: 'drop-client-postgres' },
  ]);
  assert.ok(seen.dropped);
});

test('trace reader: group buckets and nested flows keep their own actions; a Reject is reported from the rule (real trace)', () => {
  const plan = planAntreaCluster(scenario);
  const text = readFileSync(fixturePath('antrea', 'ofproto-trace-anp-reject-group.txt'), 'utf8');
  const trace = parseOfprotoTrace(text);
  const rule = plan.rules.find((r) => r.ruleName === 'reject-api')!;
  const conj = trace.steps.find((s) => s.table === T.AntreaPolicyIngressRule && s.match === `conj_id=${rule.conjId}`)!;
  assert.equal(conj.actions.slice(0, 2), [`set_field:0x${rule.conjId.toString(16)}->reg3`, 'set_field:0x400/0x400->reg0']);
  assert.ok(conj.actions.some((a) => /^group:\d+$/.test(a)));
  // bucket 1's own actions belong to the flow holding the group, not to the metric flow of bucket 0.
  assert.ok(conj.actions.includes('set_field:0x400000/0x600000->reg0'));
  const metric = trace.steps.find((s) => s.table === T.IngressMetric)!;
  assert.equal(metric.actions, ['drop']);
  assert.match(trace.steps.at(-1)!.actions[0]!, /^controller\(.*userdata=01\.02\)$/);
  const seen = observationsFromTrace(trace, { role: 'sender', srcPodIP: '10.10.2.7', gatewayIP: '10.10.2.1', rules: plan.rules });
  assert.equal(seen.observations.at(-1), { component: 'NetworkPolicy', componentInfo: 'IngressMetric', action: 'Rejected', networkPolicy: 'AntreaNetworkPolicy:backend/protect-db', networkPolicyRule: 'reject-api' });
  assert.equal(seen.outcome, { kind: 'dropped', table: T.IngressMetric, rejected: true });
});

test('packet: ICMP by default, TCP SYN with the tcp header, service ports[0], DSCP tag in the flow', () => {
  const src = { ip: '10.10.1.5', mac: '02:00:00:00:00:05' };
  const icmp = buildInjectedPacket({}, src, { ip: '10.10.2.7' }, '02:00:00:00:00:01', 7, 's');
  assert.is(icmp.protocol, 1);
  assert.is(icmp.ttl, 64);
  assert.match(senderFlow(icmp, 4), /^in_port=4,dl_src=02:00:00:00:00:05,dl_dst=02:00:00:00:00:01,icmp,.*nw_ttl=64,nw_tos=28,icmp_type=8/);
  const tcp = buildInjectedPacket({ packet: { transportHeader: { tcp: { dstPort: 80 } } } }, src, { ip: '10.10.2.7' }, 'gw', 7, 's');
  assert.is(tcp.tcpFlags, 2);
  assert.ok(tcp.srcPort! >= 32768);
  const svc = buildInjectedPacket({ packet: { transportHeader: { tcp: { dstPort: 8443 } } } }, src, { ip: '10.96.0.10', servicePort: { protocol: 'TCP', port: 80 } }, 'gw', 7, 's');
  assert.is(svc.dstPort, 8443);
  assert.match(senderFlow(svc, 4), /tcp_dst=8443,tcp_flags=0x002/);
});

test.run();
