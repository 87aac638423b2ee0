import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';

/**
 * The port a Service endpoint receives on for one Service port: NetworkPolicies see the packet
 * after the Service's DNAT, so a drop behind a Service is about this port (the targetPort), not
 * the Service port. The EndpointSlice ports are named after the Service port they belong to (the
 * empty name when the Service has a single unnamed port), and for a named targetPort they carry
 * the number the endpoint pod resolved it to; a numeric targetPort is the fallback when no slice
 * lists the endpoint.
 *
 * Pure: `service` and `slices` as read from the API; `endpointIp` is the endpoint the trace
 * followed (e.g. a Traceflow LB observation's `translatedDstIP`), absent to accept any endpoint
 * when they all share the port.
 */
export function serviceEndpointPort(opts: {
  service: V1Service;
  slices: readonly V1EndpointSlice[];
  servicePort: number;
  protocol: string;
  endpointIp?: string;
}): number | undefined {
  const proto = opts.protocol.toUpperCase();
  const svcPort = (opts.service.spec?.ports ?? []).find((p) => p.port === opts.servicePort && (p.protocol ?? 'TCP') === proto);
  if (!svcPort) return undefined;
  const found = new Set<number>();
  for (const slice of opts.slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === (svcPort.name ?? '') && (p.protocol ?? 'TCP') === proto)?.port;
    if (port === undefined) continue;
    const holds = opts.endpointIp === undefined || (slice.endpoints ?? []).some((ep) => (ep.addresses ?? []).includes(opts.endpointIp!));
    if (holds) found.add(port);
  }
  if (found.size === 1) return [...found][0];
  if (found.size > 1) return undefined;
  return typeof svcPort.targetPort === 'number' ? svcPort.targetPort : svcPort.targetPort === undefined ? svcPort.port : undefined;
}
