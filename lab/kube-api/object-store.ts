/**
 * The in-memory object store behind the lab API server: generic over registered resources, with a
 * global resourceVersion counter, optimistic concurrency, a bounded event history for watches (and
 * 410 Expired beyond it), change subscriptions for controllers, and admission hooks.
 */
import { randomUUID } from 'node:crypto';
import type { FieldError } from './api-errors.js';
import type { KubeObject } from './kube-object.js';
import type { RegisteredResource, ResourceInfo, ResourceRegistry } from './resource-registry.js';
import { KubeApiError, alreadyExists, badRequest, conflict, expired, invalid, notFound } from './api-errors.js';
import { clone, isPlainObject, stableStringify } from './kube-object.js';
import { pruneUnknownFields, validateAgainstSchema } from './schema-validation.js';
import { matchFieldRequirements, matchLabelRequirements, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { prepareForCreate, validateBuiltin, validateName } from './resource-strategies.js';

/** Watch event types the store produces (BOOKMARK and ERROR exist only on the wire). */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change in the store. */
export interface StoreEvent {
  type: ChangeType;
  resourceVersion: number;
  group: string;
  plural: string;
  /** The object after the change; for DELETED its last state, stamped with the deletion's resourceVersion. */
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED). */
  oldObject?: KubeObject;
}

/** Admission operations, as in `AdmissionReview.request.operation`. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** What an admission validator sees. */
export interface AdmissionRequest {
  operation: AdmissionOperation;
  resource: ResourceInfo;
  /** `status` for status writes; undefined for the main resource. */
  subresource?: string;
  namespace?: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  /** The authenticated user (undefined for in-process writes). */
  user?: string;
  dryRun: boolean;
}

/**
 * A validating admission hook. Throw a {@link KubeApiError} to reject (e.g. `webhookDenied(...)` or
 * `invalid(...)`); return normally to allow. Validators must not write to the store.
 */
export type AdmissionValidator = (req: AdmissionRequest) => void;

/** A schema-validation hook: returns field errors (answered as 422 Invalid). */
export type SchemaValidator = (obj: KubeObject, resource: ResourceInfo) => FieldError[];

/** Options common to writes. */
export interface WriteOptions {
  /** The user on whose behalf the write happens (passed to validators). */
  user?: string;
  /** Validate and answer, but do not persist (`?dryRun=All`). */
  dryRun?: boolean;
  /** Skip API semantics that a real apiserver applies to client writes (status reset, admission). */
  internal?: boolean;
}

/** Options of list and watch. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** Options of a watch. */
export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Replay changes after this version; `undefined`/`'0'` start with ADDED events for the current state. */
  resourceVersion?: string;
  /** Send ADDED for the current state even when a resourceVersion is given (`sendInitialEvents=true`). */
  sendInitialEvents?: boolean;
}

/** A change delivered to a watcher, after selector filtering. */
export interface WatchDelivery {
  type: ChangeType;
  object: KubeObject;
}

/** A running watch. */
export interface StoreWatch {
  /** The store's resourceVersion when the watch started (what initial events are consistent with). */
  readonly startResourceVersion: number;
  stop(): void;
}

const objKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
const resKey = (group: string, plural: string) => `${group}/${plural}`;
/** Qualified resource name used to address hooks: `pods`, `traceflows.crd.antrea.io`. */
export const hookKey = (group: string, plural: string) => (group ? `${plural}.${group}` : plural);

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** The store. */
export class ObjectStore {
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly historyLimit: number;
  private rv = 0;
  /** Versions up to and including this one are no longer in the history. */
  private compactedThrough = 0;
  private readonly subscribers = new Set<(ev: StoreEvent) => void>();
  private readonly validators = new Map<string, AdmissionValidator[]>();
  private readonly schemaValidators = new Map<string, SchemaValidator[]>();
  private readonly pending: StoreEvent[] = [];
  private delivering = false;

  constructor(
    readonly registry: ResourceRegistry,
    options: { historyLimit?: number } = {},
  ) {
    this.historyLimit = options.historyLimit ?? 10_000;
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** Forgets all history up to now, like an etcd compaction: older watch resourceVersions get 410. */
  compact(): void {
    this.history.length = 0;
    this.compactedThrough = this.rv;
  }

  /** Adds a validating admission hook for `pods` / `traceflows.crd.antrea.io` (or `*` for all). */
  registerValidator(resource: string, fn: AdmissionValidator): () => void {
    const list = this.validators.get(resource) ?? [];
    list.push(fn);
    this.validators.set(resource, list);
    return () => list.splice(list.indexOf(fn) >>> 0, 1);
  }

  /** Adds a schema-validation hook for a resource (run with built-in and CRD schema validation). */
  registerSchemaValidator(resource: string, fn: SchemaValidator): () => void {
    const list = this.schemaValidators.get(resource) ?? [];
    list.push(fn);
    this.schemaValidators.set(resource, list);
    return () => list.splice(list.indexOf(fn) >>> 0, 1);
  }

  /** Calls `fn` for every change of every resource, in order. Do not mutate the event objects. */
  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Drops all objects of a resource (when its CRD goes away), without events. */
  dropResource(group: string, plural: string): void {
    this.data.delete(resKey(group, plural));
  }

  /** The object, or a 404 KubeApiError. Returned with the requested version's apiVersion. */
  get(res: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const found = this.tryGet(res, namespace, name);
    if (!found) throw notFound({ group: res.group, resource: res.plural }, name);
    return found;
  }

  /** The object, or undefined. */
  tryGet(res: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.table(res).get(objKey(res.namespaced ? namespace : undefined, name));
    return obj ? this.present(res, obj) : undefined;
  }

  /** Lists objects (sorted by namespace/name) with selectors and optional paging. */
  list(res: ResourceInfo, opts: ListOptions = {}): { items: KubeObject[]; resourceVersion: number; continue?: string } {
    const labelReqs = parseLabelSelector(opts.labelSelector);
    const fieldReqs = parseFieldSelector(opts.fieldSelector, res);
    let after = '';
    if (opts.continue) {
      try {
        after = String((JSON.parse(Buffer.from(opts.continue, 'base64url').toString('utf8')) as { start: string }).start);
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
    }
    const keys = [...this.table(res).keys()].sort();
    const items: KubeObject[] = [];
    let next: string | undefined;
    for (const k of keys) {
      if (after && k <= after) continue;
      const obj = this.table(res).get(k)!;
      if (res.namespaced && opts.namespace && obj.metadata.namespace !== opts.namespace) continue;
      if (!matchLabelRequirements(labelReqs, obj.metadata.labels)) continue;
      if (!matchFieldRequirements(fieldReqs, obj, res)) continue;
      if (opts.limit && opts.limit > 0 && items.length >= opts.limit) {
        next = Buffer.from(JSON.stringify({ rv: this.rv, start: objKey(items.at(-1)!.metadata.namespace, items.at(-1)!.metadata.name!) })).toString('base64url');
        break;
      }
      items.push(this.present(res, obj));
    }
    return { items, resourceVersion: this.rv, ...(next ? { continue: next } : {}) };
  }

  /** Creates an object (namespace from `metadata.namespace`). */
  create(res: ResourceInfo, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const obj = clone(input);
    obj.apiVersion = res.apiVersion;
    obj.kind = res.kind;
    obj.metadata = isPlainObject(obj.metadata) ? obj.metadata : {};
    if (!res.namespaced) delete obj.metadata.namespace;
    const ns = obj.metadata.namespace;
    if (res.namespaced && !ns) throw badRequest('the server could not find the requested resource: namespace is required');
    if (res.namespaced && !this.namespaceExists(ns!)) throw notFound({ group: '', resource: 'namespaces' }, ns!);
    if (!obj.metadata.name && obj.metadata.generateName) {
      let name: string;
      do name = obj.metadata.generateName + Array.from({ length: 5 }, () => GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)]).join('');
      while (this.table(res).has(objKey(ns, name)));
      obj.metadata.name = name;
    }
    const name = obj.metadata.name ?? '';
    if (!name) throw invalid(res.group, res.kind, '', [{ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' }]);
    if (!opts.internal) prepareForCreate(res, obj);
    this.validate(res, obj, opts);
    if (this.table(res).has(objKey(ns, name))) throw alreadyExists({ group: res.group, resource: res.plural }, name);
    if (!opts.internal) this.admit({ operation: 'CREATE', resource: res, namespace: ns, name, object: obj, user: opts.user, dryRun: Boolean(opts.dryRun) });
    obj.metadata.uid = opts.internal && obj.metadata.uid ? obj.metadata.uid : randomUUID();
    obj.metadata.creationTimestamp = opts.internal && obj.metadata.creationTimestamp ? obj.metadata.creationTimestamp : now();
    obj.metadata.generation = 1;
    delete obj.metadata.deletionTimestamp;
    if (opts.dryRun) {
      obj.metadata.resourceVersion = undefined;
      return this.present(res, obj);
    }
    obj.metadata.resourceVersion = String(++this.rv);
    this.table(res).set(objKey(ns, name), obj);
    this.record({ type: 'ADDED', resourceVersion: this.rv, group: res.group, plural: res.plural, object: clone(obj) });
    return this.present(res, obj);
  }

  /**
   * Replaces an object (PUT). With `subresource: 'status'` only `status` is taken from the input;
   * on the main resource of a kind with a status subresource, `status` is kept from the stored object.
   */
  update(res: ResourceInfo, input: KubeObject, opts: WriteOptions & { subresource?: 'status' } = {}): KubeObject {
    const ns = res.namespaced ? input.metadata?.namespace : undefined;
    const name = input.metadata?.name ?? '';
    const old = this.table(res).get(objKey(ns, name));
    if (!old) throw notFound({ group: res.group, resource: res.plural }, name);
    const wantRv = input.metadata?.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && wantRv !== old.metadata.resourceVersion) throw conflict({ group: res.group, resource: res.plural }, name);
    if ((wantRv === undefined || wantRv === '') && !res.allowUnconditionalUpdate && !opts.internal) {
      // The generic registry names the resource (not the kind) here and prints the uint64 with %#v.
      throw invalid(res.group, res.plural, name, [{ type: 'Invalid', field: 'metadata.resourceVersion', rawValue: '0x0', detail: 'must be specified for an update' }]);
    }
    let obj: KubeObject;
    if (opts.subresource === 'status') {
      obj = clone(old);
      if (input.status === undefined) delete obj.status;
      else obj.status = clone(input.status);
    } else {
      obj = clone(input);
      obj.metadata = { ...obj.metadata };
      if (res.hasStatus && !opts.internal) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
    }
    obj.apiVersion = res.apiVersion;
    obj.kind = res.kind;
    for (const k of ['uid', 'creationTimestamp', 'namespace', 'name', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
      if (old.metadata[k] === undefined) delete obj.metadata[k];
      else obj.metadata[k] = old.metadata[k] as never;
    }
    if (!res.namespaced) delete obj.metadata.namespace;
    obj.metadata.generation = old.metadata.generation ?? 1;
    if (opts.subresource !== 'status' && specChanged(old, obj)) obj.metadata.generation += 1;
    this.validate(res, obj, opts);
    if (!opts.internal) this.admit({ operation: 'UPDATE', resource: res, subresource: opts.subresource, namespace: ns, name, object: obj, oldObject: this.present(res, old), user: opts.user, dryRun: Boolean(opts.dryRun) });
    if (opts.dryRun) return this.present(res, { ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } });
    // A write that empties the finalizers of an object being deleted completes the deletion.
    if (old.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0) {
      obj.metadata.resourceVersion = String(++this.rv);
      this.table(res).delete(objKey(ns, name));
      this.record({ type: 'DELETED', resourceVersion: this.rv, group: res.group, plural: res.plural, object: clone(obj), oldObject: clone(old) });
      return this.present(res, obj);
    }
    if (stableStringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }) === stableStringify({ ...old, metadata: { ...old.metadata, resourceVersion: undefined } })) {
      // No-op writes keep the resourceVersion and emit no event, as on a real apiserver.
      return this.present(res, old);
    }
    obj.metadata.resourceVersion = String(++this.rv);
    this.table(res).set(objKey(ns, name), obj);
    this.record({ type: 'MODIFIED', resourceVersion: this.rv, group: res.group, plural: res.plural, object: clone(obj), oldObject: clone(old) });
    return this.present(res, obj);
  }

  /**
   * Patches an object: `mutate` gets a copy of the stored object (as the requested version) and
   * returns the patched object, which is then written like an update. A `metadata.resourceVersion`
   * in the patch result that differs from the stored one is a conflict; none is unconditional.
   */
  patch(res: ResourceInfo, namespace: string | undefined, name: string, mutate: (current: KubeObject) => KubeObject, opts: WriteOptions & { subresource?: 'status' } = {}): KubeObject {
    const current = this.get(res, namespace, name);
    const patched = mutate(clone(current));
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) throw badRequest('the patch produced an object without metadata');
    const rv = patched.metadata.resourceVersion;
    patched.metadata = { ...patched.metadata, name, ...(res.namespaced ? { namespace } : {}) };
    if (rv === undefined || rv === '') patched.metadata.resourceVersion = current.metadata.resourceVersion;
    if (patched.metadata.name !== name) throw badRequest(`the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`);
    return this.update(res, patched, { ...opts });
  }

  /**
   * Deletes an object. Objects with finalizers only get a deletionTimestamp (MODIFIED) until a
   * later update empties them. Namespaces take their objects with them.
   */
  delete(res: ResourceInfo, namespace: string | undefined, name: string, opts: WriteOptions & { preconditions?: { uid?: string; resourceVersion?: string } } = {}): KubeObject {
    const ns = res.namespaced ? namespace : undefined;
    const old = this.table(res).get(objKey(ns, name));
    if (!old) throw notFound({ group: res.group, resource: res.plural }, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw conflict({ group: res.group, resource: res.plural }, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict({ group: res.group, resource: res.plural }, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    if (!opts.internal) this.admit({ operation: 'DELETE', resource: res, namespace: ns, name, oldObject: this.present(res, old), user: opts.user, dryRun: Boolean(opts.dryRun) });
    if (opts.dryRun) return this.present(res, old);
    if ((old.metadata.finalizers ?? []).length > 0) {
      if (old.metadata.deletionTimestamp) return this.present(res, old);
      const obj = clone(old);
      obj.metadata.deletionTimestamp = now();
      obj.metadata.deletionGracePeriodSeconds = 0;
      obj.metadata.resourceVersion = String(++this.rv);
      this.table(res).set(objKey(ns, name), obj);
      this.record({ type: 'MODIFIED', resourceVersion: this.rv, group: res.group, plural: res.plural, object: clone(obj), oldObject: clone(old) });
      return this.present(res, obj);
    }
    if (!res.custom && res.group === '' && res.plural === 'namespaces') this.deleteNamespaceContents(name);
    this.table(res).delete(objKey(ns, name));
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record({ type: 'DELETED', resourceVersion: this.rv, group: res.group, plural: res.plural, object: gone, oldObject: clone(old) });
    return this.present(res, gone);
  }

  /**
   * Watches a resource. Initial ADDED events (when starting from "now") and replayed history are
   * delivered synchronously before this returns; later changes as they happen. Throws 410 Expired
   * when `resourceVersion` is older than the retained history, 400 for bad selectors.
   */
  watch(res: ResourceInfo, opts: WatchOptions, deliver: (d: WatchDelivery) => void): StoreWatch {
    const labelReqs = parseLabelSelector(opts.labelSelector);
    const fieldReqs = parseFieldSelector(opts.fieldSelector, res);
    const passes = (o: KubeObject | undefined) =>
      o !== undefined &&
      (!res.namespaced || !opts.namespace || o.metadata.namespace === opts.namespace) &&
      matchLabelRequirements(labelReqs, o.metadata.labels) &&
      matchFieldRequirements(fieldReqs, o, res);
    const rvText = opts.resourceVersion ?? '';
    if (rvText !== '' && !/^\d+$/.test(rvText)) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rvText)}: invalid resource version`);
    const from = rvText === '' ? 0 : Number(rvText);
    if (from > 0 && from < this.compactedThrough) throw expired(from, this.compactedThrough + 1);
    const startResourceVersion = this.rv;
    const onEvent = (ev: StoreEvent) => {
      if (ev.group !== res.group || ev.plural !== res.plural) return;
      const now = passes(ev.object);
      const before = ev.type === 'MODIFIED' ? passes(ev.oldObject) : now;
      if (ev.type === 'MODIFIED' && now && !before) deliver({ type: 'ADDED', object: this.present(res, ev.object) });
      else if (ev.type === 'MODIFIED' && !now && before) {
        const last = clone(ev.oldObject!);
        last.metadata.resourceVersion = String(ev.resourceVersion);
        deliver({ type: 'DELETED', object: this.present(res, last) });
      } else if (now) deliver({ type: ev.type, object: this.present(res, ev.object) });
    };
    if (from === 0 || opts.sendInitialEvents) {
      for (const k of [...this.table(res).keys()].sort()) {
        const obj = this.table(res).get(k)!;
        if (passes(obj)) deliver({ type: 'ADDED', object: this.present(res, obj) });
      }
    }
    if (from > 0 && !opts.sendInitialEvents) {
      for (const ev of this.history) if (ev.resourceVersion > from) onEvent(ev);
    }
    this.subscribers.add(onEvent);
    return { startResourceVersion, stop: () => void this.subscribers.delete(onEvent) };
  }

  /** Loads objects as they are (status, uid kept; no admission). Namespaces and CRDs go first. */
  seed(objects: KubeObject[]): void {
    const order = (o: KubeObject) => (o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2);
    for (const obj of [...objects].sort((a, b) => order(a) - order(b))) {
      const [group, version] = splitApiVersion(obj.apiVersion ?? '');
      const res = this.registry.byKind(group, version, obj.kind ?? '');
      if (!res) throw badRequest(`no resource is registered for ${obj.apiVersion ?? '?'} ${obj.kind ?? '?'}`);
      this.create(res, obj, { internal: true });
    }
  }

  private namespaceExists(name: string): boolean {
    return this.data.get(resKey('', 'namespaces'))?.has(objKey(undefined, name)) ?? false;
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const reg of this.registry.all()) {
      if (!reg.namespaced) continue;
      const version = reg.versions.keys().next().value as string;
      const res = this.registry.lookup(reg.group, version, reg.plural)!;
      for (const [k, obj] of [...this.table(res).entries()]) {
        if (obj.metadata.namespace !== namespace) continue;
        this.table(res).delete(k);
        const gone = clone(obj);
        gone.metadata.resourceVersion = String(++this.rv);
        this.record({ type: 'DELETED', resourceVersion: this.rv, group: res.group, plural: res.plural, object: gone, oldObject: clone(obj) });
      }
    }
  }

  private validate(res: ResourceInfo, obj: KubeObject, opts: WriteOptions): void {
    const errs: FieldError[] = [...validateName(res, obj.metadata.name ?? '')];
    if (!opts.internal) errs.push(...validateBuiltin(res, obj));
    if (res.schema) {
      pruneUnknownFields(obj, res.schema, true);
      const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
      const schemaWithoutMeta = { ...res.schema, properties: { ...res.schema.properties } };
      delete schemaWithoutMeta.properties.metadata;
      errs.push(...validateAgainstSchema(rest, schemaWithoutMeta, ''));
    }
    for (const fn of this.schemaValidators.get(hookKey(res.group, res.plural)) ?? []) errs.push(...fn(obj, res));
    if (errs.length > 0) throw invalid(res.group, res.kind, obj.metadata.name ?? '', errs);
  }

  private admit(req: AdmissionRequest): void {
    const fns = [...(this.validators.get(hookKey(req.resource.group, req.resource.plural)) ?? []), ...(this.validators.get('*') ?? [])];
    for (const fn of fns) {
      try {
        fn(req);
      } catch (err) {
        if (err instanceof KubeApiError) throw err;
        throw new KubeApiError({ message: `Internal error occurred: admission validator failed: ${(err as Error).message}`, reason: 'InternalError', code: 500 });
      }
    }
  }

  private table(res: RegisteredResource): Map<string, KubeObject> {
    let t = this.data.get(resKey(res.group, res.plural));
    if (!t) this.data.set(resKey(res.group, res.plural), (t = new Map()));
    return t;
  }

  /** A copy of a stored object as the requested version. */
  private present(res: ResourceInfo, obj: KubeObject): KubeObject {
    const out = clone(obj);
    out.apiVersion = res.apiVersion;
    return out;
  }

  /** Appends to the history and delivers to subscribers in order, never re-entrantly. */
  private record(ev: StoreEvent): void {
    this.history.push(ev);
    while (this.history.length > this.historyLimit) this.compactedThrough = this.history.shift()!.resourceVersion;
    this.pending.push(ev);
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.pending.length > 0) {
        const next = this.pending.shift()!;
        for (const fn of [...this.subscribers]) {
          try {
            fn(next);
          } catch {
            // A failing subscriber must not break the write that triggered it or other subscribers.
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}

/** `crd.antrea.io/v1beta1` → [`crd.antrea.io`, `v1beta1`]; `v1` → [``, `v1`]. */
export function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/** Whether anything but metadata and status changed (what bumps metadata.generation). */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return stableStringify(rest);
  };
  return strip(a) !== strip(b);
}
