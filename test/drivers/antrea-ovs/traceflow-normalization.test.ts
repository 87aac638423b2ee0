import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { TraceRequest } from '../../../core/model.js';
import { createTraceRequest } from '../../../core/request-defaults.js';
import { normalizeAction, normalizeObservation, orderReports, parsePolicyRef } from '../../../drivers/antrea-ovs/traceflow/observation-normalize.js';
import { evaluateTraceflow, nodeReportLeg, type EvaluationContext } from '../../../drivers/antrea-ovs/traceflow/traceflow-evaluation.js';
import type { Traceflow, TraceflowNodeResult } from '../../../drivers/antrea-ovs/traceflow/traceflow-types.js';

const pod = (namespace: string, name: string) => ({ kind: 'pod' as const, namespace, name });
const podToPod = createTraceRequest({ source: pod('ns1', 'client'), destination: pod('ns1', 'server'), packet: { protocol: 'tcp', srcPort: 10009, dstPort: 80 } });

function ctx(request: TraceRequest, extra: Partial<EvaluationContext> = {}): EvaluationContext {
  const label = (ep: TraceRequest['source'] | TraceRequest['destination']) => (ep ? (ep.kind === 'ip' ? ep.ip : ep.kind === 'service' ? `service ${ep.namespace}/${ep.name}` : `${ep.namespace}/${ep.name}`) : 'any');
  return { request, sourceLabel: label(request.source), destinationLabel: label(request.destination), ...extra };
}

const tf = (status: Traceflow['status'], spec: Traceflow['spec'] = {}): Traceflow => ({ metadata: { name: 'tf-1' }, spec, status });

// §6.1 inter-node pod to pod, delivered.
const INTER_NODE: TraceflowNodeResult[] = [
  {
    node: 'worker-1',
    timestamp: 1785578402,
    observations: [
      { component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.5' },
      { component: 'NetworkPolicy', componentInfo: 'EgressRule', action: 'Forwarded', networkPolicy: 'K8sNetworkPolicy:ns1/test-networkpolicy-allow-all-egress' },
      { component: 'Forwarding', componentInfo: 'Output', action: 'Forwarded', tunnelDstIP: '192.168.77.102' },
    ],
  },
  { node: 'worker-2', timestamp: 1785578402, observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' }] },
];

test('policy references of every Antrea type', () => {
  assert.equal(parsePolicyRef('K8sNetworkPolicy:default/deny-all'), { kind: 'NetworkPolicy', namespace: 'default', name: 'deny-all' });
  assert.equal(parsePolicyRef('AntreaNetworkPolicy:ns1/test-annp-deny-ingress', 'ingress-drop'), { kind: 'AntreaNetworkPolicy', namespace: 'ns1', name: 'test-annp-deny-ingress', rule: 'ingress-drop' });
  assert.equal(parsePolicyRef('AntreaClusterNetworkPolicy:acnp-deny', 'r1'), { kind: 'AntreaClusterNetworkPolicy', name: 'acnp-deny', rule: 'r1' });
  assert.equal(parsePolicyRef('AdminNetworkPolicy:/anp-x', 'deny-all'), { kind: 'AdminNetworkPolicy', name: 'anp-x', rule: 'deny-all' });
  assert.equal(parsePolicyRef('BaselineAdminNetworkPolicy:default'), { kind: 'BaselineAdminNetworkPolicy', name: 'default' });
  assert.is(parsePolicyRef('K8sClusterNetworkPolicy:x'), undefined, 'a type the model has no kind for');
  assert.is(parsePolicyRef(''), undefined);
});

test('actions: both leaving-the-network names, Egress actions, unknown kept verbatim', () => {
  assert.is(normalizeAction('ForwardedOutOfOverlay'), 'left-cluster');
  assert.is(normalizeAction('ForwardedOutOfNetwork'), 'left-cluster');
  assert.is(normalizeAction('MarkedForSNAT'), 'marked-for-snat');
  assert.is(normalizeAction('ForwardedToEgressNode'), 'forwarded-to-egress-node');
  assert.is(normalizeAction('Mirrored'), 'Mirrored');
  const obs = normalizeObservation({ component: 'L7Proxy', componentInfo: 'Redirect', action: 'Mirrored' }, 'n1', undefined);
  assert.is(obs.stage, 'L7Proxy/Redirect');
  assert.is(obs.action, 'Mirrored');
  assert.equal(obs.detail, { component: 'L7Proxy', componentInfo: 'Redirect', action: 'Mirrored' });
});

test('§6.1 inter-node delivered: sender first, stages, timestamps, tunnel, two legs, delivered', () => {
  const t = tf({ phase: 'Succeeded', results: [INTER_NODE[1]!, INTER_NODE[0]!] });
  const ordered = orderReports(t.status!.results!);
  assert.is(ordered[0]!.node, 'worker-1', 'the sender report first even when appended second');
  const c = ctx(podToPod);
  const sender = nodeReportLeg(ordered[0]!, { id: 'a', traceflowName: 'tf-1', ctx: c, tf: t });
  assert.is(sender.summary, 'observation-tree');
  assert.is(sender.description, 'report of worker-1 (sender)');
  assert.equal(sender.observations.map((o) => o.stage), ['SpoofGuard', 'NetworkPolicy/EgressRule', 'Forwarding/Output']);
  assert.is(sender.observations[0]!.timestamp, '2026-08-01T10:00:02Z');
  assert.equal(sender.observations[1]!.policy, { kind: 'NetworkPolicy', namespace: 'ns1', name: 'test-networkpolicy-allow-all-egress' });
  assert.is(sender.observations[2]!.tunnelDst, '192.168.77.102');
  assert.is(sender.to, 'tunnel 192.168.77.102');
  assert.is(sender.decisive, false, 'the sender only hands the packet on');
  const receiver = nodeReportLeg(ordered[1]!, { id: 'b', traceflowName: 'tf-1', ctx: c, tf: t });
  assert.is(receiver.description, 'report of worker-2 (receiver)');
  assert.equal(receiver.observations.map((o) => o.action), ['received', 'delivered']);
  assert.is(receiver.verdict, 'delivered');
  assert.ok(receiver.decisive);
  const out = evaluateTraceflow(t, c);
  assert.is(out.verdict, 'delivered');
  assert.is(out.reason, 'Traceflow tf-1 succeeded: delivered to ns1/server on worker-2');
});

const NP_DROP = tf({
  phase: 'Succeeded',
  results: [INTER_NODE[0]!, { node: 'worker-2', observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' }] }],
});
const isolating: V1NetworkPolicy[] = [
  { metadata: { namespace: 'ns1', name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
  { metadata: { namespace: 'ns1', name: 'web-only' }, spec: { podSelector: { matchLabels: { app: 'web' } } } },
  { metadata: { namespace: 'ns1', name: 'egress-only' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
];

test('§6.2 K8s NetworkPolicy default deny names the isolating policies', () => {
  const out = evaluateTraceflow(NP_DROP, ctx(podToPod, { isolation: { pod: { namespace: 'ns1', name: 'server', labels: { app: 'db' } }, policies: isolating } }));
  assert.is(out.verdict, 'dropped');
  assert.ok(out.drop?.type === 'default-deny');
  if (out.drop?.type !== 'default-deny') return;
  assert.is(out.drop.direction, 'ingress');
  assert.equal(out.drop.isolatedBy, [{ kind: 'NetworkPolicy', namespace: 'ns1', name: 'default-deny' }]);
  assert.is(out.drop.explanation, 'ingress of ns1/server denied: isolated by NetworkPolicy ns1/default-deny; no rule allows tcp/80 from ns1/client');
  // Without cluster facts it still says default deny, without inventing names.
  const bare = evaluateTraceflow(NP_DROP, ctx(podToPod));
  assert.ok(bare.drop?.type === 'default-deny' && bare.drop.isolatedBy.length === 0);
  // A default-rule drop no K8s policy explains points at the baseline tier.
  const baseline = evaluateTraceflow(NP_DROP, ctx(podToPod, { isolation: { pod: { namespace: 'ns1', name: 'server', labels: {} }, policies: [] } }));
  assert.match(baseline.drop!.explanation, /no Kubernetes NetworkPolicy selects ns1\/server: look for an Antrea baseline-tier policy/);
  // The drop hop is terminal in the receiver's leg, which carries the same attribution.
  const leg = nodeReportLeg(NP_DROP.status!.results![1]!, { id: 'x', traceflowName: 'tf-1', tf: NP_DROP, ctx: ctx(podToPod, { isolation: { pod: { namespace: 'ns1', name: 'server', labels: { app: 'db' } }, policies: isolating } }) });
  assert.is(leg.verdict, 'dropped');
  assert.ok(leg.observations[1]!.terminal);
  assert.equal(leg.drop, out.drop);
});

test('egress default rule isolates the source pod', () => {
  const t = tf({ phase: 'Succeeded', results: [{ node: 'w1', observations: [{ component: 'SpoofGuard', action: 'Forwarded' }, { component: 'NetworkPolicy', componentInfo: 'EgressDefaultRule', action: 'Dropped' }] }] });
  const out = evaluateTraceflow(t, ctx(podToPod, { isolation: { pod: { namespace: 'ns1', name: 'client', labels: {} }, policies: isolating } }));
  assert.ok(out.drop?.type === 'default-deny' && out.drop.direction === 'egress');
  assert.match(out.drop!.explanation, /^egress of ns1\/client denied: isolated by NetworkPolicy ns1\/egress-only; no rule allows tcp\/80 to ns1\/server$/);
});

for (const [action, verdict, policy, rule] of [
  ['Dropped', 'dropped', 'test-annp-deny-ingress', 'ingress-drop'],
  ['Rejected', 'rejected', 'test-annp-reject-ingress', 'ingress-reject'],
] as const) {
  test(`§6.2 Antrea-native NetworkPolicy ${action.toLowerCase()} with its rule name`, () => {
    const t = tf({
      phase: 'Succeeded',
      results: [{ node: 'worker-1', observations: [{ component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.5' }, { component: 'NetworkPolicy', componentInfo: 'IngressMetric', action, networkPolicy: `AntreaNetworkPolicy:ns1/${policy}`, networkPolicyRule: rule }] }],
    });
    const out = evaluateTraceflow(t, ctx(podToPod));
    assert.is(out.verdict, verdict);
    assert.equal(out.drop, { type: 'rule', policy: { kind: 'AntreaNetworkPolicy', namespace: 'ns1', name: policy, rule }, direction: 'ingress', explanation: `ingress to ns1/server ${verdict} by rule ${rule} of AntreaNetworkPolicy ns1/${policy}` });
    const leg = nodeReportLeg(t.status!.results![0]!, { id: 'l', traceflowName: 'tf-1', tf: t, ctx: ctx(podToPod) });
    assert.is(leg.observations[1]!.stage, 'NetworkPolicy/IngressMetric');
    assert.ok(leg.observations[1]!.terminal);
    assert.ok(leg.decisive);
  });
}

test('§6.3 service via LB: translated destination and endpoint pod, delivered to the endpoint', () => {
  const req = createTraceRequest({ source: pod('ns1', 'client'), destination: { kind: 'service', namespace: 'ns1', name: 'agnhost-ipv4' }, packet: { protocol: 'tcp', dstPort: 80 } });
  const t = tf({
    phase: 'Succeeded',
    results: [
      {
        node: 'worker-1',
        observations: [
          { component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.5' },
          { component: 'LB', action: 'Forwarded', translatedDstIP: '10.10.2.9', pod: 'ns1/agnhost' },
          { component: 'Forwarding', componentInfo: 'Output', action: 'Forwarded', tunnelDstIP: '192.168.77.102' },
        ],
      },
      { node: 'worker-2', observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' }] },
    ],
  });
  const out = evaluateTraceflow(t, ctx(req));
  assert.is(out.reason, 'Traceflow tf-1 succeeded: delivered to ns1/agnhost on worker-2');
  const leg = nodeReportLeg(t.status!.results![0]!, { id: 's', traceflowName: 'tf-1', tf: t, ctx: ctx(req) });
  const lb = leg.observations[1]!;
  assert.is(lb.translatedDstIp, '10.10.2.9');
  assert.is(lb.description, 'load-balanced to endpoint ns1/agnhost');
  assert.is(lb.detail?.pod, 'ns1/agnhost');
  // Hairpin: source NAT to the gateway is shown too.
  const hairpin = normalizeObservation({ component: 'LB', action: 'Forwarded', translatedDstIP: '10.10.1.5', translatedSrcIP: '10.10.1.1', pod: 'ns1/client' }, 'w', undefined);
  assert.is(hairpin.translatedSrcIp, '10.10.1.1');
  assert.match(hairpin.description!, /hairpin/);
  // A default-rule drop behind a Service isolates the endpoint pod the LB chose.
  const dropped = tf({ phase: 'Succeeded', results: [{ node: 'worker-1', observations: [t.status!.results![0]!.observations![1]!, { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' }] }] });
  const d = evaluateTraceflow(dropped, ctx(req));
  assert.match(d.drop!.explanation, /^ingress of ns1\/agnhost denied/);
});

test('§6.4 live dropped-only with capturedPacket: receiver-only report decides', () => {
  const req = createTraceRequest({ source: { kind: 'ip', ip: '10.10.1.5' }, destination: pod('ns1', 'server'), packet: { protocol: 'icmp' }, mode: 'live', droppedOnly: true });
  const t = tf(
    {
      phase: 'Succeeded',
      capturedPacket: { srcIP: '10.10.1.5', dstIP: '10.10.1.6', length: 84, ipHeader: { protocol: 1, ttl: 64, flags: 2 }, transportHeader: { icmp: { id: 3412, sequence: 1 } } },
      results: [{ node: 'worker-1', timestamp: 1785578500, observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' }] }],
    },
    { liveTraffic: true, droppedOnly: true, source: { ip: '10.10.1.5' }, destination: { namespace: 'ns1', pod: 'server' } },
  );
  const out = evaluateTraceflow(t, ctx(req, { isolation: { pod: { namespace: 'ns1', name: 'server', labels: { app: 'x' } }, policies: isolating } }));
  assert.is(out.verdict, 'dropped');
  assert.match(out.reason, /isolated by NetworkPolicy ns1\/default-deny; no rule allows icmp from 10\.10\.1\.5/);
});

test('§6.5 Egress: marked for SNAT, forwarded to the egress node, left the network (both names)', () => {
  for (const leaving of ['ForwardedOutOfNetwork', 'ForwardedOutOfOverlay']) {
    const req = createTraceRequest({ source: pod('default', 'a'), destination: { kind: 'ip', ip: '1.1.1.1' }, packet: { protocol: 'icmp' } });
    const t = tf({
      phase: 'Succeeded',
      results: [
        {
          node: 'node-a',
          observations: [
            { component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.0.5' },
            { component: 'Egress', action: 'MarkedForSNAT', egress: 'egress-x', egressIP: '172.18.0.2', egressNode: 'node-a' },
            { component: 'Forwarding', componentInfo: 'Output', action: leaving },
          ],
        },
      ],
    });
    const out = evaluateTraceflow(t, ctx(req));
    assert.is(out.verdict, 'left-cluster', leaving);
    const leg = nodeReportLeg(t.status!.results![0]!, { id: 'e', traceflowName: 'tf-1', tf: t, ctx: ctx(req) });
    assert.is(leg.observations[1]!.action, 'marked-for-snat');
    assert.is(leg.observations[1]!.description, 'marked for SNAT to egress IP 172.18.0.2 by Egress egress-x on node-a');
    assert.is(leg.observations[2]!.action, 'left-cluster');
    assert.is(leg.verdict, 'left-cluster');
  }
  // Sender on another node: hands the packet to the egress node.
  const remote: TraceflowNodeResult = { node: 'node-b', observations: [{ component: 'SpoofGuard', action: 'Forwarded' }, { component: 'Egress', action: 'ForwardedToEgressNode', egress: 'egress-x', egressIP: '172.18.0.2', egressNode: 'node-a' }, { component: 'Forwarding', componentInfo: 'Output', action: 'Forwarded', tunnelDstIP: '192.168.1.2' }] };
  const egressNode: TraceflowNodeResult = { node: 'node-a', observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'Egress', action: 'MarkedForSNAT', egressIP: '172.18.0.2' }, { component: 'Forwarding', componentInfo: 'Output', action: 'ForwardedOutOfNetwork' }] };
  const req = createTraceRequest({ source: pod('default', 'a'), destination: { kind: 'ip', ip: '1.1.1.1' } });
  const t = tf({ phase: 'Succeeded', results: [egressNode, remote] });
  const c = ctx(req);
  assert.is(nodeReportLeg(egressNode, { id: 'x', traceflowName: 't', tf: t, ctx: c }).description, 'report of node-a (egress node)');
  assert.is(nodeReportLeg(remote, { id: 'y', traceflowName: 't', tf: t, ctx: c }).observations[1]!.action, 'forwarded-to-egress-node');
  assert.is(evaluateTraceflow(t, c).reason, 'Traceflow tf-1 succeeded: forwarded out of the pod network on node-a');
});

test('an unknown action is kept and does not end the path', () => {
  const t = tf({ phase: 'Succeeded', results: [{ node: 'w1', observations: [{ component: 'SpoofGuard', action: 'Forwarded' }, { component: 'Forwarding', componentInfo: 'Output', action: 'SentToMars' }] }] });
  const leg = nodeReportLeg(t.status!.results![0]!, { id: 'u', traceflowName: 't', tf: t, ctx: ctx(podToPod) });
  assert.is(leg.observations[1]!.action, 'SentToMars');
  assert.is(leg.verdict, 'inconclusive');
  assert.is(evaluateTraceflow(t, ctx(podToPod)).verdict, 'inconclusive');
});

test('phases: absent is pending, controller timeout names the last reporter, agent failure verbatim, running at the deadline', () => {
  const pending = evaluateTraceflow(tf(undefined), ctx(podToPod, { localTimeoutSeconds: 20 }));
  assert.is(pending.verdict, 'inconclusive');
  assert.match(pending.reason, /pending: antrea-controller did not start it within 20s .*all 14 dataplane tags/);
  assert.not.match(pending.reason, /timed out|timeout/i);
  const timeout = evaluateTraceflow(tf({ phase: 'Failed', reason: 'Traceflow timeout', results: [INTER_NODE[0]!] }, { timeout: 5 }), ctx(podToPod));
  assert.is(timeout.verdict, 'inconclusive');
  assert.match(timeout.reason, /failed with "Traceflow timeout" after 5s; node worker-1 reported last \(Forwarding\/Output Forwarded at 2026-08-01T10:00:02.000Z\)/);
  const noReport = evaluateTraceflow(tf({ phase: 'Failed', reason: 'Traceflow timeout' }), ctx(podToPod));
  assert.match(noReport.reason, /no node reported an observation/);
  const failed = evaluateTraceflow(tf({ phase: 'Failed', reason: 'Node: worker-1, error: destination Pod does not have an IPv6 address' }), ctx(podToPod));
  assert.is(failed.verdict, 'error');
  assert.is(failed.reason, 'Traceflow tf-1 failed: Node: worker-1, error: destination Pod does not have an IPv6 address');
  const running = evaluateTraceflow(tf({ phase: 'Running', results: [INTER_NODE[0]!] }), ctx(podToPod, { localTimeoutSeconds: 3 }));
  assert.match(running.reason, /did not finish within 3s \(phase Running\); node worker-1 reported last/);
});

test.run();
