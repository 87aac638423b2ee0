/**
 * Adapter between the lab lifecycle and the emulated Kubernetes API (`lab/kube-api/`): starts the
 * server in this process or as a detached daemon, and writes the kubeconfigs.
 */
import type { ManagedProcess } from './process/process-control.js';
import type { OvnClusterRuntime } from './ovn/ovn-runtime-types.js';
import type { Scenario } from './scenario/scenario-types.js';

/** A started API server. */
export interface LabApiServer {
  url: string;
  kubeconfigPath: string;
  restrictedKubeconfigPath: string;
  /** The daemon process (daemon mode only). */
  process?: ManagedProcess;
  /** Stops an in-process server (no-op for a daemon: it is stopped by pid with the rest). */
  stop(): Promise<void>;
}

/** What the API server needs to know about the lab. */
export interface LabApiContext {
  scenario: Scenario;
  cluster: OvnClusterRuntime;
  stateDir: string;
  runDir: string;
}

/** The API server is not available in this build. */
export class LabApiUnavailableError extends Error {
  readonly code = 'LAB_API_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'LabApiUnavailableError';
  }
}

/** Starts the lab's Kubernetes API in the requested mode. */
export async function startLabApiServer(mode: 'in-process' | 'daemon', _ctx: LabApiContext): Promise<LabApiServer> {
  throw new LabApiUnavailableError(`The lab's Kubernetes API (lab/kube-api) is not built yet; use apiServer: 'none' (asked for ${mode})`);
}
