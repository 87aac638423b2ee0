// serviceEndpointPort: the endpoint port of a Service port, from the Service and its
// EndpointSlices as the Kubernetes API serves them (EndpointSlice ports carry the Service port's
// name and the number each endpoint resolved a named targetPort to).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { serviceEndpointPort } from '../../../core/policy/service-endpoint-port.js';

const service: V1Service = {
  metadata: { namespace: 'ns1', name: 'web' },
  spec: {
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'web-http' as unknown as number },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
    ],
  },
};
const slice = (ports: [string, number, string][], ips: string[]): V1EndpointSlice => ({
  addressType: 'IPv4',
  metadata: { namespace: 'ns1', name: `web-${ips.join('-')}` },
  ports: ports.map(([name, port, protocol]) => ({ name, port, protocol })),
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});

test('a named targetPort: the number the endpoint resolved it to, per endpoint', () => {
  // Two endpoints whose pods name "web-http" differently: one slice per distinct port set.
  const slices = [slice([['http', 8080, 'TCP'], ['dns', 5353, 'UDP']], ['10.10.2.9']), slice([['http', 9090, 'TCP'], ['dns', 5353, 'UDP']], ['10.10.1.7'])];
  assert.is(serviceEndpointPort({ service, slices, servicePort: 80, protocol: 'tcp', endpointIp: '10.10.2.9' }), 8080);
  assert.is(serviceEndpointPort({ service, slices, servicePort: 80, protocol: 'tcp', endpointIp: '10.10.1.7' }), 9090);
  assert.is(serviceEndpointPort({ service, slices, servicePort: 80, protocol: 'tcp' }), undefined, 'endpoints differ and none was named');
  assert.is(serviceEndpointPort({ service, slices, servicePort: 53, protocol: 'udp' }), 5353);
});

test('no slice lists the endpoint: a numeric targetPort, never the Service port for a named one', () => {
  assert.is(serviceEndpointPort({ service, slices: [], servicePort: 53, protocol: 'udp' }), 5353);
  assert.is(serviceEndpointPort({ service, slices: [], servicePort: 80, protocol: 'tcp' }), undefined);
  assert.is(serviceEndpointPort({ service, slices: [], servicePort: 81, protocol: 'tcp' }), undefined, 'no such Service port');
});

test.run();
