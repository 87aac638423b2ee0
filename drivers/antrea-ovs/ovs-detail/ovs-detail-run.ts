/**
 * Flow detail (log level ≥ 2): for every node that reported in the Traceflow, exec into that
 * node's antrea-agent pod (container `antrea-ovs`), name the tables from the node's own table
 * features, run `ofproto/trace` for the packet as it enters that node, and emit the pipeline as
 * an informational leg with the dropping flow highlighted. A missing container or tool is a
 * warning: the Traceflow result stands without it.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { TraceContext } from '../../../core/driver.js';
import { isIpAddress, isMacAddress, isOfport, isOvnName } from '../../../core/cluster-values.js';
import { CniTraceError, quoteValue } from '../../../core/errors.js';
import type { DriverEvent } from '../../../core/events.js';
import { podIpOfFamily } from '../../../core/kube/kube-client.js';
import type { Leg, Observation, TraceRequest, Verdict } from '../../../core/model.js';
import type { CommandOutput, CommandRunner } from '../../../core/runner/command-runner.js';
import { PodExecRunner, type PodExecTarget } from '../../../core/runner/pod-exec-runner.js';
import { describeDatapathActions, parseOfprotoTrace, parseTableFeatures } from '../../ovs-common/index.js';
import type { OfprotoTraceSummary } from '../../ovs-common/index.js';
import { checkCtStates, ctNextArgv } from '../../ovs-common/conntrack-states.js';
import { decodeAntreaPacketIn } from './antrea-packet-in.js';
import { isSenderReport, orderReports, reportRole } from '../traceflow/observation-normalize.js';
import type { Traceflow, TraceflowNodeResult } from '../traceflow/traceflow-types.js';
import { GLOBAL_VIRTUAL_MAC, TABLE_FEATURES_ARGV, ofprotoFlow, ofprotoTraceArgv, type PipelineEntry, type PipelinePacket } from './ofproto-flow.js';
import { GATEWAY_INTERFACE, LIST_INTERFACES_ARGV, TUNNEL_INTERFACE, interfaceNamed, parseInterfaces, podInterface, type OvsInterface } from './ovs-interfaces.js';
import { pipelineObservations } from './pipeline-annotation.js';

/** Label selector of the antrea-agent pods. */
export const ANTREA_AGENT_SELECTOR = 'app=antrea,component=antrea-agent';
/** The agent pod's container that ships OVS. */
export const OVS_CONTAINER = 'antrea-ovs';
/** Bound on the conntrack passes of one node's trace (Antrea's pipeline has two or three ct recirculations). */
const MAX_CONNTRACK_PASSES = 6;
/** Source port traced when neither the request nor the captured packet has one. */
const DEFAULT_SRC_PORT = 10000;

/** Options of the flow detail. */
export interface OvsDetailOptions {
  /** Runs commands in an agent pod's container (default: Kubernetes exec). */
  runnerFactory?: (target: PodExecTarget) => CommandRunner;
  /** Per-command timeout. Default 20 s. */
  commandTimeoutMs?: number;
}

/** What the pipeline traces need about the endpoints. */
interface Endpoints {
  srcIp?: string;
  dstIp?: string;
  srcPod?: { namespace: string; name: string; node?: string };
  dstPod?: { namespace: string; name: string; node?: string };
}

/** Finds the IPs and pods of the traced packet: captured packet first, then the Traceflow, then the API. */
async function endpoints(tf: Traceflow, request: TraceRequest, ctx: TraceContext): Promise<Endpoints> {
  const kube = ctx.kube();
  const family = request.packet.family;
  const out: Endpoints = {};
  const captured = tf.status?.capturedPacket;
  const spoof = (tf.status?.results ?? []).flatMap((r) => r.observations ?? []).find((o) => o.component === 'SpoofGuard' && o.srcPodIP);
  const podOf = (p: V1Pod) => ({ namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '', ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}) });
  const src = request.source;
  if (src?.kind === 'pod') {
    const pod = await kube.getPod(src.namespace, src.name).catch(() => undefined);
    if (pod) {
      out.srcPod = podOf(pod);
      out.srcIp = podIpOfFamily(pod, family);
    }
  } else if (src?.kind === 'ip') out.srcIp = src.ip;
  const dst = request.destination;
  if (dst.kind === 'pod') {
    const pod = await kube.getPod(dst.namespace, dst.name).catch(() => undefined);
    if (pod) {
      out.dstPod = podOf(pod);
      out.dstIp = podIpOfFamily(pod, family);
    }
  } else if (dst.kind === 'service') {
    const svc = await kube.getService(dst.namespace, dst.name).catch(() => undefined);
    const ips = svc?.spec?.clusterIPs ?? (svc?.spec?.clusterIP ? [svc.spec.clusterIP] : []);
    out.dstIp = ips.find((ip) => ip !== 'None' && (family === 'ip6') === ip.includes(':'));
  } else out.dstIp = dst.ip;
  out.srcIp = captured?.srcIP ?? spoof?.srcPodIP ?? out.srcIp;
  out.dstIp = captured?.dstIP ?? out.dstIp;
  return out;
}

/** The packet, with NAT applied when the node receives it after load balancing on the sender. */
function packetFor(request: TraceRequest, tf: Traceflow, ep: Endpoints, afterNat: boolean): PipelinePacket | undefined {
  const lb = (tf.status?.results ?? []).flatMap((r) => r.observations ?? []).find((o) => o.component === 'LB');
  const srcIp = afterNat && lb?.translatedSrcIP ? lb.translatedSrcIP : ep.srcIp;
  const dstIp = afterNat && lb?.translatedDstIP ? lb.translatedDstIP : ep.dstIp;
  if (!srcIp || !dstIp) return undefined;
  const captured = tf.status?.capturedPacket?.transportHeader;
  const p = request.packet;
  const l4 = captured?.tcp ?? captured?.udp;
  return {
    family: p.family,
    protocol: p.protocol,
    srcIp,
    dstIp,
    ...(p.protocol !== 'icmp' ? { srcPort: l4?.srcPort ?? p.srcPort ?? DEFAULT_SRC_PORT } : {}),
    ...(p.protocol !== 'icmp' && (l4?.dstPort ?? p.dstPort) !== undefined ? { dstPort: l4?.dstPort ?? p.dstPort } : {}),
    ...(p.protocol === 'tcp' ? { tcpFlags: captured?.tcp?.flags ?? p.tcpFlags ?? 2 } : {}),
    ttl: p.ttl,
  };
}

/** Why a flow built from these values cannot be traced (a value OVS would misread), or undefined. */
export function unusableFlowValue(entry: PipelineEntry, packet: PipelinePacket): string | undefined {
  const port = entry.inPort;
  if (typeof port === 'number' ? !isOfport(port) : !isOvnName(port)) return `in_port ${quoteValue(port)} is not an OpenFlow port or interface name`;
  if (!isMacAddress(entry.srcMac)) return `source MAC ${quoteValue(entry.srcMac)} is not a MAC address`;
  if (!isMacAddress(entry.dstMac)) return `destination MAC ${quoteValue(entry.dstMac)} is not a MAC address`;
  if (!isIpAddress(packet.srcIp, packet.family)) return `source address ${quoteValue(packet.srcIp)} is not an ${packet.family === 'ip6' ? 'IPv6' : 'IPv4'} address`;
  if (!isIpAddress(packet.dstIp, packet.family)) return `destination address ${quoteValue(packet.dstIp)} is not an ${packet.family === 'ip6' ? 'IPv6' : 'IPv4'} address`;
  return undefined;
}

/**
 * The verdict of a node's pipeline. A hand-off to the agent is judged by Antrea's packet-in
 * userdata (v1.12+): a reject operation (or a Service reject) is answered by the agent, logging
 * or store-deny alone forwards nothing (the rule dropped the packet), anything else (Traceflow,
 * DNS, IGMP) is not a delivery. Agents without userdata fall back to the flows' own words.
 */
export function legVerdict(summary: Pick<OfprotoTraceSummary, 'outcome' | 'controllers'>, observations: readonly Observation[]): Verdict {
  switch (summary.outcome) {
    case 'drop':
      return 'dropped';
    case 'output':
    case 'tunnel':
      return 'delivered';
    case 'controller': {
      const purposes = summary.controllers.map((c) => c.purpose);
      if (purposes.some((p) => p?.effect === 'reject')) return 'rejected';
      if (purposes.length && purposes.every((p) => p?.effect === 'log')) return 'dropped';
      if (purposes.some((p) => p !== undefined)) return 'inconclusive';
      // No userdata (Antrea before v1.12): the Reject rule's flows say so in their registers.
      return observations.some((o) => /reject/i.test(`${o.description ?? ''} ${o.flow ?? ''}`)) ? 'rejected' : 'inconclusive';
    }
    case 'error':
      return 'error';
    default:
      return 'inconclusive';
  }
}

/** Runs the flow detail for every node of a finished Traceflow and emits one leg per node. */
export async function runOvsDetail(tf: Traceflow, request: TraceRequest, ctx: TraceContext, emit: (e: DriverEvent) => void, options: OvsDetailOptions): Promise<void> {
  const warn = (message: string) => emit({ type: 'log', level: 0, message, warning: true });
  const kube = ctx.kube();
  const reports = orderReports(tf.status?.results ?? []);
  const nodes: Array<{ node: string; report: TraceflowNodeResult }> = [];
  for (const r of reports) if (r.node && !nodes.some((n) => n.node === r.node)) nodes.push({ node: r.node, report: r });
  let ep: Endpoints;
  try {
    ep = await endpoints(tf, request, ctx);
  } catch (err) {
    warn(`OVS flow detail skipped: ${(err as Error).message}`);
    return;
  }
  const timeoutMs = options.commandTimeoutMs ?? 20_000;
  const factory = options.runnerFactory ?? ((t: PodExecTarget) => new PodExecRunner(kube.config, t));

  const legs = await Promise.all(
    nodes.map(async ({ node, report }): Promise<Leg | undefined> => {
      const t0 = performance.now();
      const pods = await kube.listPods({ labelSelector: ANTREA_AGENT_SELECTOR, fieldSelector: `spec.nodeName=${node}` }).catch((err: Error) => {
        warn(`OVS flow detail for ${node} skipped: cannot list antrea-agent pods (${err.message})`);
        return undefined;
      });
      if (!pods) return undefined;
      const agent = pods[0];
      if (!agent?.metadata?.name || !agent.metadata.namespace) {
        warn(`OVS flow detail for ${node} skipped: no antrea-agent pod (label ${ANTREA_AGENT_SELECTOR}) on that node`);
        return undefined;
      }
      if (!(agent.spec?.containers ?? []).some((c) => c.name === OVS_CONTAINER)) {
        warn(`OVS flow detail for ${node} skipped: antrea-agent pod ${agent.metadata.namespace}/${agent.metadata.name} has no "${OVS_CONTAINER}" container`);
        return undefined;
      }
      const runner = factory({ namespace: agent.metadata.namespace, pod: agent.metadata.name, container: OVS_CONTAINER });
      const run = (argv: string[]) => runner.run({ argv, timeoutMs, signal: ctx.signal });
      let features: CommandOutput;
      let listing: CommandOutput;
      try {
        [features, listing] = await Promise.all([run(TABLE_FEATURES_ARGV), run(LIST_INTERFACES_ARGV)]);
      } catch (err) {
        if (ctx.signal.aborted) return undefined;
        warn(`OVS flow detail for ${node} skipped: ${err instanceof CniTraceError ? err.message : String(err)}`);
        return undefined;
      }
      const tableNames = features.exitCode === 0 ? parseTableFeatures(features.stdout) : new Map<number, string>();
      if (features.exitCode !== 0) warn(`${node}: "${TABLE_FEATURES_ARGV.join(' ')}" exited with ${features.exitCode} (${features.stderr.trim()}); tables are shown by number`);
      let interfaces: OvsInterface[] = [];
      try {
        if (listing.exitCode === 0) interfaces = parseInterfaces(listing.stdout);
        else warn(`${node}: listing OVS interfaces failed (exit ${listing.exitCode}: ${listing.stderr.trim()})`);
      } catch (err) {
        warn(`${node}: cannot read the OVS interface list: ${(err as Error).message}`);
      }
      ctx.log(5, `${node}: ${tableNames.size} named OpenFlow tables, ${interfaces.length} OVS interfaces (in ${runner.target})`);

      const sender = isSenderReport(report);
      let entry: PipelineEntry | undefined;
      let why = '';
      if (sender && ep.srcPod) {
        const iface = podInterface(interfaces, ep.srcPod.namespace, ep.srcPod.name);
        const gw = interfaceNamed(interfaces, GATEWAY_INTERFACE);
        const dstLocal = ep.dstPod && ep.dstPod.node === node ? podInterface(interfaces, ep.dstPod.namespace, ep.dstPod.name) : undefined;
        const dstMac = dstLocal?.mac ?? gw?.mac;
        if (iface?.mac && dstMac) entry = { inPort: iface.ofport ?? iface.name, srcMac: iface.mac, dstMac };
        else why = !iface ? `no OVS interface with external_ids pod-name=${ep.srcPod.name}, pod-namespace=${ep.srcPod.namespace}` : !iface.mac ? `interface ${iface.name} has no MAC` : `no ${GATEWAY_INTERFACE} MAC`;
      } else if (!sender) {
        const tun = interfaceNamed(interfaces, TUNNEL_INTERFACE);
        if (tun) entry = { inPort: tun.ofport ?? tun.name, srcMac: GLOBAL_VIRTUAL_MAC, dstMac: GLOBAL_VIRTUAL_MAC };
        else why = `no ${TUNNEL_INTERFACE} interface (noEncap mode is not traced from the tunnel)`;
      } else why = 'the source pod is unknown';
      const packet = packetFor(request, tf, ep, !sender);
      if (!packet) why ||= 'the packet\'s addresses are unknown';
      // Values from the node's OVS and the pods' status go into the flow: each must be what OVS
      // parses, or the detail is skipped naming it (the Traceflow's own verdict stands).
      if (entry && packet) why = unusableFlowValue(entry, packet) ?? '';
      if (why && entry && packet) entry = undefined;
      if (!entry || !packet) {
        warn(`OVS flow detail for ${node} skipped: ${why}`);
        return undefined;
      }
      const flow = ofprotoFlow(entry, packet);
      const tun = interfaceNamed(interfaces, TUNNEL_INTERFACE);
      const parse = (o: CommandOutput) =>
        parseOfprotoTrace(o.stdout, {
          stderr: o.stderr,
          controllerUserdata: decodeAntreaPacketIn,
          ...(o.exitCode !== null ? { exitCode: o.exitCode } : {}),
          ...(tun?.ofport ? { tunnelPorts: [tun.ofport] } : {}),
        });
      // The Traceflow's packet opens a new connection: each conntrack recirculation of its path
      // gets the state the model derives for it (trk,new; +dnat after EndpointDNAT's
      // ct(commit,nat(dst=...))), found by tracing until the states given are the ones derived
      // (drivers/ovs-common/conntrack-states.ts); each pass fixes at least one more recirculation.
      let argv = ofprotoTraceArgv(flow);
      let out: CommandOutput;
      let trace: ReturnType<typeof parseOfprotoTrace>;
      try {
        for (let pass = 1; ; pass++) {
          out = await run(argv);
          trace = parse(out);
          const check = checkCtStates(trace, { kind: 'new' });
          if (check.settled || out.exitCode !== 0 || pass >= MAX_CONNTRACK_PASSES) break;
          const [tool, command, ...rest] = ofprotoTraceArgv(flow);
          argv = [tool!, command!, ...ctNextArgv(check.states), ...rest];
        }
      } catch (err) {
        if (ctx.signal.aborted) return undefined;
        warn(`OVS flow detail for ${node} skipped: ${err instanceof CniTraceError ? err.message : String(err)}`);
        return undefined;
      }
      const observations = pipelineObservations(trace, tableNames, node);
      const s = trace.summary;
      const verdict = legVerdict(s, observations);
      // A hand-off that ends the packet (reject, or logging with nothing forwarded) ends at the
      // flow that sent it to the agent.
      const endsAtController = s.outcome === 'controller' && (verdict === 'rejected' || verdict === 'dropped') ? observations.at(-1) : undefined;
      if (endsAtController) {
        endsAtController.terminal = true;
        endsAtController.action = verdict;
      }
      const dropAt = observations.find((o) => o.terminal);
      const handoffs = s.controllers.map((c) => c.purpose?.detail ?? c.purpose?.name).filter(Boolean).join('; ');
      const reason =
        s.outcome === 'error'
          ? trace.errors.join('; ') || s.translationFailed || `ofproto/trace exited with ${out.exitCode}`
          : s.outcome === 'controller' && verdict === 'rejected'
            ? `handed to the antrea-agent${dropAt ? ` by ${dropAt.stage}` : ''}${handoffs ? ` (${handoffs})` : ''}, which answers the Reject rule (Datapath actions: ${s.datapathActions})`
            : s.outcome === 'controller'
              ? `handed to the antrea-agent${handoffs ? ` for ${handoffs}` : ''}${verdict === 'dropped' ? '; nothing is forwarded' : ''} (Datapath actions: ${s.datapathActions})`
              : s.outcome === 'drop'
                ? `the datapath drops the packet${dropAt ? ` after ${dropAt.stage}${dropAt.cookie ? ` (cookie ${dropAt.cookie})` : ''}` : ''}${s.translationFailed ? ` (translation failed: ${s.translationFailed})` : ''} (Datapath actions: ${s.datapathActions ?? 'drop'})`
                : `${describeDatapathActions(s)} (Datapath actions: ${s.datapathActions ?? '(none)'})`;
      return {
        id: `ofproto/trace/${node}`,
        tool: 'ofproto/trace',
        direction: 'forward',
        node,
        description: `pipeline of ${node} (${reportRole(report)})`,
        verdict,
        reason,
        observations,
        decisive: false,
        command: { argv, target: runner.target, exitCode: out.exitCode, durationMs: Math.round(out.durationMs) },
        rawOutput: out.stdout + (out.stderr ? `\n${out.stderr}` : ''),
        durationMs: Math.round(performance.now() - t0),
        ...(trace.errors.length ? { warnings: trace.errors.map((e) => `${node}: ofproto/trace: ${e}`) } : {}),
      };
    }),
  );
  for (const leg of legs) {
    if (!leg) continue;
    emit({ type: 'leg-started', legId: leg.id, tool: leg.tool, direction: leg.direction, ...(leg.node ? { node: leg.node } : {}), description: leg.description });
    for (const observation of leg.observations) emit({ type: 'observation', legId: leg.id, observation });
    emit({ type: 'leg-finished', leg });
  }
}
