/**
 * A pod's or Service's address of the traced family, checked (pure). Shared by every driver so
 * the same mistake (`-D fd00::5` on an IPv4-only cluster, an IPv6 trace to an IPv4-only Service)
 * gets the same exit code and wording everywhere.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { requireIp } from './cluster-values.js';
import { InvalidArgumentError } from './errors.js';
import type { AddressFamily } from './model.js';

/** Every address of `status.podIPs` (else `status.podIP`), each checked to be a plain IP address. */
export function podAddresses(pod: V1Pod): string[] {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const listed = pod.status?.podIPs;
  const origin = { kind: 'pod', namespace, name, field: listed ? 'status.podIPs' : 'status.podIP' };
  const ips = listed ? listed.map((p) => p?.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
  return ips.map((ip) => requireIp(ip, origin));
}

/**
 * The pod's address of `family`. A pod without one is the user's mistake (the family, or an
 * IPv6 address given to an IPv4-only cluster): an InvalidArgumentError (exit 2) naming the flag
 * `argument` that selected the pod.
 */
export function requirePodAddress(pod: V1Pod, family: AddressFamily, argument: string): string {
  const ips = podAddresses(pod);
  const ip = ips.find((a) => (family === 'ip6' ? a.includes(':') : !a.includes(':')));
  if (ip) return ip;
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  throw new InvalidArgumentError(
    argument,
    `pod ${namespace}/${name} has no ${family === 'ip6' ? 'IPv6' : 'IPv4'} address (podIPs: ${ips.join(', ') || 'none'}); check --addr-family (an IPv6 destination makes the trace IPv6)`,
  );
}

/**
 * The Service's ClusterIP of `family` (each listed one checked). Headless, or without one of the
 * family: an InvalidArgumentError on `--service`.
 */
export function requireServiceAddress(svc: V1Service, family: AddressFamily): string {
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const listed = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
  const ips = listed.filter((ip) => ip !== 'None').map((ip) => requireIp(ip, { kind: 'service', namespace, name, field: 'spec.clusterIPs' }));
  const ip = ips.find((a) => (family === 'ip6' ? a.includes(':') : !a.includes(':')));
  if (ip) return ip;
  const what = listed.includes('None') ? 'is headless (no ClusterIP)' : `has no ${family === 'ip6' ? 'IPv6' : 'IPv4'} ClusterIP`;
  throw new InvalidArgumentError('service', `service ${namespace}/${name} ${what}`);
}
