import { Observable, lastValueFrom, filter, map } from 'rxjs';
import type { DependencyContainer } from 'tsyringe';
import { CleanupTracker } from './cleanup-tracker.js';
import { DriverRegistry } from './driver-registry.js';
import type { ClusterContext, TraceContext } from './driver.js';
import { TraceTimeoutError, toCniTraceError } from './errors.js';
import type { DriverEvent, FinishedEvent, LogLevel, TraceEvent } from './events.js';
import { KubeClient } from './kube/kube-client.js';
import { loadKubeConfig, type KubeConfigOptions } from './kube/kube-config-loader.js';
import type { Leg, ResolvedEndpoint, TraceRequest, TraceResult } from './model.js';
import type { TraceScope } from './trace-scope.js';
import { validateTraceRequest } from './validate-request.js';
import { combineLegVerdicts } from './verdict.js';

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Container holding the registered drivers (default: tsyringe's root container). */
  container?: DependencyContainer;
  /** A ready client, or where to load one from (default: kubectl's rules). Loaded on first use. */
  kube?: KubeClient | KubeConfigOptions;
  /** Log level the caller will render (drivers may skip costly detail below 2). Default 0. */
  logLevel?: LogLevel;
  /** Receives clean-up work started when the trace ends, so a process can wait for it. */
  cleanup?: CleanupTracker;
  /** Values shared with the other traces of a batch (see {@link traceAll}); the caller closes it. */
  scope?: TraceScope;
  /**
   * When the trace must have ended (`performance.now()` time), for a caller whose own deadline
   * covers work before the trace (the CLI's look-ups). Default: the request's timeout plus a
   * grace, counted from subscription (so detection and resolution are inside it).
   */
  deadlineAt?: number;
}

/** Grace added to the request timeout for the core's own deadline, so drivers report theirs first. */
const DEADLINE_GRACE_MS = 15_000;

/**
 * Traces a packet. Returns a cold stream: nothing happens until subscription; each subscription
 * runs one trace. Events: `started`, `resolved`, `leg-started`, `observation`, `leg-finished`,
 * `log`, and finally `finished` with the full result. Unsubscribing cancels all in-flight work
 * (processes killed, execs closed, resources the trace created deleted).
 */
export function trace(request: TraceRequest, options: TraceOptions = {}): Observable<TraceEvent> {
  return new Observable<TraceEvent>((subscriber) => {
    const abort = new AbortController();
    const cleanups: Array<() => Promise<void>> = [];
    const tracker = options.cleanup ?? new CleanupTracker();
    const startedAt = new Date();
    const t0 = performance.now();
    let kube: KubeClient | undefined = options.kube instanceof KubeClient ? options.kube : undefined;
    let innerUnsubscribe: (() => void) | undefined;
    let deadline: NodeJS.Timeout | undefined;
    /** What the trace is doing, so a deadline can say what did not finish. */
    let phase = 'detecting the CNI';
    // A client the trace loads itself is closed once its clean-up is done, so none of its
    // connections keeps the process alive.
    const ownKube = !(options.kube instanceof KubeClient);

    const log = (level: LogLevel, message: string) => subscriber.next({ type: 'log', level, message });
    const cluster: ClusterContext = {
      kube: () => (kube ??= new KubeClient(loadKubeConfig(options.kube instanceof KubeClient ? {} : options.kube))),
      log,
      ...(options.scope ? { scope: options.scope } : {}),
    };

    // One deadline from subscription: detection, the driver's look-ups and the trace itself.
    let rejectDeadline: (err: Error) => void = () => undefined;
    const deadlineHit = new Promise<never>((_, reject) => (rejectDeadline = reject));
    deadlineHit.catch(() => undefined);
    const until = options.deadlineAt ?? t0 + request.timeoutSeconds * 1000 + DEADLINE_GRACE_MS;
    const armDeadline = () => {
      deadline = setTimeout(() => {
        abort.abort();
        rejectDeadline(new TraceTimeoutError(`the trace (${phase})`, Math.round((until - t0) / 1000)));
      }, Math.max(0, until - performance.now()));
    };

    const run = async () => {
      subscriber.next({ type: 'started', request, at: startedAt.toISOString() });
      validateTraceRequest(request);
      armDeadline();
      const registry = new DriverRegistry(options.container);
      const { driver, detection } = await Promise.race([registry.select(request.cni, cluster), deadlineHit]);
      log(2, `using the ${driver.id} driver (${detection.reason})`);
      driver.validate?.(request);
      if (abort.signal.aborted) return;
      phase = `running the ${driver.id} trace`;

      const context: TraceContext = {
        ...cluster,
        signal: abort.signal,
        logLevel: options.logLevel ?? 0,
        addCleanup: (fn) => cleanups.push(fn),
      };
      const legs: Leg[] = [];
      const warnings: string[] = [];
      let source: ResolvedEndpoint | undefined;
      let destination: ResolvedEndpoint | undefined;
      let decided: Extract<DriverEvent, { type: 'verdict' }> | undefined;
      let native: TraceResult['native'];

      await new Promise<void>((resolve, reject) => {
        deadlineHit.catch(reject);
        const sub = driver.trace(request, context).subscribe({
          next: (event) => {
            switch (event.type) {
              case 'verdict':
                decided = event;
                return;
              case 'native':
                native = event.native;
                return;
              case 'resolved':
                source = event.source ?? source;
                destination = event.destination ?? destination;
                break;
              case 'leg-finished':
                legs.push(event.leg);
                for (const w of event.leg.warnings ?? []) warnings.push(w);
                break;
              case 'log':
                if (event.warning) warnings.push(event.message);
                break;
            }
            subscriber.next(event);
          },
          error: reject,
          complete: resolve,
        });
        innerUnsubscribe = () => sub.unsubscribe();
      });

      const combined = decided ?? combineLegVerdicts(legs);
      const result: TraceResult = {
        request,
        cni: driver.id,
        verdict: combined.verdict,
        reason: combined.reason,
        ...(combined.drop ? { drop: combined.drop } : {}),
        ...(source ? { source } : {}),
        ...(destination ? { destination } : {}),
        legs,
        warnings,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - t0),
        ...(native ? { native } : {}),
      };
      if (deadline) clearTimeout(deadline);
      subscriber.next({ type: 'finished', result });
      subscriber.complete();
    };

    run().catch((err) => subscriber.error(toCniTraceError(err)));

    return () => {
      if (deadline) clearTimeout(deadline);
      abort.abort();
      innerUnsubscribe?.();
      const work = cleanups.splice(0).map((fn) => fn());
      for (const w of work) tracker.track(w);
      if (ownKube && kube) {
        const own = kube;
        tracker.track(Promise.allSettled(work).then(() => own.close()));
      }
    };
  });
}

/** Runs a trace and resolves with its final result (the promise helper). */
export function traceToResult(request: TraceRequest, options: TraceOptions = {}): Promise<TraceResult> {
  return lastValueFrom(
    trace(request, options).pipe(
      filter((e): e is FinishedEvent => e.type === 'finished'),
      map((e) => e.result),
    ),
  );
}
