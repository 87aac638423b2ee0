// The OVN driver's named-port warning: names the policy (namespace/name) and the port, says the CNI
// does not enforce it, reads both namespaces' policies, and survives a failed read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { KubeClient } from '../../../core/kube/kube-client.js';
import { namedPortWarnings } from '../../../drivers/ovn/attribution/named-port-warning.js';

const np: V1NetworkPolicy = {
  metadata: { namespace: 'backend', name: 'allow-http' },
  spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ _from: [{ namespaceSelector: {} }], ports: [{ port: 'http' as unknown as number, protocol: 'TCP' }] }] },
};

test('a named port in a policy selecting the destination is named in the warning', async () => {
  const read: string[] = [];
  const kube = { listNetworkPolicies: async (ns?: string) => (read.push(ns!), ns === 'backend' ? [np] : []) } as unknown as KubeClient;
  const w = await namedPortWarnings(kube, { source: { namespace: 'frontend', labels: { app: 'client' } }, destination: { namespace: 'backend', labels: { app: 'web' } }, protocol: 'tcp' });
  assert.equal(read.sort(), ['backend', 'frontend']);
  assert.is(w.length, 1);
  assert.match(w[0]!, /^NetworkPolicy backend\/allow-http \(ingress rule 0\) uses the named port "http" for TCP: ovn-kubernetes does not enforce named ports/);
  assert.match(w[0]!, /the verdict follows the data plane$/);
});

test('no warning for UDP traffic, and a failed read is reported, not thrown', async () => {
  const errors: string[] = [];
  const kube = {
    listNetworkPolicies: async (ns?: string) => {
      if (ns === 'frontend') throw new Error('forbidden');
      return [np];
    },
  } as unknown as KubeClient;
  assert.equal(await namedPortWarnings(kube, { destination: { namespace: 'backend', labels: { app: 'web' } }, protocol: 'udp' }), []);
  const w = await namedPortWarnings(kube, { source: { namespace: 'frontend' }, destination: { namespace: 'backend', labels: { app: 'web' } }, protocol: 'tcp' }, (ns, e) => errors.push(`${ns}: ${e.message}`));
  assert.is(w.length, 1);
  assert.equal(errors, ['frontend: forbidden']);
});

test.run();
