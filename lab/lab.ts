/**
 * The lab: a real multi-node OVN/OVS cluster on this machine behind an emulated Kubernetes API.
 * `Lab.up` loads and validates a scenario, starts every node's OVS/OVN, starts the API server and
 * records everything in a state directory; `lab.down()` / `Lab.down(stateDir)` stop it by pid.
 */
import type { KubeApiServer } from './kube-api/kube-api-server.js';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLabApiServer, type LabApiServer } from './lab-api-server.js';
import { chooseRunDir, defaultStateDir } from './lab-paths.js';
import { acquireLabLock, clearLabState, LabNotFoundError, liveProcesses, readLabState, writeLabState, type LabState } from './lab-state.js';
import { startOvnCluster } from './ovn/ovn-cluster.js';
import type { NodeRuntime, OvnClusterRuntime, ZoneRuntime } from './ovn/ovn-runtime-types.js';
import { createNodeExecResolver, nodeExecEnvironment, type NodeExecCommand } from './ovn/node-exec-environment.js';
import { planOvnCluster } from './ovn/topology-plan.js';
import { stopProcesses, type ManagedProcess } from './process/process-control.js';
import type { ExecResolver } from './kube-api/exec-resolver.js';
import { loadScenario } from './scenario/scenario-loader.js';
import type { LabFlavour, Scenario } from './scenario/scenario-types.js';
import { startAntreaCluster } from './antrea/antrea-cluster.js';
import { antreaNodeExec, createAntreaExecResolver } from './antrea/antrea-exec-environment.js';
import type { AntreaClusterRuntime, AntreaNodeRuntime } from './antrea/antrea-runtime-types.js';
import { planAntreaCluster } from './antrea/pipeline-plan.js';

/** How the emulated Kubernetes API runs. */
export type ApiServerMode = 'in-process' | 'daemon' | 'none';

/** Options for {@link Lab.up}. */
export interface LabUpOptions {
  /** State directory (default `$CNI_TRACE_LAB_DIR/<name>` or `<repo>/.lab/<name>`). */
  stateDir?: string;
  /**
   * `in-process` (tests: the server lives in this process and stops with `down()`), `daemon`
   * (CLI: a detached process with a pid file, so `lab up` can return) or `none` (OVN only).
   * Default `in-process`.
   */
  apiServer?: ApiServerMode;
  /** Time allowed for ports to bind and flows to install (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * Stop what was started when SIGINT/SIGTERM arrives during `up` (default true). The handlers
   * are removed once `up` returns.
   */
  handleSignals?: boolean;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
}

/** The flavour asked for is not built by the lab. */
export class LabUnsupportedError extends Error {
  readonly code = 'LAB_UNSUPPORTED';
  constructor(message: string) {
    super(message);
    this.name = 'LabUnsupportedError';
  }
}

/** Some lab processes survived `down`. */
export class LabStopError extends Error {
  readonly code = 'LAB_STOP_FAILED';
  readonly remaining: ManagedProcess[];
  constructor(remaining: ManagedProcess[]) {
    super(`Could not stop ${remaining.length} lab processes: ${remaining.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}; stop them with kill -9 <pid>`);
    this.name = 'LabStopError';
    this.remaining = remaining;
  }
}

/** A running lab. */
export class Lab {
  readonly scenario: Scenario;
  readonly stateDir: string;
  readonly runDir: string;
  /** OVN layout, or `encap` for the Antrea flavour. */
  readonly mode: 'interconnect' | 'central' | 'encap';
  readonly flavour: LabFlavour;
  readonly zones: ZoneRuntime[];
  /** OVN flavour, per node: name, zone, run dirs, NB/SB/OVS sockets, ports with ofports, pids (empty for Antrea). */
  readonly nodes: NodeRuntime[];
  /** Antrea flavour, per node: OVS run dir and sockets, gateway, pod ports with ofports, pids (empty for OVN). */
  readonly antreaNodes: AntreaNodeRuntime[];
  /** Every process started (OVN/OVS daemons, and the API server daemon in daemon mode). */
  readonly processes: ManagedProcess[];
  /** Admin kubeconfig (undefined with `apiServer: 'none'`). */
  readonly kubeconfigPath: string | undefined;
  /** Kubeconfig of the `restricted` user (denied what `restrictedUserDenies` lists). */
  readonly restrictedKubeconfigPath: string | undefined;
  /** API server URL (undefined with `apiServer: 'none'`). */
  readonly apiServerUrl: string | undefined;
  private readonly api: LabApiServer | undefined;
  private stopped = false;

  /**
   * The in-process API server (undefined in daemon mode): its store, its exec processes
   * (`execProcesses()`), and `execStreamCloseKeepsProcess`.
   */
  get kubeApi(): KubeApiServer | undefined {
    return this.api?.server;
  }

  private constructor(init: { scenario: Scenario; stateDir: string; cluster?: OvnClusterRuntime; antrea?: AntreaClusterRuntime; api?: LabApiServer }) {
    this.scenario = init.scenario;
    this.stateDir = init.stateDir;
    this.flavour = init.antrea ? 'antrea' : 'ovn-kubernetes';
    this.runDir = init.cluster?.runDir ?? init.antrea!.runDir;
    this.mode = init.cluster?.mode ?? 'encap';
    this.zones = init.cluster?.zones ?? [];
    this.nodes = init.cluster?.nodes ?? [];
    this.antreaNodes = init.antrea?.nodes ?? [];
    this.api = init.api;
    this.processes = [...(init.cluster?.processes ?? init.antrea?.processes ?? []), ...(init.api?.process ? [init.api.process] : [])];
    this.kubeconfigPath = init.api?.kubeconfigPath;
    this.restrictedKubeconfigPath = init.api?.restrictedKubeconfigPath;
    this.apiServerUrl = init.api?.url;
  }

  /**
   * Starts a lab. The scenario (a YAML path or an object) is validated before anything starts;
   * on any failure, or SIGINT/SIGTERM, everything already started is stopped again.
   */
  static async up(scenarioPathOrObject: string | Scenario, options: LabUpOptions = {}): Promise<Lab> {
    const scenario = loadScenario(scenarioPathOrObject);
    const flavour = scenario.flavour ?? 'ovn-kubernetes';
    if (flavour !== 'ovn-kubernetes' && flavour !== 'antrea') {
      throw new LabUnsupportedError(`The lab builds the ovn-kubernetes and antrea flavours; scenario "${scenario.name}" asks for ${String(flavour)}`);
    }
    const log = options.log ?? (() => {});
    const stateDir = resolve(options.stateDir ?? defaultStateDir(scenario.name));
    const runDir = chooseRunDir(stateDir);
    // Plans are pure: a scenario the planner cannot realise fails before anything starts.
    const plan = flavour === 'ovn-kubernetes' ? planOvnCluster(scenario) : undefined;
    const antreaPlan = flavour === 'antrea' ? planAntreaCluster(scenario) : undefined;
    acquireLabLock(stateDir);

    const state: LabState = {
      version: 1,
      scenarioName: scenario.name,
      scenarioPath: typeof scenarioPathOrObject === 'string' ? resolve(scenarioPathOrObject) : undefined,
      mode: plan?.mode ?? 'encap',
      flavour,
      status: 'starting',
      createdAt: new Date().toISOString(),
      ownerPid: process.pid,
      stateDir,
      runDir,
      processes: [],
      zones: [],
      nodes: [],
    };
    writeLabState(state);
    const abort = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`lab up interrupted by ${sig}`));
    const handle = options.handleSignals !== false;
    if (handle) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    let api: LabApiServer | undefined;
    try {
      const onProcess = (p: ManagedProcess): void => {
        state.processes.push(p);
        writeLabState(state);
      };
      let cluster: OvnClusterRuntime | undefined;
      let antrea: AntreaClusterRuntime | undefined;
      if (plan) {
        log(`starting OVN (${plan.mode}) for ${plan.nodes.length} nodes in ${runDir}`);
        cluster = await startOvnCluster(plan, runDir, { readyTimeoutMs: options.readyTimeoutMs, signal: abort.signal, onProcess });
        state.zones = cluster.zones;
        state.nodes = cluster.nodes;
      } else {
        log(`starting Antrea OVS (encap) for ${antreaPlan!.nodes.length} nodes in ${runDir}`);
        antrea = await startAntreaCluster(antreaPlan!, runDir, { signal: abort.signal, onProcess });
        state.antreaNodes = antrea.nodes;
      }
      writeLabState(state);
      if (abort.signal.aborted) throw abort.signal.reason;
      const apiMode = options.apiServer ?? 'in-process';
      if (apiMode !== 'none') {
        log(`starting the Kubernetes API (${apiMode})`);
        api = await startLabApiServer(apiMode, { scenario, cluster, antrea, stateDir, runDir });
        if (api.process) state.processes.push(api.process);
        state.apiServer = { mode: apiMode, url: api.url, pid: api.process?.pid };
        state.kubeconfigPath = api.kubeconfigPath;
        state.restrictedKubeconfigPath = api.restrictedKubeconfigPath;
      }
      if (abort.signal.aborted) throw abort.signal.reason;
      state.status = 'running';
      writeLabState(state);
      return new Lab({ scenario, stateDir, cluster, antrea, api });
    } catch (err) {
      log(`start failed, stopping ${state.processes.length} processes`);
      await api?.stop().catch(() => {});
      const left = await stopProcesses(state.processes);
      if (left.length === 0) {
        clearLabState(stateDir);
        rmSync(runDir, { recursive: true, force: true });
      }
      throw err;
    } finally {
      if (handle) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
  }

  /**
   * Stops the lab recorded in `stateDir` (from any process): every recorded pid, then removes
   * the state and run directories. Throws {@link LabNotFoundError} when nothing is recorded.
   */
  static async down(stateDir: string): Promise<{ stopped: number }> {
    const dir = resolve(stateDir);
    const state = readLabState(dir);
    if (!state) throw new LabNotFoundError(dir);
    const live = liveProcesses(state);
    const left = await stopProcesses(state.processes);
    if (left.length > 0) throw new LabStopError(left);
    clearLabState(dir);
    rmSync(state.runDir, { recursive: true, force: true });
    return { stopped: live.length };
  }

  /** The recorded state of a lab and which of its processes still run. */
  static status(stateDir: string): { state: LabState; live: ManagedProcess[] } | undefined {
    const state = readLabState(resolve(stateDir));
    return state ? { state, live: liveProcesses(state) } : undefined;
  }

  /** Stops this lab: the in-process API server, then every recorded process. */
  async down(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.api?.stop();
    await Lab.down(this.stateDir);
  }

  /** A node's runtime by name. */
  node(name: string): NodeRuntime {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`lab has no node "${name}" (nodes: ${this.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** An Antrea node's runtime by name. */
  antreaNode(name: string): AntreaNodeRuntime {
    const n = this.antreaNodes.find((x) => x.name === name);
    if (!n) throw new Error(`lab has no Antrea node "${name}" (nodes: ${this.antreaNodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /**
   * Command that runs `argv` inside node `name`'s CNI pod view: ovnkube-node (see
   * node-exec-environment) or antrea-agent (see antrea-exec-environment).
   */
  nodeExec(name: string, argv: string[]): NodeExecCommand {
    if (this.flavour === 'antrea') return antreaNodeExec(this.antreaNode(name), argv);
    return nodeExecEnvironment(this.node(name), argv);
  }

  /** Exec resolver mapping the CNI's per-node pods (ovnkube-node / antrea-agent) to the node views. */
  execResolver(): ExecResolver {
    return this.flavour === 'antrea' ? createAntreaExecResolver(this.antreaNodes) : createNodeExecResolver(this.nodes);
  }

  /** Path of the state file. */
  get stateFile(): string {
    return join(this.stateDir, 'lab-state.json');
  }
}
