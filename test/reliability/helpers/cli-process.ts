/**
 * Runs the real CLI (`bin/cni-trace.js`, built) as a child process, with optional interruption:
 * a signal, or its standard output closed (the reader went away, as `| head -1`). The child is
 * killed by pid if it outlives `limitMs` (the test then fails on the time).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/paths.js';

export const CLI_BIN = join(repoRoot, 'bin', 'cni-trace.js');

/** How to interrupt a run. */
export type InterruptionKind = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'stdout-closed';

export const INTERRUPTIONS: readonly InterruptionKind[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'stdout-closed'];

/** The documented exit code of each interruption. */
export const INTERRUPTION_EXIT: Readonly<Record<InterruptionKind, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, 'stdout-closed': 141 };

export interface CliProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  ms: number;
  /** From spawn to the last byte of standard output (undefined: none). */
  lastOutputMs?: number;
  /** Whether the run was interrupted before it exited by itself. */
  interrupted: boolean;
  /** Whether the limit was hit and the child killed. */
  killed: boolean;
}

export interface CliProcessOptions {
  /** Interrupt after this many ms (with `interruption`). */
  interruptAfterMs?: number;
  interruption?: InterruptionKind;
  /** Kill (SIGKILL, by pid) after this long. Default 60 s. */
  limitMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs the CLI with `args`. */
export function runCliProcess(args: string[], options: CliProcessOptions = {}): Promise<CliProcessRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    // Output is a pipe, so never coloured; uvu's FORCE_COLOR would make Node warn on stderr.
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let lastOutputMs: number | undefined;
    let exited = false;
    let interrupted = false;
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      lastOutputMs = performance.now() - t0;
    });
    child.stdout.on('error', () => undefined);
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timers: NodeJS.Timeout[] = [];
    if (options.interruption !== undefined) {
      timers.push(
        setTimeout(() => {
          if (exited) return;
          interrupted = true;
          if (options.interruption === 'stdout-closed') child.stdout.destroy();
          else child.kill(options.interruption);
        }, options.interruptAfterMs ?? 0),
      );
    }
    timers.push(
      setTimeout(() => {
        if (exited) return;
        killed = true;
        child.kill('SIGKILL');
      }, options.limitMs ?? 60_000),
    );
    child.on('exit', (code, signal) => {
      exited = true;
      for (const t of timers) clearTimeout(t);
      // Let the pipes drain.
      setImmediate(() =>
        resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, ...(lastOutputMs !== undefined ? { lastOutputMs } : {}), interrupted, killed }),
      );
    });
  });
}
