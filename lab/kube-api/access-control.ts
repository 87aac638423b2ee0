/**
 * Authentication (bearer tokens), impersonation and authorization for the lab API server. Two
 * authorizers: a user with a token and `authorizer: 'deny-list'` (the default: `admin`,
 * `restricted`) may do everything except what their deny rules name, which is enough to
 * reproduce one missing permission (e.g. no `create pods/exec`); any other user — one with
 * `authorizer: 'rbac'`, or a name impersonated with `Impersonate-User` (kubectl `--as`, a
 * kubeconfig's `as:`) — gets exactly what the Roles, ClusterRoles and bindings in the store grant
 * ({@link rbacAllows}).
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuthorizationAttributes } from './api-errors.js';
import { forbidden, unauthorized } from './api-errors.js';
import { rbacAllows, type RbacObjects } from './rbac-authorizer.js';

/** A lab user. */
export interface LabUser {
  name: string;
  token: string;
  /** Deny rules, `<verb> <resource>[/<subresource>]`, resource optionally `plural.group`; `*` matches any. */
  denies?: string[];
  /** `deny-list` (default): allowed all but `denies`; `rbac`: allowed what RBAC objects grant. */
  authorizer?: 'deny-list' | 'rbac';
}

/** A parsed deny rule. */
export interface DenyRule {
  verb: string;
  /** undefined: any group. */
  group?: string;
  resource: string;
  subresource?: string;
}

/** Raised for a malformed deny rule in the configuration. */
export class DenyRuleError extends Error {
  readonly code = 'KUBE_API_DENY_RULE';
  constructor(rule: string) {
    super(`invalid deny rule ${JSON.stringify(rule)}: expected "<verb> <resource>[/<subresource>]", e.g. "create pods/exec"`);
    this.name = 'DenyRuleError';
  }
}

/** Parses `create pods/exec`, `create traceflows.crd.antrea.io`, `* secrets`. */
export function parseDenyRule(rule: string): DenyRule {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(rule);
  if (!m) throw new DenyRuleError(rule);
  const [resourcePart, subresource] = m[2]!.split('/', 2) as [string, string | undefined];
  const dot = resourcePart.indexOf('.');
  const resource = dot < 0 ? resourcePart : resourcePart.slice(0, dot);
  const group = dot < 0 ? undefined : resourcePart.slice(dot + 1);
  return { verb: m[1]!, resource, ...(group !== undefined ? { group } : {}), ...(subresource ? { subresource } : {}) };
}

function ruleMatches(rule: DenyRule, a: AuthorizationAttributes): boolean {
  if (rule.verb !== '*' && rule.verb !== a.verb) return false;
  if (rule.group !== undefined && rule.group !== '*' && rule.group !== a.group) return false;
  if (rule.resource !== '*' && rule.resource !== a.resource) return false;
  if ((rule.subresource ?? '') !== (a.subresource ?? '') && rule.subresource !== '*') return false;
  return true;
}

/** Authenticates requests and authorizes their attributes. */
export class AccessControl {
  private readonly users: Array<LabUser & { rules: DenyRule[] }>;

  /** `rbac`: reads the RBAC objects at request time (without it, RBAC users are denied everything). */
  constructor(users: LabUser[], private readonly rbac?: () => RbacObjects) {
    this.users = users.map((u) => ({ ...u, rules: (u.denies ?? []).map(parseDenyRule) }));
  }

  /**
   * The user a request acts as: the authenticated one, or the one it impersonates
   * (`Impersonate-User`), which needs `impersonate` on `users` with that name, as in Kubernetes.
   */
  impersonate(user: string, headers: Record<string, string | string[] | undefined>): string {
    const raw = headers['impersonate-user'];
    const target = Array.isArray(raw) ? raw[0] : raw;
    if (target === undefined || target === '') return user;
    this.authorize({ user, verb: 'impersonate', group: '', resource: 'users', name: target });
    return target;
  }

  /** The user of an `Authorization: Bearer <token>` header; throws 401 otherwise. */
  authenticate(authorization: string | undefined): string {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw unauthorized();
    const given = Buffer.from(m[1]!);
    for (const u of this.users) {
      const want = Buffer.from(u.token);
      if (want.length === given.length && timingSafeEqual(want, given)) return u.name;
    }
    throw unauthorized();
  }

  /** Whether the attributes are allowed. */
  allows(a: AuthorizationAttributes): boolean {
    const user = this.users.find((u) => u.name === a.user);
    if (!user || user.authorizer === 'rbac') return this.rbac ? rbacAllows(this.rbac(), a) : false;
    return !user.rules.some((r) => ruleMatches(r, a));
  }

  /** Throws the apiserver's 403 when the attributes are denied. */
  authorize(a: AuthorizationAttributes): void {
    if (!this.allows(a)) throw forbidden(a);
  }
}
