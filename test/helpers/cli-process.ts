/**
 * Runs the built CLI (`bin/cni-trace.js`, or an installed copy) as a child process without blocking
 * this process's event loop, so an in-process lab API server can answer it. The child is killed by
 * pid when it outlives its time limit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** What a CLI process did. */
export interface CliProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Whether it was killed for exceeding `timeoutMs`. */
  timedOut: boolean;
}

/** Options of {@link runCliProcess}. */
export interface CliProcessOptions {
  /** Executable and leading arguments; default: this Node running the repository's bin/cni-trace.js. */
  command?: string[];
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL, by pid) after this long. Default 60 s. */
  timeoutMs?: number;
  /** Sends this signal (by pid, once) as soon as stderr matches `signalWhen`. */
  signal?: NodeJS.Signals;
  signalWhen?: RegExp;
}

/** The repository's bin, run by this Node. */
export const REPO_BIN = [process.execPath, join(repoRoot, 'bin', 'cni-trace.js')];

/** Runs the CLI and resolves once it exited. */
export function runCliProcess(args: string[], options: CliProcessOptions = {}): Promise<CliProcessRun> {
  const [cmd, ...lead] = options.command ?? REPO_BIN;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...lead, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!signalled && options.signal && options.signalWhen?.test(stderr) && child.pid !== undefined) {
        signalled = true;
        process.kill(child.pid, options.signal);
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
