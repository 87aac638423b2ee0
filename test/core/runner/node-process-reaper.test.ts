/**
 * The short exec that ends a cancelled session's processes, run here for real: it finds them by
 * their tag (in the environment, or as an argument), ends them, and touches nothing else.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newProcessTag, reapArgv, taggedArgv } from '../../../core/runner/node-process-reaper.js';
import { shellSessionArgv } from '../../../core/runner/shell-session-protocol.js';

const children: ChildProcess[] = [];
test.after.each(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function alive(c: ChildProcess): boolean {
  return c.exitCode === null && c.signalCode === null;
}

function exited(c: ChildProcess, ms: number): Promise<boolean> {
  if (!alive(c)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    c.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

test('tagged through the environment: the process and what it started are ended; others are not', async () => {
  const tag = newProcessTag();
  const argv = taggedArgv(tag, ['sh', '-c', 'sleep 60 & wait']);
  const tagged = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
  const other = spawn('sh', ['-c', 'sleep 60 & wait'], { stdio: 'ignore' });
  children.push(tagged, other);
  await new Promise((r) => setTimeout(r, 200));
  const [cmd, ...args] = reapArgv(tag);
  const { stdout } = await promisify(execFile)(cmd!, args);
  assert.match(stdout, /^ended [2-9]\n$/, 'sh and its sleep');
  assert.ok(await exited(tagged, 2000), 'the tagged process ended');
  assert.ok(alive(other), 'an untagged one is left alone');
});

test('a shell session (tag among its arguments, exported to its commands) is ended with its running command', async () => {
  const marker = `cni-trace-session-${newProcessTag()}`;
  const argv = shellSessionArgv(marker);
  // A command that would run for a minute, sent as the session's first frame.
  const session = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(session);
  session.stdin!.write(`1\0${2}\0sleep\0${60}\0`);
  await new Promise((r) => setTimeout(r, 300));
  const [cmd, ...args] = reapArgv(marker);
  const { stdout } = await promisify(execFile)(cmd!, args);
  assert.match(stdout, /^ended [1-9]\n$/);
  assert.ok(await exited(session, 2000), 'bash ended though its input is still open');
});

test('nothing tagged: ended 0', async () => {
  const [cmd, ...args] = reapArgv(newProcessTag());
  const { stdout } = await promisify(execFile)(cmd!, args);
  assert.is(stdout, 'ended 0\n');
});

test.run();
