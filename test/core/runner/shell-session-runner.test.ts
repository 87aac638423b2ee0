/**
 * ShellSessionRunner with real processes: one real bash over a LocalCommandRunner, and over a
 * PodExecRunner through the lab API server's WebSocket exec (which runs real local processes).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelledError, ToolMissingError, TraceTimeoutError } from '../../../core/errors.js';
import type { CommandOutput, CommandRunner } from '../../../core/runner/command-runner.js';
import { InputQueue } from '../../../core/runner/input-queue.js';
import { LocalCommandRunner } from '../../../core/runner/local-command-runner.js';
import { PodExecRunner } from '../../../core/runner/pod-exec-runner.js';
import { END_FRAME, SHELL_SESSION_SCRIPT, commandFrame } from '../../../core/runner/shell-session-protocol.js';
import { ShellSessionRunner, type ShellSessionRunnerOptions } from '../../../core/runner/shell-session-runner.js';
import { startLabApi, type LabApi } from '../../lab/kube-api/lab-api-fixture.js';

const NODE = process.execPath;
const tmp = mkdtempSync(join(tmpdir(), 'cni-trace-shell-session-test-'));
let fileSeq = 0;
const tmpFile = (name: string) => join(tmp, `${name}-${++fileSeq}`);
// Also when a failing test ends the run before test.after.
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A directory with symlinks to these tools and no bash (a PATH without bash). */
const noBashDir = join(tmp, 'no-bash-bin');
mkdirSync(noBashDir);
for (const tool of ['sh', 'echo', 'cat', 'printf', 'true']) {
  const target = (process.env.PATH ?? '/usr/bin:/bin').split(':').map((d) => join(d, tool)).find((p) => existsSync(p));
  if (target) symlinkSync(target, join(noBashDir, tool));
}
/** A directory with an `echo` program that is not the bash builtin. */
const fakeEchoDir = join(tmp, 'fake-echo-bin');
mkdirSync(fakeEchoDir);
writeFileSync(join(fakeEchoDir, 'echo'), '#!/bin/sh\nprintf "external echo:"\nprintf " [%s]" "$@"\nprintf "\\n"\n');
chmodSync(join(fakeEchoDir, 'echo'), 0o755);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a process runs (a zombie left to a PID 1 that does not reap counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  for (let waited = 0; waited < ms && alive(pid); waited += 20) await sleep(20);
  return !alive(pid);
}

async function waitPidFile(path: string): Promise<number> {
  for (let i = 0; i < 250 && !(existsSync(path) && readFileSync(path, 'utf8').endsWith('\n')); i++) await sleep(20);
  return Number(readFileSync(path, 'utf8'));
}

/** Processes a test started, killed in its finally even when it failed. */
class Cleanup {
  readonly pids = new Set<number>();
  readonly runners: ShellSessionRunner[] = [];

  runner(inner: CommandRunner, options?: ShellSessionRunnerOptions): ShellSessionRunner {
    const r = new ShellSessionRunner(inner, options);
    this.runners.push(r);
    return r;
  }

  async done(): Promise<void> {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(this.runners.map((r) => r.close().catch(() => undefined))),
      new Promise((r) => (timer = setTimeout(r, 3000))),
    ]);
    clearTimeout(timer);
  }
}

/** The bash of the runner's current session (every session command is its child). */
async function sessionBash(runner: ShellSessionRunner, cleanup: Cleanup): Promise<number> {
  const out = await runner.run({ argv: ['sh', '-c', 'echo $PPID'] });
  const pid = Number(out.stdout);
  assert.ok(pid > 1, `PPID ${out.stdout}`);
  cleanup.pids.add(pid);
  return pid;
}

/** What a run rejected with; never rejects itself (so an unexpected success is no unhandled rejection). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    const value = await p;
    return new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (err) {
    return err as Error;
  }
}

function sameOutput(actual: CommandOutput, expected: CommandOutput, what: string): void {
  assert.is(actual.stdout, expected.stdout, `${what}: stdout`);
  assert.is(actual.stderr, expected.stderr, `${what}: stderr`);
  assert.is(actual.exitCode, expected.exitCode, `${what}: exit code`);
  assert.is(actual.target, expected.target, `${what}: target`);
  assert.ok(actual.durationMs >= 0);
}

/** A program printing its arguments as JSON. */
const argvJson = (args: string[]) => [NODE, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '--', ...args];

const NASTY_ARGS = [
  'a b',
  '  lead and trail  ',
  'new\nline',
  'cr\r\nlf',
  '\t',
  "'single'",
  '"double"',
  '$(id)',
  '`id`',
  '$HOME',
  '${PATH}',
  '*',
  '?',
  '[a-z]',
  '~',
  '!!',
  '#not a comment',
  ';ls',
  '| cat',
  '&& false',
  '> /tmp/should-not-exist',
  '\\back\\slash\\',
  '-e',
  '--',
  '',
  'ünï©ødé ✓ 😀',
  '',
];

// ---- the session script on its own -------------------------------------------------------

test('the script: frames in, marked answers out; END_FRAME exits 0, malformed input 71', () => {
  const marker = 'cni-trace-session-feedfacefeedfacefe';
  const run = (input: string) => spawnSync('bash', ['-c', SHELL_SESSION_SCRIPT, 'cni-trace-session', marker], { input, encoding: 'utf8' });
  const ok = run(commandFrame('1', ['printf', '%s|', 'a b', '$(id)']) + commandFrame('2', ['no-such-tool-xyz']) + commandFrame('3', []) + END_FRAME + commandFrame('4', ['echo', 'never']));
  assert.is(ok.status, 0);
  assert.is(ok.stdout, `a b|$(id)|${marker} 1 exit 0\n${marker} 2 missing\n${marker} 3 missing\n`);
  assert.is(ok.stderr, `${marker} 1\n${marker} 2\n${marker} 3\n`);
  // End of input between frames ends it too.
  assert.is(run(commandFrame('1', ['true'])).status, 0);
  // A bad argument count, or input ending inside a frame.
  assert.is(run('1\0x\0').status, 71);
  assert.is(run('1\x002\x00a\0').status, 71);
  assert.is(run('1\0').status, 71);
});

// ---- over a LocalCommandRunner -----------------------------------------------------------

test('local: stdout, stderr and exit codes byte for byte, as the inner runner gives them', async () => {
  const cleanup = new Cleanup();
  const inner = new LocalCommandRunner();
  const runner = cleanup.runner(inner);
  try {
    const specs: string[][] = [
      ['sh', '-c', 'printf "out\\nno final newline"; printf "err" >&2; exit 7'],
      ['true'],
      ['false'],
      ['sh', '-c', 'exit 255'],
      ['sh', '-c', 'printf "\\n\\n"; printf "\\n" >&2'],
      ['printf', '%s', 'cni-trace-session-0000000000000000 1 exit 0\nlooks like a marker\n'],
      ['printf', 'nul\\000inside\\001\\177\\r\\n'],
      [NODE, '-e', 'process.stdout.write("\\u00e9\\u2028\\ufeff\\u{1F600}\\u0000end"); process.stderr.write("\\u00fc")'],
    ];
    for (const argv of specs) sameOutput(await runner.run({ argv }), await inner.run({ argv }), argv.join(' '));
    const out = await runner.run({ argv: specs[0]! });
    assert.is(out.stdout, 'out\nno final newline');
    assert.is(out.stderr, 'err');
    assert.is(out.exitCode, 7);
    assert.is(out.target, 'local');
    assert.is((await runner.run({ argv: specs[6]! })).stdout, 'nul\0inside\x01\x7f\r\n');
    assert.equal(runner.stats, { inSession: specs.length + 2, alone: 0, sessions: 1 });
    assert.equal(runner.problems, []);
  } finally {
    await cleanup.done();
  }
});

test('local: ~2 MB of output (and stderr) arrive whole', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const unit = 'héllo wörld ✓ 😀\tline\n';
    const code = `const u=${JSON.stringify(unit)};const n=+process.argv[1];for(let i=0;i<n;i++){process.stdout.write(u.repeat(1000));if(i%100===0)process.stderr.write('e'+i+'\\n')}process.stdout.write('tail')`;
    const n = 80; // 80 × 1000 × 26 bytes ≈ 2 MB
    const [big, small] = await Promise.all([runner.run({ argv: [NODE, '-e', code, String(n)] }), runner.run({ argv: ['echo', 'after'] })]);
    const expected = unit.repeat(1000 * n) + 'tail';
    assert.ok(Buffer.byteLength(big.stdout) > 2_000_000);
    assert.ok(big.stdout === expected, `stdout differs (length ${big.stdout.length} vs ${expected.length})`);
    assert.is(big.stderr, 'e0\n');
    assert.is(big.exitCode, 0);
    assert.is(small.stdout, 'after\n');
    assert.equal(runner.stats, { inSession: 2, alone: 0, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: arguments are passed verbatim and never evaluated', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const viaNode = await runner.run({ argv: argvJson(NASTY_ARGS) });
    assert.equal(JSON.parse(viaNode.stdout), NASTY_ARGS);
    assert.is(viaNode.exitCode, 0);
    const viaPrintf = await runner.run({ argv: ['printf', '<%s>\\n', ...NASTY_ARGS] });
    assert.is(viaPrintf.stdout, NASTY_ARGS.map((a) => `<${a}>\n`).join(''));
    assert.not.ok(existsSync('/tmp/should-not-exist'));
    // A program whose path has a space and quotes in it.
    const dir = join(tmp, "dir with 'space'");
    mkdirSync(dir, { recursive: true });
    const tool = join(dir, 'my "tool"');
    writeFileSync(tool, '#!/bin/sh\nprintf "%s," "$@"\n');
    chmodSync(tool, 0o755);
    assert.is((await runner.run({ argv: [tool, 'x y', '$(id)'] })).stdout, 'x y,$(id),');
    assert.equal(runner.stats, { inSession: 3, alone: 0, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: names of shell builtins run the program on the PATH, never the builtin', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner({ env: { PATH: `${fakeEchoDir}:${process.env.PATH}` } }));
  try {
    const echo = await runner.run({ argv: ['echo', '-e', 'a\\tb', '$(id)'] });
    assert.is(echo.stdout, 'external echo: [-e] [a\\tb] [$(id)]\n');
    // Builtins with no program of that name are missing, and do not touch the session.
    for (const argv of [['exit', '3'], ['cd', '/'], ['eval', 'echo hi'], ['exec', 'true'], ['read', 'x'], ['set', '-e']]) {
      const err = await rejection(runner.run({ argv }));
      assert.instance(err, ToolMissingError, argv.join(' '));
      assert.is((err as ToolMissingError).tool, argv[0]);
    }
    assert.is((await runner.run({ argv: ['printf', 'still here'] })).stdout, 'still here');
    assert.equal(runner.stats, { inSession: 8, alone: 0, sessions: 1 });
    assert.equal(runner.problems, []);
  } finally {
    await cleanup.done();
  }
});

test('local: concurrent commands run one after another in one bash, each resolving with its own output', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const n = 40;
    const file = tmpFile('order');
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        runner.run({ argv: ['sh', '-c', 'printf "%s\\n" "$1" >> "$2"; printf "out%s" "$1"; printf "err%s\\n" "$1" >&2; echo $PPID > "$2.$1"; exit $(( $1 % 5 ))', 'sh', String(i), file] }),
      ),
    );
    results.forEach((out, i) => {
      assert.is(out.stdout, `out${i}`);
      assert.is(out.stderr, `err${i}\n`);
      assert.is(out.exitCode, i % 5);
    });
    assert.is(readFileSync(file, 'utf8'), Array.from({ length: n }, (_, i) => `${i}\n`).join(''), 'ran in send order');
    const parents = new Set(Array.from({ length: n }, (_, i) => Number(readFileSync(`${file}.${i}`, 'utf8'))));
    assert.is(parents.size, 1, 'every command had the same parent');
    const [bash] = [...parents] as [number];
    cleanup.pids.add(bash);
    assert.ok(alive(bash));
    assert.ok(readFileSync(`/proc/${bash}/cmdline`, 'utf8').split('\0').includes('cni-trace-session'), 'the parent is the session bash');
    assert.is(parentOf(bash), process.pid, 'bash is the inner runner`s child');
    assert.equal(runner.stats, { inSession: n, alone: 0, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: a missing program is a ToolMissingError and the session goes on', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner({ label: 'node-a' }));
  try {
    const bash = await sessionBash(runner, cleanup);
    const [missing, next] = await Promise.allSettled([runner.run({ argv: ['no-such-tool-xyz', '--version'] }), runner.run({ argv: ['echo', 'next'] })]);
    assert.is(missing.status, 'rejected');
    const err = (missing as PromiseRejectedResult).reason as Error;
    assert.instance(err, ToolMissingError);
    assert.match(err.message, /"no-such-tool-xyz" is not available on node-a/);
    assert.is((next as PromiseFulfilledResult<CommandOutput>).value.stdout, 'next\n');
    assert.is(await sessionBash(runner, cleanup), bash, 'same bash');
    assert.equal(runner.stats, { inSession: 4, alone: 0, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: a command`s stdin is /dev/null, not the session`s input', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const started = Date.now();
    const [cat, fd0, after] = await Promise.all([
      runner.run({ argv: ['cat'], timeoutMs: 3000 }),
      runner.run({ argv: ['sh', '-c', 'readlink /proc/self/fd/0'] }),
      runner.run({ argv: ['echo', 'after'] }),
    ]);
    assert.is(cat.stdout, '');
    assert.is(cat.exitCode, 0);
    assert.is(fd0.stdout, '/dev/null\n');
    assert.is(after.stdout, 'after\n', 'the frames after cat were not eaten');
    assert.ok(Date.now() - started < 2000);
    assert.equal(runner.stats, { inSession: 3, alone: 0, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: commands with stdin, stdinChunks, output callbacks or a NUL run on their own', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    assert.is((await runner.run({ argv: ['cat'], stdin: 'in\n' })).stdout, 'in\n');
    const chunks = new InputQueue();
    chunks.push('a');
    chunks.push('b\n');
    chunks.end();
    assert.is((await runner.run({ argv: ['cat'], stdinChunks: chunks })).stdout, 'ab\n');
    const seen: string[] = [];
    const cb = await runner.run({ argv: ['sh', '-c', 'echo o; echo e >&2'], onStdout: (t) => seen.push(`o:${t}`), onStderr: (t) => seen.push(`e:${t}`) });
    assert.is(cb.stdout, 'o\n');
    assert.equal(seen.sort(), ['e:e\n', 'o:o\n']);
    await runner.run({ argv: ['echo', 'a\0b'] }).catch(() => undefined);
    assert.equal(runner.stats, { inSession: 0, alone: 4, sessions: 0 });
    // A plain one afterwards starts the session.
    assert.is((await runner.run({ argv: ['echo', 'plain'] })).stdout, 'plain\n');
    assert.equal(runner.stats, { inSession: 1, alone: 4, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: a hung command times out, is killed, and the commands behind it still answer', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const bash = await sessionBash(runner, cleanup);
    const pidFile = tmpFile('pid');
    const started = Date.now();
    const hung = rejection(runner.run({ argv: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], timeoutMs: 300 }));
    const behind = [
      runner.run({ argv: ['echo', 'a'] }),
      runner.run({ argv: ['sh', '-c', 'printf x; exit 4'], timeoutMs: 5000 }),
      rejection(runner.run({ argv: ['no-such-tool-xyz'] })),
    ];
    const pid = await waitPidFile(pidFile);
    cleanup.pids.add(pid);
    const err = await hung;
    assert.instance(err, TraceTimeoutError);
    assert.is((err as TraceTimeoutError).code, 'TIMEOUT');
    const a = (await behind[0]) as CommandOutput;
    const x = (await behind[1]) as CommandOutput;
    assert.is(a.stdout, 'a\n');
    assert.is(x.stdout, 'x');
    assert.is(x.exitCode, 4);
    assert.instance(await behind[2], ToolMissingError);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.ok(await waitGone(pid), 'the timed-out sleep was killed');
    assert.ok(await waitGone(bash), 'the broken session`s bash ended');
    assert.equal(runner.stats, { inSession: 5, alone: 3, sessions: 1 });
    assert.equal(runner.problems, ['the shell session ended (a command timed out); 3 command(s) ran on their own']);
    // The next command starts a new session.
    const bash2 = await sessionBash(runner, cleanup);
    assert.is.not(bash2, bash);
    assert.is(runner.stats.sessions, 2);
    const closeStarted = Date.now();
    await runner.close();
    assert.ok(Date.now() - closeStarted < 1000, 'close does not wait for the killed command');
  } finally {
    await cleanup.done();
  }
});

test('local: cancelling the running command kills it; one still queued is dropped without breaking the session', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    // Already aborted: nothing runs.
    const pre = new AbortController();
    pre.abort();
    assert.instance(await rejection(runner.run({ argv: ['echo', 'x'], signal: pre.signal })), CancelledError);
    assert.equal(runner.stats, { inSession: 0, alone: 0, sessions: 0 });

    // A queued command cancelled: the running one and the session are untouched.
    const slow = runner.run({ argv: ['sh', '-c', 'sleep 0.3; echo slow'] });
    const queued = new AbortController();
    const dropped = rejection(runner.run({ argv: ['echo', 'dropped'], signal: queued.signal }));
    queued.abort();
    assert.instance(await dropped, CancelledError);
    assert.is((await slow).stdout, 'slow\n');
    assert.equal(runner.problems, []);
    const bash = await sessionBash(runner, cleanup);

    // The running command cancelled: killed, and the session with it; those behind it still answer.
    const pidFile = tmpFile('pid');
    const ac = new AbortController();
    const running = rejection(runner.run({ argv: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], signal: ac.signal }));
    const behind = runner.run({ argv: ['echo', 'behind'] });
    const pid = await waitPidFile(pidFile);
    cleanup.pids.add(pid);
    assert.ok(alive(pid));
    assert.is(parentOf(pid), bash, 'it ran in the session');
    ac.abort();
    const err = await running;
    assert.instance(err, CancelledError);
    assert.match(err.message, /"sh" was cancelled/);
    assert.is((await behind).stdout, 'behind\n');
    assert.ok(await waitGone(pid), 'the cancelled sleep was killed');
    assert.ok(await waitGone(bash), 'the session bash ended');
    assert.equal(runner.stats, { inSession: 5, alone: 1, sessions: 1 });
    assert.equal(runner.problems, ['the shell session ended (a running command was cancelled); 1 command(s) ran on their own']);
  } finally {
    await cleanup.done();
  }
});

test('local: a queued command`s timeout counts from when bash gets it, so waiting behind a slow one is no timeout', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const running = runner.run({ argv: ['sh', '-c', 'sleep 0.4; echo A'] });
    const queued = runner.run({ argv: ['echo', 'B'], timeoutMs: 150 });
    assert.is((await running).stdout, 'A\n');
    assert.is((await queued).stdout, 'B\n');
    assert.equal(runner.stats, { inSession: 2, alone: 0, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: urgent commands run before the queued ones that are not, in their own order', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const file = tmpFile('urgent');
    const run = (name: string, urgent = false) => runner.run({ argv: ['sh', '-c', 'printf "%s\\n" "$1" >> "$2"', 'sh', name, file], urgent });
    // The first one is handed to bash at once; the others wait, and the urgent ones overtake.
    const all = [run('first'), run('a'), run('b'), run('u1', true), run('c'), run('u2', true)];
    await Promise.all(all);
    assert.is(readFileSync(file, 'utf8'), 'first\nu1\nu2\na\nb\nc\n');
    assert.equal(runner.stats, { inSession: 6, alone: 0, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

/** Runs in the session only: reads the session's marker from bash's argv and writes `line` with it. */
const FORGE = 'if grep -q cni-trace-session /proc/$PPID/cmdline; then m=$(tr "\\0" "\\n" < /proc/$PPID/cmdline | tail -n 1); printf "$1" "$m"; else echo alone; fi';

test('local: a session that answers out of turn or garbled is dropped and its commands run on their own', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const bash = await sessionBash(runner, cleanup);
    const [wrongId, behind] = await Promise.all([runner.run({ argv: ['sh', '-c', FORGE, 'sh', 'x%s 999 exit 0\\n'] }), runner.run({ argv: ['echo', 'behind'] })]);
    assert.is(wrongId.stdout, 'alone\n');
    assert.is(behind.stdout, 'behind\n');
    assert.ok(await waitGone(bash), 'the dropped session`s bash ended');
    const garbled = await runner.run({ argv: ['sh', '-c', FORGE, 'sh', '%s 1 bogus\\n'] });
    assert.is(garbled.stdout, 'alone\n');
    const garbledErr = await runner.run({ argv: ['sh', '-c', `${FORGE.replace('printf "$1" "$m"', 'printf "$1" "$m" >&2')}`, 'sh', '%s 1 exit 0\\n'] });
    assert.is(garbledErr.stdout, 'alone\n');
    assert.equal(runner.problems, [
      'the shell session ended (an answer for command 999 came where command 2 was expected); 2 command(s) ran on their own',
      'the shell session ended (unexpected stdout marker line "1 bogus"); 1 command(s) ran on their own',
      'the shell session ended (unexpected stderr marker line "1 exit 0"); 1 command(s) ran on their own',
    ]);
    // Three broken sessions: no more tries.
    assert.equal(runner.stats, { inSession: 5, alone: 4, sessions: 3 });
    assert.is(Number((await runner.run({ argv: ['sh', '-c', 'echo $PPID'] })).stdout), process.pid);
    assert.equal(runner.stats, { inSession: 5, alone: 5, sessions: 3 });
  } finally {
    await cleanup.done();
  }
});

test('local: when bash dies under a command, that command and the ones behind it run on their own', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    const bash = await sessionBash(runner, cleanup);
    const killer = 'if grep -q cni-trace-session /proc/$PPID/cmdline; then kill -KILL $PPID; else printf "on its own"; fi';
    const [a, b, c] = await Promise.all([
      runner.run({ argv: ['sh', '-c', killer] }),
      runner.run({ argv: ['sh', '-c', 'printf b; exit 5'] }),
      runner.run({ argv: ['no-such-tool-xyz'] }).catch((err: Error) => err),
    ]);
    assert.is(a.stdout, 'on its own');
    assert.is(b.stdout, 'b');
    assert.is(b.exitCode, 5);
    assert.instance(c, ToolMissingError);
    assert.not.ok(alive(bash));
    assert.equal(runner.problems, ['the shell session ended (bash exited with a signal); 3 command(s) ran on their own']);
    assert.equal(runner.stats, { inSession: 4, alone: 3, sessions: 1 });
    // Not a reason to give up on sessions.
    assert.is.not(await sessionBash(runner, cleanup), bash);
    assert.is(runner.stats.sessions, 2);
  } finally {
    await cleanup.done();
  }
});

test('local: close() waits for the commands sent, ends bash, and later commands run on their own', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner());
  try {
    await runner.close(); // nothing started: fine
    const fresh = cleanup.runner(new LocalCommandRunner());
    const bash = await sessionBash(fresh, cleanup);
    assert.ok(readFileSync(`/proc/${bash}/cmdline`, 'utf8').includes('cni-trace-session'));
    const late = fresh.run({ argv: ['sh', '-c', 'sleep 0.2; printf late'] });
    const closed = fresh.close();
    assert.is((await late).stdout, 'late', 'a command sent before close() is answered');
    await closed;
    assert.not.ok(alive(bash), 'bash ended when close() resolved');
    await fresh.close(); // twice: fine
    const after = await fresh.run({ argv: ['sh', '-c', 'echo $PPID'] });
    assert.is(Number(after.stdout), process.pid, 'after close() a command is a child of the inner runner, not of a session');
    assert.equal(fresh.stats, { inSession: 2, alone: 1, sessions: 1 });
    assert.equal(fresh.problems, []);
  } finally {
    await cleanup.done();
  }
});

test('local: the runner`s signal ends the session, kills its command and cancels the queued ones', async () => {
  const cleanup = new Cleanup();
  const ac = new AbortController();
  const runner = cleanup.runner(new LocalCommandRunner(), { signal: ac.signal });
  try {
    const bash = await sessionBash(runner, cleanup);
    const pidFile = tmpFile('pid');
    const running = rejection(runner.run({ argv: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`] }));
    const queued = rejection(runner.run({ argv: ['echo', 'queued'] }));
    const pid = await waitPidFile(pidFile);
    cleanup.pids.add(pid);
    const started = Date.now();
    ac.abort();
    assert.instance(await running, CancelledError);
    assert.instance(await queued, CancelledError);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.ok(await waitGone(pid), 'the running sleep was killed');
    assert.ok(await waitGone(bash), 'the session bash ended');
    assert.equal(runner.problems, [], 'an abort is not a broken session');
    // Later commands still work, each on its own.
    assert.is((await runner.run({ argv: ['echo', 'later'] })).stdout, 'later\n');
    assert.equal(runner.stats, { inSession: 3, alone: 1, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('local: without bash every command runs on its own and still answers correctly', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner({ env: { PATH: noBashDir } }));
  try {
    const first = await Promise.all([
      runner.run({ argv: ['sh', '-c', 'printf "a b"; printf e >&2; exit 3'] }),
      runner.run({ argv: ['printf', '<%s>', ...NASTY_ARGS] }),
      runner.run({ argv: ['echo', 'x'] }),
    ]);
    assert.is(first[0].stdout, 'a b');
    assert.is(first[0].stderr, 'e');
    assert.is(first[0].exitCode, 3);
    assert.is(first[1].stdout, NASTY_ARGS.map((a) => `<${a}>`).join(''));
    assert.is(first[2].stdout, 'x\n');
    assert.equal(runner.problems, ['bash is not available, so each command runs on its own exec']);
    assert.equal(runner.stats, { inSession: 3, alone: 3, sessions: 1 });
    // From now on straight to the inner runner, without trying bash again.
    assert.is((await runner.run({ argv: ['cat'] })).stdout, '');
    assert.instance(await rejection(runner.run({ argv: ['bash', '-c', 'true'] })), ToolMissingError);
    assert.instance(await rejection(runner.run({ argv: ['no-such-tool-xyz'] })), ToolMissingError);
    assert.equal(runner.stats, { inSession: 3, alone: 6, sessions: 1 });
    assert.is(runner.problems.length, 1);
  } finally {
    await cleanup.done();
  }
});

test('local: an idle session ends itself and the next command starts another', async () => {
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new LocalCommandRunner(), { idleMs: 100 });
  try {
    const bash1 = await sessionBash(runner, cleanup);
    const again = await sessionBash(runner, cleanup);
    assert.is(again, bash1, 'not idle yet');
    assert.ok(await waitGone(bash1, 2000), 'the idle session ended');
    const bash2 = await sessionBash(runner, cleanup);
    assert.is.not(bash2, bash1);
    assert.equal(runner.stats, { inSession: 3, alone: 0, sessions: 2 });
    assert.equal(runner.problems, []);
    // A long command is not idleness.
    assert.is((await runner.run({ argv: ['sh', '-c', 'sleep 0.3; echo $PPID'] })).stdout, `${bash2}\n`);
    assert.is(runner.stats.sessions, 2);
  } finally {
    await cleanup.done();
  }
});

// ---- over a PodExecRunner (lab API server, WebSocket exec) ---------------------------------

let api: LabApi | undefined;
const execs: string[][] = [];
const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'net' } },
  ...['tools', 'nobash'].map((name) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'net' },
    spec: { containers: [{ name: 'ovs', image: 'x' }] },
    status: { phase: 'Running' },
  })),
];

async function lab(): Promise<LabApi> {
  api ??= await startLabApi({
    objects,
    execResolver: (t) => {
      execs.push(t.command);
      return t.pod === 'nobash' ? { argv: t.command, env: { PATH: noBashDir } } : { argv: t.command };
    },
  });
  return api;
}

test.after(async () => {
  await api?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('pod: many commands through one exec, byte-exact, with exit codes and missing tools', async () => {
  const { kc } = await lab();
  const cleanup = new Cleanup();
  const inner = new PodExecRunner(kc, { namespace: 'net', pod: 'tools', container: 'ovs' });
  const runner = cleanup.runner(inner);
  try {
    execs.length = 0;
    const bash = await sessionBash(runner, cleanup);
    assert.ok(readFileSync(`/proc/${bash}/cmdline`, 'utf8').includes('cni-trace-session'));
    const code = 'process.stdout.write("ünï ✓ 😀\\0".repeat(40000)+"end");process.stderr.write("warn")';
    const [outs, missing, args, big] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, (_, i) => runner.run({ argv: ['sh', '-c', 'printf "o%s" "$1"; printf "e%s\\n" "$1" >&2; exit $1', 'sh', String(i)] }))),
      rejection(runner.run({ argv: ['no-such-tool-xyz'] })),
      runner.run({ argv: argvJson(NASTY_ARGS) }),
      runner.run({ argv: [NODE, '-e', code] }),
    ]);
    outs.forEach((out, i) => {
      assert.is(out.stdout, `o${i}`);
      assert.is(out.stderr, `e${i}\n`);
      assert.is(out.exitCode, i);
      assert.is(out.target, 'net/tools/ovs');
    });
    assert.instance(missing, ToolMissingError);
    assert.match(missing.message, /"no-such-tool-xyz" is not available on net\/tools\/ovs/);
    assert.equal(JSON.parse(args.stdout), NASTY_ARGS);
    assert.ok(big.stdout === 'ünï ✓ 😀\0'.repeat(40000) + 'end', 'large output whole');
    assert.is(big.stderr, 'warn');
    assert.is(await sessionBash(runner, cleanup), bash);
    assert.is(execs.length, 1, `one exec: ${JSON.stringify(execs.map((c) => c[0]))}`);
    assert.equal(execs[0]!.slice(0, 2), ['bash', '-c']);
    assert.equal(runner.stats, { inSession: 15, alone: 0, sessions: 1 });
    // Same answers as an exec of their own.
    sameOutput(await runner.run({ argv: ['sh', '-c', 'printf "x\\n\\ny"; exit 9'] }), await inner.run({ argv: ['sh', '-c', 'printf "x\\n\\ny"; exit 9'] }), 'pod');
    assert.is(execs.length, 2);

    await runner.close();
    assert.ok(await waitGone(bash), 'close() ended bash in the pod');
    assert.is((await runner.run({ argv: ['echo', 'alone'] })).stdout, 'alone\n');
    assert.equal(execs.at(-1), ['echo', 'alone'], 'after close() a command has an exec of its own');
    assert.equal(runner.stats, { inSession: 16, alone: 1, sessions: 1 });
    assert.equal(runner.problems, []);
  } finally {
    await cleanup.done();
  }
});

test('pod: a timed-out command is killed with the exec, the commands behind it still answer', async () => {
  const { kc } = await lab();
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new PodExecRunner(kc, { namespace: 'net', pod: 'tools', container: 'ovs' }));
  try {
    const pidFile = tmpFile('pod-pid');
    const hung = rejection(runner.run({ argv: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], timeoutMs: 300 }));
    const behind = runner.run({ argv: ['sh', '-c', 'printf behind; exit 2'] });
    const pid = await waitPidFile(pidFile);
    cleanup.pids.add(pid);
    assert.instance(await hung, TraceTimeoutError);
    const out = await behind;
    assert.is(out.stdout, 'behind');
    assert.is(out.exitCode, 2);
    assert.ok(await waitGone(pid), 'the timed-out command was killed');
    assert.equal(runner.stats, { inSession: 2, alone: 1, sessions: 1 });
  } finally {
    await cleanup.done();
  }
});

test('pod: a container without bash falls back to an exec per command', async () => {
  const { kc } = await lab();
  const cleanup = new Cleanup();
  const runner = cleanup.runner(new PodExecRunner(kc, { namespace: 'net', pod: 'nobash', container: 'ovs' }));
  try {
    execs.length = 0;
    const outs = await Promise.all([runner.run({ argv: ['echo', 'one'] }), runner.run({ argv: ['sh', '-c', 'printf two >&2; exit 1'] })]);
    assert.is(outs[0].stdout, 'one\n');
    assert.is(outs[1].stderr, 'two');
    assert.is(outs[1].exitCode, 1);
    assert.instance(await rejection(runner.run({ argv: ['no-such-tool-xyz'] })), ToolMissingError);
    assert.equal(runner.problems, ['bash is not available, so each command runs on its own exec']);
    assert.equal(runner.stats, { inSession: 2, alone: 3, sessions: 1 });
    assert.equal(execs.map((c) => c[0]).sort(), ['bash', 'echo', 'no-such-tool-xyz', 'sh']);
  } finally {
    await cleanup.done();
  }
});

test.run();
