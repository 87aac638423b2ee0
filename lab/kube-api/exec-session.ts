/**
 * One `pods/exec` WebSocket session: runs the resolved argv as a real process and speaks the
 * Kubernetes channel protocol (`v5.channel.k8s.io` … `channel.k8s.io`): channel 0 stdin, 1 stdout,
 * 2 stderr, 3 error/status, 4 resize, 255 close (v5: `[255, 0]` half-closes stdin).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { delimiter, join } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { WebSocket } from 'ws';
import type { ExecResolution, ExecTarget } from './exec-resolver.js';

/** Subprotocols the server accepts, newest first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;
/** Pause the child's output when this much is queued on the socket. */
const HIGH_WATER = 4 * 1024 * 1024;

/**
 * Picks the subprotocol like the apiserver's wsstream handshake: the first protocol the client
 * offered that the server supports; no offer means the original `channel.k8s.io`.
 */
export function negotiateExecProtocol(offered: Iterable<string>): string | undefined {
  const list = [...offered];
  if (list.length === 0) return 'channel.k8s.io';
  return list.find((p) => (EXEC_PROTOCOLS as readonly string[]).includes(p));
}

/** The v4+ Status JSON written on channel 3 (key order as Go marshals `metav1.Status`). */
export type ExecStatus =
  | { metadata: Record<string, never>; status: 'Success' }
  | { metadata: Record<string, never>; status: 'Failure'; message: string; reason: string; details?: { causes: Array<{ reason?: string; message: string }> }; code?: number };

/** Kubelet's status for a command that exited non-zero. */
export function nonZeroExitStatus(command: string[], exitCode: number): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Kubelet's status for an exec that could not run (`apierrors.NewInternalError`). */
export function internalErrorStatus(message: string): ExecStatus {
  const inner = `error executing command in container: ${message}`;
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${inner}`, reason: 'InternalError', details: { causes: [{ message: inner }] }, code: 500 };
}

/** The OCI runtime's message for a command that does not exist in the container. */
export function missingExecutableMessage(command: string): string {
  const id = randomBytes(32).toString('hex');
  const why = command.includes('/') ? `stat ${command}: no such file or directory` : 'executable file not found in $PATH';
  return `failed to exec in container: failed to start exec "${id}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${command}": ${why}: unknown`;
}

/** Whether `command` resolves to an executable file through `pathList` (or as a path). */
export function executableExists(command: string, pathList: string): boolean {
  const isExec = (p: string) => {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return isExec(command);
  return pathList.split(delimiter).some((dir) => dir !== '' && isExec(join(dir, command)));
}

/** Options of a session. */
export interface ExecSessionOptions {
  socket: WebSocket;
  target: ExecTarget;
  /** undefined: the container has no runtime in the lab. */
  resolution: ExecResolution | undefined;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /**
   * When true at the moment the client's stream goes away, the process is left running, its
   * standard input left open, as a kubelet whose container runtime does not end an exec's
   * process when the connection drops (so only an explicit kill ends it). Default: killed.
   */
  keepProcessOnClose?: () => boolean;
  /** Told of every process started (its pid is also its process group). */
  onSpawn?: (pid: number) => void;
}

/** A running exec session. */
export class ExecSession {
  private child?: ChildProcess;
  private finished = false;
  private readonly protocol: string;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly o: ExecSessionOptions) {
    this.protocol = o.socket.protocol || 'channel.k8s.io';
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Resolves when the session ended (status sent or socket closed). */
  get ended(): Promise<void> {
    return this.done;
  }

  /** Starts the process and wires the channels. */
  start(): void {
    const { socket, target, resolution } = this.o;
    socket.on('close', () => this.clientGone());
    socket.on('error', () => this.clientGone());
    // kubelet writes an empty frame on the lowest writable channel once the streams are up.
    this.send(this.o.stdout ? STDOUT : this.o.stderr ? STDERR : ERROR, Buffer.alloc(0));
    if (!resolution) {
      this.finish(internalErrorStatus(`container "${target.container}" of pod "${target.namespace}/${target.pod}" has no runtime in the lab`));
      return;
    }
    const lookupPath = resolution.lookupPath ?? resolution.env?.PATH ?? process.env.PATH ?? '';
    if (!resolution.skipCommandCheck && !executableExists(target.command[0]!, lookupPath)) {
      this.finish(internalErrorStatus(missingExecutableMessage(target.command[0]!)));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(resolution.argv[0]!, resolution.argv.slice(1), {
        env: { ...process.env, ...resolution.env },
        cwd: resolution.cwd,
        stdio: [this.o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        // Own process group, so closing the socket can kill everything the command started.
        detached: true,
      });
    } catch (err) {
      this.finish(internalErrorStatus(`failed to exec in container: ${(err as Error).message}`));
      return;
    }
    this.child = child;
    if (child.pid) this.o.onSpawn?.(child.pid);
    child.on('error', (err: NodeJS.ErrnoException) => {
      const msg = err.code === 'ENOENT' ? missingExecutableMessage(resolution.argv[0]!) : `failed to exec in container: ${err.message}`;
      this.finish(internalErrorStatus(msg));
    });
    child.stdin?.on('error', () => undefined);
    const pump = (stream: NodeJS.ReadableStream | null, channel: number) => {
      stream?.on('data', (chunk: Buffer) => {
        this.send(channel, chunk);
        if (socket.bufferedAmount > HIGH_WATER) {
          stream.pause();
          const wait = setInterval(() => {
            if (this.finished || socket.bufferedAmount <= HIGH_WATER) {
              clearInterval(wait);
              stream.resume();
            }
          }, 10);
        }
      });
    };
    pump(child.stdout, STDOUT);
    // With a TTY the terminal merges stderr into stdout.
    pump(child.stderr, this.o.tty ? STDOUT : STDERR);
    child.on('close', (code, signal) => {
      const exitCode = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
      this.finish(exitCode === 0 ? { metadata: {}, status: 'Success' } : nonZeroExitStatus(target.command, exitCode));
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(isBinary ? data : Buffer.from(data)));
  }

  /** The client's stream closed or failed: end the process, unless this kubelet keeps it. */
  private clientGone(): void {
    if (this.o.keepProcessOnClose?.() && this.child && this.child.exitCode === null && this.child.signalCode === null) {
      // Its output has nowhere to go; it runs on with its standard input open.
      this.child.stdout?.resume();
      this.child.stderr?.resume();
      if (!this.finished) {
        this.finished = true;
        this.resolveDone();
      }
      return;
    }
    this.terminate();
  }

  /** Kills the process (its whole group) and closes the socket without a status. */
  terminate(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null && this.child.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (!this.finished) {
      this.finished = true;
      if (this.o.socket.readyState === this.o.socket.OPEN) this.o.socket.terminate();
      this.resolveDone();
    }
  }

  private onMessage(data: Buffer): void {
    if (data.length === 0) return;
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === STDIN) {
      if (payload.length > 0 && this.child?.stdin?.writable) this.child.stdin.write(payload);
    } else if (channel === CLOSE && this.protocol === 'v5.channel.k8s.io') {
      if (payload[0] === STDIN) this.child?.stdin?.end();
    } else if (channel === RESIZE) {
      // Terminal resizes have no effect without a real TTY.
    }
  }

  private send(channel: number, data: Buffer): void {
    const socket = this.o.socket;
    if (socket.readyState !== socket.OPEN) return;
    socket.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  }

  /** Sends the final status (protocol-appropriate) and closes the socket normally. */
  private finish(status: ExecStatus): void {
    if (this.finished) return;
    this.finished = true;
    const v4plus = this.protocol === 'v4.channel.k8s.io' || this.protocol === 'v5.channel.k8s.io';
    if (v4plus) this.send(ERROR, Buffer.from(JSON.stringify(status)));
    // Before v4 the error channel carries the bare message, and nothing on success.
    else if (status.status === 'Failure') this.send(ERROR, Buffer.from(status.message));
    const socket = this.o.socket;
    if (socket.readyState === socket.OPEN) socket.close(1000);
    this.resolveDone();
  }
}
