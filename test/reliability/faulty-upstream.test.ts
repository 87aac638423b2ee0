/**
 * Faults that need a working API for everything else: a proxy on 127.0.0.1 forwards to a lab's
 * API server, except for what it breaks (watches that never send, watches that end at once,
 * exec upgrades never answered). The real CLI goes through the proxy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Lab } from '../../lab/lab.js';
import { startLab, stopLab } from '../helpers/lab-fixture.js';
import { repoRoot } from '../helpers/paths.js';
import { runCliProcess } from './helpers/cli-process.js';
import { startFaultyApi, upstreamFromKubeconfig, type FaultyApi } from './helpers/faulty-api.js';
import { killLeftovers, leftovers } from './helpers/leftovers.js';

let ovn: Lab | undefined;
let antrea: Lab | undefined;
const dir = mkdtempSync(join(tmpdir(), 'cni-trace-faulty-up-'));
const proxies: FaultyApi[] = [];

test.before(async () => {
  ovn = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
  antrea = await startLab(join(repoRoot, 'lab', 'scenarios', 'antrea.yaml'));
  ovn.kubeApi!.execStreamCloseKeepsProcess = true;
});

test.after(async () => {
  for (const p of proxies) await p.stop();
  await stopLab(ovn);
  await stopLab(antrea);
  rmSync(dir, { recursive: true, force: true });
});

const ANTREA_ARGS = ['-S', 'frontend/client', '-D', 'backend/web', '-f', 'tcp,tcp_dst=8080', '--loglevel', '5'];

test('a watch that ends at once is not reopened in a hot loop: back-off, re-read, and the true result', async () => {
  const proxy = await startFaultyApi('watch-ends-at-once', dir, upstreamFromKubeconfig(antrea!.kubeconfigPath!));
  proxies.push(proxy);
  const r = await runCliProcess(['--kubeconfig', proxy.kubeconfigPath, ...ANTREA_ARGS], { limitMs: 60_000 });
  assert.ok(!r.killed, r.stderr);
  assert.is(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-500)}`);
  assert.match(r.stdout, /Verdict: delivered/);
  // The lab's Traceflow takes ~2 s: 0.8 s, 1.6 s, ... between watches gives a handful, not thousands.
  assert.ok(proxy.watches <= 6, `${proxy.watches} watch requests in ${Math.round(r.ms)} ms`);
  assert.match(r.stdout + r.stderr, /ended the watch at once, with no event\); reading it again and watching in \d/);
  assert.equal((await leftovers(antrea!)).traceflows, []);
});

test('a Traceflow whose state never comes back is not called "pending": the watch failures are named', async () => {
  const proxy = await startFaultyApi('traceflow-unobservable', dir, upstreamFromKubeconfig(antrea!.kubeconfigPath!));
  proxies.push(proxy);
  const r = await runCliProcess(['--kubeconfig', proxy.kubeconfigPath, ...ANTREA_ARGS, '--timeout', '3'], { limitMs: 60_000 });
  assert.ok(!r.killed, r.stderr);
  assert.is(r.code, 1, `exit ${r.code}: ${r.stderr.slice(-500)}`);
  assert.not.match(r.stdout, /pending|did not start it/);
  assert.match(r.stdout, /the API server never answered with its state.*watch request\(s\)/);
  assert.ok(r.ms < 25_000, `took ${Math.round(r.ms)} ms`);
});

test('a watch that never sends anything is given up after the idle timeout, re-read, and the result is true', async () => {
  const proxy = await startFaultyApi('slow-watch', dir, upstreamFromKubeconfig(antrea!.kubeconfigPath!));
  proxies.push(proxy);
  const r = await runCliProcess(['--kubeconfig', proxy.kubeconfigPath, ...ANTREA_ARGS], { limitMs: 60_000 });
  assert.ok(!r.killed, r.stderr);
  assert.is(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-500)}`);
  assert.match(r.stdout + r.stderr, /no answer or event for 5s/);
  assert.match(r.stdout, /Verdict: delivered/);
  // 5 s idle, a back-off of at most 1.6 s, one GET.
  assert.ok(r.ms < 15_000, `took ${Math.round(r.ms)} ms`);
  assert.equal((await leftovers(antrea!)).traceflows, []);
});

test('an exec upgrade never answered ends with exit 3 naming the exec, in bounded time, nothing left on nodes', async () => {
  const proxy = await startFaultyApi('exec-never-answered', dir, upstreamFromKubeconfig(ovn!.kubeconfigPath!));
  proxies.push(proxy);
  const r = await runCliProcess(
    ['--kubeconfig', proxy.kubeconfigPath, '--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080', '--request-timeout', '2s'],
    { limitMs: 60_000 },
  );
  assert.ok(!r.killed, r.stderr);
  assert.is(r.code, 3, `exit ${r.code}: ${r.stdout.slice(-300)} ${r.stderr.slice(-500)}`);
  assert.match(r.stderr, /did not connect within 2s \(the API server or the node's kubelet did not answer the upgrade\)/);
  assert.ok(r.ms < 15_000, `took ${Math.round(r.ms)} ms`);
  const left = await leftovers(ovn!);
  killLeftovers(left);
  assert.equal(left.processes, []);
});

test.run();
