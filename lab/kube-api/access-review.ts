/**
 * `SelfSubjectAccessReview` (`kubectl auth can-i`, and permission preflights in clients): answers
 * whether the calling user may do what the review's `spec.resourceAttributes` describe, from the
 * same authorizer (deny rules or RBAC) that guards real requests.
 */
import type { AccessControl } from './access-control.js';
import { badRequest } from './api-errors.js';
import { isPlainObject } from './kube-object.js';

/** `spec.resourceAttributes` of a review. */
interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/** Evaluates a SelfSubjectAccessReview body for `user`; returns the review with `status` filled in. */
export function reviewSelfAccess(access: AccessControl, user: string, body: unknown): object {
  if (!isPlainObject(body) || !isPlainObject(body.spec)) throw badRequest('SelfSubjectAccessReview: spec is required');
  const spec = body.spec as { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: { path?: string; verb?: string } };
  let allowed = true;
  if (spec.resourceAttributes) {
    const a = spec.resourceAttributes;
    allowed = access.allows({
      user,
      verb: a.verb ?? '',
      group: a.group ?? '',
      resource: a.resource ?? '',
      ...(a.subresource ? { subresource: a.subresource } : {}),
      ...(a.namespace ? { namespace: a.namespace } : {}),
      ...(a.name ? { name: a.name } : {}),
    });
  } else if (!spec.nonResourceAttributes) {
    throw badRequest('SelfSubjectAccessReview: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: allowed ? { allowed: true, reason: `lab: allowed for user "${user}" (no deny rule, or granted by RBAC)` } : { allowed: false },
  };
}
