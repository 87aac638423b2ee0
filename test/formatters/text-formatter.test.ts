import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatText, stripAnsi } from '../../formatters/index.js';
import { RESULT_NAMES, assertGolden, loadResult } from './result-fixtures.js';

const ESC = '\x1b';
const lines = (text: string) => text.replace(/\n$/, '').split('\n');

for (const name of RESULT_NAMES) {
  for (const level of [0, 2, 5]) {
    test(`golden: ${name} at level ${level}, no colour`, () => {
      const out = formatText(loadResult(name), { level, color: false });
      assertGolden(`${name}.level${level}.txt`, out);
      assert.not.ok(out.includes(ESC), 'no ANSI escape code without colour');
      assert.ok(out.endsWith('\n') && !out.endsWith('\n\n'), 'ends with exactly one newline');
    });
  }
}

for (const [name, level] of [['ovn-default-deny-drop', 0], ['ovn-default-deny-drop', 2], ['antrea-anp-drop', 0]] as const) {
  test(`golden: ${name} at level ${level}, colour`, () => {
    assertGolden(`${name}.level${level}.color.txt`, formatText(loadResult(name), { level, color: true }));
  });
}

test('colour only adds escape codes: stripped, it is the plain output', () => {
  for (const name of RESULT_NAMES) {
    for (const level of [0, 1, 2, 4, 5, 9]) {
      const r = loadResult(name);
      const colored = formatText(r, { level, color: true });
      assert.ok(colored.includes(ESC), `${name}@${level} has colour`);
      assert.is(stripAnsi(colored), formatText(r, { level, color: false }), `${name}@${level}`);
    }
  }
});

test('level 0 prints ovnkube-trace sentences word for word, in leg order, then the verdict', () => {
  const out = formatText(loadResult('ovn-internode-delivered'), { level: 0, color: false });
  assert.equal(lines(out), [
    'ovn-trace source pod to destination pod indicates success from frontend/client to backend/db',
    'ovn-trace (remote) source pod to destination pod indicates success from frontend/client to backend/db',
    'ovn-trace destination pod to source pod indicates success from backend/db to frontend/client',
    'ovn-trace (remote) destination pod to source pod indicates success from backend/db to frontend/client',
    'ovs-appctl ofproto/trace source pod to destination pod indicates success from frontend/client to backend/db',
    'ovs-appctl ofproto/trace destination pod to source pod indicates success from backend/db to frontend/client',
    'ovn-detrace source pod to destination pod indicates success from frontend/client to backend/db',
    'ovn-detrace destination pod to source pod indicates success from backend/db to frontend/client',
    'Verdict: delivered',
  ]);
});

test('level 0 colours sentences as ovnkube-trace does (green+bold success, red+bold failure)', () => {
  const out = lines(formatText(loadResult('ovn-default-deny-drop'), { level: 0, color: true }));
  assert.is(out[0], '\x1b[32m\x1b[1movn-trace source pod to destination pod indicates success from frontend/client to backend/db\x1b[0m');
  assert.is(out[1], '\x1b[31m\x1b[1movn-trace (remote) source pod to destination pod indicates failure from frontend/client to backend/db\x1b[0m');
});

test('default-deny drop: failure sentence, warning, verdict naming the isolating policy', () => {
  const out = lines(formatText(loadResult('ovn-default-deny-drop'), { level: 0, color: false }));
  assert.ok(out.includes('ovn-trace (remote) source pod to destination pod indicates failure from frontend/client to backend/db'));
  assert.ok(out.some((l) => l.startsWith('warning: skipped ovn-detrace: ')), 'the skipped detrace warning');
  assert.is(out.at(-1), 'Verdict: dropped — ingress to backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/5432 from frontend/client');
});

test('verdict names the dropping rule of an Antrea policy', () => {
  const out = lines(formatText(loadResult('antrea-anp-drop'), { level: 0, color: false }));
  assert.is(out.at(-1), 'Verdict: dropped — ingress to backend/db dropped by rule ingress-drop-frontend of AntreaNetworkPolicy backend/deny-frontend');
});

test('verdict adds the policy when the drop explanation does not name it', () => {
  const r = loadResult('antrea-anp-drop');
  r.drop = { type: 'rule', direction: 'ingress', policy: { kind: 'AntreaClusterNetworkPolicy', name: 'acnp-deny-db', rule: 'deny-5432' }, explanation: 'denied by an Antrea policy' };
  assert.is(lines(formatText(r, { level: 0, color: false })).at(-1), 'Verdict: dropped — denied by an Antrea policy (ingress rule of AntreaClusterNetworkPolicy acnp-deny-db rule deny-5432)');
  r.drop = { type: 'default-deny', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'backend', name: 'a' }, { kind: 'NetworkPolicy', namespace: 'backend', name: 'b' }], explanation: 'no rule allows it; see backend/a' };
  assert.is(lines(formatText(r, { level: 0, color: false })).at(-1), 'Verdict: dropped — no rule allows it; see backend/a (isolated by NetworkPolicy backend/b)');
});

test('level 0 shows Antrea node reports as an observation tree, node by node', () => {
  const out = lines(formatText(loadResult('antrea-internode-delivered'), { level: 0, color: false }));
  assert.is(out[0], '✓ traceflow source pod to destination service: delivered from frontend/client to service backend/db');
  assert.is(out[1], '  node k8s-node-1');
  assert.match(out[2]!, /^ {4}→ SpoofGuard +forwarded +at 2026-08-01T10:20:02Z$/);
  assert.match(out[3]!, /^ {4}→ LB +forwarded +dnat 10\.10\.2\.7, at /);
  assert.match(out[4]!, /policy NetworkPolicy frontend\/allow-egress-db/);
  assert.match(out[5]!, /Forwarding\/Output +forwarded +tunnel 192\.168\.77\.102/);
  assert.is(out[6], '  node k8s-node-2');
  assert.match(out[7]!, /^ {4}↳ Forwarding +received/);
  assert.match(out[9]!, /^ {4}✓ Forwarding\/Output +delivered/);
  // The informational OVS leg is a verdict-line leg: one sentence, no hops at level 0.
  assert.is(out[10], 'ovs-appctl ofproto/trace source pod to destination service (sender OVS pipeline) indicates success from frontend/client to service backend/db');
  assert.is(out.at(-1), 'Verdict: delivered');
  assert.is(out.length, 12);
});

test('level 0 tree marks the dropping observation with ✗ and >>>', () => {
  const out = lines(formatText(loadResult('antrea-anp-drop'), { level: 0, color: false }));
  const drop = out.filter((l) => l.startsWith('>>>'));
  assert.is(drop.length, 1);
  assert.match(drop[0]!, /^>>> ✗ NetworkPolicy\/IngressMetric +dropped +policy AntreaNetworkPolicy backend\/deny-frontend rule ingress-drop-frontend, at 2026-08-01T10:30:01Z$/);
});

test('level 2 shows the path hop by hop and highlights the dropping hop with its policy', () => {
  const r = loadResult('ovn-default-deny-drop');
  const out = lines(formatText(r, { level: 2, color: false }));
  const marked = out.filter((l) => l.startsWith('>>>'));
  assert.is(marked.length, 1, 'exactly one highlighted hop');
  assert.match(marked[0]!, /^>>> ✗ ls_out_acl_eval +dropped +policy NetworkPolicy backend\/default-deny, cookie f730a887$/);
  // The hop's flow text and description follow it; the leg's reason and drop close the block.
  const at = out.indexOf(marked[0]!);
  assert.match(out[at + 1]!, /default-deny ACL of port group a16982411286042166782_ingressDefaultDeny/);
  assert.match(out[at + 2]!, /^ {8}flow: reg0\[10\] == 1 && \(outport == @a16982411286042166782_ingressDefaultDeny\), priority 2000/);
  assert.match(out[at + 3]!, /^ {2}reason: no output to "backend_db"/);
  assert.is(out[at + 4], '  drop: ingress to backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/5432 from frontend/client');
  assert.is(out[at + 5], 'ovn-trace (remote) source pod to destination pod indicates failure from frontend/client to backend/db');
  // Every hop of every leg is listed.
  for (const leg of r.legs) {
    for (const obs of leg.observations) assert.ok(out.some((l) => l.includes(` ${obs.stage} `) && l.includes(obs.cookie ?? '')), `${leg.id}: ${obs.stage}`);
  }
  // Level 2 has neither commands nor raw output.
  assert.not.ok(out.some((l) => l.includes('command:') || l.startsWith('  | ')));
});

test('level 2 highlight is red and bold with colour, and the marker survives without it', () => {
  const colored = lines(formatText(loadResult('ovn-default-deny-drop'), { level: 2, color: true }));
  const hop = colored.find((l) => l.includes('>>> ✗ ls_out_acl_eval'));
  assert.ok(hop?.startsWith('\x1b[31m\x1b[1m>>> ✗ ls_out_acl_eval') && hop.endsWith('\x1b[0m'));
});

test('level 2 marks nothing on a delivered trace, and flags informational legs', () => {
  const out = lines(formatText(loadResult('ovn-internode-delivered'), { level: 2, color: false }));
  assert.not.ok(out.some((l) => l.startsWith('>>>')));
  assert.is(out.filter((l) => l === '  informational: this leg does not decide the verdict').length, 2, 'the two ovn-detrace legs');
  assert.is(out.filter((l) => l.startsWith('── ')).length, 8, 'one header per leg');
});

test('level 2 says so when a leg has no hop (tool error)', () => {
  const out = lines(formatText(loadResult('ovn-error-leg'), { level: 2, color: false }));
  const header = out.indexOf('── ovs-appctl ofproto/trace source pod to destination pod [forward, on ovn-worker]');
  assert.ok(header > 0);
  assert.is(out[header + 1], '    (no hop observed)');
  assert.match(out.at(-1)!, /^Verdict: error — ofproto\/trace source pod to destination pod failed: ovs-appctl exited with 2/);
});

test('level 4 adds commands; level 5 adds discovery, durations, detail and raw output', () => {
  const r = loadResult('ovn-default-deny-drop');
  const l4 = formatText(r, { level: 4, color: false });
  assert.ok(l4.includes("  command: ovn-trace --db unix:/var/run/ovn/ovnsb_db.sock --ct=new 'inport==\"tstor-ovn-worker\" && "));
  assert.ok(l4.includes('    ran on ovn-kubernetes/ovnkube-node-q4m9d/ovnkube-controller, exit 0, 162 ms'));
  assert.not.ok(l4.includes('raw output'));
  assert.not.ok(l4.includes('request:'));

  const out = lines(formatText(r, { level: 5, color: false }));
  assert.is(out[0], 'request: frontend/client -> backend/db tcp/5432 (ip4, tcp flags 0x02, ttl 64, mode simulate, timeout 60s)');
  assert.is(out[1], 'cni: ovn-kubernetes');
  assert.is(out[2], 'source: pod frontend/client, ip 10.244.1.5, mac 0a:58:0a:f4:01:05, node ovn-worker');
  assert.ok(out.includes('  ovsPort: veth5b7f2a1c'));
  assert.ok(out.includes('destination: pod backend/db, ip 10.244.2.7, mac 0a:58:0a:f4:02:07, node ovn-worker2'));
  assert.ok(out.includes('  duration: 170 ms'));
  assert.ok(out.includes('  raw output of ovn-trace:'));
  assert.ok(out.includes('  |  4. ls_out_acl_eval (northd.c:7115): reg0[10] == 1 && (outport == @a16982411286042166782_ingressDefaultDeny), priority 2000, uuid f730a887'));
  assert.ok(out.includes('  |     ct_commit { ct_mark.blocked = 1; };'));
  assert.ok(out.includes('        detail: datapath=ovn-worker2, pipeline=egress, table=4, acl=to-lport, priority=1000, match=(outport == @a16982411286042166782_ingressDefaultDeny), drop'), 'observation detail');
  assert.ok(out.includes('trace took 1093 ms (started 2026-08-01T10:05:00.000Z, 3 legs)'));
  // Every leg's raw output is there, line for line.
  for (const leg of r.legs) {
    for (const raw of leg.rawOutput!.replace(/\n$/, '').split('\n')) assert.ok(out.includes(raw === '' ? '  |' : `  | ${raw}`), `${leg.id}: ${raw}`);
  }
});

test('levels in between and out of range fall back to the nearest lower level', () => {
  const r = loadResult('ovn-default-deny-drop');
  assert.is(formatText(r, { level: 1, color: false }), formatText(r, { level: 0, color: false }));
  assert.is(formatText(r, { level: 3, color: false }), formatText(r, { level: 2, color: false }));
  assert.is(formatText(r, { level: 9, color: false }), formatText(r, { level: 5, color: false }));
  assert.is(formatText(r, { level: -1, color: false }), formatText(r, { level: 0, color: false }));
  assert.is(formatText(r, { level: 2.7, color: false }), formatText(r, { level: 2, color: false }));
});

test('legs without from/to use the request endpoints, swapped for reverse legs', () => {
  const r = loadResult('ovn-internode-delivered');
  for (const leg of r.legs) {
    delete leg.from;
    delete leg.to;
  }
  const out = lines(formatText(r, { level: 0, color: false }));
  assert.is(out[0], 'ovn-trace source pod to destination pod indicates success from frontend/client to backend/db');
  assert.is(out[2], 'ovn-trace destination pod to source pod indicates success from backend/db to frontend/client');
});

test('foreign text cannot smuggle escape codes into colourless output', () => {
  const r = loadResult('ovn-error-leg');
  r.legs[1]!.reason = 'bad \x1b[31mred\x1b[0m value\x07';
  r.legs[1]!.rawOutput = '\x1b[1mbold\x1b[0m tool output\n';
  r.reason = 'failed: \x1b]0;title\x07 oops';
  for (const level of [0, 2, 5]) {
    const out = formatText(r, { level, color: false });
    assert.not.ok(out.includes(ESC), `level ${level}`);
  }
  const out = formatText(r, { level: 5, color: false });
  assert.ok(out.includes('  reason: bad red value\\x07'));
  assert.ok(out.includes('  | bold tool output'));
});

test('a trace that failed before any leg still prints its verdict', () => {
  const r = loadResult('ovn-error-leg');
  r.legs = [];
  r.reason = 'no ovnkube-node pod on node ovn-worker';
  assert.is(formatText(r, { level: 0, color: false }), 'Verdict: error — no ovnkube-node pod on node ovn-worker\n');
  assert.is(formatText(r, { level: 2, color: false }), 'Verdict: error — no ovnkube-node pod on node ovn-worker\n');
});

test('left-cluster and inconclusive verdicts carry their reason; delivered does not', () => {
  const r = loadResult('antrea-inconclusive-timeout');
  assert.match(lines(formatText(r, { level: 0, color: false })).at(-1)!, /^Verdict: inconclusive — traceflow source pod to destination IP: Traceflow .* did not finish within 20s/);
  r.verdict = 'left-cluster';
  r.reason = 'forwarded out of the pod network on k8s-node-1';
  assert.is(lines(formatText(r, { level: 0, color: false })).at(-1), 'Verdict: left-cluster — forwarded out of the pod network on k8s-node-1');
});

test.run();
