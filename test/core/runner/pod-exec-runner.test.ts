/**
 * PodExecRunner through the real @kubernetes/client-node Exec against the lab's API server
 * (WebSocket exec, v5 protocol), which runs the commands as real local processes.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelledError, ForbiddenError, NotFoundError, ToolMissingError, TraceTimeoutError } from '../../../core/errors.js';
import { PodExecRunner } from '../../../core/runner/pod-exec-runner.js';
import { startLabApi, type LabApi } from '../../lab/kube-api/lab-api-fixture.js';

let api: LabApi;
const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'net' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tools', namespace: 'net' }, spec: { containers: [{ name: 'ovs', image: 'x' }] }, status: { phase: 'Running' } },
];

test.before(async () => {
  api = await startLabApi({ objects, execResolver: (t) => ({ argv: t.command }) });
});
test.after(async () => {
  await api?.stop();
});

const runner = () => new PodExecRunner(api.kc, { namespace: 'net', pod: 'tools', container: 'ovs' });

test('stdout, stderr and the exit code from the status channel', async () => {
  const out = await runner().run({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
  assert.is(out.stdout, 'out\n');
  assert.is(out.stderr, 'err\n');
  assert.is(out.exitCode, 3);
  assert.is(out.target, 'net/tools/ovs');
  const ok = await runner().run({ argv: ['true'] });
  assert.is(ok.exitCode, 0);
});

test('stdin is delivered and closed (v5)', async () => {
  const out = await runner().run({ argv: ['cat'], stdin: 'ofproto/trace output\nline 2\n' });
  assert.is(out.stdout, 'ofproto/trace output\nline 2\n');
  assert.is(out.exitCode, 0);
});

test('timeout and cancellation close the exec and kill the process', async () => {
  try {
    await runner().run({ argv: ['sleep', '30'], timeoutMs: 300 });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, TraceTimeoutError);
  }
  const pidFile = `/tmp/cni-trace-podexec-${process.pid}`;
  rmSync(pidFile, { force: true });
  const ac = new AbortController();
  const running = runner().run({ argv: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], signal: ac.signal });
  for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile);
  ac.abort();
  try {
    await running;
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CancelledError);
  }
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 150 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(alive(), 'the process behind the exec was killed when the socket closed');
});

test('a missing tool, a missing pod and a forbidden exec are told apart', async () => {
  try {
    await runner().run({ argv: ['no-such-tool-xyz'] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ToolMissingError);
    assert.match((err as Error).message, /no-such-tool-xyz.*net\/tools\/ovs/);
  }
  try {
    await new PodExecRunner(api.kc, { namespace: 'net', pod: 'gone', container: 'ovs' }).run({ argv: ['true'] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, NotFoundError);
  }
  try {
    await new PodExecRunner(api.kcRestricted, { namespace: 'net', pod: 'tools', container: 'ovs' }).run({ argv: ['true'] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ForbiddenError);
    assert.match((err as Error).message, /pods\/exec/);
    assert.is((err as ForbiddenError).exitCode, 3);
  }
});

test.run();
