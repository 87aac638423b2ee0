// The conntrack model of ofproto/trace legs, on real ofproto/trace output (OVS 3.1, OVN 23.03 flows):
// the lab's isolated-source reply, and the captured pod→external trace through a gateway router's SNAT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOfprotoTrace } from '../../../drivers/ovs-common/index.js';
import { checkCtStates, committedZones, conntrackActions, conntrackSteps, derivedCtStates } from '../../../drivers/ovs-common/conntrack-states.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCapture } from '../helpers/captured-fixture.js';
import { upstreamCorpusDir } from '../../helpers/upstream-corpus.js';

const parse = (name: string) => {
  const run = loadCapture('ovs', name);
  return parseOfprotoTrace(run.stdout, { stderr: run.stderr, exitCode: run.exitCode });
};

test('ct actions: zone, commit, NAT and the recirculation that resumes them, nested lists included', () => {
  assert.equal(conntrackActions('ct(commit,zone=2,mark=0/0x1,nat(src)),ct(zone=4,nat),recirc(0x21)'), [
    { zone: 2, commit: true, nat: true },
    { zone: 4, commit: false, nat: true, recirculationId: '0x21' },
  ]);
  assert.equal(conntrackActions('ct(commit,zone=6,nat(src)),ct(commit,zone=1,nat(src=172.18.0.2)),recirc(0xc)').at(-1), { zone: 1, commit: true, nat: true, translates: 'src', recirculationId: '0xc' });
  // A dp_hash recirculation is not a conntrack one, even after a ct action.
  assert.equal(conntrackActions('ct(commit,zone=3),hash(l4(0)),recirc(0x11)'), [{ zone: 3, commit: true, nat: false }]);
  assert.equal(conntrackActions('check_pkt_len(size=1414,gt(4),le(ct(zone=7,nat(dst=10.0.0.9:80)),recirc(0x9)))'), [{ zone: 7, commit: false, nat: true, translates: 'dst', recirculationId: '0x9' }]);
});

test('the reply traced with one --ct-next: its second conntrack zone fell back to trk,new and dropped (issue 12 item 1)', () => {
  const forward = parse('ofproto-trace-forward-isolated-source-same-node');
  const committed = committedZones(forward);
  assert.equal([...committed.keys()].sort(), [2, 4], 'the forward packet commits in the source and the destination port zones');
  const bad = parse('ofproto-trace-reply-isolated-source-one-ct-next');
  assert.is(bad.summary.outcome, 'drop');
  const steps = conntrackSteps(bad);
  assert.equal(steps.map((s) => [s.action.zone, s.used.join(',')]), [[4, 'est,rpl,trk'], [2, 'new,trk']]);
  const check = checkCtStates(bad, { kind: 'reply', committed });
  assert.is(check.settled, false);
  assert.equal(check.states, ['est,rpl,trk', 'est,rpl,trk']);
  // Traced with the derived states (one per zone), the reply is delivered and the states settle.
  const good = parse('ofproto-trace-reply-isolated-source-ct-next-per-zone');
  assert.is(good.summary.outcome, 'output');
  assert.is(checkCtStates(good, { kind: 'reply', committed }).settled, true);
});

test('a new connection: trk,new in every zone, snat where the gateway router translates', () => {
  const t = parse('ofproto-trace-pod-to-external-snat');
  const check = checkCtStates(t, { kind: 'new' });
  assert.equal(check.steps.map((s) => s.action.zone), [9, 6, 1]);
  assert.equal(check.states, ['new,trk', 'new,trk', 'new,snat,trk']);
  assert.is(check.settled, false, 'OVS defaulted the SNAT zone to trk,new without snat');
  // Its reply: established in each zone the forward committed in, DNAT-flagged where it was source-translated.
  const committed = committedZones(t);
  assert.equal(committed.get(1), 'src');
  assert.equal(derivedCtStates([{ action: { zone: 1, commit: false, nat: true }, used: [] }, { action: { zone: 6, commit: false, nat: true }, used: [] }, { action: { zone: 42, commit: false, nat: true }, used: [] }], { kind: 'reply', committed }), [
    'dnat,est,rpl,trk',
    'est,rpl,trk',
    'new,trk',
  ]);
});

test('upstream corpus: every conntrack resumption is tied to its ct action; new-connection traces settle', () => {
  const root = upstreamCorpusDir();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.txt')) files.push(join(dir, e.name));
    }
  };
  walk(root);
  const withCt = files.filter((f) => readFileSync(f, 'utf8').includes('resume conntrack'));
  assert.ok(withCt.length >= 5, `expected upstream ofproto/traces with conntrack, found ${withCt.length}`);
  for (const f of withCt) {
    const t = parseOfprotoTrace(readFileSync(f, 'utf8'));
    const steps = conntrackSteps(t);
    assert.ok(steps.length > 0, f);
    assert.ok(steps.every((s) => s.action.recirculationId !== undefined), `${f}: a resumption without its ct(...) action`);
    // These traces follow a first packet with OVS's default trk,new and no translation on the way.
    if (steps.every((s) => !s.action.translates)) assert.ok(checkCtStates(t, { kind: 'new' }).settled, f);
  }
});

test.run();
