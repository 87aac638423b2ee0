/**
 * Runs the benchmarks and assembles the report. Each benchmark module is imported only when it
 * runs, so one that cannot load (a driver still being written) fails alone, as a `failed` entry.
 */
import { loadavg } from 'node:os';
import { BENCH_SCHEMA, type BenchOptions, type BenchReport, type BenchmarkResult } from './harness/bench-types.js';
import { distName } from './harness/bench-paths.js';
import { machineInfo } from './harness/machine-info.js';
import { guard } from './harness/resource-guard.js';

type BenchFn = (opts: BenchOptions) => Promise<BenchmarkResult>;

/** A benchmark in the registry. */
export interface BenchmarkEntry {
  id: string;
  title: string;
  load: () => Promise<BenchFn>;
}

/** Every benchmark, in the order (Antrea last to run: see `order`). */
export const BENCHMARKS: BenchmarkEntry[] = [
  { id: 'ovn-full-trace', title: 'Full OVN trace vs ovnkube-trace’s way of working', load: async () => (await import('./ovn/full-trace-bench.js')).ovnFullTraceBench },
  { id: 'antrea-time-to-answer', title: 'Antrea time to answer vs antctl polling', load: async () => (await import('./antrea/time-to-answer-bench.js')).antreaTimeToAnswerBench },
  { id: 'parsers', title: 'Parser throughput on large real outputs', load: async () => (await import('./parsers/parser-bench.js')).parserBench },
  { id: 'startup', title: 'Start-up: cni-trace --help vs node -e 0', load: async () => (await import('./startup/startup-bench.js')).startupBench },
  { id: 'scale', title: 'Scale: 200 pods / 4 nodes / 50 policies / 30 services', load: async () => (await import('./scale/scale-bench.js')).scaleBench },
];

/** Options of a whole run. */
export interface RunOptions {
  quick: boolean;
  /** Runs per measurement; default 5 (3 in quick mode). */
  runs?: number;
  /** Benchmark ids to run (default all). */
  only?: string[];
  log?: (message: string) => void;
}

/** Runs the selected benchmarks one after another and returns the report. */
export async function runBenchmarks(options: RunOptions): Promise<BenchReport> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const runs = options.runs ?? (options.quick ? 3 : 5);
  if (!options.quick && runs < 5) throw new Error('medians need at least 5 runs (use --quick for a smoke run)');
  const unknown = (options.only ?? []).filter((id) => !BENCHMARKS.some((b) => b.id === id));
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.id).join(', ')})`);
  const selected = BENCHMARKS.filter((b) => !options.only?.length || options.only.includes(b.id));
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const results: BenchmarkResult[] = [];
  for (const entry of selected) {
    log(`bench: ${entry.id} ...`);
    const t0 = performance.now();
    let result: BenchmarkResult;
    try {
      const fn = await entry.load();
      result = await fn({ quick: options.quick, runs, log });
    } catch (err) {
      result = {
        id: entry.id,
        title: entry.title,
        status: 'failed',
        runs,
        rows: [],
        notes: [],
        error: (err as Error).stack ?? String(err),
        durationMs: Math.round(performance.now() - t0),
      };
    } finally {
      // Whatever the benchmark left running (it should have stopped it) stops here, by pid.
      for (const e of await guard.stopAll()) log(`bench: ${e.message}`);
    }
    results.push(result);
  }
  return {
    schema: BENCH_SCHEMA,
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: options.quick,
    dist: distName(),
    machine: machineInfo(),
    load: { start: loadAtStart, end: loadavg().map((l) => Math.round(l * 100) / 100) },
    benchmarks: results,
  };
}
