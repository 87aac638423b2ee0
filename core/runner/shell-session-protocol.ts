/**
 * The wire format of a shell session (`shell-session-runner.ts`): one bash process in the target
 * runs many commands, each sent as an argv on its standard input and answered on its standard
 * output and error, framed by a random marker.
 *
 * Input, per command: `<id> NUL <argc> NUL <arg1> NUL … <argN> NUL`; an empty id ends the session.
 * The script reads arguments as data (`read -d ''`) and runs them with `exec` in a subshell, so
 * nothing the caller sends is ever parsed as shell code, builtins and functions are never run
 * instead of the program, and the command's standard input is `/dev/null` (it cannot read the
 * session's own input). After each command, stdout gets `<marker> <id> exit <code>\n` (or
 * `<marker> <id> missing\n` when the program is not on the PATH) right after the command's last
 * byte, and stderr gets `<marker> <id>\n`. The marker is random per session, so no tool output
 * contains it by chance, and a command's output is exactly the bytes before it.
 *
 * Pure: text in, frames out; the I/O is in the runner.
 */

/**
 * The bash program a session runs (`bash -c SCRIPT <name> <marker>`). The command runs as a job
 * bash waits for, so a signal that ends bash (a timeout or cancellation of the session's exec)
 * kills the running command too instead of leaving it behind with the session's output open.
 * The commands inherit the marker as `CNI_TRACE_SESSION` (and bash has it among its arguments),
 * so a cancelled session's processes can be found and ended explicitly (`node-process-reaper.ts`).
 */
export const SHELL_SESSION_SCRIPT = `mark=$1
export CNI_TRACE_SESSION="$mark"
trap 'kill -KILL $(jobs -p) 2>/dev/null; exit 143' TERM HUP INT
while IFS= read -r -d '' id; do
  [[ -z $id ]] && exit 0
  IFS= read -r -d '' n || exit 71
  [[ $n =~ ^[0-9]+$ ]] || exit 71
  args=()
  for ((i = 0; i < n; i++)); do IFS= read -r -d '' a || exit 71; args+=("$a"); done
  if (( n > 0 )) && type -P -- "\${args[0]}" >/dev/null; then
    ( exec -- "\${args[@]}" ) </dev/null &
    wait "$!"
    printf '%s %s exit %d\\n' "$mark" "$id" "$?"
  else
    printf '%s %s missing\\n' "$mark" "$id"
  fi
  printf '%s %s\\n' "$mark" "$id" >&2
done
`;

/** Argv that starts a session with this marker. */
export function shellSessionArgv(marker: string): string[] {
  return ['bash', '-c', SHELL_SESSION_SCRIPT, 'cni-trace-session', marker];
}

/** Whether an argv can be sent (arguments are NUL-terminated, so they cannot contain NUL). */
export function canFrame(argv: readonly string[]): boolean {
  return argv.length > 0 && argv.every((a) => !a.includes('\0'));
}

/** The input that asks the session to run `argv` as command `id` (ids: non-empty, no NUL). */
export function commandFrame(id: string, argv: readonly string[]): string {
  return `${id}\0${argv.length}\0${argv.map((a) => `${a}\0`).join('')}`;
}

/** The input that ends the session once the commands sent before it are done. */
export const END_FRAME = '\0';

/** How a command ended, from its stdout frame. */
export type SessionCommandStatus = { kind: 'exit'; code: number } | { kind: 'missing' };

/** One command's part of a stream. `status` only on stdout. */
export interface SessionFrame {
  id: string;
  text: string;
  status?: SessionCommandStatus;
}

/** The stream's text did not follow the format (the session cannot be trusted any more). */
export class SessionProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionProtocolError';
  }
}

const STATUS_LINE = /^(\S+) (?:exit (\d+)|(missing))$/;
const ID_LINE = /^(\S+)$/;

/**
 * Cuts one of a session's streams (stdout or stderr) into per-command frames as chunks arrive.
 * Chunks may split anywhere, also inside a marker.
 */
export class SessionStreamSplitter {
  private buffer = '';
  /** Where the next marker search starts (text before it cannot start a marker). */
  private searchFrom = 0;
  private readonly needle: string;

  constructor(
    marker: string,
    private readonly stream: 'stdout' | 'stderr',
  ) {
    this.needle = `${marker} `;
  }

  /** Feeds a chunk; returns the frames it completed. */
  push(chunk: string): SessionFrame[] {
    this.buffer += chunk;
    const frames: SessionFrame[] = [];
    for (;;) {
      const at = this.buffer.indexOf(this.needle, this.searchFrom);
      if (at < 0) {
        this.searchFrom = Math.max(0, this.buffer.length - this.needle.length + 1);
        return frames;
      }
      const eol = this.buffer.indexOf('\n', at + this.needle.length);
      if (eol < 0) {
        this.searchFrom = at;
        return frames;
      }
      const line = this.buffer.slice(at + this.needle.length, eol);
      const text = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(eol + 1);
      this.searchFrom = 0;
      frames.push(this.frame(line, text));
    }
  }

  /** Text received after the last complete frame. */
  get rest(): string {
    return this.buffer;
  }

  private frame(line: string, text: string): SessionFrame {
    if (this.stream === 'stderr') {
      const m = ID_LINE.exec(line);
      if (!m) throw new SessionProtocolError(`unexpected stderr marker line "${line}"`);
      return { id: m[1]!, text };
    }
    const m = STATUS_LINE.exec(line);
    if (!m) throw new SessionProtocolError(`unexpected stdout marker line "${line}"`);
    return { id: m[1]!, text, status: m[3] ? { kind: 'missing' } : { kind: 'exit', code: Number(m[2]) } };
  }
}
