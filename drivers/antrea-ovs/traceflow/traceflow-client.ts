/**
 * Traceflow API access: which version the cluster serves, create / get / delete, and following
 * one Traceflow through a watch (re-watched when dropped or expired, GET-polled when watching is
 * forbidden). Errors become cni-trace errors naming the permission or Antrea's own message.
 */
import { ApiException, ApisApi, Watch } from '@kubernetes/client-node';
import { CniTraceError, ForbiddenError } from '../../../core/errors.js';
import { ExponentialBackoff, type BackoffOptions } from '../../../core/kube/backoff.js';
import { translateApiError, type KubeClient } from '../../../core/kube/kube-client.js';
import { formatMs } from '../../../core/kube/request-timeout.js';
import { ANTREA_CRD_GROUP, TRACEFLOW_PLURAL, TRACEFLOW_RESOURCE, TRACEFLOW_VERSIONS, type Traceflow, type TraceflowVersion } from './traceflow-types.js';

/** The API server or Antrea's webhook refused the Traceflow: bad input, exit 2, Antrea's words. */
export class TraceflowRejectedError extends CniTraceError {
  constructor(message: string) {
    super('TRACEFLOW_REJECTED', `the Traceflow was rejected: ${message}`, 2);
  }
}

/** The cluster does not serve Traceflows (no Antrea, or the Traceflow feature is off). */
export class TraceflowUnavailableError extends CniTraceError {
  constructor(message: string) {
    super('TRACEFLOW_UNAVAILABLE', message, 3);
  }
}

/** How one followed Traceflow ended. */
export type FollowEnd = 'finished' | 'deleted' | 'aborted';

/** Options of {@link TraceflowClient.follow}. */
export interface FollowOptions {
  name: string;
  /** Start after this version (the create response's), so no change is missed. */
  resourceVersion?: string;
  signal: AbortSignal;
  /** Called with every new state; return true to stop following. */
  onUpdate: (tf: Traceflow) => boolean;
  log: (level: number, message: string) => void;
  /** Interval of the GET fallback. Default 1 s (antctl's). */
  pollIntervalMs?: number;
  /**
   * A watch that brings no event (not even a bookmark) for this long is taken as dead: the
   * connection may be half-open, or the server holds it without sending. Default 5 s (a
   * re-read and a new watch cost one request each: cheap against missing the result).
   */
  idleTimeoutMs?: number;
  /** Waits between failed watches (default: client-go's reflector's). */
  backoff?: BackoffOptions;
  /** Filled in while following: what the watches did, so a timeout can say what happened. */
  stats?: FollowStats;
}

/** What following a Traceflow saw of the API server. */
export interface FollowStats {
  /** Watch requests made. */
  watches: number;
  /** Watches that failed, ended at once, or went idle (each followed by a back-off). */
  failedWatches: number;
  /** Answers that carried the Traceflow's state (watch events and GETs). */
  observed: number;
  /** Why the last watch failed, if it did. */
  lastProblem?: string;
}

/** A watch that ends sooner than this with no event failed (client-go's "very short watch"). */
const SHORT_WATCH_MS = 1000;

type WatchOnce = { kind: 'finished' | 'deleted' | 'aborted' | 'forbidden' | 'gone'; events: number } | { kind: 'closed'; error?: string; events: number };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function apiMessage(err: ApiException<unknown>): string {
  const body = err.body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | undefined)?.message ?? `HTTP ${err.code}`;
}

/** Traceflow CRUD and watch for one served version. */
export class TraceflowClient {
  private constructor(
    private readonly kube: KubeClient,
    /** The served version used for every call. */
    readonly version: TraceflowVersion,
  ) {}

  /** `crd.antrea.io/<version>`. */
  get apiVersion(): string {
    return `${ANTREA_CRD_GROUP}/${this.version}`;
  }

  /**
   * Finds the served version through API discovery: `v1beta1` (Antrea ≥ 1.13), else `v1alpha1`
   * (Antrea 1.0-1.12), and checks that it lists `traceflows`.
   */
  static async discover(kube: KubeClient): Promise<TraceflowClient> {
    const version = await servedTraceflowVersion(kube);
    if (!version) {
      throw new TraceflowUnavailableError(`the cluster serves no ${TRACEFLOW_RESOURCE} (tried ${TRACEFLOW_VERSIONS.join(', ')}): is Antrea installed, with the Traceflow feature gate on?`);
    }
    return new TraceflowClient(kube, version);
  }

  /** A client for a known version (tests, or when discovery already ran). */
  static forVersion(kube: KubeClient, version: TraceflowVersion): TraceflowClient {
    return new TraceflowClient(kube, version);
  }

  private params(extra: Record<string, unknown> = {}) {
    return { group: ANTREA_CRD_GROUP, version: this.version, plural: TRACEFLOW_PLURAL, ...extra };
  }

  /**
   * Creates a Traceflow. A webhook denial or schema error is a {@link TraceflowRejectedError}
   * (exit 2) with the API server's message; a missing permission a ForbiddenError naming it.
   */
  async create(body: Traceflow): Promise<Traceflow> {
    try {
      return (await this.kube.custom.createClusterCustomObject(this.params({ body }) as never)) as Traceflow;
    } catch (err) {
      if (err instanceof ApiException) {
        const message = apiMessage(err);
        if (/admission webhook/i.test(message) || err.code === 422 || err.code === 400) throw new TraceflowRejectedError(message);
        if (err.code === 403) throw new ForbiddenError('create', TRACEFLOW_RESOURCE, undefined, message);
        if (err.code === 404) throw new TraceflowUnavailableError(`creating a Traceflow failed: ${message}; is the Traceflow feature gate enabled?`);
      }
      throw translateApiError(err, { verb: 'create', resource: TRACEFLOW_RESOURCE, name: body.metadata.name }, this.kube.requestTimeoutMs, this.kube.server);
    }
  }

  /** Reads a Traceflow; undefined when it does not exist. */
  async get(name: string): Promise<Traceflow | undefined> {
    return (await this.kube.callOptional({ verb: 'get', resource: TRACEFLOW_RESOURCE, name }, () =>
      this.kube.custom.getClusterCustomObject(this.params({ name }) as never),
    )) as Traceflow | undefined;
  }

  /** Deletes a Traceflow; a missing one is fine. */
  async delete(name: string): Promise<void> {
    await this.kube.callOptional({ verb: 'delete', resource: TRACEFLOW_RESOURCE, name }, () =>
      this.kube.custom.deleteClusterCustomObject(this.params({ name }) as never),
    );
  }

  /**
   * Follows one Traceflow until `onUpdate` says stop, it is deleted, or the signal aborts: a watch
   * with `fieldSelector=metadata.name=<name>` from the given resourceVersion; re-watched at once
   * when the server ends a watch that worked (its normal timeout); re-read then re-watched after
   * a jittered exponential back-off (client-go's reflector's: 0.8 s doubling to 30 s) when a watch
   * fails, ends at once with no event, or stays silent past the idle timeout, so a server that
   * closes every watch is not asked again in a hot loop; re-read when the version expired (410
   * Gone); GET-polled when watching is forbidden.
   */
  async follow(opts: FollowOptions): Promise<FollowEnd> {
    let rv = opts.resourceVersion;
    let polling = false;
    const stats = opts.stats ?? { watches: 0, failedWatches: 0, observed: 0 };
    const backoff = new ExponentialBackoff(opts.backoff);
    const onUpdate = (tf: Traceflow) => {
      stats.observed++;
      return opts.onUpdate(tf);
    };
    /** Re-lists (one GET): the state may have moved on while the watch was down. */
    const relist = async (): Promise<FollowEnd | undefined> => {
      let tf: Traceflow | undefined;
      try {
        tf = await this.get(opts.name);
      } catch (err) {
        if (opts.signal.aborted) return 'aborted';
        stats.lastProblem = `reading it failed: ${(err as Error).message}`;
        return undefined;
      }
      if (!tf) return 'deleted';
      rv = tf.metadata.resourceVersion;
      return onUpdate(tf) ? 'finished' : undefined;
    };
    while (!opts.signal.aborted) {
      if (polling) {
        const tf = await this.get(opts.name);
        if (!tf) return 'deleted';
        if (onUpdate(tf)) return 'finished';
        await sleep(opts.pollIntervalMs ?? 1000, opts.signal);
        continue;
      }
      stats.watches++;
      const startedAt = performance.now();
      const r = await this.watchOnce({ ...opts, onUpdate }, rv, (next) => (rv = next));
      switch (r.kind) {
        case 'finished':
        case 'deleted':
        case 'aborted':
          return r.kind;
        case 'forbidden':
          opts.log(2, `watching ${TRACEFLOW_RESOURCE} is forbidden; polling Traceflow ${opts.name} every ${(opts.pollIntervalMs ?? 1000) / 1000}s instead`);
          polling = true;
          break;
        case 'gone': {
          opts.log(5, `watch of Traceflow ${opts.name} expired (410 Gone); reading it again`);
          const end = await relist();
          if (end) return end;
          break;
        }
        case 'closed': {
          const short = r.events === 0 && performance.now() - startedAt < SHORT_WATCH_MS;
          if (!r.error && !short) {
            // A watch that worked and ended (the server's watch timeout): watch on from where it was.
            opts.log(5, `watch of Traceflow ${opts.name} closed after ${r.events} event(s); watching again from resourceVersion ${rv ?? '(latest)'}`);
            backoff.reset();
            break;
          }
          stats.failedWatches++;
          stats.lastProblem = r.error ?? 'the API server ended the watch at once, with no event';
          const wait = backoff.next();
          opts.log(5, `watch of Traceflow ${opts.name} failed (${stats.lastProblem}); reading it again and watching in ${formatMs(wait)}`);
          await sleep(wait, opts.signal);
          if (opts.signal.aborted) return 'aborted';
          const end = await relist();
          if (end) return end;
          break;
        }
      }
    }
    return 'aborted';
  }

  private watchOnce(opts: FollowOptions, rv: string | undefined, setRv: (rv: string) => void): Promise<WatchOnce> {
    return new Promise<WatchOnce>((resolve) => {
      let settled = false;
      let controller: AbortController | undefined;
      let events = 0;
      const idleMs = opts.idleTimeoutMs ?? 5000;
      let idle: NodeJS.Timeout | undefined;
      // Armed before the request is sent, so a server that never answers it is caught as well.
      const touch = () => {
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => finish({ kind: 'closed', error: `no answer or event for ${formatMs(idleMs)}` }), idleMs);
      };
      const finish = (r: Omit<WatchOnce, 'events'> & { error?: string }) => {
        if (settled) return;
        settled = true;
        if (idle) clearTimeout(idle);
        opts.signal.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve({ ...r, events } as WatchOnce);
      };
      touch();
      const onAbort = () => finish({ kind: 'aborted' });
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const path = `/apis/${ANTREA_CRD_GROUP}/${this.version}/${TRACEFLOW_PLURAL}`;
      const query = { fieldSelector: `metadata.name=${opts.name}`, allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) };
      new Watch(this.kube.config)
        .watch(
          path,
          query,
          (type, obj: Traceflow & { code?: number; message?: string }) => {
            if (settled) return;
            events++;
            touch();
            if (type === 'ERROR') {
              if (obj?.code === 410) finish({ kind: 'gone' });
              else finish({ kind: 'closed', error: obj?.message ?? 'watch error' });
              return;
            }
            const next = obj?.metadata?.resourceVersion;
            if (next) setRv(next);
            if (type === 'BOOKMARK') return;
            if (type === 'DELETED') return finish({ kind: 'deleted' });
            if (obj?.metadata?.name === opts.name && opts.onUpdate(obj)) finish({ kind: 'finished' });
          },
          (err: { statusCode?: number; message?: string; name?: string } | null) => {
            if (err?.statusCode === 403) finish({ kind: 'forbidden' });
            else if (err?.statusCode === 410) finish({ kind: 'gone' });
            else finish({ kind: 'closed', ...(err && err.name !== 'AbortError' ? { error: err.message ?? String(err) } : {}) });
          },
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
            else touch();
          },
          (err: Error) => finish({ kind: 'closed', error: err.message }),
        );
    });
  }
}

/** The served Traceflow version, by discovery; undefined when none is served. */
export async function servedTraceflowVersion(kube: KubeClient): Promise<TraceflowVersion | undefined> {
  const groups = await kube.call({ verb: 'get', resource: 'API discovery (/apis)' }, () => kube.config.makeApiClient(ApisApi).getAPIVersions());
  const group = groups.groups.find((g) => g.name === ANTREA_CRD_GROUP);
  if (!group) return undefined;
  const served = new Set(group.versions.map((v) => v.version));
  for (const version of TRACEFLOW_VERSIONS) {
    if (!served.has(version)) continue;
    const resources = await kube.callOptional({ verb: 'get', resource: `API discovery (/apis/${ANTREA_CRD_GROUP}/${version})` }, () =>
      kube.custom.getAPIResources({ group: ANTREA_CRD_GROUP, version }),
    );
    if (resources?.resources.some((r) => r.name === TRACEFLOW_PLURAL)) return version;
  }
  return undefined;
}
