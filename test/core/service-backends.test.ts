// Ready endpoints of a Service from its EndpointSlices (discovery.k8s.io/v1 semantics), and the
// verdict of a trace of every backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { BackendResult } from '../../core/model.js';
import { backendLabel, backendsOfSlices, combineBackendVerdicts } from '../../core/service-backends.js';

const slice = (addressType: string, ports: V1EndpointSlice['ports'], endpoints: V1EndpointSlice['endpoints']): V1EndpointSlice => ({ addressType, ports, endpoints });

test('ready endpoints: ready unset counts as ready, ready=false is left out; the slice port of the Service port; one family', () => {
  const slices = [
    slice('IPv4', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }], [
      { addresses: ['10.244.1.6'], conditions: { ready: true }, nodeName: 'a', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'backend' } },
      { addresses: ['10.244.2.7'], conditions: {}, nodeName: 'b', targetRef: { kind: 'Pod', name: 'web-2' } },
      { addresses: ['10.244.2.8'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'web-3' } },
    ]),
    slice('IPv6', [{ name: 'http', port: 8080, protocol: 'TCP' }], [{ addresses: ['fd00::6'], conditions: { ready: true } }]),
    // A second slice repeating an address (slices may overlap while they are updated).
    slice('IPv4', [{ name: 'http', port: 8080, protocol: 'TCP' }], [{ addresses: ['10.244.1.6', '192.0.2.10'], conditions: { ready: true } }]),
  ];
  assert.equal(backendsOfSlices(slices, 'backend', 'IPv4', { name: 'http', protocol: 'TCP' }), [
    { ip: '10.244.1.6', port: 8080, pod: { namespace: 'backend', name: 'web-1' }, node: 'a' },
    { ip: '10.244.2.7', port: 8080, pod: { namespace: 'backend', name: 'web-2' }, node: 'b' },
    { ip: '192.0.2.10', port: 8080 },
  ]);
  assert.equal(backendsOfSlices(slices, 'backend', 'IPv6', { name: 'http', protocol: 'TCP' }), [{ ip: 'fd00::6', port: 8080 }]);
  // No slice port of that name: a numeric targetPort stands in.
  assert.equal(backendsOfSlices([slice('IPv4', [], [{ addresses: ['10.0.0.1'] }])], 'ns', 'IPv4', { protocol: 'UDP', targetPort: 53 }), [{ ip: '10.0.0.1', port: 53 }]);
});

test('labels and the combined verdict: delivered only when every backend is', () => {
  assert.is(backendLabel({ ip: 'fd00::6', port: 8080 }), '[fd00::6]:8080');
  const r = (name: string, verdict: BackendResult['verdict'], extra: Partial<BackendResult> = {}): BackendResult => ({
    ip: `10.0.0.${name.length}`,
    port: 8080,
    pod: { namespace: 'backend', name },
    method: 'pinned-load-balancer',
    why: 'test',
    verdict,
    reason: `${verdict} in ovn-trace`,
    legIds: [],
    ...extra,
  });
  assert.equal(combineBackendVerdicts([r('a', 'delivered'), r('bb', 'delivered')]), { verdict: 'delivered', reason: 'delivered to 2 of 2 backends' });
  const drop = { type: 'default-deny' as const, isolatedBy: [], explanation: 'no rule allows tcp/8080' };
  const mixed = combineBackendVerdicts([r('a', 'delivered'), r('bb', 'dropped', { drop }), r('ccc', 'error', { reason: 'exec failed' })]);
  assert.is(mixed.verdict, 'dropped');
  assert.is(mixed.reason, 'delivered to 1 of 3 backends; backend/bb (10.0.0.2:8080) dropped: no rule allows tcp/8080; backend/ccc (10.0.0.3:8080) error: exec failed');
  assert.equal(mixed.drop, drop);
  assert.is(combineBackendVerdicts([]).verdict, 'inconclusive');
});

test.run();
