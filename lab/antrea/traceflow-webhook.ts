/**
 * The validating webhook `traceflowvalidator.antrea.io` of antrea-controller
 * (pkg/controller/traceflow/validate.go), as an admission hook of the lab API server: CREATE and
 * UPDATE of Traceflows are denied with Antrea's messages (reference §2.2).
 */
import { webhookDenied } from '../kube-api/api-errors.js';
import type { KubeObject } from '../kube-api/kube-object.js';
import type { AdmissionValidator, ObjectStore } from '../kube-api/object-store.js';
import type { TraceflowSpec } from './traceflow-packet.js';

/** Name of Antrea's Traceflow webhook. */
export const TRACEFLOW_WEBHOOK = 'traceflowvalidator.antrea.io';

/** The reason a Traceflow is denied, or undefined when it is allowed. */
export function traceflowDenial(tf: KubeObject, findPod: (namespace: string, name: string) => KubeObject | undefined): string | undefined {
  const spec = (tf.spec ?? {}) as TraceflowSpec;
  const src = spec.source ?? {};
  const dst = spec.destination ?? {};
  if (!spec.liveTraffic) {
    if (!src.namespace || !src.pod) return 'source Pod must be specified in non-live-traffic Traceflow';
    const pod = findPod(src.namespace, src.pod);
    if (!pod) return `requested source Pod ${src.namespace}/${src.pod} not found`;
    if ((pod.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork) return 'using hostNetwork Pod as source in non-live-traffic Traceflow is not supported';
  }
  if (!src.pod && !dst.pod) return `Traceflow ${tf.metadata.name ?? ''} has neither source nor destination Pod specified`;
  return undefined;
}

/** The admission hook for `traceflows.crd.antrea.io` (main resource only: status writes are not webhooked). */
export function traceflowWebhook(store: ObjectStore): AdmissionValidator {
  const pods = () => store.registry.lookup('', 'v1', 'pods')!;
  return (req) => {
    if (req.subresource || (req.operation !== 'CREATE' && req.operation !== 'UPDATE') || !req.object) return;
    const reason = traceflowDenial(req.object, (ns, name) => store.tryGet(pods(), ns, name));
    if (reason) throw webhookDenied(TRACEFLOW_WEBHOOK, { message: reason });
  };
}
