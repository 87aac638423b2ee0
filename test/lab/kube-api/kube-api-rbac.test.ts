/**
 * The lab API server's RBAC (lab/kube-api/rbac-authorizer.ts, access-control.ts): Kubernetes
 * semantics for Roles, ClusterRoles and their bindings, impersonation, and the rule matching
 * (verbs, apiGroups, resources with subresources, resourceNames), through real client-node calls.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiException, AuthorizationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { AccessControl } from '../../../lab/kube-api/access-control.js';
import { KubeApiError } from '../../../lab/kube-api/api-errors.js';
import { ruleAllows } from '../../../lab/kube-api/rbac-authorizer.js';
import { startLabApi, type LabApi } from './lab-api-fixture.js';

let lab: LabApi;

test.before(async () => {
  lab = await startLabApi({
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: 'a' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'b' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    ],
  });
  const rbac = lab.kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] } });
  await rbac.createNamespacedRole({ namespace: 'a', body: { metadata: { name: 'only-p', namespace: 'a' }, rules: [{ apiGroups: [''], resources: ['pods'], resourceNames: ['p'], verbs: ['delete'] }] } });
  // A ClusterRole bound by a RoleBinding grants only in the binding's namespace.
  await rbac.createNamespacedRoleBinding({ namespace: 'a', body: { metadata: { name: 'ns-reader', namespace: 'a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' }, subjects: [{ kind: 'User', name: 'alice' }] } });
  await rbac.createNamespacedRoleBinding({ namespace: 'a', body: { metadata: { name: 'only-p', namespace: 'a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'only-p' }, subjects: [{ kind: 'User', name: 'alice' }] } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'sa-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'tracer', namespace: 'b' }] } });
});

test.after(async () => {
  await lab.stop();
});

/** A client acting as `user` (the admin's credentials plus `Impersonate-User`). */
function as(user: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(lab.kc.exportConfig());
  for (const u of kc.users) (u as { impersonateUser?: string }).impersonateUser = user;
  return kc;
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    assert.instance(err, ApiException);
    return (err as ApiException<unknown>).code;
  }
}

test('RoleBinding to a ClusterRole: its rules in the binding namespace only, never cluster-wide', async () => {
  const core = as('alice').makeApiClient(CoreV1Api);
  assert.is(await status(core.readNamespacedPod({ namespace: 'a', name: 'p' })), 200);
  assert.is(await status(core.listNamespacedPod({ namespace: 'a' })), 200);
  assert.is(await status(core.readNamespacedPod({ namespace: 'b', name: 'p' })), 403);
  assert.is(await status(core.listPodForAllNamespaces()), 403);
  assert.is(await status(core.listNamespace()), 403);
});

test('resourceNames limit a rule to the named objects', async () => {
  const core = as('alice').makeApiClient(CoreV1Api);
  assert.is(await status(core.deleteNamespacedPod({ namespace: 'a', name: 'q' })), 403);
  assert.is(await status(core.deleteNamespacedPod({ namespace: 'a', name: 'p' })), 200);
});

test('ServiceAccount subjects and ClusterRoleBindings: everywhere, including all-namespace lists', async () => {
  const core = as('system:serviceaccount:b:tracer').makeApiClient(CoreV1Api);
  assert.is(await status(core.listPodForAllNamespaces()), 200);
  assert.is(await status(core.readNamespacedPod({ namespace: 'b', name: 'p' })), 200);
  assert.is(await status(core.deleteNamespacedPod({ namespace: 'b', name: 'p' })), 403);
});

test('an unbound user may only review its own access; the 403 names user, verb and resource', async () => {
  const kc = as('nobody');
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'a' } } } });
  assert.is(review.status?.allowed, false);
  try {
    await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'a' });
    assert.unreachable('forbidden');
  } catch (err) {
    const body = JSON.parse(String((err as ApiException<string>).body)) as { message: string };
    assert.match(body.message, /User "nobody" cannot list resource "pods" in API group "" in the namespace "a"/);
  }
});

test('impersonating needs the impersonate permission: deny-list admin may, an RBAC user may not', () => {
  const access = new AccessControl([{ name: 'admin', token: 'ta' }, { name: 'bob', token: 'tb', authorizer: 'rbac' }], () => ({ roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] }));
  assert.is(access.impersonate('admin', { 'impersonate-user': 'alice' }), 'alice');
  assert.is(access.impersonate('bob', {}), 'bob', 'no header: the user itself');
  assert.throws(() => access.impersonate('bob', { 'impersonate-user': 'alice' }), (err: unknown) => err instanceof KubeApiError && err.httpStatus === 403);
  assert.is(access.allows({ user: 'bob', verb: 'get', group: '', resource: 'pods', namespace: 'a' }), false, 'RBAC user without bindings');
});

test('rule matching: subresources, */subresource, apiGroups and verbs', () => {
  const a = { user: 'u', verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'n', name: 'p' };
  assert.ok(ruleAllows({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }, a));
  assert.ok(ruleAllows({ apiGroups: [''], resources: ['*/exec'], verbs: ['*'] }, a));
  assert.not.ok(ruleAllows({ apiGroups: [''], resources: ['pods'], verbs: ['create'] }, a), 'pods does not cover pods/exec');
  assert.not.ok(ruleAllows({ apiGroups: ['apps'], resources: ['pods/exec'], verbs: ['create'] }, a));
  assert.not.ok(ruleAllows({ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }, a));
  assert.ok(ruleAllows({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, a));
});

test.run();
