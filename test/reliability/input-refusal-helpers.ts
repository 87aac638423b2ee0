/**
 * Shared by the input-refusal suites: a lab whose API server runs as a daemon that logs every
 * request (`<time> <user> <METHOD> <path> <verb> <status>`, lab/kube-api/serve.ts), the real CLI
 * run as a child process, and the requests one CLI run made, read from that log.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { Lab } from '../../lab/lab.js';
import { repoRoot } from '../helpers/paths.js';

/** One API request of the log. */
export interface LoggedRequest {
  user: string;
  method: string;
  path: string;
  verb: string;
  status: number;
}

/** A lab with its API server as a logging daemon. */
export interface LoggingLab {
  lab: Lab;
  kubeconfig: string;
  logFile: string;
}

/** Starts a lab (daemon API server) in a private state dir. Pair with {@link stopLoggingLab}. */
export async function startLoggingLab(scenario: string): Promise<LoggingLab> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cni-trace-input-'));
  try {
    const lab = await Lab.up(join(repoRoot, scenario), { stateDir, apiServer: 'daemon', handleSignals: false });
    return { lab, kubeconfig: lab.kubeconfigPath!, logFile: join(stateDir, 'kube-api.log') };
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops the lab (every process by pid) and removes its state dir. */
export async function stopLoggingLab(l: LoggingLab | undefined): Promise<void> {
  if (!l) return;
  await l.lab.down();
  rmSync(l.lab.stateDir, { recursive: true, force: true });
}

function parseLog(text: string): LoggedRequest[] {
  const out: LoggedRequest[] = [];
  for (const line of text.split('\n')) {
    // `<iso> <user> <METHOD> <path> <verb> <status>`; the verb may be empty (two spaces).
    const m = /^\S+ (\S+) ([A-Z]+) (\S+) (\S*) (\d+)$/.exec(line);
    if (m) out.push({ user: m[1]!, method: m[2]!, path: m[3]!, verb: m[4]!, status: Number(m[5]) });
  }
  return out;
}

/** What one CLI run printed, its exit code, and the API requests made while it ran. */
export interface CliProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  requests: LoggedRequest[];
}

/** Runs `bin/cni-trace.js --kubeconfig <lab> ...args` as a child process (killed by pid after 60 s). */
/**
 * Waits until the log stops growing (100 ms without a new line): the daemon writes a record once
 * it has answered, so a request the test itself just made (a PATCH that sets up a case) may land
 * a moment after its response.
 */
async function settledLogSize(logFile: string): Promise<number> {
  let size = statSync(logFile).size;
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = statSync(logFile).size;
    if (now === size) return size;
    size = now;
  }
  return size;
}

export async function runCliProcess(l: LoggingLab, args: string[]): Promise<CliProcessRun> {
  const offset = await settledLogSize(l.logFile);
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'cni-trace.js'), '--kubeconfig', l.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(guard);
  // The daemon writes its record once it has answered; let the last line land.
  const end = await settledLogSize(l.logFile);
  const requests = parseLog(readFileSync(l.logFile).subarray(offset, end).toString('utf8'));
  return { code, stdout, stderr, requests };
}

/** Whether a request changes the cluster or runs something on a node. */
export function isWriteOrExec(r: LoggedRequest): boolean {
  return ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) || /\/(exec|attach|portforward)$/.test(r.path) || ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(r.verb);
}

/** Tally of a suite, printed at the end so the counts are in the test log. */
export class RefusalTally {
  cases = 0;
  requests = 0;
  writesOrExecs = 0;

  constructor(private readonly name: string) {}

  /** Asserts that the run was refused with `exit`, naming `fragment`, before any write or exec. */
  refused(run: CliProcessRun, exit: number, fragment: RegExp, what: string): void {
    this.cases++;
    this.requests += run.requests.length;
    const bad = run.requests.filter(isWriteOrExec);
    this.writesOrExecs += bad.length;
    assert.is(run.code, exit, `${what}: exit ${run.code}, stderr: ${run.stderr}`);
    assert.match(run.stderr, fragment, `${what}: ${run.stderr}`);
    assert.not.match(run.stderr, /internal error/, what);
    assert.equal(bad, [], `${what}: requests that write or exec were made: ${JSON.stringify(bad)}`);
    assert.is(run.stdout, '', `${what}: nothing on stdout`);
  }

  /** One line with the counts. */
  report(): string {
    return `${this.name}: ${this.cases} bad inputs refused, ${this.requests} API reads made before refusing, ${this.writesOrExecs} writes or execs`;
  }
}
