import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ApiException,
  ApiextensionsV1Api,
  ApisApi,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { webhookDenied } from '../../../lab/kube-api/api-errors.js';
import type { OpenApiSchema } from '../../../lab/kube-api/resource-registry.js';
import { startLabApi, statusBody, type LabApi } from './lab-api-fixture.js';

let lab: LabApi;
let custom: CustomObjectsApi;
const aborts: AbortController[] = [];
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const TF = { group: 'crd.antrea.io', version: 'v1beta1', plural: 'traceflows' };

const port: OpenApiSchema = { type: 'integer', minimum: 1, maximum: 65535 };
/** A trimmed Traceflow schema (the parts with validation rules). */
const traceflowSchema: OpenApiSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      properties: {
        source: { type: 'object', properties: { namespace: { type: 'string' }, pod: { type: 'string' }, ip: { type: 'string', oneOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } } },
        destination: { type: 'object', properties: { namespace: { type: 'string' }, pod: { type: 'string' }, service: { type: 'string' }, ip: { type: 'string' } } },
        packet: {
          type: 'object',
          properties: {
            ipHeader: { type: 'object', properties: { protocol: { type: 'integer', minimum: 0, maximum: 255 } } },
            transportHeader: { type: 'object', properties: { tcp: { type: 'object', properties: { srcPort: port, dstPort: port, flags: { type: 'integer', minimum: 0, maximum: 255 } } } } },
          },
        },
        liveTraffic: { type: 'boolean' },
        timeout: { type: 'integer', minimum: 1, maximum: 300 },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

async function apiError(p: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, ApiException);
    return err as ApiException<unknown>;
  }
  throw new Error('expected the call to fail');
}

const tf = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'crd.antrea.io/v1beta1',
  kind: 'Traceflow',
  metadata: { name },
  spec: { source: { namespace: 'default', pod: 'client' }, destination: { namespace: 'default', pod: 'web' }, ...spec },
  status: { phase: 'Succeeded' },
});

test.before(async () => {
  lab = await startLabApi({
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    ],
    restrictedUserDenies: ['create traceflows'],
  });
  lab.server.registerResource({ ...TF, kind: 'Traceflow', namespaced: false, hasStatus: true, shortNames: ['tf'], schema: traceflowSchema });
  lab.server.registerResource({ ...TF, version: 'v1alpha1', kind: 'Traceflow', namespaced: false, hasStatus: true });
  // The Antrea webhook, emulated: non-live traceflows need an existing source Pod.
  lab.server.registerValidator('traceflows.crd.antrea.io', (req) => {
    if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return;
    const spec = (req.object?.spec ?? {}) as { liveTraffic?: boolean; source?: { namespace?: string; pod?: string } };
    if (spec.liveTraffic) return;
    if (!spec.source?.namespace || !spec.source.pod) throw webhookDenied('traceflowvalidator.antrea.io', { message: 'source Pod must be specified in non-live-traffic Traceflow' });
    const pods = lab.server.registry.lookup('', 'v1', 'pods')!;
    if (!lab.server.store.tryGet(pods, spec.source.namespace, spec.source.pod)) {
      throw webhookDenied('traceflowvalidator.antrea.io', { message: `requested source Pod ${spec.source.namespace}/${spec.source.pod} not found` });
    }
  });
  custom = lab.kc.makeApiClient(CustomObjectsApi);
});

test.after(async () => {
  for (const a of aborts) a.abort();
  await lab?.stop();
});

test('registered custom resources are served, discoverable and backed by a CRD', async () => {
  const resources = await custom.getAPIResources({ group: 'crd.antrea.io', version: 'v1beta1' });
  assert.equal(resources.resources.map((r) => `${r.name}:${r.namespaced}`), ['traceflows:false', 'traceflows/status:false']);
  const groups = await lab.kc.makeApiClient(ApisApi).getAPIVersions();
  const antrea = groups.groups.find((g) => g.name === 'crd.antrea.io');
  assert.equal(antrea?.versions.map((v) => v.version), ['v1beta1', 'v1alpha1']);
  assert.is(antrea?.preferredVersion?.version, 'v1beta1');
  const crd = await lab.kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'traceflows.crd.antrea.io' });
  assert.is(crd.spec.scope, 'Cluster');
  assert.equal(crd.spec.versions.map((v) => v.name), ['v1beta1', 'v1alpha1']);
  assert.ok(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
});

test('create, get (in both versions), status patch, and delete a cluster-scoped custom object', async () => {
  const created = (await custom.createClusterCustomObject({ ...TF, body: tf('tf1', { packet: { srcIP: '1.2.3.4', ipHeader: { protocol: 6 } } }) })) as any;
  assert.is(created.metadata.name, 'tf1');
  assert.is(created.metadata.generation, 1);
  assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.is(created.status, undefined, 'status is dropped on create');
  assert.is(created.spec.packet.srcIP, undefined, 'fields outside the schema are pruned');
  assert.is(created.spec.packet.ipHeader.protocol, 6);

  const got = (await custom.getClusterCustomObject({ ...TF, name: 'tf1' })) as any;
  assert.is(got.metadata.resourceVersion, created.metadata.resourceVersion);
  const alpha = (await custom.getClusterCustomObject({ ...TF, version: 'v1alpha1', name: 'tf1' })) as any;
  assert.is(alpha.apiVersion, 'crd.antrea.io/v1alpha1');

  const viaMain = (await custom.patchClusterCustomObject({ ...TF, name: 'tf1', body: { status: { phase: 'Failed' }, spec: { timeout: 20 } } }, merge)) as any;
  assert.is(viaMain.status, undefined, 'the main resource ignores status');
  assert.is(viaMain.metadata.generation, 2, 'a spec change bumps the generation');
  const st = (await custom.patchClusterCustomObjectStatus({ ...TF, name: 'tf1', body: { status: { phase: 'Running', dataplaneTag: 7 } } }, merge)) as any;
  assert.equal(st.status, { phase: 'Running', dataplaneTag: 7 });
  assert.is(st.metadata.generation, 2, 'status writes keep the generation');
  const readStatus = (await custom.getClusterCustomObjectStatus({ ...TF, name: 'tf1' })) as any;
  assert.is(readStatus.status.phase, 'Running');

  const smp = await apiError(custom.patchClusterCustomObject({ ...TF, name: 'tf1', body: { spec: { timeout: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)));
  assert.is(smp.code, 415);

  const deleted = (await custom.deleteClusterCustomObject({ ...TF, name: 'tf1' })) as any;
  assert.is(deleted.metadata.name, 'tf1');
  const gone = await apiError(custom.getClusterCustomObject({ ...TF, name: 'tf1' }));
  assert.is(gone.code, 404);
  assert.is(statusBody(gone).message, 'traceflows.crd.antrea.io "tf1" not found');
  assert.equal(statusBody(gone).details, { name: 'tf1', group: 'crd.antrea.io', kind: 'traceflows' });
});

test('schema validation answers 422 like the apiserver', async () => {
  const err = await apiError(custom.createClusterCustomObject({ ...TF, body: tf('tf-bad', { timeout: 600 }) }));
  assert.is(err.code, 422);
  assert.is(statusBody(err).message, 'Traceflow.crd.antrea.io "tf-bad" is invalid: spec.timeout: Invalid value: 600: spec.timeout in body should be less than or equal to 300');
  const port0 = await apiError(custom.createClusterCustomObject({ ...TF, body: tf('tf-bad', { packet: { transportHeader: { tcp: { srcPort: 0, dstPort: 80 } } } }) }));
  assert.is(
    statusBody(port0).message,
    'Traceflow.crd.antrea.io "tf-bad" is invalid: spec.packet.transportHeader.tcp.srcPort: Invalid value: 0: spec.packet.transportHeader.tcp.srcPort in body should be greater than or equal to 1',
  );
  const noSpec = await apiError(custom.createClusterCustomObject({ ...TF, body: { apiVersion: 'crd.antrea.io/v1beta1', kind: 'Traceflow', metadata: { name: 'tf-nospec' } } }));
  assert.is(statusBody(noSpec).message, 'Traceflow.crd.antrea.io "tf-nospec" is invalid: spec: Required value');
});

test('an admission validator rejects like a webhook', async () => {
  const err = await apiError(custom.createClusterCustomObject({ ...TF, body: tf('tf-hook', { source: { namespace: 'default', pod: 'ghost' } }) }));
  assert.is(err.code, 403);
  assert.is(statusBody(err).message, 'admission webhook "traceflowvalidator.antrea.io" denied the request: requested source Pod default/ghost not found');
  const live = (await custom.createClusterCustomObject({ ...TF, body: tf('tf-live', { liveTraffic: true, source: {} }) })) as any;
  assert.is(live.metadata.name, 'tf-live');
  await custom.deleteClusterCustomObject({ ...TF, name: 'tf-live' });
});

test('updates of custom objects need a resourceVersion', async () => {
  await custom.createClusterCustomObject({ ...TF, body: tf('tf-upd') });
  const err = await apiError(custom.replaceClusterCustomObject({ ...TF, name: 'tf-upd', body: tf('tf-upd', { timeout: 5 }) }));
  assert.is(err.code, 422);
  assert.is(statusBody(err).message, 'traceflows.crd.antrea.io "tf-upd" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
  await custom.deleteClusterCustomObject({ ...TF, name: 'tf-upd' });
});

test('watch with a metadata.name field selector sees a controller drive the status', async () => {
  // A minimal controller on the store: moves new traceflows to Running, then Succeeded.
  const res = lab.server.registry.lookup('crd.antrea.io', 'v1beta1', 'traceflows')!;
  const unsubscribe = lab.server.store.subscribe((ev) => {
    if (ev.plural !== 'traceflows' || ev.type === 'DELETED') return;
    const phase = (ev.object.status as { phase?: string } | undefined)?.phase;
    const next = phase === undefined ? 'Running' : phase === 'Running' ? 'Succeeded' : undefined;
    if (next) lab.server.store.patch(res, undefined, ev.object.metadata.name!, (cur) => ({ ...cur, status: { phase: next } }), { subresource: 'status' });
  });
  try {
    const events: Array<{ type: string; object: any }> = [];
    let notify = () => {};
    const controller = await new Watch(lab.kc).watch(
      '/apis/crd.antrea.io/v1beta1/traceflows',
      { fieldSelector: 'metadata.name=tf-watch' },
      (type, object) => {
        events.push({ type, object });
        notify();
      },
      () => {},
    );
    aborts.push(controller);
    const waitFor = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`got ${events.map((e) => e.type)}`)), 5000);
        notify = () => {
          if (events.length >= n) {
            clearTimeout(t);
            resolve();
          }
        };
        notify();
      });
    await custom.createClusterCustomObject({ ...TF, body: tf('tf-other') });
    await custom.createClusterCustomObject({ ...TF, body: tf('tf-watch') });
    await waitFor(3);
    await custom.deleteClusterCustomObject({ ...TF, name: 'tf-watch' });
    await waitFor(4);
    assert.equal(
      events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.status?.phase ?? '-'}`),
      ['ADDED tf-watch -', 'MODIFIED tf-watch Running', 'MODIFIED tf-watch Succeeded', 'DELETED tf-watch Succeeded'],
    );
    controller.abort();
  } finally {
    unsubscribe();
  }
  const bad = await apiError(custom.listClusterCustomObject({ ...TF, fieldSelector: 'spec.timeout=5' }));
  assert.is(bad.code, 400);
  assert.is(statusBody(bad).message, '"spec.timeout" is not a known field selector: only "metadata.name"');
});

test('a CRD created through the API serves its kind until it is deleted', async () => {
  const ext = lab.kc.makeApiClient(ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
      },
    },
  });
  const W = { group: 'example.com', version: 'v1', plural: 'widgets', namespace: 'default' };
  await custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } } });
  const list = (await custom.listNamespacedCustomObject(W)) as any;
  assert.equal(list.items.map((i: any) => `${i.kind} ${i.metadata.namespace}/${i.metadata.name} ${i.spec.size}`), ['Widget default/w1 3']);
  const badCrd = await apiError(ext.createCustomResourceDefinition({ body: { metadata: { name: 'wrong.example.com' }, spec: { group: 'example.com', scope: 'Cluster', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true }] } } }));
  assert.is(badCrd.code, 422);
  await ext.deleteCustomResourceDefinition({ name: 'widgets.example.com' });
  const gone = await apiError(custom.listNamespacedCustomObject(W));
  assert.is(gone.code, 404);
});

test('403 for the restricted user on a denied custom-resource verb', async () => {
  const rcustom = lab.kcRestricted.makeApiClient(CustomObjectsApi);
  const err = await apiError(rcustom.createClusterCustomObject({ ...TF, body: tf('tf-r') }));
  assert.is(err.code, 403);
  assert.is(statusBody(err).message, 'traceflows.crd.antrea.io is forbidden: User "restricted" cannot create resource "traceflows" in API group "crd.antrea.io" at the cluster scope');
  const list = (await rcustom.listClusterCustomObject(TF)) as any;
  assert.ok(Array.isArray(list.items));
});

test.run();
