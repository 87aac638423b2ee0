/**
 * Per-kind create/update rules of the real apiserver that the lab keeps: name validation, defaults
 * (namespace name label, initial statuses) and the few built-in validations clients can trip over.
 */
import type { FieldError } from './api-errors.js';
import type { KubeObject } from './kube-object.js';
import type { ResourceInfo } from './resource-registry.js';
import { isPlainObject } from './kube-object.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** Validates `metadata.name` with the rule of the kind (namespaces: label, services: DNS-1035, else subdomain). */
export function validateName(res: ResourceInfo, name: string): FieldError[] {
  if (!res.custom && res.group === '' && res.plural === 'namespaces') {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) return [{ type: 'Invalid', field: 'metadata.name', value: name, detail: labelMsg }];
    return [];
  }
  if (!res.custom && res.group === '' && res.plural === 'services') {
    if (name.length > 63 || !DNS1035_LABEL.test(name)) return [{ type: 'Invalid', field: 'metadata.name', value: name, detail: dns1035Msg }];
    return [];
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return [{ type: 'Invalid', field: 'metadata.name', value: name, detail: subdomainMsg }];
  return [];
}

const isCore = (res: ResourceInfo, plural: string) => !res.custom && res.group === '' && res.plural === plural;

/**
 * Defaults applied on create through the API. `status` is reset for kinds with a status subresource
 * (nodes keep it, as the real node strategy does); namespaces get the `kubernetes.io/metadata.name`
 * label the apiserver adds.
 */
export function prepareForCreate(res: ResourceInfo, obj: KubeObject): void {
  if (res.hasStatus && !isCore(res, 'nodes')) {
    if (isCore(res, 'namespaces')) obj.status = { phase: 'Active' };
    else if (isCore(res, 'pods')) obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
    else if (res.custom) delete obj.status;
    else obj.status = {};
  }
  if (isCore(res, 'namespaces')) {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name! };
    obj.spec = { finalizers: ['kubernetes'], ...(isPlainObject(obj.spec) ? obj.spec : {}) };
  }
}

/** Built-in validation beyond names (kept small: the fields a client is likely to forget). */
export function validateBuiltin(res: ResourceInfo, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (isCore(res, 'pods')) {
    const containers = (obj.spec as { containers?: unknown } | undefined)?.containers;
    if (!Array.isArray(containers) || containers.length === 0) errs.push({ type: 'Required', field: 'spec.containers' });
    else
      containers.forEach((c, i) => {
        if (!isPlainObject(c) || typeof c.name !== 'string' || c.name === '') errs.push({ type: 'Required', field: `spec.containers[${i}].name` });
        if (!isPlainObject(c) || typeof c.image !== 'string' || c.image === '') errs.push({ type: 'Required', field: `spec.containers[${i}].image` });
      });
  }
  if (isCore(res, 'services')) {
    const ports = (obj.spec as { ports?: unknown; type?: unknown; clusterIP?: unknown } | undefined)?.ports;
    const headless = (obj.spec as { clusterIP?: unknown } | undefined)?.clusterIP === 'None';
    if (!headless && (!Array.isArray(ports) || ports.length === 0)) errs.push({ type: 'Required', field: 'spec.ports' });
  }
  return errs;
}
