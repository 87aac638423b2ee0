import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeArgv, parseCliArgs } from '../../cli/argv-parser.js';
import { invocationFromFlags } from '../../cli/request-from-flags.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { validateTraceRequest } from '../../core/validate-request.js';

/** Parses and validates exactly as runCli does before touching the cluster. */
function invocation(args: string[], env: NodeJS.ProcessEnv = {}, tty = false) {
  const inv = invocationFromFlags(parseCliArgs(args), env, tty);
  validateTraceRequest(inv.request);
  return inv;
}

function usageError(args: string[], argument: string, fragment?: RegExp) {
  try {
    invocation(args);
  } catch (err) {
    assert.instance(err, InvalidArgumentError, String(err));
    assert.is((err as InvalidArgumentError).argument, argument);
    if (fragment) assert.match((err as Error).message, fragment);
    return;
  }
  assert.unreachable(`expected a usage error naming ${argument}`);
}

test('Go-flag spellings become canonical long flags', () => {
  assert.equal(normalizeArgv(['-src', 'a', '-tcp', '-dst-port=80', '-udp=false', '-S', 'x', '-ovn-config-namespace', 'o']), [
    '--src', 'a', '--tcp', '--dst-port=80', '-S', 'x', '--ovn-namespace', 'o',
  ]);
});

test('our spelling', () => {
  const inv = invocation(['--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080', '--loglevel', '2', '-o', 'json']);
  assert.equal(inv.request.source, { kind: 'pod', namespace: 'frontend', name: 'client' });
  assert.equal(inv.request.destination, { kind: 'pod', namespace: 'backend', name: 'web' });
  assert.equal(inv.request.packet, { family: 'ip4', protocol: 'tcp', ttl: 64, dstPort: 8080, tcpFlags: 2 });
  assert.is(inv.output, 'json');
  assert.is(inv.logLevel, 2);
});

test('ovnkube-trace spelling, unchanged (documented example)', () => {
  const inv = invocation(['-src-namespace', 'default', '-src', 'web', '-dst-namespace', 'openshift-dns', '-service', 'dns-default', '-udp', '-dst-port', '53', '-loglevel', '0', '-kubeconfig', '/tmp/kc', '-skip-detrace', '-addr-family', 'ip4']);
  assert.equal(inv.request.source, { kind: 'pod', namespace: 'default', name: 'web' });
  assert.equal(inv.request.destination, { kind: 'service', namespace: 'openshift-dns', name: 'dns-default' });
  assert.is(inv.request.packet.protocol, 'udp');
  assert.is(inv.request.packet.dstPort, 53);
  assert.is(inv.request.skipDetrace, true);
  assert.is(inv.kubeconfig, '/tmp/kc');
  const ip = invocation(['-src', 'a', '-dst-ip', '8.8.8.8', '-tcp', '-dst-port', '443', '-ovn-config-namespace', 'openshift-ovn-kubernetes']);
  assert.equal(ip.request.destination, { kind: 'ip', ip: '8.8.8.8' });
  assert.equal(ip.request.options, { ovnNamespace: 'openshift-ovn-kubernetes' });
});

test('antctl spelling: -S, -D, -f, -L, -t', () => {
  const inv = invocation(['-S', 'ns1/client', '-D', 'ns1/server', '-f', 'tcp,tcp_dst=80,tcp_flags=2']);
  assert.equal(inv.request.source, { kind: 'pod', namespace: 'ns1', name: 'client' });
  assert.equal(inv.ambiguousDestination, { namespace: 'ns1', name: 'server' });
  assert.equal(inv.request.packet, { family: 'ip4', protocol: 'tcp', ttl: 64, dstPort: 80, tcpFlags: 2 });
  const v6 = invocation(['-S', 'client', '-D', 'fd00:10:244:1::6', '-f', 'ipv6,udp,udp_dst=53']);
  assert.equal(v6.request.source, { kind: 'pod', namespace: 'default', name: 'client' });
  assert.equal(v6.request.destination, { kind: 'ip', ip: 'fd00:10:244:1::6' });
  assert.is(v6.request.packet.family, 'ip6');
  const live = invocation(['-S', '10.10.1.5', '-D', 'ns1/server', '-L', '--dropped-only', '-t', '2m']);
  assert.is(live.request.mode, 'live');
  assert.is(live.request.droppedOnly, true);
  assert.equal(live.request.source, { kind: 'ip', ip: '10.10.1.5' });
  assert.is(live.request.timeoutSeconds, 120);
  assert.is(live.request.packet.protocol, 'icmp');
});

test('usage errors name the argument', () => {
  usageError(['-src', 'a', '-tcp', '-dst', 'b', '-dst-port', '99999'], 'dst-port', /99999/);
  usageError(['-src', 'a', '-tcp', '-udp', '-dst', 'b'], 'udp', /together/);
  usageError(['-src', 'a', '-tcp', '-dst', 'b', '-service', 'c'], 'service', /exactly one/);
  usageError(['-src', 'a', '-tcp'], 'dst', /destination is required/);
  usageError(['-src', 'a', '-icmp', '-dst', 'b', '-dst-port', '80'], 'dst-port', /ICMP/);
  usageError(['-src', 'a', '-dst', 'b', '--dropped-only'], 'dropped-only', /live-traffic/);
  usageError(['-src', 'a', '-dst', 'b', '--addr-family', 'ip5'], 'addr-family');
  usageError(['-src', 'a', '-dst-ip', 'fd00::1', '-tcp', '--addr-family', 'ip4'], 'dst-ip', /IPv6/);
  usageError(['-src', 'a', '-dst', 'b', '-o', 'xml'], 'output');
  usageError(['-src', 'a', '-dst', 'b', '--timeout', 'soon'], 'timeout');
  usageError(['-src', 'a', '-dst', 'b', '--bogus'], 'bogus', /unknown flag/);
  usageError(['-S', 'a', '-D', 'b', '-f', 'tcp,udp'], 'flow', /several protocols/);
  usageError(['-S', 'a', '-D', 'b', '-f', 'tcp,tcp_dst=0x50'], 'flow', /decimal/);
  usageError(['-S', 'a', '-D', 'b', '-f', 'sctp'], 'flow', /unknown key/);
  usageError(['-src', 'a', '-dst', 'b', 'extra'], 'args', /unexpected argument/);
  usageError(['-src', 'a', '-dst', 'b', '--loglevel', 'high'], 'loglevel');
});

test('tcp flags by name, timeouts as durations', () => {
  assert.is(invocation(['-src', 'a', '-dst', 'b', '--tcp-flags', 'SYN,ACK']).request.packet.tcpFlags, 18);
  assert.is(invocation(['-src', 'a', '-dst', 'b', '--timeout', '1m30s']).request.timeoutSeconds, 90);
  assert.is(invocation(['-src', 'a', '-dst', 'b', '--timeout', '45']).request.timeoutSeconds, 45);
});

test('colour only on a TTY and never with NO_COLOR or --no-color', () => {
  assert.is(invocation(['-src', 'a', '-dst', 'b'], {}, true).color, true);
  assert.is(invocation(['-src', 'a', '-dst', 'b'], {}, false).color, false);
  assert.is(invocation(['-src', 'a', '-dst', 'b'], { NO_COLOR: '1' }, true).color, false);
  assert.is(invocation(['-src', 'a', '-dst', 'b', '--no-color'], {}, true).color, false);
});

test('--all-backends (and Go-flag -all-backends) sets the request option', () => {
  for (const flag of ['--all-backends', '-all-backends']) {
    const inv = invocation(['--src', 'client', '--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80', flag]);
    assert.is(inv.request.allBackends, true);
  }
  assert.is(invocation(['--src', 'client', '--service', 'web', '--tcp']).request.allBackends, undefined);
  assert.throws(() => invocation(['-S', 'ns/client', '-D', 'ns/web', '--all-backends', '--antctl', '-o', 'yaml']), /antctl output shows one Traceflow/);
});

test('a flag given twice is refused under any of its spellings, naming the flag', () => {
  usageError(['--src', 'a', '--dst', 'b', '--dst', 'c'], 'dst', /--dst is given twice/);
  usageError(['-S', 'frontend/a', '--source', 'frontend/b', '-D', 'x'], 'source', /-S and --source both set it/);
  usageError(['-src', 'a', '-dst', 'b', '-ovn-config-namespace', 'x', '--ovn-namespace', 'y'], 'ovn-namespace', /-ovn-config-namespace and --ovn-namespace/);
  usageError(['--src', 'a', '--dst', 'b', '-o', 'json', '-o', 'yaml'], 'output', /given twice/);
  usageError(['--src', 'a', '--dst', 'b', '-ojson', '--output', 'yaml'], 'output', /-o and --output/);
  usageError(['--src', 'a', '--dst', 'b', '-tcp', '-tcp=false'], 'tcp', /given twice/);
  usageError(['--src', 'a', '--dst', 'b', '--tcp', '--dst-port', '80', '--dst-port=81'], 'dst-port', /given twice/);
  // A value that looks like a flag name is a value, not a repeat.
  assert.is(invocation(['--src', 'tcp', '--dst', 'src', '--tcp']).request.packet.protocol, 'tcp');
});

test('zone-scoped IPv6 is refused for every address flag', () => {
  usageError(['--src', 'a', '--dst-ip', 'fe80::1%eth0'], 'dst-ip', /zone-scoped IPv6.*without "%eth0"/);
  usageError(['-S', 'frontend/a', '-D', 'fe80::1%eth0'], 'destination', /zone-scoped/);
  usageError(['-S', 'fe80::1%eth0', '-D', 'frontend/a', '-L'], 'source', /zone-scoped/);
  usageError(['--src', 'a', '--dst-ip', 'fe80::1%25eth0', '--addr-family', 'ip6'], 'dst-ip', /zone-scoped/);
});

test('--tcp-flags with another protocol is refused, not ignored', () => {
  usageError(['--src', 'a', '--dst', 'b', '--udp', '--tcp-flags', 'SYN'], 'tcp-flags', /cannot be used with UDP/);
  usageError(['--src', 'a', '--dst', 'b', '--icmp', '--tcp-flags', '2'], 'tcp-flags', /cannot be used with ICMP/);
  usageError(['-S', 'a', '-D', 'b', '-f', 'udp,udp_dst=53', '--tcp-flags', 'SYN'], 'tcp-flags', /UDP/);
  usageError(['-S', 'a', '-D', 'b', '-f', 'tcp,tcp_flags=18', '--tcp-flags', 'SYN'], 'tcp-flags', /given twice/);
  // Flags alone still mean TCP.
  assert.is(invocation(['--src', 'a', '--dst', 'b', '--tcp-flags', 'SYN,ACK']).request.packet.tcpFlags, 18);
});

test('--ovn-namespace must be a DNS-1123 label', () => {
  usageError(['--src', 'a', '--dst', 'b', '--ovn-namespace', 'Bad_NS'], 'ovn-namespace', /not a valid namespace name/);
  usageError(['--src', 'a', '--dst', 'b', '-ovn-config-namespace', 'a/b'], 'ovn-namespace');
  usageError(['--src', 'a', '--dst', 'b', '--ovn-namespace', 'x'.repeat(64)], 'ovn-namespace');
  assert.is(invocation(['--src', 'a', '--dst', 'b', '--ovn-namespace', 'openshift-ovn-kubernetes']).request.options?.ovnNamespace, 'openshift-ovn-kubernetes');
});

test.run();
