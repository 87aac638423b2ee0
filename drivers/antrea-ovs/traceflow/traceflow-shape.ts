/**
 * Checks a Traceflow object read from the API before anything uses it (pure). The controller and
 * agents write `status`; a field of the wrong type or out of range (a timestamp past year 9999, an
 * address that is not one, observations that are not a list) would otherwise surface as an
 * "internal error" deep in the evaluation, or be spliced into an `ofproto/trace` flow. Every
 * failure is a {@link TraceflowDataError} naming the Traceflow and the field.
 */
import { isIpAddress, isOvnName } from '../../../core/cluster-values.js';
import { CniTraceError, quoteValue } from '../../../core/errors.js';
import type { Traceflow } from './traceflow-types.js';

/** A Traceflow object whose content cannot be used. */
export class TraceflowDataError extends CniTraceError {
  /** The Traceflow's name (or `(unnamed)`). */
  readonly traceflow: string;
  /** The field, as a path (`status.results[0].timestamp`). */
  readonly field: string;

  constructor(traceflow: string, field: string, value: unknown, expected: string) {
    super(
      'TRACEFLOW_MALFORMED',
      `Traceflow ${traceflow}: ${field} is ${quoteValue(value)}, not ${expected}. The object was written by something other than Antrea's controller and agents, ` +
        `or an agent's clock or version is off; look at "kubectl get traceflow ${traceflow} -o yaml" and the antrea-agent logs of the node that reported it`,
      3,
    );
    this.traceflow = traceflow;
    this.field = field;
  }
}

/** Latest Unix time in seconds that is a valid date (9999-12-31T23:59:59Z). */
export const MAX_UNIX_SECONDS = 253_402_300_799;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  constructor(private readonly name: string) {}

  fail(field: string, value: unknown, expected: string): never {
    throw new TraceflowDataError(this.name, field, value, expected);
  }

  object(v: unknown, field: string, optional = true): Json | undefined {
    if (v === undefined && optional) return undefined;
    if (!isObject(v)) this.fail(field, v, 'an object');
    return v;
  }

  list(v: unknown, field: string): unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(field, v, 'a list');
    return v;
  }

  strings(o: Json, keys: readonly string[], at: string): void {
    for (const k of keys) if (o[k] !== undefined && typeof o[k] !== 'string') this.fail(`${at}.${k}`, o[k], 'a string');
  }

  integer(o: Json, key: string, at: string, min: number, max: number): void {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(`${at}.${key}`, v, `a whole number from ${min} to ${max}`);
  }

  ip(o: Json, key: string, at: string): void {
    const v = o[key];
    if (v === undefined || v === '') return;
    if (!isIpAddress(v)) this.fail(`${at}.${key}`, v, 'an IP address');
  }

  packet(v: unknown, at: string): void {
    const p = this.object(v, at);
    if (!p) return;
    this.ip(p, 'srcIP', at);
    this.ip(p, 'dstIP', at);
    this.integer(p, 'length', at, 0, 65535);
    const ipHeader = this.object(p.ipHeader, `${at}.ipHeader`);
    if (ipHeader) for (const k of ['protocol', 'ttl', 'flags']) this.integer(ipHeader, k, `${at}.ipHeader`, 0, 255);
    const ipv6 = this.object(p.ipv6Header, `${at}.ipv6Header`);
    if (ipv6) for (const k of ['nextHeader', 'hopLimit']) this.integer(ipv6, k, `${at}.ipv6Header`, 0, 255);
    const transport = this.object(p.transportHeader, `${at}.transportHeader`);
    if (!transport) return;
    for (const proto of ['tcp', 'udp'] as const) {
      const h = this.object(transport[proto], `${at}.transportHeader.${proto}`);
      if (!h) continue;
      this.integer(h, 'srcPort', `${at}.transportHeader.${proto}`, 0, 65535);
      this.integer(h, 'dstPort', `${at}.transportHeader.${proto}`, 0, 65535);
      if (proto === 'tcp') this.integer(h, 'flags', `${at}.transportHeader.tcp`, 0, 255);
    }
    const icmp = this.object(transport.icmp, `${at}.transportHeader.icmp`);
    if (icmp) for (const k of ['id', 'sequence']) this.integer(icmp, k, `${at}.transportHeader.icmp`, 0, 65535);
  }
}

const OBSERVATION_STRINGS = ['component', 'componentInfo', 'action', 'pod', 'dstMAC', 'networkPolicy', 'networkPolicyRule', 'egress', 'egressNode'] as const;
const OBSERVATION_IPS = ['translatedSrcIP', 'translatedDstIP', 'tunnelDstIP', 'egressIP', 'srcPodIP'] as const;

/**
 * Returns the object typed as a Traceflow when its fields have the types and ranges Antrea's API
 * gives them; a {@link TraceflowDataError} otherwise. Fields the driver does not read are not
 * checked (newer Antrea versions add some).
 */
export function checkTraceflowObject(value: unknown): Traceflow {
  const name = isObject(value) && isObject(value.metadata) && typeof value.metadata.name === 'string' ? value.metadata.name : '(unnamed)';
  const c: Checker = new Checker(name);
  if (!isObject(value)) throw new TraceflowDataError(name, 'the object', value, 'a Traceflow object');
  const metadata = c.object(value.metadata, 'metadata', false)!;
  if (typeof metadata.name !== 'string' || metadata.name === '') c.fail('metadata.name', metadata.name, 'a name');
  c.strings(metadata, ['resourceVersion', 'uid', 'creationTimestamp'], 'metadata');
  const spec = c.object(value.spec, 'spec', false)!;
  for (const part of ['source', 'destination'] as const) {
    const ep = c.object(spec[part], `spec.${part}`);
    if (!ep) continue;
    c.strings(ep, ['namespace', 'pod', 'service', 'ip'], `spec.${part}`);
    c.ip(ep, 'ip', `spec.${part}`);
  }
  c.packet(spec.packet, 'spec.packet');
  c.integer(spec, 'timeout', 'spec', 0, 65535);
  for (const k of ['liveTraffic', 'droppedOnly'] as const) if (spec[k] !== undefined && typeof spec[k] !== 'boolean') c.fail(`spec.${k}`, spec[k], 'true or false');

  const status = c.object(value.status, 'status');
  if (status) {
    c.strings(status, ['phase', 'reason', 'startTime'], 'status');
    c.integer(status, 'dataplaneTag', 'status', 0, 255);
    c.packet(status.capturedPacket, 'status.capturedPacket');
    c.list(status.results, 'status.results').forEach((r, i) => {
      const at = `status.results[${i}]`;
      const result = c.object(r, at, false)!;
      c.strings(result, ['node', 'role'], at);
      // The node name selects the antrea-agent pod (field selector) and names the leg.
      if (result.node !== undefined && result.node !== '' && !isOvnName(result.node)) c.fail(`${at}.node`, result.node, 'a node name');
      if (result.timestamp !== undefined) {
        const t = result.timestamp;
        if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > MAX_UNIX_SECONDS) c.fail(`${at}.timestamp`, t, `a Unix time in seconds (0 to ${MAX_UNIX_SECONDS})`);
      }
      c.list(result.observations, `${at}.observations`).forEach((o, j) => {
        const oat = `${at}.observations[${j}]`;
        const obs = c.object(o, oat, false)!;
        c.strings(obs, OBSERVATION_STRINGS, oat);
        for (const k of OBSERVATION_IPS) c.ip(obs, k, oat);
        c.integer(obs, 'ttl', oat, 0, 255);
      });
    });
  }
  return value as unknown as Traceflow;
}
