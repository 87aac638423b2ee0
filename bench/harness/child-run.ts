/**
 * Runs a program for a benchmark: registered with the run's {@link guard} (stopped by pid if the
 * run fails or is interrupted), its output collected, optionally fed standard input and killed
 * after a timeout.
 */
import { spawn } from 'node:child_process';
import { guard } from './resource-guard.js';

/** How a program ended. */
export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When the process exited (this process's clock); its output may have drained later. */
  exitAt: number;
}

/** Options of {@link runChild}. */
export interface ChildRunOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Written to its standard input, which is then closed (default: no standard input). */
  stdin?: string;
  /** Killed (SIGKILL) after this long; the run then resolves with the signal. */
  timeoutMs?: number;
}

/** Runs `argv` to its end (all output read); rejects only when it cannot be started. */
export function runChild(argv: string[], what: string, options: ChildRunOptions = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [options.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    const forget = guard.addChild(what, child);
    const timer = options.timeoutMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    let stdout = '';
    let stderr = '';
    let exitAt = 0;
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => (stdout += d));
    child.stderr!.on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      void forget();
      reject(err);
    });
    child.on('exit', () => (exitAt = performance.now()));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      void forget();
      resolve({ code, signal, stdout, stderr, exitAt });
    });
    if (options.stdin !== undefined) {
      // A program that exits without reading all of its input is not an error of the run.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.stdin);
    }
  });
}
