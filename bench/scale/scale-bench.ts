/**
 * Benchmark 5: scale. A generated scenario with 200 pods over 4 nodes, 50 NetworkPolicies and
 * 30 Services:
 * - one full inter-node trace there vs the same trace in the small default scenario;
 * - 100 pod-pair traces through the library with bounded concurrency vs the same 100 one after
 *   another, with the peak memory (RSS) of the process running them.
 */
import { runChild } from '../harness/child-run.js';
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container, type DependencyContainer } from 'tsyringe';
import { traceToResult } from '../../core/tracer.js';
import { createTraceRequest } from '../../core/request-defaults.js';
import type { TraceRequest, TraceResult } from '../../core/model.js';
import { registerOvnDriver } from '../../drivers/ovn/index.js';
import type { BenchOptions, BenchmarkResult } from '../harness/bench-types.js';
import { startBenchLab } from '../harness/bench-lab.js';
import { defaultScenario, distPath } from '../harness/bench-paths.js';
import { atMost, interleave, median, ratioAtMost, row, stat } from '../harness/stats.js';
import type { PairWorkerReport } from './pair-worker.js';
import { interNodeRequest, resultShape } from '../ovn/full-trace-bench.js';
import { generateScenario, podIdentity, SCALE_SIZE, type ScenarioSize } from './generate-scenario.js';

/**
 * Concurrent traces in the batch run. A trace spends part of its time waiting (for execs, for a
 * node's ovn-detrace); at 4 the 2 cores were busy ~87 % of the batch, at 8 they stay busy.
 */
export const BATCH_CONCURRENCY = 8;

/** Deterministic pod pairs of a generated scenario: source and destination on different nodes. */
export function podPairs(size: ScenarioSize, count: number): TraceRequest[] {
  const out: TraceRequest[] = [];
  for (let k = 0; out.length < count; k++) {
    const a = (k * 37) % size.pods;
    const b = (a + 1 + ((k * 11) % (size.pods - 1))) % size.pods;
    if (a % size.nodes === b % size.nodes) continue;
    const src = podIdentity(size, a);
    const dst = podIdentity(size, b);
    out.push(
      createTraceRequest({
        source: { kind: 'pod', namespace: src.namespace, name: src.name },
        destination: { kind: 'pod', namespace: dst.namespace, name: dst.name },
        packet: { protocol: 'tcp', dstPort: 8080 },
      }),
    );
  }
  return out;
}

/** Runs the pair worker in a new process; returns its report. */
async function runPairWorker(args: string[]): Promise<PairWorkerReport> {
  const r = await runChild([process.execPath, distPath('bench', 'scale', 'pair-worker.js'), ...args], 'pair worker');
  if (r.code !== 0) throw new Error(`pair worker exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  try {
    return JSON.parse(r.stdout) as PairWorkerReport;
  } catch {
    throw new Error(`pair worker printed no report: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 500)}`);
  }
}

function drivers(): DependencyContainer {
  const c = container.createChildContainer();
  registerOvnDriver(c);
  return c;
}

export async function scaleBench(opts: BenchOptions): Promise<BenchmarkResult> {
  const started = performance.now();
  const size: ScenarioSize = opts.quick ? { name: 'bench-scale-quick', nodes: 2, pods: 8, namespaces: 2, networkPolicies: 4, services: 2 } : SCALE_SIZE;
  const pairCount = opts.quick ? 4 : 100;
  const tmp = mkdtempSync(join(tmpdir(), 'cni-trace-bench-scale-'));
  const small = await startBenchLab(defaultScenario);
  try {
    const big = await startBenchLab(generateScenario(size));
    try {
      const c = drivers();
      // 1. The same inter-node trace in both scenarios: pod-0 (node 1, team-0) → pod-1 (node 2, team-1), tcp/8080.
      const smallReq = interNodeRequest();
      const bigReq = createTraceRequest({
        source: { kind: 'pod', namespace: podIdentity(size, 0).namespace, name: 'pod-0' },
        destination: { kind: 'pod', namespace: podIdentity(size, 1).namespace, name: 'pod-1' },
        packet: { protocol: 'tcp', dstPort: 8080 },
      });
      const run = (req: TraceRequest, kubeconfig: string) => traceToResult(req, { container: c, kube: { kubeconfig } });
      const smallRef = await run(smallReq, small.lab.kubeconfigPath!);
      const bigRef = await run(bigReq, big.lab.kubeconfigPath!);
      if (bigRef.legs.length !== smallRef.legs.length) throw new Error(`the scale trace has ${bigRef.legs.length} legs, the default one ${smallRef.legs.length}`);
      const timedTrace = (req: TraceRequest, kubeconfig: string, ref: TraceResult) => async () => {
        const t0 = performance.now();
        const r = await run(req, kubeconfig);
        if (resultShape(r) !== resultShape(ref)) throw new Error(`trace result changed between runs: ${resultShape(r)}`);
        return performance.now() - t0;
      };
      const [smallMs, bigMs] = await interleave(opts.runs, [timedTrace(smallReq, small.lab.kubeconfigPath!, smallRef), timedTrace(bigReq, big.lab.kubeconfigPath!, bigRef)]);

      // 2. 100 pod pairs: one after another vs bounded concurrency, both through the library, each
      // run in a new worker process (its peak RSS is then the library's, not this harness's).
      const pairs = podPairs(size, pairCount);
      const pairsFile = join(tmp, 'pairs.json');
      writeFileSync(pairsFile, JSON.stringify(pairs));
      const kubeconfig = big.lab.kubeconfigPath!;
      let verdicts: Record<string, number> | undefined;
      const peaks: Record<'sequential' | 'batch', number[]> = { sequential: [], batch: [] };
      const worker = (mode: 'sequential' | 'batch') => async () => {
        const r = await runPairWorker([kubeconfig, pairsFile, mode, String(BATCH_CONCURRENCY)]);
        if (r.errors.length) throw new Error(`${mode}: ${r.errors.length} traces failed: ${r.errors[0]}`);
        const count = Object.values(r.verdicts).reduce((a, b) => a + b, 0);
        if (count !== pairs.length || r.verdicts.error) throw new Error(`${mode}: verdicts ${JSON.stringify(r.verdicts)}`);
        if (verdicts && JSON.stringify(verdicts) !== JSON.stringify(r.verdicts)) throw new Error(`${mode}: verdicts ${JSON.stringify(r.verdicts)} differ from ${JSON.stringify(verdicts)}`);
        verdicts ??= r.verdicts;
        peaks[mode].push(r.peakRssMB);
        return r.ms;
      };
      const [seqMs, batchMs] = await interleave(opts.runs, [worker('sequential'), worker('batch')]);
      const batchPeak = peaks.batch;
      const sequentialPeak = peaks.sequential;
      return {
        id: 'scale',
        title: `Scale: ${size.pods} pods / ${size.nodes} nodes / ${size.networkPolicies} NetworkPolicies / ${size.services} Services`,
        status: 'ok',
        runs: opts.runs,
        rows: [
          row('one full inter-node trace: scale scenario vs default scenario', stat(`scale scenario`, 'ms', bigMs!), ratioAtMost(2, 'default scenario'), stat('default scenario', 'ms', smallMs!)),
          row(`${pairCount} pod-pair traces: traceAll (concurrency ${BATCH_CONCURRENCY}) vs one after another`, stat(`traceAll, concurrency ${BATCH_CONCURRENCY}`, 'ms', batchMs!), ratioAtMost(0.5, 'sequential'), stat('one traceToResult after another', 'ms', seqMs!)),
          row(`peak RSS of the process running ${pairCount} traces with traceAll`, stat('peak RSS (VmHWM)', 'MB', batchPeak), atMost(300, 'MB')),
        ],
        notes: [
          `scenario ${size.name}: ${size.pods} pods on ${size.nodes} nodes, ${size.namespaces} namespaces, ${size.networkPolicies} NetworkPolicies, ${size.services} Services (2 ports each), generated by bench/scale/generate-scenario.ts`,
          `single trace: ${bigRef.legs.length} legs in both scenarios (pod-0 → pod-1 and frontend/client → frontend/api, tcp/8080, inter-node)`,
          `pairs: ${pairCount} inter-node pod pairs, verdicts ${Object.entries(verdicts ?? {}).map(([v, n]) => `${n} ${v}`).join(', ')}; each run in a new worker process (bench/scale/pair-worker.ts); its peak RSS (VmHWM): one after another ${Math.round(median(sequentialPeak))} MB, traceAll ${Math.round(median(batchPeak))} MB (medians)`,
        ],
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      await big.stop();
    }
  } finally {
    await small.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
