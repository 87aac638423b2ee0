/**
 * The lab's Traceflow controller: antrea-controller and the antrea-agents of every node in one
 * store subscriber. It allocates dataplane tags (7, 11, …, 59; the phase stays empty when all 14
 * are taken), moves Traceflows to Running, and computes each node's result from the lab's real
 * OVS: `ovs-appctl ofproto/trace` on the sending node's br-int from the source pod's port, then on
 * the receiving node from `antrea-tun0` when the packet is tunnelled. Results are appended through
 * the status subresource; the success rule, `Traceflow timeout`, agent errors
 * (`Node: <node>, error: <msg>`) and live-traffic capture follow reference §4.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../kube-api/kube-object.js';
import type { ObjectStore, StoreEvent } from '../kube-api/object-store.js';
import type { ResourceInfo } from '../kube-api/resource-registry.js';
import { runCommand } from '../process/run-command.js';
import type { Scenario, ScenarioLiveConnection } from '../scenario/scenario-types.js';
import { BRIDGE } from './antrea-names.js';
import { ANTREA_CRD_GROUP } from './antrea-crds.js';
import { parseOfprotoTrace } from './ofproto-trace-reader.js';
import type { AntreaPodPort } from './pipeline-plan.js';
import { planPolicyRules, type PolicyRule } from './policy-rule-plan.js';
import { observationsFromTrace, type NodeObservations, type Observation } from './traceflow-observations.js';
import { buildInjectedPacket, ephemeralPort, isIPv4, receiverFlow, senderFlow, type ResolvedDestination, type TracePacket, type TraceflowSpec } from './traceflow-packet.js';

/** What the controller needs to know about a node (plain data: also sent to the API daemon). */
export interface AntreaNodeView {
  name: string;
  nodeIP: string;
  podSubnet: string;
  gatewayIP: string;
  gatewayMac: string;
  /** Host path of the node's OVS run directory (OVS_RUNDIR for ovs-appctl). */
  ovsRunDir: string;
  ports: AntreaPodPort[];
}

/** Configuration of the in-lab Antrea control plane (JSON-serialisable). */
export interface AntreaControlPlaneConfig {
  scenario: Scenario;
  nodes: AntreaNodeView[];
  /** How often Running Traceflows are checked for timeout (Antrea: 10 s; lab default 1 s). */
  timeoutCheckIntervalMs?: number;
  /** Delay before the sender injects when the destination is on the same node (Antrea: 100 ms). */
  localInjectDelayMs?: number;
  /** Delay before the sender injects otherwise (Antrea: 2 s; lab default 300 ms). */
  remoteInjectDelayMs?: number;
  /** Delay between a node's report and the next node's (tunnel hop; default 150 ms). */
  hopDelayMs?: number;
}

/** Runs `ofproto/trace` on a node and returns its text. */
export type NodeTracer = (node: AntreaNodeView, flow: string) => Promise<string>;

/** The real tracer: `ovs-appctl ofproto/trace br-int <flow>` against the node's vswitchd. */
export const ovsAppctlTracer: NodeTracer = async (node, flow) =>
  (await runCommand(['ovs-appctl', 'ofproto/trace', BRIDGE, flow], { env: { OVS_RUNDIR: node.ovsRunDir }, timeoutMs: 15_000 })).stdout;

/** Dataplane tags: DSCP local-use pool `0bxxxx11`, 7 … 59. */
export const TRACEFLOW_TAGS: readonly number[] = Array.from({ length: 14 }, (_, i) => 7 + 4 * i);
/** Default `spec.timeout` (DefaultTraceflowTimeout). */
export const DEFAULT_TRACEFLOW_TIMEOUT_S = 20;

interface NodeResult {
  node: string;
  timestamp: number;
  observations: Observation[];
}

interface TraceflowStatus {
  phase?: 'Running' | 'Succeeded' | 'Failed';
  reason?: string;
  startTime?: string;
  dataplaneTag?: number;
  results?: NodeResult[];
  capturedPacket?: Record<string, unknown>;
}

interface Job {
  uid: string;
  name: string;
  tag: number;
  startMs: number;
  cancelled: boolean;
  timers: NodeJS.Timeout[];
  /** Live traffic: set once a connection was captured. */
  captured: boolean;
  /** Whether the agents were started for this trace. */
  begun: boolean;
  work: Set<Promise<void>>;
}

const RECEIVER_ACTIONS = new Set(['Delivered', 'Dropped', 'Rejected', 'ForwardedOutOfNetwork', 'ForwardedOutOfOverlay']);
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const protoNumber = { TCP: 6, UDP: 17, ICMP: 1 } as const;

/** The controller. Create it with the API server's store, then `start()`; `stop()` before the server stops. */
export class TraceflowController {
  private readonly tags = new Map<number, string>();
  private readonly jobs = new Map<string, Job>();
  private readonly pending = new Set<string>();
  private readonly queued = new Set<string>();
  private readonly rules: PolicyRule[];
  private unsubscribe?: () => void;
  private ticker?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly config: AntreaControlPlaneConfig,
    private readonly tracer: NodeTracer = ovsAppctlTracer,
    private readonly log: (message: string) => void = () => {},
  ) {
    this.rules = planPolicyRules(config.scenario).rules;
  }

  /** Subscribes to the store and starts the periodic timeout check. */
  start(): void {
    this.unsubscribe = this.store.subscribe((ev) => this.onEvent(ev));
    const res = this.res();
    for (const tf of res ? this.store.list(res).items : []) {
      const st = (tf.status ?? {}) as TraceflowStatus;
      if (st.phase === 'Running' && st.dataplaneTag) this.tags.set(st.dataplaneTag, tf.metadata.uid!);
      this.enqueue(tf.metadata.name!);
    }
    this.ticker = setInterval(() => this.tick(), this.config.timeoutCheckIntervalMs ?? 1000);
    this.ticker.unref();
  }

  /** Stops: no more writes; waits for traces in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.ticker) clearInterval(this.ticker);
    const inflight: Promise<void>[] = [];
    for (const job of this.jobs.values()) {
      job.cancelled = true;
      for (const t of job.timers) clearTimeout(t);
      inflight.push(...job.work);
    }
    await Promise.allSettled(inflight);
  }

  private res(): ResourceInfo | undefined {
    return this.store.registry.lookup(ANTREA_CRD_GROUP, 'v1beta1', 'traceflows');
  }

  private onEvent(ev: StoreEvent): void {
    if (ev.group !== ANTREA_CRD_GROUP || ev.plural !== 'traceflows') return;
    const name = ev.object.metadata.name!;
    if (ev.type === 'DELETED') {
      this.release(ev.object.metadata.uid!);
      this.pending.delete(name);
      return;
    }
    this.enqueue(name);
  }

  /** Handles a Traceflow outside the store's event delivery (writes from a subscriber nest otherwise). */
  private enqueue(name: string): void {
    if (this.stopped || this.queued.has(name)) return;
    this.queued.add(name);
    setImmediate(() => {
      this.queued.delete(name);
      if (this.stopped) return;
      try {
        this.sync(name);
      } catch (err) {
        this.log(`traceflow ${name}: ${(err as Error).message}`);
      }
    });
  }

  private tick(): void {
    for (const name of this.pending) this.enqueue(name);
    const res = this.res();
    if (!res) return;
    for (const tf of this.store.list(res).items) if ((tf.status as TraceflowStatus | undefined)?.phase === 'Running') this.enqueue(tf.metadata.name!);
  }

  private sync(name: string): void {
    const res = this.res();
    const tf = res && this.store.tryGet(res, undefined, name);
    if (!res || !tf) return;
    const uid = tf.metadata.uid!;
    const status = (tf.status ?? {}) as TraceflowStatus;
    switch (status.phase ?? '') {
      case '': {
        const tag = TRACEFLOW_TAGS.find((t) => !this.tags.has(t));
        if (tag === undefined) {
          // antrea-controller: "number of on-going Traceflow operations already reached the upper
          // limit: 59"; the item is re-queued and the phase stays empty.
          this.pending.add(name);
          return;
        }
        this.pending.delete(name);
        this.tags.set(tag, uid);
        const now = Date.now();
        this.jobs.set(uid, { uid, name, tag, startMs: now, cancelled: false, timers: [], captured: false, begun: false, work: new Set() });
        this.writeStatus(tf, (s) => ({ ...s, phase: 'Running', startTime: s.startTime ?? rfc3339(now), dataplaneTag: tag }));
        return;
      }
      case 'Running': {
        let job = this.jobs.get(uid);
        if (!job && status.dataplaneTag) {
          // Running before this controller started (e.g. restored): adopt it.
          const start = Date.parse(status.startTime ?? tf.metadata.creationTimestamp ?? '') || Date.now();
          job = { uid, name, tag: status.dataplaneTag, startMs: start, cancelled: false, timers: [], captured: false, begun: false, work: new Set() };
          this.jobs.set(uid, job);
          this.tags.set(status.dataplaneTag, uid);
        }
        if (job && !job.begun) {
          job.begun = true;
          this.beginAgents(tf, job);
        }
        this.checkStatus(tf, job);
        return;
      }
      default:
        this.release(uid);
    }
  }

  private release(uid: string): void {
    const job = this.jobs.get(uid);
    if (job) {
      job.cancelled = true;
      for (const t of job.timers) clearTimeout(t);
      this.jobs.delete(uid);
    }
    let freed = false;
    for (const [tag, owner] of this.tags) {
      if (owner === uid) {
        this.tags.delete(tag);
        freed = true;
      }
    }
    if (freed) for (const name of this.pending) this.enqueue(name);
  }

  /** antrea-controller's `checkTraceflowStatus`: success rule, pod names on LB observations, timeout. */
  private checkStatus(tf: KubeObject, job: Job | undefined): void {
    const spec = (tf.spec ?? {}) as TraceflowSpec;
    const status = (tf.status ?? {}) as TraceflowStatus;
    const results = status.results ?? [];
    const all = results.flatMap((r) => r.observations ?? []);
    const sender = all.some((o) => o.component === 'SpoofGuard');
    const receiver = all.some((o) => RECEIVER_ACTIONS.has(o.action));
    const succeeded = spec.liveTraffic && spec.droppedOnly ? results.length > 0 : (sender && receiver) || (receiver && !spec.source?.pod);
    if (succeeded) {
      this.writeStatus(tf, (s) => ({ ...s, phase: 'Succeeded', results: (s.results ?? []).map((r) => ({ ...r, observations: (r.observations ?? []).map((o) => this.withPod(o)) })) }));
      return;
    }
    const start = job?.startMs ?? (Date.parse(status.startTime ?? tf.metadata.creationTimestamp ?? '') || Date.now());
    const timeoutS = spec.timeout && spec.timeout > 0 ? spec.timeout : DEFAULT_TRACEFLOW_TIMEOUT_S;
    if (Date.now() > start + timeoutS * 1000) this.writeStatus(tf, (s) => ({ ...s, phase: 'Failed', reason: 'Traceflow timeout' }));
  }

  private withPod(o: Observation): Observation {
    if (!o.translatedDstIP || o.pod) return o;
    const pods = this.store.registry.lookup('', 'v1', 'pods')!;
    const pod = this.store.list(pods, { fieldSelector: `status.podIP=${o.translatedDstIP}` }).items[0];
    if (!pod) return o;
    // Keep Go's declaration order: component, componentInfo, action, pod, ...
    const { component, componentInfo, action, ...rest } = o;
    return { component, ...(componentInfo ? { componentInfo } : {}), action, pod: `${pod.metadata.namespace}/${pod.metadata.name}`, ...rest };
  }

  /** Writes status through the status subresource (schema-validated like an agent's UpdateStatus). */
  private writeStatus(tf: KubeObject, mutate: (s: TraceflowStatus) => TraceflowStatus): boolean {
    const res = this.res();
    if (!res || this.stopped) return false;
    const current = this.store.tryGet(res, undefined, tf.metadata.name!);
    if (!current || current.metadata.uid !== tf.metadata.uid) return false;
    const next = mutate(structuredClone((current.status ?? {}) as TraceflowStatus));
    this.store.update(res, { ...current, status: next as Record<string, unknown> }, { subresource: 'status' });
    return true;
  }

  /** The current object while `job` is still the Running trace it was started for. */
  private stillRunning(job: Job): KubeObject | undefined {
    if (job.cancelled || this.stopped) return undefined;
    const res = this.res();
    const tf = res && this.store.tryGet(res, undefined, job.name);
    if (!tf || tf.metadata.uid !== job.uid || (tf.status as TraceflowStatus | undefined)?.phase !== 'Running') return undefined;
    return tf;
  }

  private track(job: Job, p: Promise<void>): void {
    const w = p.catch((err: unknown) => this.log(`traceflow ${job.name}: ${(err as Error).message}`)).finally(() => job.work.delete(w));
    job.work.add(w);
  }

  private beginAgents(tf: KubeObject, job: Job): void {
    const spec = (tf.spec ?? {}) as TraceflowSpec;
    if (spec.liveTraffic) this.beginLive(spec, job);
    else this.track(job, this.inject(tf, spec, job));
  }

  private appendResult(job: Job, node: string, observations: Observation[], captured?: Record<string, unknown>): void {
    const tf = this.stillRunning(job);
    if (!tf) return;
    this.writeStatus(tf, (s) => ({
      ...s,
      results: [...(s.results ?? []), { node, timestamp: Math.floor(Date.now() / 1000), observations }],
      ...(captured ? { capturedPacket: captured } : {}),
    }));
  }

  private failAgent(job: Job, node: string, message: string): void {
    const tf = this.stillRunning(job);
    if (tf) this.writeStatus(tf, (s) => ({ ...s, phase: 'Failed', reason: `Node: ${node}, error: ${message}` }));
  }

  private nodeOfPod(namespace: string, name: string): { node: AntreaNodeView; port: AntreaPodPort } | undefined {
    for (const node of this.config.nodes) {
      const port = node.ports.find((p) => p.pod.namespace === namespace && p.pod.name === name);
      if (port) return { node, port };
    }
    return undefined;
  }

  /** Non-live: the sender agent prepares the packet, injects it, every node reports what it saw. */
  private async inject(tf: KubeObject, spec: TraceflowSpec, job: Job): Promise<void> {
    const pods = this.store.registry.lookup('', 'v1', 'pods')!;
    const services = this.store.registry.lookup('', 'v1', 'services')!;
    const src = spec.source ?? {};
    const srcPod = this.store.tryGet(pods, src.namespace, src.pod ?? '');
    const senderName = (srcPod?.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
    const located = this.nodeOfPod(src.namespace ?? '', src.pod ?? '');
    // Only the agent of the source pod's node acts; a pod without an OVS port has no agent to.
    if (!srcPod || !located) return;
    const podIPs = ((srcPod.status as { podIPs?: Array<{ ip: string }> } | undefined)?.podIPs ?? []).map((p) => p.ip);
    const srcIP = podIPs.find((ip) => isIPv4(ip));
    if (spec.packet?.ipv6Header) return this.failAgent(job, senderName, 'source Pod does not have an IPv6 address');
    if (!srcIP) return this.failAgent(job, senderName, 'source Pod does not have an IPv4 address');
    const dst = spec.destination ?? {};
    let resolved: ResolvedDestination;
    if (dst.pod) {
      const dstPod = this.store.tryGet(pods, dst.namespace, dst.pod);
      if (!dstPod) return this.failAgent(job, senderName, `failed to get the destination Pod: pods "${dst.pod}" not found`);
      const ip = ((dstPod.status as { podIPs?: Array<{ ip: string }> } | undefined)?.podIPs ?? []).map((p) => p.ip).find((x) => isIPv4(x));
      if (!ip) return this.failAgent(job, senderName, 'destination Pod does not have an IPv4 address');
      resolved = { ip };
    } else if (dst.service) {
      const svc = this.store.tryGet(services, dst.namespace, dst.service);
      if (!svc) return this.failAgent(job, senderName, `failed to get the destination Service: services "${dst.service}" not found`);
      const sspec = (svc.spec ?? {}) as { clusterIP?: string; ports?: Array<{ port: number; protocol?: string }> };
      if (!sspec.clusterIP || sspec.clusterIP === 'None') return this.failAgent(job, senderName, 'destination Service does not have a ClusterIP');
      if (!isIPv4(sspec.clusterIP)) return this.failAgent(job, senderName, 'destination Service does not have an IPv4 ClusterIP');
      const port = sspec.ports?.[0];
      if (!port) return this.failAgent(job, senderName, 'destination Service does not have any ports');
      resolved = { ip: sspec.clusterIP, servicePort: { protocol: (port.protocol ?? 'TCP') as 'TCP', port: port.port } };
    } else if (dst.ip) {
      if (!isIPv4(dst.ip)) return this.failAgent(job, senderName, String(dst.ip).includes(':') ? 'destination IP does not match the IP header family' : 'invalid destination IP address');
      resolved = { ip: dst.ip };
    } else return this.failAgent(job, senderName, 'destination is not specified');
    const localDst = located.node.ports.find((p) => p.ip === resolved.ip);
    if (localDst) resolved.localMac = localDst.mac;
    const packet = buildInjectedPacket(spec, { ip: srcIP, mac: located.port.mac }, resolved, located.node.gatewayMac, job.tag, `${job.uid}/src-port`);
    await sleep(localDst ? (this.config.localInjectDelayMs ?? 100) : (this.config.remoteInjectDelayMs ?? 300));
    if (!this.stillRunning(job)) return;
    await this.followPacket(job, packet, located.node, located.port.ofport, { report: 'all', srcPodIP: srcIP });
  }

  /**
   * Traces a packet from a pod port through the sender and, when tunnelled, the receiver, and
   * reports per node. Returns what each node saw (for live traffic's filtering).
   */
  private async traceNodes(packet: TracePacket, sender: AntreaNodeView, inPort: number, srcPodIP: string): Promise<Array<{ node: AntreaNodeView; seen: NodeObservations; packet: TracePacket; role: 'sender' | 'receiver'; trace: ReturnType<typeof parseOfprotoTrace> }>> {
    const out: Array<{ node: AntreaNodeView; seen: NodeObservations; packet: TracePacket; role: 'sender' | 'receiver'; trace: ReturnType<typeof parseOfprotoTrace> }> = [];
    const sTrace = parseOfprotoTrace(await this.tracer(sender, senderFlow(packet, inPort)));
    const sSeen = observationsFromTrace(sTrace, { role: 'sender', srcPodIP, gatewayIP: sender.gatewayIP, rules: this.rules });
    out.push({ node: sender, seen: sSeen, packet, role: 'sender', trace: sTrace });
    if (sSeen.outcome.kind === 'tunnel') {
      const tunnelDst = sSeen.outcome.tunnelDstIP;
      const receiver = this.config.nodes.find((n) => n.nodeIP === tunnelDst);
      if (receiver) {
        const { flow, packet: rPacket } = receiverFlow(packet, sTrace.finalFields, sender.nodeIP, tunnelDst);
        const rTrace = parseOfprotoTrace(await this.tracer(receiver, flow));
        out.push({ node: receiver, seen: observationsFromTrace(rTrace, { role: 'receiver', gatewayIP: receiver.gatewayIP, rules: this.rules }), packet: rPacket, role: 'receiver', trace: rTrace });
      }
    }
    return out;
  }

  private async followPacket(job: Job, packet: TracePacket, sender: AntreaNodeView, inPort: number, opts: { report: 'all'; srcPodIP: string }): Promise<void> {
    const nodes = await this.traceNodes(packet, sender, inPort, opts.srcPodIP);
    for (const [i, n] of nodes.entries()) {
      if (i > 0) await sleep(this.config.hopDelayMs ?? 150);
      if (n.seen.observations.length > 0) this.appendResult(job, n.node.name, n.seen.observations);
    }
  }

  // --- live traffic ----------------------------------------------------------------------------

  private beginLive(spec: TraceflowSpec, job: Job): void {
    const conns = (this.config.scenario.liveTraffic ?? []).filter((c) => this.liveMatches(spec, c));
    for (const c of conns) {
      const at = job.startMs + (c.startAfterSeconds ?? 1) * 1000;
      const timer = setTimeout(() => {
        if (job.captured || !this.stillRunning(job)) return;
        this.track(job, this.captureLive(spec, job, c));
      }, Math.max(0, at - Date.now()));
      timer.unref();
      job.timers.push(timer);
    }
  }

  private podOf(key: string) {
    const [ns, name] = key.split('/');
    return this.config.scenario.pods.find((p) => p.namespace === ns && p.name === name);
  }

  private connDstIP(c: ScenarioLiveConnection): string | undefined {
    return c.to.includes('/') ? this.podOf(c.to)?.ip : c.to;
  }

  /** Whether a live connection is what a live Traceflow's spec asks for. */
  private liveMatches(spec: TraceflowSpec, c: ScenarioLiveConnection): boolean {
    const src = spec.source ?? {};
    const dst = spec.destination ?? {};
    const from = this.podOf(c.from);
    if (src.pod && c.from !== `${src.namespace}/${src.pod}`) return false;
    if (src.ip && from?.ip !== src.ip) return false;
    const dstIP = this.connDstIP(c);
    if (dst.pod) {
      const pod = this.podOf(`${dst.namespace}/${dst.pod}`);
      if (!pod || dstIP !== pod.ip) return false;
    } else if (dst.service) {
      const svc = (this.config.scenario.services ?? []).find((s) => s.namespace === dst.namespace && s.name === dst.service);
      if (!svc || dstIP !== svc.clusterIP) return false;
    } else if (dst.ip && dst.ip !== dstIP) return false;
    const proto = protoNumber[c.protocol ?? 'TCP'];
    const th = spec.packet?.transportHeader ?? {};
    const wantProto = th.tcp ? 6 : th.udp ? 17 : th.icmp ? 1 : spec.packet?.ipHeader?.protocol;
    if (wantProto && wantProto !== proto) return false;
    const ports = th.tcp ?? th.udp;
    if (ports?.dstPort && ports.dstPort !== c.dstPort) return false;
    if (ports?.srcPort && c.srcPort !== undefined && ports.srcPort !== c.srcPort) return false;
    return true;
  }

  /** The first packet of a new live connection: traced like an injected one, reported per §4.2. */
  private async captureLive(spec: TraceflowSpec, job: Job, c: ScenarioLiveConnection): Promise<void> {
    const from = this.podOf(c.from)!;
    const located = this.nodeOfPod(from.namespace, from.name);
    const dstIP = this.connDstIP(c);
    if (!located || !dstIP) return;
    const protocol = protoNumber[c.protocol ?? 'TCP'];
    const localDst = located.node.ports.find((p) => p.ip === dstIP);
    const packet: TracePacket = {
      srcIP: from.ip!,
      dstIP,
      protocol,
      ttl: 64,
      dscp: 0,
      srcMac: located.port.mac,
      dstMac: localDst?.mac ?? located.node.gatewayMac,
      ...(protocol === 1
        ? { icmpId: ephemeralPort(`${job.uid}/${c.from}/icmp`) % 65536, icmpSequence: 1 }
        : { srcPort: c.srcPort ?? ephemeralPort(`${job.uid}/${c.from}/${c.to}`), dstPort: c.dstPort, ...(protocol === 6 ? { tcpFlags: 2 } : {}) }),
    };
    const nodes = await this.traceNodes(packet, located.node, located.port.ofport, from.ip!);
    if (job.captured || !this.stillRunning(job)) return;
    const receiverOnly = !spec.source?.pod;
    let reports: Array<{ node: string; observations: Observation[]; packet: TracePacket }>;
    if (receiverOnly) {
      // Only the destination pod's node traces (its flow matches the destination MAC in
      // L2ForwardingCalc): it sees what happens from there on.
      const last = nodes.at(-1)!;
      const dstNode = this.config.nodes.find((n) => n.ports.some((p) => p.ip === dstIP));
      if (!dstNode || last.node.name !== dstNode.name) return;
      const reached = last.trace.steps.some((s) => s.table >= 21);
      if (!reached) return;
      const seen = last.role === 'receiver' ? last.seen : observationsFromTrace(last.trace, { role: 'receiver', gatewayIP: last.node.gatewayIP, rules: this.rules });
      const observations = seen.observations.filter((o) => o.component !== 'LB' && !(o.componentInfo ?? '').startsWith('Egress'));
      reports = [{ node: dstNode.name, observations, packet: last.packet }];
    } else reports = nodes.map((n) => ({ node: n.node.name, observations: n.seen.observations, packet: n.packet }));
    if (spec.droppedOnly) reports = reports.filter((r) => r.observations.some((o) => o.action === 'Dropped' || o.action === 'Rejected'));
    reports = reports.filter((r) => r.observations.length > 0);
    if (reports.length === 0) return;
    job.captured = true;
    for (const t of job.timers) clearTimeout(t);
    for (const [i, r] of reports.entries()) {
      if (i > 0) await sleep(this.config.hopDelayMs ?? 150);
      this.appendResult(job, r.node, r.observations, i === 0 ? capturedPacket(r.packet) : undefined);
    }
  }
}

/** `status.capturedPacket` of a live packet (Linux sizes: TCP SYN 60, UDP 60, ICMP echo 84). */
export function capturedPacket(p: TracePacket): Record<string, unknown> {
  const transportHeader =
    p.protocol === 6
      ? { tcp: { srcPort: p.srcPort, dstPort: p.dstPort, flags: p.tcpFlags ?? 2 } }
      : p.protocol === 17
        ? { udp: { srcPort: p.srcPort, dstPort: p.dstPort } }
        : { icmp: { id: p.icmpId, sequence: p.icmpSequence } };
  return { srcIP: p.srcIP, dstIP: p.dstIP, length: p.protocol === 1 ? 84 : 60, ipHeader: { protocol: p.protocol, ttl: p.ttl, flags: 2 }, transportHeader };
}
