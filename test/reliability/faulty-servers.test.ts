/**
 * The real CLI against API servers that misbehave (node net/http on 127.0.0.1): each run ends
 * in bounded time with exit 3 and a message that says what failed, and the process exits as
 * soon as it has said so (nothing holds it open).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCliProcess } from './helpers/cli-process.js';
import { startFaultyApi, type FaultKind, type FaultyApi } from './helpers/faulty-api.js';

const dir = mkdtempSync(join(tmpdir(), 'cni-trace-faulty-'));
const started: FaultyApi[] = [];

test.after(async () => {
  for (const s of started) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cases: Array<{ kind: FaultKind; message: RegExp }> = [
  { kind: 'silent', message: /did not answer within 1s \(--request-timeout\)/ },
  { kind: 'half-open', message: /did not answer within 1s \(--request-timeout\)/ },
  { kind: 'http-500', message: /HTTP 500.*etcdserver: request timed out/ },
  { kind: 'closing', message: /cannot reach the Kubernetes API server/ },
];

for (const { kind, message } of cases) {
  test(`${kind} API server: exit 3 in bounded time, saying what failed`, async () => {
    const api = await startFaultyApi(kind, dir);
    started.push(api);
    const r = await runCliProcess(['--kubeconfig', api.kubeconfigPath, '--src', 'client', '--dst', 'web', '--tcp', '--dst-port', '80', '--request-timeout', '1s', '--timeout', '5'], {
      limitMs: 30_000,
    });
    assert.ok(!r.killed, `${kind}: still running after 30 s (stderr: ${r.stderr})`);
    assert.is(r.code, 3, `${kind}: exit ${r.code}; stderr: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /internal error|\n\s+at /, `${kind}: no stack trace, no "internal error": ${r.stderr}`);
    assert.ok(api.requests > 0, `${kind}: the server was asked`);
    // Detection asks a few things at once, each bounded by the 1 s request timeout.
    assert.ok(r.ms < 12_000, `${kind}: took ${Math.round(r.ms)} ms`);
  });
}

test("the CLI's own look-ups (antctl -D resolution, --traceflow) are bounded too", async () => {
  const api = await startFaultyApi('silent', dir);
  started.push(api);
  for (const [args, what] of [
    [['-S', 'frontend/client', '-D', 'backend/web'], /get pods "backend\/web": the API server did not answer within 1s/],
    [['--traceflow', 'tf-1'], /the API server did not answer within 1s/],
  ] as Array<[string[], RegExp]>) {
    const r = await runCliProcess(['--kubeconfig', api.kubeconfigPath, ...args, '--request-timeout', '1s'], { limitMs: 30_000 });
    assert.ok(!r.killed, `${args.join(' ')}: still running after 30 s`);
    assert.is(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, what);
    assert.ok(r.ms < 8000, `${args.join(' ')}: took ${Math.round(r.ms)} ms`);
  }
});

test('with no request timeout (0), the run deadline still ends a silent server in bounded time', async () => {
  const api = await startFaultyApi('silent', dir);
  started.push(api);
  const r = await runCliProcess(['--kubeconfig', api.kubeconfigPath, '--src', 'client', '--dst', 'web', '--request-timeout', '0', '--timeout', '1'], { limitMs: 40_000 });
  assert.ok(!r.killed, `still running after 40 s (stderr: ${r.stderr})`);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /the trace \(detecting the CNI\) did not finish within \d+s/);
  // 1 s + the 15 s grace of the trace's deadline, then out at once (the hung sockets are closed).
  assert.ok(r.ms < 19_000, `took ${Math.round(r.ms)} ms`);
});

test('--request-timeout is read as kubectl reads it; a bad value is a usage error', async () => {
  const r = await runCliProcess(['--kubeconfig', '/nonexistent', '--src', 'a', '--dst', 'b', '--request-timeout', '5x']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /invalid --request-timeout: "5x" is not a timeout/);
});

test.run();
