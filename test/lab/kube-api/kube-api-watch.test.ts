import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { startLabApi, type LabApi } from './lab-api-fixture.js';

let lab: LabApi;
let core: CoreV1Api;
const aborts: AbortController[] = [];

interface Collected {
  events: Array<{ type: string; object: any }>;
  done: Promise<unknown>;
  abort(): void;
  /** Resolves once `n` events arrived (rejects after 5 s). */
  waitFor(n: number): Promise<Array<{ type: string; object: any }>>;
}

/** Starts a client-node Watch and collects its events. */
async function collect(path: string, query: Record<string, string | number | boolean | undefined>): Promise<Collected> {
  const events: Array<{ type: string; object: any }> = [];
  let waiters: Array<() => void> = [];
  let finish!: (err: unknown) => void;
  const done = new Promise<unknown>((r) => (finish = r));
  const controller = await new Watch(lab.kc).watch(
    path,
    query,
    (type, object) => {
      events.push({ type, object });
      for (const w of waiters) w();
    },
    (err) => finish(err),
  );
  aborts.push(controller);
  return {
    events,
    done,
    abort: () => controller.abort(),
    waitFor: (n) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${events.length} of ${n} events: ${JSON.stringify(events.map((e) => e.type))}`)), 5000);
        const check = () => {
          if (events.length >= n) {
            clearTimeout(timer);
            waiters = waiters.filter((w) => w !== check);
            resolve(events.slice(0, n));
          }
        };
        waiters.push(check);
        check();
      }),
  };
}

const pod = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

test.before(async () => {
  lab = await startLabApi({
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'seed-a', namespace: 'w', labels: { app: 'seed' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'seed-b', namespace: 'w' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    ],
    bookmarkIntervalMs: 200,
  });
  core = lab.kc.makeApiClient(CoreV1Api);
});

test.after(async () => {
  for (const a of aborts) a.abort();
  await lab?.stop();
});

test('watch from a list resourceVersion streams ADDED, MODIFIED, DELETED', async () => {
  const list = await core.listNamespacedPod({ namespace: 'w' });
  const rv = list.metadata!.resourceVersion!;
  const w = await collect('/api/v1/namespaces/w/pods', { resourceVersion: rv });
  await core.createNamespacedPod({ namespace: 'w', body: pod('p1', { app: 'one' }) });
  await core.patchNamespacedPod({ namespace: 'w', name: 'p1', body: { metadata: { labels: { app: 'two' } } } }, mergePatch);
  await core.deleteNamespacedPod({ namespace: 'w', name: 'p1' });
  const ev = await w.waitFor(3);
  assert.equal(ev.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED p1', 'MODIFIED p1', 'DELETED p1']);
  assert.is(ev[1]!.object.metadata.labels.app, 'two');
  assert.is(ev[0]!.object.kind, 'Pod');
  assert.is(ev[0]!.object.apiVersion, 'v1');
  const rvs = ev.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs[0]! > Number(rv) && rvs[1]! > rvs[0]! && rvs[2]! > rvs[1]!, `increasing resourceVersions ${rvs}`);
  w.abort();

  // Resuming from the same version replays the same history.
  const replay = await collect('/api/v1/namespaces/w/pods', { resourceVersion: rv });
  assert.equal((await replay.waitFor(3)).map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  replay.abort();
});

test('watch without a resourceVersion starts with the current objects', async () => {
  const w = await collect('/api/v1/namespaces/w/pods', {});
  const ev = await w.waitFor(2);
  assert.equal(ev.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED seed-a', 'ADDED seed-b']);
  w.abort();
});

test('label selectors turn label changes into ADDED/DELETED', async () => {
  const w = await collect('/api/v1/namespaces/w/pods', { labelSelector: 'app=watched' });
  await core.createNamespacedPod({ namespace: 'w', body: pod('p2', { app: 'other' }) });
  await core.patchNamespacedPod({ namespace: 'w', name: 'p2', body: { metadata: { labels: { app: 'watched' } } } }, mergePatch);
  await core.patchNamespacedPod({ namespace: 'w', name: 'p2', body: { metadata: { annotations: { x: '1' } } } }, mergePatch);
  await core.patchNamespacedPod({ namespace: 'w', name: 'p2', body: { metadata: { labels: { app: 'gone' } } } }, mergePatch);
  const ev = await w.waitFor(3);
  assert.equal(ev.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.is(ev[2]!.object.metadata.labels.app, 'watched', 'DELETED carries the last matching state');
  w.abort();
});

test('field selector on metadata.name watches one object', async () => {
  const w = await collect('/api/v1/namespaces/w/pods', { fieldSelector: 'metadata.name=p3' });
  await core.createNamespacedPod({ namespace: 'w', body: pod('p3-not') });
  await core.createNamespacedPod({ namespace: 'w', body: pod('p3') });
  const ev = await w.waitFor(1);
  assert.is(ev[0]!.object.metadata.name, 'p3');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(w.events.length, 1);
  w.abort();
});

test('a compacted resourceVersion yields an ERROR event with 410 Expired', async () => {
  const list = await core.listNamespacedPod({ namespace: 'w' });
  const old = Number(list.metadata!.resourceVersion!);
  await core.createNamespacedPod({ namespace: 'w', body: pod('p4') });
  lab.server.store.compact();
  const w = await collect('/api/v1/namespaces/w/pods', { resourceVersion: String(old) });
  const ev = await w.waitFor(1);
  assert.is(ev[0]!.type, 'ERROR');
  assert.is(ev[0]!.object.code, 410);
  assert.is(ev[0]!.object.reason, 'Expired');
  assert.is(ev[0]!.object.message, `too old resource version: ${old} (${lab.server.store.resourceVersion + 1})`);
  assert.is(await w.done, null, 'the server ends the stream');
});

test('timeoutSeconds ends the stream', async () => {
  const started = Date.now();
  const w = await collect('/api/v1/namespaces/w/pods', { timeoutSeconds: 1, resourceVersion: String(lab.server.store.resourceVersion) });
  assert.is(await w.done, null);
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 4000, `closed after ${took} ms`);
});

test('bookmarks: initial-events-end after sendInitialEvents, then periodic', async () => {
  const w = await collect('/api/v1/namespaces/w/pods', { allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', labelSelector: 'app=seed' });
  const ev = await w.waitFor(3);
  assert.is(ev[0]!.type, 'ADDED');
  assert.is(ev[1]!.type, 'BOOKMARK');
  assert.is(ev[1]!.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  assert.is(ev[2]!.type, 'BOOKMARK');
  assert.match(ev[2]!.object.metadata.resourceVersion, /^\d+$/);
  w.abort();
});

test('the legacy /watch/ path works too', async () => {
  const w = await collect('/api/v1/watch/namespaces/w/pods/seed-b', {});
  const ev = await w.waitFor(1);
  assert.is(ev[0]!.object.metadata.name, 'seed-b');
  w.abort();
});

test('stop() ends open watches', async () => {
  const w = await collect('/api/v1/pods', {});
  await w.waitFor(1);
  await lab.server.stop();
  await w.done;
});

test.run();
