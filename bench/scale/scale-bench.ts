/**
 * Benchmark 5: scale. A generated scenario with 200 pods over 4 nodes, 50 NetworkPolicies and
 * 30 Services:
 * - one full inter-node trace there vs the same trace in the small default scenario;
 * - 100 pod-pair traces through the library with bounded concurrency vs the same 100 one after
 *   another, with the peak memory (RSS) of the process running them.
 */
import 'reflect-metadata';
import { container, type DependencyContainer } from 'tsyringe';
import { traceAll } from '../../core/trace-all.js';
import { traceToResult } from '../../core/tracer.js';
import { createTraceRequest } from '../../core/request-defaults.js';
import type { TraceRequest, TraceResult } from '../../core/model.js';
import { registerOvnDriver } from '../../drivers/ovn/index.js';
import type { BenchOptions, BenchmarkResult } from '../harness/bench-types.js';
import { startBenchLab } from '../harness/bench-lab.js';
import { defaultScenario } from '../harness/bench-paths.js';
import { atMost, interleave, ratioAtMost, row, stat } from '../harness/stats.js';
import { interNodeRequest, resultShape } from '../ovn/full-trace-bench.js';
import { generateScenario, podIdentity, SCALE_SIZE, type ScenarioSize } from './generate-scenario.js';

/** Concurrent traces in the batch run: enough to fill 2 cores while others wait on execs. */
export const BATCH_CONCURRENCY = 4;

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

/** Samples this process's RSS while work runs; returns the peak in MB. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
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

      // 2. 100 pod pairs: one after another vs bounded concurrency, both through the library.
      const pairs = podPairs(size, pairCount);
      const kubeconfig = big.lab.kubeconfigPath!;
      const verdicts = new Map<string, number>();
      const check = (results: TraceResult[]) => {
        for (const r of results) if (r.verdict === 'error') throw new Error(`a pair trace failed: ${r.reason}`);
        if (verdicts.size === 0) for (const r of results) verdicts.set(r.verdict, (verdicts.get(r.verdict) ?? 0) + 1);
      };
      const sequentialPeak: number[] = [];
      const batchPeak: number[] = [];
      const sequential = async () => {
        const { value: ms, peakMB } = await peakRss(async () => {
          const t0 = performance.now();
          const results: TraceResult[] = [];
          for (const req of pairs) results.push(await run(req, kubeconfig));
          check(results);
          return performance.now() - t0;
        });
        sequentialPeak.push(peakMB);
        return ms;
      };
      const batch = async () => {
        const { value: ms, peakMB } = await peakRss(async () => {
          const t0 = performance.now();
          const outcomes = await traceAll(pairs, { container: c, kube: { kubeconfig }, concurrency: BATCH_CONCURRENCY });
          const failed = outcomes.find((o) => o.error);
          if (failed?.error) throw new Error(`a pair trace failed: ${failed.error.message}`);
          check(outcomes.map((o) => o.result!));
          return performance.now() - t0;
        });
        batchPeak.push(peakMB);
        return ms;
      };
      const [seqMs, batchMs] = await interleave(opts.runs, [sequential, batch]);
      return {
        id: 'scale',
        title: `Scale: ${size.pods} pods / ${size.nodes} nodes / ${size.networkPolicies} NetworkPolicies / ${size.services} Services`,
        status: 'ok',
        runs: opts.runs,
        rows: [
          row('one full inter-node trace: scale scenario vs default scenario', stat(`scale scenario`, 'ms', bigMs!), ratioAtMost(2, 'default scenario'), stat('default scenario', 'ms', smallMs!)),
          row(`${pairCount} pod-pair traces: bounded concurrency (${BATCH_CONCURRENCY}) vs one after another`, stat('traceAll, concurrency 4', 'ms', batchMs!), ratioAtMost(0.5, 'sequential'), stat('one after another', 'ms', seqMs!)),
          row(`peak RSS of the process running ${pairCount} concurrent traces`, stat('peak RSS', 'MB', batchPeak), atMost(300, 'MB')),
        ],
        notes: [
          `scenario ${size.name}: ${size.pods} pods on ${size.nodes} nodes, ${size.namespaces} namespaces, ${size.networkPolicies} NetworkPolicies, ${size.services} Services (2 ports each), generated by bench/scale/generate-scenario.ts`,
          `single trace: ${bigRef.legs.length} legs in both scenarios (pod-0 → pod-1 and frontend/client → frontend/api, tcp/8080, inter-node)`,
          `pairs: ${pairCount} inter-node pod pairs, verdicts ${[...verdicts].map(([v, n]) => `${n} ${v}`).join(', ')}; peak RSS one after another ${Math.round(Math.max(...sequentialPeak))} MB`,
        ],
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      await big.stop();
    }
  } finally {
    await small.stop();
  }
}
