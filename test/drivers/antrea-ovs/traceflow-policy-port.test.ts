// The port in an Antrea default-rule drop behind a Service: the endpoint's (the policy sees the
// packet after AntreaProxy's DNAT), not the Service port. Traceflow shapes from Antrea's e2e
// expectations (reference antrea-traceflow.md §6.2 drop, §6.3 service LB observation); Antrea's
// Observation type (pkg/apis/crd/v1beta1/types.go) carries translatedDstIP but no port.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1EndpointSlice, V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { createTraceRequest } from '../../../core/request-defaults.js';
import { evaluateTraceflow, policyDstPort, type EvaluationContext } from '../../../drivers/antrea-ovs/traceflow/traceflow-evaluation.js';
import type { Traceflow } from '../../../drivers/antrea-ovs/traceflow/traceflow-types.js';

const req = createTraceRequest({
  source: { kind: 'pod', namespace: 'ns1', name: 'client' },
  destination: { kind: 'service', namespace: 'ns1', name: 'agnhost-ipv4' },
  packet: { protocol: 'tcp', srcPort: 10011, dstPort: 80 },
});
const dropped: Traceflow = {
  metadata: { name: 'tf-1' },
  spec: {},
  status: {
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
      { node: 'worker-2', observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' }] },
    ],
  },
};
const service: V1Service = { metadata: { namespace: 'ns1', name: 'agnhost-ipv4' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' as unknown as number }] } };
const endpointSlices: V1EndpointSlice[] = [
  { addressType: 'IPv4', metadata: { name: 'agnhost-ipv4-x' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.10.2.9'] }] },
];
const policies: V1NetworkPolicy[] = [{ metadata: { namespace: 'ns1', name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }];
const ctx = (isolation: EvaluationContext['isolation']): EvaluationContext => ({ request: req, sourceLabel: 'ns1/client', destinationLabel: 'service ns1/agnhost-ipv4', ...(isolation ? { isolation } : {}) });
const pod = { namespace: 'ns1', name: 'agnhost', labels: { app: 'agnhost' } };

test('default-rule drop behind a Service names the endpoint port the policy saw', () => {
  const out = evaluateTraceflow(dropped, ctx({ pod, policies, service: { object: service, endpointSlices } }));
  assert.is(out.verdict, 'dropped');
  assert.is(out.drop?.explanation, 'ingress of ns1/agnhost denied: isolated by NetworkPolicy ns1/default-deny; no rule allows tcp/8080 from ns1/client');
});

test('without the Service\'s endpoints the port is not claimed (never the Service port)', () => {
  assert.is(policyDstPort(dropped, ctx({ pod, policies })), undefined);
  const out = evaluateTraceflow(dropped, ctx({ pod, policies }));
  assert.match(out.drop!.explanation, /no rule allows tcp from ns1\/client$/);
});

test('pod destinations keep the requested port', () => {
  const podReq = createTraceRequest({ source: req.source!, destination: { kind: 'pod', namespace: 'ns1', name: 'agnhost' }, packet: { protocol: 'tcp', dstPort: 8080 } });
  assert.is(policyDstPort(dropped, { request: podReq, sourceLabel: 'a', destinationLabel: 'b' }), 8080);
});

test.run();
