/**
 * What a trace may leave behind in a lab: Traceflows in the API, and processes that execs
 * started on the nodes (counted by pid, from the in-process API server's exec process groups).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Lab } from '../../../lab/lab.js';
import type { ExecProcess } from '../../../lab/kube-api/kube-api-server.js';

export interface Leftovers {
  traceflows: string[];
  processes: ExecProcess[];
}

/**
 * Traceflows, read with the real kubectl (asynchronously: the lab's API server runs in this
 * process). Empty for a lab without the CRD.
 */
export async function traceflowNames(lab: Lab): Promise<string[]> {
  if (lab.flavour !== 'antrea') return [];
  const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', lab.kubeconfigPath!, 'get', 'traceflows.crd.antrea.io', '-o', 'name'], { encoding: 'utf8', timeout: 20_000 });
  return stdout.split('\n').filter((l) => l.trim() !== '');
}

/**
 * What is left, waiting up to `graceMs` for processes that are ending (a SIGTERMed bash takes a
 * few ms to go).
 */
export async function leftovers(lab: Lab, graceMs = 500): Promise<Leftovers> {
  const until = performance.now() + graceMs;
  let processes = lab.kubeApi!.execProcesses();
  while (processes.length > 0 && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    processes = lab.kubeApi!.execProcesses();
  }
  return { traceflows: await traceflowNames(lab), processes };
}

/** Ends, by pid, processes a failed run left (so one failure does not spill into the next run). */
export function killLeftovers(left: Leftovers): void {
  for (const p of left.processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}
