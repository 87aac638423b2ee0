/**
 * The REST verbs on resources (get, list, create, update, patch, delete, deletecollection and the
 * status subresource), from a parsed request to the response the apiserver would give.
 */
import { parse as parseYaml } from 'yaml';
import type { ResourceTarget } from './api-path.js';
import type { KubeObject } from './kube-object.js';
import type { ObjectStore, WriteOptions } from './object-store.js';
import type { ResourceInfo } from './resource-registry.js';
import { KubeApiError, badRequest, invalid, methodNotSupported, notFound, unsupportedMediaType } from './api-errors.js';
import { JsonPatchError, applyJsonPatch, applyMergePatch } from './json-patch.js';
import { isPlainObject } from './kube-object.js';
import { splitApiVersion } from './object-store.js';

/** A parsed REST request on a resource. */
export interface RestRequest {
  target: ResourceTarget;
  verb: string;
  query: URLSearchParams;
  /** Raw request body (empty when none). */
  body: Buffer;
  /** Media type of the body, without parameters. */
  contentType: string;
  user: string;
}

/** What to answer. */
export interface RestResponse {
  status: number;
  body: unknown;
}

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';

/** Parses a JSON (or YAML) request body into an object. */
export function parseBody(body: Buffer, contentType: string): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function writeOptions(req: RestRequest): WriteOptions {
  const dryRun = req.query.getAll('dryRun');
  for (const d of dryRun) {
    if (d !== 'All') throw invalid('', 'CreateOptions', '', [{ type: 'NotSupported', field: 'dryRun', value: d, detail: 'supported values: "All"' }]);
  }
  return { user: req.user, dryRun: dryRun.length > 0 };
}

/** Checks a body's apiVersion/kind against the URL; other served versions of the same group are accepted. */
function checkTypeMeta(res: ResourceInfo, obj: KubeObject, store: ObjectStore): void {
  if (obj.apiVersion !== undefined && obj.apiVersion !== res.apiVersion) {
    const [group, version] = splitApiVersion(obj.apiVersion);
    if (group !== res.group || !store.registry.lookup(group, version, res.plural)) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${res.apiVersion})`);
    }
  }
  if (obj.kind !== undefined && obj.kind !== res.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${res.kind})`);
  }
}

function asObject(value: unknown): KubeObject {
  if (!isPlainObject(value)) throw badRequest('the object provided is unrecognized (must be of type Object)');
  if (value.metadata !== undefined && !isPlainObject(value.metadata)) throw badRequest('metadata must be an object');
  return { ...value, metadata: (value.metadata as KubeObject['metadata']) ?? {} } as KubeObject;
}

/** Items of built-in lists carry no apiVersion/kind (the list has them); custom resources keep theirs. */
function listItem(res: ResourceInfo, obj: KubeObject): KubeObject {
  if (res.custom) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest as KubeObject;
}

/** Handles one REST request. Throws {@link KubeApiError} for error answers. */
export function handleRest(store: ObjectStore, req: RestRequest): RestResponse {
  const { target, verb, query } = req;
  const res = target.resource;
  const gr = { group: res.group, resource: res.plural };
  const sub = target.subresource;
  if (sub !== undefined && sub !== 'status') throw methodNotSupported(gr, verb);

  switch (verb) {
    case 'get':
      return { status: 200, body: store.get(res, target.namespace, target.name!) };

    case 'list': {
      const limit = query.get('limit');
      const result = store.list(res, {
        namespace: target.namespace,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
        limit: limit ? Number(limit) : undefined,
        continue: query.get('continue') ?? undefined,
      });
      return {
        status: 200,
        body: {
          apiVersion: res.apiVersion,
          kind: `${res.kind}List`,
          metadata: { resourceVersion: String(result.resourceVersion), ...(result.continue ? { continue: result.continue } : {}) },
          items: result.items.map((o) => listItem(res, o)),
        },
      };
    }

    case 'create': {
      const obj = asObject(parseBody(req.body, req.contentType));
      checkTypeMeta(res, obj, store);
      if (res.namespaced) {
        if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== target.namespace) {
          throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        if (target.namespace === undefined) throw notFound({ group: '', resource: 'namespaces' }, '');
        obj.metadata.namespace = target.namespace;
      }
      return { status: 201, body: store.create(res, obj, writeOptions(req)) };
    }

    case 'update': {
      const obj = asObject(parseBody(req.body, req.contentType));
      checkTypeMeta(res, obj, store);
      if (obj.metadata.name !== undefined && obj.metadata.name !== target.name) {
        throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${target.name})`);
      }
      if (res.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== target.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.name = target.name;
      if (res.namespaced) obj.metadata.namespace = target.namespace;
      return { status: 200, body: store.update(res, obj, { ...writeOptions(req), ...(sub === 'status' ? { subresource: 'status' as const } : {}) }) };
    }

    case 'patch':
      return { status: 200, body: patch(store, req) };

    case 'delete': {
      const opts = deleteOptions(req);
      const deleted = store.delete(res, target.namespace, target.name!, { ...writeOptions(req), ...opts });
      if (res.returnDeletedObject || deleted.metadata.deletionTimestamp) return { status: 200, body: deleted };
      return {
        status: 200,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: target.name, ...(res.group ? { group: res.group } : {}), kind: res.plural, uid: deleted.metadata.uid },
        },
      };
    }

    case 'deletecollection': {
      const items = store.list(res, {
        namespace: target.namespace,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
      }).items;
      const deleted = items.map((o) => store.delete(res, o.metadata.namespace, o.metadata.name!, writeOptions(req)));
      return {
        status: 200,
        body: { apiVersion: res.apiVersion, kind: `${res.kind}List`, metadata: { resourceVersion: String(store.resourceVersion) }, items: deleted.map((o) => listItem(res, o)) },
      };
    }

    default:
      throw methodNotSupported(gr, verb);
  }
}

function deleteOptions(req: RestRequest): { preconditions?: { uid?: string; resourceVersion?: string } } {
  if (req.body.toString('utf8').trim() === '') return {};
  const body = parseBody(req.body, req.contentType);
  if (!isPlainObject(body)) return {};
  const pre = body.preconditions;
  return isPlainObject(pre) ? { preconditions: { uid: pre.uid as string | undefined, resourceVersion: pre.resourceVersion as string | undefined } } : {};
}

function patch(store: ObjectStore, req: RestRequest): KubeObject {
  const { target } = req;
  const res = target.resource;
  const sub = target.subresource === 'status' ? { subresource: 'status' as const } : {};
  const accepted = res.custom ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] : [JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH];
  if (!accepted.includes(req.contentType)) throw unsupportedMediaType(req.contentType, accepted);
  const opts = { ...writeOptions(req), ...sub };

  if (req.contentType === APPLY_PATCH) {
    if (!req.query.get('fieldManager')) {
      throw invalid('meta.k8s.io', 'PatchOptions', '', [{ type: 'Required', field: 'fieldManager', detail: 'is required for apply patch' }]);
    }
    const applied = asObject(parseBody(req.body, APPLY_PATCH));
    checkTypeMeta(res, applied, store);
    // Server-side apply creates a missing object; field ownership is not tracked in the lab.
    if (!store.tryGet(res, target.namespace, target.name!)) {
      if (sub.subresource) throw notFound({ group: res.group, resource: res.plural }, target.name!);
      return store.create(res, { ...applied, metadata: { ...applied.metadata, name: target.name, ...(res.namespaced ? { namespace: target.namespace } : {}) } }, opts);
    }
    return store.patch(res, target.namespace, target.name!, (cur) => applyMergePatch(cur, applied) as KubeObject, opts);
  }

  const body = parseBody(req.body, 'application/json');
  return store.patch(
    res,
    target.namespace,
    target.name!,
    (cur) => {
      if (req.contentType === JSON_PATCH) {
        try {
          return applyJsonPatch(cur, body) as KubeObject;
        } catch (err) {
          if (!(err instanceof JsonPatchError)) throw err;
          throw new KubeApiError({
            message: 'the server rejected our request due to an error in our request',
            reason: 'Invalid',
            details: { causes: [{ reason: 'UnexpectedServerResponse', message: err.message }] },
            code: 422,
          });
        }
      }
      if (!isPlainObject(body)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      return applyMergePatch(cur, body) as KubeObject;
    },
    opts,
  );
}
