/**
 * Kubernetes RBAC for the lab API server (`rbac.authorization.k8s.io/v1`), evaluated on every
 * request from the Role, ClusterRole, RoleBinding and ClusterRoleBinding objects in the store, with
 * the upstream semantics (plugin/pkg/auth/authorizer/rbac):
 * - a ClusterRoleBinding grants its ClusterRole's rules everywhere (cluster-scoped requests and
 *   every namespace, including lists across all namespaces);
 * - a RoleBinding in namespace N grants its Role (in N) or ClusterRole's rules only for requests
 *   in N;
 * - a rule matches when its `verbs`, `apiGroups` and `resources` contain the request's (or `*`;
 *   `resource/subresource` and `*\/subresource` for subresources) and, when it has
 *   `resourceNames`, the request names one of them;
 * - subjects are `User` (by name), `Group` (every authenticated user is in
 *   `system:authenticated`) and `ServiceAccount` (user `system:serviceaccount:<ns>:<name>`);
 * - the bootstrap `system:basic-user` grant is built in: any authenticated user may create
 *   SelfSubjectAccessReviews and SelfSubjectRulesReviews (how `kubectl auth can-i` asks).
 * Nothing is allowed otherwise (RBAC only adds permissions).
 */
import type { AuthorizationAttributes } from './api-errors.js';
import type { KubeObject } from './kube-object.js';

/** The API group of RBAC objects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** One `rules[]` entry of a Role or ClusterRole. */
export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** The RBAC objects the authorizer reads (a snapshot of the store at request time). */
export interface RbacObjects {
  roles: KubeObject[];
  clusterRoles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

interface RoleRef {
  kind?: string;
  name?: string;
}

/** Groups every authenticated user belongs to. */
const AUTHENTICATED_GROUPS = ['system:authenticated'];

function has(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value);
}

function resourceMatches(rule: PolicyRule, a: AuthorizationAttributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (a.subresource !== undefined && a.subresource !== '' && r === `*/${a.subresource}`));
}

/** Whether one rule allows the request (upstream `RuleAllows` for resource requests). */
export function ruleAllows(rule: PolicyRule, a: AuthorizationAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.group)) return false;
  if (!resourceMatches(rule, a)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

function subjectMatches(s: Subject, user: string, groups: readonly string[], bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user;
    case 'Group':
      return s.name !== undefined && groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace ?? bindingNamespace;
      return user === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function rulesOf(role: KubeObject | undefined): PolicyRule[] {
  return ((role as { rules?: PolicyRule[] } | undefined)?.rules ?? []).filter((r) => r && typeof r === 'object');
}

function subjectsOf(binding: KubeObject): Subject[] {
  return (binding as { subjects?: Subject[] }).subjects ?? [];
}

function roleRefOf(binding: KubeObject): RoleRef {
  return (binding as { roleRef?: RoleRef }).roleRef ?? {};
}

/** The built-in grants of the bootstrap policy every authenticated user has (system:basic-user). */
function basicUserAllows(a: AuthorizationAttributes): boolean {
  return a.group === 'authorization.k8s.io' && a.verb === 'create' && (a.resource === 'selfsubjectaccessreviews' || a.resource === 'selfsubjectrulesreviews');
}

/**
 * Whether RBAC allows the request for `user` (member of `groups` plus `system:authenticated`).
 */
export function rbacAllows(objects: RbacObjects, a: AuthorizationAttributes, groups: readonly string[] = []): boolean {
  if (basicUserAllows(a)) return true;
  const allGroups = [...groups, ...AUTHENTICATED_GROUPS];
  const clusterRole = (name: string | undefined) => objects.clusterRoles.find((r) => r.metadata.name === name);
  for (const b of objects.clusterRoleBindings) {
    if (!subjectsOf(b).some((s) => subjectMatches(s, a.user, allGroups, undefined))) continue;
    const ref = roleRefOf(b);
    if (ref.kind !== 'ClusterRole') continue;
    if (rulesOf(clusterRole(ref.name)).some((r) => ruleAllows(r, a))) return true;
  }
  if (a.namespace === undefined || a.namespace === '') return false;
  for (const b of objects.roleBindings) {
    if (b.metadata.namespace !== a.namespace) continue;
    if (!subjectsOf(b).some((s) => subjectMatches(s, a.user, allGroups, b.metadata.namespace))) continue;
    const ref = roleRefOf(b);
    const role =
      ref.kind === 'ClusterRole' ? clusterRole(ref.name) : ref.kind === 'Role' ? objects.roles.find((r) => r.metadata.namespace === a.namespace && r.metadata.name === ref.name) : undefined;
    if (rulesOf(role).some((r) => ruleAllows(r, a))) return true;
  }
  return false;
}
