/**
 * The shape of a benchmark run's results (`bench/results/*.json`): every figure is a median of
 * several runs, and every comparison is a ratio against a baseline measured in the same run.
 */

/** Version tag of the results file; bump when the shape changes. */
export const BENCH_SCHEMA = 'cni-trace-bench/1';

/** Units the benchmarks report in. */
export type BenchUnit = 'ms' | 'MB/s' | 'MB' | 'x';

/** One measured quantity: its samples (one per run) and their median. */
export interface Stat {
  /** What was measured, e.g. `ovnkube-trace sequence` or `cni-trace`. */
  label: string;
  unit: BenchUnit;
  /** One value per run, in run order. */
  samples: number[];
  median: number;
}

/** What a row must reach. `ratio` compares candidate/baseline; `absolute` the candidate alone. */
export interface Target {
  kind: 'ratio' | 'absolute';
  op: '<=' | '>=';
  value: number;
  /** The target as written in the issue, e.g. `≤ 0.5× baseline`. */
  text: string;
}

/** One line of a benchmark's table. */
export interface ResultRow {
  /** What the row compares, e.g. `full inter-node trace vs ovnkube-trace sequence`. */
  name: string;
  baseline?: Stat;
  candidate: Stat;
  /** candidate.median / baseline.median (absent without a baseline). */
  ratio?: number;
  target: Target;
  /** Whether the target is met. */
  met: boolean;
}

/** One benchmark's outcome. */
export interface BenchmarkResult {
  id: string;
  title: string;
  /** `ok`, `skipped` (with the reason in `notes`), or `failed` (with `error`). */
  status: 'ok' | 'skipped' | 'failed';
  runs: number;
  rows: ResultRow[];
  /** Context needed to read the numbers (scenario sizes, what the baseline does, gaps). */
  notes: string[];
  /** Extra figures that are reported but have no target (e.g. per-leg medians). */
  details?: Record<string, unknown>;
  error?: string;
  durationMs: number;
}

/** The machine the numbers come from. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryMB: number;
  node: string;
  platform: string;
  kernel: string;
  ovs: string;
  ovn: string;
}

/** The whole results file. */
export interface BenchReport {
  schema: typeof BENCH_SCHEMA;
  startedAt: string;
  finishedAt: string;
  /** `--quick`: tiny sizes, fewer runs; checks the harness, not the code's speed. */
  quick: boolean;
  /** Build directory of the code under test (relative to the repository). */
  dist: string;
  machine: MachineInfo;
  /** 1-, 5- and 15-minute load averages when the run started and ended (other work on the machine). */
  load: { start: number[]; end: number[] };
  benchmarks: BenchmarkResult[];
}

/** Options every benchmark receives. */
export interface BenchOptions {
  quick: boolean;
  /** Runs per measurement (medians need at least 5 outside quick mode). */
  runs: number;
  /** Progress lines (stderr). */
  log: (message: string) => void;
}
