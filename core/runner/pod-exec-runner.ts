import { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { CancelledError, CommandError, ForbiddenError, NotFoundError, ToolMissingError, TraceTimeoutError } from '../errors.js';
import type { CommandOutput, CommandRunner, CommandSpec } from './command-runner.js';

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

  constructor(kubeConfig: KubeConfig, private readonly where: PodExecTarget) {
    this.exec = new Exec(kubeConfig);
    this.target = `${where.namespace}/${where.pod}/${where.container}`;
  }

  async run(spec: CommandSpec): Promise<CommandOutput> {
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
    try {
      try {
        const ws = await this.exec.exec(
          this.where.namespace,
          this.where.pod,
          this.where.container,
          spec.argv,
          stdout,
          stderr,
          spec.stdinChunks ? Readable.from(toBuffers(spec.stdinChunks)) : spec.stdin === undefined ? null : Readable.from([Buffer.from(spec.stdin)]),
          false,
          (status) => settle(status),
        );
        socket = ws;
        ws.on('close', () => settle(new CommandError(this.target, spec.argv, 'the exec stream closed without an exit status')));
        ws.on('error', (err: Error) => settle(new CommandError(this.target, spec.argv, err.message, { cause: err })));
      } catch (err) {
        throw this.connectError(spec.argv, err);
      }
      const outcome = await finished;
      if (outcome instanceof Error) throw outcome;
      const exitCode = exitCodeFromStatus(outcome);
      if (exitCode === null) {
        const message = outcome.message ?? 'exec failed';
        if (/executable file not found|no such file or directory/i.test(message)) throw new ToolMissingError(spec.argv[0]!, this.target);
        throw new CommandError(this.target, spec.argv, message);
      }
      // Status may arrive just before the last stdout frames are flushed into our sinks.
      await new Promise((r) => setImmediate(r));
      return { stdout: stdout.text(), stderr: stderr.text(), exitCode, durationMs: performance.now() - started, target: this.target };
    } finally {
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
