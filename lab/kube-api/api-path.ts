/**
 * Parsing of Kubernetes API URLs into what they address: a discovery document, or a resource
 * (collection, object, subresource) with its namespace, and the request verb the apiserver's
 * RequestInfoFactory would derive.
 */
import type { ResourceInfo, ResourceRegistry } from './resource-registry.js';

/** A discovery URL. */
export type DiscoveryTarget =
  | { type: 'api-versions' }
  | { type: 'group-list' }
  | { type: 'group'; group: string }
  | { type: 'resource-list'; group: string; version: string };

/** A resource URL. */
export interface ResourceTarget {
  type: 'resource';
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Legacy `/watch/` path prefix. */
  watchPath: boolean;
}

/** What a path addresses; undefined when nothing is served there. */
export type ApiTarget = DiscoveryTarget | ResourceTarget;

/** Parses a URL path (no query string). */
export function parseApiPath(path: string, registry: ResourceRegistry): ApiTarget | undefined {
  let seg: string[];
  try {
    seg = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api') {
    if (seg.length === 1) return { type: 'api-versions' };
    if (seg[1] !== 'v1') return undefined;
    group = '';
    version = 'v1';
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    if (seg.length === 1) return { type: 'group-list' };
    if (seg.length === 2) return { type: 'group', group: seg[1]! };
    group = seg[1]!;
    version = seg[2]!;
    rest = seg.slice(3);
  } else return undefined;
  if (rest.length === 0) return { type: 'resource-list', group, version };

  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // `namespaces/<ns>/<plural>/...` addresses a namespaced resource, unless the third segment is not
  // a namespaced plural (then it is the namespace object's own subresource, e.g. namespaces/x/status).
  if (rest[0] === 'namespaces' && rest.length >= 3 && registry.lookup(group, version, rest[2]!)?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  const resource = registry.lookup(group, version, rest[0]!);
  if (!resource) return undefined;
  const [, name, subresource] = rest;
  if (namespace === undefined && resource.namespaced && name !== undefined) return undefined;
  if (subresource !== undefined) {
    const ok = (subresource === 'status' && resource.hasStatus) || resource.connectSubresources.includes(subresource);
    if (!ok) return undefined;
  }
  return { type: 'resource', resource, namespace, name, subresource, watchPath };
}

/** The request verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`). */
export function requestVerb(method: string, target: ResourceTarget, query: URLSearchParams): string | undefined {
  const watchParam = query.get('watch');
  const isWatch = target.watchPath || watchParam === 'true' || watchParam === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (isWatch) return 'watch';
      return target.name === undefined ? 'list' : 'get';
    case 'POST':
      return target.name === undefined || target.subresource !== undefined ? 'create' : undefined;
    case 'PUT':
      return target.name === undefined ? undefined : 'update';
    case 'PATCH':
      return target.name === undefined ? undefined : 'patch';
    case 'DELETE':
      return target.name === undefined ? 'deletecollection' : 'delete';
    default:
      return undefined;
  }
}
