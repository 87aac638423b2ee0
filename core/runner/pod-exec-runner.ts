import { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { trackProcessWideCleanup } from '../cleanup-tracker.js';
import { CancelledError, CniTraceError, CommandError, ForbiddenError, NotFoundError, ToolMissingError, TraceTimeoutError } from '../errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, formatMs, requestTimeoutOf } from '../kube/request-timeout.js';
import type { CommandOutput, CommandRunner, CommandSpec } from './command-runner.js';
import { newProcessTag, reapArgv, taggedArgv } from './node-process-reaper.js';

/** The exec's WebSocket upgrade got no answer in time (API server or kubelet silent). */
export class ExecConnectTimeoutError extends CniTraceError {
  constructor(target: string, argv: readonly string[], timeoutMs: number) {
    super(
      'TIMEOUT',
      `${target}: the exec of "${argv[0]}" did not connect within ${formatMs(timeoutMs)} (the API server or the node's kubelet did not answer the upgrade); check the node, or raise --request-timeout`,
      3,
    );
  }
}

/** How long the short exec that ends a cancelled command's processes may take. */
const REAP_TIMEOUT_MS = 5000;

/** The container a {@link PodExecRunner} runs commands in. */
export interface PodExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** Collects a stream's bytes into a string (and hands each decoded piece to `onText`). */
class TextSink extends Writable {
  private readonly chunks: Buffer[] = [];
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly onText?: (text: string) => void,
    private readonly keep = true,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.keep) this.chunks.push(Buffer.from(chunk));
    // A multi-byte character split across frames is held back until it is whole.
    if (this.onText) {
      const text = this.decoder.write(chunk);
      if (text) this.onText(text);
    }
    cb();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Streamed standard input as bytes (client-node frames Buffers and strings alike; Buffers keep it simple). */
async function* toBuffers(chunks: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk);
}

/** Exit code from a Kubernetes exec status (`NonZeroExitCode` carries it in `details.causes`). */
export function exitCodeFromStatus(status: V1Status): number | null {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  return null;
}

/**
 * Runs commands inside a pod container through the Kubernetes exec API (WebSocket), using
 * @kubernetes/client-node's `Exec`. The exit code comes from the status channel, which arrives
 * after the socket opened, so the promise settles on the status or on the socket closing.
 */
export class PodExecRunner implements CommandRunner {
  readonly target: string;
  private readonly exec: Exec;

  /** How long the exec's upgrade may take (the kubeconfig's request timeout, else 30 s). */
  private readonly connectTimeoutMs: number;

  constructor(kubeConfig: KubeConfig, private readonly where: PodExecTarget, options: { connectTimeoutMs?: number } = {}) {
    this.exec = new Exec(kubeConfig);
    this.target = `${where.namespace}/${where.pod}/${where.container}`;
    this.connectTimeoutMs = options.connectTimeoutMs ?? (requestTimeoutOf(kubeConfig) || DEFAULT_REQUEST_TIMEOUT_MS);
  }

  /**
   * Ends the processes of a tagged command on the target with a short exec of its own (not
   * bound to the cancelled command's signal), tracked so the process waits for it before exiting.
   */
  private reap(tag: string): void {
    trackProcessWideCleanup(this.runPlain({ argv: reapArgv(tag), timeoutMs: REAP_TIMEOUT_MS }, reapArgv(tag)));
  }

  async run(spec: CommandSpec): Promise<CommandOutput> {
    if (spec.signal?.aborted) throw new CancelledError(`"${spec.argv[0]}"`);
    // A session (streamed input) lives until told to end: tag it, so it can be ended explicitly.
    const tag = spec.processTag ?? (spec.stdinChunks ? newProcessTag() : undefined);
    const argv = spec.stdinChunks && !spec.processTag ? taggedArgv(tag!, spec.argv) : spec.argv;
    let ended = false;
    try {
      const out = await this.runPlain(spec, argv);
      ended = true;
      return out;
    } catch (err) {
      // It exited (with a status) or never started: nothing of it is left on the node.
      ended = err instanceof ToolMissingError || (err instanceof CommandError && err.exited) || err instanceof ForbiddenError || err instanceof NotFoundError;
      throw err;
    } finally {
      if (tag && !ended) this.reap(tag);
    }
  }

  private async runPlain(spec: CommandSpec, argv: string[]): Promise<CommandOutput> {
    if (spec.signal?.aborted) throw new CancelledError(`"${spec.argv[0]}"`);
    const stdout = new TextSink(spec.onStdout, !(spec.discardOutput && spec.onStdout));
    const stderr = new TextSink(spec.onStderr, !(spec.discardOutput && spec.onStderr));
    const started = performance.now();
    let socket: { close(): void } | undefined;
    let settle: (status: V1Status | Error) => void = () => undefined;
    const finished = new Promise<V1Status | Error>((resolve) => (settle = resolve));
    const timer = spec.timeoutMs
      ? setTimeout(() => settle(new TraceTimeoutError(`"${spec.argv.join(' ')}" in ${this.target}`, Math.round(spec.timeoutMs! / 1000))), spec.timeoutMs)
      : undefined;
    const onAbort = () => settle(new CancelledError(`"${spec.argv[0]}"`));
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    let connectTimer: NodeJS.Timeout | undefined;
    try {
      try {
        const connecting = this.exec.exec(
          this.where.namespace,
          this.where.pod,
          this.where.container,
          argv,
          stdout,
          stderr,
          spec.stdinChunks ? Readable.from(toBuffers(spec.stdinChunks)) : spec.stdin === undefined ? null : Readable.from([Buffer.from(spec.stdin)]),
          false,
          (status) => settle(status),
        );
        // The upgrade is bounded too: a server that accepts and never answers it would hold the
        // command (and the process) forever. A socket that opens after giving up is closed.
        const connectTimeout = new Promise<never>((_, reject) => {
          connectTimer = setTimeout(() => reject(new ExecConnectTimeoutError(this.target, spec.argv, this.connectTimeoutMs)), this.connectTimeoutMs);
        });
        const givenUp = finished.then((outcome) => {
          throw outcome instanceof Error ? outcome : new CommandError(this.target, spec.argv, 'the exec ended before it connected');
        });
        let gaveUp = false;
        connecting.then(
          (ws) => {
            if (gaveUp) ws.close();
          },
          () => undefined,
        );
        const ws = await Promise.race([connecting, connectTimeout, givenUp]).catch((err: unknown) => {
          gaveUp = true;
          throw err;
        });
        clearTimeout(connectTimer);
        socket = ws;
        ws.on('close', () => settle(new CommandError(this.target, spec.argv, 'the exec stream closed without an exit status')));
        ws.on('error', (err: Error) => settle(new CommandError(this.target, spec.argv, err.message, { cause: err })));
      } catch (err) {
        if (err instanceof CniTraceError) throw err;
        throw this.connectError(spec.argv, err);
      }
      const outcome = await finished;
      if (outcome instanceof Error) throw outcome;
      const exitCode = exitCodeFromStatus(outcome);
      if (exitCode === null) {
        const message = outcome.message ?? 'exec failed';
        if (/executable file not found|no such file or directory/i.test(message)) throw new ToolMissingError(spec.argv[0]!, this.target);
        throw new CommandError(this.target, spec.argv, message, { exited: true });
      }
      // Status may arrive just before the last stdout frames are flushed into our sinks.
      await new Promise((r) => setImmediate(r));
      return { stdout: stdout.text(), stderr: stderr.text(), exitCode, durationMs: performance.now() - started, target: this.target };
    } finally {
      if (connectTimer) clearTimeout(connectTimer);
      if (timer) clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      socket?.close();
    }
  }

  /** Maps a failed WebSocket upgrade to an error that names the permission or object. */
  private connectError(argv: string[], err: unknown): Error {
    const message = (err as { message?: string })?.message ?? String(err);
    if (/\b403\b/.test(message)) return new ForbiddenError('create', 'pods/exec', this.where.namespace);
    if (/\b404\b/.test(message)) return new NotFoundError('pod', this.where.pod, this.where.namespace);
    if (/\b401\b/.test(message)) return new CommandError(this.target, argv, 'unauthorized: the kubeconfig credentials were rejected');
    return new CommandError(this.target, argv, message, { cause: err });
  }
}
