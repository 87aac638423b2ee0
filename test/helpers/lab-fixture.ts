import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { runCli, type CliIo } from '../../cli/main.js';
import { registerOvnDriver, type OvnDriverOptions } from '../../drivers/ovn/index.js';
import { Lab } from '../../lab/lab.js';

/** Brings a lab up in a private state dir (in-process API server). Always pair with `lab.down()`. */
export async function startLab(scenarioPath: string): Promise<Lab> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cni-trace-test-lab-'));
  try {
    return await Lab.up(scenarioPath, { stateDir, apiServer: 'in-process', handleSignals: false });
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops a lab and removes its state dir. */
export async function stopLab(lab: Lab | undefined): Promise<void> {
  if (!lab) return;
  await lab.down();
  rmSync(lab.stateDir, { recursive: true, force: true });
}

/** What a CLI run printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in this process against a kubeconfig, with the OVN driver registered. */
export async function runCliAgainst(kubeconfig: string, args: string[], driverOptions: OvnDriverOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, isTty: false };
  const child = container.createChildContainer();
  registerOvnDriver(child, driverOptions);
  const code = await runCli(['--kubeconfig', kubeconfig, ...args], io, child);
  return { code, stdout, stderr };
}
