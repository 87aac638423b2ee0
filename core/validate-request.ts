import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';
import type { DestinationEndpoint, SourceEndpoint, TraceRequest } from './model.js';

/** DNS-1123 label: namespaces (and the lower bound for most names). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: pod and service names. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Checks a namespace name; `argument` names the CLI flag it came from. */
export function checkNamespace(argument: string, value: string): void {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw new InvalidArgumentError(argument, `"${value}" is not a valid namespace name (lower-case letters, digits and '-', at most 63 characters)`);
  }
}

/** Checks a pod or service name. */
export function checkObjectName(argument: string, value: string, what: string): void {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new InvalidArgumentError(argument, `"${value}" is not a valid ${what} name (lower-case letters, digits, '-' and '.')`);
  }
}

function checkPort(argument: string, port: number | undefined): void {
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(argument, `port ${port} is outside 1-65535`);
  }
}

/**
 * Checks that a user-given address is a plain IP address. A zone-scoped IPv6 address
 * (`fe80::1%eth0`) is refused: node's `isIP` accepts it, but the zone names an interface of one
 * host, and neither ovn-trace, OVS nor a Traceflow has a field for it.
 */
export function checkIpAddress(argument: string, ip: string): void {
  if (ip.includes('%') && isIP(ip) === 6) {
    throw new InvalidArgumentError(argument, `"${ip}" is a zone-scoped IPv6 address; give the address without "%${ip.slice(ip.indexOf('%') + 1)}" (a zone names an interface of one host, not an address in the cluster)`);
  }
  if (isIP(ip) === 0) throw new InvalidArgumentError(argument, `"${ip}" is not an IP address`);
}

function checkIp(argument: string, ip: string, family: TraceRequest['packet']['family']): void {
  checkIpAddress(argument, ip);
  const version = isIP(ip);
  if (family === 'ip4' && version === 6) {
    throw new InvalidArgumentError(argument, `"${ip}" is an IPv6 address but the address family is ip4; add --addr-family ip6`);
  }
  if (family === 'ip6' && version === 4) {
    throw new InvalidArgumentError(argument, `"${ip}" is an IPv4 address but the address family is ip6`);
  }
}

function checkSource(source: SourceEndpoint | undefined, request: TraceRequest): void {
  const live = request.mode === 'live';
  if (!source) {
    if (!live) throw new InvalidArgumentError('src', 'a source pod is required (only a live-traffic trace may omit it)');
    return;
  }
  if (source.kind === 'ip') {
    if (!live) throw new InvalidArgumentError('src', 'the source must be a pod unless --live-traffic is set');
    checkIp('src', source.ip, request.packet.family);
    return;
  }
  checkNamespace('src-namespace', source.namespace);
  checkObjectName('src', source.name, 'pod');
}

function checkDestination(destination: DestinationEndpoint | undefined, request: TraceRequest): void {
  if (!destination) throw new InvalidArgumentError('dst', 'exactly one of --dst, --service or --dst-ip is required');
  switch (destination.kind) {
    case 'ip':
      checkIp('dst-ip', destination.ip, request.packet.family);
      return;
    case 'pod':
      checkNamespace('dst-namespace', destination.namespace);
      checkObjectName('dst', destination.name, 'pod');
      return;
    case 'service':
      checkNamespace('dst-namespace', destination.namespace);
      checkObjectName('service', destination.name, 'service');
      return;
  }
}

/** `allBackends` and a pinned `backend` need a Service destination, and exclude each other. */
function checkBackends(request: TraceRequest): void {
  if (request.allBackends !== undefined && typeof request.allBackends !== 'boolean') throw new InvalidArgumentError('all-backends', 'must be true or false');
  if (request.allBackends && request.destination.kind !== 'service') {
    throw new InvalidArgumentError('all-backends', 'needs a Service destination (--service); a pod or IP destination has one backend');
  }
  if (request.allBackends && request.mode === 'live') {
    throw new InvalidArgumentError('all-backends', 'cannot be used with --live-traffic: a live packet goes to the one backend its connection was balanced to');
  }
  if (request.allBackends && typeof request.options?.traceflow === 'string') {
    throw new InvalidArgumentError('all-backends', 'cannot be used with --traceflow: an existing Traceflow has already followed one backend');
  }
  if (request.backend === undefined) return;
  if (request.allBackends) throw new InvalidArgumentError('all-backends', 'traces every backend; it cannot be combined with one pinned backend');
  if (request.destination.kind !== 'service') throw new InvalidArgumentError('backend', 'a pinned backend needs a Service destination');
  checkIp('backend', request.backend.ip, request.packet.family);
  checkPort('backend', request.backend.port);
}

/**
 * Validates a normalized request. Every failure is an InvalidArgumentError naming the argument
 * in its CLI spelling, raised before anything is created in the cluster.
 */
export function validateTraceRequest(request: TraceRequest): void {
  const { packet } = request;
  if (packet.family !== 'ip4' && packet.family !== 'ip6') {
    throw new InvalidArgumentError('addr-family', `"${packet.family as string}" is not ip4 or ip6`);
  }
  if (!['tcp', 'udp', 'icmp'].includes(packet.protocol)) {
    throw new InvalidArgumentError('protocol', `"${packet.protocol as string}" is not tcp, udp or icmp`);
  }
  checkPort('dst-port', packet.dstPort);
  checkPort('src-port', packet.srcPort);
  if (packet.protocol === 'icmp') {
    if (packet.dstPort !== undefined) throw new InvalidArgumentError('dst-port', 'ports cannot be used with ICMP');
    if (packet.srcPort !== undefined) throw new InvalidArgumentError('src-port', 'ports cannot be used with ICMP');
  }
  if (packet.tcpFlags !== undefined) {
    if (packet.protocol !== 'tcp') throw new InvalidArgumentError('tcp-flags', 'TCP flags need --tcp');
    if (!Number.isInteger(packet.tcpFlags) || packet.tcpFlags < 0 || packet.tcpFlags > 255) {
      throw new InvalidArgumentError('tcp-flags', `${packet.tcpFlags} is outside 0-255`);
    }
  }
  if (!Number.isInteger(packet.ttl) || packet.ttl < 1 || packet.ttl > 255) {
    throw new InvalidArgumentError('ttl', `${packet.ttl} is outside 1-255`);
  }
  if (request.droppedOnly && request.mode !== 'live') {
    throw new InvalidArgumentError('dropped-only', '--dropped-only works only with --live-traffic');
  }
  if (!Number.isFinite(request.timeoutSeconds) || request.timeoutSeconds <= 0) {
    throw new InvalidArgumentError('timeout', `${request.timeoutSeconds} is not a positive number of seconds`);
  }
  const ovnNamespace = request.options?.ovnNamespace;
  if (ovnNamespace !== undefined) {
    if (typeof ovnNamespace !== 'string') throw new InvalidArgumentError('ovn-namespace', 'must be a namespace name');
    checkNamespace('ovn-namespace', ovnNamespace);
  }
  checkSource(request.source, request);
  checkDestination(request.destination, request);
  checkBackends(request);
  if (request.destination.kind === 'ip' && request.source?.kind === 'ip' && request.source.ip === request.destination.ip) {
    throw new InvalidArgumentError('dst-ip', 'source and destination are the same address');
  }
}
