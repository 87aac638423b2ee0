/**
 * Decodes a SelfSubjectAccessReview sent as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`),
 * which is how kubectl's typed clients (`kubectl auth can-i`) send it: the `k8s\0` magic, a
 * `runtime.Unknown` envelope (1 typeMeta, 2 raw, 3 contentEncoding, 4 contentType) whose `raw` is
 * the `authorization.v1.SelfSubjectAccessReview` message (generated.proto: 1 metadata, 2 spec;
 * spec: 1 resourceAttributes, 2 nonResourceAttributes; resourceAttributes: 1 namespace, 2 verb,
 * 3 group, 4 version, 5 resource, 6 subresource, 7 name; nonResourceAttributes: 1 path, 2 verb).
 * Only these fields are read; the answer is sent as JSON, which the client also accepts.
 */
import { badRequest } from './api-errors.js';

/** The magic prefix of Kubernetes protobuf bodies. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Length-delimited fields of one message, by field number (other wire types skipped). */
function fields(buf: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw badRequest('protobuf: truncated varint');
      const b = buf[i++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 49) throw badRequest('protobuf: varint too long');
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw badRequest('protobuf: truncated field');
      const list = out.get(field) ?? [];
      list.push(buf.subarray(i, i + len));
      out.set(field, list);
      i += len;
    } else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

function str(m: Map<number, Buffer[]>, n: number): string | undefined {
  const b = m.get(n)?.[0];
  return b === undefined ? undefined : b.toString('utf8');
}

function msg(m: Map<number, Buffer[]>, n: number): Map<number, Buffer[]> | undefined {
  const b = m.get(n)?.[0];
  return b === undefined ? undefined : fields(b);
}

/** Whether a body is Kubernetes protobuf. */
export function isKubeProtobuf(body: Buffer, contentType: string): boolean {
  return contentType === 'application/vnd.kubernetes.protobuf' || body.subarray(0, 4).equals(MAGIC);
}

/** The JSON shape of a protobuf SelfSubjectAccessReview body (`{spec: {...}}`). */
export function decodeSelfSubjectAccessReview(body: Buffer): object {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf body without the k8s magic prefix');
  const envelope = fields(body.subarray(4));
  const kind = msg(envelope, 1) ? str(msg(envelope, 1)!, 2) : undefined;
  if (kind !== undefined && kind !== 'SelfSubjectAccessReview') throw badRequest(`protobuf: expected a SelfSubjectAccessReview, got ${kind}`);
  const review = fields(envelope.get(2)?.[0] ?? Buffer.alloc(0));
  const spec = msg(review, 2);
  const out: { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> } = {};
  const ra = spec ? msg(spec, 1) : undefined;
  if (ra) {
    const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
    out.resourceAttributes = {};
    names.forEach((key, idx) => {
      const v = str(ra, idx + 1);
      if (v !== undefined && v !== '') out.resourceAttributes![key] = v;
    });
  }
  const nra = spec ? msg(spec, 2) : undefined;
  if (nra) out.nonResourceAttributes = { ...(str(nra, 1) ? { path: str(nra, 1)! } : {}), ...(str(nra, 2) ? { verb: str(nra, 2)! } : {}) };
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: out };
}
