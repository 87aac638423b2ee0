/**
 * Labs for the benchmarks: each in a private state directory, registered with the run's
 * {@link guard} so it is stopped (by the pids in its state file) even when the benchmark fails or
 * the run is interrupted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, type ApiServerMode } from '../../lab/lab.js';
import type { Scenario } from '../../lab/scenario/scenario-types.js';
import { guard } from './resource-guard.js';

/** A lab started for a benchmark, with the function that stops it. */
export interface BenchLab {
  lab: Lab;
  stop: () => Promise<void>;
}

/**
 * Starts a lab. `daemon` (the default) runs the emulated API server as its own process, like a
 * real API server: the client under test then does not share its event loop with the server's
 * WebSocket framing and process spawning.
 */
export async function startBenchLab(scenario: string | Scenario, apiServer: ApiServerMode = 'daemon'): Promise<BenchLab> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cni-trace-bench-lab-'));
  let lab: Lab;
  try {
    lab = await Lab.up(scenario, { stateDir, apiServer, handleSignals: false, readyTimeoutMs: 180_000 });
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  const stop = guard.add(`lab ${lab.scenario.name} (${stateDir})`, async () => {
    try {
      await lab.down();
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
  return { lab, stop };
}
