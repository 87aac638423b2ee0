/**
 * One Antrea trace: create the Traceflow (or take an existing one), follow it through a watch,
 * stream each node report as a leg the moment it arrives, decide the verdict, optionally add
 * each node's OVS pipeline (log level ≥ 2), and make sure the Traceflow is deleted however the
 * trace ends.
 */
import { stringify } from 'yaml';
import type { TraceContext } from '../../core/driver.js';
import { CniTraceError, ForbiddenError, NotFoundError } from '../../core/errors.js';
import type { DriverEvent } from '../../core/events.js';
import type { Leg, ResolvedEndpoint, TraceRequest } from '../../core/model.js';
import { endpointLabel } from '../../core/endpoint-label.js';
import { requirePodAddress, requireServiceAddress } from '../../core/endpoint-address.js';
import { checkTraceflowObject } from './traceflow/traceflow-shape.js';
import type { OvsDetailOptions } from './ovs-detail/ovs-detail-run.js';
import { isSenderReport } from './traceflow/observation-normalize.js';
import { TraceflowClient, type FollowStats } from './traceflow/traceflow-client.js';
import {
  defaultRuleDrop,
  evaluateTraceflow,
  expectsSenderReport,
  nodeReportLeg,
  type EvaluationContext,
  type IsolationFacts,
} from './traceflow/traceflow-evaluation.js';
import { buildTraceflow, traceflowName } from './traceflow/traceflow-spec.js';
import { isFinalPhase, type Traceflow, type TraceflowNodeResult } from './traceflow/traceflow-types.js';

/** Options of a {@link TraceflowRun}. */
export interface TraceflowRunOptions {
  /** Random source of the name suffix (tests pin it). */
  random?: () => number;
  /**
   * Time the trace waits for the Traceflow beyond its `spec.timeout`, in ms. antrea-controller
   * checks timeouts only every 10 s, so its own "Traceflow timeout" can come that much later.
   * Default 11 s (the core gives up at 15 s).
   */
  deadlineGraceMs?: number;
  /** Interval of the GET fallback when watching is forbidden. Default 1 s. */
  pollIntervalMs?: number;
  /** How the per-node OVS detail runs (level ≥ 2). */
  ovsDetail?: OvsDetailOptions;
}

const DEFAULT_GRACE_MS = 11_000;

/**
 * A request whose Service backend is pinned (`request.backend`, one trace per backend of
 * `--all-backends`), rewritten with that backend as the destination on its endpoint port: the
 * Traceflow CRD has no field that forces AntreaProxy's choice for a Service destination.
 */
export function backendAsDestination(request: TraceRequest): TraceRequest {
  const b = request.backend;
  if (!b || request.destination.kind !== 'service') return request;
  const { backend: _pinned, ...rest } = request;
  return {
    ...rest,
    destination: b.pod ? { kind: 'pod', namespace: b.pod.namespace, name: b.pod.name } : { kind: 'ip', ip: b.ip },
    packet: { ...request.packet, ...(b.port !== undefined && request.packet.protocol !== 'icmp' ? { dstPort: b.port } : {}) },
  };
}

/** One Traceflow-based trace. */
export class TraceflowRun {
  private readonly seenIds = new Map<string, number>();
  private readonly legs: Leg[] = [];
  private reported = 0;
  private senderSeen = false;
  private readonly held: TraceflowNodeResult[] = [];
  private chain: Promise<void> = Promise.resolve();
  private latest: Traceflow | undefined;
  private lastPhase: string | undefined;
  private createdAt = performance.now();
  private isolation: Promise<IsolationFacts | undefined> | undefined;
  /** The check of a Traceflow state that failed (raised once the follow ended). */
  private malformed: unknown;

  /** The request as the Traceflow is built from it (a pinned Service backend becomes the destination). */
  private readonly request: TraceRequest;
  /** The request as given (a Service destination stays a Service). */
  private readonly asked: TraceRequest;

  constructor(
    request: TraceRequest,
    private readonly ctx: TraceContext,
    private readonly emit: (e: DriverEvent) => void,
    private readonly options: TraceflowRunOptions = {},
  ) {
    this.asked = request;
    this.request = backendAsDestination(request);
  }

  private warn(message: string): void {
    this.emit({ type: 'log', level: 0, message, warning: true });
  }

  private evaluationContext(extra: Partial<EvaluationContext> = {}): EvaluationContext {
    return {
      request: this.request,
      sourceLabel: endpointLabel(this.request.source) ?? 'any',
      destinationLabel: endpointLabel(this.request.destination) ?? 'unknown',
      ...extra,
    };
  }

  async run(): Promise<void> {
    const { request, ctx } = this;
    const kube = ctx.kube();
    const existing = typeof request.options?.traceflow === 'string' ? request.options.traceflow : undefined;
    // The pods are read before anything is created: a missing pod, or one without an address of
    // the traced family (`-D fd00::5` on an IPv4-only cluster), is refused (exit 2) as the OVN
    // driver refuses it, instead of a Traceflow that can only fail.
    const [client] = await Promise.all([TraceflowClient.discover(kube), existing ? Promise.resolve() : this.checkPods()]);
    ctx.log(5, `Traceflow API: ${client.apiVersion}`);
    if (ctx.signal.aborted) return;

    const keep = request.options?.keep === true;
    let initial: Traceflow;
    if (existing) {
      const found = await client.get(existing);
      if (!found) throw new NotFoundError('traceflow', existing, undefined, 'check the name with "kubectl get traceflows"');
      initial = checkTraceflowObject(found);
      ctx.log(2, `rendering existing Traceflow ${existing}${found.status?.phase ? ` (phase ${found.status.phase})` : ''}`);
    } else {
      const body = buildTraceflow(request, client.apiVersion, traceflowName(request, this.options.random));
      const name = body.metadata.name;
      ctx.log(5, `Traceflow to create: ${JSON.stringify(body)}`);
      const creating = client.create(body);
      // Registered before the create settles: an interrupt during the call still deletes the
      // object once it exists (the clean-up waits for the create to finish).
      if (!keep) {
        ctx.addCleanup(async () => {
          try {
            await creating;
          } catch (err) {
            // Refused: nothing exists. Any other failure (no answer in time, a dropped
            // connection) may have come after the server created it: delete by name anyway.
            if (err instanceof CniTraceError && err.exitCode === 2) return;
            if (err instanceof ForbiddenError) return;
          }
          await client.delete(name);
        });
      }
      initial = checkTraceflowObject(await creating);
      this.createdAt = performance.now();
      ctx.log(2, `created Traceflow ${name}${keep ? ' (kept after the trace: --keep)' : ''}`);
    }
    const name = initial.metadata.name;
    this.emit({ type: 'resolved', cni: 'antrea', ...this.resolvedEndpoints(initial) });

    // Local deadline: the Traceflow's timeout plus the controller's check latency.
    const local = new AbortController();
    const stopLocal = () => local.abort();
    ctx.signal.addEventListener('abort', stopLocal, { once: true });
    const timeoutSeconds = initial.spec.timeout ?? request.timeoutSeconds;
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      local.abort();
    }, timeoutSeconds * 1000 + (this.options.deadlineGraceMs ?? DEFAULT_GRACE_MS));
    let end;
    const stats: FollowStats = { watches: 0, failedWatches: 0, observed: 0 };
    try {
      end = this.onUpdate(initial) ? 'finished' : await client.follow({
        stats,
        name,
        ...(initial.metadata.resourceVersion ? { resourceVersion: initial.metadata.resourceVersion } : {}),
        signal: local.signal,
        onUpdate: (tf) => this.onUpdate(tf),
        log: (level, message) => ctx.log(level, message),
        ...(this.options.pollIntervalMs !== undefined ? { pollIntervalMs: this.options.pollIntervalMs } : {}),
      });
    } finally {
      clearTimeout(deadline);
      ctx.signal.removeEventListener('abort', stopLocal);
    }
    if (ctx.signal.aborted) return;
    if (this.malformed) throw this.malformed;

    const final = this.latest ?? initial;
    // Reports held back waiting for the sender's are shown now, in arrival order.
    for (const r of this.held.splice(0)) this.queueReport(r, final);
    await this.chain;

    if (end === 'deleted') {
      this.emit({ type: 'native', native: { kind: 'traceflow', apiVersion: client.apiVersion, object: final as unknown as Record<string, unknown> } });
      this.emit({ type: 'verdict', verdict: 'error', reason: `Traceflow ${name} was deleted by someone else before it finished` });
      return;
    }
    const isolation = await this.isolationFacts(final);
    // The phase is "pending" only if the API server said so: a Traceflow whose state never came
    // back (every watch failed) is unknown.
    const unobserved = !existing && stats.observed === 0 && stats.failedWatches > 0 ? `${stats.watches} watch request(s), ${stats.failedWatches} failed; last: ${stats.lastProblem ?? 'no answer'}` : undefined;
    const outcome = evaluateTraceflow(
      final,
      this.evaluationContext({
        ...(timedOut && !isFinalPhase(final.status?.phase) ? { localTimeoutSeconds: timeoutSeconds } : {}),
        ...(unobserved ? { unobserved } : {}),
        ...(isolation ? { isolation } : {}),
      }),
    );
    if (ctx.logLevel >= 2 && (final.status?.results?.length ?? 0) > 0) {
      const { runOvsDetail } = await import('./ovs-detail/ovs-detail-run.js');
      await runOvsDetail(final, request, ctx, this.emit, this.options.ovsDetail ?? {});
    }
    this.emit({ type: 'native', native: { kind: 'traceflow', apiVersion: client.apiVersion, object: final as unknown as Record<string, unknown> } });
    this.announceBackend(final);
    this.emit({ type: 'verdict', verdict: outcome.verdict, reason: outcome.reason, ...(outcome.drop ? { drop: outcome.drop } : {}) });
  }

  /**
   * For a Service destination, says which backend was traced and why: a pinned backend was the
   * Traceflow's destination itself; otherwise AntreaProxy chose it for the injected packet, as
   * the Traceflow's LB observation reports (`translatedDstIP`, `pod`).
   */
  private announceBackend(tf: Traceflow): void {
    const asked = this.asked;
    if (asked.destination.kind !== 'service') return;
    const pinned = asked.backend;
    if (pinned) {
      this.emit({
        type: 'backend',
        backend: {
          ...pinned,
          method: 'backend-as-destination',
          why: `traced as the Traceflow's destination ${pinned.pod ? `pod ${pinned.pod.namespace}/${pinned.pod.name}` : `IP ${pinned.ip}`}${pinned.port !== undefined ? ` on port ${pinned.port}` : ''}: a Traceflow cannot pin a Service's endpoint (spec.destination is one of a pod, a Service or an IP), so AntreaProxy's load balancing is not part of this trace`,
        },
      });
      return;
    }
    const lb = (tf.status?.results ?? []).flatMap((r) => r.observations ?? []).find((o) => o.component === 'LB' && o.translatedDstIP);
    if (!lb?.translatedDstIP) return;
    const [ns, name] = (lb.pod ?? '').split('/');
    this.emit({
      type: 'backend',
      backend: {
        ip: lb.translatedDstIP,
        ...(ns && name ? { pod: { namespace: ns, name } } : {}),
        method: 'load-balancer',
        why: "chosen by AntreaProxy for the injected packet (the Traceflow's LB observation); it balances each new connection, so another one may go to another backend — --all-backends traces each",
      },
    });
  }

  /** The source and destination pods (or Service) exist and have an address of the traced family. */
  private async checkPods(): Promise<void> {
    const kube = this.ctx.kube();
    const { source, destination, packet } = this.request;
    // Read in parallel, reported in order (source first), so the same mistake always gives the same message.
    const checks = await Promise.allSettled([
      source?.kind === 'pod' ? kube.requirePod(source.namespace, source.name).then((pod) => requirePodAddress(pod, packet.family, 'src')) : undefined,
      destination.kind === 'pod' ? kube.requirePod(destination.namespace, destination.name).then((pod) => requirePodAddress(pod, packet.family, 'dst')) : undefined,
      destination.kind === 'service' ? kube.requireService(destination.namespace, destination.name).then((svc) => requireServiceAddress(svc, packet.family)) : undefined,
    ]);
    for (const c of checks) if (c.status === 'rejected') throw c.reason;
  }

  /** Takes a new state of the Traceflow; returns true when it is final. */
  private onUpdate(raw: Traceflow): boolean {
    // Checked where it is read: a malformed status (timestamp out of range, observations that
    // are not a list) ends the follow and is raised after it as a typed TRACEFLOW_MALFORMED
    // error, never an internal one (nothing is thrown into the watch's callback).
    let tf: Traceflow;
    try {
      tf = checkTraceflowObject(raw);
    } catch (err) {
      this.malformed = err;
      return true;
    }
    this.latest = tf;
    const phase = tf.status?.phase;
    if (phase !== this.lastPhase) {
      this.lastPhase = phase;
      this.ctx.log(2, `Traceflow ${tf.metadata.name}: phase ${phase ?? '(none yet: waiting for antrea-controller)'}${tf.status?.dataplaneTag ? `, dataplane tag ${tf.status.dataplaneTag}` : ''}${tf.status?.reason ? `, reason "${tf.status.reason}"` : ''}`);
    }
    const results = tf.status?.results ?? [];
    for (; this.reported < results.length; this.reported++) this.takeReport(results[this.reported]!, tf);
    return isFinalPhase(phase);
  }

  /** Streams a report now, or holds it until the sender's report, so the path reads in order. */
  private takeReport(result: TraceflowNodeResult, tf: Traceflow): void {
    const waitForSender = expectsSenderReport(this.request) && !this.request.droppedOnly && !this.senderSeen;
    if (isSenderReport(result)) this.senderSeen = true;
    if (waitForSender && !isSenderReport(result)) {
      this.held.push(result);
      return;
    }
    this.queueReport(result, tf);
    if (isSenderReport(result)) for (const r of this.held.splice(0)) this.queueReport(r, tf);
  }

  private queueReport(result: TraceflowNodeResult, tf: Traceflow): void {
    this.chain = this.chain.then(() => this.emitReport(result, tf));
  }

  private async emitReport(result: TraceflowNodeResult, tf: Traceflow): Promise<void> {
    const base = `traceflow/${result.node ?? 'unknown'}`;
    const n = (this.seenIds.get(base) ?? 0) + 1;
    this.seenIds.set(base, n);
    const id = n === 1 ? base : `${base}#${n}`;
    const isolation = (result.observations ?? []).some((o) => o.componentInfo === 'IngressDefaultRule' || o.componentInfo === 'EgressDefaultRule') ? await this.isolationFacts(tf) : undefined;
    const leg = nodeReportLeg(result, { id, traceflowName: tf.metadata.name, tf, ctx: this.evaluationContext(isolation ? { isolation } : {}) });
    leg.durationMs = Math.round(performance.now() - this.createdAt);
    leg.rawOutput = stringify(result, { lineWidth: 0 });
    this.emit({ type: 'leg-started', legId: id, tool: leg.tool, direction: leg.direction, ...(leg.node ? { node: leg.node } : {}), description: leg.description });
    for (const observation of leg.observations) this.emit({ type: 'observation', legId: id, observation });
    this.emit({ type: 'leg-finished', leg });
    this.legs.push(leg);
  }

  /**
   * For a default-rule drop: the isolated pod's labels and its namespace's NetworkPolicies, read
   * once. Missing permissions or objects only make the attribution less precise (a warning).
   */
  private isolationFacts(tf: Traceflow): Promise<IsolationFacts | undefined> {
    const target = defaultRuleDrop(tf, this.request);
    if (!target?.pod) return Promise.resolve(undefined);
    const pod = target.pod;
    this.isolation ??= (async () => {
      const kube = this.ctx.kube();
      const dst = this.request.destination;
      const [podObj, policies, service] = await Promise.all([
        kube.getPod(pod.namespace, pod.name).catch((err: Error) => {
          this.warn(`cannot read pod ${pod.namespace}/${pod.name} to name the isolating NetworkPolicies: ${err.message}`);
          return undefined;
        }),
        kube.listNetworkPolicies(pod.namespace).catch((err: Error) => {
          this.warn(`cannot list NetworkPolicies in ${pod.namespace} to name the isolating ones: ${err.message}`);
          return undefined;
        }),
        // Behind a Service the policy saw the endpoint's port: read it from the EndpointSlices.
        dst.kind === 'service'
          ? Promise.all([kube.getService(dst.namespace, dst.name), kube.listEndpointSlices(dst.namespace, dst.name)]).then(
              ([object, endpointSlices]) => ({ object, endpointSlices }),
              (err: Error) => {
                this.warn(`cannot read service ${dst.namespace}/${dst.name} and its EndpointSlices to name the endpoint port the policy saw: ${err.message}`);
                return undefined;
              },
            )
          : Promise.resolve(undefined),
      ]);
      return {
        pod: { ...pod, ...(podObj ? { labels: podObj.metadata?.labels ?? {} } : {}) },
        ...(policies ? { policies } : {}),
        ...(service ? { service } : {}),
      };
    })();
    return this.isolation;
  }

  /** Endpoints as the Traceflow names them (no extra API calls). */
  private resolvedEndpoints(tf: Traceflow): { source?: ResolvedEndpoint; destination?: ResolvedEndpoint } {
    const detail = { traceflow: tf.metadata.name };
    return {
      ...(this.request.source ? { source: { ref: this.request.source, ...(this.request.source.kind === 'ip' ? { ip: this.request.source.ip } : {}), detail } } : {}),
      destination: { ref: this.request.destination, ...(this.request.destination.kind === 'ip' ? { ip: this.request.destination.ip } : {}) },
    };
  }
}
