/**
 * The shared ovn-detrace process: each leg's answer must be exactly what a separate
 * `ovn-detrace < trace` prints (checked with the real tool on a lab node), and a session that
 * cannot serve says why, so the driver can fall back to one process per leg.
 */
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCommandRunner } from '../../../core/runner/local-command-runner.js';
import { DetraceSession, DetraceSessionEndedError } from '../../../drivers/ovn/legs/detrace-session.js';
import { detraceArgv, ofprotoTraceArgv } from '../../../drivers/ovn/legs/leg-plan.js';
import type { Lab } from '../../../lab/lab.js';
import { nodeExecWrap, containerEnv } from '../../../lab/ovn/node-exec-environment.js';
import { startLab, stopLab } from '../../helpers/lab-fixture.js';
import { repoRoot } from '../../helpers/paths.js';

const never = new AbortController().signal;

/** A folder whose `ovn-detrace` is the given shell script. */
function fakeDetrace(script: string): { dir: string; runner: LocalCommandRunner } {
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-fake-detrace-'));
  writeFileSync(join(dir, 'ovn-detrace'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'ovn-detrace'), 0o755);
  return { dir, runner: new LocalCommandRunner({ env: { PATH: `${dir}:${process.env.PATH}` }, label: 'fake' }) };
}

// Like ovn-detrace: echoes each line, and prints one empty line at the end of its input.
const ECHO = 'while IFS= read -r line; do printf "%s\\n" "$line"; done; echo';

test('each leg gets what a separate run prints, in any feeding order', async () => {
  const { dir, runner } = fakeDetrace(ECHO);
  try {
    const s = new DetraceSession(runner, never, 10_000);
    assert.equal(await s.readiness, { usable: true });
    s.expect(['a', 'b', 'c']);
    const [b, a] = await Promise.all([s.annotate('b', 'b1\nb2\n'), s.annotate('a', 'no final newline')]);
    s.release('c');
    assert.is(a.stdout, 'no final newline\n\n');
    assert.is(b.stdout, 'b1\nb2\n\n');
    assert.is(a.exitCode, 0);
    assert.is(a.target, 'fake');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no ovn-detrace: certain, with the probe check wording', async () => {
  // A PATH with a shell and nothing else.
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-no-detrace-'));
  try {
    symlinkSync('/bin/sh', join(dir, 'sh'));
    const s = new DetraceSession(new LocalCommandRunner({ env: { PATH: dir } }), never, 10_000);
    assert.equal(await s.readiness, { usable: false, certain: true, reason: 'ovn-detrace not installed' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process that ends early is not certain, and pending legs are told to run alone', async () => {
  const { dir, runner } = fakeDetrace('echo "ERROR: Please install the correct Open vSwitch python support"; exit 1');
  try {
    const s = new DetraceSession(runner, never, 10_000);
    const r = await s.readiness;
    assert.is(r.usable, false);
    if (!r.usable) assert.is(r.certain, false);
    try {
      await s.annotate('a', 'x\n');
      assert.unreachable('annotate after the end');
    } catch (err) {
      assert.instance(err, DetraceSessionEndedError);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let lab: Lab | undefined;

test('real ovn-detrace on a lab node: byte-identical to separate runs', async () => {
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
  const node = lab.node('ovn-worker');
  const runner = new LocalCommandRunner({ wrap: nodeExecWrap(node), env: containerEnv(), label: 'lab ovn-worker' });
  const client = node.ports.find((p) => p.ifaceId === 'frontend_client')!;
  const flow = (dst: string) => `in_port=${client.name},tcp,dl_src=0a:58:0a:f4:01:05,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.5,nw_dst=${dst},nw_ttl=64,tp_src=52888,tp_dst=8080`;
  const traces = await Promise.all(['10.244.1.6', '10.244.2.7'].map(async (dst) => (await runner.run({ argv: ofprotoTraceArgv(flow(dst)) })).stdout));
  const alone = await Promise.all(traces.map(async (t) => (await runner.run({ argv: detraceArgv(), stdin: t })).stdout));
  const s = new DetraceSession(runner, never, 30_000);
  assert.equal(await s.readiness, { usable: true });
  s.expect(['one', 'two']);
  const shared = await Promise.all([s.annotate('one', traces[0]!), s.annotate('two', traces[1]!)]);
  assert.ok(alone[0]!.includes('Logical flow'), 'ovn-detrace annotated the trace');
  assert.is(shared[0]!.stdout, alone[0]);
  assert.is(shared[1]!.stdout, alone[1]);
  // The two traces share flows: the second asked only about what the first had not.
  assert.is(s.stats.wholeTraces, 0);
  assert.ok(s.stats.unitsFromCache > 0, JSON.stringify(s.stats));
});

test('real ovn-detrace, a batch session: repeated and overlapping traces come from its cache, same bytes', async () => {
  const node = lab!.node('ovn-worker');
  const runner = new LocalCommandRunner({ wrap: nodeExecWrap(node), env: containerEnv(), label: 'lab ovn-worker' });
  const client = node.ports.find((p) => p.ifaceId === 'frontend_client')!;
  const flow = (dst: string, port: number) => `in_port=${client.name},tcp,dl_src=0a:58:0a:f4:01:05,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.5,nw_dst=${dst},nw_ttl=64,tp_src=52888,tp_dst=${port}`;
  const flows = [flow('10.244.1.6', 8080), flow('10.244.1.6', 9999), flow('10.244.2.7', 8080)];
  const traces = await Promise.all(flows.map(async (f) => (await runner.run({ argv: ofprotoTraceArgv(f) })).stdout));
  const alone = await Promise.all(traces.map(async (t) => (await runner.run({ argv: detraceArgv(), stdin: t })).stdout));
  const s = new DetraceSession(runner, never, 30_000, { persistent: true });
  try {
    assert.equal(await s.readiness, { usable: true });
    assert.is((await s.annotate('a', traces[0]!)).stdout, alone[0]);
    const asked = s.stats.unitsLookedUp;
    assert.ok(asked > 10, `${asked} units`);
    // The same trace again: nothing to ask.
    assert.is((await s.annotate('a-again', traces[0]!)).stdout, alone[0]);
    assert.is(s.stats.unitsLookedUp, asked);
    const [b, c] = await Promise.all([s.annotate('b', traces[1]!), s.annotate('c', traces[2]!)]);
    assert.is(b.stdout, alone[1]);
    assert.is(c.stdout, alone[2]);
    assert.is(s.stats.wholeTraces, 0);
  } finally {
    s.stop();
  }
});

test.after(async () => {
  await stopLab(lab);
});

test.run();
