import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOurProcess, isProcessAlive, readPidFile, spawnDetached, stopProcess, type ManagedProcess } from '../../../lab/process/process-control.js';
import { CommandError, runCommand } from '../../../lab/process/run-command.js';
import { acquireLabLock, clearLabState, writeLabState, type LabState } from '../../../lab/lab-state.js';

const dir = mkdtempSync(join(tmpdir(), 'cni-lab-proc-'));
const started: ManagedProcess[] = [];

test.after(() => {
  for (const p of started) if (isProcessAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('spawnDetached writes a pid file; stopProcess stops by pid', async () => {
  const p = spawnDetached({ name: 'sleeper', argv: ['sleep', '30'], pidFile: join(dir, 'sleep.pid'), logFile: join(dir, 'sleep.log') });
  started.push(p);
  assert.is(readPidFile(join(dir, 'sleep.pid')), p.pid);
  assert.ok(isOurProcess(p));
  // A pid that runs another program is never signalled.
  assert.not.ok(isOurProcess({ pid: p.pid, program: 'ovs-vswitchd' }));
  assert.ok(await stopProcess({ pid: p.pid, program: 'ovs-vswitchd' }));
  assert.ok(isProcessAlive(p.pid), 'foreign-program check left the process alone');
  assert.ok(await stopProcess(p));
  assert.not.ok(isProcessAlive(p.pid));
});

test('stopProcess escalates to SIGKILL when SIGTERM is ignored', async () => {
  const p = spawnDetached({ name: 'stubborn', argv: ['bash', '-c', 'trap "" TERM; while true; do sleep 0.05; done'], pidFile: join(dir, 'b.pid'), logFile: join(dir, 'b.log') });
  started.push(p);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  assert.ok(await stopProcess(p, 300));
  assert.not.ok(isProcessAlive(p.pid));
  assert.ok(Date.now() - t0 >= 300, 'waited for the grace period first');
});

test('runCommand returns output and fails with the command line and stderr', async () => {
  assert.is((await runCommand(['printf', '%s', 'a b'])).stdout, 'a b');
  try {
    await runCommand(['bash', '-c', 'echo boom >&2; exit 3']);
    assert.unreachable('non-zero exit accepted');
  } catch (err) {
    assert.instance(err, CommandError);
    assert.is((err as CommandError).code, 'LAB_COMMAND_FAILED');
    assert.is((err as CommandError).exitCode, 3);
    assert.match((err as Error).message, /exit 3.*\n.*boom/s);
  }
});

test('the state lock refuses a live lab and clears a stale one', () => {
  const stateDir = join(dir, 'state');
  acquireLabLock(stateDir);
  const state: LabState = {
    version: 1,
    scenarioName: 'x',
    mode: 'interconnect',
    status: 'running',
    createdAt: new Date().toISOString(),
    ownerPid: process.pid,
    stateDir,
    runDir: join(stateDir, 'run'),
    processes: [{ name: 'me', pid: process.pid, program: readFileSync('/proc/self/comm', 'utf8').trim(), pidFile: '' }],
    zones: [],
    nodes: [],
  };
  writeLabState(state);
  try {
    acquireLabLock(stateDir);
    assert.unreachable('second lock taken');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'LAB_ALREADY_RUNNING');
  }
  // The recorded process is gone (a pid that runs something else): the lock is stale.
  writeLabState({ ...state, processes: [{ name: 'gone', pid: process.pid, program: 'ovsdb-server', pidFile: '' }] });
  acquireLabLock(stateDir);
  clearLabState(stateDir);
});

test.run();
