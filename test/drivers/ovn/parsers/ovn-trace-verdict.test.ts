// checkExpectedOutput: the verdict comes from the expected terminal output, never from searching
// the text for "drop" or for the port name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkExpectedOutput, parseOvnTrace, reachedExpectedOutput } from '../../../../drivers/ovn/parsers/index.js';
import type { OvnTrace } from '../../../../drivers/ovn/parsers/index.js';
import { loadCapture } from '../../helpers/captured-fixture.js';

function load(name: string): { text: string; trace: OvnTrace } {
  const run = loadCapture('ovn', name);
  return { text: run.stdout, trace: parseOvnTrace(run.stdout, { stderr: run.stderr, exitCode: run.exitCode }) };
}

test('delivered traces reach the expected port (and type) in every format', () => {
  const cases: [string, string, string][] = [
    ['ovn-trace-pod-to-pod-same-node', 'backend_web', ''],
    ['ovn-trace-pod-to-pod-same-node-ct-new', 'backend_web', ''],
    ['ovn-trace-pod-to-pod-same-node-summary', 'backend_web', ''],
    ['ovn-trace-pod-to-pod-same-node-minimal', 'backend_web', ''],
    ['ovn-trace-pod-to-pod-same-node-all', 'backend_web', ''],
    ['ovn-trace-ipv6-pod-to-pod-same-node', 'backend_web', ''],
    ['ovn-trace-reply-ct-est-rpl', 'frontend_client', ''],
    ['ovn-trace-pod-to-host-network-mgmt-port', 'k8s-ovn-worker', ''],
    ['ovn-trace-pod-to-pod-cross-zone', 'tstor-ovn-worker2', 'remote'],
    ['ovn-trace-ipv6-pod-to-pod-cross-zone', 'tstor-ovn-worker2', 'remote'],
    ['ovn-trace-pod-to-pod-cross-zone-remote-leg', 'frontend_api', ''],
    ['ovn-trace-pod-to-pod-cross-zone-reverse', 'tstor-ovn-worker', 'remote'],
    ['ovn-trace-service-no-lb-dst-ct-new-x4', 'backend_web', ''],
    ['ovn-trace-service-remote-endpoint', 'tstor-ovn-worker2', 'remote'],
    ['ovn-trace-pod-to-external-snat', 'breth0_ovn-worker', 'localnet'],
  ];
  for (const [name, port, type] of cases) {
    const { trace } = load(name);
    const check = checkExpectedOutput(trace, { port, type });
    assert.ok(check.reached, name);
    assert.is(check.output?.port, port, name);
    assert.is(check.output?.generated, false, name);
    assert.equal(check.otherOutputs, [], name);
    assert.ok(reachedExpectedOutput(trace, { port }), name);
  }
  // A wrong type is a miss.
  assert.is(reachedExpectedOutput(load('ovn-trace-pod-to-pod-cross-zone').trace, { port: 'tstor-ovn-worker2', type: '' }), false);
});

test('ACL drops are misses although their text never says "drop"', () => {
  for (const name of ['ovn-trace-acl-default-deny', 'ovn-trace-service-lb-dst', 'ovn-trace-acl-explicit-deny']) {
    const { text, trace } = load(name);
    assert.is(/\bdrop\b/.test(text), false, name); // a grep for "drop" would call these delivered
    const check = checkExpectedOutput(trace, { port: name.includes('explicit') ? 'tstor-ovn-worker2' : 'backend_web' });
    assert.is(check.reached, false, name);
    assert.equal(check.dropLeaves.map((l) => [l.reason, l.actions]), [['acl', ['ct_commit { ct_mark.blocked = 1; };']]], name);
  }
});

test('a benign nested drop does not decide the verdict: flood copies dropped, the expected one delivered', () => {
  const { text, trace } = load('ovn-trace-broadcast-flood');
  assert.ok(/^\s+drop;$/m.test(text)); // two copies end in "drop;"
  const check = checkExpectedOutput(trace, { port: 'k8s-ovn-worker', type: '' });
  assert.ok(check.reached);
  assert.is(check.dropLeaves.length, 3);
  // ...and the copy that was dropped is a miss for its own port.
  assert.is(reachedExpectedOutput(trace, { port: 'backend_web' }), false);
});

test('generated packets never count: ARP/ND floods, ICMP errors, resets', () => {
  const cases: [string, string][] = [
    ['ovn-trace-arp-request-unknown-neighbor', 'backend_web'],
    ['ovn-trace-nd-ns-unknown-neighbor', 'backend_web'],
    ['ovn-trace-ttl-expired-icmp', 'frontend_client'],
    ['ovn-trace-acl-reject', 'frontend_client'],
    ['ovn-trace-ipv6-service-lb-dst-unbracketed', 'k8s-ovn-worker'],
    ['ovn-trace-pod-to-external-arp-pending', 'breth0_ovn-worker'],
  ];
  for (const [name, port] of cases) {
    const { text, trace } = load(name);
    assert.ok(text.includes(`output to "${port}"`), name); // the text names the port...
    const check = checkExpectedOutput(trace, { port });
    assert.is(check.reached, false, name); // ...but not for the traced packet
    assert.ok(check.dropLeaves.some((l) => !l.generated), name);
    assert.ok(checkExpectedOutput(trace, { port, includeGenerated: true }).reached, name);
  }
  // ovnkube-trace's pod→IP regex `output to "(.*)_(.*)", type "localnet"` matches the ARP flood.
  const pending = load('ovn-trace-pod-to-external-arp-pending');
  assert.ok(/output to "(.*)_(.*)", type "localnet"/.test(pending.text));
  assert.is(reachedExpectedOutput(pending.trace, { port: 'breth0_ovn-worker', type: 'localnet' }), false);
});

test('a miss explains where the packet went instead', () => {
  const check = checkExpectedOutput(load('ovn-trace-pod-to-pod-same-node').trace, { port: 'backend_db' });
  assert.is(check.reached, false);
  assert.equal(check.otherOutputs.map((o) => o.port), ['backend_web']);
  const routing = checkExpectedOutput(load('ovn-trace-routing-miss').trace, { port: 'breth0_ovn-worker' });
  assert.equal(routing.dropLeaves.map((l) => [l.reason, l.table?.stage]), [['drop', 'lr_in_ip_routing']]);
});

test('tool errors are never a delivery', () => {
  for (const name of ['ovn-trace-error-unknown-port', 'ovn-trace-error-unknown-datapath', 'ovn-trace-error-syntax', 'ovn-trace-error-unknown-port-with-datapath-abort']) {
    const check = checkExpectedOutput(load(name).trace, { port: 'backend_web' });
    assert.is(check.reached, false, name);
    assert.ok(check.errors.length > 0, name);
  }
});

test.run();
