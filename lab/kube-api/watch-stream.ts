/**
 * The watch endpoint: a chunked HTTP response of newline-delimited
 * `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":...}` events, like the apiserver's
 * JSON watch encoding. A too-old resourceVersion yields one ERROR event with a 410 Expired Status.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceTarget } from './api-path.js';
import type { ObjectStore, StoreWatch } from './object-store.js';
import { KubeApiError } from './api-errors.js';

/** Options of a watch stream. */
export interface WatchStreamOptions {
  /** Interval of BOOKMARK events when the client allows them. */
  bookmarkIntervalMs: number;
}

/** A running watch stream (so the server can end it on stop). */
export interface ActiveWatch {
  end(): void;
}

/**
 * Starts a watch and streams it into `response`. Selector errors are thrown (before any header is
 * written) so the caller answers them as a normal error; 410 becomes an ERROR event.
 */
export function streamWatch(store: ObjectStore, target: ResourceTarget, query: URLSearchParams, response: ServerResponse, opts: WatchStreamOptions): ActiveWatch {
  const res = target.resource;
  const fieldSelectors = [query.get('fieldSelector') ?? ''];
  // `/watch/namespaces/x/pods/name` and `?watch=1` on an object URL watch that one object.
  if (target.name !== undefined) fieldSelectors.push(`metadata.name=${target.name}`);
  const fieldSelector = fieldSelectors.filter((s) => s !== '').join(',');
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';

  let ended = false;
  let watch: StoreWatch | undefined;
  const timers: NodeJS.Timeout[] = [];
  const write = (type: string, object: unknown) => {
    if (!ended) response.write(`${JSON.stringify({ type, object })}\n`);
  };
  const end = () => {
    if (ended) return;
    ended = true;
    watch?.stop();
    for (const t of timers) clearTimeout(t);
    response.end();
  };
  const bookmark = (annotations?: Record<string, string>) =>
    write('BOOKMARK', { kind: res.kind, apiVersion: res.apiVersion, metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) } });

  const startHeaders = () => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
  };

  const buffered: Array<[string, unknown]> = [];
  let started = false;
  try {
    watch = store.watch(
      res,
      {
        namespace: target.namespace,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector,
        resourceVersion: query.get('resourceVersion') ?? undefined,
        sendInitialEvents,
      },
      // Events delivered during store.watch() (initial state, replay) are buffered until the
      // selectors are known to be valid and headers are out.
      (d) => (started ? write(d.type, d.object) : buffered.push([d.type, d.object])),
    );
  } catch (err) {
    if (err instanceof KubeApiError && err.httpStatus === 410) {
      startHeaders();
      write('ERROR', err.status);
      end();
      return { end };
    }
    throw err;
  }
  startHeaders();
  started = true;
  for (const [type, obj] of buffered) write(type, obj);
  if (sendInitialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });

  const timeout = Number(query.get('timeoutSeconds') ?? '0');
  if (timeout > 0) timers.push(setTimeout(end, timeout * 1000));
  if (bookmarks && opts.bookmarkIntervalMs > 0) {
    const tick = () => {
      bookmark();
      timers.push(setTimeout(tick, opts.bookmarkIntervalMs));
    };
    timers.push(setTimeout(tick, opts.bookmarkIntervalMs));
  }
  response.on('close', end);
  return { end };
}
