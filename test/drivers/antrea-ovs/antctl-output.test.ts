import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AntctlOutputError, formatAntctl } from '../../../formatters/antctl-formatter.js';

const traceflow = (status: Record<string, unknown>, spec: Record<string, unknown>) => ({
  cni: 'antrea',
  native: { kind: 'traceflow', object: { apiVersion: 'crd.antrea.io/v1beta1', kind: 'Traceflow', metadata: { name: 'default-client-to-default-web-2m7vqb4k', resourceVersion: '9' }, spec, status } },
});

const DELIVERED = traceflow(
  {
    phase: 'Succeeded',
    startTime: '2026-08-01T10:00:00Z',
    dataplaneTag: 7,
    results: [
      {
        node: 'worker-1',
        timestamp: 1718000000,
        observations: [
          { srcPodIP: '10.10.1.5', action: 'Forwarded', component: 'SpoofGuard' },
          { component: 'NetworkPolicy', componentInfo: 'EgressRule', action: 'Forwarded', networkPolicy: 'K8sNetworkPolicy:default/allow-all-egress' },
          { component: 'Forwarding', componentInfo: 'Output', action: 'Forwarded', tunnelDstIP: '192.168.77.101' },
        ],
      },
      { node: 'worker-2', timestamp: 1718000000, observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' }] },
    ],
  },
  { source: { namespace: 'default', pod: 'client' }, destination: { namespace: 'default', pod: 'web' }, packet: { ipHeader: { protocol: 6 } } },
);

// Reference §3.1.4, antctl ≤ v2.6 (yaml.v2), byte for byte.
const DELIVERED_YAML = `name: default-client-to-default-web-2m7vqb4k
phase: Succeeded
source: default/client
destination: default/web
results:
- node: worker-1
  timestamp: 1718000000
  observations:
  - component: SpoofGuard
    action: Forwarded
    srcPodIP: 10.10.1.5
  - component: NetworkPolicy
    componentInfo: EgressRule
    action: Forwarded
    networkPolicy: K8sNetworkPolicy:default/allow-all-egress
  - component: Forwarding
    componentInfo: Output
    action: Forwarded
    tunnelDstIP: 192.168.77.101
- node: worker-2
  timestamp: 1718000000
  observations:
  - component: Forwarding
    action: Received
  - component: Forwarding
    componentInfo: Output
    action: Delivered
`;

test('YAML: antctl v2.6 layout, key order in Go declaration order, spec/status internals left out', () => {
  assert.fixture(formatAntctl(DELIVERED, 'yaml'), DELIVERED_YAML);
});

const LIVE = traceflow(
  {
    phase: 'Succeeded',
    results: [{ node: 'worker-2', timestamp: 1718000000, observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' }] }],
    capturedPacket: { srcIP: '10.10.1.5', dstIP: '10.10.2.7', length: 60, ipHeader: { protocol: 6, ttl: 63, flags: 2 }, transportHeader: { tcp: { srcPort: 43512, dstPort: 80, flags: 2 } } },
  },
  { liveTraffic: true, droppedOnly: true, destination: { namespace: 'default', pod: 'web' } },
);

test('JSON: "source": "/" for a non-pod source, capturedPacket with transportHeader, 2-space indent, no trailing newline', () => {
  const out = formatAntctl({ ...LIVE, native: { ...LIVE.native, object: { ...LIVE.native.object, metadata: { name: 'any-to-default-web-q5xw2c8h' } } } }, 'json');
  assert.not.ok(out.endsWith('\n'));
  assert.equal(JSON.parse(out), {
    name: 'any-to-default-web-q5xw2c8h',
    phase: 'Succeeded',
    source: '/',
    destination: 'default/web',
    results: [{ node: 'worker-2', timestamp: 1718000000, observations: [{ component: 'Forwarding', action: 'Received' }, { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' }] }],
    capturedPacket: { srcIP: '10.10.1.5', dstIP: '10.10.2.7', length: 60, ipHeader: { protocol: 6, ttl: 63, flags: 2 }, transportHeader: { tcp: { srcPort: 43512, dstPort: 80, flags: 2 } } },
  });
  assert.ok(out.startsWith('{\n  "name": "any-to-default-web-q5xw2c8h",\n  "phase": "Succeeded",\n  "source": "/",'));
});

test('YAML captured packet: the tranportHeader typo and lower-cased inner keys (reference example)', () => {
  const out = formatAntctl(LIVE, 'yaml');
  assert.ok(out.includes(`source: /
destination: default/web
`));
  assert.ok(
    out.endsWith(`capturedPacket:
  srcIP: 10.10.1.5
  dstIP: 10.10.2.7
  length: 60
  ipHeader:
    protocol: 6
    ttl: 63
    flags: 2
  tranportHeader:
    tcp:
      srcport: 43512
      dstport: 80
      flags: 2
`),
    out,
  );
});

test('quirks: length 0 printed, nil TCP flags as null, zero ports kept in YAML, reason quoted, service and IP destinations', () => {
  const tf = traceflow(
    { phase: 'Failed', reason: 'Node: worker-1, error: destination is not specified', capturedPacket: { transportHeader: { tcp: { dstPort: 80 } } } },
    { source: { namespace: 'ns', pod: 'p' }, destination: { namespace: 'ns', service: 'svc' } },
  );
  const out = formatAntctl(tf, 'yaml');
  assert.ok(out.includes("reason: 'Node: worker-1, error: destination is not specified'\n"), out);
  assert.ok(out.includes('destination: ns/svc\n'));
  assert.ok(out.includes('  length: 0\n  tranportHeader:\n    tcp:\n      srcport: 0\n      dstport: 80\n      flags: null\n'), out);
  const json = JSON.parse(formatAntctl(tf, 'json'));
  assert.equal(json.capturedPacket, { length: 0, transportHeader: { tcp: { dstPort: 80 } } });
  const ip = traceflow({}, { source: { namespace: 'a', pod: 'b' }, destination: { ip: '8.8.8.8' } });
  assert.equal(JSON.parse(formatAntctl(ip, 'json')), { name: 'default-client-to-default-web-2m7vqb4k', source: 'a/b', destination: '8.8.8.8' });
});

test('JSON escapes <, > and & as Go does', () => {
  const tf = traceflow({ phase: 'Failed', reason: 'a<b>&c' }, { source: { namespace: 'a', pod: 'b' } });
  assert.ok(formatAntctl(tf, 'json').includes('"reason": "a\\u003cb\\u003e\\u0026c"'));
});

test('a result without a Traceflow is refused with a clear error', () => {
  assert.throws(() => formatAntctl({ cni: 'ovn-kubernetes' }, 'yaml'), (err: unknown) => err instanceof AntctlOutputError && /ovn-kubernetes driver produced none/.test((err as Error).message));
});

test.run();
