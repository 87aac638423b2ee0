import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../core/errors.js';
import { createTraceRequest } from '../../core/request-defaults.js';
import { validateTraceRequest } from '../../core/validate-request.js';
import type { TraceRequestInput } from '../../core/request-defaults.js';

const base: TraceRequestInput = {
  source: { kind: 'pod', namespace: 'frontend', name: 'client' },
  destination: { kind: 'pod', namespace: 'backend', name: 'web' },
  packet: { protocol: 'tcp', dstPort: 8080 },
};

function rejects(input: TraceRequestInput, argument: string, fragment: RegExp) {
  try {
    validateTraceRequest(createTraceRequest(input));
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.is((err as InvalidArgumentError).argument, argument);
    assert.is((err as InvalidArgumentError).exitCode, 2);
    assert.match((err as Error).message, fragment);
    return;
  }
  assert.unreachable(`expected ${argument} to be rejected`);
}

test('defaults: ip4, SYN for tcp, ttl 64, 20 s', () => {
  const r = createTraceRequest(base);
  assert.equal(r.packet, { family: 'ip4', protocol: 'tcp', ttl: 64, dstPort: 8080, tcpFlags: 2 });
  assert.is(r.timeoutSeconds, 20);
  validateTraceRequest(r);
});

test('ports outside 1-65535 name the port argument', () => {
  rejects({ ...base, packet: { protocol: 'tcp', dstPort: 99999 } }, 'dst-port', /99999 is outside 1-65535/);
  rejects({ ...base, packet: { protocol: 'udp', dstPort: 0 } }, 'dst-port', /outside/);
  rejects({ ...base, packet: { protocol: 'tcp', srcPort: 70000 } }, 'src-port', /outside/);
});

test('ports with ICMP are refused', () => {
  rejects({ ...base, packet: { protocol: 'icmp', dstPort: 80 } }, 'dst-port', /ICMP/);
});

test('dropped-only needs live traffic', () => {
  rejects({ ...base, droppedOnly: true }, 'dropped-only', /live-traffic/);
  validateTraceRequest(createTraceRequest({ ...base, droppedOnly: true, mode: 'live' }));
});

test('IPv6 address with ip4 family', () => {
  rejects({ ...base, destination: { kind: 'ip', ip: 'fd00::1' } }, 'dst-ip', /IPv6 address but the address family is ip4/);
  rejects({ ...base, destination: { kind: 'ip', ip: '10.0.0.300' } }, 'dst-ip', /not an IP address/);
  validateTraceRequest(createTraceRequest({ ...base, destination: { kind: 'ip', ip: 'fd00::1' }, packet: { family: 'ip6', protocol: 'tcp' } }));
});

test('malformed names name the argument', () => {
  rejects({ ...base, source: { kind: 'pod', namespace: 'frontend', name: 'Client_1' } }, 'src', /not a valid pod name/);
  rejects({ ...base, source: { kind: 'pod', namespace: 'Front End', name: 'client' } }, 'src-namespace', /namespace/);
  rejects({ ...base, destination: { kind: 'service', namespace: 'backend', name: '-web' } }, 'service', /service name/);
  rejects({ ...base, destination: { kind: 'pod', namespace: 'x'.repeat(64), name: 'web' } }, 'dst-namespace', /63/);
});

test('source is required unless live; an IP source only when live', () => {
  rejects({ destination: base.destination, packet: base.packet }, 'src', /source pod is required/);
  rejects({ ...base, source: { kind: 'ip', ip: '10.0.0.1' } }, 'src', /must be a pod unless --live-traffic/);
  validateTraceRequest(createTraceRequest({ destination: base.destination, packet: base.packet, mode: 'live' }));
});

test('tcp flags and ttl ranges', () => {
  rejects({ ...base, packet: { protocol: 'tcp', tcpFlags: 300 } }, 'tcp-flags', /0-255/);
  const udp = createTraceRequest({ ...base, packet: { protocol: 'udp' } });
  try {
    validateTraceRequest({ ...udp, packet: { ...udp.packet, tcpFlags: 2 } });
    assert.unreachable('udp with tcp flags');
  } catch (err) {
    assert.is((err as InvalidArgumentError).argument, 'tcp-flags');
  }
  rejects({ ...base, packet: { protocol: 'tcp', ttl: 0 } }, 'ttl', /1-255/);
  rejects({ ...base, timeoutSeconds: 0 }, 'timeout', /positive/);
});


test('--all-backends and a pinned backend need a Service destination', () => {
  const svc: TraceRequestInput = { ...base, destination: { kind: 'service', namespace: 'backend', name: 'web' }, packet: { protocol: 'tcp', dstPort: 80 } };
  validateTraceRequest(createTraceRequest({ ...svc, allBackends: true }));
  validateTraceRequest(createTraceRequest({ ...svc, backend: { ip: '10.244.1.6', port: 8080 } }));
  rejects({ ...base, allBackends: true }, 'all-backends', /needs a Service destination/);
  rejects({ ...svc, allBackends: true, mode: 'live' }, 'all-backends', /--live-traffic/);
  rejects({ ...svc, allBackends: true, options: { traceflow: 'tf1' } }, 'all-backends', /--traceflow/);
  rejects({ ...svc, allBackends: true, backend: { ip: '10.244.1.6' } }, 'all-backends', /cannot be combined/);
  rejects({ ...base, backend: { ip: '10.244.1.6' } }, 'backend', /Service destination/);
  rejects({ ...svc, backend: { ip: 'fd00::6' } }, 'backend', /IPv6 address/);
  rejects({ ...svc, backend: { ip: '10.244.1.6', port: 70000 } }, 'backend', /outside 1-65535/);
});

test('library requests: zone-scoped IPv6, TCP flags of a UDP packet and a bad OVN namespace are refused', () => {
  rejects({ ...base, destination: { kind: 'ip', ip: 'fe80::1%eth0' }, packet: { family: 'ip6', protocol: 'tcp', dstPort: 80 } }, 'dst-ip', /zone-scoped/);
  rejects({ ...base, packet: { protocol: 'udp', dstPort: 53, tcpFlags: 2 } }, 'tcp-flags', /need --tcp/);
  rejects({ ...base, options: { ovnNamespace: 'Not A Namespace' } }, 'ovn-namespace', /not a valid namespace/);
});

test.run();
