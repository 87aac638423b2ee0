import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { CniTraceError, InvalidArgumentError } from '../../../core/errors.js';
import { podIpOfFamily, type KubeClient } from '../../../core/kube/kube-client.js';
import type { AddressFamily, Protocol } from '../../../core/model.js';
import { OVNKUBE_NODE_LABEL, POD_NETWORKS_ANNOTATION, ZONE_ANNOTATION, macFromIPv4, podLogicalPort } from '../ovn-k-names.js';

/** The ovnkube-node pod container where a node's OVN tools run. */
export interface OvnToolsLocation {
  namespace: string;
  pod: string;
  container: string;
}

/** A node as the OVN driver sees it. */
export interface OvnNode {
  name: string;
  /** Interconnect zone (annotation `k8s.ovn.org/zone-name`, else the node name). */
  zone: string;
  internalIp?: string;
  tools: OvnToolsLocation;
  /** Pod subnets of the node (`k8s.ovn.org/node-subnets`, network `default`). */
  subnets: string[];
  /** Local gateway mode (`k8s.ovn.org/l3-gateway-config` mode `local`): traffic leaves through the management port. */
  routingViaHost: boolean;
}

/**
 * The management port address of a node for a family: the second address of its pod subnet
 * (ovn-kubernetes gives `.1` to the router and `.2` to ovn-k8s-mp0). A host-network pod's traffic
 * to pod IPs leaves the host through ovn-k8s-mp0 with this source address.
 */
export function managementIp(node: OvnNode, family: AddressFamily): string | undefined {
  const subnet = node.subnets.find((s) => (family === 'ip6' ? s.includes(':') : !s.includes(':')));
  if (!subnet) return undefined;
  const base = subnet.split('/')[0]!;
  if (family === 'ip4') {
    const b = base.split('.').map(Number);
    return [b[0], b[1], b[2], (b[3] ?? 0) + 2].join('.');
  }
  return base.endsWith('::') ? `${base}2` : `${base.replace(/:0*$/, '')}::2`;
}

/** A pod endpoint with what the OVN tools need. */
export interface OvnPodEndpoint {
  namespace: string;
  name: string;
  ip: string;
  mac: string;
  node: string;
  hostNetwork: boolean;
  /** Logical switch port (`<ns>_<pod>`, or `k8s-<node>` for host-network pods). */
  logicalPort: string;
}

/** One Service backend chosen for tracing. */
export interface ServiceBackend {
  ip: string;
  port?: number;
  ready: boolean;
  pod?: { namespace: string; name: string };
  node?: string;
}

/** A resolved Service destination. */
export interface OvnServiceTarget {
  namespace: string;
  name: string;
  clusterIp: string;
  /** The Service port traced (what the client connects to). */
  port?: number;
  protocol: Protocol;
  portName?: string;
  backends: ServiceBackend[];
}

/** Error of OVN discovery that is not the user's input. */
export class OvnDiscoveryError extends CniTraceError {
  constructor(message: string) {
    super('OVN_DISCOVERY', message, 3);
  }
}

/**
 * Finds the namespace of the ovnkube-node pods: the given one, or the namespace of any pod
 * labelled `app=ovnkube-node` (ovn-kubernetes, openshift-ovn-kubernetes, ...). `known` is that
 * list when the caller already has it (driver detection fetched it): no second look-up.
 */
export async function findOvnNamespace(kube: KubeClient, override?: string, known?: V1Pod[]): Promise<string> {
  if (override) return override;
  const pods = known ?? (await kube.listPods({ labelSelector: OVNKUBE_NODE_LABEL }));
  const ns = pods[0]?.metadata?.namespace;
  if (!ns) throw new OvnDiscoveryError('no pods labelled app=ovnkube-node in any namespace: is this an OVN-Kubernetes cluster? (use --ovn-namespace)');
  return ns;
}

/**
 * Picks the container that holds the OVN tools from the pod spec: the one that mounts both the
 * OVN and the OVS run directories, else a known ovn-kubernetes container name, else the first.
 */
export function toolsContainer(pod: V1Pod): string {
  const containers = pod.spec?.containers ?? [];
  const mounts = (c: V1Container, dirs: string[]) => (c.volumeMounts ?? []).some((m) => dirs.some((d) => m.mountPath.replace(/\/$/, '') === d));
  const both = containers.find((c) => mounts(c, ['/var/run/ovn', '/run/ovn']) && mounts(c, ['/var/run/openvswitch', '/run/openvswitch']));
  if (both) return both.name;
  for (const name of ['ovnkube-controller', 'ovnkube-node', 'ovn-controller', 'sb-ovsdb', 'nb-ovsdb']) {
    if (containers.some((c) => c.name === name)) return name;
  }
  const first = containers[0]?.name;
  if (!first) throw new OvnDiscoveryError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} has no containers`);
  return first;
}

/**
 * Resolves a node: its zone, InternalIP and ovnkube-node pod (label + field selector). `known`:
 * every pod labelled `app=ovnkube-node` in the cluster, already listed — the node's pod is then
 * picked from it instead of asking the API again.
 */
export async function resolveOvnNode(kube: KubeClient, ovnNamespace: string, node: string, known?: V1Pod[]): Promise<OvnNode> {
  const [nodeObj, pods] = await Promise.all([
    kube.getNode(node),
    known
      ? Promise.resolve(known.filter((p) => p.metadata?.namespace === ovnNamespace && p.spec?.nodeName === node))
      : kube.listPods({ namespace: ovnNamespace, labelSelector: OVNKUBE_NODE_LABEL, fieldSelector: `spec.nodeName=${node}` }),
  ]);
  const pod = pods[0];
  if (!pod?.metadata?.name) throw new OvnDiscoveryError(`no ovnkube-node pod on node ${node} in namespace ${ovnNamespace}`);
  const annotations = nodeObj.metadata?.annotations ?? {};
  const zone = annotations[ZONE_ANNOTATION] ?? node;
  const internalIp = nodeObj.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  return {
    name: node,
    zone,
    ...(internalIp ? { internalIp } : {}),
    tools: { namespace: ovnNamespace, pod: pod.metadata.name, container: toolsContainer(pod) },
    subnets: parseNodeSubnets(annotations['k8s.ovn.org/node-subnets']),
    routingViaHost: gatewayMode(annotations['k8s.ovn.org/l3-gateway-config']) === 'local',
  };
}

/** `{"default":["10.244.1.0/24","fd00::/64"]}` or the older `{"default":"10.244.1.0/24"}`. */
export function parseNodeSubnets(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const v = (JSON.parse(raw) as Record<string, string | string[]>).default;
    return Array.isArray(v) ? v : v ? [v] : [];
  } catch {
    return [];
  }
}

/** Gateway mode of `k8s.ovn.org/l3-gateway-config` (`local` or `shared`). */
export function gatewayMode(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    return (JSON.parse(raw) as { default?: { mode?: string } }).default?.mode;
  } catch {
    return undefined;
  }
}

/** The pod's MAC from `k8s.ovn.org/pod-networks` (network `default`), else OVN-K's 0a:58 rule. */
export function podMac(pod: V1Pod, ipv4?: string): string | undefined {
  const raw = pod.metadata?.annotations?.[POD_NETWORKS_ANNOTATION];
  if (raw) {
    try {
      const nets = JSON.parse(raw) as Record<string, { mac_address?: string }>;
      const mac = nets.default?.mac_address;
      if (mac) return mac;
    } catch {
      // A malformed annotation falls back to the convention below.
    }
  }
  return ipv4 ? macFromIPv4(ipv4) : undefined;
}

/** Turns a pod object into an endpoint of the requested family. */
export function podEndpoint(pod: V1Pod, family: AddressFamily, argument: string): OvnPodEndpoint {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const ip = podIpOfFamily(pod, family);
  if (!ip) {
    throw new InvalidArgumentError(argument, `pod ${namespace}/${name} has no ${family === 'ip6' ? 'IPv6' : 'IPv4'} address (podIPs: ${(pod.status?.podIPs ?? []).map((p) => p.ip).join(', ') || 'none'}); check --addr-family`);
  }
  const node = pod.spec?.nodeName;
  if (!node) throw new OvnDiscoveryError(`pod ${namespace}/${name} is not scheduled on a node yet`);
  const hostNetwork = pod.spec?.hostNetwork === true;
  const mac = podMac(pod, podIpOfFamily(pod, 'ip4'));
  if (!mac && !hostNetwork) throw new OvnDiscoveryError(`pod ${namespace}/${name} has no MAC in ${POD_NETWORKS_ANNOTATION}`);
  return { namespace, name, ip, mac: mac ?? '', node, hostNetwork, logicalPort: hostNetwork ? `k8s-${node}` : podLogicalPort(namespace, name) };
}

/**
 * Resolves a Service: ClusterIP of the family, the port traced (by number or, when absent, the
 * only port of the protocol) and the ready endpoints from its EndpointSlices, with the
 * targetPort that belongs to that Service port. TCP and UDP both work.
 */
export async function resolveService(
  kube: KubeClient,
  namespace: string,
  name: string,
  family: AddressFamily,
  protocol: Protocol,
  dstPort: number | undefined,
): Promise<OvnServiceTarget> {
  const svc = await kube.requireService(namespace, name);
  const ips = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
  const clusterIp = ips.find((ip) => ip !== 'None' && (family === 'ip6' ? ip.includes(':') : !ip.includes(':')));
  if (!clusterIp) {
    const what = ips.includes('None') ? 'is headless (no ClusterIP)' : `has no ${family === 'ip6' ? 'IPv6' : 'IPv4'} ClusterIP`;
    throw new InvalidArgumentError('service', `service ${namespace}/${name} ${what}`);
  }
  const proto = protocol.toUpperCase();
  const ports = (svc.spec?.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === proto);
  const listed = (svc.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ') || 'none';
  if (protocol === 'icmp') {
    return { namespace, name, clusterIp, protocol, backends: await backendsFor(kube, namespace, name, family, undefined) };
  }
  const svcPort = dstPort !== undefined ? ports.find((p) => p.port === dstPort) : ports.length === 1 ? ports[0] : undefined;
  if (!svcPort) {
    throw new InvalidArgumentError(
      'dst-port',
      dstPort !== undefined
        ? `service ${namespace}/${name} has no ${proto} port ${dstPort} (ports: ${listed})`
        : `service ${namespace}/${name} has ${ports.length} ${proto} ports (${listed}); choose one with --dst-port`,
    );
  }
  const backends = await backendsFor(kube, namespace, name, family, { name: svcPort.name, protocol: proto, targetPort: svcPort.targetPort });
  return { namespace, name, clusterIp, port: svcPort.port, protocol, ...(svcPort.name ? { portName: svcPort.name } : {}), backends };
}

async function backendsFor(
  kube: KubeClient,
  namespace: string,
  service: string,
  family: AddressFamily,
  port: { name?: string; protocol: string; targetPort?: number | string } | undefined,
): Promise<ServiceBackend[]> {
  const slices = await kube.listEndpointSlices(namespace, service);
  const wantedType = family === 'ip6' ? 'IPv6' : 'IPv4';
  const backends: ServiceBackend[] = [];
  for (const slice of slices) {
    if (slice.addressType !== wantedType) continue;
    // The slice port that belongs to the Service port: same name (unnamed when the Service has one port).
    const slicePort = port ? (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === port.protocol) : undefined;
    const portNumber = slicePort?.port ?? (typeof port?.targetPort === 'number' ? port.targetPort : undefined);
    for (const ep of slice.endpoints ?? []) {
      for (const ip of ep.addresses ?? []) {
        backends.push({
          ip,
          ...(portNumber !== undefined ? { port: portNumber } : {}),
          ready: ep.conditions?.ready !== false,
          ...(ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? { pod: { namespace: ep.targetRef.namespace ?? namespace, name: ep.targetRef.name } } : {}),
          ...(ep.nodeName ? { node: ep.nodeName } : {}),
        });
      }
    }
  }
  return backends;
}
