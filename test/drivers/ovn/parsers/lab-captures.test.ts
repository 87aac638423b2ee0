/**
 * The parsers on output captured from the project's lab (test/fixtures/ovn/lab, made by its
 * capture.mjs): the same cases as the sandbox fixtures, from the cluster the driver really runs on.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOfprotoTrace } from '../../../../drivers/ovs-common/ofproto-trace-parser.js';
import { parseOvnDetrace } from '../../../../drivers/ovn/parsers/ovn-detrace-parser.js';
import { parseOvnTrace } from '../../../../drivers/ovn/parsers/ovn-trace-parser.js';
import { checkExpectedOutput } from '../../../../drivers/ovn/parsers/ovn-trace-verdict.js';
import { fixturePath } from '../../../helpers/paths.js';

const text = (name: string) => readFileSync(fixturePath('ovn', 'lab', `${name}.txt`), 'utf8');
const ovn = (name: string) => parseOvnTrace(text(name));

test('delivered on the same node', () => {
  const t = ovn('ovn-trace-same-node-delivered');
  assert.ok(checkExpectedOutput(t, { port: 'backend_web' }).reached);
  assert.equal(t.errors, []);
});

test('across zones: the sending zone ends at the remote transit port, the remote leg reaches the pod', () => {
  assert.ok(checkExpectedOutput(ovn('ovn-trace-cross-zone-forward'), { port: 'tstor-ovn-worker2', type: 'remote' }).reached);
  assert.ok(checkExpectedOutput(ovn('ovn-trace-cross-zone-remote-leg'), { port: 'frontend_api' }).reached);
  assert.ok(checkExpectedOutput(ovn('ovn-trace-ipv6-cross-zone-forward'), { port: 'tstor-ovn-worker2', type: 'remote' }).reached);
});

test('service: the VIP flow lists the backend; --lb-dst takes it', () => {
  const vip = ovn('ovn-trace-service-vip');
  assert.ok(vip.loadBalancing.some((lb) => lb.backends.includes('10.244.1.6:8080')), JSON.stringify(vip.loadBalancing));
  const lb = ovn('ovn-trace-service-lb-dst');
  assert.ok(checkExpectedOutput(lb, { port: 'backend_web' }).reached);
});

test('default-deny ACL drop: a miss with an ACL leaf, found without searching for "drop"', () => {
  const t = ovn('ovn-trace-remote-leg-default-deny');
  const check = checkExpectedOutput(t, { port: 'backend_db' });
  assert.not.ok(check.reached);
  const leaf = t.dropLeaves.find((l) => !l.generated)!;
  assert.is(leaf.reason, 'acl');
  assert.match(leaf.table!.stage, /^ls_out_acl/);
  assert.match(leaf.table!.match!, /_ingressDefaultDeny/);
});

test('a true reply (est,rpl) passes the ACLs', () => {
  assert.ok(checkExpectedOutput(ovn('ovn-trace-reply-est-rpl'), { port: 'frontend_client' }).reached);
});

test('unknown port: exit code 0, an error, never a success', () => {
  const t = ovn('ovn-trace-unknown-port');
  assert.is(t.errors[0]?.kind, 'unknown-port');
  assert.is(t.errors[0]?.subject, 'frontend_nosuchpod');
  assert.not.ok(checkExpectedOutput(t, { port: 'backend_web' }).reached);
});

test('ofproto/trace on the lab: recirculations, tunnel output port, cookies = ovn-trace uuids', () => {
  const of = parseOfprotoTrace(text('ofproto-trace-cross-node-sender'));
  assert.ok(of.blocks.length > 1, 'conntrack recirculations');
  assert.is(of.summary.outcome, 'output');
  const uuids = new Set(collectUuids(ovn('ovn-trace-cross-zone-forward')));
  const cookies = of.blocks.flatMap((b) => b.tables.map((t) => t.cookieUuidPrefix).filter(Boolean));
  assert.ok(cookies.filter((c) => uuids.has(c!)).length >= 5, 'most logical flows of the logical trace appear as OpenFlow cookies');
});

test('ovn-detrace on the lab (stripped style): logical flows attached to the echoed cookies', () => {
  const d = parseOvnDetrace(text('ovn-detrace-cross-node-sender'));
  assert.is(d.style, 'stripped');
  assert.ok(d.flows.length > 10);
  assert.ok(d.flows.some((f) => f.records.some((r) => r.kind === 'logical-flow')));
});

function collectUuids(t: ReturnType<typeof parseOvnTrace>): string[] {
  const out: string[] = [];
  const walk = (nodes: Array<{ kind: string; uuid?: string; children: unknown[] }>) => {
    for (const n of nodes) {
      if (n.kind === 'table' && n.uuid) out.push(n.uuid);
      walk(n.children as typeof nodes);
    }
  };
  walk(t.sections[0]!.nodes as never);
  return out;
}

test.run();
