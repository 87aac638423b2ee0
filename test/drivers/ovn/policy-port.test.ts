// The port a policy saw at a drop, from what the real trace says the packet was there (after load
// balancing), on captured OVN 23.03 / OVS 3.1 output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOvnTrace } from '../../../drivers/ovn/parsers/index.js';
import { parseOfprotoTrace } from '../../../drivers/ovs-common/ofproto-trace-parser.js';
import { policyPortOfOfprotoTrace, policyPortOfOvnTrace } from '../../../drivers/ovn/attribution/policy-port.js';
import { loadCapture } from '../helpers/captured-fixture.js';

function ovn(name: string) {
  const run = loadCapture('ovn', name);
  const trace = parseOvnTrace(run.stdout, { ...(run.stderr ? { stderr: run.stderr } : {}), exitCode: run.exitCode });
  // The recorded command line, split on blanks: enough to find --lb-dst and its value.
  return { trace, leaf: trace.dropLeaves.find((l) => !l.generated), argv: run.command.split(/\s+/) };
}

test('a logged drop behind a Service: the ACL saw the backend port 8080, not the Service port 80', () => {
  const { trace, leaf, argv } = ovn('acl-log/ovn-trace-acl-log-service-default-deny');
  assert.match(trace.microflow!, /tp_dst=80,/);
  assert.is(leaf?.table?.stage, 'ls_out_acl');
  assert.equal(policyPortOfOvnTrace(trace, leaf, argv), { port: 8080, source: 'acl-log' });
});

test('--lb-dst: ovn-trace rewrites the destination at the first ct_lb_mark, so the ACL saw the --lb-dst port', () => {
  for (const name of ['ovn-trace-service-lb-dst', 'acl-log/ovn-trace-acl-log-service-default-deny-lb-dst']) {
    const { trace, leaf, argv } = ovn(name);
    assert.ok(leaf, name);
    assert.match(trace.microflow!, /tp_dst=80,/, name);
    assert.is(policyPortOfOvnTrace(trace, leaf, argv)?.port, 8080, name);
  }
  const { trace, leaf, argv } = ovn('ovn-trace-service-lb-dst');
  assert.equal(policyPortOfOvnTrace(trace, leaf, argv), { port: 8080, source: 'lb-dst' });
});

test('ct_lb_mark(backends=...) without --lb-dst: the backends\' shared port', () => {
  const { trace, leaf, argv } = ovn('ovn-trace-service-no-lb-dst');
  assert.ok(leaf);
  assert.equal(policyPortOfOvnTrace(trace, leaf, argv), { port: 8080, source: 'lb-backends' });
  // Backends on different ports: ovn-trace picked one at random, the port is not claimed.
  const mixed = { ...trace, loadBalancing: trace.loadBalancing.map((lb) => ({ ...lb, backends: ['10.244.1.6:8080', '10.244.1.7:9090'] })) };
  assert.equal(policyPortOfOvnTrace(mixed, leaf, argv), { source: 'lb-backends' });
});

test('no load balancing: the port the packet was sent to', () => {
  const { trace, leaf, argv } = ovn('ovn-trace-acl-default-deny');
  assert.equal(policyPortOfOvnTrace(trace, leaf, argv), { port: 9090, source: 'microflow' });
});

test('ofproto/trace: the dropping recirculation\'s flow, printed after ct(nat)', () => {
  const svc = loadCapture('ovs', 'ofproto-trace-service-remote-endpoint-native-tunnel');
  assert.equal(policyPortOfOfprotoTrace(parseOfprotoTrace(svc.stdout)), { port: 5353, source: 'recirculated-flow' });
  const deny = loadCapture('ovs', 'ofproto-trace-acl-default-deny');
  const p = policyPortOfOfprotoTrace(parseOfprotoTrace(deny.stdout));
  assert.is(p?.port, 9090);
});

test.run();
