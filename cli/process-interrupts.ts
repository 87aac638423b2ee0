/**
 * The process's interrupts, caught from the first moment: Ctrl-C (SIGINT), SIGTERM, SIGHUP (the
 * terminal closed, an ssh session lost) and a closed standard output (`cni-trace ... | head -1`).
 * Each one takes the CLI's cancel path: the trace is cancelled, what it created in the cluster
 * is deleted and what it started on nodes is ended, then the process exits with the interrupt's
 * code. Installed by `bin/cni-trace.js` before anything heavy is imported, so a signal that comes
 * while the process starts is not the default "die at once" (which would leave a Traceflow).
 *
 * This module imports nothing but types: it must load in a millisecond.
 */

/** What interrupted the process. */
export type InterruptKind = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'stdout-closed';

/**
 * Exit codes: 128 + the signal's number, as a shell reports a process the signal killed (130
 * Ctrl-C, 143 SIGTERM, 129 SIGHUP); a closed standard output 141 (128 + SIGPIPE, what `yes |
 * head -1` gives), printed about nowhere: the reader went away on purpose.
 */
export const INTERRUPT_EXIT_CODES: Readonly<Record<InterruptKind, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, 'stdout-closed': 141 };

/** One interrupt, as handed to the CLI. */
export interface Interrupt {
  kind: InterruptKind;
  exitCode: number;
  /** Nothing is to be printed about it (the reader closed standard output). */
  quiet: boolean;
}

/** The interrupts of this process. */
export interface ProcessInterrupts {
  /** The first interrupt, if any came. */
  readonly first: Interrupt | undefined;
  /** Whether standard output (or error) can no longer be written. */
  readonly stdoutClosed: boolean;
  readonly stderrClosed: boolean;
  /** Calls `handler` on the first interrupt (at once if it already came); returns a remover. */
  onInterrupt(handler: (interrupt: Interrupt) => void): () => void;
  /** Writes to standard output, or drops the text once it is closed. */
  writeStdout(text: string): void;
  /** Writes to standard error, or drops the text once it is closed. */
  writeStderr(text: string): void;
}

/**
 * Installs the handlers on `proc` (the process). A second signal while the first is being
 * handled gives up waiting for clean-up and exits at once with the first one's code.
 */
export function installProcessInterrupts(proc: NodeJS.Process = process): ProcessInterrupts {
  let first: Interrupt | undefined;
  let stdoutClosed = false;
  let stderrClosed = false;
  const handlers = new Set<(i: Interrupt) => void>();

  const interrupt = (kind: InterruptKind) => {
    if (first) {
      // The terminal or pipe going away while clean-up runs is not a request to hurry.
      if (kind === 'stdout-closed' || kind === 'SIGHUP') return;
      proc.exit(first.exitCode);
    }
    first = { kind, exitCode: INTERRUPT_EXIT_CODES[kind], quiet: kind === 'stdout-closed' };
    for (const h of [...handlers]) h(first);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) proc.on(signal, () => interrupt(signal));
  // EPIPE (the reader exited) or EIO (the terminal is gone): the output is closed for good.
  proc.stdout.on('error', () => {
    stdoutClosed = true;
    interrupt('stdout-closed');
  });
  proc.stderr.on('error', () => {
    stderrClosed = true;
  });

  return {
    get first() {
      return first;
    },
    get stdoutClosed() {
      return stdoutClosed;
    },
    get stderrClosed() {
      return stderrClosed;
    },
    onInterrupt(handler) {
      handlers.add(handler);
      if (first) handler(first);
      return () => handlers.delete(handler);
    },
    writeStdout(text) {
      if (!stdoutClosed && !proc.stdout.destroyed) proc.stdout.write(text);
    },
    writeStderr(text) {
      if (!stderrClosed && !proc.stderr.destroyed) proc.stderr.write(text);
    },
  };
}
