import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ApiException,
  ApisApi,
  AppsV1Api,
  AuthorizationV1Api,
  CoreApi,
  CustomObjectsApi,
  DiscoveryApi,
  VersionApi,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { buildClusterObjects } from '../../../lab/kube-api/scenario-objects.js';
import { loadScenarioFile } from '../../../lab/scenario/scenario-loader.js';
import { repoRoot } from '../../helpers/paths.js';
import { join } from 'node:path';
import { startLabApi, statusBody, type LabApi } from './lab-api-fixture.js';

let lab: LabApi;
let core: CoreV1Api;

const scenario = loadScenarioFile(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));

async function apiError(p: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, ApiException);
    return err as ApiException<unknown>;
  }
  throw new Error('expected the call to fail');
}

const newPod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

test.before(async () => {
  lab = await startLabApi({ objects: buildClusterObjects(scenario), restrictedUserDenies: ['create pods/exec', 'list secrets', 'delete pods'] });
  core = lab.kc.makeApiClient(CoreV1Api);
});

test.after(async () => {
  await lab?.stop();
});

test('serves HTTPS with the CA from the kubeconfig', () => {
  assert.match(lab.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const cluster = lab.kc.getCurrentCluster();
  assert.ok(cluster?.caData, 'kubeconfig carries certificate-authority-data');
  assert.is(lab.kc.getCurrentContext(), 'lab');
  assert.is(lab.kcRestricted.getCurrentContext(), 'lab-restricted');
});

test('get and list pods with label selectors', async () => {
  const web = await core.readNamespacedPod({ namespace: 'backend', name: 'web' });
  assert.is(web.spec?.nodeName, 'ovn-worker');
  assert.is(web.status?.podIP, '10.244.1.6');
  assert.equal(web.status?.podIPs?.map((p) => p.ip), ['10.244.1.6', 'fd00:10:244:1::6']);

  const names = async (ns: string | undefined, labelSelector?: string, fieldSelector?: string) => {
    const list = ns ? await core.listNamespacedPod({ namespace: ns, labelSelector, fieldSelector }) : await core.listPodForAllNamespaces({ labelSelector, fieldSelector });
    return list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  };
  assert.equal(await names('frontend', 'app=client'), ['frontend/client']);
  assert.equal(await names('frontend', 'app==api'), ['frontend/api']);
  assert.equal(await names('frontend', 'app!=api'), ['frontend/client', 'frontend/dns']);
  assert.equal(await names(undefined, 'app in (web, db)'), ['backend/db', 'backend/web']);
  assert.equal(await names('backend', 'app notin (web)'), ['backend/db']);
  assert.equal(await names('ovn-kubernetes', 'app'), ['ovn-kubernetes/ovnkube-node-ovn-worker', 'ovn-kubernetes/ovnkube-node-ovn-worker2']);
  assert.equal(await names('frontend', '!app'), []);
  assert.equal(await names('backend', 'app=web,app=db'), []);
});

test('list pods with field selectors', async () => {
  const names = async (fieldSelector: string) => (await core.listPodForAllNamespaces({ fieldSelector })).items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  assert.equal(await names('spec.nodeName=ovn-worker2,metadata.namespace=frontend'), ['frontend/api', 'frontend/dns']);
  assert.equal(await names('metadata.name=web'), ['backend/web']);
  assert.equal((await names('status.phase=Running')).length, 8);
  assert.equal(await names('status.phase!=Running'), []);
  assert.equal(await names('spec.hostNetwork=true,spec.nodeName=ovn-worker'), ['ovn-kubernetes/ovnkube-node-ovn-worker']);
  const err = await apiError(core.listPodForAllNamespaces({ fieldSelector: 'spec.bogus=1' }));
  assert.is(err.code, 400);
  assert.is(statusBody(err).message, 'field label not supported: spec.bogus');
});

test('list carries a resourceVersion and pages with limit/continue', async () => {
  const first = await core.listPodForAllNamespaces({ limit: 3 });
  assert.is(first.items.length, 3);
  assert.match(first.metadata?.resourceVersion ?? '', /^\d+$/);
  assert.ok(first.metadata?._continue);
  const rest = await core.listPodForAllNamespaces({ _continue: first.metadata!._continue });
  assert.is(first.items.length + rest.items.length, 8);
  assert.not.ok(rest.metadata?._continue);
});

test('nodes, services, endpointslices, networkpolicies and daemonsets through their typed clients', async () => {
  const nodes = await core.listNode();
  assert.equal(nodes.items.map((n) => n.metadata?.name), ['ovn-worker', 'ovn-worker2']);
  assert.equal(nodes.items[0]!.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, '172.18.0.2');
  const svc = await core.readNamespacedService({ namespace: 'backend', name: 'web' });
  assert.is(svc.spec?.clusterIP, '10.96.0.10');
  const slices = await lab.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'backend', labelSelector: 'kubernetes.io/service-name=web' });
  assert.is(slices.items.length, 1);
  assert.is(slices.items[0]!.endpoints[0]!.targetRef?.name, 'web');
  const pols = await lab.kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: 'backend' });
  assert.equal(pols.items.map((p) => p.metadata?.name), ['allow-frontend-to-web', 'allow-ops-to-web', 'default-deny']);
  const ds = await lab.kc.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ namespace: 'ovn-kubernetes', name: 'ovnkube-node' });
  assert.is(ds.status?.numberReady, 2);
});

test('404 NotFound with the real Status body', async () => {
  const err = await apiError(core.readNamespacedPod({ namespace: 'backend', name: 'nope' }));
  assert.is(err.code, 404);
  assert.equal(statusBody(err), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "nope" not found',
    reason: 'NotFound',
    details: { name: 'nope', kind: 'pods' },
    code: 404,
  });
  const ns = await apiError(core.createNamespacedPod({ namespace: 'nowhere', body: newPod('x') }));
  assert.is(ns.code, 404);
  assert.is(statusBody(ns).message, 'namespaces "nowhere" not found');
});

test('create stamps metadata; 409 AlreadyExists; generateName', async () => {
  const created = await core.createNamespacedPod({ namespace: 'frontend', body: newPod('extra', { app: 'extra' }) });
  assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
  assert.ok(created.metadata?.creationTimestamp instanceof Date);
  assert.is(created.metadata?.namespace, 'frontend');
  assert.is(created.status?.phase, 'Pending', 'status is reset on create');
  const dup = await apiError(core.createNamespacedPod({ namespace: 'frontend', body: newPod('extra') }));
  assert.is(dup.code, 409);
  assert.equal(statusBody(dup).reason, 'AlreadyExists');
  assert.is(statusBody(dup).message, 'pods "extra" already exists');
  const gen = await core.createNamespacedConfigMap({ namespace: 'frontend', body: { metadata: { generateName: 'cfg-' }, data: { a: '1' } } });
  assert.match(gen.metadata?.name ?? '', /^cfg-[a-z0-9]{5}$/);
});

test('422 Invalid with field causes', async () => {
  const err = await apiError(core.createNamespacedPod({ namespace: 'frontend', body: { metadata: { name: 'Bad_Name' }, spec: { containers: [] } } }));
  assert.is(err.code, 422);
  const body = statusBody(err);
  assert.is(body.reason, 'Invalid');
  assert.is(
    body.message,
    `Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.containers: Required value]`,
  );
  assert.equal(body.details.causes.map((c: { field: string; reason: string }) => [c.field, c.reason]), [
    ['metadata.name', 'FieldValueInvalid'],
    ['spec.containers', 'FieldValueRequired'],
  ]);
  assert.is(body.details.kind, 'Pod');
});

test('update: 409 Conflict on a stale resourceVersion, no-op keeps the version', async () => {
  const cur = await core.readNamespacedPod({ namespace: 'frontend', name: 'extra' });
  const next = { ...cur, metadata: { ...cur.metadata, labels: { app: 'extra', tier: 'x' } } };
  const updated = await core.replaceNamespacedPod({ namespace: 'frontend', name: 'extra', body: next });
  assert.is(updated.metadata?.labels?.tier, 'x');
  assert.ok(Number(updated.metadata?.resourceVersion) > Number(cur.metadata?.resourceVersion));
  const stale = await apiError(core.replaceNamespacedPod({ namespace: 'frontend', name: 'extra', body: next }));
  assert.is(stale.code, 409);
  assert.is(
    statusBody(stale).message,
    'Operation cannot be fulfilled on pods "extra": the object has been modified; please apply your changes to the latest version and try again',
  );
  const again = await core.replaceNamespacedPod({ namespace: 'frontend', name: 'extra', body: updated });
  assert.is(again.metadata?.resourceVersion, updated.metadata?.resourceVersion);
  const mismatch = await apiError(core.replaceNamespacedPod({ namespace: 'frontend', name: 'other', body: updated }));
  assert.is(mismatch.code, 400);
  assert.is(statusBody(mismatch).message, 'the name of the object (extra) does not match the name on the URL (other)');
});

test('patch: merge, JSON patch (with failing test op) and strategic merge', async () => {
  const merged = await core.patchNamespacedPod(
    { namespace: 'frontend', name: 'extra', body: { metadata: { labels: { tier: null, merged: 'yes' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.equal(merged.metadata?.labels, { app: 'extra', merged: 'yes' });
  const jp = await core.patchNamespacedPod({
    namespace: 'frontend',
    name: 'extra',
    body: [
      { op: 'add', path: '/metadata/annotations', value: { 'a/b': '1' } },
      { op: 'replace', path: '/metadata/labels/merged', value: 'json' },
    ],
  });
  assert.is(jp.metadata?.labels?.merged, 'json');
  assert.is(jp.metadata?.annotations?.['a/b'], '1');
  const failed = await apiError(core.patchNamespacedPod({ namespace: 'frontend', name: 'extra', body: [{ op: 'test', path: '/metadata/labels/merged', value: 'nope' }] }));
  assert.is(failed.code, 422);
  const smp = await core.patchNamespacedPod(
    { namespace: 'frontend', name: 'extra', body: { metadata: { labels: { smp: '1' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  assert.is(smp.metadata?.labels?.smp, '1');
  const missing = await apiError(core.patchNamespacedPod({ namespace: 'frontend', name: 'ghost', body: [] }));
  assert.is(missing.code, 404);
});

test('status subresource: main-resource writes ignore status, /status writes only status', async () => {
  const viaMain = await core.patchNamespacedPod(
    { namespace: 'frontend', name: 'extra', body: { status: { phase: 'Running' }, metadata: { labels: { s: '1' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.is(viaMain.status?.phase, 'Pending');
  assert.is(viaMain.metadata?.labels?.s, '1');
  const viaStatus = await core.patchNamespacedPodStatus(
    { namespace: 'frontend', name: 'extra', body: { status: { phase: 'Running', podIP: '10.244.2.99' }, metadata: { labels: { s: '2' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.is(viaStatus.status?.phase, 'Running');
  assert.is(viaStatus.metadata?.labels?.s, '1');
  const read = await core.readNamespacedPodStatus({ namespace: 'frontend', name: 'extra' });
  assert.is(read.status?.podIP, '10.244.2.99');
});

test('delete returns the object for pods and a Status for configmaps; then 404', async () => {
  const deleted = await core.deleteNamespacedPod({ namespace: 'frontend', name: 'extra', propagationPolicy: 'Foreground' });
  assert.is(deleted.metadata?.name, 'extra');
  const again = await apiError(core.deleteNamespacedPod({ namespace: 'frontend', name: 'extra' }));
  assert.is(again.code, 404);
  await core.createNamespacedConfigMap({ namespace: 'frontend', body: { metadata: { name: 'gone' } } });
  const status = await core.deleteNamespacedConfigMap({ namespace: 'frontend', name: 'gone' });
  assert.is(status.status, 'Success');
  assert.is(status.details?.name, 'gone');
});

test('deleting a namespace removes its objects', async () => {
  await core.createNamespace({ body: { metadata: { name: 'scratch' } } });
  const ns = await core.readNamespace({ name: 'scratch' });
  assert.is(ns.metadata?.labels?.['kubernetes.io/metadata.name'], 'scratch');
  assert.is(ns.status?.phase, 'Active');
  await core.createNamespacedPod({ namespace: 'scratch', body: newPod('p1') });
  await core.deleteNamespace({ name: 'scratch' });
  const err = await apiError(core.readNamespacedPod({ namespace: 'scratch', name: 'p1' }));
  assert.is(err.code, 404);
});

test('discovery: /api, /api/v1, /apis and a group version, through the typed clients', async () => {
  const api = await lab.kc.makeApiClient(CoreApi).getAPIVersions();
  assert.equal(api.versions, ['v1']);
  const v1 = await core.getAPIResources();
  const pods = v1.resources.find((r) => r.name === 'pods');
  assert.is(pods?.kind, 'Pod');
  assert.ok(pods?.verbs.includes('watch'));
  assert.ok(v1.resources.some((r) => r.name === 'pods/exec'));
  assert.ok(v1.resources.some((r) => r.name === 'pods/status'));
  const groups = await lab.kc.makeApiClient(ApisApi).getAPIVersions();
  const names = groups.groups.map((g) => g.name);
  for (const g of ['apps', 'discovery.k8s.io', 'networking.k8s.io', 'apiextensions.k8s.io']) assert.ok(names.includes(g), g);
  const group = await lab.kc.makeApiClient(DiscoveryApi).getAPIGroup();
  assert.is(group.preferredVersion?.groupVersion, 'discovery.k8s.io/v1');
  const disc = await lab.kc.makeApiClient(DiscoveryV1Api).getAPIResources();
  assert.equal(disc.resources.map((r) => r.name), ['endpointslices']);
  const missing = await apiError(lab.kc.makeApiClient(CustomObjectsApi).getAPIResources({ group: 'crd.antrea.io', version: 'v1beta1' }));
  assert.is(missing.code, 404);
  const version = await lab.kc.makeApiClient(VersionApi).getCode();
  assert.is(version.gitVersion, 'v1.35.0');
});

test('401 for an unknown token', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(lab.paths.admin!);
  kc.users[0] = { ...kc.users[0]!, token: 'wrong' };
  const err = await apiError(kc.makeApiClient(CoreV1Api).listNamespace());
  assert.is(err.code, 401);
});

test('403 for the restricted user on denied verbs, with the apiserver wording', async () => {
  const rcore = lab.kcRestricted.makeApiClient(CoreV1Api);
  assert.ok((await rcore.listNamespacedPod({ namespace: 'backend' })).items.length > 0, 'allowed verbs still work');
  const list = await apiError(rcore.listNamespacedSecret({ namespace: 'backend' }));
  assert.is(list.code, 403);
  assert.is(statusBody(list).message, 'secrets is forbidden: User "restricted" cannot list resource "secrets" in API group "" in the namespace "backend"');
  const del = await apiError(rcore.deleteNamespacedPod({ namespace: 'backend', name: 'web' }));
  assert.is(del.code, 403);
  assert.is(statusBody(del).message, 'pods "web" is forbidden: User "restricted" cannot delete resource "pods" in API group "" in the namespace "backend"');
  assert.equal(statusBody(del).details, { name: 'web', kind: 'pods' });
  const exec = await apiError(rcore.connectGetNamespacedPodExec({ namespace: 'ovn-kubernetes', name: 'ovnkube-node-ovn-worker', command: 'true', container: 'ovnkube-controller', stdout: true }));
  assert.is(exec.code, 403);
  assert.is(
    statusBody(exec).message,
    'pods "ovnkube-node-ovn-worker" is forbidden: User "restricted" cannot create resource "pods/exec" in API group "" in the namespace "ovn-kubernetes"',
  );
});

test('SelfSubjectAccessReview answers from the same deny rules (kubectl auth can-i)', async () => {
  const review = (kc: KubeConfig, verb: string, resource: string, subresource?: string) =>
    kc
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: 'ovn-kubernetes', verb, resource, subresource } } } })
      .then((r) => r.status?.allowed);
  assert.is(await review(lab.kcRestricted, 'create', 'pods', 'exec'), false);
  assert.is(await review(lab.kcRestricted, 'get', 'pods', 'exec'), true);
  assert.is(await review(lab.kcRestricted, 'list', 'pods'), true);
  assert.is(await review(lab.kc, 'create', 'pods', 'exec'), true);
});

test('exec without a WebSocket upgrade is a 400 for the admin', async () => {
  const err = await apiError(core.connectGetNamespacedPodExec({ namespace: 'ovn-kubernetes', name: 'ovnkube-node-ovn-worker', command: 'true', container: 'ovnkube-controller', stdout: true }));
  assert.is(err.code, 400);
  assert.is(statusBody(err).message, 'Upgrade request required');
});

test.run();
