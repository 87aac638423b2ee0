/**
 * `--antctl` output: the Traceflow behind a result (`TraceResult.native`, kind `traceflow`)
 * printed the way `antctl traceflow -o yaml|json` prints it, so scripts written against antctl
 * keep working. Follows antctl ≤ v2.6 (gopkg.in/yaml.v2): 2-space indentation, sequences not
 * indented under their key. Kept quirks: `source: /` when the source is not a pod, the YAML key
 * `tranportHeader` (sic) with lower-cased inner keys (`srcport`, `dstport`) printed even when
 * zero, `length` always printed, results in the order the agents appended them. JSON: 2-space
 * indent, `<`, `>`, `&` escaped as Go does, and no trailing newline.
 */
import { stringify } from 'yaml';
import type { TraceResult } from '../core/model.js';

/** The parts of a Traceflow the antctl output reads (structural, to keep formatters driver-free). */
interface TraceflowLike {
  metadata?: { name?: string };
  spec?: {
    source?: { namespace?: string; pod?: string; ip?: string };
    destination?: { namespace?: string; pod?: string; service?: string; ip?: string };
  };
  status?: {
    phase?: string;
    reason?: string;
    results?: Array<{ node?: string; role?: string; timestamp?: number; observations?: Array<Record<string, unknown>> }>;
    capturedPacket?: {
      srcIP?: string;
      dstIP?: string;
      length?: number;
      ipHeader?: { protocol?: number; ttl?: number; flags?: number };
      ipv6Header?: { nextHeader?: number; hopLimit?: number };
      transportHeader?: {
        icmp?: { id?: number; sequence?: number };
        udp?: { srcPort?: number; dstPort?: number };
        tcp?: { srcPort?: number; dstPort?: number; flags?: number };
      };
    };
  };
}

/** The Traceflow `Observation` fields in Go declaration order (antctl prints them in this order). */
const OBSERVATION_KEYS = ['component', 'componentInfo', 'action', 'pod', 'dstMAC', 'networkPolicy', 'networkPolicyRule', 'egress', 'ttl', 'translatedSrcIP', 'translatedDstIP', 'tunnelDstIP', 'egressIP', 'egressNode', 'srcPodIP'];

/** Raised when a result carries no Traceflow to print (the trace did not run on Antrea). */
export class AntctlOutputError extends Error {
  readonly code = 'ANTCTL_OUTPUT';
  constructor(message: string) {
    super(message);
    this.name = 'AntctlOutputError';
  }
}

/** Go's `omitempty`: drops undefined, null, '', 0, false. */
function omitEmpty(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) if (v !== undefined && v !== null && v !== '' && v !== 0 && v !== false) out[k] = v;
  return out;
}

function results(tf: TraceflowLike): unknown[] | undefined {
  const list = tf.status?.results;
  if (!list?.length) return undefined;
  return list.map((r) => {
    const observations = r.observations?.map((o) => omitEmpty(OBSERVATION_KEYS.map((k) => [k, o[k]])));
    return omitEmpty([
      ['node', r.node],
      ['role', r.role],
      ['timestamp', r.timestamp],
      ['observations', observations?.length ? observations : undefined],
    ]);
  });
}

function capturedPacket(tf: TraceflowLike, yaml: boolean): Record<string, unknown> | undefined {
  const p = tf.status?.capturedPacket;
  if (!p) return undefined;
  const out: Record<string, unknown> = omitEmpty([
    ['srcIP', p.srcIP],
    ['dstIP', p.dstIP],
  ]);
  out.length = p.length ?? 0;
  if (p.ipv6Header) {
    const h = omitEmpty([['nextHeader', p.ipv6Header.nextHeader], ['hopLimit', p.ipv6Header.hopLimit]]);
    if (Object.keys(h).length) out.ipv6Header = h;
  } else if (p.ipHeader) {
    const h = omitEmpty([['protocol', p.ipHeader.protocol], ['ttl', p.ipHeader.ttl], ['flags', p.ipHeader.flags]]);
    if (Object.keys(h).length) out.ipHeader = h;
  }
  const t = p.transportHeader;
  if (t && (t.tcp || t.udp || t.icmp)) {
    const transport: Record<string, unknown> = {};
    if (yaml) {
      // No yaml tags on the inner structs in antctl: lower-cased field names, zero values kept.
      if (t.icmp) transport.icmp = { id: t.icmp.id ?? 0, sequence: t.icmp.sequence ?? 0 };
      if (t.udp) transport.udp = { srcport: t.udp.srcPort ?? 0, dstport: t.udp.dstPort ?? 0 };
      if (t.tcp) transport.tcp = { srcport: t.tcp.srcPort ?? 0, dstport: t.tcp.dstPort ?? 0, flags: t.tcp.flags ?? null };
      out.tranportHeader = transport;
    } else {
      if (t.icmp) transport.icmp = omitEmpty([['id', t.icmp.id], ['sequence', t.icmp.sequence]]);
      if (t.udp) transport.udp = omitEmpty([['srcPort', t.udp.srcPort], ['dstPort', t.udp.dstPort]]);
      if (t.tcp) transport.tcp = omitEmpty([['srcPort', t.tcp.srcPort], ['dstPort', t.tcp.dstPort], ['flags', t.tcp.flags]]);
      out.transportHeader = transport;
    }
  }
  return out;
}

/** antctl's `Response` object for a Traceflow, in its key order. */
export function antctlResponse(traceflow: Record<string, unknown>, format: 'yaml' | 'json'): Record<string, unknown> {
  const tf = traceflow as TraceflowLike;
  const src = tf.spec?.source ?? {};
  const dst = tf.spec?.destination ?? {};
  const destination = dst.ip ? dst.ip : dst.pod ? `${dst.namespace ?? ''}/${dst.pod}` : dst.service ? `${dst.namespace ?? ''}/${dst.service}` : undefined;
  const out: Record<string, unknown> = { name: tf.metadata?.name ?? '' };
  Object.assign(
    out,
    omitEmpty([
      ['phase', tf.status?.phase],
      ['reason', tf.status?.reason],
      // antctl always formats "<namespace>/<pod>", so a non-pod source prints as "/".
      ['source', `${src.namespace ?? ''}/${src.pod ?? ''}`],
      ['destination', destination],
      ['results', results(tf)],
      ['capturedPacket', capturedPacket(tf, format === 'yaml')],
    ]),
  );
  return out;
}

/** Renders the Traceflow of a result as `antctl traceflow -o yaml|json` does. */
export function formatAntctl(result: Pick<TraceResult, 'native' | 'cni'>, format: 'yaml' | 'json'): string {
  if (result.native?.kind !== 'traceflow') {
    throw new AntctlOutputError(`--antctl prints an Antrea Traceflow, but the ${result.cni} driver produced none`);
  }
  const response = antctlResponse(result.native.object, format);
  if (format === 'json') {
    return JSON.stringify(response, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  return stringify(response, { indent: 2, indentSeq: false, lineWidth: 0, singleQuote: true, nullStr: 'null' });
}
