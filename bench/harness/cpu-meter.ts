/**
 * CPU time used by a set of processes and the children they reaped, from /proc (Linux). On a
 * 2-core machine the CPU a trace needs bounds its wall time from below (CPU / cores), which is
 * how a missed wall-time target is told apart from a slow code path.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every common Linux build). */
const USER_HZ = 100;

/** utime+stime and cutime+cstime of a process, in ms (undefined when it is gone or not Linux). */
export function processCpuMs(pid: number | 'self'): { self: number; children: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const t = (i: number) => Number(f[i - 3]);
    return { self: ((t(14) + t(15)) * 1000) / USER_HZ, children: ((t(16) + t(17)) * 1000) / USER_HZ };
  } catch {
    return undefined;
  }
}

/** Total CPU ms of the given processes (self and reaped children). */
export function totalCpuMs(pids: Array<number | 'self'>): number {
  let sum = 0;
  for (const pid of pids) {
    const c = processCpuMs(pid);
    if (c) sum += c.self + c.children;
  }
  return sum;
}

/**
 * Measures the CPU a piece of work costs across processes: this one and, e.g., the lab's API
 * daemon, which spawns every exec'd command. Waits `settleMs` after the work so processes that
 * finish just after it (an ovn-detrace reading its end of input) are reaped and counted.
 */
export async function measureCpu<T>(pids: Array<number | 'self'>, work: () => Promise<T>, settleMs = 300): Promise<{ value: T; cpuMs: number }> {
  await new Promise((r) => setTimeout(r, settleMs));
  const before = totalCpuMs(pids);
  const value = await work();
  await new Promise((r) => setTimeout(r, settleMs));
  return { value, cpuMs: totalCpuMs(pids) - before };
}

/** Cores this process may use. */
export function cores(): number {
  return availableParallelism();
}
