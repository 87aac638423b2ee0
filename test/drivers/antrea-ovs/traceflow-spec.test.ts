import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseCliArgs } from '../../../cli/argv-parser.js';
import { invocationFromFlags } from '../../../cli/request-from-flags.js';
import { InvalidArgumentError } from '../../../core/errors.js';
import { createTraceRequest } from '../../../core/request-defaults.js';
import { validateTraceRequest } from '../../../core/validate-request.js';
import {
  NAME_SUFFIX_ALPHABET,
  buildTraceflow,
  traceflowName,
  traceflowSpec,
  validateTraceflowRequest,
} from '../../../drivers/antrea-ovs/traceflow/traceflow-spec.js';
import { requestFromTraceflow } from '../../../drivers/antrea-ovs/traceflow/request-from-traceflow.js';

/** The request the CLI builds from a command line (as `cni-trace` does before tracing). */
function requestFromArgs(args: string[]) {
  const inv = invocationFromFlags(parseCliArgs(args), {}, false);
  validateTraceRequest(inv.request);
  validateTraceflowRequest(inv.request);
  return inv.request;
}

// The three YAML examples of the Antrea Traceflow guide (seed 001, crd.antrea.io/v1beta1), verbatim.
const SEED_IPV4 = `
spec:
  source:
    namespace: default
    pod: tcp-sts-0
  destination:
    namespace: default
    pod: tcp-sts-2
  packet:
    ipHeader:
      protocol: 6
    transportHeader:
      tcp:
        srcPort: 10000
        dstPort: 80
        flags: 2
`;
const SEED_IPV6 = `
spec:
  source:
    namespace: default
    pod: tcp-sts-0
  destination:
    namespace: default
    pod: tcp-sts-2
  packet:
    ipv6Header:
      nextHeader: 58
`;
const SEED_LIVE = `
spec:
  liveTraffic: true
  droppedOnly: true
  destination:
    namespace: default
    pod: udp-server
  packet:
    transportHeader:
      udp:
        dstPort: 1234
  timeout: 60
`;

const seedSpec = (yaml: string) => (parse(yaml) as { spec: unknown }).spec;

for (const [what, args] of [
  ['ovnkube-trace flags', ['--src', 'tcp-sts-0', '--dst', 'tcp-sts-2', '--tcp', '--src-port', '10000', '--dst-port', '80']],
  ['antctl flags', ['-S', 'tcp-sts-0', '-D', 'tcp-sts-2', '-f', 'tcp,tcp_src=10000,tcp_dst=80']],
  ['namespaced antctl flags with explicit SYN', ['-S', 'default/tcp-sts-0', '-D', 'default/tcp-sts-2', '-f', 'tcp,tcp_src=10000,tcp_dst=80,tcp_flags=2']],
] as const) {
  test(`seed IPv4 example as ${what} gives the same spec`, () => {
    assert.equal(traceflowSpec(requestFromArgs([...args])), seedSpec(SEED_IPV4));
  });
}

for (const [what, args] of [
  ['--addr-family ip6 --icmp', ['--src', 'tcp-sts-0', '--dst', 'tcp-sts-2', '--addr-family', 'ip6', '--icmp']],
  ['-f ipv6 (ICMPv6 is the default protocol)', ['-S', 'tcp-sts-0', '-D', 'tcp-sts-2', '-f', 'ipv6']],
] as const) {
  test(`seed IPv6 example as ${what} gives the same spec`, () => {
    assert.equal(traceflowSpec(requestFromArgs([...args])), seedSpec(SEED_IPV6));
  });
}

for (const [what, args] of [
  ['long flags', ['--dst', 'udp-server', '--udp', '--dst-port', '1234', '--live-traffic', '--dropped-only', '--timeout', '60']],
  ['antctl flags', ['-D', 'udp-server', '-L', '--dropped-only', '-f', 'udp,udp_dst=1234', '-t', '1m']],
] as const) {
  test(`seed live-traffic dropped-only example as ${what} gives the same spec`, () => {
    assert.equal(traceflowSpec(requestFromArgs([...args])), seedSpec(SEED_LIVE));
  });
}

test('TCP always carries the tcp header with SYN, even without ports (antrea#4897)', () => {
  const spec = traceflowSpec(createTraceRequest({ source: { kind: 'pod', namespace: 'a', name: 'c' }, destination: { kind: 'ip', ip: '10.0.0.5' }, packet: { protocol: 'tcp' } }));
  assert.equal(spec.packet, { ipHeader: { protocol: 6 }, transportHeader: { tcp: { flags: 2 } } });
  assert.equal(spec.destination, { ip: '10.0.0.5' });
});

test('UDP and ICMP, TTL, service destination, IPv6 TCP, live source IP', () => {
  const base = { source: { kind: 'pod' as const, namespace: 'fe', name: 'client' } };
  assert.equal(
    traceflowSpec(createTraceRequest({ ...base, destination: { kind: 'service', namespace: 'be', name: 'db' }, packet: { protocol: 'udp', dstPort: 53, ttl: 3 } })),
    { source: { namespace: 'fe', pod: 'client' }, destination: { namespace: 'be', service: 'db' }, packet: { ipHeader: { protocol: 17, ttl: 3 }, transportHeader: { udp: { dstPort: 53 } } } },
  );
  assert.equal(traceflowSpec(createTraceRequest({ ...base, destination: { kind: 'pod', namespace: 'be', name: 'db' }, packet: { protocol: 'icmp' } })).packet, { ipHeader: { protocol: 1 } });
  assert.equal(
    traceflowSpec(createTraceRequest({ ...base, destination: { kind: 'ip', ip: 'fd00::9' }, packet: { family: 'ip6', protocol: 'tcp', dstPort: 443, tcpFlags: 18, ttl: 9 }, timeoutSeconds: 30 })),
    { source: { namespace: 'fe', pod: 'client' }, destination: { ip: 'fd00::9' }, packet: { ipv6Header: { nextHeader: 6, hopLimit: 9 }, transportHeader: { tcp: { dstPort: 443, flags: 18 } } }, timeout: 30 },
  );
  assert.equal(
    traceflowSpec(createTraceRequest({ source: { kind: 'ip', ip: '10.10.1.5' }, destination: { kind: 'pod', namespace: 'ns1', name: 'server' }, packet: { protocol: 'icmp' }, mode: 'live' })),
    { source: { ip: '10.10.1.5' }, destination: { namespace: 'ns1', pod: 'server' }, packet: { ipHeader: { protocol: 1 } }, liveTraffic: true },
  );
});

test('name follows antctl: <src>-to-<dst>-<8 from the k8s alphabet>, IPv6 colons replaced', () => {
  let i = 0;
  const seq = () => (i++ % 27) / 27;
  const name = traceflowName({ source: { kind: 'pod', namespace: 'ns1', name: 'pod1' }, destination: { kind: 'ip', ip: '10.0.0.5' } }, seq);
  assert.is(name, 'ns1-pod1-to-10.0.0.5-bcdfghjk');
  assert.match(traceflowName({ destination: { kind: 'pod', namespace: 'default', name: 'web' } }), /^any-to-default-web-[bcdfghjklmnpqrstvwxz2456789]{8}$/);
  assert.match(traceflowName({ source: { kind: 'ip', ip: 'fd00::5' }, destination: { kind: 'pod', namespace: 'ns', name: 'p' } }), /^fd00-5-to-ns-p-[a-z0-9]{8}$/);
  assert.match(traceflowName({ source: { kind: 'ip', ip: 'fd00:1::5' }, destination: { kind: 'ip', ip: 'fd00:2::1:2' } }), /^fd00-1-5-to-fd00-2-1-2-/);
  for (const c of traceflowName({ destination: { kind: 'ip', ip: '1.1.1.1' } }).slice(-8)) assert.ok(NAME_SUFFIX_ALPHABET.includes(c));
});

test('the object carries cni-trace\'s label and the discovered apiVersion', () => {
  const tf = buildTraceflow(createTraceRequest({ source: { kind: 'pod', namespace: 'a', name: 'b' }, destination: { kind: 'ip', ip: '1.1.1.1' } }), 'crd.antrea.io/v1alpha1', 'x');
  assert.equal(tf.metadata, { name: 'x', labels: { 'app.kubernetes.io/created-by': 'cni-trace' } });
  assert.is(tf.apiVersion, 'crd.antrea.io/v1alpha1');
  assert.is(tf.kind, 'Traceflow');
});

function argumentOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    return (err as InvalidArgumentError).argument;
  }
  throw new Error('expected an InvalidArgumentError');
}

test('validation names the flag: timeout outside 1-300 or fractional, missing pods', () => {
  for (const t of ['600', '301', '0.5', '1500ms']) {
    const err = argumentOf(() => requestFromArgs(['--src', 'a', '--dst', 'b', '--timeout', t]));
    assert.is(err, 'timeout', t);
  }
  assert.not.throws(() => requestFromArgs(['--src', 'a', '--dst', 'b', '--timeout', '300']));
  assert.not.throws(() => requestFromArgs(['--src', 'a', '--dst', 'b', '-t', '1s']));
  assert.is(argumentOf(() => requestFromArgs(['-S', '10.0.0.1', '-D', '10.0.0.2', '-L'])), 'dst');
  assert.is(argumentOf(() => validateTraceflowRequest(createTraceRequest({ destination: { kind: 'pod', namespace: 'a', name: 'b' } }))), 'src');
  try {
    requestFromArgs(['--src', 'a', '--dst', 'b', '--timeout', '600']);
  } catch (err) {
    assert.match((err as Error).message, /^invalid --timeout: 600s .* from 1 to 300/);
  }
});

test('an existing Traceflow\'s spec maps back to the request (round trip)', () => {
  for (const args of [
    ['--src', 'tcp-sts-0', '--dst', 'tcp-sts-2', '--tcp', '--src-port', '10000', '--dst-port', '80'],
    ['-S', 'tcp-sts-0', '-D', 'tcp-sts-2', '-f', 'ipv6'],
    ['--dst', 'udp-server', '--udp', '--dst-port', '1234', '--live-traffic', '--dropped-only', '--timeout', '60'],
    ['--src', 'c', '--service', 'db', '--dst-namespace', 'be', '--udp', '--dst-port', '53'],
  ]) {
    const request = requestFromArgs(args);
    const tf = buildTraceflow(request, 'crd.antrea.io/v1beta1', 'n');
    const back = requestFromTraceflow(tf);
    assert.equal(traceflowSpec(back), tf.spec, args.join(' '));
    assert.is(back.options?.traceflow, 'n');
  }
});

test.run();
