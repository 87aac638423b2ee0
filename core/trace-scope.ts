/**
 * What traces run together may share: a scope holds values created once for all its traces
 * (a node's discovery, a long-lived tool process) and closes them when the batch is over.
 * {@link traceAll} makes one per call; a single `trace()` has none, so nothing outlives it.
 */

import { setMaxListeners } from 'node:events';

/** A batch's shared values, with clean-up at the end. */
export class TraceScope {
  private readonly values = new Map<string, unknown>();
  private readonly closers: Array<() => void | Promise<void>> = [];
  private readonly abort = new AbortController();

  constructor() {
    // Every command of every trace in the batch may listen on this one signal at once.
    setMaxListeners(0, this.abort.signal);
  }

  /**
   * Aborted when the scope closes: shared work must use this signal, not one trace's (a trace
   * that ends or is cancelled must not stop what the others still use).
   */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * The value under `key`, created by `create` the first time. Keys are namespaced by their
   * owner (e.g. `ovn-kubernetes:node:<ns>/<name>`). A promise is shared as is, rejection included.
   */
  shared<T>(key: string, create: () => T): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = create();
    this.values.set(key, value);
    return value;
  }

  /** Registers clean-up for when the scope closes (run newest first). */
  onClose(fn: () => void | Promise<void>): void {
    if (this.closed) {
      void Promise.resolve().then(fn);
      return;
    }
    this.closers.push(fn);
  }

  /** Runs the clean-up and aborts {@link signal}; later traces must not use the scope. */
  async close(): Promise<void> {
    if (this.closed) return;
    const closers = this.closers.splice(0).reverse();
    for (const fn of closers) {
      try {
        await fn();
      } catch {
        // Clean-up of shared helpers is best effort; each trace already has its result.
      }
    }
    this.abort.abort();
    this.values.clear();
  }
}
