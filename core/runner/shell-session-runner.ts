/**
 * Runs a target's short commands through one long-lived bash there instead of one exec each.
 *
 * Each pod exec is a new WebSocket and TLS connection, a request through the API server, and on a
 * real cluster a kubelet round trip and a `runc exec`; a trace runs a dozen short tools per node.
 * A session pays for that once: it is started by the first command, runs the commands one after
 * another in the order they were sent, and ends with {@link ShellSessionRunner.close}. The format
 * (argv sent as NUL-separated data, never as shell code) is in `shell-session-protocol.ts`.
 *
 * Only plain commands use the session: one with standard input or output callbacks runs on its own
 * exec, as do all commands when bash is not there. A session that breaks (its exec fails, it
 * prints something unexpected, or one of its commands times out and so blocks those behind it)
 * is dropped, and the commands it still had run on their own; they are queries, safe to run again.
 */
import { randomBytes } from 'node:crypto';
import { CancelledError, CniTraceError, ToolMissingError, TraceTimeoutError } from '../errors.js';
import type { CommandOutput, CommandRunner, CommandSpec } from './command-runner.js';
import { InputQueue } from './input-queue.js';
import {
  END_FRAME,
  SessionProtocolError,
  SessionStreamSplitter,
  canFrame,
  commandFrame,
  shellSessionArgv,
  type SessionCommandStatus,
  type SessionFrame,
} from './shell-session-protocol.js';

/** Options of a {@link ShellSessionRunner}. */
export interface ShellSessionRunnerOptions {
  /** Ends the session when aborted (a trace's or a batch's signal); its commands are cancelled. */
  signal?: AbortSignal;
  /** A session with no command for this long ends itself (default 30 s); the next command starts another. */
  idleMs?: number;
  /** How long {@link ShellSessionRunner.close} waits for bash to exit before closing the stream (default 5 s). */
  closeWaitMs?: number;
}

/**
 * Commands handed to bash at a time. One: the next is sent when the previous has answered, so an
 * urgent command waits for at most the one running (a round trip per command is the price).
 */
const IN_FLIGHT = 1;

/** Sessions that may break before the runner stops trying and runs every command on its own. */
const MAX_BROKEN_SESSIONS = 3;

interface Pending {
  id: string;
  spec: CommandSpec;
  startedAt: number;
  stdout?: string;
  status?: SessionCommandStatus;
  stderr?: string;
  done: boolean;
  resolve: (out: CommandOutput) => void;
  reject: (err: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
}

/** One bash process and the commands sent to it. */
class Session {
  readonly marker = `cni-trace-session-${randomBytes(9).toString('hex')}`;
  private readonly input = new InputQueue();
  private readonly abort = new AbortController();
  private readonly stdout: SessionStreamSplitter;
  private readonly stderr: SessionStreamSplitter;
  /** Commands handed to bash, oldest first, until both their stdout and stderr frames have come. */
  private readonly queue: Pending[] = [];
  /** Commands not handed to bash yet, in the order they are to run. */
  private readonly waiting: Pending[] = [];
  private stdoutAt = 0;
  private stderrAt = 0;
  private nextId = 1;
  private state: 'open' | 'closing' | 'ended' = 'open';
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when the exec has ended. */
  readonly ended: Promise<void>;

  constructor(
    private readonly owner: ShellSessionRunner,
    private readonly inner: CommandRunner,
    private readonly options: ShellSessionRunnerOptions,
  ) {
    this.stdout = new SessionStreamSplitter(this.marker, 'stdout');
    this.stderr = new SessionStreamSplitter(this.marker, 'stderr');
    const signal = options.signal ? AbortSignal.any([options.signal, this.abort.signal]) : this.abort.signal;
    this.ended = inner
      .run({
        argv: shellSessionArgv(this.marker),
        processTag: this.marker,
        stdinChunks: this.input,
        onStdout: (t) => this.onText(t, 'stdout'),
        onStderr: (t) => this.onText(t, 'stderr'),
        discardOutput: true,
        signal,
      })
      .then(
        (out) => this.onEnd(out.exitCode === 0 && this.queue.length === 0 && this.waiting.length === 0 ? undefined : `bash exited with ${out.exitCode ?? 'a signal'}`),
        (err: Error) => this.onEnd(err.message, err),
      );
  }

  get open(): boolean {
    return this.state === 'open';
  }

  submit(spec: CommandSpec): Promise<CommandOutput> {
    const id = String(this.nextId++);
    return new Promise<CommandOutput>((resolve, reject) => {
      const pending: Pending = { id, spec, startedAt: performance.now(), done: false, resolve, reject };
      if (spec.signal) {
        pending.onAbort = () => {
          const running = this.queue[this.stdoutAt] === pending;
          this.settle(pending, new CancelledError(`"${spec.argv[0]}"`));
          if (running) this.breakDown('a running command was cancelled');
          else this.unqueue(pending);
        };
        spec.signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      // An urgent command goes ahead of the waiting ones that are not.
      const at = spec.urgent ? this.waiting.findIndex((w) => !w.spec.urgent) : -1;
      if (at >= 0) this.waiting.splice(at, 0, pending);
      else this.waiting.push(pending);
      this.touch();
      this.sendWaiting();
    });
  }

  /** Ends the session once the commands submitted are done. */
  close(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      this.sendWaiting();
      const wait = this.options.closeWaitMs ?? 5000;
      const timer = setTimeout(() => this.abort.abort(), wait);
      timer.unref?.();
      void this.ended.then(() => clearTimeout(timer));
    }
    return this.ended;
  }

  /**
   * Hands bash the next waiting commands, up to {@link IN_FLIGHT}, then (once closing and nothing
   * waits) the end frame. Commands wait here rather than in bash's input so that an urgent one can
   * still go first. A command's timeout counts from when bash gets it, as a command's own exec's
   * would from its start: the wait before is bounded by the timeouts of those ahead.
   */
  private sendWaiting(): void {
    if (this.state === 'ended') return;
    while (this.waiting.length > 0 && this.queue.filter((p) => p.status === undefined).length < IN_FLIGHT) {
      const next = this.waiting.shift()!;
      if (next.done) continue;
      const { spec } = next;
      if (spec.timeoutMs) {
        next.timer = setTimeout(() => {
          this.settle(next, new TraceTimeoutError(`"${spec.argv.join(' ')}" in ${this.inner.target}`, Math.round(spec.timeoutMs! / 1000)));
          // It still blocks every command behind it.
          this.breakDown('a command timed out');
        }, spec.timeoutMs);
      }
      this.queue.push(next);
      this.input.push(commandFrame(next.id, spec.argv));
    }
    if (this.state === 'closing' && this.waiting.length === 0) {
      this.input.push(END_FRAME);
      this.input.end();
    }
  }

  /** Forgets a command that was never handed to bash. */
  private unqueue(pending: Pending): void {
    const at = this.waiting.indexOf(pending);
    if (at >= 0) this.waiting.splice(at, 1);
    this.touch();
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.state !== 'open' || this.queue.length > 0 || this.waiting.length > 0) return;
    this.idleTimer = setTimeout(() => this.owner.retire(this), this.options.idleMs ?? 30_000);
    this.idleTimer.unref?.();
  }

  private onText(text: string, stream: 'stdout' | 'stderr'): void {
    if (this.state === 'ended') return;
    let frames: SessionFrame[];
    try {
      frames = (stream === 'stdout' ? this.stdout : this.stderr).push(text);
    } catch (err) {
      this.breakDown((err as SessionProtocolError).message);
      return;
    }
    for (const frame of frames) {
      const index = stream === 'stdout' ? this.stdoutAt++ : this.stderrAt++;
      const pending = this.queue[index];
      if (!pending || pending.id !== frame.id) {
        this.breakDown(`an answer for command ${frame.id} came where ${pending ? `command ${pending.id}` : 'none'} was expected`);
        return;
      }
      if (stream === 'stdout') {
        pending.stdout = frame.text;
        pending.status = frame.status;
      } else pending.stderr = frame.text;
    }
    // Commands whose two frames have both come leave the queue, in order.
    while (this.queue.length > 0 && this.queue[0]!.status !== undefined && this.queue[0]!.stderr !== undefined) {
      const first = this.queue.shift()!;
      this.stdoutAt--;
      this.stderrAt--;
      this.finish(first);
    }
    this.sendWaiting();
    this.touch();
  }

  private finish(pending: Pending): void {
    const { spec, status } = pending;
    if (status!.kind === 'missing') {
      this.settle(pending, new ToolMissingError(spec.argv[0]!, this.inner.target));
      return;
    }
    this.settle(pending, {
      stdout: pending.stdout!,
      stderr: pending.stderr!,
      exitCode: status!.code,
      durationMs: performance.now() - pending.startedAt,
      target: this.inner.target,
    });
  }

  private settle(pending: Pending, outcome: CommandOutput | Error): void {
    if (pending.done) return;
    pending.done = true;
    if (pending.timer) clearTimeout(pending.timer);
    if (pending.onAbort) pending.spec.signal?.removeEventListener('abort', pending.onAbort);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  /** Stops the session; the commands it had not answered run on their own. */
  private breakDown(reason: string, err?: Error): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.abort.abort();
    this.input.end();
    const left = [...this.queue.splice(0), ...this.waiting.splice(0)].filter((p) => !p.done);
    this.owner.sessionBroke(this, reason, err, left.length);
    // The runner's signal ended the session: its commands are cancelled, not run again.
    const cancelled = this.options.signal?.aborted === true;
    for (const pending of left) {
      if (pending.timer) clearTimeout(pending.timer);
      if (pending.onAbort) pending.spec.signal?.removeEventListener('abort', pending.onAbort);
      pending.done = true;
      if (cancelled) {
        pending.reject(new CancelledError(`"${pending.spec.argv[0]}"`));
        continue;
      }
      const spent = performance.now() - pending.startedAt;
      const timeoutMs = pending.spec.timeoutMs === undefined ? undefined : Math.max(1, pending.spec.timeoutMs - spent);
      this.owner.runAlone({ ...pending.spec, ...(timeoutMs === undefined ? {} : { timeoutMs }) }).then(pending.resolve, pending.reject);
    }
  }

  private onEnd(problem: string | undefined, err?: Error): void {
    if (this.state === 'ended') return;
    if (this.state === 'closing' && problem === undefined) {
      this.state = 'ended';
      this.owner.retire(this);
      return;
    }
    this.breakDown(problem ?? 'bash ended', err);
  }
}

/**
 * A {@link CommandRunner} that sends plain commands through a shell session in the target of
 * another runner (normally a {@link PodExecRunner}) and everything else straight to it.
 */
export class ShellSessionRunner implements CommandRunner {
  readonly target: string;
  /** Commands answered through a session, commands run on their own, sessions started. */
  readonly stats = { inSession: 0, alone: 0, sessions: 0 };
  /** Why sessions broke (each reason once), for logs. */
  readonly problems: string[] = [];
  private session: Session | undefined;
  private readonly sessionsEnding = new Set<Promise<void>>();
  private broken = 0;
  /** Set when bash cannot run there, or sessions kept breaking: every command runs on its own. */
  private alone = false;
  private closed = false;

  constructor(
    private readonly inner: CommandRunner,
    private readonly options: ShellSessionRunnerOptions = {},
  ) {
    this.target = inner.target;
  }

  async run(spec: CommandSpec): Promise<CommandOutput> {
    if (spec.signal?.aborted) throw new CancelledError(`"${spec.argv[0]}"`);
    const plain = spec.stdin === undefined && !spec.stdinChunks && !spec.onStdout && !spec.onStderr && canFrame(spec.argv);
    if (!plain || this.alone || this.closed || this.options.signal?.aborted) return this.runAlone(spec);
    if (!this.session?.open) {
      this.session = new Session(this, this.inner, this.options);
      this.stats.sessions++;
      const ending: Promise<void> = this.session.ended.then(() => void this.sessionsEnding.delete(ending));
      this.sessionsEnding.add(ending);
    }
    this.stats.inSession++;
    return this.session.submit(spec);
  }

  /** Ends the session after the commands already sent; resolves once it has ended. */
  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    await session?.close();
    await Promise.all([...this.sessionsEnding]);
  }

  /** @internal A command on its own exec. */
  runAlone(spec: CommandSpec): Promise<CommandOutput> {
    this.stats.alone++;
    return this.inner.run(spec);
  }

  /** @internal An idle or finished session leaves. */
  retire(session: Session): void {
    if (this.session === session) this.session = undefined;
    void session.close();
  }

  /** @internal A session broke: the next command starts another, unless bash is missing or this keeps happening. */
  sessionBroke(session: Session, reason: string, err: Error | undefined, unanswered: number): void {
    if (this.session === session) this.session = undefined;
    if (this.options.signal?.aborted) return;
    this.broken++;
    const missingBash = err instanceof ToolMissingError || (err instanceof CniTraceError && err.code === 'TOOL_MISSING');
    if (missingBash || this.broken >= MAX_BROKEN_SESSIONS) this.alone = true;
    const text = missingBash ? 'bash is not available, so each command runs on its own exec' : `the shell session ended (${reason}); ${unanswered} command(s) ran on their own`;
    if (!this.problems.includes(text)) this.problems.push(text);
  }
}
