/**
 * The OVN-Kubernetes driver (`cni-trace/drivers/ovn`). Register it with
 * {@link registerOvnDriver} in the container given to `trace()`.
 */
import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import { TRACE_DRIVER } from '../../core/driver.js';
import { OVN_DRIVER_OPTIONS, OvnKubernetesDriver, type OvnDriverOptions } from './ovn-kubernetes-driver.js';

export { OvnKubernetesDriver, OVN_DRIVER_OPTIONS, type OvnDriverOptions } from './ovn-kubernetes-driver.js';
export type { NodeRunnerFactory } from './ovn-trace-run.js';
export type { OvnNode } from './discovery/cluster-discovery.js';

/** Registers the OVN-Kubernetes driver (and its options) in a tsyringe container. */
export function registerOvnDriver(container: DependencyContainer, options: OvnDriverOptions = {}): void {
  container.register(OVN_DRIVER_OPTIONS, { useValue: options });
  container.register(TRACE_DRIVER, { useClass: OvnKubernetesDriver });
}
