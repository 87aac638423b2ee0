import { setMaxListeners } from 'node:events';
import { Observable, lastValueFrom, filter, map } from 'rxjs';
import type { DependencyContainer } from 'tsyringe';
import { CleanupTracker } from './cleanup-tracker.js';
import { DriverRegistry } from './driver-registry.js';
import type { ClusterContext, TraceContext, TraceDriver } from './driver.js';
import { TraceTimeoutError, toCniTraceError } from './errors.js';
import type { DriverEvent, FinishedEvent, LogLevel, TraceEvent } from './events.js';
import { KubeClient } from './kube/kube-client.js';
import { loadKubeConfig, type KubeConfigOptions } from './kube/kube-config-loader.js';
import type { BackendResult, Leg, ResolvedEndpoint, ServiceBackend, ServiceBackendsResult, ServiceRef, TracedBackend, TraceRequest, TraceResult } from './model.js';
import { backendLabel, combineBackendVerdicts, readyServiceBackends } from './service-backends.js';
import { TraceScope } from './trace-scope.js';
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

/**
 * How many backends of `allBackends` are traced at once: Antrea runs at most 15 Traceflows at a
 * time (one dataplane tag each), and every OVN backend run execs into the nodes.
 */
const BACKEND_CONCURRENCY = 8;

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
    const innerUnsubscribes: Array<() => void> = [];
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
      armDeadline();
      subscriber.next({ type: 'started', request, at: startedAt.toISOString() });
      validateTraceRequest(request);
      const registry = new DriverRegistry(options.container);
      const { driver, detection } = await Promise.race([registry.select(request.cni, cluster), deadlineHit]);
      phase = `running the ${driver.id} trace`;
      log(2, `using the ${driver.id} driver (${detection.reason})`);
      driver.validate?.(request);
      if (abort.signal.aborted) return;

      const context: TraceContext = {
        ...cluster,
        signal: abort.signal,
        logLevel: options.logLevel ?? 0,
        addCleanup: (fn) => cleanups.push(fn),
      };
      const subscribe = (req: TraceRequest, ctx: TraceContext, forward: (e: TraceEvent) => void) =>
        runDriver(driver, req, ctx, forward, (stop) => innerUnsubscribes.push(stop));
      const everyBackend = request.allBackends === true && request.destination.kind === 'service';
      // One driver run per backend, each listening on this signal with all its commands.
      if (everyBackend) setMaxListeners(0, abort.signal);
      const result = await Promise.race([
        everyBackend
          ? traceEveryBackend(request, context, cluster.kube(), subscribe, (e) => subscriber.next(e), options.scope)
          : traceOne(request, context, cluster.kube(), subscribe, (e) => subscriber.next(e)),
        deadlineHit,
      ]);
      if (deadline) clearTimeout(deadline);
      subscriber.next({
        type: 'finished',
        result: (({ native, backends, ...rest }) => ({
          request,
          cni: driver.id,
          ...rest,
          startedAt: startedAt.toISOString(),
          durationMs: Math.round(performance.now() - t0),
          ...(native ? { native } : {}),
          ...(backends ? { backends } : {}),
        }))(result),
      });
      subscriber.complete();
    };

    run().catch((err) => subscriber.error(toCniTraceError(err)));

    return () => {
      if (deadline) clearTimeout(deadline);
      abort.abort();
      for (const stop of innerUnsubscribes.splice(0)) stop();
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

/** What one driver run produced. */
interface DriverRun {
  legs: Leg[];
  warnings: string[];
  source?: ResolvedEndpoint;
  destination?: ResolvedEndpoint;
  decided?: Extract<DriverEvent, { type: 'verdict' }>;
  native?: TraceResult['native'];
  backend?: TracedBackend;
}

type Subscribe = (request: TraceRequest, context: TraceContext, forward: (e: TraceEvent) => void) => Promise<DriverRun>;

/** The result fields a run decides (the caller adds request, cni, times). */
type RunResult = Omit<TraceResult, 'request' | 'cni' | 'startedAt' | 'durationMs'>;

/** Runs the driver once, collecting what the result needs and passing the stream's events on. */
function runDriver(driver: TraceDriver, request: TraceRequest, context: TraceContext, forward: (e: TraceEvent) => void, onSubscribe: (stop: () => void) => void): Promise<DriverRun> {
  const run: DriverRun = { legs: [], warnings: [] };
  return new Promise<DriverRun>((resolve, reject) => {
    const sub = driver.trace(request, context).subscribe({
      next: (event) => {
        switch (event.type) {
          case 'verdict':
            run.decided = event;
            return;
          case 'native':
            run.native = event.native;
            return;
          case 'backend':
            run.backend = event.backend;
            return;
          case 'resolved':
            run.source = event.source ?? run.source;
            run.destination = event.destination ?? run.destination;
            break;
          case 'leg-finished':
            run.legs.push(event.leg);
            for (const w of event.leg.warnings ?? []) run.warnings.push(w);
            break;
          case 'log':
            if (event.warning) run.warnings.push(event.message);
            break;
        }
        forward(event);
      },
      error: reject,
      complete: () => resolve(run),
    });
    onSubscribe(() => sub.unsubscribe());
  });
}

/** The backend a single Service trace followed, completed from the EndpointSlices (port, pod, node). */
function completeBackend(traced: TracedBackend, ready: readonly ServiceBackend[] | undefined): TracedBackend {
  const listed = ready?.find((b) => b.ip === traced.ip);
  return { ...listed, ...traced, ...(traced.port === undefined && listed?.port !== undefined ? { port: listed.port } : {}) };
}

/** One trace: the driver's verdict, or its decisive legs combined; for a Service, which backend it followed. */
async function traceOne(request: TraceRequest, context: TraceContext, kube: KubeClient, subscribe: Subscribe, emit: (e: TraceEvent) => void): Promise<RunResult> {
  const dst = request.destination;
  // The ready endpoints, to say how many there were besides the one traced (best effort).
  const ready = dst.kind === 'service' && typeof request.options?.traceflow !== 'string' ? readyServiceBackends(kube, request).catch(() => undefined) : Promise.resolve(undefined);
  const run = await subscribe(request, context, emit);
  const combined = run.decided ?? combineLegVerdicts(run.legs);
  let backends: ServiceBackendsResult | undefined;
  if (dst.kind === 'service' && run.backend) {
    const listed = await ready;
    backends = {
      service: dst,
      mode: 'one',
      ...(listed ? { ready: listed.length } : {}),
      results: [{ ...completeBackend(run.backend, listed), verdict: combined.verdict, reason: combined.reason, ...(combined.drop ? { drop: combined.drop } : {}), legIds: run.legs.map((l) => l.id) }],
    };
  }
  return {
    verdict: combined.verdict,
    reason: combined.reason,
    ...(combined.drop ? { drop: combined.drop } : {}),
    ...(run.source ? { source: run.source } : {}),
    ...(run.destination ? { destination: run.destination } : {}),
    legs: run.legs,
    warnings: run.warnings,
    ...(run.native ? { native: run.native } : {}),
    ...(backends ? { backends } : {}),
  };
}

/**
 * Every ready backend of a Service, one driver run each with the backend pinned (`request.backend`),
 * concurrently (sharing a scope, so a driver sets each node up once) and streamed one backend after
 * the other. Legs are prefixed `backend-N/` and carry their backend; warnings name it.
 */
async function traceEveryBackend(request: TraceRequest, context: TraceContext, kube: KubeClient, subscribe: Subscribe, emit: (e: TraceEvent) => void, callerScope: TraceScope | undefined): Promise<RunResult> {
  const service = request.destination as ServiceRef;
  const backends = await readyServiceBackends(kube, request);
  if (backends.length === 0) {
    const none = combineBackendVerdicts([]);
    return { verdict: none.verdict, reason: `${none.reason} (service ${service.namespace}/${service.name})`, legs: [], warnings: [], backends: { service, mode: 'all', ready: 0, results: [] } };
  }
  context.log(2, `tracing each of the ${backends.length} ready endpoints of service ${service.namespace}/${service.name}: ${backends.map(backendLabel).join(', ')}`);
  const scope = callerScope ?? context.scope ?? new TraceScope();
  const ownScope = !callerScope && !context.scope;
  const sub: TraceContext = { ...context, scope };
  // Streamed in backend order: a backend's events wait until the ones before it have finished.
  const buffers = backends.map((): TraceEvent[] => []);
  const finished = backends.map(() => false);
  let current = 0;
  const out = (i: number, e: TraceEvent) => (i === current ? emit(e) : buffers[i]!.push(e));
  const done = (i: number) => {
    finished[i] = true;
    while (current < backends.length && finished[current]) {
      current++;
      if (current < backends.length) for (const e of buffers[current]!.splice(0)) emit(e);
    }
  };
  try {
    let running = 0;
    const waiting: Array<() => void> = [];
    const runs = await Promise.all(
      backends.map(async (backend, i) => {
        if (running >= BACKEND_CONCURRENCY) await new Promise<void>((go) => waiting.push(go));
        running++;
        const label = backendLabel(backend);
        const prefix = `backend-${i + 1}/`;
        const { allBackends: _all, ...single } = request;
        const forward = (e: TraceEvent) => {
          switch (e.type) {
            case 'leg-started':
            case 'observation':
              return out(i, { ...e, legId: prefix + e.legId });
            case 'leg-finished':
              return out(i, { ...e, leg: { ...e.leg, id: prefix + e.leg.id, backend: label } });
            case 'resolved':
              // The source once; the destination is the Service (each backend has its result).
              return i === 0 ? out(i, { ...e, destination: { ref: service, detail: { backends: backends.map(backendLabel) } } }) : undefined;
            case 'log':
              return out(i, { ...e, message: `${label}: ${e.message}` });
            default:
              return out(i, e);
          }
        };
        try {
          const run = await subscribe({ ...single, backend: backend }, sub, forward);
          return { backend, run };
        } catch (err) {
          if (context.signal.aborted) throw err;
          const e = toCniTraceError(err);
          out(i, { type: 'log', level: 0, message: `${label}: the trace failed: ${e.message}`, warning: true });
          return { backend, error: e };
        } finally {
          running--;
          waiting.shift()?.();
          done(i);
        }
      }),
    );
    const legs: Leg[] = [];
    const warnings: string[] = [];
    const results: BackendResult[] = runs.map(({ backend, run, error }, i) => {
      const prefix = `backend-${i + 1}/`;
      const label = backendLabel(backend);
      if (!run) {
        warnings.push(`${label}: the trace failed: ${error?.message}`);
        return { ...backend, method: 'backend-as-destination', why: 'a ready endpoint of the Service (--all-backends)', verdict: 'error', reason: error?.message ?? 'failed', legIds: [] };
      }
      const ids = run.legs.map((l) => prefix + l.id);
      legs.push(...run.legs.map((l) => ({ ...l, id: prefix + l.id, backend: label })));
      warnings.push(...run.warnings.map((w) => `${label}: ${w}`));
      const combined = run.decided ?? combineLegVerdicts(run.legs);
      const traced = run.backend ? completeBackend(run.backend, backends) : { ...backend, method: 'backend-as-destination' as const, why: 'a ready endpoint of the Service (--all-backends)' };
      return { ...traced, verdict: combined.verdict, reason: combined.reason, ...(combined.drop ? { drop: combined.drop } : {}), legIds: ids };
    });
    const overall = combineBackendVerdicts(results);
    const first = runs.find((r) => r.run)?.run;
    return {
      verdict: overall.verdict,
      reason: overall.reason,
      ...(overall.drop ? { drop: overall.drop } : {}),
      ...(first?.source ? { source: first.source } : {}),
      destination: { ref: service, ...(first?.destination?.detail?.clusterIp ? { ip: String(first.destination.detail.clusterIp) } : {}) },
      legs,
      warnings,
      ...(first?.native ? { native: first.native } : {}),
      backends: { service, mode: 'all', ready: backends.length, results },
    };
  } finally {
    if (ownScope) await scope.close();
  }
}
