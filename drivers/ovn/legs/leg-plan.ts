import type { LegDirection } from '../../../core/model.js';
import type { OvnPacket } from '../commands/microflow.js';
import { lbDst, ofprotoFlow, ovnMicroflow, replyPacket } from '../commands/microflow.js';
import { CONTAINER_PATHS, INTEGRATION_BRIDGE, tstorPort } from '../ovn-k-names.js';
import { ofprotoTraceArgv as sharedOfprotoTraceArgv } from '../../ovs-common/index.js';

/** What an ovn-trace leg must reach to succeed. */
export interface OvnTraceExpectation {
  kind: 'ovn-output';
  /** Logical port the packet must be output to. */
  port: string;
  /** Required output type (`remote` for a transit-switch hop), when it matters. */
  type?: string;
  /** Service check: `ct_lb_mark(backends=...)` must list this `ip:port`. */
  lbBackend?: string;
}

/** What an ofproto/trace leg must reach to succeed. */
export interface OfprotoExpectation {
  kind: 'ofproto-output';
  /** Delivered to this local OpenFlow port, or */
  ofport?: number;
  /** sent into a tunnel towards this node IP (any tunnel form: kernel, native or a dummy port). */
  tunnelTo?: string;
  /** OpenFlow port numbers of tunnel interfaces on the node (dummy datapath shows only a port). */
  tunnelOfports?: number[];
}

/** One planned tool run. */
export interface PlannedLeg {
  id: string;
  tool: 'ovn-trace' | 'ovs-appctl ofproto/trace' | 'ovn-detrace';
  direction: LegDirection;
  /** ovnkube-trace wording, e.g. `source pod to destination pod`, `(remote) source pod to ...`. */
  description: string;
  from: string;
  to: string;
  /** Node whose ovnkube-node pod runs the command. */
  node: string;
  argv: string[];
  /** Whether the leg decides the overall verdict (ovnkube-trace's "reverse" new-connection legs do not). */
  decisive: boolean;
  expect?: OvnTraceExpectation | OfprotoExpectation;
  /** Leg ids whose output this leg needs (ovn-detrace reads an ofproto/trace; the receiving-node trace needs the tunnel key). */
  after?: string[];
  /** ovn-trace legs: the `--ct=` values (the run adds more when ovn-trace runs out of them). */
  logicalCt?: LogicalConntrack;
  /** ofproto/trace legs: how their `--ct-next` values are derived. */
  physicalCt?: PhysicalConntrack;
}

/**
 * Which packet of the connection a logical trace follows, and how many `--ct=` values to start
 * with. ovn-trace(8): each `ct_next`, `ct_lb_mark` and (untracked) `ct_dnat`/`ct_snat` consumes one
 * `--ct`; when they run out it assumes `trk,est`, wrong for a new connection. A forward packet is
 * `new` in every conntrack stage; a true reply is `est,rpl` in every stage, because it only meets
 * the datapaths its forward packet passed, and ovn-northd commits every allowed new connection on
 * a datapath that runs conntrack at all (stateful ACLs: `allow` is committed like `allow-related`;
 * `allow-stateless` skips conntrack in both directions; load balancers commit in `ct_lb_mark`).
 * `count` is an estimate from the path ({@link logicalConntrackStages}); the run checks the output
 * for ovn-trace's "default (use --ct to customize)" and traces again with more values if needed.
 */
export interface LogicalConntrack {
  state: 'new' | 'est,rpl';
  count: number;
}

/**
 * Conntrack stages a logical path can meet (ovn-northd's pipelines): two per logical switch
 * (`ls_in_pre_stateful` and `ls_out_pre_stateful`: `ct_next` or `ct_lb_mark`), one more for a
 * Service VIP (`ls_in_lb`: `ct_lb_mark(backends=...)`), and four per router that NATs or load
 * balances (`lr_in_unsnat`, `lr_in_dnat`, `lr_out_undnat`, `lr_out_snat`).
 */
export function logicalConntrackStages(path: { switches: number; loadBalancer?: boolean; natRouters?: number }): number {
  return 2 * path.switches + (path.loadBalancer ? 1 : 0) + 4 * (path.natRouters ?? 0);
}

/** Argv of an ovn-trace run against the zone's SB (as the ovnkube-node container sees it). */
export function ovnTraceArgv(opts: { datapath?: string; microflow: string; ct: LogicalConntrack; lbDst?: string }): string[] {
  return [
    'ovn-trace',
    '--db',
    CONTAINER_PATHS.sbSocket,
    ...Array.from({ length: opts.ct.count }, () => `--ct=${opts.ct.state}`),
    ...(opts.lbDst ? [`--lb-dst=${opts.lbDst}`] : []),
    ...(opts.datapath ? [opts.datapath] : []),
    opts.microflow,
  ];
}

/** The same ovn-trace argv with `count` `--ct=` values (the run's second pass, when the first ran out). */
export function withLogicalConntrack(argv: readonly string[], ct: LogicalConntrack): string[] {
  const rest = argv.filter((a) => !a.startsWith('--ct='));
  const at = rest.indexOf('--db') >= 0 ? rest.indexOf('--db') + 2 : 1;
  return [...rest.slice(0, at), ...Array.from({ length: ct.count }, () => `--ct=${ct.state}`), ...rest.slice(at)];
}

/**
 * How the conntrack states of an ofproto/trace leg are found (drivers/ovs-common/conntrack-states.ts):
 * a new connection (`trk,new`, NAT flags where the path translates), or the reply of the
 * connection whose forward packet these legs traced on the same node (`trk,est,rpl` in the zones
 * they committed in).
 */
export type PhysicalConntrack = { kind: 'new' } | { kind: 'reply'; committedBy: string[] };

/** Argv of an ofproto/trace run on br-int, with one `--ct-next` per conntrack recirculation. */
export function ofprotoTraceArgv(flow: string, ctNext: readonly string[] = []): string[] {
  return sharedOfprotoTraceArgv(INTEGRATION_BRIDGE, flow, { ctNext });
}

/** Argv of ovn-detrace against the zone's NB/SB and the node's OVS (stdin: an ofproto/trace). */
export function detraceArgv(): string[] {
  return [
    'ovn-detrace',
    `--ovnnb=${CONTAINER_PATHS.nbSocket}`,
    `--ovnsb=${CONTAINER_PATHS.sbSocket}`,
    `--ovsdb=${CONTAINER_PATHS.ovsDbSocket}`,
    // Without --ovs, --ovsdb does nothing (ovnkube-trace's mistake): decode in_port/output too.
    '--ovs',
  ];
}

/** A pod-like endpoint in the plan (a pod, or a Service backend resolved to its pod). */
export interface PlanEndpoint {
  /** `namespace/name`, for explanations. */
  label: string;
  /** What ovnkube-trace prints in its verdict lines: the pod name alone. */
  name: string;
  ip: string;
  mac: string;
  node: string;
  zone: string;
  logicalPort: string;
  /** rtos MAC of the endpoint's node (the pod's gateway). */
  gatewayMac: string;
  /** rtots MAC of the endpoint's node (interconnect). */
  transitMac?: string;
  /** OVS port name and ofport of the pod on its node. */
  ovsPort?: string;
  ofport?: number;
  /** InternalIP of the node (tunnel endpoint). */
  nodeIp?: string;
  /** A host-network pod: it enters OVN through the management port `k8s-<node>`. */
  hostNetwork?: boolean;
  /** Address it sends from into OVN, when not `ip` (host-network: the management port address). */
  sourceIp?: string;
  /** The node routes traffic for the host through the management port (local gateway mode). */
  routingViaHost?: boolean;
  /** OpenFlow port of ovn-k8s-mp0 on the endpoint's node. */
  mgmtOfport?: number;
  /** The node's external localnet port (l3-gateway-config `interface-id`, e.g. `breth0_<node>`). */
  localnetPort?: string;
  /** OpenFlow port of br-int's patch port towards that localnet's provider bridge. */
  localnetOfport?: number;
}

/** Inputs of the pod→pod plan. */
export interface PodToPodPlanInput {
  src: PlanEndpoint;
  dst: PlanEndpoint;
  /** The forward packet (addresses filled in; the MACs are set per leg). */
  packet: Omit<OvnPacket, 'srcMac' | 'dstMac' | 'srcIp' | 'dstIp'>;
  /** Tunnel ofports per node (dummy-datapath form of a tunnel output). */
  tunnelOfports: Record<string, number[]>;
  skipDetrace: boolean;
  /** Prefix of leg ids and descriptions (service backends: `service backend 10.0.0.1`). */
  idPrefix?: string;
}

/** The first-hop MAC a pod uses: the peer itself on the same node switch, else its gateway. */
function firstHopMac(from: PlanEndpoint, to: PlanEndpoint): string {
  return from.node === to.node && !from.hostNetwork && !to.hostNetwork ? to.mac : from.gatewayMac;
}

function ovnTraceLegs(
  idBase: string,
  direction: LegDirection,
  words: string,
  from: PlanEndpoint,
  to: PlanEndpoint,
  packet: OvnPacket,
  ct: LogicalConntrack['state'],
  decisive: boolean,
): PlannedLeg[] {
  // A host-network destination is reached through the sender node's management port (the
  // routing-via-host case of ovnkube-trace); the receiving zone never sees it, so no remote leg.
  // Only traffic addressed to the node IP goes that way: a reply to a host-network sender is
  // addressed to its management-port address, a pod-subnet address behind `k8s-<node>`.
  const toHost = to.hostNetwork === true && packet.dstIp === to.ip;
  const crossZone = from.zone !== to.zone && !toHost;
  // Shared gateway mode, another node: through the sender's gateway router and out of its
  // external switch's localnet port (ovnkube-trace: `output to "<extBridge>_<srcNode>"`).
  const expect: OvnTraceExpectation = toHost
    ? from.node === to.node || from.routingViaHost !== false
      ? { kind: 'ovn-output', port: `k8s-${from.node}` }
      : { kind: 'ovn-output', port: from.localnetPort ?? `breth0_${from.node}`, type: 'localnet' }
    : crossZone
      ? { kind: 'ovn-output', port: tstorPort(to.node), type: 'remote' }
      : { kind: 'ovn-output', port: to.logicalPort };
  // Two pods of one node share its switch; anything else passes the node switch, the cluster
  // router and a second switch (the peer's, the transit switch, or the node switch again for k8s-<node>).
  const sendingCt: LogicalConntrack = { state: ct, count: logicalConntrackStages({ switches: from.node === to.node && !toHost && !from.hostNetwork ? 1 : 2 }) };
  const legs: PlannedLeg[] = [
    {
      id: `${idBase}`,
      tool: 'ovn-trace',
      direction,
      description: words,
      from: from.name,
      to: to.name,
      node: from.node,
      argv: ovnTraceArgv({ datapath: from.node, microflow: ovnMicroflow(from.logicalPort, packet), ct: sendingCt }),
      decisive,
      expect,
      logicalCt: sendingCt,
    },
  ];
  if (crossZone) {
    // After ovn_cluster_router on the sending zone: from rtots-<from> to rtots-<to>, TTL-1.
    const remotePacket: OvnPacket = { ...packet, srcMac: from.transitMac ?? packet.srcMac, dstMac: to.transitMac ?? to.gatewayMac, ttl: packet.ttl - 1 };
    // The receiving zone: the transit switch, the cluster router, the node switch.
    const remoteCt: LogicalConntrack = { state: ct, count: logicalConntrackStages({ switches: 2 }) };
    legs.push({
      id: `${idBase}-remote`,
      tool: 'ovn-trace',
      direction,
      description: `(remote) ${words}`,
      from: from.name,
      to: to.name,
      node: to.node,
      argv: ovnTraceArgv({ microflow: ovnMicroflow(tstorPort(from.node), remotePacket), ct: remoteCt }),
      decisive,
      expect: { kind: 'ovn-output', port: to.logicalPort },
      logicalCt: remoteCt,
    });
  }
  return legs;
}

function ofprotoExpect(from: PlanEndpoint, to: PlanEndpoint, tunnelOfports: Record<string, number[]>, dstIp: string): OfprotoExpectation {
  const toHost = to.hostNetwork === true && dstIp === to.ip;
  if (toHost && (from.node === to.node || from.routingViaHost !== false)) {
    return { kind: 'ofproto-output', ...(from.mgmtOfport !== undefined ? { ofport: from.mgmtOfport } : {}) };
  }
  if (toHost) return { kind: 'ofproto-output', ...(from.localnetOfport !== undefined ? { ofport: from.localnetOfport } : {}) };
  if (from.node === to.node) return { kind: 'ofproto-output', ...(to.ofport !== undefined ? { ofport: to.ofport } : {}) };
  return { kind: 'ofproto-output', ...(to.nodeIp ? { tunnelTo: to.nodeIp } : {}), tunnelOfports: tunnelOfports[from.node] ?? [] };
}

/**
 * Plans every leg of a pod→pod trace, in ovnkube-trace's order first (so its level-0 lines come
 * out the same), then the legs ovnkube-trace does not have: the true reply and the receiving
 * node's OVS pipeline.
 */
export function planPodToPod(input: PodToPodPlanInput): PlannedLeg[] {
  const { src, dst } = input;
  const prefix = input.idPrefix ? `${input.idPrefix}-` : '';
  const words = (w: string) => (input.idPrefix ? `${w} (${input.idPrefix})` : w);
  const forward: OvnPacket = { ...input.packet, srcIp: src.sourceIp ?? src.ip, dstIp: dst.ip, srcMac: src.mac, dstMac: firstHopMac(src, dst) };
  // ovnkube-trace's "destination pod to source pod": a NEW connection back on the same port.
  const reverse: OvnPacket = { ...input.packet, srcIp: dst.sourceIp ?? dst.ip, dstIp: src.sourceIp ?? src.ip, srcMac: dst.mac, dstMac: firstHopMac(dst, src) };
  const reply: OvnPacket = { ...replyPacket(forward, dst.mac, firstHopMac(dst, src)), ...(dst.sourceIp ? { srcIp: dst.sourceIp } : {}) };
  const legs: PlannedLeg[] = [
    ...ovnTraceLegs(`${prefix}ovn-forward`, 'forward', words('source pod to destination pod'), src, dst, forward, 'new', true),
    ...ovnTraceLegs(`${prefix}ovn-reverse`, 'reverse', words('destination pod to source pod'), dst, src, reverse, 'new', false),
  ];
  const ofForward: PlannedLeg = {
    id: `${prefix}ofproto-forward`,
    tool: 'ovs-appctl ofproto/trace',
    direction: 'forward',
    description: words('source pod to destination pod'),
    from: src.name,
    to: dst.name,
    node: src.node,
    argv: ofprotoTraceArgv(ofprotoFlow(src.ovsPort ?? src.logicalPort, forward)),
    decisive: true,
    expect: ofprotoExpect(src, dst, input.tunnelOfports, forward.dstIp),
    physicalCt: { kind: 'new' },
  };
  const ofReverse: PlannedLeg = {
    id: `${prefix}ofproto-reverse`,
    tool: 'ovs-appctl ofproto/trace',
    direction: 'reverse',
    description: words('destination pod to source pod'),
    from: dst.name,
    to: src.name,
    node: dst.node,
    argv: ofprotoTraceArgv(ofprotoFlow(dst.ovsPort ?? dst.logicalPort, reverse)),
    decisive: false,
    expect: ofprotoExpect(dst, src, input.tunnelOfports, reverse.dstIp),
    // ovnkube-trace's reverse leg is a new connection back, by its definition.
    physicalCt: { kind: 'new' },
  };
  legs.push(ofForward, ofReverse);
  if (!input.skipDetrace) {
    legs.push(detraceLeg(ofForward), detraceLeg(ofReverse));
  }
  // Beyond ovnkube-trace: the reply as the network really sees it.
  legs.push(...ovnTraceLegs(`${prefix}ovn-reply`, 'reply', words('reply destination pod to source pod'), dst, src, reply, 'est,rpl', true));
  const ofReply: PlannedLeg = {
    id: `${prefix}ofproto-reply`,
    tool: 'ovs-appctl ofproto/trace',
    direction: 'reply',
    description: words('reply destination pod to source pod'),
    from: dst.name,
    to: src.name,
    node: dst.node,
    argv: ofprotoTraceArgv(ofprotoFlow(dst.ovsPort ?? dst.logicalPort, reply)),
    decisive: true,
    expect: ofprotoExpect(dst, src, input.tunnelOfports, reply.dstIp),
    // The reply leaves the destination's node: the forward packet's conntrack there is the one
    // the receiving-node trace saw (another node), or the sending trace (the same node).
    physicalCt: { kind: 'reply', committedBy: [src.node === dst.node ? ofForward.id : `${ofForward.id}-remote`] },
  };
  legs.push(ofReply);
  if (!input.skipDetrace) legs.push(detraceLeg(ofReply));
  return legs;
}

/** The ovn-detrace leg of an ofproto/trace leg (informational). */
export function detraceLeg(of: PlannedLeg): PlannedLeg {
  return {
    id: `${of.id}-detrace`,
    tool: 'ovn-detrace',
    direction: of.direction,
    description: of.description,
    from: of.from,
    to: of.to,
    node: of.node,
    argv: detraceArgv(),
    decisive: false,
    after: [of.id],
  };
}

/** Plans the pod→Service legs that check the load balancer: VIP without and with `--lb-dst`. */
export function planServiceVip(input: {
  src: PlanEndpoint;
  clusterIp: string;
  servicePort?: number;
  backend: PlanEndpoint;
  backendPort?: number;
  packet: PodToPodPlanInput['packet'];
  serviceLabel: string;
}): PlannedLeg[] {
  const { src, backend } = input;
  const pkt: OvnPacket = {
    ...input.packet,
    ...(input.servicePort !== undefined ? { dstPort: input.servicePort } : {}),
    srcIp: src.ip,
    dstIp: input.clusterIp,
    srcMac: src.mac,
    dstMac: src.gatewayMac,
  };
  const backendAddr = input.backendPort !== undefined ? lbDst(backend.ip, input.backendPort) : backend.ip;
  const crossZone = src.zone !== backend.zone;
  // The source's switch with the Service's load balancer, then the backend's switch (or the transit switch).
  const ct: LogicalConntrack = { state: 'new', count: logicalConntrackStages({ switches: src.node === backend.node ? 1 : 2, loadBalancer: true }) };
  const terminal: OvnTraceExpectation = crossZone
    ? { kind: 'ovn-output', port: tstorPort(backend.node), type: 'remote' }
    : { kind: 'ovn-output', port: backend.logicalPort };
  return [
    {
      id: 'ovn-service-vip',
      tool: 'ovn-trace',
      direction: 'forward',
      description: 'source pod to service clusterIP',
      from: src.name,
      to: input.serviceLabel,
      node: src.node,
      // Without --lb-dst ovn-trace shows the VIP flow and its backend list.
      argv: ovnTraceArgv({ datapath: src.node, microflow: ovnMicroflow(src.logicalPort, pkt), ct }),
      decisive: true,
      expect: { kind: 'ovn-output', port: '', lbBackend: backendAddr.replace(/^\[(.*)\]/, '$1') },
      logicalCt: ct,
    },
    {
      id: 'ovn-service-backend',
      tool: 'ovn-trace',
      direction: 'forward',
      description: `source pod to service clusterIP via backend ${backend.name}`,
      from: src.name,
      to: input.serviceLabel,
      node: src.node,
      argv: ovnTraceArgv({ datapath: src.node, microflow: ovnMicroflow(src.logicalPort, pkt), ct, lbDst: backendAddr }),
      decisive: true,
      expect: terminal,
      logicalCt: ct,
    },
  ];
}

/**
 * Whether a Service trace is a hairpin: the backend followed is the source pod itself (the same
 * logical switch port). OVN then never sends the packet pod → own IP: ovn-northd's switch
 * pipeline load-balances it to the pod (`ls_in_lb`), sees that the backend is the source
 * (`ls_in_pre_hairpin`: `reg0[6] = chk_lb_hairpin()`), SNATs it to the load balancer's
 * `hairpin_snat_ip` or else the VIP (`ls_in_nat_hairpin`: `ct_snat_to_vip`) and loops it back
 * on its input port (`ls_in_hairpin`: `outport = inport; flags.loopback = 1`) — ovn-northd(8),
 * "Ingress Table 14–16".
 */
export function isHairpin(src: PlanEndpoint, backend: PlanEndpoint): boolean {
  return src.node === backend.node && src.logicalPort === backend.logicalPort;
}

/**
 * The physical legs of a hairpin Service connection, as OVN processes it: the source pod's
 * packet to the VIP through br-int's load balancer (the logical side is {@link planServiceVip}'s,
 * whose trace already hairpins: `ls_in_lb`, `ls_in_pre_hairpin`, `ls_in_nat_hairpin`,
 * `ls_in_hairpin`, then the egress pipeline back to the same port). The OpenFlow leg is
 * informational: ovn-controller writes a load balancer as a `selection_method=dp_hash` select
 * group, and ofproto/trace cannot choose its bucket (it reports "no live bucket" and stops at
 * `hash(l4(0)),recirc(...)`), so it shows the path up to the load balancer, not the loop back.
 * No reply leg: OVN recognises a hairpin reply (`chk_lb_hairpin_reply()`) by a flow
 * ovn-controller *learns* from the first packet (OpenFlow table 68 `learn(table=69,...)`), which
 * neither ofproto/trace (it installs nothing) nor ovn-trace (no conntrack) can show; the caller
 * says so in a warning.
 */
export function planHairpinLegs(input: {
  src: PlanEndpoint;
  vipIp: string;
  vipPort?: number;
  packet: PodToPodPlanInput['packet'];
  skipDetrace: boolean;
  serviceLabel: string;
}): PlannedLeg[] {
  const { src } = input;
  const pkt: OvnPacket = {
    ...input.packet,
    ...(input.vipPort !== undefined ? { dstPort: input.vipPort } : {}),
    srcIp: src.ip,
    dstIp: input.vipIp,
    srcMac: src.mac,
    dstMac: src.gatewayMac,
  };
  const forward: PlannedLeg = {
    id: 'ofproto-hairpin',
    tool: 'ovs-appctl ofproto/trace',
    direction: 'forward',
    description: 'source pod to service clusterIP, hairpinned back to the source pod',
    from: src.name,
    to: input.serviceLabel,
    node: src.node,
    argv: ofprotoTraceArgv(ofprotoFlow(src.ovsPort ?? src.logicalPort, pkt)),
    decisive: false,
    // Looped back on its input port (`flags.loopback`): output to the pod's own OpenFlow port,
    // where ofproto/trace can follow the select group (another selection method).
    expect: { kind: 'ofproto-output', ...(src.ofport !== undefined ? { ofport: src.ofport } : {}) },
    physicalCt: { kind: 'new' },
  };
  return input.skipDetrace ? [forward] : [forward, detraceLeg(forward)];
}
