/**
 * The request an existing Traceflow stands for (pure), so `--traceflow NAME` renders it with the
 * right endpoints and packet: the inverse of `traceflowSpec`, with the agent's defaults filled in.
 */
import type { DestinationEndpoint, PacketSpec, Protocol, SourceEndpoint, TraceRequest } from '../../../core/model.js';
import { ANTREA_DEFAULT_TIMEOUT_SECONDS } from './traceflow-spec.js';
import type { Traceflow } from './traceflow-types.js';

function protocolOf(tf: Traceflow): Protocol {
  const t = tf.spec.packet?.transportHeader;
  if (t?.tcp) return 'tcp';
  if (t?.udp) return 'udp';
  const n = tf.spec.packet?.ipv6Header ? tf.spec.packet.ipv6Header.nextHeader : tf.spec.packet?.ipHeader?.protocol;
  return n === 6 ? 'tcp' : n === 17 ? 'udp' : 'icmp';
}

/**
 * A request matching the Traceflow's spec; `options.traceflow` names it, so the driver follows
 * and renders that object instead of creating one. `base` supplies output-independent fields
 * (e.g. `cni`, other options).
 */
export function requestFromTraceflow(tf: Traceflow, base: Partial<TraceRequest> = {}): TraceRequest {
  const s = tf.spec;
  const live = s.liveTraffic === true;
  const source: SourceEndpoint | undefined = s.source?.pod
    ? { kind: 'pod', namespace: s.source.namespace || 'default', name: s.source.pod }
    : s.source?.ip
      ? { kind: 'ip', ip: s.source.ip }
      : undefined;
  const d = s.destination ?? {};
  const destination: DestinationEndpoint = d.pod
    ? { kind: 'pod', namespace: d.namespace || 'default', name: d.pod }
    : d.service
      ? { kind: 'service', namespace: d.namespace || 'default', name: d.service }
      : { kind: 'ip', ip: d.ip ?? '' };
  const protocol = protocolOf(tf);
  const l4 = s.packet?.transportHeader?.tcp ?? s.packet?.transportHeader?.udp;
  const ttl = (s.packet?.ipv6Header ? s.packet.ipv6Header.hopLimit : s.packet?.ipHeader?.ttl) || 64;
  const packet: PacketSpec = {
    family: s.packet?.ipv6Header ? 'ip6' : 'ip4',
    protocol,
    ttl,
    ...(l4?.srcPort ? { srcPort: l4.srcPort } : {}),
    ...(l4?.dstPort ? { dstPort: l4.dstPort } : {}),
    ...(protocol === 'tcp' ? { tcpFlags: s.packet?.transportHeader?.tcp?.flags ?? 2 } : {}),
  };
  return {
    ...(source ? { source } : {}),
    destination,
    packet,
    mode: live ? 'live' : 'inject',
    ...(live && s.droppedOnly ? { droppedOnly: true } : {}),
    timeoutSeconds: s.timeout || ANTREA_DEFAULT_TIMEOUT_SECONDS,
    ...(base.cni ? { cni: base.cni } : { cni: 'antrea' }),
    options: { ...(base.options ?? {}), traceflow: tf.metadata.name },
  };
}
