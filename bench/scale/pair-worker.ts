/**
 * Runs a list of traces through the library in a process of its own and reports on stdout, as
 * JSON, the wall time of the traces, their verdicts and the process's peak RSS (VmHWM): the
 * memory figure then belongs to the library and its traces, not to the benchmark harness and
 * the labs it drives.
 *
 * Usage: node pair-worker.js <kubeconfig> <requests.json> sequential|batch [concurrency]
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { container } from 'tsyringe';
import type { TraceRequest, TraceResult } from '../../core/model.js';
import { traceAll } from '../../core/trace-all.js';
import { traceToResult } from '../../core/tracer.js';
import { registerOvnDriver } from '../../drivers/ovn/index.js';

/** Report of one worker run. */
export interface PairWorkerReport {
  ms: number;
  verdicts: Record<string, number>;
  errors: string[];
  peakRssMB: number;
}

/** Peak resident set size of this process so far, in MB (Linux VmHWM). */
export function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage.rss() / 2 ** 20;
}

async function main(argv: string[]): Promise<void> {
  const [kubeconfig, file, mode, concurrency] = argv;
  if (!kubeconfig || !file || (mode !== 'sequential' && mode !== 'batch')) throw new Error('usage: pair-worker <kubeconfig> <requests.json> sequential|batch [concurrency]');
  const requests = JSON.parse(readFileSync(file, 'utf8')) as TraceRequest[];
  const drivers = container.createChildContainer();
  registerOvnDriver(drivers);
  const results: TraceResult[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  if (mode === 'sequential') {
    // One after another, each as its own library call (a new client each, as separate calls make).
    for (const r of requests) {
      try {
        results.push(await traceToResult(r, { container: drivers, kube: { kubeconfig } }));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  } else {
    for (const o of await traceAll(requests, { container: drivers, kube: { kubeconfig }, concurrency: Number(concurrency ?? 4) })) {
      if (o.result) results.push(o.result);
      else errors.push(o.error.message);
    }
  }
  const ms = performance.now() - t0;
  const verdicts: Record<string, number> = {};
  for (const r of results) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  const report: PairWorkerReport = { ms, verdicts, errors, peakRssMB: peakRssMB() };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

// Run only as a program, not when imported for its types or helpers.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`pair-worker: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
