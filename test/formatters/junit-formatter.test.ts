import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStringPromise } from 'xml2js';
import { formatJunit } from '../../formatters/index.js';
import { loadResult } from './result-fixtures.js';

/** xml2js's default shape: attributes under `$`, children as arrays, text under `_` (or a string). */
type Node = { $?: Record<string, string>; _?: string; [child: string]: unknown };
const kids = (node: Node, name: string) => (node[name] as Node[] | undefined) ?? [];
const text = (node: unknown) => (typeof node === 'string' ? node : ((node as Node)._ ?? ''));

async function parsed(xml: string): Promise<Node> {
  const doc = (await parseStringPromise(xml)) as { testsuites: Node };
  return doc.testsuites;
}

test('a delivered trace: one suite, one passing case per leg', async () => {
  const r = loadResult('ovn-internode-delivered');
  const xml = formatJunit(r);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites'));
  assert.ok(xml.endsWith('</testsuites>\n'));
  const root = await parsed(xml);
  assert.equal(root.$, { name: 'cni-trace', tests: '8', failures: '0', errors: '0', time: '2.184' });
  const suites = kids(root, 'testsuite');
  assert.is(suites.length, 1);
  const suite = suites[0]!;
  assert.equal(suite.$, {
    name: 'cni-trace frontend/client -> backend/db tcp/5432',
    tests: '8',
    failures: '0',
    errors: '0',
    skipped: '0',
    time: '2.184',
    timestamp: '2026-08-01T10:00:00',
  });
  const cases = kids(suite, 'testcase');
  assert.is(cases.length, 8);
  assert.equal(cases[0]!.$, { classname: 'ovn-kubernetes.ovn-trace', name: 'ovn-trace source pod to destination pod frontend/client -> backend/db', time: '0.151' });
  assert.is(cases[4]!.$!.classname, 'ovn-kubernetes.ofproto/trace');
  assert.is(cases[4]!.$!.name, 'ovs-appctl ofproto/trace source pod to destination pod frontend/client -> backend/db');
  assert.is(cases[2]!.$!.name, 'ovn-trace destination pod to source pod backend/db -> frontend/client');
  for (const c of cases) {
    assert.is(kids(c, 'failure').length + kids(c, 'error').length, 0);
    assert.is(text(kids(c, 'system-out')[0]).split('\n')[0], r.legs[cases.indexOf(c)]!.reason);
  }
  const props = kids(kids(suite, 'properties')[0]!, 'property').map((p) => [p.$!.name, p.$!.value]);
  assert.equal(props, [['cni', 'ovn-kubernetes'], ['verdict', 'delivered'], ['reason', r.reason]]);
});

test('a dropped leg is a failure carrying the drop, the dropping hop and the policy', async () => {
  const r = loadResult('ovn-default-deny-drop');
  const suite = kids(await parsed(formatJunit(r)), 'testsuite')[0]!;
  assert.is(suite.$!.tests, '3');
  assert.is(suite.$!.failures, '1');
  assert.is(suite.$!.errors, '0');
  const failed = kids(suite, 'testcase').filter((c) => kids(c, 'failure').length > 0);
  assert.is(failed.length, 1);
  assert.is(failed[0]!.$!.name, 'ovn-trace (remote) source pod to destination pod frontend/client -> backend/db');
  const failure = kids(failed[0]!, 'failure')[0]!;
  assert.equal(failure.$, { message: 'ingress to backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/5432 from frontend/client', type: 'dropped' });
  assert.equal(text(failure).split('\n'), [
    'ovn-trace (remote) source pod to destination pod indicates failure from frontend/client to backend/db',
    'dropped at ls_out_acl_eval (on ovn-worker2, cookie f730a887)',
    'policy: NetworkPolicy backend/default-deny',
    'flow: reg0[10] == 1 && (outport == @a16982411286042166782_ingressDefaultDeny), priority 2000: ct_commit { ct_mark.blocked = 1; };',
    'drop: ingress to backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/5432 from frontend/client',
    `reason: ${r.legs[1]!.reason}`,
  ]);
  assert.is(text(kids(suite, 'system-err')[0]), `warning: ${r.warnings[0]}`);
  const props = Object.fromEntries(kids(kids(suite, 'properties')[0]!, 'property').map((p) => [p.$!.name, p.$!.value]));
  assert.is(props.verdict, 'dropped');
  assert.is(props.drop, 'ingress to backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/5432 from frontend/client');
});

test('an Antrea rule drop names the policy rule; inconclusive is a failure too', async () => {
  const anp = kids(await parsed(formatJunit(loadResult('antrea-anp-drop'))), 'testsuite')[0]!;
  const failure = kids(kids(anp, 'testcase')[0]!, 'failure')[0]!;
  assert.is(failure.$!.type, 'dropped');
  assert.ok(text(failure).includes('dropped at NetworkPolicy/IngressMetric (on k8s-node-2)'));
  assert.ok(text(failure).includes('policy: AntreaNetworkPolicy backend/deny-frontend rule ingress-drop-frontend'));
  assert.is(kids(anp, 'testcase')[0]!.$!.classname, 'antrea.traceflow');

  const open = kids(await parsed(formatJunit(loadResult('antrea-inconclusive-timeout'))), 'testsuite')[0]!;
  const f = kids(kids(open, 'testcase')[0]!, 'failure')[0]!;
  assert.is(f.$!.type, 'inconclusive');
  assert.match(f.$!.message!, /did not finish within 20s/);
  assert.is(open.$!.name, 'cni-trace frontend/client -> 203.0.113.50 tcp/443');
});

test('a tool failure is an error element', async () => {
  const r = loadResult('ovn-error-leg');
  const suite = kids(await parsed(formatJunit(r)), 'testsuite')[0]!;
  assert.is(suite.$!.tests, '2');
  assert.is(suite.$!.errors, '1');
  assert.is(suite.$!.failures, '0');
  const error = kids(kids(suite, 'testcase')[1]!, 'error')[0]!;
  assert.is(error.$!.message, r.legs[1]!.reason);
  assert.ok(text(error).includes("command: ovs-appctl ofproto/trace br-int 'in_port=veth5b7f2a1c, tcp,"));
  assert.ok(text(error).includes('(on ovn-kubernetes/ovnkube-node-7xk2p/ovnkube-controller, exit 2)'));
});

test('several traces: one suite each, totals summed', async () => {
  const results = [loadResult('ovn-internode-delivered'), loadResult('ovn-default-deny-drop'), loadResult('ovn-error-leg')];
  const root = await parsed(formatJunit(results));
  assert.equal(root.$, { name: 'cni-trace', tests: '13', failures: '1', errors: '1', time: String(((2184 + 1093 + 412) / 1000).toFixed(3)) });
  assert.equal(kids(root, 'testsuite').map((s) => s.$!.name), ['cni-trace frontend/client -> backend/db tcp/5432', 'cni-trace frontend/client -> backend/db tcp/5432', 'cni-trace frontend/client -> frontend/cache tcp/6379']);
});

test('a trace with no leg still reports one case with its outcome', async () => {
  const r = loadResult('ovn-error-leg');
  r.legs = [];
  r.reason = 'no ovnkube-node pod runs on node ovn-worker';
  const suite = kids(await parsed(formatJunit(r)), 'testsuite')[0]!;
  assert.is(suite.$!.tests, '1');
  assert.is(suite.$!.errors, '1');
  const tc = kids(suite, 'testcase')[0]!;
  assert.is(tc.$!.name, 'trace frontend/client -> frontend/cache tcp/6379');
  assert.is(kids(tc, 'error')[0]!.$!.message, 'no ovnkube-node pod runs on node ovn-worker');
});

test('control characters and markup in tool text still give well-formed XML', async () => {
  const r = loadResult('ovn-error-leg');
  r.legs[1]!.reason = 'bad <in_port> & "quotes"\x1b[31m\x00 \uD800 end';
  const xml = formatJunit(r);
  const error = kids(kids(kids(await parsed(xml), 'testsuite')[0]!, 'testcase')[1]!, 'error')[0]!;
  assert.is(error.$!.message, 'bad <in_port> & "quotes"\\x00 \uFFFD end');
});


test('--all-backends: one test case per backend, failing for the unreachable one, and backend properties', async () => {
  const r = loadResult('antrea-all-backends-one-dropped');
  const root = await parsed(formatJunit(r));
  const suite = kids(root, 'testsuite')[0]!;
  const cases = kids(suite, 'testcase').filter((c) => c.$?.classname === 'antrea.backend');
  assert.equal(cases.map((c) => c.$?.name), [
    'backend mixed/mix-1 (10.10.1.11:8080) of service mixed/mix',
    'backend mixed/mix-2 (10.10.2.12:8080) of service mixed/mix',
    'backend mixed/mix-3 (10.10.1.13:8080) of service mixed/mix',
  ]);
  assert.equal(cases.map((c) => 'failure' in c), [false, false, true]);
  const failure = kids(cases[2]!, 'failure')[0]!;
  assert.is(failure.$?.type, 'dropped');
  assert.match(failure.$!.message!, /isolated by NetworkPolicy mixed\/closed/);
  const props = kids(kids(suite, 'properties')[0]!, 'property').filter((p) => p.$?.name === 'backend');
  assert.is(props.length, 3);
  assert.match(props[2]!.$!.value!, /^mixed\/mix-3 \(10\.10\.1\.13:8080\): dropped \(backend-as-destination: /);
  // Leg cases name their backend.
  assert.ok(kids(suite, 'testcase').some((c) => c.$?.name?.startsWith('[backend mixed/mix-3 (10.10.1.13:8080)] traceflow')));
});

test.run();
