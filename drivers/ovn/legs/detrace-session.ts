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
 *
 * Looking records up is most of the rest of ovn-detrace's time (it scans whole tables for each
 * cookie), and the legs on a node share most of their flows. So, once the echo of a probe line
 * has shown how this ovn-detrace echoes its input, a leg's trace is cut into units
 * (`detrace-units.ts`), only the units the session has not seen yet are fed, and the leg's answer
 * is assembled from the units' records: still byte for byte a separate run's output. A batch's
 * session keeps its units for all the batch's traces.
 */
import { randomBytes } from 'node:crypto';
import type { CommandOutput, CommandRunner } from '../../../core/runner/command-runner.js';
import { InputQueue } from '../../../core/runner/input-queue.js';
import { detraceSessionArgv } from './detrace-launcher.js';
import { assembleDetraceOutput, echoProbeLine, echoStyleFromProbe, lookupFeed, parseLookupAnswer, separateRunInput, splitUnits, unitKey, type EchoStyle } from './detrace-units.js';

/** Whether the session's ovn-detrace can serve the legs. */
export type DetraceReadiness =
  | { usable: true }
  /** `certain`: the reason is the probe check's answer; otherwise the check must be run to know. */
  | { usable: false; certain: boolean; reason: string };

/** The session cannot answer for a leg; the leg must run on its own. */
export class DetraceSessionUnusableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetraceSessionUnusableError';
  }
}

/** The session ended before a leg's answer was complete; the leg must run on its own. */
export class DetraceSessionEndedError extends DetraceSessionUnusableError {
  constructor(reason: string) {
    super(`the ovn-detrace session ended: ${reason}`);
    this.name = 'DetraceSessionEndedError';
  }
}

/** Units kept per session at most (a long batch on a busy node): past it, the cache starts over. */
const MAX_CACHED_UNITS = 50_000;

interface Segment {
  lines: string[];
  collecting: boolean;
  resolve: (lines: string[]) => void;
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
  /** How the tool echoes its input, once its answer to the probe line came (undefined: unknown). */
  private echoStyle: EchoStyle | undefined;
  /** Set when a look-up's answer had an unexpected shape: from then on, whole traces are fed. */
  private unitsBroken = false;
  /** Records of each unit seen, by unit text; and the look-ups under way. */
  private readonly unitRecords = new Map<string, string[]>();
  private readonly unitLookups = new Map<string, Promise<void>>();
  /** Units asked of ovn-detrace, units answered without asking, and traces fed whole. */
  readonly stats = { unitsLookedUp: 0, unitsFromCache: 0, wholeTraces: 0 };
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
    this.input.push(`${echoProbeLine(this.marker('echo'))}\n${this.marker('ready')}\n`);
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
   * printed; rejects with a {@link DetraceSessionUnusableError} when the session cannot answer
   * (the process ended first, or it answered a look-up in an unexpected way).
   */
  annotate(legId: string, ofprotoStdout: string): Promise<CommandOutput> {
    if (this.ended !== undefined) return Promise.reject(new DetraceSessionEndedError(this.ended));
    const startedAt = performance.now();
    const stderrFrom = this.stderr.length;
    const units = this.echoStyle && !this.unitsBroken ? splitUnits(ofprotoStdout) : undefined;
    // Everything this leg needs is fed before the leg is released (which may end the input).
    if (!units) this.stats.wholeTraces++;
    const stdout = units ? this.fromUnits(units, this.echoStyle!) : this.feed(ofprotoStdout).then((lines) => lines.map((l) => `${l}\n`).join(''));
    this.release(legId);
    return stdout.then((text) => ({
      stdout: text,
      // Start-up messages belong to every leg, as each separate run prints them.
      stderr: this.startupStderr + this.stderr.slice(Math.max(stderrFrom, this.startupStderr.length)),
      exitCode: 0,
      durationMs: performance.now() - startedAt,
      target: this.target,
    }));
  }

  /** A leg's answer assembled from its units' records, looking up (in one feed) those not seen yet. */
  private fromUnits(units: string[][], style: EchoStyle): Promise<string> {
    // A key costs a few regular expressions per line: computed once per unit, not per use.
    const keys = units.map((u) => unitKey(u, style));
    const waits = new Set<Promise<void>>();
    const missing = new Map<string, string[]>();
    for (const [i, unit] of units.entries()) {
      const key = keys[i]!;
      if (this.unitRecords.has(key) || missing.has(key)) continue;
      const pending = this.unitLookups.get(key);
      if (pending) waits.add(pending);
      else missing.set(key, unit);
    }
    this.stats.unitsLookedUp += missing.size;
    this.stats.unitsFromCache += units.length - missing.size;
    if (missing.size) {
      const askedKeys = [...missing.keys()];
      const asked = [...missing.values()];
      const lookup = this.feedLines(lookupFeed(asked)).then((lines) => {
        const records = parseLookupAnswer(asked, lines, style, (_u, i) => askedKeys[i]!);
        if (!records) {
          this.unitsBroken = true;
          throw new DetraceSessionUnusableError(`ovn-detrace on ${this.target} answered a look-up in an unexpected layout`);
        }
        if (this.unitRecords.size + records.size > MAX_CACHED_UNITS) this.unitRecords.clear();
        for (const [key, r] of records) this.unitRecords.set(key, r);
      });
      const settled = () => {
        for (const key of askedKeys) this.unitLookups.delete(key);
      };
      lookup.then(settled, settled);
      for (const key of askedKeys) this.unitLookups.set(key, lookup);
      waits.add(lookup);
    }
    return Promise.all(waits).then(() => {
      // A unit whose records were dropped with the cache meanwhile: the leg runs on its own.
      if (keys.some((k) => !this.unitRecords.has(k))) {
        throw new DetraceSessionUnusableError(`ovn-detrace on ${this.target}: a unit's records were dropped from the session's cache`);
      }
      return assembleDetraceOutput(units, (key) => this.unitRecords.get(key)!, style, keys);
    });
  }

  /** Feeds an ofproto/trace as a separate run would read it (the empty line stands for its end). */
  private feed(ofprotoStdout: string): Promise<string[]> {
    return this.feedText(separateRunInput(ofprotoStdout));
  }

  private feedLines(lines: string[]): Promise<string[]> {
    return this.feedText(lines.map((l) => `${l}\n`).join(''));
  }

  /** Feeds text between this segment's markers; resolves with the lines printed between them. */
  private feedText(text: string): Promise<string[]> {
    if (this.ended !== undefined) return Promise.reject(new DetraceSessionEndedError(this.ended));
    return new Promise<string[]>((resolve, reject) => {
      const n = this.nextSegment++;
      this.segments.set(n, { lines: [], collecting: false, resolve, reject });
      this.input.push(`${this.marker(`begin ${n}`)}\n${text}${this.marker(`end ${n}`)}\n`);
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
    if (this.readyState === 'waiting' && line.includes(this.marker('echo'))) {
      this.echoStyle = echoStyleFromProbe(line, this.marker('echo'));
      return;
    }
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
        seg.resolve(seg.lines);
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
