import type { DependencyContainer } from 'tsyringe';
import type { KubeClient } from '../core/kube/kube-client.js';
import type { TraceRequest } from '../core/model.js';

/**
 * The composition root's list of built-in drivers. Each is imported lazily so `--help` does not
 * load them; the core itself never imports a driver.
 */
export async function registerBuiltinDrivers(container: DependencyContainer): Promise<void> {
  const [{ registerOvnDriver }, { registerAntreaDriver }] = await Promise.all([import('../drivers/ovn/index.js'), import('../drivers/antrea-ovs/index.js')]);
  registerOvnDriver(container);
  registerAntreaDriver(container);
}

/**
 * `--traceflow NAME`: reads the existing Antrea Traceflow and returns the request it stands for
 * (endpoints and packet from its spec), which the Antrea driver then follows and renders
 * without creating anything. Lives here because only the composition root may import a driver.
 */
export async function requestForExistingTraceflow(kube: KubeClient, name: string, base: TraceRequest): Promise<TraceRequest> {
  const { TraceflowClient, requestFromTraceflow, checkTraceflowObject } = await import('../drivers/antrea-ovs/index.js');
  const { NotFoundError } = await import('../core/errors.js');
  const client = await TraceflowClient.discover(kube);
  const tf = await client.get(name);
  if (!tf) throw new NotFoundError('traceflow', name, undefined, 'check the name with "kubectl get traceflows"');
  // Checked before its spec becomes the request (TRACEFLOW_MALFORMED names a bad field).
  return requestFromTraceflow(checkTraceflowObject(tf), { ...(base.cni ? { cni: base.cni } : {}), ...(base.options ? { options: base.options } : {}) });
}
