/**
 * Patch application for PATCH requests: JSON merge patch (RFC 7386; strategic merge is treated the
 * same for the lab's kinds) and JSON patch (RFC 6902).
 */
import { isPlainObject } from './kube-object.js';

/** A JSON patch that could not be applied (the apiserver answers 422). */
export class JsonPatchError extends Error {
  readonly code = 'KUBE_API_JSON_PATCH';
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

/** Resolves the parent container of a pointer and the last token. */
function parentOf(doc: unknown, tokens: string[], pointer: string): { parent: Container; last: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) throw new JsonPatchError(`doc is missing path: ${pointer}`);
      cur = cur[i];
    } else if (isPlainObject(cur)) {
      if (!(t in cur)) throw new JsonPatchError(`doc is missing path: ${pointer}`);
      cur = cur[t];
    } else throw new JsonPatchError(`doc is missing path: ${pointer}`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw new JsonPatchError(`doc is missing path: ${pointer}`);
  return { parent: cur, last: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^\d+$/.test(last) || i >= parent.length) throw new JsonPatchError(`doc is missing path: ${pointer}`);
    return parent[i];
  }
  if (!(last in parent)) throw new JsonPatchError(`doc is missing path: ${pointer}`);
  return parent[last];
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^\d+$/.test(last) || i >= parent.length) throw new JsonPatchError(`unable to remove nonexistent key: ${last}: missing value`);
    return parent.splice(i, 1)[0];
  }
  if (!(last in parent)) throw new JsonPatchError(`unable to remove nonexistent key: ${last}: missing value`);
  const old = parent[last];
  delete parent[last];
  return old;
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    if (replace) {
      const i = Number(last);
      if (!/^\d+$/.test(last) || i >= parent.length) throw new JsonPatchError(`replace operation does not apply: doc is missing key: ${pointer}: missing value`);
      parent[i] = structuredClone(value);
    } else {
      const i = last === '-' ? parent.length : Number(last);
      if ((last !== '-' && !/^\d+$/.test(last)) || i > parent.length) throw new JsonPatchError(`add operation does not apply: doc is missing path: ${pointer}: missing value`);
      parent.splice(i, 0, structuredClone(value));
    }
  } else {
    if (replace && !(last in parent)) throw new JsonPatchError(`replace operation does not apply: doc is missing key: ${pointer}: missing value`);
    parent[last] = structuredClone(value);
  }
  return doc;
}

/** Applies RFC 6902 operations to a copy of `doc`. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = structuredClone(doc);
  for (const raw of ops) {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new JsonPatchError('invalid JSON patch operation');
    const op = raw as unknown as JsonPatchOperation;
    switch (op.op) {
      case 'add':
        out = addAt(out, op.path, op.value, false);
        break;
      case 'replace':
        out = addAt(out, op.path, op.value, true);
        break;
      case 'remove':
        removeAt(out, op.path);
        break;
      case 'move': {
        const v = removeAt(out, op.from ?? '');
        out = addAt(out, op.path, v, false);
        break;
      }
      case 'copy':
        out = addAt(out, op.path, getAt(out, op.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(out, op.path)) !== JSON.stringify(op.value)) throw new JsonPatchError('testing value ' + op.path + ' failed: test failed');
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${String((op as { op: unknown }).op)}`);
    }
  }
  return out;
}
