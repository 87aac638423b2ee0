import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { DriverSelectionError } from './errors.js';
import { TRACE_DRIVER, type ClusterContext, type DriverDetection, type TraceDriver } from './driver.js';

/** A driver with its detection answer. */
export interface DetectedDriver {
  driver: TraceDriver;
  detection: DriverDetection;
}

/** Resolves the drivers registered in a tsyringe container and picks the one for a cluster. */
export class DriverRegistry {
  constructor(private readonly container: DependencyContainer = rootContainer) {}

  /** Every registered driver, in registration order. */
  all(): TraceDriver[] {
    if (!this.container.isRegistered(TRACE_DRIVER, true)) return [];
    return this.container.resolveAll(TRACE_DRIVER);
  }

  /** Finds a driver by id or alias (case-insensitive). */
  find(name: string): TraceDriver | undefined {
    const wanted = name.toLowerCase();
    return this.all().find((d) => d.id.toLowerCase() === wanted || d.aliases?.some((a) => a.toLowerCase() === wanted));
  }

  /**
   * Picks the driver: the one named by `cni` (unless `auto`), else the only one whose detection
   * applies. None or several applying is an error that lists every driver's reason.
   */
  async select(cni: string | undefined, cluster: ClusterContext): Promise<DetectedDriver> {
    const drivers = this.all();
    if (drivers.length === 0) throw new DriverSelectionError('no CNI driver is registered; register one under TRACE_DRIVER');
    if (cni && cni !== 'auto') {
      const driver = this.find(cni);
      if (!driver) {
        const known = drivers.map((d) => d.id).join(', ');
        throw new DriverSelectionError(`invalid --cni: unknown CNI "${cni}" (known: auto, ${known})`, 2);
      }
      cluster.log(5, `CNI forced with --cni ${cni}: driver ${driver.id}`);
      return { driver, detection: { applies: true, reason: `selected with --cni ${cni}` } };
    }
    const detected = await Promise.all(
      drivers.map(async (driver): Promise<DetectedDriver> => {
        const detection = await driver.detect(cluster);
        cluster.log(5, `detect ${driver.id}: ${detection.applies ? 'yes' : 'no'} (${detection.reason})`);
        return { driver, detection };
      }),
    );
    const applying = detected.filter((d) => d.detection.applies);
    if (applying.length === 1) return applying[0]!;
    const reasons = detected.map((d) => `${d.driver.id}: ${d.detection.reason}`).join('; ');
    if (applying.length === 0) throw new DriverSelectionError(`no supported CNI detected in this cluster (${reasons}); pass --cni to force one`);
    throw new DriverSelectionError(
      `several CNIs detected (${applying.map((d) => d.driver.id).join(', ')}): ${reasons}; choose one with --cni`,
    );
  }
}
