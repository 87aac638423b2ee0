import type { DependencyContainer } from 'tsyringe';

/**
 * The composition root's list of built-in drivers. Each is imported lazily so `--help` does not
 * load them; the core itself never imports a driver.
 */
export async function registerBuiltinDrivers(container: DependencyContainer): Promise<void> {
  const { registerOvnDriver } = await import('../drivers/ovn/index.js');
  registerOvnDriver(container);
}
