// OVN controller hand-offs on real ofproto/trace output of ACLs with log=true and reject ACLs
// (test/fixtures/ovs/capture-controller-handoffs.sh: OVN 23.03, OVS 3.1): the pinctrl opcode is
// decoded from the OpenFlow controller(userdata=...) that the datapath's userspace(controller(...))
// names by rule_cookie, and the leg verdict follows it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOfprotoTrace } from '../../../drivers/ovs-common/index.js';
import { evaluateOfprotoLeg } from '../../../drivers/ovn/legs/leg-evaluation.js';
import type { PlannedLeg } from '../../../drivers/ovn/legs/leg-plan.js';
import { OVN_ACTION_OPCODES, decodeOvnControllerUserdata } from '../../../drivers/ovn/ovn-controller-actions.js';
import { loadCapture } from '../helpers/captured-fixture.js';

function run(name: string) {
  const c = loadCapture('ovs', name);
  return { stdout: c.stdout, stderr: c.stderr ?? '', exitCode: c.exitCode, durationMs: 1, target: 'test' };
}

const plan: PlannedLeg = {
  id: 'ofproto',
  tool: 'ovs-appctl ofproto/trace',
  direction: 'forward',
  description: 'source pod to destination pod',
  from: 'frontend/client',
  to: 'backend/web',
  node: 'ovn-worker',
  argv: ['ovs-appctl', 'ofproto/trace', 'br-int', 'flow'],
  decisive: true,
  expect: { kind: 'ofproto-output', ofport: 2 },
};

test('opcode table: the v23.03 enum order (reject is 22, log is 7)', () => {
  assert.is(OVN_ACTION_OPCODES.indexOf('log'), 7);
  assert.is(OVN_ACTION_OPCODES.indexOf('tcp_reset'), 11);
  assert.is(OVN_ACTION_OPCODES.indexOf('reject'), 22);
  assert.is(OVN_ACTION_OPCODES.indexOf('activation_strategy_rarp'), 26);
});

test('logged drop ACL: the only hand-off is a log with verdict drop, so the packet is dropped, not rejected', () => {
  const trace = parseOfprotoTrace(run('handoff-ofproto-trace-acl-log-drop').stdout, { controllerUserdata: decodeOvnControllerUserdata });
  assert.is(trace.summary.outcome, 'controller');
  assert.is(trace.summary.controllers.length, 1);
  const [c] = trace.summary.controllers;
  assert.is(c.openflow?.cookie, c.ruleCookie);
  assert.equal(
    { name: c.purpose?.name, code: c.purpose?.code, effect: c.purpose?.effect, verdict: c.purpose?.logVerdict, acl: c.purpose?.ruleName },
    { name: 'log', code: 7, effect: 'log', verdict: 'drop', acl: 'NP:backend:Ingress' },
  );
  assert.match(c.purpose?.detail ?? '', /severity warning/);

  const { leg } = evaluateOfprotoLeg(plan, run('handoff-ofproto-trace-acl-log-drop'));
  assert.is(leg.verdict, 'dropped');
  assert.match(leg.reason ?? '', /ACL logging \(logged verdict drop\) \(ACL "NP:backend:Ingress"\); nothing is forwarded/);
  assert.ok(leg.drop);
  assert.is(leg.observations.at(-1)?.terminal, true);
});

test('reject ACLs (tcp and udp, no log): opcode reject, rejected', () => {
  for (const name of ['handoff-ofproto-trace-acl-reject-tcp', 'handoff-ofproto-trace-acl-reject-udp']) {
    const { leg, ofproto } = evaluateOfprotoLeg(plan, run(name));
    assert.equal(ofproto?.summary.controllers.map((c) => c.purpose?.name), ['reject'], name);
    assert.is(leg.verdict, 'rejected', name);
    assert.match(leg.reason ?? '', /for reject \(opcode 22\)/);
  }
  // The older lab capture of a reject ACL decodes the same way.
  assert.is(evaluateOfprotoLeg(plan, run('ofproto-trace-acl-reject')).leg.verdict, 'rejected');
});

test('logged reject ACL: two hand-offs from one flow (log, then reject), matched in order; rejected and named', () => {
  const { leg, ofproto } = evaluateOfprotoLeg(plan, run('handoff-ofproto-trace-acl-log-reject'));
  const cs = ofproto?.summary.controllers ?? [];
  assert.equal(cs.map((c) => c.purpose?.name), ['log', 'reject']);
  assert.is(cs[0].ruleCookie, cs[1].ruleCookie);
  assert.is(cs[0].purpose?.logVerdict, 'reject');
  assert.is(leg.verdict, 'rejected');
  assert.match(leg.reason ?? '', /ACL "ANP:reject-logged:Ingress"/);
});

test('logged allow ACL: the log copy goes to the controller and the packet is delivered', () => {
  const { leg, ofproto } = evaluateOfprotoLeg({ ...plan, expect: { kind: 'ofproto-output' } }, run('handoff-ofproto-trace-acl-log-allow'));
  assert.is(ofproto?.summary.outcome, 'output');
  assert.equal(ofproto?.summary.controllers.map((c) => [c.purpose?.name, c.purpose?.logVerdict]), [['log', 'allow']]);
  assert.is(leg.verdict, 'delivered');
});

test('decoder: other opcodes are neither a drop nor a reject; short userdata is not OVN userdata', () => {
  const putArp = decodeOvnControllerUserdata([0, 0, 0, 1, 0, 0, 0, 0], { text: '', tableId: 0, pause: false });
  assert.equal([putArp?.name, putArp?.effect], ['put_arp', 'other']);
  const icmp4Error = decodeOvnControllerUserdata([0, 0, 0, 14, 0, 0, 0, 0], { text: '', tableId: 0, pause: false });
  assert.equal([icmp4Error?.name, icmp4Error?.effect], ['icmp4_error', 'reject']);
  assert.is(decodeOvnControllerUserdata([1, 2], { text: '', tableId: 0, pause: false }), undefined);
});

test.run();
