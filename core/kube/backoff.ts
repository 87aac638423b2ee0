/**
 * Jittered exponential back-off between retries of a failing API operation (a watch that ends at
 * once, a re-list that fails), with the parameters of client-go's reflector: the first wait
 * 800 ms, each next one twice as long up to 30 s, each stretched by a random part of up to its own
 * length (jitter 1.0, so many clients do not retry in step), and back to the start once no wait
 * was needed for two minutes.
 */

/** Parameters of an {@link ExponentialBackoff}. */
export interface BackoffOptions {
  initialMs?: number;
  capMs?: number;
  factor?: number;
  /** Each wait is `d + random() * jitter * d`. */
  jitter?: number;
  /** A wait this long after the previous one starts over from `initialMs`. */
  resetAfterMs?: number;
  /** Injectable for tests. */
  random?: () => number;
  now?: () => number;
}

/** Hands out the successive waits of a retry loop. */
export class ExponentialBackoff {
  private readonly o: Required<BackoffOptions>;
  private duration: number;
  private lastAt: number | undefined;

  constructor(options: BackoffOptions = {}) {
    this.o = {
      initialMs: 800,
      capMs: 30_000,
      factor: 2,
      jitter: 1,
      resetAfterMs: 120_000,
      random: Math.random,
      now: () => performance.now(),
      ...options,
    };
    this.duration = this.o.initialMs;
  }

  /** The next wait, in ms. */
  next(): number {
    const now = this.o.now();
    if (this.lastAt !== undefined && now - this.lastAt > this.o.resetAfterMs) this.duration = this.o.initialMs;
    this.lastAt = now;
    const base = this.duration;
    this.duration = Math.min(this.o.capMs, base * this.o.factor);
    return Math.round(base + this.o.random() * this.o.jitter * base);
  }

  /** Starts over (the operation worked). */
  reset(): void {
    this.duration = this.o.initialMs;
    this.lastAt = undefined;
  }
}
