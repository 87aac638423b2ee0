/**
 * The command-runner contract: run an argv somewhere (locally, or inside a pod container) and get
 * its stdout, stderr and exit code. A non-zero exit code is a normal result (tools such as
 * ovs-appctl report bad input that way); only failing to run at all throws.
 */

/** What to run. */
export interface CommandSpec {
  /** Program and arguments. Never a shell string built from user input. */
  argv: string[];
  /** Text written to the command's standard input, then end-of-file. */
  stdin?: string;
  /**
   * Standard input produced while the command runs (a long-lived tool session fed as inputs
   * become available); end-of-file when the iterable ends. Not combined with `stdin`.
   */
  stdinChunks?: AsyncIterable<string>;
  /** Receives standard output as it arrives; the whole text is still returned at the end. */
  onStdout?: (text: string) => void;
  /** Receives standard error as it arrives; the whole text is still returned at the end. */
  onStderr?: (text: string) => void;
  /**
   * With `onStdout`/`onStderr`: the callbacks are the only consumers, so the runner does not
   * also keep the text (the result's stdout/stderr are then empty). For long-lived sessions,
   * whose whole output would otherwise be held until they end.
   */
  discardOutput?: boolean;
  /**
   * Other work waits for this command: a runner that queues commands (a shell session) runs it
   * ahead of queued commands that are not urgent.
   */
  urgent?: boolean;
  /** Per-command timeout in milliseconds. */
  timeoutMs?: number;
  /** Cancels the command (the process is killed or the exec stream closed). */
  signal?: AbortSignal;
  /**
   * The command's processes carry this tag as one of their arguments, or in the environment as
   * `CNI_TRACE_SESSION` (see `node-process-reaper.ts`): a remote runner ends them explicitly
   * when the command is cancelled or times out. Remote runners tag every command with streamed
   * input (`stdinChunks`) themselves; set this when the command carries its own tag.
   */
  processTag?: string;
}

/** What came back. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the command was killed by a signal. */
  exitCode: number | null;
  durationMs: number;
  /** Where it ran: `local` or `<namespace>/<pod>/<container>`. */
  target: string;
}

/** Runs commands in one place. */
export interface CommandRunner {
  /** Human-readable place the commands run, used in errors and logs. */
  readonly target: string;
  /**
   * Runs one command.
   * @throws ToolMissingError when the program does not exist there,
   *   TraceTimeoutError on timeout, CancelledError on cancellation, CommandError or
   *   ForbiddenError when the command could not be started.
   */
  run(spec: CommandSpec): Promise<CommandOutput>;
  /**
   * Releases what the runner keeps open between commands (a shell session), after the commands
   * already started. Runners without such state do not have it.
   */
  close?(): Promise<void>;
}
