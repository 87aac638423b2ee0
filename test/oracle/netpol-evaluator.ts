/**
 * An independent evaluator of Kubernetes NetworkPolicy (`networking.k8s.io/v1`), written from the
 * API documentation (https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * and the NetworkPolicy API reference), not from the drivers or the lab:
 *
 * - A pod is isolated for a direction once any NetworkPolicy in its namespace selects it
 *   (`spec.podSelector`) and has that direction in its policyTypes. policyTypes defaults to
 *   `["Ingress"]`, plus `"Egress"` when the policy has any egress rule (API reference:
 *   "If this field is not specified, it will default based on the existence of ingress or egress
 *   rules; policies that contain an egress section are assumed to affect egress").
 * - A connection is allowed when egress from the source AND ingress to the destination are
 *   allowed; each is allowed when the pod is not isolated for it, or when any rule of any policy
 *   that isolates it matches (rules are unioned: "policies are additive").
 * - A rule matches when a peer matches (missing or empty `from`/`to`: every peer) and a port
 *   matches (missing or empty `ports`: every port and protocol).
 * - A peer with `podSelector` alone selects pods in the policy's namespace, `namespaceSelector`
 *   alone every pod in the selected namespaces, both in one peer their AND; `ipBlock` matches an
 *   address inside `cidr` and outside every `except`.
 * - A port entry: protocol (default TCP); no port = every port of the protocol; `endPort` a range;
 *   a named port resolves against the container ports of the destination pod (for ingress the
 *   selected pod; for egress the peer pod; never an IP outside the cluster).
 * - Traffic from or to a hostNetwork pod is not subject to pod policies on that side.
 *
 * What the API leaves to the implementation, or where a CNI departs from it, is a field of
 * {@link CniPolicyProfile} with its source, so every exception is visible and per CNI.
 */
import { cidrHolds, parseOracleCidr, parseOracleIp, type OracleIp } from './cidr.js';
import { selectorSelects, type OracleLabelSelector } from './oracle-selector.js';

/** Kubernetes always labels a namespace with its name (`kubernetes.io/metadata.name`, GA in 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A namespace of the evaluated cluster. */
export interface OracleNamespace {
  name: string;
  labels?: Record<string, string>;
}

/** A container port of a pod. */
export interface OracleContainerPort {
  name?: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** A pod of the evaluated cluster. */
export interface OraclePod {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  /** Pod IPs (IPv4 and/or IPv6). */
  ips: string[];
  ports?: OracleContainerPort[];
  hostNetwork?: boolean;
}

/** `NetworkPolicyPeer`. */
export interface OracleNetworkPolicyPeer {
  podSelector?: OracleLabelSelector;
  namespaceSelector?: OracleLabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

/** `NetworkPolicyPort`. */
export interface OracleNetworkPolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number | string;
  endPort?: number;
}

/** A `networking.k8s.io/v1` NetworkPolicy (metadata flattened to namespace/name). */
export interface OracleNetworkPolicy {
  namespace: string;
  name: string;
  spec: {
    podSelector: OracleLabelSelector;
    policyTypes?: Array<'Ingress' | 'Egress'>;
    ingress?: Array<{ from?: OracleNetworkPolicyPeer[]; ports?: OracleNetworkPolicyPort[] }>;
    egress?: Array<{ to?: OracleNetworkPolicyPeer[]; ports?: OracleNetworkPolicyPort[] }>;
  };
}

/** What the oracle knows of the cluster. */
export interface OracleCluster {
  namespaces: OracleNamespace[];
  pods: OraclePod[];
  networkPolicies: OracleNetworkPolicy[];
}

/** The packet of a new connection. ICMP has no port. */
export interface OraclePacket {
  family: 4 | 6;
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'ICMP';
  port?: number;
}

/** One end of a connection: a pod, or a bare IP (outside the pod network). */
export type OracleEndpoint = { pod: OraclePod } | { ip: string };

/** A policy object, in the same terms as cni-trace's `PolicyRef` (core/model.ts). */
export interface OraclePolicyRef {
  kind: 'NetworkPolicy' | 'AntreaNetworkPolicy' | 'AntreaClusterNetworkPolicy';
  namespace?: string;
  name: string;
  rule?: string;
}

/** Why a connection is denied, in the terms of cni-trace's `DropAttribution`. */
export type OracleAttribution =
  | { type: 'rule'; direction: 'ingress' | 'egress'; policy: OraclePolicyRef; tier?: string; action: 'Drop' | 'Reject' }
  | { type: 'default-deny'; direction: 'ingress' | 'egress'; isolatedBy: OraclePolicyRef[] };

/** What decided one direction. */
export interface DirectionDecision {
  allowed: boolean;
  /** The deciding rule, when one decided (`index`: position in the policy's ingress/egress list). */
  rule?: { policy: OraclePolicyRef; index: number; action: 'Allow' | 'Drop' | 'Reject' | 'Pass'; tier?: string };
  /** The K8s NetworkPolicies isolating the pod for the direction (sorted by name). */
  isolatedBy: OraclePolicyRef[];
  /** Denied and `rule` absent: default-deny isolation. `rejected`: a Reject rule. */
  rejected?: boolean;
  /** Departures of the CNI that changed this decision (for reports). */
  notes: string[];
  /**
   * Allowed only because of a CNI departure (ovn-kubernetes' named port allowing the whole
   * protocol where the API would resolve the name to other ports or none): the CNI should warn.
   */
  allowedByDeparture?: boolean;
}

/** The oracle's answer for one connection. */
export interface OracleDecision {
  verdict: 'allowed' | 'dropped' | 'rejected';
  attribution?: OracleAttribution;
  egress: DirectionDecision;
  ingress: DirectionDecision;
}

/**
 * What a CNI does where the API leaves a choice or where the CNI departs from the API. Each
 * value cites where the behaviour is documented.
 */
export interface CniPolicyProfile {
  id: string;
  /**
   * Whether a pod's own IP matches an `ipBlock` for pod-to-pod traffic. The API reference says
   * ipBlock is meant for cluster-external IPs and that pod IPs are implementation-defined; both
   * ovn-kubernetes (ACL `ip4.src == <cidr>` on the packet's address, gress_policy.go) and Antrea
   * (OVS flows on `nw_src`/`nw_dst`) match the packet's address, so pod IPs do count.
   */
  podIpsMatchIpBlocks: boolean;
  /**
   * How a named port is enforced. `per-pod` (the API: resolved against the destination pod's
   * container ports; Antrea). `all-ports-of-protocol`: ovn-kubernetes does not implement named
   * ports in NetworkPolicy — `addPortPolicy` (go-controller/pkg/ovn/gress_policy.go) takes
   * `Port.IntVal`, which is 0 for a name, and port 0 means "the whole protocol"
   * (`getProtocolPortsMap`, pkg/libovsdb/util/acl.go; ovn-kubernetes issue 2117).
   */
  namedPorts: 'per-pod' | 'all-ports-of-protocol';
  /**
   * ovn-kubernetes builds one L4 match per protocol from the numbered entries only
   * (`getProtocolPortsMap` skips port 0): in a rule with `{TCP}` (no port) or a named TCP port
   * next to a numbered TCP entry, the whole-protocol entry is lost and only the numbers match.
   * The API says the port-less entry matches every port.
   */
  portlessEntryLostBesideNumbers: boolean;
  /**
   * Antrea resolves a named port only against pods its rule selects: an egress rule's ipBlock
   * destinations get the rule's ports with the named ones removed (`filterUnresolvablePort`,
   * pkg/agent/controller/networkpolicy/pod_reconciler.go: "ignore unresolvable ones"; only named
   * ports left → "allowing no port"), even when the address is a pod's. So an egress named port
   * allows a pod destination only through a selector peer (or an absent/empty `to`).
   */
  egressNamedPortsOnlyForSelectedPods?: boolean;
}

/** The API's semantics, with pod IPs matching ipBlocks (the usual choice). */
export const KUBERNETES_API_PROFILE: CniPolicyProfile = { id: 'kubernetes-api', podIpsMatchIpBlocks: true, namedPorts: 'per-pod', portlessEntryLostBesideNumbers: false };
/** ovn-kubernetes (see each field). */
export const OVN_KUBERNETES_PROFILE: CniPolicyProfile = { id: 'ovn-kubernetes', podIpsMatchIpBlocks: true, namedPorts: 'all-ports-of-protocol', portlessEntryLostBesideNumbers: true };
/** Antrea: implements the API, named ports per pod (docs/antrea-network-policy.md; K8s conformance). */
export const ANTREA_PROFILE: CniPolicyProfile = { id: 'antrea', podIpsMatchIpBlocks: true, namedPorts: 'per-pod', portlessEntryLostBesideNumbers: false, egressNamedPortsOnlyForSelectedPods: true };

/**
 * The pod a rule's named ports resolve against, or undefined when they cannot resolve: the
 * destination pod (ingress: the subject; egress: the remote pod), except, under
 * {@link CniPolicyProfile.egressNamedPortsOnlyForSelectedPods}, an egress destination that only
 * an ipBlock peer matches.
 */
export function namedPortTarget(
  cluster: OracleCluster,
  direction: 'ingress' | 'egress',
  peers: OracleNetworkPolicyPeer[] | undefined,
  policyNamespace: string,
  subject: OraclePod,
  remote: OracleEndpoint,
  family: 4 | 6,
  profile: CniPolicyProfile,
): OraclePod | undefined {
  if (direction === 'ingress') return subject;
  if (!('pod' in remote)) return undefined;
  if (!profile.egressNamedPortsOnlyForSelectedPods || !peers || peers.length === 0) return remote.pod;
  return peers.some((p) => !p.ipBlock && k8sPeerMatches(cluster, p, policyNamespace, remote, family, profile)) ? remote.pod : undefined;
}

/** The policyTypes a policy has once the API server defaulted it. */
export function effectivePolicyTypes(np: OracleNetworkPolicy): Array<'Ingress' | 'Egress'> {
  if (np.spec.policyTypes && np.spec.policyTypes.length > 0) return np.spec.policyTypes;
  return (np.spec.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Labels of a namespace as the API server keeps them (with its name label). */
export function namespaceLabels(cluster: OracleCluster, name: string): Record<string, string> {
  const ns = cluster.namespaces.find((n) => n.name === name);
  return { ...(ns?.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
}

/** The K8s NetworkPolicies isolating `pod` for `direction`, sorted by name like cni-trace's. */
export function k8sIsolatingPolicies(cluster: OracleCluster, pod: OraclePod, direction: 'ingress' | 'egress'): OracleNetworkPolicy[] {
  if (pod.hostNetwork) return [];
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  return cluster.networkPolicies
    .filter((np) => np.namespace === pod.namespace && effectivePolicyTypes(np).includes(type) && selectorSelects(np.spec.podSelector, pod.labels))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The address the policy sees for an endpoint in the packet's family. */
export function endpointAddress(ep: OracleEndpoint, family: 4 | 6): OracleIp | undefined {
  const texts = 'pod' in ep ? ep.pod.ips : [ep.ip];
  for (const t of texts) {
    const ip = parseOracleIp(t);
    if (ip?.family === family) return ip;
  }
  return undefined;
}

/** Whether a NetworkPolicy peer (of a policy in `policyNamespace`) matches the remote endpoint. */
export function k8sPeerMatches(
  cluster: OracleCluster,
  peer: OracleNetworkPolicyPeer,
  policyNamespace: string,
  remote: OracleEndpoint,
  family: 4 | 6,
  profile: CniPolicyProfile,
): boolean {
  if (peer.ipBlock) {
    if ('pod' in remote && !profile.podIpsMatchIpBlocks) return false;
    const ip = endpointAddress(remote, family);
    const cidr = parseOracleCidr(peer.ipBlock.cidr);
    if (!ip || !cidr || !cidrHolds(cidr, ip)) return false;
    return !(peer.ipBlock.except ?? []).some((e) => {
      const ex = parseOracleCidr(e);
      return ex !== undefined && cidrHolds(ex, ip);
    });
  }
  if (!('pod' in remote)) return false;
  const pod = remote.pod;
  if (peer.namespaceSelector) {
    if (!selectorSelects(peer.namespaceSelector, namespaceLabels(cluster, pod.namespace))) return false;
  } else if (pod.namespace !== policyNamespace) return false;
  return peer.podSelector ? selectorSelects(peer.podSelector, pod.labels) : true;
}

/**
 * Whether a rule's port list matches the packet. `destinationPod` resolves named ports (the
 * pod the packet is addressed to); undefined for an address outside the cluster.
 */
export function k8sPortsMatch(
  ports: OracleNetworkPolicyPort[] | undefined,
  packet: OraclePacket,
  destinationPod: OraclePod | undefined,
  profile: CniPolicyProfile,
  notes: string[],
): boolean {
  if (!ports || ports.length === 0) return true;
  if (packet.protocol === 'ICMP') return false;
  const same = ports.filter((p) => (p.protocol ?? 'TCP') === packet.protocol);
  const numbered = same.filter((p) => typeof p.port === 'number');
  for (const p of same) {
    if (p.port === undefined || typeof p.port === 'string') {
      const wholeProtocol = p.port === undefined || profile.namedPorts === 'all-ports-of-protocol';
      if (wholeProtocol) {
        if (profile.portlessEntryLostBesideNumbers && numbered.length > 0) {
          notes.push(`${profile.id}: the ${p.port === undefined ? 'port-less' : `named-port ${p.port}`} ${packet.protocol} entry is lost beside numbered ${packet.protocol} entries`);
          continue;
        }
        if (typeof p.port === 'string' && !namedPortResolves(p.port, packet, destinationPod)) notes.push(`${profile.id}: named port ${p.port} allows every ${packet.protocol} port`);
        return true;
      }
      if (namedPortResolves(p.port as string, packet, destinationPod)) return true;
      continue;
    }
    if (packet.port === undefined) continue;
    const end = p.endPort ?? p.port;
    if (packet.port >= p.port && packet.port <= end) return true;
  }
  return false;
}

function namedPortResolves(name: string, packet: OraclePacket, pod: OraclePod | undefined): boolean {
  if (!pod || packet.port === undefined) return false;
  return (pod.ports ?? []).some((cp) => cp.name === name && (cp.protocol ?? 'TCP') === packet.protocol && cp.containerPort === packet.port);
}

/**
 * One direction under K8s NetworkPolicy alone: `subject` is the pod the policies select (the
 * source for egress, the destination for ingress), `remote` the other end.
 */
export function evaluateK8sDirection(
  cluster: OracleCluster,
  direction: 'ingress' | 'egress',
  subject: OraclePod,
  remote: OracleEndpoint,
  packet: OraclePacket,
  profile: CniPolicyProfile,
): DirectionDecision {
  const notes: string[] = [];
  const isolating = k8sIsolatingPolicies(cluster, subject, direction);
  const isolatedBy = isolating.map((np) => ref(np));
  if (isolating.length === 0) return { allowed: true, isolatedBy, notes };
  let byDeparture: DirectionDecision | undefined;
  for (const np of isolating) {
    const rules = direction === 'ingress' ? (np.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (np.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      const peerOk = !r.peers || r.peers.length === 0 || r.peers.some((p) => k8sPeerMatches(cluster, p, np.namespace, remote, packet.family, profile));
      if (!peerOk) continue;
      const ruleNotes: string[] = [];
      const matched = k8sPortsMatch(r.ports, packet, namedPortTarget(cluster, direction, r.peers, np.namespace, subject, remote, packet.family, profile), profile, ruleNotes);
      notes.push(...ruleNotes.map((n) => `NetworkPolicy ${np.namespace}/${np.name} ${direction}[${i}]: ${n}`));
      if (!matched) continue;
      const decision: DirectionDecision = { allowed: true, rule: { policy: ref(np), index: i, action: 'Allow' }, isolatedBy, notes };
      // A rule that matches only by the CNI's departure: keep looking for one that matches by the API.
      if (!ruleNotes.some((n) => n.includes('allows every'))) return decision;
      byDeparture ??= { ...decision, allowedByDeparture: true };
    }
  }
  return byDeparture ?? { allowed: false, isolatedBy, notes };
}

/** Egress at the source, then ingress at the destination, under K8s NetworkPolicy alone. */
export function evaluateK8sConnection(cluster: OracleCluster, src: OracleEndpoint, dst: OracleEndpoint, packet: OraclePacket, profile: CniPolicyProfile): OracleDecision {
  const open: DirectionDecision = { allowed: true, isolatedBy: [], notes: [] };
  const egress = 'pod' in src ? evaluateK8sDirection(cluster, 'egress', src.pod, dst, packet, profile) : open;
  const ingress = 'pod' in dst ? evaluateK8sDirection(cluster, 'ingress', dst.pod, src, packet, profile) : open;
  return combine(egress, ingress);
}

/** The connection's verdict from its two directions: the egress side decides first. */
export function combine(egress: DirectionDecision, ingress: DirectionDecision): OracleDecision {
  for (const [direction, d] of [['egress', egress], ['ingress', ingress]] as const) {
    if (d.allowed) continue;
    if (d.rule && (d.rule.action === 'Drop' || d.rule.action === 'Reject')) {
      return {
        verdict: d.rule.action === 'Reject' ? 'rejected' : 'dropped',
        attribution: { type: 'rule', direction, policy: d.rule.policy, action: d.rule.action, ...(d.rule.tier ? { tier: d.rule.tier } : {}) },
        egress,
        ingress,
      };
    }
    return { verdict: 'dropped', attribution: { type: 'default-deny', direction, isolatedBy: d.isolatedBy }, egress, ingress };
  }
  return { verdict: 'allowed', egress, ingress };
}

function ref(np: OracleNetworkPolicy): OraclePolicyRef {
  return { kind: 'NetworkPolicy', namespace: np.namespace, name: np.name };
}
