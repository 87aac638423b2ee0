import type { V1Pod } from '@kubernetes/client-node';
import type { TraceContext } from '../../core/driver.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { DriverEvent } from '../../core/events.js';
import type { Leg, ResolvedEndpoint, TracedBackend, TraceRequest } from '../../core/model.js';
import type { KubeClient } from '../../core/kube/kube-client.js';
import type { CommandOutput, CommandRunner } from '../../core/runner/command-runner.js';
import { ShellSessionRunner } from '../../core/runner/shell-session-runner.js';
import { DropAttributor, type AttributionPeer } from './attribution/drop-attributor.js';
import { policyPortOfOfprotoTrace, policyPortOfOvnTrace } from './attribution/policy-port.js';
import { namedPortWarnings } from './attribution/named-port-warning.js';
import type { OvnPacket } from './commands/microflow.js';
import {
  findNodePort,
  findOvnNamespace,
  managementIp,
  podEndpoint,
  resolveOvnNode,
  resolveService,
  type NodePortTarget,
  type OvnNode,
  type OvnPodEndpoint,
  type OvnServiceTarget,
} from './discovery/cluster-discovery.js';
import { planNodePortViaGateway } from './legs/gateway-legs.js';
import {
  detraceCheckArgv,
  detraceUnavailableReason,
  interfaceForLogicalPort,
  localnetPatchPort,
  nodeLocalnetPort,
  nodeProbeArgv,
  parseNodeProbe,
  splitProbeSections,
  tunnelTo,
  type NodeProbe,
} from './discovery/node-probe.js';
import { DetraceSession, DetraceSessionUnusableError } from './legs/detrace-session.js';
import { evaluateDetraceLeg, evaluateOfprotoLeg, evaluateOvnTraceLeg, type EvaluatedLeg } from './legs/leg-evaluation.js';
import {
  detraceLeg,
  logicalConntrackStages,
  ofprotoTraceArgv,
  ovnTraceArgv,
  isHairpin,
  planHairpinLegs,
  planPodToPod,
  planServiceVip,
  withLogicalConntrack,
  type LogicalConntrack,
  type PhysicalConntrack,
  type PlanEndpoint,
  type PlannedLeg,
} from './legs/leg-plan.js';
import { receivingNodeFlow, tunnelArrivalFromTrace } from './legs/receiving-node.js';
import { parseOfprotoTrace } from '../ovs-common/ofproto-trace-parser.js';
import type { OfprotoTrace } from '../ovs-common/ofproto-trace-types.js';
import { checkCtStates, committedZones, conntrackSteps, mergeCommittedZones, type ConntrackDirection } from '../ovs-common/conntrack-states.js';
import { ofprotoFlow, ovnMicroflow, replyPacket } from './commands/microflow.js';
import { MGMT_OVS_INTERFACE } from './ovn-k-names.js';

/** Source ports used when the request gives none (ovnkube-trace's values, kept for comparability). */
const OVN_TRACE_SRC_PORT = 52888;
/** How many tool runs go at once (each is one exec into a node's ovnkube-node pod). */
const CONCURRENCY = 8;
/**
 * Bound on the passes that find a leg's conntrack states: each pass fixes at least one more
 * conntrack action of the path, and no OVN path meets more than a few (two per logical switch,
 * four per NAT router, one per load balancer); reaching it means the path keeps changing.
 */
const MAX_CONNTRACK_PASSES = 12;
/** Per-command timeout; the whole trace also has the request's deadline. */
const COMMAND_TIMEOUT_MS = 60_000;

/**
 * Makes the runner of a node's tool commands. `signal` ends what the runner keeps open (the trace's
 * signal, or a batch scope's when the node is shared); the run closes the runner when done with it.
 */
export type NodeRunnerFactory = (node: OvnNode, signal: AbortSignal) => CommandRunner;

/** A planned leg plus how to finish building it once its dependencies ran. */
interface RunnableLeg extends PlannedLeg {
  /** For the receiving-node ofproto/trace: built from the sending node's trace. */
  receiving?: { fromLeg: string; tunnelPort?: string; srcNodeIp?: string; dstNodeIp?: string; packet: OvnPacket };
  /** For pod→IP legs: success means leaving the cluster. */
  leavesCluster?: boolean;
}

/** Options of one run. */
export interface OvnTraceRunOptions {
  /**
   * Every pod labelled `app=ovnkube-node`, when driver detection already listed them (the OVN
   * namespace and each node's ovnkube-node pod are then found without asking the API again).
   */
  ovnkubePods?: V1Pod[];
}

/** A node as discovery left it: resolved, its runner, its probe. Shared by a batch's traces. */
interface NodeSetup {
  node: OvnNode;
  runner: CommandRunner;
  probe: NodeProbe;
  probeMs: number;
}

/** Whether a node can run ovn-detrace, and whether its ovn-detrace process is the one to use. */
interface DetraceAvailability {
  problem?: string;
  sessionUsable: boolean;
}

/** What running one leg produced. */
interface LegRun {
  evaluated: EvaluatedLeg;
  out?: CommandOutput;
}

/**
 * One OVN-Kubernetes trace: discovery through the API (batched, per node in parallel), the legs
 * of ovnkube-trace plus the true reply and the receiving node's OVS pipeline, run concurrently
 * and streamed in plan order, then drop attribution and logical/physical correlation.
 */
export class OvnTraceRun {
  private readonly runners = new Map<string, CommandRunner>();
  private readonly probes = new Map<string, NodeProbe>();
  private readonly nodes = new Map<string, OvnNode>();
  /** Per node, the ovn-detrace process that serves its detrace legs (started with the probe). */
  private readonly sessions = new Map<string, DetraceSession>();
  /** The sessions this trace started (not those of a batch scope), which it ends. */
  private readonly ownSessions = new Set<DetraceSession>();
  /** The node runners this trace made (not those of a batch scope), which it closes. */
  private readonly ownRunners = new Set<CommandRunner>();
  private podLabels = new Map<string, Record<string, string>>();
  /** A `--dst-ip <node address> --dst-port <nodePort>` destination: the Service behind it. */
  private nodePort: NodePortTarget | undefined;
  /**
   * While set, events and log lines wait here: legs start before it is known whether the
   * ovn-detrace legs run, but the stream must still begin with the final list of legs.
   */
  private held: Array<() => void> | undefined;

  constructor(
    private readonly request: TraceRequest,
    private readonly ctx: TraceContext,
    private readonly runnerFactory: NodeRunnerFactory,
    private readonly emit: (e: DriverEvent) => void,
    private readonly options: OvnTraceRunOptions = {},
  ) {}

  private send(e: DriverEvent): void {
    if (this.held) this.held.push(() => this.emit(e));
    else this.emit(e);
  }

  private log(level: number, message: string): void {
    if (this.held) this.held.push(() => this.ctx.log(level as 0, message));
    else this.ctx.log(level as 0, message);
  }

  private warn(message: string): void {
    this.send({ type: 'log', level: 0, message, warning: true });
  }

  async run(): Promise<void> {
    try {
      await this.trace();
    } finally {
      for (const runner of this.ownRunners) this.closeRunner(runner);
    }
  }

  /** Lets a node runner go (its shell session ends after what it already runs) and logs its use. */
  private closeRunner(runner: CommandRunner): void {
    void runner.close?.();
    if (runner instanceof ShellSessionRunner) {
      const { inSession, alone, sessions } = runner.stats;
      this.log(5, `commands on ${runner.target}: ${inSession} through ${sessions} shell session(s), ${alone} on their own exec${runner.problems.length ? ` (${runner.problems.join('; ')})` : ''}`);
    }
  }

  private async trace(): Promise<void> {
    const { request } = this;
    const kube = this.ctx.kube();
    const family = request.packet.family;
    const options = request.options ?? {};
    if (request.mode === 'live') throw new InvalidArgumentError('live-traffic', 'the OVN-Kubernetes driver simulates with ovn-trace/ofproto/trace; live-traffic capture is an Antrea feature');
    if (!request.source || request.source.kind !== 'pod') throw new InvalidArgumentError('src', 'the OVN-Kubernetes driver needs a source pod');

    const t0 = performance.now();
    const known = this.options.ovnkubePods;
    const namespaceLookup = findOvnNamespace(kube, typeof options.ovnNamespace === 'string' ? options.ovnNamespace : undefined, known);

    // Source and destination objects, in parallel with the namespace look-up.
    const src = request.source;
    const dst = request.destination;
    // An IP destination that is a node's address and a Service's NodePort goes to that Service
    // (through the node's NodePort load balancer), not out of the cluster.
    const nodePortLookup = dst.kind === 'ip' ? findNodePort(kube, dst.ip, request.packet.dstPort, request.packet.protocol) : Promise.resolve(undefined);
    const objects = Promise.all([
      kube.requirePod(src.namespace, src.name),
      dst.kind === 'pod' ? kube.requirePod(dst.namespace, dst.name) : Promise.resolve(undefined),
      dst.kind === 'service'
        ? resolveService(kube, dst.namespace, dst.name, family, request.packet.protocol, request.packet.dstPort)
        : nodePortLookup.then((np) => (np ? resolveService(kube, np.namespace, np.name, family, np.protocol, np.servicePort) : undefined)),
    ]);
    // Awaited after the namespace, so a missing OVN namespace is still the error reported first.
    objects.catch(() => undefined);
    const ovnNamespace = await namespaceLookup;
    this.log(5, `OVN namespace: ${ovnNamespace}`);
    const [srcPod, dstPod, service] = await objects;
    this.nodePort = await nodePortLookup;
    if (this.nodePort) this.log(2, `${this.nodePort.nodeIp}:${this.nodePort.nodePort} is NodePort ${this.nodePort.nodePort}/${this.nodePort.protocol.toUpperCase()} of service ${this.nodePort.namespace}/${this.nodePort.name} on node ${this.nodePort.node}`);
    const srcEp = podEndpoint(srcPod, family, 'src');
    this.remember(srcPod);
    let dstEp: OvnPodEndpoint | undefined;
    let backendPod: V1Pod | undefined;
    if (dstPod) {
      dstEp = podEndpoint(dstPod, family, 'dst');
      this.remember(dstPod);
    } else if (service) {
      const backend = this.chooseBackend(service);
      if (backend?.pod) {
        backendPod = await kube.requirePod(backend.pod.namespace, backend.pod.name);
        dstEp = podEndpoint(backendPod, family, 'service');
        this.remember(backendPod);
      }
    }
    // ovn-kubernetes does not enforce named ports: rules that rely on one are named in a warning.
    const destinationPod = dstPod ?? backendPod;
    const namedPorts = namedPortWarnings(
      kube,
      {
        // NetworkPolicies do not select host-network pods.
        ...(srcPod.spec?.hostNetwork ? {} : { source: { namespace: src.namespace, labels: srcPod.metadata?.labels ?? {} } }),
        ...(destinationPod && !destinationPod.spec?.hostNetwork ? { destination: { namespace: destinationPod.metadata?.namespace ?? '', labels: destinationPod.metadata?.labels ?? {} } } : {}),
        protocol: request.packet.protocol,
      },
      (ns, err) => this.log(5, `named-port check: cannot list NetworkPolicies in ${ns}: ${err.message}`),
    );
    namedPorts.catch(() => undefined);
    if (srcEp.hostNetwork && dstEp?.hostNetwork) throw new InvalidArgumentError('src', 'both pods are on the host network: OVN does not carry this traffic (use ping)');
    if (srcEp.hostNetwork && dst.kind === 'ip') throw new InvalidArgumentError('src', 'a host-network pod does not send to an external IP through OVN');

    // Nodes involved, resolved and probed in parallel: one API look-up and one exec per node,
    // plus the node's ovn-detrace process, started now so its start-up overlaps everything else.
    // In a batch (a scope), each node is set up once for all the batch's traces.
    const nodeNames = [...new Set([srcEp.node, ...(dstEp ? [dstEp.node] : []), ...(this.nodePort ? [this.nodePort.node] : [])])];
    const scope = this.ctx.scope;
    const wantDetrace = request.skipDetrace !== true;
    const where = `${ovnNamespace}/${request.options?.local === true ? 'local' : 'exec'}`;
    await Promise.all(
      nodeNames.map(async (name) => {
        const setup = scope
          ? await scope.shared(`ovn-kubernetes:node:${where}/${name}`, () => this.setUpNode(kube, ovnNamespace, name, known, scope.signal))
          : await this.setUpNode(kube, ovnNamespace, name, known, this.ctx.signal, (runner) => {
              if (!wantDetrace) return;
              const own = new DetraceSession(runner, this.ctx.signal, COMMAND_TIMEOUT_MS);
              this.ownSessions.add(own);
              this.sessions.set(name, own);
            });
        const { node, runner, probe } = setup;
        this.nodes.set(name, node);
        this.runners.set(name, runner);
        if (scope && wantDetrace) {
          this.sessions.set(
            name,
            scope.shared(`ovn-kubernetes:detrace:${where}/${name}`, () => {
              const shared = new DetraceSession(runner, scope.signal, COMMAND_TIMEOUT_MS, { persistent: true });
              scope.onClose(() => shared.finish());
              return shared;
            }),
          );
        }
        this.probes.set(name, probe);
        this.log(5, `node ${name}: zone ${node.zone}, tools in ${runner.target}, rtos ${probe.rtosMac ?? '?'}, rtots ${probe.rtotsMac ?? '-'}, ${probe.interfaces.length} OVS interfaces (probe ${setup.probeMs.toFixed(0)} ms)`);
        for (const e of probe.errors) this.warn(`node ${name}: ${e}`);
        if (!probe.ovnTraceAvailable) this.warn(`node ${name}: ovn-trace is not available in ${runner.target}`);
      }),
    );
    for (const w of await namedPorts) this.warn(w);
    this.log(5, `discovery done in ${(performance.now() - t0).toFixed(0)} ms`);

    const srcPlan = this.planEndpoint(srcEp);
    const dstPlan = dstEp ? this.planEndpoint(dstEp) : undefined;
    this.send({
      type: 'resolved',
      cni: 'ovn-kubernetes',
      source: this.resolved(srcEp, srcPlan),
      ...(dstPlan && dstEp ? { destination: this.resolved(dstEp, dstPlan, service) } : service ? { destination: { ref: dst, ip: service.clusterIp } } : dst.kind === 'ip' ? { destination: { ref: dst, ip: dst.ip } } : {}),
    });

    const legs = this.plan(srcPlan, dstPlan, service);
    try {
      await this.execute(legs, srcEp, dstEp);
    } finally {
      // Normally each session has ended its input already; this covers failures.
      for (const session of this.ownSessions) {
        session.finish();
        const { unitsLookedUp, unitsFromCache, wholeTraces } = session.stats;
        if (unitsLookedUp + unitsFromCache + wholeTraces > 0) this.log(5, `ovn-detrace on ${session.target}: ${unitsLookedUp} trace units looked up, ${unitsFromCache} answered from earlier legs${wholeTraces ? `, ${wholeTraces} traces fed whole` : ''}`);
      }
    }
  }

  /**
   * Resolves a node and probes it. `onRunner` sees the node's runner before the probe starts
   * (to start the node's ovn-detrace alongside it).
   */
  private async setUpNode(kube: KubeClient, ovnNamespace: string, name: string, known: V1Pod[] | undefined, signal: AbortSignal, onRunner?: (runner: CommandRunner) => void): Promise<NodeSetup> {
    const node = await resolveOvnNode(kube, ovnNamespace, name, known);
    const runner = this.runnerFactory(node, signal);
    // A batch's node (shared) is closed with its scope; a trace's own when the trace ends.
    if (this.ctx.scope && signal === this.ctx.scope.signal) this.ctx.scope.onClose(() => void runner.close?.());
    else this.ownRunners.add(runner);
    onRunner?.(runner);
    const out = await runner.run({ argv: nodeProbeArgv(name, { detrace: false }), timeoutMs: COMMAND_TIMEOUT_MS, signal });
    return { node, runner, probe: parseNodeProbe(name, out.stdout, { detraceChecked: false }), probeMs: out.durationMs };
  }

  private remember(pod: V1Pod): void {
    this.podLabels.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod.metadata?.labels ?? {});
  }

  /**
   * The backend to follow: the one the request pins (a trace of every backend pins each in
   * turn), else the first ready pod endpoint in EndpointSlice order. OVN's load balancer picks
   * a backend per connection (`ct_lb_mark` / a dp_hash select group), so no single one is "the"
   * backend; the trace says which it followed and why (a `backend` event).
   */
  private chooseBackend(service: OvnServiceTarget) {
    const ready = service.backends.filter((b) => b.ready && b.pod);
    const svc = `${service.namespace}/${service.name}`;
    const pinned = this.request.backend;
    if (pinned) {
      const found = service.backends.find((b) => b.ip === pinned.ip && (pinned.port === undefined || b.port === undefined || b.port === pinned.port));
      if (!found) throw new InvalidArgumentError('backend', `${pinned.ip}${pinned.port !== undefined ? `:${pinned.port}` : ''} is not an endpoint of service ${svc} (endpoints: ${service.backends.map((b) => b.ip).join(', ') || 'none'})`);
      if (!found.ready) this.warn(`backend ${found.ip} of service ${svc} is not ready: its load balancer does not send new connections to it`);
      if (!found.pod) this.warn(`backend ${found.ip} of service ${svc} is not a pod: only the load balancer's choice is traced`);
      this.announceBackend(found, 'pinned-load-balancer', `pinned by the request (one of ${ready.length} ready endpoints); ovn-trace follows the load balancer with --lb-dst set to it, the OVS traces go to the backend pod directly`);
      return found;
    }
    if (!ready.length) {
      this.warn(`service ${svc} has no ready pod endpoints${service.backends.length ? ` (${service.backends.length} not ready)` : ''}`);
      return undefined;
    }
    const chosen = ready[0]!;
    this.log(2, `using backend ${chosen.pod!.namespace}/${chosen.pod!.name} (${chosen.ip}:${chosen.port ?? ''}) of service ${svc} (${ready.length} ready)`);
    this.announceBackend(
      chosen,
      'pinned-load-balancer',
      `the first ready endpoint of ${ready.length} in the EndpointSlices: OVN's load balancer picks a backend per connection, so ovn-trace is pinned to this one with --lb-dst${ready.length > 1 ? '; --all-backends traces each' : ''}`,
    );
    return chosen;
  }

  private announceBackend(b: OvnServiceTarget['backends'][number], method: TracedBackend['method'], why: string): void {
    this.send({ type: 'backend', backend: { ip: b.ip, ...(b.port !== undefined ? { port: b.port } : {}), ...(b.pod ? { pod: b.pod } : {}), ...(b.node ? { node: b.node } : {}), method, why } });
  }

  private planEndpoint(ep: OvnPodEndpoint): PlanEndpoint {
    const probe = this.probes.get(ep.node);
    const node = this.nodes.get(ep.node);
    const iface = probe ? (ep.hostNetwork ? probe.interfaces.find((i) => i.name === MGMT_OVS_INTERFACE) : interfaceForLogicalPort(probe, ep.logicalPort)) : undefined;
    if (probe && !iface) this.warn(`no OVS interface with external_ids:iface-id=${ep.logicalPort} on node ${ep.node}: the pod's port is not bound there`);
    const mac = ep.hostNetwork ? (iface?.macInUse ?? iface?.externalIds['attached-mac'] ?? ep.mac) : ep.mac;
    const mgmt = probe?.interfaces.find((i) => i.name === MGMT_OVS_INTERFACE);
    const sourceIp = ep.hostNetwork && node ? managementIp(node, this.request.packet.family) : undefined;
    if (ep.hostNetwork && !sourceIp) this.warn(`node ${ep.node}: no pod subnet in k8s.ovn.org/node-subnets, so the management port address of host-network pod ${ep.namespace}/${ep.name} is unknown`);
    // The annotation names it; the SB (ovnkube-trace's way) when the annotation does not.
    const localnetPort = node?.gateway?.localnetPort ?? (probe ? nodeLocalnetPort(probe, ep.node) : undefined);
    const localnet = probe && localnetPort ? localnetPatchPort(probe, localnetPort) : undefined;
    return {
      label: `${ep.namespace}/${ep.name}`,
      name: ep.name,
      ip: ep.ip,
      mac,
      node: ep.node,
      zone: node?.zone ?? ep.node,
      logicalPort: ep.logicalPort,
      gatewayMac: probe?.rtosMac ?? '',
      ...(probe?.rtotsMac ? { transitMac: probe.rtotsMac } : {}),
      ...(iface ? { ovsPort: iface.name } : {}),
      ...(iface?.ofport !== undefined ? { ofport: iface.ofport } : {}),
      ...(node?.internalIp ? { nodeIp: node.internalIp } : {}),
      ...(ep.hostNetwork ? { hostNetwork: true } : {}),
      ...(sourceIp ? { sourceIp } : {}),
      ...(node ? { routingViaHost: node.routingViaHost } : {}),
      ...(mgmt?.ofport !== undefined ? { mgmtOfport: mgmt.ofport } : {}),
      ...(localnetPort ? { localnetPort } : {}),
      ...(localnet?.ofport !== undefined ? { localnetOfport: localnet.ofport } : {}),
    };
  }

  private resolved(ep: OvnPodEndpoint, plan: PlanEndpoint, service?: OvnServiceTarget): ResolvedEndpoint {
    return {
      ref: { kind: 'pod', namespace: ep.namespace, name: ep.name },
      ip: ep.ip,
      node: ep.node,
      mac: plan.mac,
      hostNetwork: ep.hostNetwork,
      detail: {
        zone: plan.zone,
        logicalPort: ep.logicalPort,
        ovsPort: plan.ovsPort,
        ofport: plan.ofport,
        gatewayMac: plan.gatewayMac,
        ...(plan.transitMac ? { transitMac: plan.transitMac } : {}),
        ...(service ? { service: `${service.namespace}/${service.name}`, clusterIp: service.clusterIp, servicePort: service.port, backends: service.backends } : {}),
      },
    };
  }

  private basePacket(dstPort: number | undefined): Omit<OvnPacket, 'srcMac' | 'dstMac' | 'srcIp' | 'dstIp'> {
    const p = this.request.packet;
    const l4 = p.protocol !== 'icmp';
    return {
      family: p.family,
      protocol: p.protocol,
      ttl: p.ttl,
      ...(l4 ? { dstPort: dstPort ?? 80, srcPort: p.srcPort ?? OVN_TRACE_SRC_PORT } : {}),
      ...(p.protocol === 'tcp' && p.tcpFlags !== undefined ? { tcpFlags: p.tcpFlags } : {}),
    };
  }

  private tunnelOfports(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [name, probe] of this.probes) {
      out[name] = probe.interfaces.filter((i) => ['geneve', 'vxlan', 'stt'].includes(i.type) && i.ofport !== undefined).map((i) => i.ofport!);
    }
    return out;
  }

  private plan(src: PlanEndpoint, dst: PlanEndpoint | undefined, service: OvnServiceTarget | undefined): RunnableLeg[] {
    // ovn-detrace legs are planned unless the user skipped them; execute() drops them when a
    // node cannot run ovn-detrace (known only once the node's ovn-detrace has started).
    const skipDetrace = this.request.skipDetrace === true;
    const dest = this.request.destination;
    if (dest.kind === 'ip' && this.nodePort && service && dst && this.nodePort.node !== src.node) return this.planNodePortCrossNode(src, dst, service, this.nodePort);
    if (dest.kind === 'ip' && !this.nodePort) return this.planToIp(src, dest.ip, skipDetrace);
    const legs: RunnableLeg[] = [];
    let packetPort = this.request.packet.dstPort;
    if (service) {
      if (!dst) {
        // No backend to follow: the VIP leg alone tells whether the load balancer has one.
        legs.push(this.vipOnlyLeg(src, service));
        return legs;
      }
      const backend = service.backends.find((b) => b.ip === dst.ip);
      // A NodePort on the source pod's own node: its node switch holds the node's NodePort load
      // balancer (node_router+switch), so the VIP is the node address and the node port.
      const vip = this.nodePort ? { ip: this.nodePort.nodeIp, port: this.nodePort.nodePort } : { ip: service.clusterIp, port: service.port };
      legs.push(...planServiceVip({ src, clusterIp: vip.ip, ...(vip.port !== undefined ? { servicePort: vip.port } : {}), backend: dst, ...(backend?.port !== undefined ? { backendPort: backend.port } : {}), packet: this.basePacket(vip.port), serviceLabel: service.name }));
      if (isHairpin(src, dst)) {
        // The backend is the source pod: OVN hairpins the connection through the load balancer
        // (no packet ever goes from the pod to its own IP), so the legs follow that path.
        this.warn(
          `service ${service.namespace}/${service.name}: the traced backend is the source pod itself (hairpin): OVN load-balances the connection back to the pod, SNATs it to the load balancer's hairpin_snat_ip (or the VIP) and loops it back on the pod's port. The verdict is ovn-trace's; ofproto/trace shows the path up to the load balancer's dp_hash group only (it cannot pick a bucket), and the reply is not traced (OVN recognises it by a flow ovn-controller learns from the first packet, which neither tool can show)`,
        );
        legs.push(...planHairpinLegs({ src, vipIp: vip.ip, ...(vip.port !== undefined ? { vipPort: vip.port } : {}), packet: this.basePacket(vip.port), skipDetrace, serviceLabel: service.name }));
        return legs;
      }
      // The pod↔endpoint legs use the targetPort (ovnkube-trace wrongly reuses the service port).
      packetPort = backend?.port ?? service.port;
    }
    if (!dst) return legs;
    const podLegs: RunnableLeg[] = planPodToPod({ src, dst, packet: this.basePacket(packetPort), tunnelOfports: this.tunnelOfports(), skipDetrace });
    legs.push(...podLegs);
    if (src.node !== dst.node && !dst.hostNetwork && !src.hostNetwork) legs.push(...this.receivingLegs(src, dst, packetPort, skipDetrace));
    return legs;
  }

  /**
   * A NodePort on another node's address (shared gateway mode): out through the source node's
   * gateway router and localnet port, in through the target node's (see legs/gateway-legs.ts).
   */
  private planNodePortCrossNode(src: PlanEndpoint, dst: PlanEndpoint, service: OvnServiceTarget, np: NodePortTarget): RunnableLeg[] {
    const srcNode = this.nodes.get(src.node);
    const target = this.nodes.get(np.node);
    const family = this.request.packet.family;
    const ofFamily = (ips: string[]) => ips.find((ip) => (family === 'ip6' ? ip.includes(':') : !ip.includes(':')));
    const srcNodeIp = ofFamily(srcNode?.gateway?.ips ?? []) ?? srcNode?.internalIp;
    const targetProbe = this.probes.get(np.node);
    const targetLocalnet = target?.gateway?.localnetPort ?? (targetProbe ? nodeLocalnetPort(targetProbe, np.node) : undefined);
    if (!src.localnetPort) this.warn(`node ${src.node}: no interface-id in k8s.ovn.org/l3-gateway-config, so the localnet port its gateway router sends through is unknown`);
    if (!targetLocalnet || !target?.gateway?.mac || !srcNodeIp || !srcNode?.gateway?.mac) {
      this.warn(`node ${np.node}: its k8s.ovn.org/l3-gateway-config does not give the localnet port and MACs needed to trace the NodePort from outside; only the way out is traced`);
    }
    const backend = service.backends.find((b) => b.ip === dst.ip);
    const legs = planNodePortViaGateway({
      src,
      srcNodeIp: srcNodeIp ?? src.ip,
      srcNodeMac: srcNode?.gateway?.mac ?? src.mac,
      target: {
        name: np.node,
        zone: target?.zone ?? np.node,
        ip: np.nodeIp,
        localnetPort: targetLocalnet ?? '',
        mac: target?.gateway?.mac ?? '',
        ...(ofFamily(target?.gateway?.joinIps ?? []) ? { joinIp: ofFamily(target?.gateway?.joinIps ?? [])! } : {}),
        ...(this.probes.get(np.node)?.rtotsMac ? { transitMac: this.probes.get(np.node)!.rtotsMac! } : {}),
      },
      nodePort: np.nodePort,
      backend: dst,
      ...(backend?.port !== undefined ? { backendPort: backend.port } : {}),
      packet: this.basePacket(np.nodePort),
      serviceLabel: service.name,
    });
    const complete = Boolean(targetLocalnet && target?.gateway?.mac && srcNode?.gateway?.mac);
    return complete ? legs : legs.filter((l) => !l.id.startsWith('ovn-nodeport-in'));
  }

  /**
   * Beyond ovnkube-trace: each receiving node's OVS pipeline, from its tunnel port — the
   * destination's node for the forward packet, and the source's node for the reply (where the
   * source pod's own ingress ACLs see it, so an isolated source is checked physically too).
   */
  private receivingLegs(src: PlanEndpoint, dst: PlanEndpoint, dstPort: number | undefined, skipDetrace: boolean, idPrefix = ''): RunnableLeg[] {
    const forwardPacket: OvnPacket = { ...this.basePacket(dstPort), srcIp: src.ip, dstIp: dst.ip, srcMac: src.mac, dstMac: dst.mac };
    const words = (w: string) => (idPrefix ? `${w} (${idPrefix.replace(/-$/, '')})` : w);
    const receiving = (opts: { id: string; direction: 'forward' | 'reply'; description: string; from: PlanEndpoint; to: PlanEndpoint; fromLeg: string; packet: OvnPacket; physicalCt: PhysicalConntrack }): RunnableLeg[] => {
      const { from, to } = opts;
      const probe = this.probes.get(to.node);
      const tunnel = probe && from.nodeIp ? tunnelTo(probe, from.nodeIp) : undefined;
      if (!tunnel) this.warn(`node ${to.node}: no tunnel interface towards ${from.node} (${from.nodeIp ?? 'unknown IP'}); the receiving-node OVS trace ${opts.description} is skipped`);
      const leg: RunnableLeg = {
        id: opts.id,
        tool: 'ovs-appctl ofproto/trace',
        direction: opts.direction,
        description: opts.description,
        from: from.name,
        to: to.name,
        node: to.node,
        argv: [],
        decisive: Boolean(tunnel),
        expect: { kind: 'ofproto-output', ...(to.ofport !== undefined ? { ofport: to.ofport } : {}) },
        after: [opts.fromLeg],
        receiving: { fromLeg: opts.fromLeg, ...(tunnel ? { tunnelPort: tunnel.name } : {}), ...(from.nodeIp ? { srcNodeIp: from.nodeIp } : {}), ...(to.nodeIp ? { dstNodeIp: to.nodeIp } : {}), packet: opts.packet },
        physicalCt: opts.physicalCt,
      };
      return skipDetrace ? [leg] : [leg, detraceLeg(leg)];
    };
    return [
      ...receiving({ id: `${idPrefix}ofproto-forward-remote`, direction: 'forward', description: words('(remote) source pod to destination pod'), from: src, to: dst, fromLeg: `${idPrefix}ofproto-forward`, packet: forwardPacket, physicalCt: { kind: 'new' } }),
      ...receiving({
        id: `${idPrefix}ofproto-reply-remote`,
        direction: 'reply',
        description: words('(remote) reply destination pod to source pod'),
        from: dst,
        to: src,
        fromLeg: `${idPrefix}ofproto-reply`,
        packet: replyPacket(forwardPacket, dst.mac, src.mac),
        // The forward packet's conntrack on the source's node is the sending trace's.
        physicalCt: { kind: 'reply', committedBy: [`${idPrefix}ofproto-forward`] },
      }),
    ];
  }

  private vipOnlyLeg(src: PlanEndpoint, service: OvnServiceTarget): RunnableLeg {
    const pkt: OvnPacket = { ...this.basePacket(service.port), srcIp: src.ip, dstIp: service.clusterIp, srcMac: src.mac, dstMac: src.gatewayMac };
    const ct: LogicalConntrack = { state: 'new', count: logicalConntrackStages({ switches: 1, loadBalancer: true }) };
    return {
      id: 'ovn-service-vip',
      tool: 'ovn-trace',
      direction: 'forward',
      description: 'source pod to service clusterIP',
      from: src.name,
      to: service.name,
      node: src.node,
      argv: ovnTraceArgv({ datapath: src.node, microflow: ovnMicroflow(src.logicalPort, pkt), ct }),
      decisive: true,
      logicalCt: ct,
    };
  }

  private planToIp(src: PlanEndpoint, ip: string, skipDetrace: boolean): RunnableLeg[] {
    const pkt: OvnPacket = { ...this.basePacket(this.request.packet.dstPort), srcIp: src.ip, dstIp: ip, srcMac: src.mac, dstMac: src.gatewayMac };
    // Out of the cluster: the node switch, then (shared gateway) the join and external switches
    // and the gateway router's NAT stages; the run adds values if the path has more.
    const ct: LogicalConntrack = { state: 'new', count: logicalConntrackStages({ switches: 3, natRouters: 1 }) };
    const ovn: RunnableLeg = {
      id: 'ovn-forward',
      tool: 'ovn-trace',
      direction: 'forward',
      description: 'pod to external IP',
      from: src.name,
      to: ip,
      node: src.node,
      argv: ovnTraceArgv({ datapath: src.node, microflow: ovnMicroflow(src.logicalPort, pkt), ct }),
      decisive: true,
      leavesCluster: true,
      logicalCt: ct,
    };
    const of: RunnableLeg = {
      id: 'ofproto-forward',
      tool: 'ovs-appctl ofproto/trace',
      direction: 'forward',
      description: 'pod to external IP',
      from: src.name,
      to: ip,
      node: src.node,
      argv: ofprotoTraceArgv(ofprotoFlow(src.ovsPort ?? src.logicalPort, pkt)),
      decisive: true,
      leavesCluster: true,
      physicalCt: { kind: 'new' },
      // Shared gateway mode: out of br-int through the patch port to the provider bridge.
      ...(src.routingViaHost === false && src.localnetOfport !== undefined ? { expect: { kind: 'ofproto-output' as const, ofport: src.localnetOfport } } : {}),
    };
    return skipDetrace ? [ovn, of] : [ovn, of, detraceLeg(of)];
  }

  /**
   * ovn-detrace needs a usable ovn-detrace and the NB on every node; otherwise every detrace leg
   * is skipped, with a warning naming the first node (in probe order) that cannot run it.
   */
  private async detraceDecision(): Promise<{ blocked: boolean; warnings: string[] }> {
    if (this.request.skipDetrace) return { blocked: true, warnings: [] };
    const names = [...this.probes.keys()];
    const scope = this.ctx.scope;
    const found = await Promise.all(
      names.map((name) => {
        const session = this.sessions.get(name);
        const check = () => this.detraceAvailability(name, session, scope?.signal ?? this.ctx.signal);
        // In a batch the answer is the node's, found once (its session is shared too).
        return scope && session && !this.ownSessions.has(session) ? scope.shared(`ovn-kubernetes:detrace-check:${this.runners.get(name)!.target}`, check) : check();
      }),
    );
    names.forEach((name, k) => {
      if (!found[k]!.sessionUsable) this.sessions.delete(name);
    });
    const i = found.findIndex((f) => f.problem !== undefined);
    if (i < 0) return { blocked: false, warnings: [] };
    return { blocked: true, warnings: [`skipped ovn-detrace on node ${names[i]}: ${found[i]!.problem}`] };
  }

  /**
   * Why a node cannot run ovn-detrace, or undefined when it can. The node's ovn-detrace process
   * answers when it loaded its databases (usable) or found no ovn-detrace; otherwise (the NB is
   * unreachable, or the process ended early) the probe's own check decides, as it always did,
   * and the node's detrace legs run one process each.
   */
  private async detraceAvailability(name: string, session: DetraceSession | undefined, signal: AbortSignal): Promise<DetraceAvailability> {
    const probe = this.probes.get(name)!;
    if (session && !probe.nbUnreachable) {
      const ready = await session.readiness;
      if (ready.usable) return { sessionUsable: true };
      if (ready.certain) return { problem: ready.reason, sessionUsable: false };
    }
    session?.stop();
    const out = await this.runners.get(name)!.run({ argv: detraceCheckArgv(name), timeoutMs: COMMAND_TIMEOUT_MS, signal });
    const problem = detraceUnavailableReason(splitProbeSections(out.stdout));
    return { ...(problem ? { problem } : {}), sessionUsable: false };
  }

  /**
   * Runs every leg (concurrently, dependencies first) and emits them in plan order. Legs other
   * than ovn-detrace start at once; the events wait until it is known whether the ovn-detrace
   * legs run, so the stream is the same as if that had been known from the start.
   */
  private async execute(planned: RunnableLeg[], srcEp: OvnPodEndpoint, dstEp: OvnPodEndpoint | undefined): Promise<void> {
    this.held = [];
    const done = new Map<string, Promise<LegRun>>();
    let running = 0;
    const queue: Array<() => void> = [];
    const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (running >= CONCURRENCY) await new Promise<void>((r) => queue.push(r));
      running++;
      try {
        return await fn();
      } finally {
        running--;
        queue.shift()?.();
      }
    };
    const ovnLegsDone = () => Promise.all(planned.filter((l) => l.tool === 'ovn-trace').map((l) => done.get(l.id)));

    /**
     * What dependent legs wait for: an ofproto/trace leg is there as soon as its output is judged
     * (its verdict and trace do not depend on the stage names it gets from the ovn-trace legs), so
     * the receiving node's trace and the ovn-detrace legs do not wait for every ovn-trace.
     */
    const ready = new Map<string, Promise<LegRun>>();
    const runLeg = async (leg: RunnableLeg, judged: (run: LegRun) => void): Promise<LegRun> => {
      const deps = await Promise.all((leg.after ?? []).map((id) => ready.get(id)));
      const runner = this.runners.get(leg.node)!;
      let argv = leg.argv;
      let stdin: string | undefined;
      let out: CommandOutput | undefined;
      if (leg.tool === 'ovn-detrace') {
        const session = this.sessions.get(leg.node);
        try {
          const of = deps[0];
          if (!of?.out || of.evaluated.leg.verdict === 'error') return { evaluated: this.skippedLeg(leg, 'its ofproto/trace did not run') };
          stdin = of.out.stdout;
          if (session) {
            try {
              out = await session.annotate(leg.id, stdin);
            } catch (err) {
              // The shared process ended or cannot answer: this leg runs on its own, as a separate ovn-detrace.
              if (!(err instanceof DetraceSessionUnusableError)) throw err;
              this.log(5, `ovn-detrace on ${session.target}: ${err.message}; running ${leg.id} separately`);
            }
          }
        } finally {
          session?.release(leg.id);
        }
      }
      if (leg.receiving) {
        const sending = deps[0]?.evaluated.ofproto;
        const arrival = sending ? tunnelArrivalFromTrace(sending) : undefined;
        if (!leg.receiving.tunnelPort || !arrival) {
          return { evaluated: this.skippedLeg(leg, !leg.receiving.tunnelPort ? 'no tunnel port towards the sending node' : 'the sending node trace shows no tunnel key') };
        }
        argv = ofprotoTraceArgv(receivingNodeFlow({ tunnelPort: leg.receiving.tunnelPort, arrival, packet: leg.receiving.packet, ...(leg.receiving.srcNodeIp ? { srcNodeIp: leg.receiving.srcNodeIp } : {}), ...(leg.receiving.dstNodeIp ? { dstNodeIp: leg.receiving.dstNodeIp } : {}) }));
      }
      // ofproto/traces are short, and the receiving node's trace and the ovn-detrace legs wait for them.
      const urgent = leg.tool === 'ovs-appctl ofproto/trace';
      const runOnce = (args: string[]) => slot(() => runner.run({ argv: args, ...(stdin !== undefined ? { stdin } : {}), urgent, timeoutMs: COMMAND_TIMEOUT_MS, signal: this.ctx.signal }));
      let evaluated: EvaluatedLeg;
      if (leg.tool === 'ovn-trace') {
        ({ out, argv } = await this.traceLogical(leg, argv, runOnce));
        evaluated = evaluateOvnTraceLeg({ ...leg, argv }, out);
      } else if (leg.tool === 'ovn-detrace') {
        out ??= await runOnce(argv);
        evaluated = evaluateDetraceLeg({ ...leg, argv }, out);
      } else {
        const direction = await this.physicalDirection(leg, ready);
        const traced = await this.tracePhysical(leg, argv, direction, runOnce);
        ({ out, argv } = traced);
        const planned = { ...leg, argv };
        const trace = traced.trace;
        judged({ evaluated: evaluateOfprotoLeg(planned, out, new Map(), trace), out });
        // Name the OpenFlow tables by the logical stages ovn-trace printed for the same cookies.
        const ovn = await ovnLegsDone();
        const stages = new Map<string, string>();
        for (const r of ovn) for (const o of r?.evaluated.leg.observations ?? []) if (o.cookie && !o.stage.startsWith('output')) stages.set(o.cookie, o.stage);
        evaluated = evaluateOfprotoLeg(planned, out, stages, trace);
      }
      if (leg.leavesCluster) this.judgeLeaving(evaluated);
      if (evaluated.leg.verdict === 'dropped' || evaluated.leg.verdict === 'rejected') await this.attribute(evaluated, leg, srcEp, dstEp);
      return { evaluated, out };
    };
    const start = (leg: RunnableLeg) => {
      let judged!: (run: LegRun) => void;
      let failed!: (err: unknown) => void;
      const early = new Promise<LegRun>((resolve, reject) => ((judged = resolve), (failed = reject)));
      const p = runLeg(leg, judged).catch((err: unknown): LegRun => {
        if (this.ctx.signal.aborted) throw err;
        return { evaluated: this.skippedLeg(leg, (err as Error).message, 'error') };
      });
      // Settles `early` when the leg was not judged before it ended (resolving twice does nothing).
      p.then(judged, failed);
      // Awaited below; until then a cancelled leg must not count as an unhandled rejection.
      p.catch(() => undefined);
      early.catch(() => undefined);
      done.set(leg.id, p);
      ready.set(leg.id, early);
    };

    // ofproto/trace legs first (they are urgent, see runLeg), so they also get the first slots.
    for (const leg of planned) if (leg.tool === 'ovs-appctl ofproto/trace') start(leg);
    for (const leg of planned) if (leg.tool === 'ovn-trace') start(leg);
    const decision = await this.detraceDecision();
    const legs = decision.blocked ? planned.filter((l) => l.tool !== 'ovn-detrace') : planned;
    const held = this.held;
    this.held = undefined;
    for (const w of decision.warnings) this.warn(w);
    for (const leg of legs) {
      this.send({ type: 'leg-started', legId: leg.id, tool: leg.tool, direction: leg.direction, node: leg.node, description: leg.description });
    }
    for (const flush of held) flush();
    if (decision.blocked) {
      // A batch's shared sessions stay for the other traces.
      for (const session of this.ownSessions) session.stop();
    } else {
      for (const [node, session] of this.sessions) session.expect(legs.filter((l) => l.tool === 'ovn-detrace' && l.node === node).map((l) => l.id));
      for (const leg of legs) if (leg.tool === 'ovn-detrace') start(leg);
    }

    const results: Array<EvaluatedLeg | undefined> = new Array(legs.length);
    let next = 0;
    const release = () => {
      while (next < legs.length && results[next]) {
        const { leg } = results[next]!;
        for (const observation of leg.observations) this.send({ type: 'observation', legId: leg.id, observation });
        this.send({ type: 'leg-finished', leg });
        next++;
      }
    };
    await Promise.all(
      legs.map((leg, i) =>
        done.get(leg.id)!.then((r) => {
          results[i] = r.evaluated;
          release();
        }),
      ),
    );
    this.correlate(results.filter((r): r is EvaluatedLeg => r !== undefined));
  }

  /**
   * Runs an ovn-trace leg with enough `--ct=` values: ovn-trace marks every conntrack action that
   * found none left ("default (use --ct to customize)") and then assumes `trk,est`, which is not
   * the leg's connection state; the leg is traced again with one more value per such action until
   * none is left over (each pass extends the correctly-traced prefix of the path, so this ends).
   */
  private async traceLogical(leg: RunnableLeg, argv: string[], runOnce: (argv: string[]) => Promise<CommandOutput>): Promise<{ out: CommandOutput; argv: string[] }> {
    let ct = leg.logicalCt;
    for (let pass = 1; ; pass++) {
      const out = await runOnce(argv);
      const missing = (out.stdout.match(/default \(use --ct to customize\)/g) ?? []).length;
      if (!ct || missing === 0 || out.exitCode !== 0) return { out, argv };
      if (pass >= MAX_CONNTRACK_PASSES) {
        this.warn(`${leg.tool} ${leg.description}: ${missing} conntrack action(s) still had no --ct value after ${pass} passes; ovn-trace assumed trk,est for them`);
        return { out, argv };
      }
      ct = { state: ct.state, count: ct.count + missing };
      this.log(5, `${leg.id}: ovn-trace met ${missing} more conntrack action(s) than --ct values; tracing again with ${ct.count} --ct=${ct.state}`);
      argv = withLogicalConntrack(argv, ct);
    }
  }

  /** The connection state an ofproto/trace leg traces: new, or the reply of what the forward legs on its node committed. */
  private async physicalDirection(leg: RunnableLeg, ready: Map<string, Promise<LegRun>>): Promise<ConntrackDirection & { initial?: number }> {
    const model = leg.physicalCt ?? { kind: 'new' };
    if (model.kind === 'new') return { kind: 'new' };
    const forward = await Promise.all(model.committedBy.map((id) => ready.get(id)));
    const traces = forward.map((r) => r?.evaluated.ofproto).filter((t): t is NonNullable<typeof t> => t !== undefined);
    const committed = mergeCommittedZones(traces.map(committedZones));
    const initial = traces.flatMap(conntrackSteps).length;
    return { kind: 'reply', committed, initial };
  }

  /**
   * Runs an ofproto/trace leg with the conntrack state each of its `ct` recirculations calls for
   * (drivers/ovs-common/conntrack-states.ts): traced, checked against the model on the path it
   * took, and traced again with the derived states until they are the ones it was given.
   */
  private async tracePhysical(
    leg: RunnableLeg,
    argv: string[],
    direction: ConntrackDirection & { initial?: number },
    runOnce: (argv: string[]) => Promise<CommandOutput>,
  ): Promise<{ out: CommandOutput; argv: string[]; trace: OfprotoTrace }> {
    const flow = argv.at(-1)!;
    // A reply starts from one established state per conntrack step its forward packet took on
    // this node (the reply meets the same zones); the check below corrects the guess.
    let states: string[] = direction.kind === 'reply' && direction.committed.size > 0 ? Array.from({ length: direction.initial ?? direction.committed.size }, () => 'est,rpl,trk') : [];
    for (let pass = 1; ; pass++) {
      argv = ofprotoTraceArgv(flow, states);
      const out = await runOnce(argv);
      const trace = parseOfprotoTrace(out.stdout, { stderr: out.stderr, exitCode: out.exitCode ?? undefined });
      const check = checkCtStates(trace, direction);
      if (check.settled || out.exitCode !== 0) return { out, argv, trace };
      if (pass >= MAX_CONNTRACK_PASSES) {
        this.warn(`${leg.tool} ${leg.description}: the conntrack states did not settle after ${pass} passes; the last trace is shown`);
        return { out, argv, trace };
      }
      this.log(5, `${leg.id}: the path meets ${check.steps.length} conntrack recirculation(s) (zones ${check.steps.map((s) => s.action.zone).join(', ')}); tracing again with --ct-next ${check.states.join(' ')}`);
      states = check.states;
    }
  }

  /** A leg that could not run: an informational or error leg with the reason. */
  private skippedLeg(leg: PlannedLeg, reason: string, verdict: Leg['verdict'] = 'inconclusive'): EvaluatedLeg {
    return {
      leg: {
        id: leg.id,
        tool: leg.tool,
        direction: leg.direction,
        node: leg.node,
        description: leg.description,
        from: leg.from,
        to: leg.to,
        verdict,
        reason: `not run: ${reason}`,
        observations: [],
        decisive: verdict === 'error' ? leg.decisive : false,
        durationMs: 0,
        warnings: [`${leg.tool} ${leg.description}: not run: ${reason}`],
      },
    };
  }

  /** Pod→IP legs succeed by leaving the pod network (localnet, management port or another node's egress). */
  private judgeLeaving(e: EvaluatedLeg): void {
    const leg = e.leg;
    if (e.ovnTrace) {
      const out = e.ovnTrace.outputs.find((o) => !o.generated && !o.continues && (o.type === 'localnet' || o.port.startsWith('k8s-') || o.port.startsWith('tstor-') || o.type === 'l3gateway'));
      if (out) {
        leg.verdict = 'left-cluster';
        const snat = e.ovnTrace.nat.find((n) => n.kind === 'snat');
        leg.reason = `out through "${out.port}"${out.type ? ` (type ${out.type})` : ''}${snat ? ` with SNAT ${snat.args ?? snat.action}` : ''}`;
        delete leg.drop;
      } else if (leg.verdict === 'delivered') {
        // Outputs on the way (patch ports, the join switch) are not a way out: without one of
        // those, the branch that ended decides (e.g. no route on the gateway router).
        const leaf = e.ovnTrace.dropLeaves.find((l) => !l.generated);
        leg.verdict = !leaf ? 'inconclusive' : leaf.reason === 'rejected' ? 'rejected' : leaf.reason === 'error' ? 'error' : 'dropped';
        const where = leaf?.table ? `${leaf.table.stage}${leaf.pipeline?.datapath ? ` of ${leaf.pipeline.datapath}` : ''}${leaf.table.uuid ? ` (uuid ${leaf.table.uuid})` : ''}` : 'a branch with no output';
        leg.reason = `never left the cluster: the traced packet ends at ${where}${leaf?.actions.length ? ` (${leaf.actions.join(' ')})` : ''}`;
        if (leg.verdict === 'dropped' || leg.verdict === 'rejected') leg.drop = { type: 'other', explanation: leg.reason };
        if (leaf) e.dropLeaf = leaf;
      }
    } else if (e.ofproto && leg.verdict === 'delivered') {
      // Delivered = reached the expected way out (the provider bridge's patch port in shared
      // gateway mode), or any output when no way out is known.
      leg.verdict = 'left-cluster';
      leg.reason = `forwarded (Datapath actions: ${e.ofproto.summary.datapathActions})`;
    }
  }

  private peer(ep: OvnPodEndpoint | undefined, label: string): AttributionPeer {
    if (!ep) return { label };
    const labels = this.podLabels.get(`${ep.namespace}/${ep.name}`);
    return { namespace: ep.namespace, name: ep.name, label: `${ep.namespace}/${ep.name}`, ...(labels ? { labels } : {}) };
  }

  /** Names the policy behind a drop (NB ACL owner, isolating NetworkPolicies). */
  private async attribute(e: EvaluatedLeg, plan: PlannedLeg, srcEp: OvnPodEndpoint, dstEp: OvnPodEndpoint | undefined): Promise<void> {
    const terminal = e.leg.observations.find((o) => o.terminal);
    const leafTable = e.dropLeaf?.table;
    const stage = leafTable?.stage ?? terminal?.stage ?? '';
    const uuid = leafTable?.uuid ?? terminal?.cookie;
    const acl = /acl/i.test(stage) || /acl/i.test(terminal?.stage ?? '');
    if (!uuid && !acl) return;
    const forwardish = plan.direction === 'forward';
    // A leg whose sender is not the source pod (a NodePort reached from another node arrives
    // SNATed to a node or join address) names that address, not the pod.
    const senderIsAddress = forwardish && plan.from !== srcEp.name && plan.from !== `${srcEp.namespace}/${srcEp.name}`;
    const sender = senderIsAddress ? { label: plan.from } : forwardish ? this.peer(srcEp, plan.from) : this.peer(dstEp, plan.from);
    const receiver = forwardish ? this.peer(dstEp, plan.to) : this.peer(srcEp, plan.to);
    // The port the ACL saw: after load balancing (the backend's), as the trace itself shows it.
    // A reply is still explained by the request's source port, as before.
    const seen = plan.direction === 'reply' ? undefined : e.ovnTrace ? policyPortOfOvnTrace(e.ovnTrace, e.dropLeaf, plan.argv) : e.ofproto ? policyPortOfOfprotoTrace(e.ofproto) : undefined;
    const port = seen ? seen.port : plan.direction === 'reply' ? this.request.packet.srcPort : this.request.packet.dstPort;
    const aclLog = e.dropLeaf?.aclLog;
    // What the dropping ACL logged (its name identifies the policy even without the NB).
    if (terminal && aclLog) terminal.detail = { ...terminal.detail, aclLog: { ...(aclLog.name ? { name: aclLog.name } : {}), verdict: aclLog.verdict, severity: aclLog.severity, direction: aclLog.direction } };
    try {
      const res = await new DropAttributor(this.ctx.kube(), this.ctx.signal).attribute(
        { ...(uuid ? { lflowUuid: uuid } : {}), stage, ...(leafTable?.match ? { match: leafTable.match } : {}), sender, receiver, protocol: this.request.packet.protocol, ...(port !== undefined ? { port } : {}), ...(aclLog ? { aclLog } : {}) },
        this.lookupRunner(plan.node),
      );
      for (const l of res?.lookups ?? []) this.log(5, `attribution: ${l}`);
      if (res) {
        e.leg.drop = res.drop;
        if (terminal && res.drop.type === 'rule') terminal.policy = res.drop.policy;
        if (terminal && res.drop.type === 'default-deny') terminal.isolatedBy = res.drop.isolatedBy;
        if (terminal && res.acl) terminal.detail = { ...terminal.detail, acl: res.acl };
      }
    } catch (err) {
      if (this.ctx.signal.aborted) throw err;
      this.warn(`could not name the policy behind the drop in ${plan.tool} ${plan.description}: ${(err as Error).message}`);
    }
  }

  /**
   * The runner for attribution's read-only NB/SB look-ups on a node. In a batch the same look-up
   * (the same dropping flow and ACL, hit by many traces) runs once for all of them.
   */
  private lookupRunner(node: string): CommandRunner {
    const runner = this.runners.get(node)!;
    const scope = this.ctx.scope;
    if (!scope) return runner;
    return {
      target: runner.target,
      run: (spec) => scope.shared(`ovn-kubernetes:lookup:${runner.target}:${spec.argv.join('\0')}`, () => runner.run({ ...spec, signal: scope.signal })),
    };
  }

  /**
   * Lines up logical and physical traces of the same packet: when ovn-trace and ofproto/trace
   * disagree on the outcome, says where (the logical stage of the OpenFlow table that dropped).
   */
  private correlate(results: EvaluatedLeg[]): void {
    const byKey = new Map<string, EvaluatedLeg[]>();
    for (const r of results) {
      if (!r.leg.decisive || r.leg.tool === 'ovn-detrace') continue;
      const key = `${r.leg.direction}|${r.leg.node}|${r.leg.description.replace(/^\(remote\) /, '')}`;
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    for (const group of byKey.values()) {
      const logical = group.find((g) => g.leg.tool === 'ovn-trace');
      const physical = group.find((g) => g.leg.tool !== 'ovn-trace');
      if (!logical || !physical) continue;
      const ok = (v: string) => v === 'delivered' || v === 'left-cluster';
      if (ok(logical.leg.verdict) === ok(physical.leg.verdict)) continue;
      const dropped = physical.leg.observations.find((o) => o.terminal) ?? logical.leg.observations.find((o) => o.terminal);
      this.warn(
        `logical and physical traces disagree for ${logical.leg.description}: ovn-trace says ${logical.leg.verdict}, ofproto/trace says ${physical.leg.verdict}` +
          (dropped ? ` (at ${dropped.stage}${dropped.cookie ? `, logical flow ${dropped.cookie}` : ''})` : '') +
          '; ovn-trace simulates conntrack with --ct, ofproto/trace with --ct-next, and only ofproto/trace sees the installed flows',
      );
    }
  }
}
