import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TraceEvent } from '../../core/events.js';
import { TextStreamRenderer, formatText, renderTextStream } from '../../formatters/index.js';
import { RESULT_NAMES, eventsOf, isSubsequence, loadResult } from './result-fixtures.js';

const lines = (text: string) => text.replace(/\n$/, '').split('\n');

test('streamed text equals the batch text at every level, with and without colour', () => {
  for (const name of RESULT_NAMES) {
    for (const level of [0, 1, 2, 4, 5]) {
      for (const color of [false, true]) {
        const r = loadResult(name);
        assert.is(renderTextStream(eventsOf(r), { level, color }), formatText(r, { level, color }), `${name} level ${level} colour ${color}`);
      }
    }
  }
});

test('hops print as they are observed at level 2, before the leg finishes', () => {
  const r = loadResult('ovn-default-deny-drop');
  const renderer = new TextStreamRenderer({ level: 2, color: false });
  const events = eventsOf(r);
  const printed: string[][] = events.map((e) => renderer.push(e));
  const remote = r.legs[1]!;
  const dropObs = events.findIndex((e) => e.type === 'observation' && e.observation === remote.observations.at(-1));
  assert.ok(dropObs > 0);
  assert.match(printed[dropObs]![0]!, /^>>> ✗ ls_out_acl_eval/);
  const legStart = events.findIndex((e) => e.type === 'leg-started' && e.legId === remote.id);
  assert.equal(printed[legStart], ['', '── ovn-trace (remote) source pod to destination pod [forward, on ovn-worker2]']);
  // leg-finished adds only the footer and the sentence.
  const legEnd = events.findIndex((e) => e.type === 'leg-finished' && e.leg === remote);
  assert.equal(printed[legEnd], [
    '  reason: no output to "backend_db": the trace ends at ls_out_acl_eval (uuid f730a887), the default-deny ACL of port group a16982411286042166782_ingressDefaultDeny',
    '  drop: ingress to backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/5432 from frontend/client',
    'ovn-trace (remote) source pod to destination pod indicates failure from frontend/client to backend/db',
  ]);
});

test('level 0 prints a leg line when the leg finishes and the verdict at the end; observations print nothing', () => {
  const r = loadResult('ovn-default-deny-drop');
  const renderer = new TextStreamRenderer({ level: 0, color: false });
  for (const e of eventsOf(r)) {
    const out = renderer.push(e);
    if (e.type === 'leg-finished') assert.is(out.length, 1, e.leg.id);
    else if (e.type === 'finished') assert.equal(out, [`warning: ${r.warnings[0]}`, 'Verdict: dropped — ingress to backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/5432 from frontend/client']);
    else assert.equal(out, [], e.type);
  }
});

test('log events at or below the level are printed on arrival; the stream is then a superset of the batch text', () => {
  const r = loadResult('ovn-internode-delivered');
  const logs: Array<[number, string]> = [
    [0, 'tracing with the ovn-kubernetes driver'],
    [2, 'using the ovn-kubernetes driver (found 2 pods labelled app=ovnkube-node)'],
    [5, 'Running command inside container: namespace: ovn-kubernetes, podName: ovnkube-node-7xk2p'],
  ];
  for (const level of [0, 2, 5]) {
    const streamed = lines(renderTextStream(eventsOf(r, { logs }), { level, color: false }));
    const batch = lines(formatText(r, { level, color: false }));
    assert.ok(isSubsequence(batch, streamed), `level ${level}: batch lines appear in order`);
    for (const [at, message] of logs) assert.is(streamed.includes(message), at <= level, `level ${level}: "${message}"`);
    // At level 2 the first leg's blank separator is kept once a log line precedes it; at level 5
    // the discovery lines precede it in both.
    const separator = level >= 2 && level < 5 ? 1 : 0;
    assert.is(streamed.length, batch.length + logs.filter(([at]) => at <= level).length + separator, `level ${level}: only the logs are added`);
  }
});

test('warnings are held for the end, not printed when logged', () => {
  const r = loadResult('ovn-default-deny-drop');
  const renderer = new TextStreamRenderer({ level: 5, color: false });
  assert.equal(renderer.push({ type: 'log', level: 0, message: r.warnings[0]!, warning: true }), []);
});

test('overlapping legs: each leg stays in one block, in start order', () => {
  const r = loadResult('ovn-internode-delivered');
  const [a, b] = [r.legs[0]!, r.legs[1]!];
  const start = (leg: typeof a): TraceEvent => ({ type: 'leg-started', legId: leg.id, tool: leg.tool, direction: leg.direction, description: leg.description, node: leg.node! });
  const obs = (leg: typeof a, i: number): TraceEvent => ({ type: 'observation', legId: leg.id, observation: leg.observations[i]! });
  const finishedResult = { ...r, legs: [b, a] }; // b finished first
  const events: TraceEvent[] = [
    { type: 'started', request: r.request, at: r.startedAt },
    start(a),
    obs(a, 0),
    start(b),
    obs(b, 0),
    obs(a, 1),
    ...b.observations.slice(1).map((_, i) => obs(b, i + 1)),
    { type: 'leg-finished', leg: b },
    ...a.observations.slice(2).map((_, i) => obs(a, i + 2)),
    { type: 'leg-finished', leg: a },
    { type: 'finished', result: finishedResult },
  ];
  const renderer = new TextStreamRenderer({ level: 2, color: false });
  const printed = events.map((e) => renderer.push(e));
  // a's hops print live; b is held back until a is done.
  assert.is(printed[4]!.length, 0, 'b hop held');
  assert.ok(printed[5]!.length > 0, 'a hop printed live');
  assert.is(printed.flat().join('\n') + '\n', formatText({ ...finishedResult, legs: [a, b] }, { level: 2, color: false }));
});

test('a leg with no leg-started or observation events is rendered whole when it finishes', () => {
  const r = loadResult('antrea-anp-drop');
  const events: TraceEvent[] = [{ type: 'started', request: r.request, at: r.startedAt }, { type: 'leg-finished', leg: r.legs[0]! }, { type: 'finished', result: r }];
  for (const level of [0, 2, 5]) {
    const out = renderTextStream(events, { level, color: false });
    const batch = formatText(r, { level, color: false });
    // Without a resolved event, level 5 can only print the endpoints at the end: same lines, moved.
    if (level < 5) assert.is(out, batch, `level ${level}`);
    else assert.equal(lines(out).sort(), lines(batch).sort(), 'level 5');
  }
});

test('hops the stream did not carry are taken from the finished leg', () => {
  const r = loadResult('ovn-default-deny-drop');
  for (const level of [2, 5]) {
    assert.is(renderTextStream(eventsOf(r, { observations: false }), { level, color: false }), formatText(r, { level, color: false }), `level ${level}`);
  }
});

test('observations that arrive before their leg-started are kept', () => {
  const r = loadResult('antrea-anp-drop');
  const leg = r.legs[0]!;
  const events: TraceEvent[] = [
    { type: 'started', request: r.request, at: r.startedAt },
    { type: 'observation', legId: leg.id, observation: leg.observations[0]! },
    { type: 'leg-started', legId: leg.id, tool: leg.tool, direction: leg.direction, description: leg.description },
    ...leg.observations.slice(1).map((observation): TraceEvent => ({ type: 'observation', legId: leg.id, observation })),
    { type: 'leg-finished', leg },
    { type: 'finished', result: r },
  ];
  assert.is(renderTextStream(events, { level: 2, color: false }), formatText(r, { level: 2, color: false }));
});

test('the renderer is deterministic', () => {
  const r = loadResult('antrea-internode-delivered');
  const once = renderTextStream(eventsOf(r), { level: 5, color: true });
  assert.is(renderTextStream(eventsOf(r), { level: 5, color: true }), once);
});

test.run();
