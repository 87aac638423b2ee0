/**
 * Types of a lab scenario file (YAML). A scenario describes a small Kubernetes cluster — nodes,
 * namespaces, pods, services and NetworkPolicies — that the lab realises on real OVN/OVS processes
 * and serves through an emulated Kubernetes API.
 */

/** Which CNI data plane the lab builds. */
export type LabFlavour = 'ovn-kubernetes' | 'antrea';

/** OVN control-plane layout: one zone per node (current ovn-kubernetes) or one central NB/SB. */
export type OvnMode = 'interconnect' | 'central';

/**
 * ovn-kubernetes gateway mode (`--gateway-mode`): `shared` (the default) sends pod egress through
 * the node's gateway router `GR_<node>` and the provider bridge; `local` through the management
 * port and the host's routing table.
 */
export type OvnGatewayMode = 'shared' | 'local';

/**
 * Style of the ACL / port group names and external_ids: `current` (ovn-kubernetes since 2024-04:
 * owner-type, `k8s.ovn.org/name`, `k8s.ovn.org/id`, ...; port groups named by the hash of their
 * primary id), `v2023` (2023-04 … 2024-03: the same ACL ids, port groups `HashForOVN(<ns>_<policy>)`
 * and `<HashForOVN(ns)>_ingressDefaultDeny` with external_ids `name`) or `legacy` (before 2023-04:
 * also ACL keys `namespace`, `policy`, `policy_type`, `<Ingress|Egress>_num`, `l4Match`,
 * `ipblock_cidr`, `default-deny-policy-type`).
 */
export type OvnAclExternalIdsStyle = 'current' | 'v2023' | 'legacy';

/** The OVN flavour's options. */
export interface ScenarioOvnOptions {
  mode?: OvnMode;
  gatewayMode?: OvnGatewayMode;
  aclExternalIds?: OvnAclExternalIdsStyle;
}

/** Label map, as in Kubernetes metadata.labels. */
export type Labels = Record<string, string>;

/** A Kubernetes label selector (matchLabels / matchExpressions). */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** One emulated node. */
export interface ScenarioNode {
  name: string;
  /** IPv4 pod subnet of this node, e.g. 10.244.1.0/24. Pod IPs must fall inside it. */
  podSubnet: string;
  /** Optional IPv6 pod subnet, e.g. fd00:10:244:1::/64. */
  podSubnetV6?: string;
  /** The node's InternalIP (also the tunnel endpoint), e.g. 172.18.0.2. */
  nodeIP: string;
  labels?: Labels;
}

export interface ScenarioNamespace {
  name: string;
  labels?: Labels;
  /**
   * Namespace annotations. The OVN flavour reads `k8s.ovn.org/acl-logging`
   * (`{"deny":"info","allow":"info"}`): the namespace's NetworkPolicy ACLs get `log=true`, that
   * `severity` and their `name`, as ovn-kubernetes sets them.
   */
  annotations?: Record<string, string>;
}

export interface ScenarioPod {
  name: string;
  namespace: string;
  node: string;
  labels?: Labels;
  /** IPv4 address (inside the node's podSubnet unless hostNetwork, where it is the node IP). */
  ip?: string;
  /** Optional IPv6 address (inside podSubnetV6). */
  ipv6?: string;
  hostNetwork?: boolean;
  /** Container ports, informational (EndpointSlice ports come from the Service). */
  ports?: Array<{ name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }>;
  /** Whether the pod is Ready (EndpointSlice `ready` condition). Default true. */
  ready?: boolean;
}

export interface ScenarioServicePort {
  name?: string;
  port: number;
  /** Number, or a named container port. Default: `port`. */
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** NodePort services only: the node port (30000-32767). */
  nodePort?: number;
}

export interface ScenarioService {
  name: string;
  namespace: string;
  clusterIP: string;
  /** Optional IPv6 ClusterIP (dual-stack service). */
  clusterIPv6?: string;
  selector: Labels;
  ports: ScenarioServicePort[];
  /** `ClusterIP` (default) or `NodePort` (then every port needs a `nodePort`). */
  type?: 'ClusterIP' | 'NodePort';
  /** spec.externalIPs (IPv4/IPv6 addresses outside the pod subnets). */
  externalIPs?: string[];
}

/** Kubernetes networking.k8s.io/v1 NetworkPolicy peer. */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number | string;
  endPort?: number;
}

/** Kubernetes networking.k8s.io/v1 NetworkPolicy, as written in a manifest (spec shape unchanged). */
export interface ScenarioNetworkPolicy {
  name: string;
  namespace: string;
  spec: {
    podSelector: LabelSelector;
    policyTypes?: Array<'Ingress' | 'Egress'>;
    ingress?: Array<{ from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
    egress?: Array<{ to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
  };
}

/** Action of an Antrea-native policy rule (`crd.antrea.io/v1beta1`). */
export type AntreaRuleAction = 'Allow' | 'Drop' | 'Reject' | 'Pass';

/** Peer of an Antrea-native policy rule (subset: pod/namespace selectors, ipBlock with except). */
export interface AntreaPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

/** Port of an Antrea-native policy rule (a number or a named container port). */
export interface AntreaPolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number | string;
  endPort?: number;
}

/** One ingress/egress rule of an Antrea-native policy. */
export interface AntreaPolicyRule {
  action: AntreaRuleAction;
  /** Rule name (reported as `networkPolicyRule` by Traceflow). */
  name?: string;
  /** Ingress peers (empty/absent: any source). */
  from?: AntreaPolicyPeer[];
  /** Egress peers (empty/absent: any destination). */
  to?: AntreaPolicyPeer[];
  ports?: AntreaPolicyPort[];
  /** Rule-level appliedTo (then the policy has no spec.appliedTo). */
  appliedTo?: Array<{ podSelector: LabelSelector }>;
}

/**
 * A namespaced Antrea-native NetworkPolicy (`crd.antrea.io/v1beta1` kind NetworkPolicy, "ANNP"),
 * a faithful subset: tier, priority, appliedTo pod selectors, rules with actions and names.
 */
export interface ScenarioAntreaNetworkPolicy {
  name: string;
  namespace: string;
  spec: {
    /** Tier name (default `application`). */
    tier?: string;
    /** Priority inside the tier, 1.0–10000.0; lower wins. */
    priority: number;
    /** Policy-level appliedTo; absent when every rule has its own. */
    appliedTo?: Array<{ podSelector: LabelSelector }>;
    ingress?: AntreaPolicyRule[];
    egress?: AntreaPolicyRule[];
  };
}

/**
 * A live connection the Antrea lab "sees" for live-traffic Traceflows: the first packet of a new
 * connection from a pod to a pod (`ns/pod`) or an IP, opened `startAfterSeconds` after a live
 * Traceflow started.
 */
export interface ScenarioLiveConnection {
  /** Source pod, `namespace/name`. */
  from: string;
  /** Destination pod (`namespace/name`) or IPv4 address. */
  to: string;
  /** Default TCP. */
  protocol?: 'TCP' | 'UDP' | 'ICMP';
  /** Destination port (TCP/UDP; required for them). */
  dstPort?: number;
  /** Source port (default derived from the pair, in the ephemeral range). */
  srcPort?: number;
  /** Seconds after the Traceflow's start when the connection opens (default 1). */
  startAfterSeconds?: number;
}

/** A whole scenario file. */
export interface Scenario {
  name: string;
  flavour?: LabFlavour;
  ovn?: ScenarioOvnOptions;
  nodes: ScenarioNode[];
  namespaces?: ScenarioNamespace[];
  pods: ScenarioPod[];
  services?: ScenarioService[];
  networkPolicies?: ScenarioNetworkPolicy[];
  /** Antrea flavour only: Antrea-native namespaced NetworkPolicies. */
  antreaNetworkPolicies?: ScenarioAntreaNetworkPolicy[];
  /** Antrea flavour only: connections that live-traffic Traceflows can capture. */
  liveTraffic?: ScenarioLiveConnection[];
  /**
   * Extra RBAC restrictions for the lab's second kubeconfig user (`restricted`): each entry is
   * `<verb> <resource>` (e.g. `create pods/exec`, `create traceflows`). Default: `create pods/exec`.
   */
  restrictedUserDenies?: string[];
}
