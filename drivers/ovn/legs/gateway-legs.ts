/**
 * Legs through ovn-kubernetes' gateway routers (shared gateway mode): a pod reaching a NodePort on
 * another node's address. The pod's own node routes it through `GR_<src>` (SNAT to the source
 * node's IP) and out of `ext_<src>`'s localnet port; the physical network delivers it to the target
 * node's provider bridge, where it enters `ext_<target>` through its localnet port, and
 * `GR_<target>`'s NodePort load balancer DNATs it to a backend (lb_force_snat_ip=router_ip: the GR
 * also SNATs it to its join address), through the join switch and ovn_cluster_router to the
 * backend's node switch, or across the transit switch to the backend's zone.
 */
import type { OvnPacket } from '../commands/microflow.js';
import { lbDst, ofprotoFlow, ovnMicroflow } from '../commands/microflow.js';
import { tstorPort } from '../ovn-k-names.js';
import { logicalConntrackStages, ofprotoTraceArgv, ovnTraceArgv, type LogicalConntrack, type PlanEndpoint, type PlannedLeg } from './leg-plan.js';

/** The node whose address the client connects to, as discovery describes it. */
export interface GatewayNode {
  name: string;
  zone: string;
  /** The node address the packet is sent to (the VIP of its NodePort load balancer). */
  ip: string;
  /** `interface-id` of its l3-gateway-config: the localnet port the packet enters through. */
  localnetPort: string;
  /** MAC of its provider bridge (= `rtoe-GR_<node>`), the destination MAC on the wire. */
  mac: string;
  /** Its GR's join address of the packet's family (the source after lb_force_snat_ip=router_ip). */
  joinIp?: string;
  /** Its `rtots-<node>` MAC (interconnect), the source MAC of the hop across the transit switch. */
  transitMac?: string;
}

/** Inputs of {@link planNodePortViaGateway}. */
export interface NodePortPlanInput {
  src: PlanEndpoint;
  /** The source node's address the GR SNATs to, and its provider bridge MAC (the source MAC on the wire). */
  srcNodeIp: string;
  srcNodeMac: string;
  target: GatewayNode;
  nodePort: number;
  backend: PlanEndpoint;
  backendPort?: number;
  packet: Omit<OvnPacket, 'srcMac' | 'dstMac' | 'srcIp' | 'dstIp'>;
  serviceLabel: string;
}

/**
 * Plans a pod → `<other node IP>:<nodePort>` trace: out of the source zone through its GR and
 * localnet port (ovn-trace and ofproto/trace), into the target node's GR from its localnet port
 * with the load balancer's backend chosen (`--lb-dst`), and, when the backend lives in a third
 * zone, that zone from the transit switch.
 */
export function planNodePortViaGateway(input: NodePortPlanInput): PlannedLeg[] {
  const { src, target, backend } = input;
  const out: OvnPacket = { ...input.packet, dstPort: input.nodePort, srcIp: src.ip, dstIp: target.ip, srcMac: src.mac, dstMac: src.gatewayMac };
  const srcLocalnet = src.localnetPort ?? '';
  // Conntrack stages met (see logicalConntrackStages): out through the node switch, join and
  // ext_<node> with the gateway router NATing; in through ext_, join and the node switch, the
  // GR's NodePort load balancer and NAT; across the transit switch into the backend's switch.
  const outCt: LogicalConntrack = { state: 'new', count: logicalConntrackStages({ switches: 3, natRouters: 1 }) };
  const inCt: LogicalConntrack = { state: 'new', count: logicalConntrackStages({ switches: 3, loadBalancer: true, natRouters: 1 }) };
  const remoteCt: LogicalConntrack = { state: 'new', count: logicalConntrackStages({ switches: 2 }) };
  const legs: PlannedLeg[] = [
    {
      id: 'ovn-nodeport-out',
      tool: 'ovn-trace',
      direction: 'forward',
      description: `source pod to node ${target.name} port ${input.nodePort} (out through the gateway router)`,
      from: src.name,
      to: `${target.ip}:${input.nodePort}`,
      node: src.node,
      argv: ovnTraceArgv({ datapath: src.node, microflow: ovnMicroflow(src.logicalPort, out), ct: outCt }),
      logicalCt: outCt,
      decisive: true,
      expect: { kind: 'ovn-output', port: srcLocalnet, type: 'localnet' },
    },
    {
      id: 'ofproto-nodeport-out',
      tool: 'ovs-appctl ofproto/trace',
      direction: 'forward',
      description: `source pod to node ${target.name} port ${input.nodePort} (out through the gateway router)`,
      from: src.name,
      to: `${target.ip}:${input.nodePort}`,
      node: src.node,
      argv: ofprotoTraceArgv(ofprotoFlow(src.ovsPort ?? src.logicalPort, out)),
      physicalCt: { kind: 'new' },
      decisive: true,
      expect: { kind: 'ofproto-output', ...(src.localnetOfport !== undefined ? { ofport: src.localnetOfport } : {}) },
    },
  ];
  // On the wire: SNATed to the source node's address, from its provider bridge to the target's; two routers passed.
  const wire: OvnPacket = { ...out, srcIp: input.srcNodeIp, srcMac: input.srcNodeMac, dstMac: target.mac, ttl: out.ttl - 2 };
  const backendAddr = lbDst(backend.ip, input.backendPort);
  const crossZone = backend.zone !== target.zone;
  legs.push({
    id: 'ovn-nodeport-in',
    tool: 'ovn-trace',
    direction: 'forward',
    description: `(node ${target.name}) NodePort ${input.nodePort} to backend ${backend.name}`,
    from: input.srcNodeIp,
    to: input.serviceLabel,
    node: target.name,
    argv: ovnTraceArgv({ microflow: ovnMicroflow(target.localnetPort, wire), ct: inCt, lbDst: backendAddr }),
    logicalCt: inCt,
    decisive: true,
    expect: crossZone ? { kind: 'ovn-output', port: tstorPort(backend.node), type: 'remote' } : { kind: 'ovn-output', port: backend.logicalPort },
  });
  if (crossZone) {
    // After the target GR (DNAT to the backend, SNAT to its join address) and its cluster router.
    const remote: OvnPacket = {
      ...wire,
      srcIp: target.joinIp ?? wire.srcIp,
      dstIp: backend.ip,
      ...(input.backendPort !== undefined ? { dstPort: input.backendPort } : {}),
      srcMac: target.transitMac ?? wire.srcMac,
      dstMac: backend.transitMac ?? backend.gatewayMac,
      ttl: wire.ttl - 2,
    };
    legs.push({
      id: 'ovn-nodeport-in-remote',
      tool: 'ovn-trace',
      direction: 'forward',
      description: `(remote) NodePort ${input.nodePort} to backend ${backend.name}`,
      from: target.joinIp ?? input.srcNodeIp,
      to: input.serviceLabel,
      node: backend.node,
      argv: ovnTraceArgv({ microflow: ovnMicroflow(tstorPort(target.name), remote), ct: remoteCt }),
      logicalCt: remoteCt,
      decisive: true,
      expect: { kind: 'ovn-output', port: backend.logicalPort },
    });
  }
  return legs;
}
