/**
 * The lab's state directory: a lock file held while a lab runs and a JSON state file recording
 * every process (by pid), the run directory and the kubeconfig paths, so `lab down` can stop
 * exactly what `lab up` started, even from another process.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedProcess } from './process/process-control.js';
import { isOurProcess, isProcessAlive } from './process/process-control.js';
import type { NodeRuntime, ZoneRuntime } from './ovn/ovn-runtime-types.js';
import type { AntreaNodeRuntime } from './antrea/antrea-runtime-types.js';

/** Version of the state file layout. */
export const STATE_VERSION = 1;
export const STATE_FILE = 'lab-state.json';
export const LOCK_FILE = 'lab.lock';

/** Contents of `<stateDir>/lab-state.json`. */
export interface LabState {
  version: number;
  scenarioName: string;
  scenarioPath?: string;
  /** OVN layout, or `encap` for the Antrea flavour (geneve overlay). */
  mode: 'interconnect' | 'central' | 'encap';
  /** Data plane flavour (absent in older state files: ovn-kubernetes). */
  flavour?: 'ovn-kubernetes' | 'antrea';
  /** `starting` until `up` finished, then `running`. */
  status: 'starting' | 'running';
  createdAt: string;
  /** pid of the process that ran `up` (the owner while starting). */
  ownerPid: number;
  stateDir: string;
  /** Where sockets, databases and logs live (short path, may be outside stateDir). */
  runDir: string;
  processes: ManagedProcess[];
  zones: ZoneRuntime[];
  nodes: NodeRuntime[];
  /** Antrea flavour: per node OVS run dir, sockets, pod ports. */
  antreaNodes?: AntreaNodeRuntime[];
  apiServer?: { mode: 'in-process' | 'daemon'; url?: string; pid?: number };
  kubeconfigPath?: string;
  restrictedKubeconfigPath?: string;
}

/** A lab already runs in this state directory. */
export class LabAlreadyRunningError extends Error {
  readonly code = 'LAB_ALREADY_RUNNING';
  constructor(stateDir: string, detail: string) {
    super(`A lab is already running in ${stateDir} (${detail}). Stop it first with: npm run lab -- down --state-dir ${stateDir}`);
    this.name = 'LabAlreadyRunningError';
  }
}

/** No lab state where one was expected. */
export class LabNotFoundError extends Error {
  readonly code = 'LAB_NOT_FOUND';
  constructor(stateDir: string) {
    super(`No lab state in ${stateDir}; nothing is running there (start one with: npm run lab -- up)`);
    this.name = 'LabNotFoundError';
  }
}

/** Reads the state file, or undefined when there is none. */
export function readLabState(stateDir: string): LabState | undefined {
  const path = join(stateDir, STATE_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** Writes the state file atomically (write + rename), so a reader never sees half a file. */
export function writeLabState(state: LabState): void {
  const path = join(state.stateDir, STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

/** The recorded processes that still run. */
export function liveProcesses(state: LabState): ManagedProcess[] {
  return state.processes.filter((p) => isOurProcess(p));
}

/**
 * Takes the state directory's lock for a new lab. A stale lock (its owner gone and no recorded
 * process alive) is cleared; a live one raises {@link LabAlreadyRunningError}.
 */
export function acquireLabLock(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true });
  const lockPath = join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const state = readLabState(stateDir);
    const owner = Number(readFileSafe(lockPath).trim());
    const live = state ? liveProcesses(state) : [];
    const ownerAlive = Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner) && state?.status !== 'running';
    if (live.length > 0 || ownerAlive) {
      const what = live.length > 0 ? `${live.length} lab processes alive, e.g. ${live[0]!.name} pid ${live[0]!.pid}` : `lab up in progress, pid ${owner}`;
      throw new LabAlreadyRunningError(stateDir, what);
    }
    // Stale: a previous lab died without `down`. Its processes are gone, so start afresh.
    rmSync(lockPath, { force: true });
    rmSync(join(stateDir, STATE_FILE), { force: true });
  }
  throw new LabAlreadyRunningError(stateDir, 'could not take the lock');
}

/**
 * Files a lab writes into its state directory that mean nothing once it is stopped (logs stay for
 * post-mortems).
 */
const RUNTIME_FILES = ['kubeconfig', 'kubeconfig-restricted', 'kube-api-config.json', 'kube-api-endpoint.json', 'kube-api.url', 'kube-api.pid'];

/** Releases the lock and removes the state file, kubeconfigs and API server files. */
export function clearLabState(stateDir: string): void {
  for (const f of RUNTIME_FILES) rmSync(join(stateDir, f), { force: true });
  rmSync(join(stateDir, STATE_FILE), { force: true });
  rmSync(join(stateDir, LOCK_FILE), { force: true });
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
