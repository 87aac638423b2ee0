import 'reflect-metadata';
import { Observable } from 'rxjs';
import { inject, injectable } from 'tsyringe';
import type { ClusterContext, DriverDetection, TraceContext, TraceDriver } from '../../core/driver.js';
import type { DriverEvent } from '../../core/events.js';
import type { TraceRequest } from '../../core/model.js';
import { ANTREA_AGENT_SELECTOR } from './ovs-detail/ovs-detail-run.js';
import { servedTraceflowVersion } from './traceflow/traceflow-client.js';
import { validateTraceflowRequest } from './traceflow/traceflow-spec.js';
import { TRACEFLOW_RESOURCE } from './traceflow/traceflow-types.js';
import { TraceflowRun, type TraceflowRunOptions } from './traceflow-run.js';

/** tsyringe token of the Antrea driver's options. */
export const ANTREA_DRIVER_OPTIONS = 'cni-trace:AntreaDriverOptions';

/** Options of the Antrea driver (see {@link TraceflowRunOptions}). */
export type AntreaDriverOptions = TraceflowRunOptions;

/**
 * The Antrea driver: a Traceflow (injected packet or live traffic) created, watched and deleted
 * for the user, its node reports streamed as observation trees, drops attributed to the rule or
 * the isolating NetworkPolicies, and at log level ≥ 2 each node's OVS pipeline from ofproto/trace.
 */
@injectable()
export class AntreaDriver implements TraceDriver {
  readonly id = 'antrea';
  readonly aliases = ['antrea-ovs'] as const;
  readonly description = 'Antrea (Traceflow, with ofproto/trace flow detail)';

  constructor(@inject(ANTREA_DRIVER_OPTIONS) private readonly options: AntreaDriverOptions = {}) {}

  async detect(cluster: ClusterContext): Promise<DriverDetection> {
    const kube = cluster.kube();
    const pods = await kube.listPods({ labelSelector: ANTREA_AGENT_SELECTOR });
    if (pods.length > 0) {
      const namespaces = [...new Set(pods.map((p) => p.metadata?.namespace))].join(', ');
      return { applies: true, reason: `found ${pods.length} antrea-agent pod(s) (${ANTREA_AGENT_SELECTOR}) in ${namespaces}` };
    }
    const version = await servedTraceflowVersion(kube).catch(() => undefined);
    if (version) return { applies: true, reason: `the API serves ${TRACEFLOW_RESOURCE}/${version}` };
    return { applies: false, reason: `no antrea-agent pods (${ANTREA_AGENT_SELECTOR}) and no ${TRACEFLOW_RESOURCE} served` };
  }

  validate(request: TraceRequest): void {
    // An existing Traceflow is rendered as it is: its own spec was validated when it was created.
    if (typeof request.options?.traceflow === 'string') return;
    validateTraceflowRequest(request);
  }

  trace(request: TraceRequest, context: TraceContext): Observable<DriverEvent> {
    return new Observable<DriverEvent>((subscriber) => {
      const run = new TraceflowRun(request, context, (e) => subscriber.next(e), this.options);
      run.run().then(
        () => subscriber.complete(),
        (err) => subscriber.error(err),
      );
    });
  }
}
