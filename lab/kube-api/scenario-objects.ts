/**
 * Pure: a lab scenario → the Kubernetes objects a real cluster running it would hold (namespaces,
 * nodes and pods with ovn-kubernetes annotations, services, EndpointSlices and Endpoints,
 * NetworkPolicies, and the CNI's own DaemonSet pods), for seeding the lab API server.
 */
import { createHash } from 'node:crypto';
import { cidrHost, formatCidr, formatIp, mustParseCidr, mustParseIp } from '../scenario/ip-address.js';
import { matchesMap } from '../scenario/label-selector.js';
import type { Scenario, ScenarioNode, ScenarioPod, ScenarioService } from '../scenario/scenario-types.js';
import { resolveTargetPort } from '../ovn/load-balancer-plan.js';
import { GLOBAL_ZONE, MASQUERADE_SUBNET_V4, gatewayModeOf, localnetPortName, nodeAddressing, podIps, podMac, type NodeAddressing } from '../ovn/ovn-names.js';
import type { KubeObject } from './kube-object.js';
import { ANTREA_NAMESPACE, antreaAgentPodName } from '../antrea/antrea-names.js';
import { antreaNetworkPolicyCrd, antreaPolicyObjects, traceflowCrd } from '../antrea/antrea-crds.js';

/** Namespace of the ovn-kubernetes pods. */
export const OVN_NAMESPACE = 'ovn-kubernetes';
/** Default image of the ovn-kubernetes pods. */
export const OVN_IMAGE = 'ghcr.io/ovn-kubernetes/ovn-kubernetes/ovn-kube-ubuntu:master';
/** Image of scenario workload pods. */
export const WORKLOAD_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.53';

/** Containers of the per-node pod in interconnect mode (ovnkube-single-node-zone), with their ovnkube.sh command. */
export const OVNKUBE_NODE_CONTAINERS_IC: ReadonlyArray<readonly [string, string]> = [
  ['nb-ovsdb', 'local-nb-ovsdb'],
  ['sb-ovsdb', 'local-sb-ovsdb'],
  ['ovn-northd', 'run-ovn-northd'],
  ['ovnkube-controller', 'ovnkube-controller-with-node'],
  ['ovn-controller', 'ovn-controller'],
  ['ovs-metrics-exporter', 'ovs-metrics'],
];
/** Containers of the per-node pod in central mode (legacy ovnkube-node). */
export const OVNKUBE_NODE_CONTAINERS_CENTRAL: ReadonlyArray<readonly [string, string]> = [
  ['ovnkube-node', 'ovn-node'],
  ['ovn-controller', 'ovn-controller'],
  ['ovs-metrics-exporter', 'ovs-metrics'],
];
/** Central mode: the database pod and the master pod on the central node. */
export const OVNKUBE_DB_CONTAINERS: ReadonlyArray<readonly [string, string]> = [
  ['nb-ovsdb', 'nb-ovsdb'],
  ['sb-ovsdb', 'sb-ovsdb'],
];
export const OVNKUBE_MASTER_CONTAINERS: ReadonlyArray<readonly [string, string]> = [
  ['ovn-northd', 'run-ovn-northd'],
  ['ovnkube-master', 'ovn-master'],
];

/** `ovnkube-node-<node>`: the per-node ovn-kubernetes pod. */
export const ovnkubeNodePodName = (node: string): string => `ovnkube-node-${node}`;
/** `ovnkube-db-<node>` / `ovnkube-master-<node>`: central-mode control-plane pods. */
export const ovnkubeDbPodName = (node: string): string => `ovnkube-db-${node}`;
export const ovnkubeMasterPodName = (node: string): string => `ovnkube-master-${node}`;

/** Lab facts that are not in the scenario. Everything is optional. */
export interface ClusterObjectsInfo {
  /** `k8s.ovn.org/l3-gateway-config` mode. Default: the scenario's `ovn.gatewayMode` (shared). */
  gatewayMode?: 'local' | 'shared';
  /** Image of the ovn-kubernetes pods. */
  ovnImage?: string;
  /** Time stamped on objects (creationTimestamp, startTime, conditions). Default: now. */
  timestamp?: string;
  /** Central mode: node of the ovnkube-db and ovnkube-master pods. Default: the first node. */
  centralNode?: string;
  /** kubelet version shown in node info. Default v1.35.0. */
  kubeletVersion?: string;
  /** Prefix length of the node network (node-primary-ifaddr, gateway). Default 16 (a kind network). */
  nodeNetworkPrefix?: number;
}

/** A stable UUID from a string, so the same scenario always yields the same uids. */
export function stableUid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Five characters like the apiserver's generateName suffix, derived from a seed. */
function stableSuffix(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = createHash('sha256').update(seed).digest();
  return Array.from({ length: 5 }, (_, i) => alphabet[h[i]! % alphabet.length]).join('');
}

/** `<ip>/<prefix>` of an address in a CIDR. */
const withPrefix = (ip: string, cidr: string) => `${ip}/${mustParseCidr(cidr).prefix}`;
/** The CIDR of `prefix` bits around a subnet (e.g. 10.244.1.0/24 → 10.244.0.0/16). */
const supernet = (cidr: string, prefix: number) => formatCidr(mustParseCidr(`${cidr.split('/')[0]}/${prefix}`));

/** Builds every object of the scenario's cluster. */
export function buildClusterObjects(scenario: Scenario, info: ClusterObjectsInfo = {}): KubeObject[] {
  const ts = info.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ovn = (scenario.flavour ?? 'ovn-kubernetes') === 'ovn-kubernetes';
  const mode = scenario.ovn?.mode ?? 'interconnect';
  const addressing = new Map(nodeAddressing(scenario).map((a) => [a.name, a]));
  const nodesByName = new Map(scenario.nodes.map((n) => [n.name, n]));
  const ctx: BuildContext = { scenario, info, ts, mode, addressing, nodesByName };

  const objects: KubeObject[] = [];
  objects.push(...namespaces(scenario, ovn));
  for (const n of scenario.nodes) objects.push(nodeObject(ctx, n, ovn));
  for (const p of scenario.pods) objects.push(workloadPod(ctx, p, ovn));
  if (ovn) objects.push(...ovnKubernetesObjects(ctx));
  if (scenario.flavour === 'antrea') objects.push(...antreaObjects(ctx));
  for (const svc of scenario.services ?? []) {
    objects.push(serviceObject(svc));
    objects.push(...endpointSlices(ctx, svc));
    objects.push(endpointsObject(ctx, svc));
  }
  for (const np of scenario.networkPolicies ?? []) {
    const spec = structuredClone(np.spec) as Record<string, unknown> & { policyTypes?: string[]; egress?: unknown[] };
    // The apiserver defaults policyTypes: Ingress always, Egress when egress rules are present.
    spec.policyTypes ??= ['Ingress', ...(spec.egress && spec.egress.length > 0 ? ['Egress'] : [])];
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: np.name, namespace: np.namespace, uid: stableUid(`NetworkPolicy/${np.namespace}/${np.name}`), creationTimestamp: ts },
      spec,
    });
  }
  return objects;
}

interface BuildContext {
  scenario: Scenario;
  info: ClusterObjectsInfo;
  ts: string;
  mode: 'interconnect' | 'central';
  addressing: Map<string, NodeAddressing>;
  nodesByName: Map<string, ScenarioNode>;
}

function namespaces(scenario: Scenario, ovn: boolean): KubeObject[] {
  const labels = new Map<string, Record<string, string>>();
  const annotations = new Map<string, Record<string, string>>();
  for (const name of ['default', 'kube-system', ...(ovn ? [OVN_NAMESPACE] : [])]) labels.set(name, {});
  for (const ns of scenario.namespaces ?? []) {
    labels.set(ns.name, { ...labels.get(ns.name), ...ns.labels });
    if (ns.annotations) annotations.set(ns.name, { ...ns.annotations });
  }
  for (const p of scenario.pods) if (!labels.has(p.namespace)) labels.set(p.namespace, {});
  return [...labels.entries()].map(([name, l]) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: stableUid(`Namespace/${name}`), labels: { ...l, 'kubernetes.io/metadata.name': name }, ...(annotations.has(name) ? { annotations: annotations.get(name) } : {}) },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
}

function nodeObject(ctx: BuildContext, n: ScenarioNode, ovn: boolean): KubeObject {
  const a = ctx.addressing.get(n.name)!;
  const prefix = ctx.info.nodeNetworkPrefix ?? 16;
  const nodeNet = mustParseCidr(`${n.nodeIP}/${prefix}`);
  const nodeCidr = `${formatIp(mustParseIp(n.nodeIP))}/${prefix}`;
  const nextHop = formatIp(cidrHost(nodeNet, 1));
  const annotations: Record<string, string> = {
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  if (ovn) {
    const subnets = [n.podSubnet, ...(n.podSubnetV6 ? [n.podSubnetV6] : [])].map((c) => formatCidr(mustParseCidr(c)));
    Object.assign(annotations, {
      'k8s.ovn.org/node-subnets': JSON.stringify({ default: subnets }),
      'k8s.ovn.org/zone-name': ctx.mode === 'interconnect' ? n.name : GLOBAL_ZONE,
      'k8s.ovn.org/node-id': String(a.nodeId),
      'k8s.ovn.org/node-chassis-id': a.chassisId,
      'k8s.ovn.org/node-gateway-router-lrp-ifaddrs': JSON.stringify({ default: { ipv4: `${a.joinV4}/16`, ...(a.joinV6 ? { ipv6: `${a.joinV6}/64` } : {}) } }),
      'k8s.ovn.org/node-masquerade-subnet': JSON.stringify({ ipv4: MASQUERADE_SUBNET_V4 }),
      'k8s.ovn.org/node-primary-ifaddr': JSON.stringify({ ipv4: nodeCidr }),
      'k8s.ovn.org/host-cidrs': JSON.stringify([nodeCidr]),
      'k8s.ovn.org/node-mgmt-port-mac-addresses': JSON.stringify({ default: a.mgmtMac }),
      'k8s.ovn.org/l3-gateway-config': JSON.stringify({
        default: {
          mode: ctx.info.gatewayMode ?? gatewayModeOf(ctx.scenario),
          'bridge-id': 'breth0',
          'interface-id': localnetPortName(n.name),
          'mac-address': a.externalMac,
          'ip-addresses': [nodeCidr],
          'ip-address': nodeCidr,
          'next-hops': [nextHop],
          'next-hop': nextHop,
          'node-port-enable': 'true',
          'vlan-id': '0',
        },
      }),
    });
    if (ctx.mode === 'interconnect') {
      annotations['k8s.ovn.org/node-transit-switch-port-ifaddr'] = JSON.stringify({
        ipv4: `${a.transitV4}/16`,
        ...(a.transitV6 ? { ipv6: `${a.transitV6}/64` } : {}),
      });
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid: stableUid(`Node/${n.name}`),
      creationTimestamp: ctx.ts,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        ...(ovn && ctx.mode === 'interconnect' ? { 'k8s.ovn.org/zone-name': n.name } : {}),
        ...n.labels,
      },
      annotations,
    },
    spec: {
      podCIDR: formatCidr(mustParseCidr(n.podSubnet)),
      podCIDRs: [n.podSubnet, ...(n.podSubnetV6 ? [n.podSubnetV6] : [])].map((c) => formatCidr(mustParseCidr(c))),
      providerID: `kind://docker/cni-trace-lab/${n.name}`,
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.nodeIP },
        { type: 'Hostname', address: n.name },
      ],
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: ctx.ts, lastTransitionTime: ctx.ts },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: ctx.ts, lastTransitionTime: ctx.ts },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: ctx.ts, lastTransitionTime: ctx.ts },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: ctx.ts, lastTransitionTime: ctx.ts },
      ],
      capacity: { cpu: '8', memory: '16318284Ki', pods: '110', 'ephemeral-storage': '102626232Ki' },
      allocatable: { cpu: '8', memory: '16318284Ki', pods: '110', 'ephemeral-storage': '102626232Ki' },
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.8.0',
        containerRuntimeVersion: 'containerd://2.1.4',
        kubeletVersion: ctx.info.kubeletVersion ?? 'v1.35.0',
        kubeProxyVersion: '',
        machineID: createHash('md5').update(n.name).digest('hex'),
        systemUUID: stableUid(`system/${n.name}`),
        bootID: stableUid(`boot/${n.name}`),
      },
    },
  };
}

/** The ovn-kubernetes `k8s.ovn.org/pod-networks` annotation of a pod on the default network. */
export function podNetworksAnnotation(pod: ScenarioPod, node: ScenarioNode): string {
  const ips = podIps(pod);
  const subnets = [node.podSubnet, ...(node.podSubnetV6 ? [node.podSubnetV6] : [])];
  const byFamily = ips.map((ip) => {
    const family = mustParseIp(ip).family;
    const subnet = subnets.find((s) => mustParseCidr(s).family === family)!;
    const gateway = formatIp(cidrHost(mustParseCidr(subnet), 1));
    const cluster = supernet(subnet, family === 4 ? 16 : 48);
    const join = family === 4 ? '100.64.0.0/16' : 'fd98::/64';
    return { address: withPrefix(ip, subnet), gateway, routes: [{ dest: cluster, nextHop: gateway }, { dest: join, nextHop: gateway }] };
  });
  return JSON.stringify({
    default: {
      ip_addresses: byFamily.map((f) => f.address),
      mac_address: podMac(pod),
      gateway_ips: byFamily.map((f) => f.gateway),
      routes: byFamily.flatMap((f) => f.routes),
      ip_address: byFamily[0]!.address,
      gateway_ip: byFamily[0]!.gateway,
      role: 'primary',
    },
  });
}

interface PodShape {
  namespace: string;
  name: string;
  node: ScenarioNode;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  hostNetwork: boolean;
  ips: string[];
  ready: boolean;
  containers: Array<{ name: string; image: string; command?: string[]; ports?: Array<{ name?: string; containerPort: number; protocol: string }> }>;
  ownerReferences?: Array<Record<string, unknown>>;
  serviceAccountName?: string;
}

function podObject(ctx: BuildContext, p: PodShape): KubeObject {
  const cond = (type: string, ok = true) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: ctx.ts });
  const uid = stableUid(`Pod/${p.namespace}/${p.name}`);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid,
      creationTimestamp: ctx.ts,
      labels: p.labels,
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.ownerReferences ? { ownerReferences: p.ownerReferences } : {}),
    },
    spec: {
      nodeName: p.node.name,
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imagePullPolicy: 'IfNotPresent',
        ...(c.command ? { command: c.command } : {}),
        ...(c.ports && c.ports.length > 0 ? { ports: c.ports } : {}),
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      })),
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: p.serviceAccountName ?? 'default',
      dnsPolicy: p.hostNetwork ? 'Default' : 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      enableServiceLinks: true,
      priority: 0,
    },
    status: {
      phase: 'Running',
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready', p.ready), cond('ContainersReady', p.ready), cond('PodScheduled')],
      hostIP: p.node.nodeIP,
      hostIPs: [{ ip: p.node.nodeIP }],
      podIP: p.ips[0],
      podIPs: p.ips.map((ip) => ({ ip })),
      startTime: ctx.ts,
      qosClass: 'BestEffort',
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        ready: p.ready,
        started: true,
        restartCount: 0,
        image: c.image,
        imageID: `${c.image.split(':')[0]}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
        containerID: `containerd://${createHash('sha256').update(`${uid}/${c.name}`).digest('hex')}`,
        state: { running: { startedAt: ctx.ts } },
        lastState: {},
      })),
    },
  };
}

function workloadPod(ctx: BuildContext, pod: ScenarioPod, ovn: boolean): KubeObject {
  const node = ctx.nodesByName.get(pod.node)!;
  const hostNetwork = pod.hostNetwork === true;
  const ips = hostNetwork ? [node.nodeIP] : podIps(pod);
  return podObject(ctx, {
    namespace: pod.namespace,
    name: pod.name,
    node,
    labels: pod.labels ?? {},
    annotations: ovn && !hostNetwork ? { 'k8s.ovn.org/pod-networks': podNetworksAnnotation(pod, node) } : undefined,
    hostNetwork,
    ips,
    ready: pod.ready !== false,
    containers: [
      {
        name: pod.name,
        image: WORKLOAD_IMAGE,
        ports: (pod.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
      },
    ],
  });
}

function ovnKubernetesObjects(ctx: BuildContext): KubeObject[] {
  const image = ctx.info.ovnImage ?? OVN_IMAGE;
  const ic = ctx.mode === 'interconnect';
  const out: KubeObject[] = [];
  const owner = (kind: string, name: string) => [
    { apiVersion: 'apps/v1', kind, name, uid: stableUid(`${kind}/${OVN_NAMESPACE}/${name}`), controller: true, blockOwnerDeletion: true },
  ];
  const containers = (list: ReadonlyArray<readonly [string, string]>) => list.map(([name, arg]) => ({ name, image, command: ['/root/ovnkube.sh', arg] }));
  const nodeLabels = { app: 'ovnkube-node', name: 'ovnkube-node', component: 'network', type: 'infra', 'kubernetes.io/os': 'linux', ...(ic ? { 'ovn-db-pod': 'true' } : {}) };
  const n = ctx.scenario.nodes.length;
  out.push(workloadController('DaemonSet', 'ovnkube-node', nodeLabels, ctx.ts, n, ic ? OVNKUBE_NODE_CONTAINERS_IC : OVNKUBE_NODE_CONTAINERS_CENTRAL, image));
  for (const node of ctx.scenario.nodes) {
    out.push(
      podObject(ctx, {
        namespace: OVN_NAMESPACE,
        name: ovnkubeNodePodName(node.name),
        node,
        labels: nodeLabels,
        hostNetwork: true,
        ips: [node.nodeIP],
        ready: true,
        containers: containers(ic ? OVNKUBE_NODE_CONTAINERS_IC : OVNKUBE_NODE_CONTAINERS_CENTRAL),
        ownerReferences: owner('DaemonSet', 'ovnkube-node'),
        serviceAccountName: 'ovnkube-node',
      }),
    );
  }
  if (!ic) {
    const central = ctx.nodesByName.get(ctx.info.centralNode ?? ctx.scenario.nodes[0]!.name) ?? ctx.scenario.nodes[0]!;
    for (const [name, list, podName] of [
      ['ovnkube-db', OVNKUBE_DB_CONTAINERS, ovnkubeDbPodName(central.name)],
      ['ovnkube-master', OVNKUBE_MASTER_CONTAINERS, ovnkubeMasterPodName(central.name)],
    ] as const) {
      const labels = { name, component: 'network', type: 'infra', 'kubernetes.io/os': 'linux' };
      out.push(workloadController('Deployment', name, labels, ctx.ts, 1, list, image));
      out.push(
        podObject(ctx, {
          namespace: OVN_NAMESPACE,
          name: podName,
          node: central,
          labels,
          hostNetwork: true,
          ips: [central.nodeIP],
          ready: true,
          containers: containers(list),
          ownerReferences: owner('Deployment', name),
          serviceAccountName: name === 'ovnkube-db' ? 'ovnkube-db' : 'ovnkube-master',
        }),
      );
    }
  }
  return out;
}

/** Default image of the Antrea pods. */
export const ANTREA_IMAGE = 'antrea/antrea-agent-ubuntu:v2.7.0';

/**
 * Antrea's own objects: the antrea-agent DaemonSet and one pod per node (containers `antrea-agent`
 * and `antrea-ovs`, exec'd into the node's OVS view), the antrea-controller Deployment and pod,
 * the `antrea` Service, the CRDs (Traceflow, Antrea-native NetworkPolicy) and the scenario's
 * Antrea-native policies.
 */
function antreaObjects(ctx: BuildContext): KubeObject[] {
  const out: KubeObject[] = [];
  const image = ANTREA_IMAGE.replace('antrea-agent', 'antrea');
  const n = ctx.scenario.nodes.length;
  const agentLabels = { app: 'antrea', component: 'antrea-agent' };
  const controllerLabels = { app: 'antrea', component: 'antrea-controller' };
  const owner = (kind: string, name: string) => [
    { apiVersion: 'apps/v1', kind, name, uid: stableUid(`${kind}/${ANTREA_NAMESPACE}/${name}`), controller: true, blockOwnerDeletion: true },
  ];
  const agentContainers: Array<[string, string[]]> = [
    ['antrea-agent', ['antrea-agent', '--config=/etc/antrea/antrea-agent.conf', '--logtostderr=false', '--log_dir=/var/log/antrea', '--alsologtostderr']],
    ['antrea-ovs', ['start_ovs']],
  ];
  const controllerContainers: Array<[string, string[]]> = [['antrea-controller', ['antrea-controller', '--config=/etc/antrea/antrea-controller.conf', '--logtostderr=false', '--log_dir=/var/log/antrea', '--alsologtostderr']]];
  const controller = (kind: 'DaemonSet' | 'Deployment', name: string, labels: Record<string, string>, list: Array<[string, string[]]>): KubeObject => {
    const count = kind === 'DaemonSet' ? n : 1;
    return {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, namespace: ANTREA_NAMESPACE, uid: stableUid(`${kind}/${ANTREA_NAMESPACE}/${name}`), creationTimestamp: ctx.ts, generation: 1, labels: { app: 'antrea', component: name } },
      spec: {
        selector: { matchLabels: labels },
        ...(kind === 'Deployment' ? { replicas: 1 } : {}),
        template: { metadata: { labels }, spec: { hostNetwork: true, serviceAccountName: name, containers: list.map(([c, command]) => ({ name: c, image, command })) } },
      },
      status:
        kind === 'DaemonSet'
          ? { currentNumberScheduled: count, desiredNumberScheduled: count, numberAvailable: count, numberMisscheduled: 0, numberReady: count, observedGeneration: 1, updatedNumberScheduled: count }
          : { availableReplicas: 1, observedGeneration: 1, readyReplicas: 1, replicas: 1, updatedReplicas: 1 },
    };
  };
  out.push(controller('DaemonSet', 'antrea-agent', agentLabels, agentContainers));
  for (const node of ctx.scenario.nodes) {
    out.push(
      podObject(ctx, {
        namespace: ANTREA_NAMESPACE,
        name: antreaAgentPodName(node.name),
        node,
        labels: { ...agentLabels, 'controller-revision-hash': '6c9d5f7b8d', 'pod-template-generation': '1' },
        hostNetwork: true,
        ips: [node.nodeIP],
        ready: true,
        containers: agentContainers.map(([name, command]) => ({ name, image, command })),
        ownerReferences: owner('DaemonSet', 'antrea-agent'),
        serviceAccountName: 'antrea-agent',
      }),
    );
  }
  const controllerNode = ctx.scenario.nodes[0]!;
  out.push(controller('Deployment', 'antrea-controller', controllerLabels, controllerContainers));
  out.push(
    podObject(ctx, {
      namespace: ANTREA_NAMESPACE,
      name: `antrea-controller-${stableSuffix('antrea-controller-rs')}-${stableSuffix('antrea-controller')}`,
      node: controllerNode,
      labels: controllerLabels,
      hostNetwork: true,
      ips: [controllerNode.nodeIP],
      ready: true,
      containers: controllerContainers.map(([name, command]) => ({ name, image, command })),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `antrea-controller-${stableSuffix('antrea-controller-rs')}`, uid: stableUid('ReplicaSet/antrea-controller'), controller: true, blockOwnerDeletion: true }],
      serviceAccountName: 'antrea-controller',
    }),
  );
  out.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'antrea', namespace: ANTREA_NAMESPACE, uid: stableUid('Service/kube-system/antrea'), labels: { app: 'antrea' } },
    spec: { type: 'ClusterIP', selector: controllerLabels, ports: [{ port: 443, protocol: 'TCP', targetPort: 'api' }], sessionAffinity: 'None' },
    status: { loadBalancer: {} },
  });
  out.push(traceflowCrd(), antreaNetworkPolicyCrd(), ...antreaPolicyObjects(ctx.scenario, ctx.ts, stableUid));
  return out;
}

function workloadController(kind: 'DaemonSet' | 'Deployment', name: string, labels: Record<string, string>, ts: string, count: number, list: ReadonlyArray<readonly [string, string]>, image: string): KubeObject {
  const matchLabels = kind === 'DaemonSet' ? { app: labels.app ?? name } : { name };
  const status =
    kind === 'DaemonSet'
      ? { currentNumberScheduled: count, desiredNumberScheduled: count, numberAvailable: count, numberMisscheduled: 0, numberReady: count, observedGeneration: 1, updatedNumberScheduled: count }
      : { availableReplicas: count, observedGeneration: 1, readyReplicas: count, replicas: count, updatedReplicas: count };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: OVN_NAMESPACE, uid: stableUid(`${kind}/${OVN_NAMESPACE}/${name}`), creationTimestamp: ts, generation: 1 },
    spec: {
      selector: { matchLabels },
      ...(kind === 'Deployment' ? { replicas: count } : {}),
      template: {
        metadata: { labels },
        spec: { hostNetwork: true, containers: list.map(([c, arg]) => ({ name: c, image, command: ['/root/ovnkube.sh', arg] })) },
      },
    },
    status,
  };
}

function serviceObject(svc: ScenarioService): KubeObject {
  const ips = [svc.clusterIP, ...(svc.clusterIPv6 ? [svc.clusterIPv6] : [])].map((ip) => formatIp(mustParseIp(ip)));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: svc.name, namespace: svc.namespace, uid: stableUid(`Service/${svc.namespace}/${svc.name}`) },
    spec: {
      type: svc.type ?? 'ClusterIP',
      clusterIP: ips[0],
      clusterIPs: ips,
      ...(svc.externalIPs?.length ? { externalIPs: [...svc.externalIPs] } : {}),
      ...(svc.type === 'NodePort' ? { externalTrafficPolicy: 'Cluster' } : {}),
      ipFamilies: ips.map((ip) => (mustParseIp(ip).family === 4 ? 'IPv4' : 'IPv6')),
      ipFamilyPolicy: ips.length > 1 ? 'PreferDualStack' : 'SingleStack',
      selector: svc.selector,
      ports: svc.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP', ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}) })),
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

interface ResolvedEndpoint {
  pod: ScenarioPod;
  ip: string;
  ports: Array<{ name: string; port: number; protocol: string }>;
}

/** Endpoint pods of a service in one family, with their resolved ports (named ports per pod). */
function resolveEndpoints(ctx: BuildContext, svc: ScenarioService, family: 4 | 6): ResolvedEndpoint[] {
  const out: ResolvedEndpoint[] = [];
  const pods = ctx.scenario.pods.filter((p) => p.namespace === svc.namespace && matchesMap(svc.selector, p.labels));
  for (const pod of [...pods].sort((a, b) => a.name.localeCompare(b.name))) {
    const node = ctx.nodesByName.get(pod.node)!;
    const raw = pod.hostNetwork ? (family === 4 ? node.nodeIP : undefined) : family === 4 ? pod.ip : pod.ipv6;
    if (!raw) continue;
    const ports: ResolvedEndpoint['ports'] = [];
    for (const sp of svc.ports) {
      // The endpointslice controller drops a port a pod cannot resolve (podutil.FindPort).
      const port = resolveTargetPort(sp, pod);
      if (port !== undefined) ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' });
    }
    out.push({ pod, ip: formatIp(mustParseIp(raw)), ports });
  }
  return out;
}

/** Groups endpoints by their port set: the controller puts each distinct set into its own slice. */
function groupByPorts(endpoints: ResolvedEndpoint[]): Map<string, ResolvedEndpoint[]> {
  const groups = new Map<string, ResolvedEndpoint[]>();
  for (const e of endpoints) {
    const key = JSON.stringify(e.ports);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return groups;
}

function endpointSlices(ctx: BuildContext, svc: ScenarioService): KubeObject[] {
  const families: Array<4 | 6> = [4, ...(svc.clusterIPv6 ? [6 as const] : [])];
  const svcUid = stableUid(`Service/${svc.namespace}/${svc.name}`);
  const out: KubeObject[] = [];
  for (const family of families) {
    const groups = groupByPorts(resolveEndpoints(ctx, svc, family));
    if (groups.size === 0) groups.set('[]', []);
    for (const [key, eps] of groups) {
      const name = `${svc.name}-${stableSuffix(`${svc.namespace}/${svc.name}/${family}/${key}`)}`;
      out.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name,
          generateName: `${svc.name}-`,
          namespace: svc.namespace,
          uid: stableUid(`EndpointSlice/${svc.namespace}/${name}`),
          creationTimestamp: ctx.ts,
          generation: 1,
          labels: { 'kubernetes.io/service-name': svc.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': ctx.ts },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.name, uid: svcUid, controller: true, blockOwnerDeletion: true }],
        },
        addressType: family === 4 ? 'IPv4' : 'IPv6',
        endpoints: eps.map((e) => {
          const ready = e.pod.ready !== false;
          return {
            addresses: [e.ip],
            conditions: { ready, serving: ready, terminating: false },
            nodeName: e.pod.node,
            targetRef: { kind: 'Pod', namespace: e.pod.namespace, name: e.pod.name, uid: stableUid(`Pod/${e.pod.namespace}/${e.pod.name}`) },
          };
        }),
        ports: eps.length > 0 ? eps[0]!.ports : [],
      });
    }
  }
  return out;
}

function endpointsObject(ctx: BuildContext, svc: ScenarioService): KubeObject {
  const family = mustParseIp(svc.clusterIP).family;
  const subsets = [...groupByPorts(resolveEndpoints(ctx, svc, family)).values()].map((eps) => {
    const addr = (e: ResolvedEndpoint) => ({
      ip: e.ip,
      nodeName: e.pod.node,
      targetRef: { kind: 'Pod', namespace: e.pod.namespace, name: e.pod.name, uid: stableUid(`Pod/${e.pod.namespace}/${e.pod.name}`) },
    });
    const ready = eps.filter((e) => e.pod.ready !== false).map(addr);
    const notReady = eps.filter((e) => e.pod.ready === false).map(addr);
    return {
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ports: eps[0]!.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })),
    };
  });
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: svc.name,
      namespace: svc.namespace,
      uid: stableUid(`Endpoints/${svc.namespace}/${svc.name}`),
      creationTimestamp: ctx.ts,
      labels: { 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': ctx.ts },
    },
    ...(subsets.length ? { subsets } : {}),
  };
}
