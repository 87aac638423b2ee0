/**
 * The normalized trace model: what a user asks for (a {@link TraceRequest}) and what any driver
 * answers (a {@link TraceResult}), independent of the CNI. Every type here is plain data and
 * JSON-serialisable, so the CLI's `-o json` prints exactly what the library returns.
 */

/** IP address family of the traced packet. */
export type AddressFamily = 'ip4' | 'ip6';

/** L4 protocol. Under `ip6`, `icmp` means ICMPv6. */
export type Protocol = 'tcp' | 'udp' | 'icmp';

/** A pod, by namespace and name. */
export interface PodRef {
  kind: 'pod';
  namespace: string;
  name: string;
}

/** A Service, by namespace and name. */
export interface ServiceRef {
  kind: 'service';
  namespace: string;
  name: string;
}

/** A bare IP address (outside the cluster, or a live-traffic source). */
export interface IpRef {
  kind: 'ip';
  ip: string;
}

/** Where a traced packet starts: a pod, or (live traffic only) an IP or nothing. */
export type SourceEndpoint = PodRef | IpRef;

/** Where a traced packet goes: exactly one of a pod, a Service or an IP address. */
export type DestinationEndpoint = PodRef | ServiceRef | IpRef;

/** TCP flag names accepted in {@link PacketSpec.tcpFlags}. */
export type TcpFlag = 'FIN' | 'SYN' | 'RST' | 'PSH' | 'ACK' | 'URG' | 'ECE' | 'CWR';

/** The packet to trace. */
export interface PacketSpec {
  family: AddressFamily;
  protocol: Protocol;
  /** Source L4 port (tcp/udp). Drivers pick one when absent. */
  srcPort?: number;
  /** Destination L4 port (tcp/udp). For a Service destination this is the Service port. */
  dstPort?: number;
  /** TCP flags as a number (SYN = 2 by default for TCP). */
  tcpFlags?: number;
  /** IPv4 TTL or IPv6 hop limit (64 by default). */
  ttl: number;
}

/**
 * How the trace is obtained.
 * - `simulate`: flow-table simulation (ovn-trace, ofproto/trace); nothing is sent.
 * - `inject`: a packet is injected on the node (Antrea Traceflow).
 * - `live`: the first real packet of a new matching connection is captured.
 */
export type TraceMode = 'simulate' | 'inject' | 'live';

/** A normalized trace request, validated by {@link validateTraceRequest}. */
export interface TraceRequest {
  source?: SourceEndpoint;
  destination: DestinationEndpoint;
  packet: PacketSpec;
  /** Preferred mode; a driver uses its natural mode when absent. */
  mode?: TraceMode;
  /** Live traffic only: capture only a packet that is dropped. */
  droppedOnly?: boolean;
  /** Overall deadline of the trace, in seconds. */
  timeoutSeconds: number;
  /** Skip ovn-detrace (OVN). */
  skipDetrace?: boolean;
  /** Force a driver by id instead of detecting the CNI. */
  cni?: string;
  /** Driver-specific options (e.g. `{ ovnNamespace: 'openshift-ovn-kubernetes' }`). */
  options?: Record<string, unknown>;
  /**
   * Service destination only: trace every ready endpoint of the Service (from its
   * EndpointSlices), one trace per backend, instead of the one backend a trace follows by default.
   * The verdict is `delivered` only when every backend is reachable.
   */
  allBackends?: boolean;
  /** Service destination only: trace this endpoint of the Service (what `allBackends` does per backend). */
  backend?: ServiceBackend;
}

/** One endpoint of a Service, as its EndpointSlices list it. */
export interface ServiceBackend {
  ip: string;
  /** The endpoint port of the traced Service port (the targetPort the backend listens on). */
  port?: number;
  /** The endpoint's pod (`targetRef`), when it is one. */
  pod?: { namespace: string; name: string };
  node?: string;
}

/**
 * How a trace reached the backend it followed: through the Service with the load balancer left
 * to choose (`load-balancer`), through the Service with the choice pinned (`pinned-load-balancer`:
 * OVN `ovn-trace --lb-dst`), or straight to the backend as the destination (`backend-as-destination`:
 * Antrea, whose Traceflow cannot pin a Service's endpoint).
 */
export type BackendMethod = 'load-balancer' | 'pinned-load-balancer' | 'backend-as-destination';

/** The backend one trace of a Service followed, and why that one. */
export interface TracedBackend extends ServiceBackend {
  method: BackendMethod;
  /** Why this backend, in words (e.g. "the first ready endpoint of 3; OVN's load balancer picks one per connection"). */
  why: string;
}

/** The outcome of one backend of a Service trace. */
export interface BackendResult extends TracedBackend {
  verdict: Verdict;
  reason: string;
  drop?: DropAttribution;
  /** Ids of the legs that traced this backend (in {@link TraceResult.legs}). */
  legIds: string[];
}

/** What a Service trace says about the Service's backends. */
export interface ServiceBackendsResult {
  service: ServiceRef;
  /** `one`: the default (a single backend was traced); `all`: every ready endpoint (`allBackends`). */
  mode: 'one' | 'all';
  /** Ready endpoints the EndpointSlices list for the traced port and family (absent when they could not be read). */
  ready?: number;
  /** One entry per traced backend. */
  results: BackendResult[];
}

/**
 * Overall or per-leg outcome.
 * - `delivered`: the packet reached the destination.
 * - `dropped` / `rejected`: a terminal drop or reject was observed.
 * - `left-cluster`: forwarded out of the pod network (e.g. to an external IP).
 * - `inconclusive`: no terminal observation (timeout, nothing captured). Not the same as dropped.
 * - `error`: the trace itself failed (tool error, bad input the tool rejected).
 */
export type Verdict = 'delivered' | 'dropped' | 'rejected' | 'left-cluster' | 'inconclusive' | 'error';

/** Direction of a leg. `reverse` is ovnkube-trace's "destination pod to source pod" new connection. */
export type LegDirection = 'forward' | 'reply' | 'reverse';

/** What happened to the packet at one hop. Unknown tool values are kept verbatim. */
export type HopAction =
  | 'received'
  | 'forwarded'
  | 'delivered'
  | 'dropped'
  | 'rejected'
  | 'translated'
  | 'tunnelled'
  | 'left-cluster'
  | 'matched'
  | 'marked-for-snat'
  | 'forwarded-to-egress-node'
  | (string & {});

/** Kinds of policy a drop can be attributed to. */
export type PolicyKind =
  | 'NetworkPolicy'
  | 'AntreaNetworkPolicy'
  | 'AntreaClusterNetworkPolicy'
  | 'AdminNetworkPolicy'
  | 'BaselineAdminNetworkPolicy';

/** A policy object, by kind, namespace (for namespaced kinds) and name. */
export interface PolicyRef {
  kind: PolicyKind;
  namespace?: string;
  name: string;
  /** Rule name or index, when the CNI reports it. */
  rule?: string;
}

/**
 * Why a packet was dropped or rejected.
 * - `rule`: an explicit rule of a policy dropped it.
 * - `default-deny`: the pod is isolated by policies that select it, and none allows this packet.
 * - `other`: a drop not caused by policy (routing miss, port security, ...).
 */
export type DropAttribution =
  | { type: 'rule'; policy: PolicyRef; direction?: 'ingress' | 'egress'; explanation: string }
  | {
      type: 'default-deny';
      direction?: 'ingress' | 'egress';
      /** The policies that isolate the pod (empty when the driver cannot know them). */
      isolatedBy: PolicyRef[];
      explanation: string;
    }
  | { type: 'other'; explanation: string };

/** One observation point (a hop) in a leg. */
export interface Observation {
  /** Node where it was observed, when known. */
  node?: string;
  /** Stage or component: `SpoofGuard`, `ls_out_acl_eval`, an OVS table name, ... */
  stage: string;
  action: HopAction;
  /** One-line human description. */
  description?: string;
  /** Addresses after NAT/load balancing. */
  translatedDstIp?: string;
  translatedSrcIp?: string;
  translatedDstPort?: number;
  /** Tunnel destination (node IP) when the packet was tunnelled. */
  tunnelDst?: string;
  /** Output port or logical port name. */
  port?: string;
  /** Matched flow or logical-flow text. */
  flow?: string;
  /** OpenFlow cookie or logical-flow uuid prefix. */
  cookie?: string;
  /** Policy that this hop's decision belongs to (a rule's policy). */
  policy?: PolicyRef;
  /**
   * On a default-deny drop: the policies that isolate the pod, none of whose rules allowed the
   * packet (empty when the driver could not read them). No single one of them is "the" policy.
   */
  isolatedBy?: PolicyRef[];
  /** True on the hop where the packet was dropped or rejected. */
  terminal?: boolean;
  /** When the hop was observed (ISO 8601), when the CNI reports it. */
  timestamp?: string;
  /** Extra tool-specific detail (logical flow, OVS table id, registers, ...). */
  detail?: Record<string, unknown>;
}

/** One command the trace ran (for level-5 output and reproduction). */
export interface CommandRecord {
  argv: string[];
  /** Where it ran: `local`, or `<namespace>/<pod>/<container>`. */
  target: string;
  exitCode: number | null;
  durationMs: number;
}

/** One tool run or node report. */
export interface Leg {
  id: string;
  /** `ovn-trace`, `ofproto/trace`, `ovn-detrace`, `traceflow`, ... */
  tool: string;
  direction: LegDirection;
  node?: string;
  /** Human description, e.g. `source pod to destination pod`. */
  description: string;
  from?: string;
  to?: string;
  verdict: Verdict;
  /** Why this verdict, in words. */
  reason?: string;
  observations: Observation[];
  drop?: DropAttribution;
  /** Whether this leg decides the overall verdict (informational legs such as detrace do not). */
  decisive: boolean;
  command?: CommandRecord;
  rawOutput?: string;
  durationMs: number;
  warnings?: string[];
  /** For a trace of every backend of a Service: the backend this leg belongs to (`namespace/pod` or IP). */
  backend?: string;
  /**
   * How the summary (log level 0) shows this leg: one "indicates success/failure" line
   * (ovnkube-trace style, the default) or its observations as a tree (NSX/Traceflow style).
   */
  summary?: 'verdict-line' | 'observation-tree';
}

/** A resolved endpoint, after discovery. */
export interface ResolvedEndpoint {
  ref?: SourceEndpoint | DestinationEndpoint;
  ip?: string;
  node?: string;
  mac?: string;
  hostNetwork?: boolean;
  /** Free-form discovery details (OVS port, zone, ClusterIP, chosen endpoint, ...). */
  detail?: Record<string, unknown>;
}

/**
 * The CNI's own answer, unchanged, for renderers that reproduce the CNI's tool (e.g. the Traceflow
 * object behind `--antctl` output). `kind` says what `object` is: `traceflow` is an Antrea
 * Traceflow (`crd.antrea.io`, JSON as served, with `status`).
 */
export interface NativeResult {
  kind: 'traceflow' | (string & {});
  /** `apiVersion` of `object` when it is a Kubernetes object. */
  apiVersion?: string;
  object: Record<string, unknown>;
}

/** The full answer to a trace. */
export interface TraceResult {
  request: TraceRequest;
  /** Id of the driver that ran the trace. */
  cni: string;
  verdict: Verdict;
  /** The verdict in words, naming the dropping policy when there is one. */
  reason: string;
  drop?: DropAttribution;
  source?: ResolvedEndpoint;
  destination?: ResolvedEndpoint;
  legs: Leg[];
  warnings: string[];
  startedAt: string;
  durationMs: number;
  /** The CNI's raw answer, when the driver provides one (set by a driver's `native` event). */
  native?: NativeResult;
  /** For a Service destination: which backend(s) were traced, why, and each one's verdict. */
  backends?: ServiceBackendsResult;
}
