/**
 * Starting daemons with pid files and stopping them by pid. Nothing here looks processes up by
 * name: the lab only ever signals pids it recorded itself, after checking the pid still runs the
 * program it started (pids are reused by the kernel).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from './run-command.js';

/** A process the lab started. Serialised into the lab state file. */
export interface ManagedProcess {
  /** Human name, e.g. `ovn-worker/ovs-vswitchd` or `zone ovn-worker/northd`. */
  name: string;
  pid: number;
  /** Program basename (as in /proc/<pid>/comm, cut to 15 characters by the kernel). */
  program: string;
  pidFile: string;
  logFile?: string;
}

/** A daemon did not come up. */
export class DaemonStartError extends Error {
  readonly code = 'LAB_DAEMON_START_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'DaemonStartError';
  }
}

/** Reads a pid file; undefined when missing or malformed. */
export function readPidFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function procState(pid: number): { state: string; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: pid (comm) state ... — comm may contain spaces and parentheses.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    return { comm: stat.slice(open + 1, close), state: stat.slice(close + 2, close + 3) };
  } catch {
    return undefined;
  }
}

/** True when `pid` exists and is not a zombie (a zombie has already exited). */
export function isProcessAlive(pid: number): boolean {
  const st = procState(pid);
  if (st) return st.state !== 'Z' && st.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `pid` is alive and still runs `program` (guards against pid reuse). */
export function isOurProcess(p: Pick<ManagedProcess, 'pid' | 'program'>): boolean {
  if (!isProcessAlive(p.pid)) return false;
  const st = procState(p.pid);
  if (!st) return true;
  return st.comm === p.program.slice(0, 15) || st.comm.startsWith(p.program.slice(0, 15));
}

/**
 * Starts an OVS/OVN daemon that daemonises itself (`--detach --pidfile=<pidFile>`): the launcher
 * exits only once the daemon is ready (sockets listening), so this resolves when it is usable.
 */
export async function startDetachingDaemon(opts: { name: string; argv: string[]; env?: Record<string, string>; pidFile: string; logFile?: string; timeoutMs?: number }): Promise<ManagedProcess> {
  try {
    await runCommand(opts.argv, { env: opts.env, timeoutMs: opts.timeoutMs ?? 30_000 });
  } catch (err) {
    const tail = opts.logFile ? logTail(opts.logFile) : '';
    throw new DaemonStartError(`${opts.name} did not start: ${(err as Error).message}${tail ? `\nlast log lines (${opts.logFile}):\n${tail}` : ''}`);
  }
  const pid = readPidFile(opts.pidFile);
  if (!pid || !isProcessAlive(pid)) {
    throw new DaemonStartError(`${opts.name} started but its pid file ${opts.pidFile} names no running process`);
  }
  return { name: opts.name, pid, program: basename(opts.argv[0]!), pidFile: opts.pidFile, logFile: opts.logFile };
}

/**
 * Starts a long-running program in its own session, detached from this process, with output in
 * `logFile`, and writes its pid to `pidFile`. Used for the lab's own daemons (the API server).
 */
export function spawnDetached(opts: { name: string; argv: string[]; env?: Record<string, string>; pidFile: string; logFile: string }): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.argv[0]!, opts.argv.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...(opts.env ?? {}) },
    });
    if (!child.pid) throw new DaemonStartError(`${opts.name} could not be started (${opts.argv[0]})`);
    child.unref();
    writeFileSync(opts.pidFile, `${child.pid}\n`);
    return { name: opts.name, pid: child.pid, program: basename(opts.argv[0]!), pidFile: opts.pidFile, logFile: opts.logFile };
  } finally {
    closeSync(fd);
  }
}

/** Waits until `pid` is gone; true when it went away within `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(25);
  }
  return !isProcessAlive(pid);
}

/**
 * Stops one recorded process: SIGTERM, then SIGKILL after `graceMs`, then waits until it is gone.
 * A pid that no longer runs the recorded program is left alone. Returns true when it is gone.
 */
export async function stopProcess(p: Pick<ManagedProcess, 'pid' | 'program'>, graceMs = 3000): Promise<boolean> {
  if (!isOurProcess(p)) return true;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return !isProcessAlive(p.pid);
  }
  if (await waitForExit(p.pid, graceMs)) return true;
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  return waitForExit(p.pid, 5000);
}

/**
 * Stops processes (all signalled at once: the lab's daemons do not depend on each other for a
 * clean exit); returns the ones that could not be stopped.
 */
export async function stopProcesses(processes: ManagedProcess[], graceMs = 3000): Promise<ManagedProcess[]> {
  const results = await Promise.all(processes.map(async (p) => ({ p, gone: await stopProcess(p, graceMs) })));
  return results.filter((r) => !r.gone).map((r) => r.p);
}

/** Last lines of a log file, for error messages. */
export function logTail(path: string, lines = 8): string {
  if (!existsSync(path)) return '';
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
