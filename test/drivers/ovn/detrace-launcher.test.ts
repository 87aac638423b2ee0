/**
 * The ovn-detrace launcher: a Python ovn-detrace runs unchanged as `__main__` with its own argv,
 * its answers arrive before its input ends (flushed when it waits for input) yet in a few large
 * writes, its exit code is kept, and a non-Python tool falls back to the plain run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detraceSessionArgv } from '../../../drivers/ovn/legs/detrace-launcher.js';

/** A folder whose `ovn-detrace` is the given script (with its own `#!` line). */
function fakeTool(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-fake-detrace-'));
  writeFileSync(join(dir, 'ovn-detrace'), text);
  chmodSync(join(dir, 'ovn-detrace'), 0o755);
  return dir;
}

// Like ovn-detrace: prints each input line as it reads it, with a print() per line.
const PY_ECHO = `#!/usr/bin/env python3
import sys
def main():
    print('name=%s argv0=%s args=%s' % (__name__, sys.argv[0].rsplit('/', 1)[-1], ' '.join(sys.argv[1:])))
    while True:
        line = sys.stdin.readline()
        if line == '':
            break
        if line.strip() == 'exit':
            sys.exit(3)
        print(line.strip())
if __name__ == "__main__":
    main()
`;

interface Run {
  chunks: string[];
  exitCode: number | null;
}

/**
 * Runs the session command with `PATH` led by `dir`, feeding `first`, waiting until `until`
 * appears in the output, then feeding `rest` and closing the input.
 */
function runSession(dir: string, first: string, until: string, rest: string, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = detraceSessionArgv();
    // Whatever the environment says, the launcher decides how output is buffered.
    const child = spawn(cmd!, args, { env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, PYTHONUNBUFFERED: '' }, ...(cwd ? { cwd } : {}) });
    const chunks: string[] = [];
    let all = '';
    let fed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "${until}" in time; got ${JSON.stringify(all.slice(0, 500))}`));
    }, 20_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      chunks.push(d);
      all += d;
      if (!fed && all.includes(until)) {
        fed = true;
        child.stdin.end(rest);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ chunks, exitCode: code });
    });
    child.stdin.write(first);
  });
}

test('a Python ovn-detrace runs as __main__ with its argv, answers before its input ends, in few writes', async () => {
  const dir = fakeTool(PY_ECHO);
  try {
    const lines = Array.from({ length: 3000 }, (_, i) => ` ${i}. cookie 0x${i.toString(16)}, priority 100`);
    const first = `${lines.join('\n')}\nmarker-1\n`;
    const run = await runSession(dir, first, 'marker-1\n', 'last\n');
    const out = run.chunks.join('');
    const expected = [`name=__main__ argv0=ovn-detrace args=${detraceSessionArgv().slice(6).join(' ')}`, ...lines.map((l) => l.trim()), 'marker-1', 'last', ''].join('\n');
    assert.is(out, expected);
    assert.is(run.exitCode, 0);
    // The first 3001 lines came while the tool waited for more (the test fed "last" only then),
    // in a handful of writes rather than one per print.
    assert.ok(run.chunks.length <= 20, `${run.chunks.length} chunks`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('modules are found as when the tool runs by its path: beside the (symlinked) script, not in the working directory', async () => {
  const real = mkdtempSync(join(tmpdir(), 'cni-trace-detrace-real-'));
  const onPath = mkdtempSync(join(tmpdir(), 'cni-trace-detrace-path-'));
  const cwd = mkdtempSync(join(tmpdir(), 'cni-trace-detrace-cwd-'));
  try {
    const tool = '#!/usr/bin/env python3\nimport sys, cni_trace_where\nprint(cni_trace_where.WHERE)\nfor line in sys.stdin:\n    print(line.strip())\n';
    writeFileSync(join(real, 'ovn-detrace'), tool);
    chmodSync(join(real, 'ovn-detrace'), 0o755);
    writeFileSync(join(real, 'cni_trace_where.py'), "WHERE = 'beside the script'\n");
    writeFileSync(join(cwd, 'cni_trace_where.py'), "WHERE = 'working directory'\n");
    symlinkSync(join(real, 'ovn-detrace'), join(onPath, 'ovn-detrace'));
    // What the interpreter itself does with the same script, run by its path from the same folder.
    const reference = execFileSync(join(onPath, 'ovn-detrace'), { cwd, input: '', encoding: 'utf8' });
    assert.is(reference, 'beside the script\n');
    const run = await runSession(onPath, 'x\n', 'x\n', '', cwd);
    assert.is(run.chunks.join(''), 'beside the script\nx\n');
    assert.is(run.exitCode, 0);
  } finally {
    for (const d of [real, onPath, cwd]) rmSync(d, { recursive: true, force: true });
  }
});

test("the tool's exit code is kept", async () => {
  const dir = fakeTool(PY_ECHO);
  try {
    const run = await runSession(dir, 'a\n', 'a\n', 'exit\n');
    assert.is(run.exitCode, 3);
    assert.ok(run.chunks.join('').endsWith('a\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tool that is not a Python 3 script runs plainly, unbuffered for Python', async () => {
  const dir = fakeTool('#!/bin/sh\necho "unbuffered=$PYTHONUNBUFFERED"\nwhile IFS= read -r line; do printf "%s\\n" "$line"; done\n');
  try {
    const run = await runSession(dir, 'x\n', 'x\n', 'y\n');
    assert.is(run.chunks.join(''), 'unbuffered=1\nx\ny\n');
    assert.is(run.exitCode, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no ovn-detrace: the probe wording and exit 127', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-no-detrace-'));
  try {
    // A PATH with nothing on it: sh itself is started by its path.
    const [, ...args] = detraceSessionArgv();
    const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn('/bin/sh', args, { env: { PATH: dir, HOME: dir } });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, text }));
      child.stdin.end();
    });
    assert.is(out.code, 127);
    assert.is(out.text, 'ovn-detrace not installed\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
