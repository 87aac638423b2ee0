/**
 * Kubernetes `Status` error bodies, worded like the real API server (k8s.io/apimachinery
 * `pkg/api/errors`), so clients under test see exactly what a cluster would send.
 */

/** One entry of `Status.details.causes`. `reason` is Go's `StatusCause.Type`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** A `meta.k8s.io/v1` Status object. */
export interface KubeStatus {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code?: number;
}

/** A group-qualified resource, e.g. `{group: '', resource: 'pods'}`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** An API error carrying the Status body the server answers with. */
export class KubeApiError extends Error {
  /** Stable code of this error class. */
  readonly code = 'KUBE_API_STATUS';
  /** The Status body, with `kind`/`apiVersion` set. */
  readonly status: KubeStatus;

  constructor(status: Omit<KubeStatus, 'kind' | 'apiVersion' | 'metadata' | 'status'> & { code: number }) {
    super(status.message ?? `HTTP ${status.code}`);
    this.name = 'KubeApiError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status };
  }

  /** HTTP status code of the answer. */
  get httpStatus(): number {
    return this.status.code ?? 500;
  }
}

/** `pods` or `traceflows.crd.antrea.io` (Go's `GroupResource.String()`). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** `Pod` or `Traceflow.crd.antrea.io` (Go's `GroupKind.String()`). */
export function qualifiedKind(group: string, kind: string): string {
  return group ? `${kind}.${group}` : kind;
}

/** 404 `pods "x" not found`. */
export function notFound(gr: GroupResource, name: string): KubeApiError {
  return new KubeApiError({
    message: `${qualifiedResource(gr)} "${name}" not found`,
    reason: 'NotFound',
    details: { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
    code: 404,
  });
}

/** 409 `pods "x" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): KubeApiError {
  return new KubeApiError({
    message: `${qualifiedResource(gr)} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
    code: 409,
  });
}

/** 409 optimistic-concurrency conflict (stale `metadata.resourceVersion`). */
export function conflict(gr: GroupResource, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): KubeApiError {
  return new KubeApiError({
    message: `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    reason: 'Conflict',
    details: { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
    code: 409,
  });
}

/** Field-error types of k8s.io/apimachinery `util/validation/field`. */
export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported' | 'Forbidden' | 'Duplicate' | 'NotFound' | 'TooLong' | 'TooMany';

/** One validation failure on one field path (e.g. `spec.timeout`). */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value (omitted for Required/Forbidden). */
  value?: unknown;
  /** The value as Go prints it, verbatim (e.g. `0x0` for a uint64), instead of `value`. */
  rawValue?: string;
  detail?: string;
}

const fieldErrorText: Record<FieldErrorType, { cause: string; text: string }> = {
  Required: { cause: 'FieldValueRequired', text: 'Required value' },
  Invalid: { cause: 'FieldValueInvalid', text: 'Invalid value' },
  NotSupported: { cause: 'FieldValueNotSupported', text: 'Unsupported value' },
  Forbidden: { cause: 'FieldValueForbidden', text: 'Forbidden' },
  Duplicate: { cause: 'FieldValueDuplicate', text: 'Duplicate value' },
  NotFound: { cause: 'FieldValueNotFound', text: 'Not found' },
  TooLong: { cause: 'FieldValueTooLong', text: 'Too long' },
  TooMany: { cause: 'FieldValueTooMany', text: 'Too many' },
};

/** Go's `field.Error.ErrorBody()`: `Invalid value: 600: must be ...`. */
export function fieldErrorBody(e: FieldError): string {
  let s = fieldErrorText[e.type].text;
  const showsValue = e.type !== 'Required' && e.type !== 'Forbidden' && e.type !== 'TooLong' && e.type !== 'TooMany';
  if (showsValue && e.rawValue !== undefined) s += `: ${e.rawValue}`;
  else if (showsValue && 'value' in e) {
    const v = e.value;
    if (v === null || v === undefined) s += ': "null"';
    else if (typeof v === 'string') s += `: ${JSON.stringify(v)}`;
    else if (typeof v === 'number' || typeof v === 'boolean') s += `: ${v}`;
    else s += `: ${JSON.stringify(v)}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** 422 `Pod "x" is invalid: spec.containers: Required value`. */
export function invalid(group: string, kind: string, name: string, errors: FieldError[]): KubeApiError {
  const texts = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  // Go's utilerrors.Aggregate prints one error bare and several as "[a, b]".
  const aggregated = texts.length === 0 ? '' : texts.length === 1 ? `: ${texts[0]}` : `: [${texts.join(', ')}]`;
  return new KubeApiError({
    message: `${qualifiedKind(group, kind)} "${name}" is invalid${aggregated}`,
    reason: 'Invalid',
    details: {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: errors.map((e) => ({ reason: fieldErrorText[e.type].cause, message: fieldErrorBody(e), field: e.field })),
    },
    code: 422,
  });
}

/** 400 BadRequest with a free-form message. */
export function badRequest(message: string): KubeApiError {
  return new KubeApiError({ message, reason: 'BadRequest', code: 400 });
}

/** 401, as the authentication filter answers (no details). */
export function unauthorized(): KubeApiError {
  return new KubeApiError({ message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/** What an authorizer was asked: the parts the forbidden message names. */
export interface AuthorizationAttributes {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/**
 * 403 with the apiserver's wording: `pods "x" is forbidden: User "restricted" cannot create resource
 * "pods/exec" in API group "" in the namespace "ns"`.
 */
export function forbidden(a: AuthorizationAttributes): KubeApiError {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const why = `User "${a.user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
  const what = qualifiedResource({ group: a.group, resource: a.resource });
  return new KubeApiError({
    message: a.name ? `${what} "${a.name}" is forbidden: ${why}` : `${what} is forbidden: ${why}`,
    reason: 'Forbidden',
    details: { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: a.resource },
    code: 403,
  });
}

/** 405 for a verb the resource does not support. */
export function methodNotSupported(gr: GroupResource, verb: string): KubeApiError {
  return new KubeApiError({
    message: `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`,
    reason: 'MethodNotAllowed',
    details: { ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
    code: 405,
  });
}

/** 415 for a patch or body type the resource does not accept. */
export function unsupportedMediaType(contentType: string, accepted: string[]): KubeApiError {
  return new KubeApiError({
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    reason: 'UnsupportedMediaType',
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: contentType }] },
    code: 415,
  });
}

/** 410 Expired, sent as a watch ERROR event when the requested resourceVersion was compacted. */
export function expired(requested: number | string, oldest: number): KubeApiError {
  return new KubeApiError({ message: `too old resource version: ${requested} (${oldest})`, reason: 'Expired', code: 410 });
}

/** 404 for a URL that names no known resource (the apiserver's plain "page not found"). */
export function pathNotFound(): KubeApiError {
  return new KubeApiError({ message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}

/** 500 InternalError (`Internal error occurred: ...`). */
export function internalError(message: string): KubeApiError {
  return new KubeApiError({
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  });
}

/**
 * The Status an apiserver returns when a validating admission webhook denies a request
 * (apiserver `webhookerrors.ToStatusErr`): code defaults to 403, `reason` stays as the webhook set it.
 */
export function webhookDenied(webhookName: string, result: { message?: string; reason?: string; code?: number } = {}): KubeApiError {
  const deniedBy = `admission webhook "${webhookName}" denied the request`;
  const message = result.message ? `${deniedBy}: ${result.message}` : result.reason ? `${deniedBy}: ${result.reason}` : `${deniedBy} without explanation`;
  const code = result.code !== undefined && result.code >= 400 ? result.code : 403;
  return new KubeApiError({ message, ...(result.reason ? { reason: result.reason } : {}), code });
}
