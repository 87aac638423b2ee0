import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelledError, ToolMissingError, TraceTimeoutError } from '../../../core/errors.js';
import { LocalCommandRunner } from '../../../core/runner/local-command-runner.js';

const runner = new LocalCommandRunner();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('stdout, stderr and a non-zero exit code are returned, not thrown', async () => {
  const out = await runner.run({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
  assert.is(out.stdout, 'out\n');
  assert.is(out.stderr, 'err\n');
  assert.is(out.exitCode, 3);
  assert.is(out.target, 'local');
  assert.ok(out.durationMs >= 0);
});

test('stdin is written and closed', async () => {
  const out = await runner.run({ argv: ['cat'], stdin: 'line 1\nline 2\n' });
  assert.is(out.stdout, 'line 1\nline 2\n');
  assert.is(out.exitCode, 0);
});

test('argv is never interpreted by a shell', async () => {
  const out = await runner.run({ argv: ['echo', '$(id -u); rm -rf /'] });
  assert.is(out.stdout, '$(id -u); rm -rf /\n');
});

test('timeout kills the process and says so', async () => {
  const started = Date.now();
  try {
    await runner.run({ argv: ['sleep', '30'], timeoutMs: 300 });
    assert.unreachable('should time out');
  } catch (err) {
    assert.instance(err, TraceTimeoutError);
    assert.is((err as TraceTimeoutError).code, 'TIMEOUT');
  }
  assert.ok(Date.now() - started < 5000);
});

test('cancellation kills the process', async () => {
  const controller = new AbortController();
  const pidFile = `/tmp/cni-trace-test-${process.pid}-${Date.now()}`;
  const running = runner.run({ argv: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], signal: controller.signal });
  const { readFileSync, existsSync, rmSync } = await import('node:fs');
  for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile);
  assert.ok(alive(pid), 'process started');
  controller.abort();
  try {
    await running;
    assert.unreachable('should be cancelled');
  } catch (err) {
    assert.instance(err, CancelledError);
  }
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(alive(pid), 'process was killed');
});

test('a missing program is a ToolMissingError naming it', async () => {
  try {
    await runner.run({ argv: ['definitely-not-a-tool-xyz', '--version'] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ToolMissingError);
    assert.match((err as Error).message, /definitely-not-a-tool-xyz/);
  }
});

test('wrap prefixes every command without a shell', async () => {
  const wrapped = new LocalCommandRunner({ wrap: ['env', 'FOO=bar'], label: 'node-a' });
  const out = await wrapped.run({ argv: ['sh', '-c', 'echo $FOO'] });
  assert.is(out.stdout, 'bar\n');
  assert.is(out.target, 'node-a');
});

test.run();
