/**
 * Tracks asynchronous clean-up started when traces end or are cancelled, so a process can wait
 * for it (e.g. the CLI on Ctrl-C waits until the resources a trace created are deleted).
 */
/**
 * Clean-up that belongs to no trace but must finish before the process exits: the short execs
 * that end what a cancelled exec left on a node. Every tracker's {@link CleanupTracker.settled}
 * waits for it too.
 */
const processWide = new Set<Promise<unknown>>();

/** Tracks process-wide clean-up (its failure is ignored: it is best effort). */
export function trackProcessWideCleanup(work: Promise<unknown>): void {
  const tracked = work.catch(() => undefined);
  processWide.add(tracked);
  void tracked.finally(() => processWide.delete(tracked));
}

export class CleanupTracker {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly failures: unknown[] = [];

  /** Starts tracking a clean-up promise; its failure is recorded, never thrown. */
  track(work: Promise<unknown>): void {
    const tracked = work.catch((err) => {
      this.failures.push(err);
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Resolves when every tracked clean-up has settled, or after `timeoutMs`. Returns whether all settled. */
  async settled(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Clean-up that a cancellation starts a few promise steps later (an exec's runner reacting
    // to the abort) is tracked by then.
    await new Promise((r) => setImmediate(r));
    while (this.pending.size > 0 || processWide.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.pending, ...processWide]), new Promise((r) => (timer = setTimeout(r, left)))]);
      if (timer) clearTimeout(timer);
    }
    return true;
  }

  /** Errors raised by clean-up so far. */
  errors(): readonly unknown[] {
    return this.failures;
  }
}
