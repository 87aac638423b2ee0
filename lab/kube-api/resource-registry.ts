/**
 * The resource registry: which group/version/resource triples the lab API server serves, and how
 * each behaves (scope, status subresource, field selectors, schema). Built-in Kubernetes kinds are
 * registered at start; custom resources are added at runtime (directly or through a CRD object).
 */
import type { KubeObject } from './kube-object.js';
import { readPath } from './kube-object.js';

/** Reads a field-selector value from an object: a dotted path, or a function for computed fields. */
export type FieldGetter = string | ((obj: KubeObject) => string);

/** A loose OpenAPI v3 schema (`JSONSchemaProps` of a CRD version). */
export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  nullable?: boolean;
  additionalProperties?: boolean | OpenApiSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  [key: string]: unknown;
}

/** What `registerResource` takes: one served version of one resource. */
export interface ResourceDefinition {
  /** API group; `''` for the core group. */
  group: string;
  version: string;
  /** Lower-case plural, e.g. `traceflows`. */
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Whether the resource has a `status` subresource (PUT/PATCH on the main resource then ignore status). */
  hasStatus?: boolean;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  /** Field-selector fields beyond `metadata.name` and (namespaced) `metadata.namespace`. */
  fieldSelectors?: Record<string, FieldGetter>;
  /** Connect-style subresources other than `status` (e.g. `exec` on pods). */
  connectSubresources?: string[];
  /** Whether PUT without `metadata.resourceVersion` is accepted (false for custom resources). */
  allowUnconditionalUpdate?: boolean;
  /** DELETE answers the deleted object (true) or a Success Status (false). */
  returnDeletedObject?: boolean;
  /** OpenAPI schema for this version; validated on create/update, unknown fields pruned. */
  schema?: OpenApiSchema;
  /** Whether this is a custom resource (served through a CRD) rather than a built-in kind. */
  custom?: boolean;
  /** Verbs listed in discovery when not the full set (e.g. `['create']` for access reviews). */
  verbs?: string[];
}

/** A registered resource, across its served versions. */
export interface RegisteredResource {
  group: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  hasStatus: boolean;
  singular: string;
  shortNames: string[];
  categories: string[];
  fieldSelectors: Record<string, FieldGetter>;
  connectSubresources: string[];
  allowUnconditionalUpdate: boolean;
  returnDeletedObject: boolean;
  custom: boolean;
  /** Verbs listed in discovery (undefined: all object verbs). */
  verbs?: string[];
  /** Served versions, with their schema. */
  versions: Map<string, { schema?: OpenApiSchema }>;
}

/** One served version of a registered resource: what a request resolves to. */
export interface ResourceInfo extends RegisteredResource {
  version: string;
  /** `group/version` or `v1`. */
  apiVersion: string;
  schema?: OpenApiSchema;
}

/** Raised when a registration contradicts an existing one. */
export class ResourceRegistrationError extends Error {
  readonly code = 'KUBE_API_RESOURCE_REGISTRATION';
  constructor(message: string) {
    super(message);
    this.name = 'ResourceRegistrationError';
  }
}

/**
 * Kubernetes version priority (`k8s.io/apimachinery/pkg/version.CompareKubeAwareVersionStrings`):
 * GA before beta before alpha, higher numbers first, non-Kubernetes versions last alphabetically.
 */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 3, major: 0, minor: 0, raw: v };
    const rank = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return { rank, major: Number(m[1]), minor: m[3] ? Number(m[3]) : 0, raw: v };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.rank === 3 || y.rank === 3) return x.rank !== y.rank ? x.rank - y.rank : x.raw.localeCompare(y.raw);
  if (x.major !== y.major) return y.major - x.major;
  if (x.rank !== y.rank) return x.rank - y.rank;
  return y.minor - x.minor;
}

const key = (group: string, plural: string) => `${group}/${plural}`;

/** The set of served resources. */
export class ResourceRegistry {
  private readonly resources = new Map<string, RegisteredResource>();
  private readonly listeners = new Set<() => void>();

  /** Registers one version of a resource (adding a version to an existing resource is allowed). */
  register(def: ResourceDefinition): ResourceInfo {
    const existing = this.resources.get(key(def.group, def.plural));
    if (existing) {
      if (existing.kind !== def.kind || existing.namespaced !== def.namespaced) {
        throw new ResourceRegistrationError(
          `${def.plural}.${def.group || 'core'} is already registered as ${existing.kind} (${existing.namespaced ? 'namespaced' : 'cluster-scoped'})`,
        );
      }
      existing.versions.set(def.version, { schema: def.schema });
      if (def.hasStatus) existing.hasStatus = true;
      if (def.fieldSelectors) Object.assign(existing.fieldSelectors, def.fieldSelectors);
    } else {
      const baseSelectors: Record<string, FieldGetter> = { 'metadata.name': 'metadata.name' };
      if (def.namespaced) baseSelectors['metadata.namespace'] = 'metadata.namespace';
      this.resources.set(key(def.group, def.plural), {
        group: def.group,
        plural: def.plural,
        kind: def.kind,
        namespaced: def.namespaced,
        hasStatus: def.hasStatus ?? false,
        singular: def.singular ?? def.kind.toLowerCase(),
        shortNames: def.shortNames ?? [],
        categories: def.categories ?? [],
        fieldSelectors: { ...baseSelectors, ...def.fieldSelectors },
        connectSubresources: def.connectSubresources ?? [],
        allowUnconditionalUpdate: def.allowUnconditionalUpdate ?? !def.custom,
        returnDeletedObject: def.returnDeletedObject ?? Boolean(def.custom),
        custom: def.custom ?? false,
        ...(def.verbs ? { verbs: def.verbs } : {}),
        versions: new Map([[def.version, { schema: def.schema }]]),
      });
    }
    this.changed();
    return this.lookup(def.group, def.version, def.plural)!;
  }

  /** Removes one version, or the whole resource when `version` is omitted or it was the last one. */
  unregister(group: string, plural: string, version?: string): void {
    const res = this.resources.get(key(group, plural));
    if (!res) return;
    if (version) res.versions.delete(version);
    if (!version || res.versions.size === 0) this.resources.delete(key(group, plural));
    this.changed();
  }

  /** The resource served at `group/version/plural`, if any. */
  lookup(group: string, version: string, plural: string): ResourceInfo | undefined {
    const res = this.resources.get(key(group, plural));
    const ver = res?.versions.get(version);
    if (!res || !ver) return undefined;
    return { ...res, version, apiVersion: group ? `${group}/${version}` : version, schema: ver.schema };
  }

  /** A resource by group and plural, whatever its versions. */
  get(group: string, plural: string): RegisteredResource | undefined {
    return this.resources.get(key(group, plural));
  }

  /** The resource of a kind in a group (used to route objects by `apiVersion`/`kind`). */
  byKind(group: string, version: string, kind: string): ResourceInfo | undefined {
    for (const res of this.resources.values()) {
      if (res.group === group && res.kind === kind && res.versions.has(version)) return this.lookup(group, version, res.plural);
    }
    return undefined;
  }

  /** Every registered resource. */
  all(): RegisteredResource[] {
    return [...this.resources.values()];
  }

  /** Groups with their served versions in priority order (for discovery). */
  groups(): Array<{ group: string; versions: string[] }> {
    const byGroup = new Map<string, Set<string>>();
    for (const res of this.resources.values()) {
      const set = byGroup.get(res.group) ?? new Set<string>();
      for (const v of res.versions.keys()) set.add(v);
      byGroup.set(res.group, set);
    }
    return [...byGroup.entries()].map(([group, set]) => ({ group, versions: [...set].sort(compareKubeVersions) }));
  }

  /** Resources served in one group version. */
  resourcesIn(group: string, version: string): ResourceInfo[] {
    return this.all()
      .filter((r) => r.group === group && r.versions.has(version))
      .map((r) => this.lookup(group, version, r.plural)!);
  }

  /** Called after every registration change (the store uses it to drop data of removed resources). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

const boolField = (path: string): FieldGetter => (obj) => String(readPath(obj, path) === true);

/** The built-in kinds the lab serves. */
export function builtinResources(): ResourceDefinition[] {
  return [
    { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, hasStatus: true, shortNames: ['ns'], returnDeletedObject: true, fieldSelectors: { 'status.phase': 'status.phase' } },
    { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, hasStatus: true, shortNames: ['no'], fieldSelectors: { 'spec.unschedulable': boolField('spec.unschedulable') } },
    {
      group: '',
      version: 'v1',
      plural: 'pods',
      kind: 'Pod',
      namespaced: true,
      hasStatus: true,
      shortNames: ['po'],
      categories: ['all'],
      returnDeletedObject: true,
      connectSubresources: ['exec'],
      fieldSelectors: {
        'spec.nodeName': 'spec.nodeName',
        'spec.restartPolicy': 'spec.restartPolicy',
        'spec.schedulerName': 'spec.schedulerName',
        'spec.serviceAccountName': 'spec.serviceAccountName',
        'spec.hostNetwork': boolField('spec.hostNetwork'),
        'status.phase': 'status.phase',
        'status.podIP': 'status.podIP',
        'status.nominatedNodeName': 'status.nominatedNodeName',
      },
    },
    { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, hasStatus: true, shortNames: ['svc'], categories: ['all'], returnDeletedObject: true, fieldSelectors: { 'spec.clusterIP': 'spec.clusterIP', 'spec.type': 'spec.type' } },
    { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', namespaced: true, singular: 'endpoints', shortNames: ['ep'] },
    { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
    { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, fieldSelectors: { type: 'type' } },
    { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
    {
      group: '',
      version: 'v1',
      plural: 'events',
      kind: 'Event',
      namespaced: true,
      shortNames: ['ev'],
      fieldSelectors: {
        'involvedObject.kind': 'involvedObject.kind',
        'involvedObject.namespace': 'involvedObject.namespace',
        'involvedObject.name': 'involvedObject.name',
        'involvedObject.uid': 'involvedObject.uid',
        reason: 'reason',
        type: 'type',
      },
    },
    { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, hasStatus: true, shortNames: ['ds'], categories: ['all'] },
    { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, hasStatus: true, shortNames: ['deploy'], categories: ['all'] },
    { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
    { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] },
    { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
    { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
    { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
    { group: 'authorization.k8s.io', version: 'v1', plural: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
    { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, hasStatus: true, shortNames: ['crd', 'crds'], returnDeletedObject: true },
  ];
}
