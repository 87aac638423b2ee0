import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';
import { CancelledError, CommandError, ToolMissingError, TraceTimeoutError } from '../errors.js';
import type { CommandOutput, CommandRunner, CommandSpec } from './command-runner.js';

/** Options of a {@link LocalCommandRunner}. */
export interface LocalCommandRunnerOptions {
  /**
   * Argv prefix placed before every command, e.g. a wrapper that enters a node's mount namespace.
   * The command's own argv is appended unchanged (no shell).
   */
  wrap?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Label used as the runner's target (default `local`). */
  label?: string;
}

/**
 * An execa output option that shows each chunk to `fn` and passes it on unchanged (`binary`: the
 * bytes are not split into lines, so the returned text is the same as without it).
 */
function observe(fn: (text: string) => void, keep: boolean) {
  const decoder = new StringDecoder('utf8');
  return {
    *transform(chunk: unknown) {
      const text = decoder.write(Buffer.from(chunk as Uint8Array));
      if (text) fn(text);
      // Not passed on: execa then keeps nothing (discardOutput).
      if (keep) yield chunk;
    },
    binary: true,
  };
}

/** Runs commands as local processes through execa: on a node, or against a local lab. */
export class LocalCommandRunner implements CommandRunner {
  readonly target: string;

  constructor(private readonly options: LocalCommandRunnerOptions = {}) {
    this.target = options.label ?? 'local';
  }

  async run(spec: CommandSpec): Promise<CommandOutput> {
    const full = [...(this.options.wrap ?? []), ...spec.argv];
    const [file, ...args] = full;
    if (!file) throw new CommandError(this.target, spec.argv, 'empty command');
    if (spec.signal?.aborted) throw new CancelledError(`"${spec.argv[0]}"`);
    const started = performance.now();
    const result = await execa(file, args, {
      reject: false,
      input: spec.stdinChunks ? undefined : spec.stdin,
      stdin: spec.stdinChunks ?? (spec.stdin === undefined ? 'ignore' : undefined),
      ...(spec.onStdout ? { stdout: observe(spec.onStdout, !spec.discardOutput) } : {}),
      ...(spec.onStderr ? { stderr: observe(spec.onStderr, !spec.discardOutput) } : {}),
      timeout: spec.timeoutMs,
      cancelSignal: spec.signal,
      forceKillAfterDelay: 2000,
      env: this.options.env,
      stripFinalNewline: false,
    });
    const durationMs = performance.now() - started;
    if (result.isCanceled) throw new CancelledError(`"${spec.argv[0]}"`);
    if (result.timedOut) throw new TraceTimeoutError(`"${spec.argv.join(' ')}" on ${this.target}`, Math.round((spec.timeoutMs ?? 0) / 1000));
    const code = (result as { code?: string }).code;
    if (result.failed && result.exitCode === undefined && !result.isTerminated) {
      if (code === 'ENOENT') throw new ToolMissingError(file, this.target);
      throw new CommandError(this.target, spec.argv, result.shortMessage ?? 'could not start');
    }
    return {
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      exitCode: result.exitCode ?? null,
      durationMs,
      target: this.target,
    };
  }
}
