/**
 * A throw-away Open vSwitch for tests: its own conf.db, ovsdb-server and
 * `ovs-vswitchd --enable-dummy=override` in a temp run dir (no kernel module, nothing under
 * /var/run). Both daemons are stopped by the pids they wrote, even when the test fails.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** One command's result (never throws on a non-zero exit). */
export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A running dummy OVS. */
export interface DummyOvs {
  dir: string;
  env: Record<string, string>;
  /** Runs an OVS tool (argv) against this OVS. */
  run(argv: readonly string[]): Promise<RunResult>;
  /** ovs-vsctl against this OVS's database; throws on failure. */
  vsctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

async function runIn(env: Record<string, string>, argv: readonly string[]): Promise<RunResult> {
  try {
    const r = await exec(argv[0], argv.slice(1), { env: { ...process.env, ...env }, timeout: 20_000, maxBuffer: 16 << 20 });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    if (typeof e.code !== 'number') throw err;
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', exitCode: e.code };
  }
}

function pidOf(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function stopPid(pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    await sleep(20);
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts ovsdb-server and a dummy-datapath ovs-vswitchd in a new temp dir. */
export async function startDummyOvs(): Promise<DummyOvs> {
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-dummy-ovs-'));
  const env = { OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  const db = join(dir, 'db.sock');
  const pids: Array<number | undefined> = [];
  const stop = async () => {
    for (const pid of pids.reverse()) await stopPid(pid);
    pids.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };
  const must = async (argv: string[]) => {
    const r = await runIn(env, argv);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited with ${r.exitCode}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  try {
    await must(['ovsdb-tool', 'create', join(dir, 'conf.db'), VSWITCH_SCHEMA]);
    await must(['ovsdb-server', '--detach', '--no-chdir', `--pidfile=${join(dir, 'ovsdb-server.pid')}`, `--log-file=${join(dir, 'ovsdb-server.log')}`, `--remote=punix:${db}`, join(dir, 'conf.db')]);
    pids.push(pidOf(join(dir, 'ovsdb-server.pid')));
    await must(['ovs-vsctl', `--db=unix:${db}`, '--no-wait', 'init']);
    await must(['ovs-vswitchd', '--enable-dummy=override', '--disable-system', '--detach', '--no-chdir', `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`, `--log-file=${join(dir, 'ovs-vswitchd.log')}`, `unix:${db}`]);
    pids.push(pidOf(join(dir, 'ovs-vswitchd.pid')));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dir,
    env,
    run: (argv) => runIn(env, argv),
    vsctl: (...args) => must(['ovs-vsctl', `--db=unix:${db}`, ...args]),
    stop,
  };
}
