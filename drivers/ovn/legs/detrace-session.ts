/**
 * One ovn-detrace process per node for all of a trace's ovn-detrace legs on that node.
 *
 * ovn-detrace spends nearly all its time before reading its input: Python starts, imports the
 * `ovs` library and downloads the NB, SB and OVS databases (~200 ms on an idle lab node, against
 * ~20 ms to annotate a trace). Started alongside the node probe, that start-up overlaps the other
 * legs, and one process serves every detrace leg of the node instead of one process each.
 *
 * Each leg's ofproto/trace output is fed between marker lines, followed by one empty line.
 * ovn-detrace echoes every input line, and treats an empty line exactly as it treats the end of
 * its input (it prints the records of the pending cookies, then an empty line), so the text
 * between a leg's markers is byte for byte what a separate `ovn-detrace < trace` prints. A first
 * "ready" line comes back once the databases are loaded: that is the proof the tool can run.
 */
import { randomBytes } from 'node:crypto';
import type { CommandOutput, CommandRunner } from '../../../core/runner/command-runner.js';
import { detraceSessionArgv } from './detrace-launcher.js';

/** Whether the session's ovn-detrace can serve the legs. */
export type DetraceReadiness =
  | { usable: true }
  /** `certain`: the reason is the probe check's answer; otherwise the check must be run to know. */
  | { usable: false; certain: boolean; reason: string };

/** The session ended before a leg's answer was complete; the leg must run on its own. */
export class DetraceSessionEndedError extends Error {
  constructor(reason: string) {
    super(`the ovn-detrace session ended: ${reason}`);
    this.name = 'DetraceSessionEndedError';
  }
}

/** A minimal push queue that is also an async iterable (the session's standard input). */
class InputQueue implements AsyncIterable<string> {
  private readonly items: string[] = [];
  private waiting: ((r: IteratorResult<string>) => void) | undefined;
  private ended = false;

  push(text: string): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: text, done: false });
    } else this.items.push(text);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

interface Segment {
  startedAt: number;
  lines: string[];
  stderrFrom: number;
  collecting: boolean;
  resolve: (out: CommandOutput) => void;
  reject: (err: Error) => void;
}

/** A long-lived ovn-detrace on one node, fed one ofproto/trace per leg. */
export class DetraceSession {
  private readonly input = new InputQueue();
  private readonly nonce = randomBytes(6).toString('hex');
  private readonly abort = new AbortController();
  /** Legs fed and not yet answered, by segment number (unique even when traces share the session). */
  private readonly segments = new Map<number, Segment>();
  private nextSegment = 0;
  private readonly open = new Set<string>();
  private partial = '';
  /** stderr received so far (ovn-detrace rarely writes any; a leg gets the part printed during it). */
  private stderr = '';
  /** stderr printed during start-up (before "ready"): every separate run would print it too. */
  private startupStderr = '';
  /** stdout printed before "ready" (what a failed start said). */
  private startupStdout = '';
  private readyState: 'waiting' | 'ready' | 'ended' = 'waiting';
  private resolveReady!: (r: DetraceReadiness) => void;
  private ended: string | undefined;
  /** Settles once: usable (databases loaded) or not. */
  readonly readiness: Promise<DetraceReadiness>;
  /** Where the session runs (the runner's target). */
  readonly target: string;

  /**
   * @param signal stops the process (a trace's signal, or a batch scope's for a shared session)
   * @param options.persistent the session serves several traces: its input stays open until
   *   {@link finish}, whatever legs are expected or released
   */
  constructor(
    private readonly runner: CommandRunner,
    signal: AbortSignal,
    timeoutMs: number,
    private readonly options: { persistent?: boolean } = {},
  ) {
    this.target = runner.target;
    this.readiness = new Promise((r) => (this.resolveReady = r));
    const combined = AbortSignal.any([signal, this.abort.signal]);
    this.input.push(`${this.marker('ready')}\n`);
    runner
      .run({
        argv: detraceSessionArgv(),
        stdinChunks: this.input,
        onStdout: (t) => this.onStdout(t),
        onStderr: (t) => (this.stderr += t),
        // The legs get their text from the callbacks; a batch's session may print megabytes.
        discardOutput: true,
        timeoutMs,
        signal: combined,
      })
      .then(
        (out) => this.onEnd(out),
        (err: Error) => this.onEnd(err),
      );
  }

  private marker(what: string): string {
    return `cni-trace-detrace-${this.nonce} ${what}`;
  }

  /** Says which legs will come, so standard input can be closed once each was fed or released. */
  expect(legIds: Iterable<string>): void {
    if (this.options.persistent) return;
    for (const id of legIds) this.open.add(id);
    if (this.open.size === 0) this.input.end();
  }

  /**
   * Annotates one ofproto/trace output. Resolves with what a separate ovn-detrace run would have
   * printed; rejects with {@link DetraceSessionEndedError} when the process ended first.
   */
  annotate(legId: string, ofprotoStdout: string): Promise<CommandOutput> {
    if (this.ended !== undefined) return Promise.reject(new DetraceSessionEndedError(this.ended));
    return new Promise<CommandOutput>((resolve, reject) => {
      const n = this.nextSegment++;
      this.segments.set(n, { startedAt: performance.now(), lines: [], stderrFrom: this.stderr.length, collecting: false, resolve, reject });
      const body = ofprotoStdout === '' || ofprotoStdout.endsWith('\n') ? ofprotoStdout : `${ofprotoStdout}\n`;
      // The empty line stands for the end of input of a separate run.
      this.input.push(`${this.marker(`begin ${n}`)}\n${body}\n${this.marker(`end ${n}`)}\n`);
      this.release(legId);
    });
  }

  /** A leg that will not be fed (its ofproto/trace did not run); the last one closes the input. */
  release(legId: string): void {
    if (this.options.persistent || !this.open.delete(legId)) return;
    if (this.open.size === 0) this.input.end();
  }

  /** Ends the input: the process prints what is pending and exits by itself. */
  finish(): void {
    this.input.end();
  }

  /** Stops the process now (its legs will not run). */
  stop(): void {
    this.input.end();
    if (this.ended === undefined) this.abort.abort();
  }

  private onStdout(text: string): void {
    const data = this.partial + text;
    const lines = data.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    if (this.readyState === 'waiting' && this.startupStdout.length < 4096) this.startupStdout += `${line}\n`;
    if (line === this.marker('ready')) {
      if (this.readyState === 'waiting') {
        this.readyState = 'ready';
        this.startupStderr = this.stderr;
        this.resolveReady({ usable: true });
      }
      return;
    }
    const m = line.startsWith(`cni-trace-detrace-${this.nonce} `) ? /^\S+ (begin|end) (\d+)$/.exec(line) : null;
    if (m) {
      const n = Number(m[2]);
      const seg = this.segments.get(n);
      if (!seg) return;
      if (m[1] === 'begin') seg.collecting = true;
      else {
        seg.collecting = false;
        this.segments.delete(n);
        seg.resolve({
          stdout: seg.lines.map((l) => `${l}\n`).join(''),
          // Start-up messages belong to every leg, as each separate run prints them.
          stderr: this.startupStderr + this.stderr.slice(Math.max(seg.stderrFrom, this.startupStderr.length)),
          exitCode: 0,
          durationMs: performance.now() - seg.startedAt,
          target: this.target,
        });
      }
      return;
    }
    for (const seg of this.segments.values()) if (seg.collecting) seg.lines.push(line);
  }

  private onEnd(outcome: CommandOutput | Error): void {
    if (this.partial) {
      this.onLine(this.partial);
      this.partial = '';
    }
    // The runner keeps no text (discardOutput): what was printed came through the callbacks.
    const why =
      outcome instanceof Error
        ? outcome.message
        : `exit code ${outcome.exitCode}${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').at(-1)}` : ''}`;
    this.ended = why;
    this.input.end();
    if (this.readyState === 'waiting') {
      this.readyState = 'ended';
      const notInstalled = !(outcome instanceof Error) && outcome.exitCode === 127 && /ovn-detrace not installed/.test(this.startupStdout);
      this.resolveReady(notInstalled ? { usable: false, certain: true, reason: 'ovn-detrace not installed' } : { usable: false, certain: false, reason: why });
    }
    for (const [id, seg] of this.segments) {
      this.segments.delete(id);
      seg.reject(new DetraceSessionEndedError(why));
    }
  }

}
