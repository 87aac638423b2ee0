import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { requireIp, requireIpPrefix, requireMac, requireOvnName } from '../../../core/cluster-values.js';
import { ClusterDataError, CniTraceError, InvalidArgumentError } from '../../../core/errors.js';
import { podIpOfFamily, type KubeClient } from '../../../core/kube/kube-client.js';
import { podAddresses, requirePodAddress, requireServiceAddress } from '../../../core/endpoint-address.js';
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
  /** The node's gateway as ovn-kubernetes announces it (`k8s.ovn.org/l3-gateway-config`), when set. */
  gateway?: NodeGateway;
  /** Addresses of the node itself: InternalIP, the gateway's ip-addresses and node-primary-ifaddr (no prefix). */
  addresses: string[];
}

/**
 * A node's L3 gateway, from `k8s.ovn.org/l3-gateway-config` (network `default`): what ovnkube-node
 * configured its gateway router `GR_<node>` with. ovn-kubernetes names the router `GR_<node>`,
 * its external switch `ext_<node>` and the router's port there `rtoe-GR_<node>`
 * (pkg/types/const.go); the localnet port is the annotation's `interface-id`.
 */
export interface NodeGateway {
  mode: string;
  /** The external switch's localnet port (`interface-id`, e.g. `breth0_<node>`). */
  localnetPort?: string;
  /** MAC of the provider bridge = of `rtoe-GR_<node>` (`mac-address`). */
  mac?: string;
  /** Node addresses on the external network, without prefix (`ip-addresses`). */
  ips: string[];
  nextHops: string[];
  gatewayRouter: string;
  externalSwitch: string;
  /** The GR's join-switch addresses (`k8s.ovn.org/node-gateway-router-lrp-ifaddrs`, network default; older `...-ifaddr`). */
  joinIps: string[];
}

/** Parses `k8s.ovn.org/l3-gateway-config` (current `ip-addresses`/`next-hops`, or the older singular fields). */
export function parseL3GatewayConfig(node: string, raw: string | undefined, joinAddrs?: { current?: string; legacy?: string }): NodeGateway | undefined {
  if (!raw) return undefined;
  let cfg: Record<string, unknown> | undefined;
  try {
    cfg = (JSON.parse(raw) as { default?: Record<string, unknown> }).default;
  } catch {
    return undefined;
  }
  if (!cfg || typeof cfg.mode !== 'string') return undefined;
  const list = (plural: unknown, singular: unknown): string[] =>
    (Array.isArray(plural) ? plural : typeof singular === 'string' ? [singular] : []).filter((x): x is string => typeof x === 'string');
  return {
    mode: cfg.mode,
    ...(typeof cfg['interface-id'] === 'string' ? { localnetPort: cfg['interface-id'] } : {}),
    ...(typeof cfg['mac-address'] === 'string' ? { mac: cfg['mac-address'] } : {}),
    ips: list(cfg['ip-addresses'], cfg['ip-address']).map((c) => c.split('/')[0]!),
    nextHops: list(cfg['next-hops'], cfg['next-hop']),
    gatewayRouter: `GR_${node}`,
    externalSwitch: `ext_${node}`,
    joinIps: parseJoinAddrs(joinAddrs?.current, joinAddrs?.legacy),
  };
}

/** `{"default":{"ipv4":"100.64.0.2/16"}}` (current) or `{"ipv4":"100.64.0.2/16"}` (older) → addresses. */
export function parseJoinAddrs(current: string | undefined, legacy: string | undefined): string[] {
  try {
    if (current) return parsePrimaryIfAddr(JSON.stringify((JSON.parse(current) as { default?: unknown }).default ?? {}));
  } catch {
    // fall through to the older annotation
  }
  return parsePrimaryIfAddr(legacy);
}

/** `k8s.ovn.org/node-primary-ifaddr` (`{"ipv4":"172.18.0.2/16","ipv6":...}`) → addresses without prefix. */
export function parsePrimaryIfAddr(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as { ipv4?: string; ipv6?: string };
    return [v.ipv4, v.ipv6].filter((x): x is string => typeof x === 'string').map((c) => c.split('/')[0]!);
  } catch {
    return [];
  }
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
  return ovnNodeFromObjects(node, nodeObj, pod, ovnNamespace);
}

/** Node annotations the driver reads. */
const NODE_SUBNETS_ANNOTATION = 'k8s.ovn.org/node-subnets';
const GATEWAY_CONFIG_ANNOTATION = 'k8s.ovn.org/l3-gateway-config';

/**
 * The node as the driver sees it, from its Node object and its ovnkube-node pod (pure). Every
 * value that reaches a tool expression is checked here: the node name and zone (ovn-trace
 * datapath and database names), the pod subnets (management port address in microflows) and the
 * InternalIP (tunnel look-up); a bad one is a ClusterDataError naming the node and annotation.
 */
export function ovnNodeFromObjects(node: string, nodeObj: V1Node, pod: V1Pod, ovnNamespace: string): OvnNode {
  const origin = (field: string) => ({ kind: 'node', name: node, field });
  requireOvnName(node, origin('metadata.name'));
  const annotations = nodeObj.metadata?.annotations ?? {};
  const zone = requireOvnName(annotations[ZONE_ANNOTATION] ?? node, origin(`annotation ${ZONE_ANNOTATION}`));
  const address = nodeObj.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const internalIp = address === undefined ? undefined : requireIp(address, origin('status.addresses (InternalIP)'));
  const subnetsOrigin = origin(`annotation ${NODE_SUBNETS_ANNOTATION}`);
  const raw = annotations[NODE_SUBNETS_ANNOTATION];
  const subnets = parseNodeSubnets(raw);
  if (subnets === undefined) throw new ClusterDataError(subnetsOrigin, raw, 'JSON such as {"default":["10.244.1.0/24"]}');
  for (const s of subnets) requireIpPrefix(s, subnetsOrigin);
  const gateway = parseL3GatewayConfig(node, annotations[GATEWAY_CONFIG_ANNOTATION], {
    current: annotations['k8s.ovn.org/node-gateway-router-lrp-ifaddrs'],
    legacy: annotations['k8s.ovn.org/node-gateway-router-lrp-ifaddr'],
  });
  if (gateway) {
    // The gateway's values reach microflows of the NodePort and egress legs.
    const gwOrigin = origin(`annotation ${GATEWAY_CONFIG_ANNOTATION}`);
    if (gateway.mac !== undefined) requireMac(gateway.mac, gwOrigin);
    if (gateway.localnetPort !== undefined) requireOvnName(gateway.localnetPort, gwOrigin);
    for (const ip of [...gateway.ips, ...gateway.nextHops]) requireIp(ip, gwOrigin);
    for (const ip of gateway.joinIps) requireIp(ip, origin('annotation k8s.ovn.org/node-gateway-router-lrp-ifaddrs'));
  }
  return {
    name: node,
    zone,
    ...(internalIp ? { internalIp } : {}),
    tools: { namespace: ovnNamespace, pod: pod.metadata!.name!, container: toolsContainer(pod) },
    subnets,
    routingViaHost: gatewayMode(annotations[GATEWAY_CONFIG_ANNOTATION]) === 'local',
    ...(gateway ? { gateway } : {}),
    addresses: nodeAddresses(nodeObj),
  };
}

/** Every address of a node object: status addresses (InternalIP/ExternalIP), gateway and primary interface addresses. */
export function nodeAddresses(nodeObj: V1Node): string[] {
  const annotations = nodeObj.metadata?.annotations ?? {};
  const status = (nodeObj.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  const gw = parseL3GatewayConfig(nodeObj.metadata?.name ?? '', annotations['k8s.ovn.org/l3-gateway-config'])?.ips ?? [];
  return [...new Set([...status, ...gw, ...parsePrimaryIfAddr(annotations['k8s.ovn.org/node-primary-ifaddr'])])];
}

/** A Service reached on a node address and its NodePort. */
export interface NodePortTarget {
  namespace: string;
  name: string;
  /** The node whose address was given. */
  node: string;
  nodeIp: string;
  nodePort: number;
  /** The Service port behind that node port. */
  servicePort: number;
  protocol: Protocol;
}

/**
 * Whether `ip:port` is a NodePort of some Service on a node of the cluster (type NodePort or
 * LoadBalancer, a port with that nodePort and protocol). Undefined when the IP is no node's or no
 * Service has that node port.
 */
export async function findNodePort(kube: KubeClient, ip: string, port: number | undefined, protocol: Protocol): Promise<NodePortTarget | undefined> {
  if (port === undefined || protocol === 'icmp') return undefined;
  const nodes = await kube.call({ verb: 'list', resource: 'nodes' }, () => kube.core.listNode());
  const node = nodes.items.find((n) => nodeAddresses(n).includes(ip));
  if (!node?.metadata?.name) return undefined;
  const services = await kube.call({ verb: 'list', resource: 'services' }, () => kube.core.listServiceForAllNamespaces());
  const proto = protocol.toUpperCase();
  for (const svc of services.items) {
    if (svc.spec?.type !== 'NodePort' && svc.spec?.type !== 'LoadBalancer') continue;
    const p = (svc.spec.ports ?? []).find((x) => x.nodePort === port && (x.protocol ?? 'TCP') === proto);
    if (p && svc.metadata?.name) {
      return { namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name, node: node.metadata.name, nodeIp: ip, nodePort: port, servicePort: p.port, protocol };
    }
  }
  return undefined;
}

/**
 * `{"default":["10.244.1.0/24","fd00::/64"]}` or the older `{"default":"10.244.1.0/24"}`; `[]`
 * when absent, undefined when the annotation is not that JSON (the caller names it).
 */
export function parseNodeSubnets(raw: string | undefined): string[] | undefined {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const v = (parsed as Record<string, unknown>).default;
    if (v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    return undefined;
  } catch {
    return undefined;
  }
}

/** Gateway mode of `k8s.ovn.org/l3-gateway-config` (`local` or `shared`). */
export function gatewayMode(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const mode = (JSON.parse(raw) as { default?: { mode?: unknown } } | null)?.default?.mode;
    return typeof mode === 'string' ? mode : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pod's MAC from `k8s.ovn.org/pod-networks` (network `default`), else OVN-K's 0a:58 rule.
 * A present but malformed annotation, or a MAC that is not one, refuses the trace (a guessed MAC
 * would trace a packet OVN's port security drops).
 */
export function podMac(pod: V1Pod, ipv4?: string): string | undefined {
  const raw = pod.metadata?.annotations?.[POD_NETWORKS_ANNOTATION];
  const origin = { kind: 'pod', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', field: `annotation ${POD_NETWORKS_ANNOTATION}` };
  if (raw) {
    let nets: unknown;
    try {
      nets = JSON.parse(raw);
    } catch {
      throw new ClusterDataError(origin, raw, 'JSON such as {"default":{"mac_address":"0a:58:0a:f4:01:05",...}}');
    }
    const def = nets && typeof nets === 'object' ? (nets as Record<string, unknown>).default : undefined;
    const mac = def && typeof def === 'object' ? (def as Record<string, unknown>).mac_address : undefined;
    if (mac !== undefined) return requireMac(mac, { ...origin, field: `${origin.field} (default.mac_address)` });
  }
  return ipv4 ? macFromIPv4(ipv4) : undefined;
}

/** Turns a pod object into an endpoint of the requested family (its values checked). */
export function podEndpoint(pod: V1Pod, family: AddressFamily, argument: string): OvnPodEndpoint {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const ip = requirePodAddress(pod, family, argument);
  const node = pod.spec?.nodeName;
  if (!node) throw new OvnDiscoveryError(`pod ${namespace}/${name} is not scheduled on a node yet`);
  requireOvnName(node, { kind: 'pod', namespace, name, field: 'spec.nodeName' });
  const hostNetwork = pod.spec?.hostNetwork === true;
  const mac = podMac(pod, podAddresses(pod).find((a) => !a.includes(':')));
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
  const clusterIp = requireServiceAddress(svc, family);
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
          ip: requireIp(ip, { kind: 'endpointslice', namespace, name: slice.metadata?.name ?? `(of service ${service})`, field: 'endpoints[].addresses' }),
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
