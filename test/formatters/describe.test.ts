import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sanitize } from '../../formatters/ansi.js';
import { dropSummary, durationLabel, endpointLabel, packetLabel, policyLabel, shellJoin, toolLabel } from '../../formatters/describe.js';

test('policy labels: namespaced, cluster-scoped, with rule', () => {
  assert.is(policyLabel({ kind: 'NetworkPolicy', namespace: 'backend', name: 'default-deny' }), 'NetworkPolicy backend/default-deny');
  assert.is(policyLabel({ kind: 'AdminNetworkPolicy', name: 'cluster-control', rule: 'deny-db' }), 'AdminNetworkPolicy cluster-control rule deny-db');
});

test('drop summaries always name the policy', () => {
  const policy = { kind: 'AntreaNetworkPolicy' as const, namespace: 'ns1', name: 'deny', rule: 'r1' };
  assert.is(dropSummary({ type: 'rule', policy, explanation: 'dropped by rule r1 of ns1/deny' }), 'dropped by rule r1 of ns1/deny');
  assert.is(dropSummary({ type: 'rule', policy, explanation: 'dropped by ns1/deny' }), 'dropped by ns1/deny (rule of AntreaNetworkPolicy ns1/deny rule r1)');
  assert.is(dropSummary({ type: 'rule', policy, direction: 'egress', explanation: '' }), 'dropped by egress rule of AntreaNetworkPolicy ns1/deny rule r1');
  assert.is(dropSummary({ type: 'default-deny', direction: 'ingress', isolatedBy: [], explanation: '' }), 'ingress default deny');
  assert.is(
    dropSummary({ type: 'default-deny', direction: 'ingress', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'b', name: 'x' }], explanation: '' }),
    'ingress default deny: isolated by NetworkPolicy b/x',
  );
  assert.is(dropSummary({ type: 'other', explanation: 'port security: unknown source MAC' }), 'port security: unknown source MAC');
});

test('names of tools, endpoints, packets and durations', () => {
  assert.is(toolLabel('ofproto/trace'), 'ovs-appctl ofproto/trace');
  assert.is(toolLabel('ovs-appctl ofproto/trace'), 'ovs-appctl ofproto/trace');
  assert.is(toolLabel('traceflow'), 'traceflow');
  assert.is(endpointLabel({ kind: 'service', namespace: 'a', name: 'b' }), 'service a/b');
  assert.is(endpointLabel({ kind: 'ip', ip: 'fd00::1' }), 'fd00::1');
  assert.is(endpointLabel(undefined), undefined);
  assert.is(packetLabel({ family: 'ip6', protocol: 'icmp', ttl: 64 }), 'icmpv6');
  assert.is(packetLabel({ family: 'ip4', protocol: 'udp', dstPort: 53, ttl: 64 }), 'udp/53');
  assert.is(durationLabel(143.4), '143 ms');
  assert.is(durationLabel(20034), '20.0 s');
});

test('command lines are quoted for a shell', () => {
  assert.is(shellJoin(['ovn-trace', '--db', 'unix:/x.sock', 'inport=="a" && ip4']), `ovn-trace --db unix:/x.sock 'inport=="a" && ip4'`);
  assert.is(shellJoin(['echo', "it's", '']), `echo 'it'\\''s' ''`);
});

test('sanitize drops ANSI sequences and shows other control characters', () => {
  assert.is(sanitize('a\x1b[31mb\x1b[0m\tc\x07'), 'ab\tc\\x07');
});

test.run();
