/**
 * Everything a benchmark starts (labs, child processes) is registered here and stopped by pid
 * when the benchmark ends, fails, or the run is interrupted (Ctrl-C, SIGTERM).
 */
import type { ChildProcess } from 'node:child_process';

type Stopper = () => Promise<void>;

/** Sends SIGTERM to one pid, then SIGKILL if it is still there after `graceMs`. */
export async function stopPid(pid: number, graceMs = 2000): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone between the check and the kill.
    }
  }
}

/** A set of things to stop, in reverse order of registration. */
export class ResourceGuard {
  private readonly stoppers = new Map<number, { what: string; stop: Stopper }>();
  private next = 0;

  /** Registers a stop function; returns a function that stops it now and forgets it. */
  add(what: string, stop: Stopper): () => Promise<void> {
    const id = this.next++;
    this.stoppers.set(id, { what, stop });
    return async () => {
      const entry = this.stoppers.get(id);
      if (!entry) return;
      this.stoppers.delete(id);
      await entry.stop();
    };
  }

  /** Registers a child process: it is stopped by its pid (not by name). */
  addChild(what: string, child: ChildProcess): () => Promise<void> {
    const forget = this.add(what, async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) await stopPid(child.pid);
    });
    // A child that exits by itself needs no stopping.
    child.once('exit', () => {
      void forget();
    });
    return forget;
  }

  /** Stops everything still registered, newest first; collects errors instead of stopping early. */
  async stopAll(): Promise<Error[]> {
    const errors: Error[] = [];
    const ids = [...this.stoppers.keys()].sort((a, b) => b - a);
    for (const id of ids) {
      const entry = this.stoppers.get(id)!;
      this.stoppers.delete(id);
      try {
        await entry.stop();
      } catch (err) {
        errors.push(new Error(`stopping ${entry.what}: ${(err as Error).message}`));
      }
    }
    return errors;
  }

  /** How many resources are registered. */
  get size(): number {
    return this.stoppers.size;
  }
}

/** The process-wide guard of a benchmark run. */
export const guard = new ResourceGuard();

/**
 * Installs Ctrl-C / SIGTERM handlers that stop everything the run started, then exit 130.
 * Returns a function that removes them.
 */
export function stopOnSignals(log: (m: string) => void): () => void {
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    log(`bench: ${sig}, stopping ${guard.size} started resources`);
    void guard.stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
