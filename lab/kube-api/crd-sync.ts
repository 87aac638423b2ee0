/**
 * Keeps the resource registry in step with `CustomResourceDefinition` objects, as the apiextensions
 * server does: creating a CRD serves its versions (with schema and status subresource), deleting it
 * removes them and their objects. Also converts a runtime registration into a CRD object.
 */
import type { FieldError } from './api-errors.js';
import type { KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';
import type { FieldGetter, OpenApiSchema, ResourceDefinition, ResourceInfo } from './resource-registry.js';
import { isPlainObject, readPath } from './kube-object.js';

/** The CRD resource of the registry. */
export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_PLURAL = 'customresourcedefinitions';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: OpenApiSchema };
  subresources?: { status?: object };
  selectableFields?: Array<{ jsonPath: string }>;
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/** The served versions of a CRD object as registry definitions. */
export function definitionsFromCrd(crd: KubeObject): ResourceDefinition[] {
  const spec = crd.spec as CrdSpec;
  return spec.versions
    .filter((v) => v.served !== false)
    .map((v) => {
      const fieldSelectors: Record<string, FieldGetter> = {};
      for (const f of v.selectableFields ?? []) {
        const path = f.jsonPath.replace(/^\./, '');
        fieldSelectors[path] = path;
      }
      return {
        group: spec.group,
        version: v.name,
        plural: spec.names.plural,
        kind: spec.names.kind,
        namespaced: spec.scope === 'Namespaced',
        hasStatus: v.subresources?.status !== undefined,
        singular: spec.names.singular,
        shortNames: spec.names.shortNames,
        categories: spec.names.categories,
        fieldSelectors,
        schema: v.schema?.openAPIV3Schema,
        custom: true,
      };
    });
}

/** A CRD object for one version of a resource (merged into `existing` when given). */
export function crdForDefinition(def: ResourceDefinition, existing?: KubeObject): KubeObject {
  const version: CrdVersion = {
    name: def.version,
    served: true,
    storage: false,
    schema: { openAPIV3Schema: def.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    ...(def.hasStatus ? { subresources: { status: {} } } : {}),
  };
  if (existing) {
    const spec = structuredClone(existing.spec) as CrdSpec;
    spec.versions = [...spec.versions.filter((v) => v.name !== def.version), version];
    if (!spec.versions.some((v) => v.storage)) spec.versions[0]!.storage = true;
    return { ...structuredClone(existing), spec };
  }
  version.storage = true;
  return {
    apiVersion: `${CRD_GROUP}/v1`,
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${def.group}` },
    spec: {
      group: def.group,
      scope: def.namespaced ? 'Namespaced' : 'Cluster',
      names: {
        plural: def.plural,
        singular: def.singular ?? def.kind.toLowerCase(),
        kind: def.kind,
        listKind: `${def.kind}List`,
        ...(def.shortNames?.length ? { shortNames: def.shortNames } : {}),
        ...(def.categories?.length ? { categories: def.categories } : {}),
      },
      versions: [version],
    },
  };
}

/** Validation of CRD objects themselves (the fields the sync relies on). */
export function validateCrd(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec as Partial<CrdSpec> | undefined;
  if (!isPlainObject(spec)) return [{ type: 'Required', field: 'spec' }];
  if (typeof spec.group !== 'string' || !spec.group.includes('.')) errs.push({ type: 'Invalid', field: 'spec.group', value: spec.group ?? '', detail: 'should be a domain with at least one dot' });
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.push({ type: 'NotSupported', field: 'spec.scope', value: spec.scope ?? '', detail: 'supported values: "Cluster", "Namespaced"' });
  if (!isPlainObject(spec.names) || !spec.names.plural || !spec.names.kind) errs.push({ type: 'Required', field: 'spec.names' });
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) errs.push({ type: 'Required', field: 'spec.versions', detail: 'must have exactly one version marked as storage version' });
  else if (spec.versions.filter((v) => v.storage).length !== 1) errs.push({ type: 'Invalid', field: 'spec.versions', value: spec.versions.map((v) => v.name), detail: 'must have exactly one version marked as storage version' });
  if (errs.length === 0 && obj.metadata.name !== `${spec.names!.plural}.${spec.group}`) {
    errs.push({ type: 'Invalid', field: 'metadata.name', value: obj.metadata.name ?? '', detail: 'must be spec.names.plural+"."+spec.group' });
  }
  return errs;
}

/**
 * Starts syncing: registers the resources of existing and future CRDs, unregisters deleted ones
 * (dropping their objects) and fills in CRD status (`Established`). Returns an unsubscribe function.
 */
export function startCrdSync(store: ObjectStore): () => void {
  const crdRes = (): ResourceInfo => store.registry.lookup(CRD_GROUP, 'v1', CRD_PLURAL)!;
  const served = new Map<string, { group: string; plural: string; versions: string[] }>();

  const apply = (crd: KubeObject) => {
    const defs = definitionsFromCrd(crd);
    const name = crd.metadata.name!;
    const before = served.get(name);
    const spec = crd.spec as CrdSpec;
    for (const v of before?.versions ?? []) if (!defs.some((d) => d.version === v)) store.registry.unregister(spec.group, spec.names.plural, v);
    const current = store.registry.get(spec.group, spec.names.plural);
    if (current && (current.kind !== spec.names.kind || current.namespaced !== (spec.scope === 'Namespaced'))) store.registry.unregister(spec.group, spec.names.plural);
    for (const d of defs) store.registry.register(d);
    served.set(name, { group: spec.group, plural: spec.names.plural, versions: defs.map((d) => d.version) });
    const established = ((readPath(crd, 'status.conditions') as Array<{ type: string; status: string }> | undefined) ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    if (!established) {
      const ts = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      store.update(
        crdRes(),
        {
          ...crd,
          status: {
            acceptedNames: spec.names,
            conditions: [
              { type: 'NamesAccepted', status: 'True', lastTransitionTime: ts, reason: 'NoConflicts', message: 'no conflicts found' },
              { type: 'Established', status: 'True', lastTransitionTime: ts, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
            ],
            storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
          },
        },
        { internal: true, subresource: 'status' },
      );
    }
  };

  const remove = (crd: KubeObject) => {
    const entry = served.get(crd.metadata.name!);
    if (!entry) return;
    served.delete(crd.metadata.name!);
    store.registry.unregister(entry.group, entry.plural);
    store.dropResource(entry.group, entry.plural);
  };

  const unsubscribe = store.subscribe((ev) => {
    if (ev.group !== CRD_GROUP || ev.plural !== CRD_PLURAL) return;
    if (ev.type === 'DELETED') remove(ev.object);
    else apply(ev.object);
  });
  const unvalidate = store.registerSchemaValidator(`${CRD_PLURAL}.${CRD_GROUP}`, (obj) => {
    const errs = validateCrd(obj);
    const spec = obj.spec as CrdSpec;
    if (errs.length === 0 && store.registry.get(spec.group, spec.names.plural)?.custom === false) {
      errs.push({ type: 'Invalid', field: 'spec.group', value: spec.group, detail: `${spec.names.plural}.${spec.group} is served by the API server itself` });
    }
    return errs;
  });
  for (const crd of store.list(crdRes()).items) apply(crd);
  return () => {
    unsubscribe();
    unvalidate();
  };
}
