/**
 * Query-string selectors of list and watch requests: `labelSelector` (`a=b,c!=d,e in (x,y),!f`) and
 * `fieldSelector` (`metadata.name=x,spec.nodeName!=y`), parsed and evaluated like the apiserver.
 */
import { badRequest } from './api-errors.js';
import type { KubeObject } from './kube-object.js';
import type { FieldGetter, RegisteredResource } from './resource-registry.js';
import { readPath } from './kube-object.js';

/** One parsed label requirement. */
export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

/** One parsed field requirement. */
export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

const KEY_NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?';
const KEY = `(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?${KEY_NAME}`;
const VALUE = '(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const keyRe = new RegExp(`^${KEY}$`);
const valueRe = new RegExp(`^${VALUE}$`);

/** Splits on commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function checkValue(key: string, value: string): string {
  if (value.length > 63 || !valueRe.test(value)) {
    throw badRequest(
      `unable to parse requirement: values[0][${key}]: Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
  }
  return value;
}

function checkKey(key: string): string {
  if (!keyRe.test(key)) {
    throw badRequest(
      `unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  }
  return key;
}

/** Parses a label selector string; throws a 400 KubeApiError when it is malformed. */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  const text = (selector ?? '').trim();
  if (text === '') return [];
  const reqs: LabelRequirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(part))) {
      reqs.push({ key: checkKey(m[1]!), op: 'notexists' });
    } else if ((m = /^(\S+?)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part))) {
      const key = checkKey(m[1]!);
      const values = m[3]!.split(',').map((v) => checkValue(key, v.trim()));
      reqs.push({ key, op: m[2] === 'in' ? 'in' : 'notin', values });
    } else if ((m = /^([^=!<>\s]+)\s*(==|=|!=)\s*([^=!<>\s]*)$/.exec(part))) {
      const key = checkKey(m[1]!);
      reqs.push({ key, op: m[2] === '!=' ? 'neq' : 'eq', value: checkValue(key, m[3]!) });
    } else if ((m = /^([^=!<>\s]+)\s*([<>])\s*(\S+)$/.exec(part))) {
      const key = checkKey(m[1]!);
      if (!/^-?\d+$/.test(m[3]!)) {
        throw badRequest(`unable to parse requirement: values[0]: Invalid value: ${JSON.stringify(m[3])}: for 'Gt', 'Lt' operators, the value must be an integer`);
      }
      reqs.push({ key, op: m[2] === '>' ? 'gt' : 'lt', value: Number(m[3]) });
    } else if (/^\S+$/.test(part) && !/[=!<>(),]/.test(part)) {
      reqs.push({ key: checkKey(part), op: 'exists' });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: identifier, '!', 'in', 'notin', '=', '==', '!=', '<' or '>'`);
    }
  }
  return reqs;
}

/** Whether labels satisfy every requirement. */
export function matchLabelRequirements(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  return reqs.every((r) => {
    const present = Object.prototype.hasOwnProperty.call(have, r.key);
    const v = have[r.key];
    switch (r.op) {
      case 'exists':
        return present;
      case 'notexists':
        return !present;
      case 'eq':
        return present && v === r.value;
      case 'neq':
        return !present || v !== r.value;
      case 'in':
        return present && r.values.includes(v!);
      case 'notin':
        return !present || !r.values.includes(v!);
      case 'gt':
        return present && /^-?\d+$/.test(v!) && Number(v) > r.value;
      case 'lt':
        return present && /^-?\d+$/.test(v!) && Number(v) < r.value;
    }
  });
}

/** Splits on an unescaped separator and unescapes `\\`, `\,`, `\=`, `\!`. */
function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

/**
 * Parses a field selector and checks its fields against what the resource supports; throws 400
 * like the apiserver (`field label not supported: x` for built-ins, the CRD wording for custom ones).
 */
export function parseFieldSelector(selector: string | undefined, resource: RegisteredResource): FieldRequirement[] {
  const text = (selector ?? '').trim();
  if (text === '') return [];
  const reqs: FieldRequirement[] = [];
  for (const term of splitEscaped(text, ',')) {
    const m = /^((?:[^=!\\]|\\.)+?)\s*(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = unescape(m[1]!.trim());
    if (!(field in resource.fieldSelectors)) {
      if (resource.custom) {
        const known = Object.keys(resource.fieldSelectors).map((f) => JSON.stringify(f)).join(', ');
        throw badRequest(`${JSON.stringify(field)} is not a known field selector: only ${known}`);
      }
      throw badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, op: m[2] === '!=' ? 'neq' : 'eq', value: unescape(m[3]!.trim()) });
  }
  return reqs;
}

function fieldValue(obj: KubeObject, getter: FieldGetter): string {
  if (typeof getter === 'function') return getter(obj);
  const v = readPath(obj, getter);
  return v === undefined || v === null ? '' : String(v);
}

/** Whether an object satisfies every field requirement. */
export function matchFieldRequirements(reqs: FieldRequirement[], obj: KubeObject, resource: RegisteredResource): boolean {
  return reqs.every((r) => {
    const v = fieldValue(obj, resource.fieldSelectors[r.field]!);
    return r.op === 'eq' ? v === r.value : v !== r.value;
  });
}
