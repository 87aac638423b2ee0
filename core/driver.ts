import type { InjectionToken } from 'tsyringe';
import type { Observable } from 'rxjs';
import type { DriverEvent, LogLevel } from './events.js';
import type { KubeClient } from './kube/kube-client.js';
import type { TraceRequest } from './model.js';
import type { TraceScope } from './trace-scope.js';

/**
 * tsyringe token under which drivers are registered (multi-registration). Register with
 * `container.register(TRACE_DRIVER, { useClass: MyDriver })` or `{ useValue: new MyDriver() }`.
 */
export const TRACE_DRIVER: InjectionToken<TraceDriver> = 'cni-trace:TraceDriver';

/** A driver's answer to "does this cluster run your CNI?". */
export interface DriverDetection {
  applies: boolean;
  /** Why, in words (e.g. `found 2 pods labelled app=ovnkube-node in ovn-kubernetes`). */
  reason: string;
}

/** What a driver may use while detecting. */
export interface ClusterContext {
  /** The Kubernetes client (loaded on first use; throws KubeconfigError when there is none). */
  kube(): KubeClient;
  /** Logs a line at a level (0 summary, 2 detail, 5 debug). */
  log(level: LogLevel, message: string): void;
  /**
   * Present when the trace runs in a batch ({@link traceAll}): values shared by the batch's
   * traces (discovery, long-lived tool processes). Absent for a single trace.
   */
  readonly scope?: TraceScope;
}

/** What a driver may use while tracing. */
export interface TraceContext extends ClusterContext {
  /** Aborted when the subscriber unsubscribes or the trace times out. */
  readonly signal: AbortSignal;
  /** The log level the user asked for; drivers may skip costly detail below 2. */
  readonly logLevel: LogLevel;
  /**
   * Registers asynchronous clean-up (e.g. deleting a resource the trace created). It runs when
   * the trace completes, fails or is unsubscribed; the CLI waits for it before exiting.
   */
  addCleanup(cleanup: () => Promise<void>): void;
}

/**
 * A CNI driver: a named unit with a small contract. Drivers never import each other; the core
 * never imports a driver.
 */
export interface TraceDriver {
  /** Stable id, used by `--cni` (e.g. `ovn-kubernetes`, `antrea`). */
  readonly id: string;
  /** Other names accepted by `--cni` (e.g. `ovn`). */
  readonly aliases?: readonly string[];
  /** One-line description for help and logs. */
  readonly description: string;
  /** Says whether this cluster runs the driver's CNI, and why. */
  detect(cluster: ClusterContext): Promise<DriverDetection>;
  /**
   * Driver-specific checks of a request, run before anything touches the cluster. Throws
   * InvalidArgumentError naming the argument.
   */
  validate?(request: TraceRequest): void;
  /** Runs the trace; a cold stream of driver events that completes when the trace is done. */
  trace(request: TraceRequest, context: TraceContext): Observable<DriverEvent>;
}
