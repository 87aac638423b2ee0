/**
 * A pod's address of the traced family, checked (pure). Shared by every driver so the same
 * mistake (`-D fd00::5` on an IPv4-only cluster) gets the same exit code and wording everywhere.
 */
import type { V1Pod } from '@kubernetes/client-node';
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
