// ovn-detrace on ofproto/traces of logged ACL drops and rejects (real OVS 3.1 / OVN 23.03, captured
// by test/fixtures/ovn/acl-log/capture-physical.sh): the dropping table's cookie, its logical flow
// (whose actions name the ACL in log(name=...)) and the NB ACL hint marked "(log)".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOvnDetrace } from '../../../../drivers/ovn/parsers/index.js';
import type { DetraceAclHint, DetraceLogicalFlowRecord } from '../../../../drivers/ovn/parsers/index.js';
import { loadCapture } from '../../helpers/captured-fixture.js';

function aclFlows(name: string) {
  const run = loadCapture('ovn', `acl-log/${name}`);
  const d = parseOvnDetrace(run.stdout, { ...(run.stderr ? { stderr: run.stderr } : {}), exitCode: run.exitCode });
  assert.equal(d.errors, [], name);
  return d.flows.flatMap((f) =>
    f.records
      .filter((r): r is DetraceLogicalFlowRecord => r.kind === 'logical-flow' && /_acl(_|$)/.test(r.stage))
      .flatMap((r) => r.hints.filter((h): h is DetraceAclHint => h.kind === 'acl').map((h) => ({ cookie: f.cookie, stage: r.stage, actions: r.actions, hint: h }))),
  );
}

test('logged default deny: ls_out_acl flow with log(name=...), ACL hint "drop (log)"', () => {
  const found = aclFlows('ovn-detrace-acl-log-default-deny');
  const deny = found.find((f) => f.hint.action === 'drop');
  assert.ok(deny, JSON.stringify(found));
  assert.is(deny!.stage, 'ls_out_acl');
  assert.is(deny!.hint.log, true);
  assert.is(deny!.hint.direction, 'to-lport');
  assert.is(deny!.hint.priority, 1000);
  assert.match(deny!.actions, /log\(name="NP:backend:Ingress", severity=alert, verdict=drop/);
  assert.match(deny!.cookie!, /^0x[0-9a-f]+$/);
});

test('logged explicit deny and reject: the ACL hints keep their action and the log mark', () => {
  const drop = aclFlows('ovn-detrace-acl-log-explicit-deny').find((f) => f.hint.priority === 30000);
  assert.is(drop?.hint.action, 'drop');
  assert.is(drop?.hint.log, true);
  const reject = aclFlows('ovn-detrace-acl-log-reject').find((f) => f.hint.priority === 30001);
  assert.is(reject?.hint.action, 'reject');
  assert.is(reject?.hint.log, true);
});

test.run();
