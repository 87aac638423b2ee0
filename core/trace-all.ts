/**
 * Many traces at once, for embedders that check a whole set of paths (every pod pair of an
 * application, a policy change's blast radius): bounded concurrency, one Kubernetes client for
 * all of them, results in request order.
 */
import { CniTraceError, toCniTraceError } from './errors.js';
import { KubeClient } from './kube/kube-client.js';
import { loadKubeConfig } from './kube/kube-config-loader.js';
import type { TraceRequest, TraceResult } from './model.js';
import { TraceScope } from './trace-scope.js';
import { traceToResult, type TraceOptions } from './tracer.js';

/** Options of {@link traceAll}. */
export interface TraceAllOptions extends TraceOptions {
  /** How many traces run at the same time (default 4). */
  concurrency?: number;
}

/** The outcome of one trace of a batch: its result, or why it could not run. */
export type TraceOutcome = { request: TraceRequest; result: TraceResult; error?: undefined } | { request: TraceRequest; result?: undefined; error: CniTraceError };

/** Default number of traces in flight. */
export const DEFAULT_TRACE_CONCURRENCY = 4;

/**
 * Runs every request with at most `concurrency` traces in flight and resolves, once all have
 * settled, with one outcome per request in request order (a failed trace does not stop the
 * others). The traces share one Kubernetes client (the kubeconfig is loaded once) and a
 * {@link TraceScope}, through which drivers share per-batch work — the OVN driver probes each
 * node and starts its ovn-detrace once for the whole batch. The batch sees the cluster as it
 * was when a node was first looked at: for a long-running watch, call traceAll again.
 */
export async function traceAll(requests: readonly TraceRequest[], options: TraceAllOptions = {}): Promise<TraceOutcome[]> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_TRACE_CONCURRENCY));
  const kube = options.kube instanceof KubeClient ? options.kube : requests.length > 0 ? new KubeClient(loadKubeConfig(options.kube)) : undefined;
  const scope = options.scope ?? new TraceScope();
  const outcomes: TraceOutcome[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      const request = requests[i]!;
      try {
        outcomes[i] = { request, result: await traceToResult(request, { ...options, scope, ...(kube ? { kube } : {}) }) };
      } catch (err) {
        outcomes[i] = { request, error: toCniTraceError(err) };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  } finally {
    // A scope the caller passed in is theirs to close.
    if (!options.scope) await scope.close();
    // A client the batch loaded itself is closed, so no connection of it keeps the process alive.
    if (kube && !(options.kube instanceof KubeClient)) kube.close();
  }
  return outcomes;
}
