import { isIP } from 'node:net';
import { InvalidArgumentError } from '../core/errors.js';
import type { AddressFamily, DestinationEndpoint, Protocol, SourceEndpoint, TraceRequest } from '../core/model.js';
import { createTraceRequest } from '../core/request-defaults.js';
import { checkIpAddress, checkNamespace } from '../core/validate-request.js';
import type { ParsedFlags } from './argv-parser.js';

/** Output formats of the CLI. */
export type OutputFormat = 'text' | 'json' | 'yaml' | 'junit';

/**
 * A destination written antctl-style as `ns/name` or `name`: a pod or a Service, decided by asking
 * the API (as antctl does) before the trace starts.
 */
export interface AmbiguousDestination {
  namespace: string;
  name: string;
}

/** Everything the CLI needs, from the flags. */
export interface CliInvocation {
  request: TraceRequest;
  /** Set when `-D` named a pod-or-service; `request.destination` is then a provisional pod ref. */
  ambiguousDestination?: AmbiguousDestination;
  /**
   * `--traceflow NAME`: render that existing Antrea Traceflow. Without endpoint flags the request
   * is provisional (placeholder destination) and is rebuilt from the Traceflow's spec before
   * the trace starts.
   */
  existingTraceflow?: string;
  /** `--antctl`: print the Traceflow in antctl's shape (needs `-o yaml|json`). */
  antctl?: boolean;
  output: OutputFormat;
  logLevel: number;
  color: boolean;
  kubeconfig?: string;
  context?: string;
}

const TCP_FLAG_BITS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 };

function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** Parses a port flag; the message names the flag. */
export function parsePort(argument: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(argument, `"${value}" is not a port number`);
  const port = Number(value);
  if (port < 1 || port > 65535) throw new InvalidArgumentError(argument, `port ${port} is outside 1-65535`);
  return port;
}

/** Parses `--tcp-flags`: a number (decimal or 0x) or flag names joined by `,` or `|`. */
export function parseTcpFlags(value: string): number {
  const v = value.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
    const n = Number(v);
    if (n > 255) throw new InvalidArgumentError('tcp-flags', `${n} is outside 0-255`);
    return n;
  }
  let bits = 0;
  for (const name of v.split(/[,|+]/)) {
    const bit = TCP_FLAG_BITS[name.trim().toUpperCase()];
    if (bit === undefined) throw new InvalidArgumentError('tcp-flags', `unknown TCP flag "${name}" (use FIN, SYN, RST, PSH, ACK, URG, ECE, CWR or a number)`);
    bits |= bit;
  }
  return bits;
}

/** Parses `--timeout`: seconds, or a Go duration such as `30s`, `2m`, `1m30s`. */
export function parseTimeout(value: string): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = '';
  let m: RegExpExecArray | null;
  while ((m = re.exec(v))) {
    matched += m[0];
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600;
  }
  if (matched !== v || v === '') throw new InvalidArgumentError('timeout', `"${value}" is not a duration (use seconds, or e.g. 30s, 2m)`);
  return total;
}

/** The packet parts of an antctl `-f` flow string. */
interface FlowSpec {
  family?: AddressFamily;
  protocol?: Protocol;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
}

/**
 * Parses antctl's `-f/--flow` (`tcp,tcp_dst=80`, `ipv6,udp,udp_dst=53`, `icmp`). Unlike antctl,
 * unknown keys and several protocols are refused instead of being ignored or picked at random.
 */
export function parseFlow(value: string): FlowSpec {
  const spec: FlowSpec = {};
  const protocols: Protocol[] = [];
  for (const raw of value.replace(/\s+/g, '').split(',')) {
    if (raw === '') continue;
    const [key, val, extra] = raw.split('=');
    if (extra !== undefined || key === '' || val === '') throw new InvalidArgumentError('flow', `"${raw}" is not valid in flow`);
    const num = (what: string) => {
      if (val === undefined || !/^\d+$/.test(val)) throw new InvalidArgumentError('flow', `${what} needs a decimal number ("${raw}")`);
      return Number(val);
    };
    switch (key) {
      case 'ipv6':
        spec.family = 'ip6';
        break;
      case 'ip':
        spec.family = spec.family ?? 'ip4';
        break;
      case 'tcp':
      case 'udp':
      case 'icmp':
        protocols.push(key);
        break;
      case 'icmpv6':
      case 'icmp6':
        spec.family = 'ip6';
        protocols.push('icmp');
        break;
      case 'tcp_src':
      case 'udp_src':
        spec.srcPort = parsePort('flow', String(num(key)));
        protocols.push(key.slice(0, 3) as Protocol);
        break;
      case 'tcp_dst':
      case 'udp_dst':
        spec.dstPort = parsePort('flow', String(num(key)));
        protocols.push(key.slice(0, 3) as Protocol);
        break;
      case 'tcp_flags':
        spec.tcpFlags = num(key);
        if (spec.tcpFlags > 255) throw new InvalidArgumentError('flow', `tcp_flags ${spec.tcpFlags} is outside 0-255`);
        protocols.push('tcp');
        break;
      default:
        throw new InvalidArgumentError('flow', `unknown key "${key}" (use ipv6, tcp, udp, icmp, tcp_src, tcp_dst, tcp_flags, udp_src, udp_dst)`);
    }
  }
  const distinct = [...new Set(protocols)];
  if (distinct.length > 1) throw new InvalidArgumentError('flow', `several protocols (${distinct.join(', ')}); give one`);
  if (distinct[0]) spec.protocol = distinct[0];
  return spec;
}

/** Splits antctl's `ns/name` or `name` (namespace "default"). */
function splitNamespaced(argument: string, value: string): { namespace: string; name: string } {
  const parts = value.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: 'default', name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  throw new InvalidArgumentError(argument, `"${value}" should be Namespace/Name, Name, or an IP address`);
}

function pickProtocol(flags: ParsedFlags, flow: FlowSpec): Protocol | undefined {
  const chosen = (['tcp', 'udp', 'icmp'] as const).filter((p) => flags[p] === true);
  if (chosen.length > 1) throw new InvalidArgumentError(chosen[1]!, `--${chosen.join(' and --')} cannot be used together; choose one protocol`);
  if (chosen[0] && flow.protocol && flow.protocol !== chosen[0]) {
    throw new InvalidArgumentError('flow', `protocol ${flow.protocol} in --flow contradicts --${chosen[0]}`);
  }
  return chosen[0] ?? flow.protocol;
}

/**
 * Builds the normalized request from parsed flags. Every mistake is an InvalidArgumentError that
 * names the flag; nothing here touches the cluster.
 */
export function invocationFromFlags(flags: ParsedFlags, env: NodeJS.ProcessEnv = process.env, isTty = false): CliInvocation {
  const flow = str(flags, 'flow') !== undefined ? parseFlow(str(flags, 'flow')!) : {};
  const live = flags['live-traffic'] === true;

  // Source: ovnkube-trace's --src/--src-namespace or antctl's -S.
  let source: SourceEndpoint | undefined;
  const src = str(flags, 'src');
  const antSrc = str(flags, 'source');
  if (src !== undefined && antSrc !== undefined) throw new InvalidArgumentError('source', 'give the source once: --src or -S, not both');
  if (src !== undefined) {
    if (src === '') throw new InvalidArgumentError('src', 'the source pod name is empty');
    source = { kind: 'pod', namespace: str(flags, 'src-namespace') ?? 'default', name: src };
  } else if (antSrc !== undefined) {
    if (isIP(antSrc)) checkIpAddress('source', antSrc);
    source = isIP(antSrc) ? { kind: 'ip', ip: antSrc } : { kind: 'pod', ...splitNamespaced('source', antSrc) };
  } else if (str(flags, 'src-namespace') !== undefined) {
    throw new InvalidArgumentError('src', '--src-namespace is given but --src is missing');
  }

  // Destination: exactly one of --dst, --service, --dst-ip, -D.
  const dstNamespace = str(flags, 'dst-namespace') ?? 'default';
  const given = (['dst', 'service', 'dst-ip', 'destination'] as const).filter((k) => str(flags, k) !== undefined);
  const existingTraceflow = str(flags, 'traceflow');
  if (existingTraceflow !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(existingTraceflow)) throw new InvalidArgumentError('traceflow', `"${existingTraceflow}" is not a valid Traceflow name`);
    const endpointFlags = (['src', 'source', 'dst', 'service', 'dst-ip', 'destination'] as const).filter((k) => str(flags, k) !== undefined);
    if (endpointFlags.length > 0) throw new InvalidArgumentError('traceflow', `renders an existing Traceflow, whose spec gives the endpoints and packet; drop --${endpointFlags.join(', --')}`);
  }
  if (given.length === 0 && existingTraceflow === undefined) {
    throw new InvalidArgumentError('dst', 'a destination is required: exactly one of --dst, --service or --dst-ip (or -D)');
  }
  if (given.length > 1) throw new InvalidArgumentError(given[1] === 'destination' ? 'destination' : given[1]!, `exactly one of --dst, --service, --dst-ip or -D may be set (got --${given.join(', --')})`);
  let destination: DestinationEndpoint | undefined;
  let ambiguousDestination: AmbiguousDestination | undefined;
  switch (given[0]) {
    case 'dst':
      destination = { kind: 'pod', namespace: dstNamespace, name: str(flags, 'dst')! };
      break;
    case 'service':
      destination = { kind: 'service', namespace: dstNamespace, name: str(flags, 'service')! };
      break;
    case 'dst-ip': {
      const ip = str(flags, 'dst-ip')!;
      checkIpAddress('dst-ip', ip);
      destination = { kind: 'ip', ip };
      break;
    }
    case undefined:
      // --traceflow without a destination: placeholder, replaced from the Traceflow's spec.
      destination = { kind: 'ip', ip: '0.0.0.0' };
      break;
    case 'destination': {
      const d = str(flags, 'destination')!;
      if (isIP(d)) checkIpAddress('destination', d);
      if (isIP(d)) destination = { kind: 'ip', ip: d };
      else {
        ambiguousDestination = splitNamespaced('destination', d);
        destination = { kind: 'pod', ...ambiguousDestination };
      }
      break;
    }
  }

  // Packet.
  const familyFlag = str(flags, 'addr-family');
  if (familyFlag !== undefined && familyFlag !== 'ip4' && familyFlag !== 'ip6') {
    throw new InvalidArgumentError('addr-family', `"${familyFlag}" is not ip4 or ip6`);
  }
  if (familyFlag && flow.family && familyFlag !== flow.family) throw new InvalidArgumentError('flow', `ipv6 in --flow contradicts --addr-family ${familyFlag}`);
  const ipHint = destination?.kind === 'ip' ? destination.ip : source?.kind === 'ip' ? source.ip : undefined;
  const family: AddressFamily = (familyFlag as AddressFamily | undefined) ?? flow.family ?? (ipHint && isIP(ipHint) === 6 && !familyFlag ? 'ip6' : 'ip4');

  const dstPortFlag = str(flags, 'dst-port');
  const srcPortFlag = str(flags, 'src-port');
  if (dstPortFlag !== undefined && flow.dstPort !== undefined) throw new InvalidArgumentError('dst-port', 'the destination port is given twice (--dst-port and --flow)');
  const dstPort = dstPortFlag !== undefined ? parsePort('dst-port', dstPortFlag) : flow.dstPort;
  const srcPort = srcPortFlag !== undefined ? parsePort('src-port', srcPortFlag) : flow.srcPort;
  const tcpFlagsFlag = str(flags, 'tcp-flags');
  if (tcpFlagsFlag !== undefined && flow.tcpFlags !== undefined) throw new InvalidArgumentError('tcp-flags', 'the TCP flags are given twice (--tcp-flags and tcp_flags in --flow)');
  if (srcPortFlag !== undefined && flow.srcPort !== undefined) throw new InvalidArgumentError('src-port', 'the source port is given twice (--src-port and --flow)');
  const tcpFlags = tcpFlagsFlag !== undefined ? parseTcpFlags(tcpFlagsFlag) : flow.tcpFlags;
  let protocol = pickProtocol(flags, flow);
  if (tcpFlagsFlag !== undefined && protocol !== undefined && protocol !== 'tcp') {
    throw new InvalidArgumentError('tcp-flags', `TCP flags cannot be used with ${protocol.toUpperCase()}; drop --tcp-flags or trace --tcp`);
  }
  if (!protocol) protocol = dstPort !== undefined || srcPort !== undefined ? 'tcp' : tcpFlags !== undefined ? 'tcp' : 'icmp';
  if (protocol === 'icmp' && dstPortFlag !== undefined) throw new InvalidArgumentError('dst-port', 'ports cannot be used with ICMP');
  if (protocol === 'icmp' && srcPortFlag !== undefined) throw new InvalidArgumentError('src-port', 'ports cannot be used with ICMP');

  // Mode.
  if (flags['dropped-only'] === true && !live) throw new InvalidArgumentError('dropped-only', '--dropped-only works only with --live-traffic');
  const timeoutFlag = str(flags, 'timeout');
  const timeoutSeconds = timeoutFlag !== undefined ? parseTimeout(timeoutFlag) : undefined;
  if (timeoutSeconds !== undefined && timeoutSeconds <= 0) throw new InvalidArgumentError('timeout', `${timeoutFlag} is not a positive duration`);

  // Output.
  const output = (str(flags, 'output') ?? 'text') as OutputFormat;
  if (!['text', 'json', 'yaml', 'junit'].includes(output)) throw new InvalidArgumentError('output', `"${output}" is not text, json, yaml or junit`);
  if (flags.antctl === true && output !== 'yaml' && output !== 'json') {
    throw new InvalidArgumentError('antctl', `antctl-compatible output needs -o yaml or -o json (got ${output})`);
  }
  if (flags.antctl === true && flags['all-backends'] === true) {
    throw new InvalidArgumentError('antctl', 'antctl output shows one Traceflow; --all-backends runs one per backend (use -o yaml or -o json without --antctl)');
  }
  const levelFlag = str(flags, 'loglevel') ?? '0';
  if (!/^\d$/.test(levelFlag)) throw new InvalidArgumentError('loglevel', `"${levelFlag}" is not a level from 0 to 9 (0 summary, 2 flows, 5 debug)`);
  const color = isTty && flags['no-color'] !== true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb';

  const options: Record<string, unknown> = {};
  const ovnNamespace = str(flags, 'ovn-namespace');
  if (ovnNamespace !== undefined) {
    checkNamespace('ovn-namespace', ovnNamespace);
    options.ovnNamespace = ovnNamespace;
  }
  if (flags.local === true) options.local = true;
  if (flags.keep === true) options.keep = true;
  if (str(flags, 'traceflow') !== undefined) options.traceflow = str(flags, 'traceflow');
  if (flags.antctl === true) options.antctl = true;
  if (str(flags, 'timeout') !== undefined) options.timeoutGiven = true;

  const cni = str(flags, 'cni');
  const request = createTraceRequest({
    ...(source ? { source } : {}),
    destination: destination!,
    packet: {
      family,
      protocol,
      ...(dstPort !== undefined ? { dstPort } : {}),
      ...(srcPort !== undefined ? { srcPort } : {}),
      ...(tcpFlags !== undefined ? { tcpFlags } : {}),
    },
    ...(live ? { mode: 'live' as const } : {}),
    ...(flags['dropped-only'] === true ? { droppedOnly: true } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(flags['skip-detrace'] === true ? { skipDetrace: true } : {}),
    ...(flags['all-backends'] === true ? { allBackends: true } : {}),
    ...(cni !== undefined ? { cni } : {}),
    ...(Object.keys(options).length ? { options } : {}),
  });
  return {
    request,
    ...(ambiguousDestination ? { ambiguousDestination } : {}),
    ...(existingTraceflow !== undefined ? { existingTraceflow } : {}),
    ...(flags.antctl === true ? { antctl: true } : {}),
    output,
    logLevel: Number(levelFlag),
    color,
    ...(str(flags, 'kubeconfig') !== undefined ? { kubeconfig: str(flags, 'kubeconfig') } : {}),
    ...(str(flags, 'context') !== undefined ? { context: str(flags, 'context') } : {}),
  };
}
