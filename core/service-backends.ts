/**
 * A Service's ready endpoints, as Kubernetes lists them (discovery.k8s.io/v1 EndpointSlices), and
 * the combined verdict of a trace of each. CNI-independent: every driver's load balancer programs
 * the same ready endpoints (kube-proxy semantics: `conditions.ready`, where an unset condition
 * means ready).
 */
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { InvalidArgumentError } from './errors.js';
import type { KubeClient } from './kube/kube-client.js';
import type { BackendResult, ServiceBackend, TraceRequest, Verdict } from './model.js';
import { isSuccess } from './verdict.js';

/** The Service port a request traces, as the Service defines it. */
interface TracedServicePort {
  name?: string;
  protocol: string;
  targetPort?: number | string;
}

/**
 * Ready endpoints of the request's Service for its address family and traced port, in
 * EndpointSlice order. A numeric targetPort stands in when a slice names no port.
 */
export async function readyServiceBackends(kube: KubeClient, request: TraceRequest): Promise<ServiceBackend[]> {
  const dst = request.destination;
  if (dst.kind !== 'service') return [];
  const svc = await kube.requireService(dst.namespace, dst.name);
  const proto = request.packet.protocol.toUpperCase();
  let port: TracedServicePort | undefined;
  if (request.packet.protocol !== 'icmp') {
    const ports = (svc.spec?.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === proto);
    const p = request.packet.dstPort !== undefined ? ports.find((x) => x.port === request.packet.dstPort) : ports.length === 1 ? ports[0] : undefined;
    if (!p) {
      const listed = (svc.spec?.ports ?? []).map((x) => `${x.port}/${x.protocol ?? 'TCP'}`).join(', ') || 'none';
      throw new InvalidArgumentError('dst-port', request.packet.dstPort !== undefined ? `service ${dst.namespace}/${dst.name} has no ${proto} port ${request.packet.dstPort} (ports: ${listed})` : `service ${dst.namespace}/${dst.name} has ${ports.length} ${proto} ports (${listed}); choose one with --dst-port`);
    }
    port = { ...(p.name ? { name: p.name } : {}), protocol: proto, ...(p.targetPort !== undefined ? { targetPort: p.targetPort as number | string } : {}) };
  }
  return backendsOfSlices(await kube.listEndpointSlices(dst.namespace, dst.name), dst.namespace, request.packet.family === 'ip6' ? 'IPv6' : 'IPv4', port);
}

/** Ready endpoints of EndpointSlices (pure). */
export function backendsOfSlices(slices: readonly V1EndpointSlice[], namespace: string, addressType: 'IPv4' | 'IPv6', port: TracedServicePort | undefined): ServiceBackend[] {
  const out: ServiceBackend[] = [];
  for (const slice of slices) {
    if (slice.addressType !== addressType) continue;
    // The slice port of the Service port: the same name (empty when the Service has one port) and protocol.
    const slicePort = port ? (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === port.protocol) : undefined;
    const number = slicePort?.port ?? (typeof port?.targetPort === 'number' ? port.targetPort : undefined);
    for (const ep of slice.endpoints ?? []) {
      // EndpointSlice API: "ready ... nil should be interpreted as true".
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        if (out.some((b) => b.ip === ip)) continue;
        out.push({
          ip,
          ...(number !== undefined ? { port: number } : {}),
          ...(ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? { pod: { namespace: ep.targetRef.namespace ?? namespace, name: ep.targetRef.name } } : {}),
          ...(ep.nodeName ? { node: ep.nodeName } : {}),
        });
      }
    }
  }
  return out;
}

/** `backend/web-2 (10.244.1.6:8080)`: how a backend is named in verdicts and output. */
export function backendLabel(b: ServiceBackend): string {
  const addr = b.port !== undefined ? (b.ip.includes(':') ? `[${b.ip}]:${b.port}` : `${b.ip}:${b.port}`) : b.ip;
  return b.pod ? `${b.pod.namespace}/${b.pod.name} (${addr})` : addr;
}

/**
 * The overall verdict of a trace of every backend: delivered only when each one is; otherwise
 * the first unreachable backend's verdict, with how many were reachable and what stopped each
 * of the others ("delivered to 2 of 3 backends; backend/web-2 (10.244.1.7:8080) dropped: ...").
 */
export function combineBackendVerdicts(results: readonly BackendResult[]): { verdict: Verdict; reason: string; drop?: BackendResult['drop'] } {
  if (results.length === 0) return { verdict: 'inconclusive', reason: 'the Service has no ready endpoints to trace' };
  const ok = results.filter((r) => isSuccess(r.verdict));
  const bad = results.filter((r) => !isSuccess(r.verdict));
  const count = `delivered to ${ok.length} of ${results.length} backend${results.length === 1 ? '' : 's'}`;
  if (bad.length === 0) return { verdict: 'delivered', reason: count };
  const first = bad[0]!;
  const why = bad.map((r) => `${backendLabel(r)} ${r.verdict}: ${r.drop?.explanation ?? r.reason}`).join('; ');
  return { verdict: first.verdict, reason: `${count}; ${why}`, ...(first.drop ? { drop: first.drop } : {}) };
}
