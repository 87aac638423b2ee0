/**
 * Builds a Traceflow object from a normalized request (pure). The packet follows what Antrea's
 * agent expects: `ipv6Header` present means IPv6; a TCP trace always carries a `tcp` header (so the
 * agent never builds the flag-less, port-less packet of antrea#4897); values equal to the agent's
 * defaults (TTL 64, timeout 20 s) and zero values are omitted, as Go clients omit them.
 */
import { InvalidArgumentError } from '../../../core/errors.js';
import type { DestinationEndpoint, SourceEndpoint, TraceRequest } from '../../../core/model.js';
import type { TraceflowDestination, TraceflowPacket, TraceflowSource, TraceflowSpec, Traceflow } from './traceflow-types.js';

/** Label put on every Traceflow cni-trace creates (so they can be found and cleaned up). */
export const CREATED_BY_LABEL = 'app.kubernetes.io/created-by';
/** Value of {@link CREATED_BY_LABEL}. */
export const CREATED_BY_VALUE = 'cni-trace';
/** The CRD's bounds of `spec.timeout`, in seconds. */
export const TRACEFLOW_TIMEOUT_RANGE = { min: 1, max: 300 } as const;
/** Antrea's `DefaultTraceflowTimeout`: an omitted `spec.timeout` means this. */
export const ANTREA_DEFAULT_TIMEOUT_SECONDS = 20;
/** The agent's TTL / hop limit when the spec leaves it at 0. */
const AGENT_DEFAULT_TTL = 64;
/** k8s `rand.String` alphabet, used by antctl for the name suffix. */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Longest Kubernetes object name (DNS-1123 subdomain). */
const MAX_NAME = 253;

/** IP protocol numbers used in the Traceflow packet. */
const PROTO = { icmp: 1, icmpv6: 58, tcp: 6, udp: 17 } as const;

/**
 * Checks what only an Antrea Traceflow constrains, before anything is created. Every failure
 * names the flag.
 */
export function validateTraceflowRequest(request: TraceRequest): void {
  const t = request.timeoutSeconds;
  const { min, max } = TRACEFLOW_TIMEOUT_RANGE;
  if (!Number.isInteger(t) || t < min || t > max) {
    throw new InvalidArgumentError('timeout', `${t}s is not allowed for an Antrea Traceflow: give a whole number of seconds from ${min} to ${max} (the Traceflow CRD's bounds)`);
  }
  if (request.mode === 'simulate') throw new InvalidArgumentError('cni', 'Antrea Traceflow injects or captures a real packet; it does not simulate (use --cni ovn-kubernetes for simulations)');
  const live = request.mode === 'live';
  if (!live && request.source?.kind !== 'pod') throw new InvalidArgumentError('src', 'a Traceflow that injects a packet needs a source pod (only --live-traffic may omit it or give an IP)');
  if (live && request.source?.kind !== 'pod' && request.destination.kind !== 'pod') {
    throw new InvalidArgumentError('dst', 'a live-traffic Traceflow needs a source pod or a destination pod (Antrea captures at a pod\'s port)');
  }
  if (request.packet.tcpFlags !== undefined && request.packet.protocol !== 'tcp') throw new InvalidArgumentError('tcp-flags', 'TCP flags need --tcp');
}

/** antctl's name part of an endpoint: `<ns>-<name>`, the IP, or `any`. */
function endpointNamePart(ep: SourceEndpoint | DestinationEndpoint | undefined): string {
  if (!ep) return 'any';
  return ep.kind === 'ip' ? ep.ip : `${ep.namespace}-${ep.name}`;
}

/** Eight characters of antctl's suffix alphabet. `random` returns a number in [0, 1). */
export function randomSuffix(random: () => number = Math.random): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length) % NAME_SUFFIX_ALPHABET.length];
  return out;
}

/**
 * The Traceflow name, by antctl's scheme: `<src>-to-<dst>-<8 random>`, with IPv6 `::` then `:`
 * replaced by `-` (`fd00::5` → `fd00-5`). Names longer than Kubernetes allows are cut before the
 * suffix.
 */
export function traceflowName(request: Pick<TraceRequest, 'source' | 'destination'>, random: () => number = Math.random): string {
  const prefix = `${endpointNamePart(request.source)}-to-${endpointNamePart(request.destination)}`.replaceAll('::', '-').replaceAll(':', '-');
  return `${prefix.slice(0, MAX_NAME - 9)}-${randomSuffix(random)}`;
}

function sourceOf(source: SourceEndpoint | undefined): TraceflowSource | undefined {
  if (!source) return undefined;
  return source.kind === 'ip' ? { ip: source.ip } : { namespace: source.namespace, pod: source.name };
}

function destinationOf(dst: DestinationEndpoint): TraceflowDestination {
  switch (dst.kind) {
    case 'ip':
      return { ip: dst.ip };
    case 'pod':
      return { namespace: dst.namespace, pod: dst.name };
    case 'service':
      return { namespace: dst.namespace, service: dst.name };
  }
}

/** The packet: IP header (IPv4) or IPv6 header, and the transport header. */
export function packetOf(request: TraceRequest): TraceflowPacket {
  const p = request.packet;
  const live = request.mode === 'live';
  const ttl = p.ttl !== AGENT_DEFAULT_TTL && p.ttl !== 0 ? p.ttl : undefined;
  const packet: TraceflowPacket = {};
  if (p.family === 'ip6') {
    const nextHeader = p.protocol === 'icmp' ? PROTO.icmpv6 : PROTO[p.protocol];
    packet.ipv6Header = { nextHeader, ...(ttl !== undefined ? { hopLimit: ttl } : {}) };
  } else if (!live || p.protocol === 'icmp' || ttl !== undefined) {
    // In live mode the transport header alone selects TCP/UDP (the agent's precedence is
    // TCP > UDP > ICMP > IP protocol), so a bare protocol number adds nothing there.
    packet.ipHeader = { protocol: PROTO[p.protocol], ...(ttl !== undefined ? { ttl } : {}) };
  }
  const ports = {
    ...(p.srcPort ? { srcPort: p.srcPort } : {}),
    ...(p.dstPort ? { dstPort: p.dstPort } : {}),
  };
  if (p.protocol === 'tcp') packet.transportHeader = { tcp: { ...ports, ...(p.tcpFlags !== undefined ? { flags: p.tcpFlags } : {}) } };
  else if (p.protocol === 'udp') packet.transportHeader = { udp: ports };
  return packet;
}

/** The Traceflow `spec` for a request (validate it first with {@link validateTraceflowRequest}). */
export function traceflowSpec(request: TraceRequest): TraceflowSpec {
  const live = request.mode === 'live';
  const source = sourceOf(request.source);
  return {
    ...(source ? { source } : {}),
    destination: destinationOf(request.destination),
    packet: packetOf(request),
    ...(live ? { liveTraffic: true } : {}),
    ...(live && request.droppedOnly ? { droppedOnly: true } : {}),
    ...(request.timeoutSeconds !== ANTREA_DEFAULT_TIMEOUT_SECONDS ? { timeout: request.timeoutSeconds } : {}),
  };
}

/** The whole object to create: name, cni-trace's label, spec. */
export function buildTraceflow(request: TraceRequest, apiVersion: string, name: string = traceflowName(request)): Traceflow {
  return {
    apiVersion,
    kind: 'Traceflow',
    metadata: { name, labels: { [CREATED_BY_LABEL]: CREATED_BY_VALUE } },
    spec: traceflowSpec(request),
  };
}
