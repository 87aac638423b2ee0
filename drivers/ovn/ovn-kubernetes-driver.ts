import 'reflect-metadata';
import type { V1Pod } from '@kubernetes/client-node';
import { Observable } from 'rxjs';
import { inject, injectable } from 'tsyringe';
import type { ClusterContext, DriverDetection, TraceContext, TraceDriver } from '../../core/driver.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { DriverEvent } from '../../core/events.js';
import type { KubeClient } from '../../core/kube/kube-client.js';
import type { TraceRequest } from '../../core/model.js';
import { LocalCommandRunner } from '../../core/runner/local-command-runner.js';
import { PodExecRunner } from '../../core/runner/pod-exec-runner.js';
import { ShellSessionRunner } from '../../core/runner/shell-session-runner.js';
import { OVNKUBE_NODE_LABEL } from './ovn-k-names.js';
import { OvnTraceRun, type NodeRunnerFactory } from './ovn-trace-run.js';

/** How long the pod list of detection may stand in for discovery's own look-up. */
const DETECTION_REUSE_MS = 30_000;

/** tsyringe token of the OVN driver's options. */
export const OVN_DRIVER_OPTIONS = 'cni-trace:OvnDriverOptions';

/** Options of the OVN-Kubernetes driver. */
export interface OvnDriverOptions {
  /**
   * How to run tools on a node when the request asks for local mode (`--local`): the default runs
   * them as local processes (cni-trace running on the node itself). The lab passes a runner that
   * enters the emulated node.
   */
  localRunnerFactory?: NodeRunnerFactory;
}

/**
 * The OVN-Kubernetes driver: ovn-trace, ovs-appctl ofproto/trace and ovn-detrace in both
 * directions, correlated, with the dropping NetworkPolicy named. Does everything ovnkube-trace
 * does, with a true reply trace, the receiving node's OVS pipeline and every leg run.
 */
@injectable()
export class OvnKubernetesDriver implements TraceDriver {
  readonly id = 'ovn-kubernetes';
  readonly aliases = ['ovn', 'ovnk', 'ovn-k8s', 'ovnkubernetes'] as const;
  readonly description = 'OVN-Kubernetes (ovn-trace, ofproto/trace, ovn-detrace)';

  /**
   * The ovnkube-node pods detection listed, kept for the trace that follows on this instance
   * (the container builds a driver per trace), so discovery does not list them again. Used once,
   * by a trace on the same client, and only while fresh (a driver registered as a single value
   * may serve many traces).
   */
  private detected: { kube: KubeClient; pods: V1Pod[]; at: number } | undefined;

  constructor(@inject(OVN_DRIVER_OPTIONS) private readonly options: OvnDriverOptions = {}) {}

  async detect(cluster: ClusterContext): Promise<DriverDetection> {
    const kube = cluster.kube();
    const list = () => kube.listPods({ labelSelector: OVNKUBE_NODE_LABEL });
    // A batch (scope) lists the ovnkube-node pods once for all its traces.
    const pods = await (cluster.scope ? cluster.scope.shared('ovn-kubernetes:ovnkube-pods', list) : list());
    this.detected = { kube, pods, at: Date.now() };
    if (pods.length === 0) return { applies: false, reason: 'no pods labelled app=ovnkube-node' };
    const namespaces = [...new Set(pods.map((p) => p.metadata?.namespace))].join(', ');
    return { applies: true, reason: `found ${pods.length} pod(s) labelled app=ovnkube-node in ${namespaces}` };
  }

  validate(request: TraceRequest): void {
    if (request.mode === 'live') throw new InvalidArgumentError('live-traffic', 'OVN-Kubernetes traces are simulations; --live-traffic needs Antrea');
    if (request.droppedOnly) throw new InvalidArgumentError('dropped-only', '--dropped-only needs Antrea live traffic');
    if (!request.source || request.source.kind !== 'pod') throw new InvalidArgumentError('src', 'OVN-Kubernetes traces start at a source pod (--src)');
  }

  trace(request: TraceRequest, context: TraceContext): Observable<DriverEvent> {
    return new Observable<DriverEvent>((subscriber) => {
      const local = request.options?.local === true;
      const factory: NodeRunnerFactory = local
        ? (this.options.localRunnerFactory ?? ((node) => new LocalCommandRunner({ label: `local (${node.name})` })))
        : // The node's short commands share one bash there instead of one exec each.
          (node, signal) => new ShellSessionRunner(new PodExecRunner(context.kube().config, node.tools), { signal });
      const detected = this.detected;
      this.detected = undefined;
      const ovnkubePods = detected && detected.kube === context.kube() && Date.now() - detected.at < DETECTION_REUSE_MS ? detected.pods : undefined;
      const run = new OvnTraceRun(request, context, factory, (e) => subscriber.next(e), ovnkubePods ? { ovnkubePods } : {});
      run.run().then(
        () => subscriber.complete(),
        (err) => subscriber.error(err),
      );
    });
  }
}
