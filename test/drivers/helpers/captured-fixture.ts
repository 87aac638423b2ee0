// Reads a captured tool run from test/fixtures (see test/fixtures/ovn/capture/README.md):
// <name>.txt (stdout), optional <name>.stderr, and <name>.cmd (exit code, stdin, command).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fixturePath } from '../../helpers/paths.js';

/** One captured run of a tool. */
export interface CapturedRun {
  name: string;
  stdout: string;
  stderr?: string;
  exitCode: number;
  /** Fixture path (relative to test/fixtures) that was fed on stdin, for ovn-detrace. */
  stdin?: string;
  /** The command line as recorded. */
  command: string;
}

/** Loads `test/fixtures/<dir>/<name>.{txt,stderr,cmd}`. */
export function loadCapture(dir: 'ovn' | 'ovs', name: string): CapturedRun {
  const base = fixturePath(dir, name);
  const cmd = readFileSync(`${base}.cmd`, 'utf8');
  const exit = /^# exit: (\d+)$/m.exec(cmd);
  if (!exit) throw new Error(`${name}.cmd has no "# exit:" line`);
  const stdin = /^# stdin: test\/fixtures\/(.*)$/m.exec(cmd)?.[1];
  const run: CapturedRun = {
    name,
    stdout: readFileSync(`${base}.txt`, 'utf8'),
    exitCode: Number(exit[1]),
    command: cmd.split('\n').filter((l) => l && !l.startsWith('#')).join('\n'),
  };
  if (existsSync(`${base}.stderr`)) run.stderr = readFileSync(`${base}.stderr`, 'utf8');
  if (stdin) run.stdin = stdin;
  return run;
}

/** Names of every capture in `dir` whose name starts with `prefix`. */
export function listCaptures(dir: 'ovn' | 'ovs', prefix: string): string[] {
  return readdirSync(fixturePath(dir))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.cmd'))
    .map((f) => f.slice(0, -'.cmd'.length))
    .sort();
}
