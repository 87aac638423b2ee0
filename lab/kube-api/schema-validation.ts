/**
 * Structural-schema validation and pruning of custom resources (the subset of OpenAPI v3 that CRDs
 * use: type, properties, required, items, min/max, lengths, enum, pattern, ip formats, oneOf/anyOf,
 * preserve-unknown-fields). Messages follow kube-openapi's wording.
 */
import { isIP } from 'node:net';
import type { FieldError } from './api-errors.js';
import type { OpenApiSchema } from './resource-registry.js';
import { isPlainObject } from './kube-object.js';

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(type: NonNullable<OpenApiSchema['type']>, v: unknown): boolean {
  const t = jsonType(v);
  if (type === 'number') return t === 'number' || t === 'integer';
  return t === type;
}

const formats: Record<string, (s: string) => boolean> = {
  ipv4: (s) => isIP(s) === 4,
  ipv6: (s) => isIP(s) === 6,
  ip: (s) => isIP(s) !== 0,
  'date-time': (s) => !Number.isNaN(Date.parse(s)),
};

/** Validates `value` at `path` (dotted, no leading dot) against a schema; returns field errors. */
export function validateAgainstSchema(value: unknown, schema: OpenApiSchema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const at = path || '<root>';
  if (value === null || value === undefined) {
    if (schema.nullable || value === undefined) return errs;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || Number.isInteger(value))) {
      errs.push({ type: 'Invalid', field: at, value: jsonType(value), detail: `${at} in body must be of type int-or-string: ${JSON.stringify(jsonType(value))}` });
    }
  } else if (schema.type && !typeMatches(schema.type, value)) {
    errs.push({ type: 'Invalid', field: at, value: jsonType(value), detail: `${at} in body must be of type ${schema.type}: ${JSON.stringify(jsonType(value))}` });
    return errs;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errs.push({ type: 'NotSupported', field: at, value, detail: `supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof value === 'number') {
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      errs.push({ type: 'Invalid', field: at, value, detail: `${at} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}` });
    }
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      errs.push({ type: 'Invalid', field: at, value, detail: `${at} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}` });
    }
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      errs.push({ type: 'TooLong', field: at, value, detail: `may not be more than ${schema.maxLength} bytes` });
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      errs.push({ type: 'Invalid', field: at, value, detail: `${at} in body should be at least ${schema.minLength} chars long` });
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      errs.push({ type: 'Invalid', field: at, value, detail: `${at} in body should match '${schema.pattern}'` });
    }
    const check = schema.format ? formats[schema.format] : undefined;
    if (check && !check(value)) {
      errs.push({ type: 'Invalid', field: at, value, detail: `${at} in body must be of type ${schema.format}: ${JSON.stringify(value)}` });
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push({ type: 'TooMany', field: at, value: value.length, detail: `must have at most ${schema.maxItems} items` });
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push({ type: 'Invalid', field: at, value: value.length, detail: `${at} in body should have at least ${schema.minItems} items` });
    if (schema.items) value.forEach((item, i) => errs.push(...validateAgainstSchema(item, schema.items!, `${at}[${i}]`)));
  }
  if (isPlainObject(value)) {
    for (const req of schema.required ?? []) {
      if (!(req in value)) errs.push({ type: 'Required', field: path ? `${path}.${req}` : req });
    }
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (sub) errs.push(...validateAgainstSchema(v, sub, path ? `${path}.${k}` : k));
    }
  }
  for (const [name, branches] of [['oneOf', schema.oneOf], ['anyOf', schema.anyOf]] as const) {
    if (!branches) continue;
    const results = branches.map((b) => validateAgainstSchema(value, b, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (name === 'oneOf' ? passing !== 1 : passing === 0) errs.push(...results.flat());
  }
  return errs;
}

/**
 * Removes fields a structural schema does not declare (what the apiserver's pruning does), in place.
 * `apiVersion`, `kind` and `metadata` at the root are always kept.
 */
export function pruneUnknownFields(value: unknown, schema: OpenApiSchema, isRoot = false): void {
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) pruneUnknownFields(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const k of Object.keys(value)) {
    if (isRoot && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const sub = schema.properties?.[k];
    if (sub) pruneUnknownFields(value[k], sub);
    else if (isPlainObject(schema.additionalProperties)) pruneUnknownFields(value[k], schema.additionalProperties);
    else if (schema.additionalProperties !== true) delete value[k];
  }
}
