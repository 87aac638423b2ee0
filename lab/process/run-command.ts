/**
 * Runs one program as an argv array (never through a shell) and returns its output, failing with
 * a {@link CommandError} that carries the command line and stderr.
 */
import { execa } from 'execa';

/** A lab command exited non-zero, timed out or could not start. */
export class CommandError extends Error {
  /** Stable code: `LAB_COMMAND_FAILED`. */
  readonly code = 'LAB_COMMAND_FAILED';
  readonly argv: string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly stdout: string;

  constructor(argv: string[], exitCode: number | undefined, stdout: string, stderr: string, why: string) {
    const shown = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
    const cut = shown.length > 600 ? `${shown.slice(0, 600)} …` : shown;
    super(`lab command failed (${why}): ${cut}${stderr.trim() ? `\n${stderr.trim()}` : ''}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** Options for {@link runCommand}. */
export interface RunOptions {
  /** Extra environment variables (added to the current environment). */
  env?: Record<string, string>;
  /** Text written to stdin. */
  input?: string;
  /** Kill the command after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  cwd?: string;
}

/** Result of a command that exited 0. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs `argv` and resolves with its output, or rejects with {@link CommandError}. */
export async function runCommand(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new CommandError(argv, undefined, '', '', 'empty command');
  const r = await execa(file, args, {
    env: options.env,
    extendEnv: true,
    input: options.input,
    timeout: options.timeoutMs ?? 60_000,
    cwd: options.cwd,
    reject: false,
    stripFinalNewline: false,
  });
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  if (r.failed) {
    const why = r.timedOut ? 'timed out' : r.exitCode !== undefined ? `exit ${r.exitCode}` : r.signal ? `signal ${r.signal}` : (r.originalMessage ?? 'could not start');
    throw new CommandError(argv, r.exitCode, stdout, stderr, why);
  }
  return { stdout, stderr };
}
