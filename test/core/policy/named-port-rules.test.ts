// namedPortRules: the NetworkPolicy rules with a named port for the traced protocol, in the
// policies that select the traced pods. Policies shaped like the Kubernetes e2e cases ovn-kubernetes
// issue 2117 reports ("network policy allowing named port also allows traffic on different port
// with same protocol"; e2e "should allow ingress access on one named port", port serve-80-tcp).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { namedPortRules } from '../../../core/policy/named-port-rules.js';

const policies: V1NetworkPolicy[] = [
  {
    metadata: { namespace: 'x', name: 'allow-client-a-via-named-port-ingress-rule' },
    spec: { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Ingress'], ingress: [{ _from: [{ podSelector: {} }] }, { ports: [{ port: 'serve-80-tcp' as unknown as number, protocol: 'TCP' }, { port: 81 }] }] },
  },
  {
    metadata: { namespace: 'x', name: 'named-udp' },
    spec: { podSelector: {}, ingress: [{ ports: [{ port: 'serve-80-udp' as unknown as number, protocol: 'UDP' }] }] },
  },
  {
    metadata: { namespace: 'y', name: 'egress-named' },
    spec: { podSelector: { matchLabels: { pod: 'b' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'dns' as unknown as number }] }] },
  },
  // A numeric port written as a string is not a name.
  { metadata: { namespace: 'x', name: 'numeric-string' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: '8080' as unknown as number }] }] } },
  // Selects the destination for egress only: its ingress-side named port does not apply.
  { metadata: { namespace: 'x', name: 'egress-only' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' as unknown as number }] }] } },
];

test('ingress rules of policies selecting the destination, egress rules of those selecting the source', () => {
  const found = namedPortRules(policies, { source: { namespace: 'y', labels: { pod: 'b' } }, destination: { namespace: 'x', labels: { pod: 'a' } }, protocol: 'tcp' });
  assert.equal(found, [
    { policy: { kind: 'NetworkPolicy', namespace: 'x', name: 'allow-client-a-via-named-port-ingress-rule' }, direction: 'ingress', ruleIndex: 1, portName: 'serve-80-tcp', protocol: 'TCP' },
    { policy: { kind: 'NetworkPolicy', namespace: 'y', name: 'egress-named' }, direction: 'egress', ruleIndex: 0, portName: 'dns', protocol: 'TCP' },
  ]);
});

test('only the traced protocol; none for ICMP or unselected pods', () => {
  const udp = namedPortRules(policies, { destination: { namespace: 'x', labels: { pod: 'c' } }, protocol: 'udp' });
  assert.equal(udp.map((r) => `${r.policy.name}:${r.portName}`), ['named-udp:serve-80-udp']);
  assert.equal(namedPortRules(policies, { destination: { namespace: 'x', labels: { pod: 'a' } }, protocol: 'icmp' }), []);
  assert.equal(namedPortRules(policies, { source: { namespace: 'y', labels: { pod: 'z' } }, protocol: 'tcp' }), []);
});

test.run();
