/** Small statistics and timing helpers for the benchmarks. */
import type { BenchUnit, ResultRow, Stat, Target } from './bench-types.js';

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A {@link Stat} from samples. */
export function stat(label: string, unit: BenchUnit, samples: number[]): Stat {
  return { label, unit, samples: samples.map((v) => round(v)), median: round(median(samples)) };
}

/** Rounds to 3 significant decimals (keeps JSON readable). */
export function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Target "candidate/baseline ≤ value". */
export function ratioAtMost(value: number, of: string): Target {
  return { kind: 'ratio', op: '<=', value, text: `≤ ${value}× ${of}` };
}

/** Target "candidate ≤ value" (absolute). */
export function atMost(value: number, unit: string): Target {
  return { kind: 'absolute', op: '<=', value, text: `≤ ${value} ${unit}` };
}

/** Target "candidate ≥ value" (absolute). */
export function atLeast(value: number, unit: string): Target {
  return { kind: 'absolute', op: '>=', value, text: `≥ ${value} ${unit}` };
}

/** Builds a table row and decides whether its target is met. */
export function row(name: string, candidate: Stat, target: Target, baseline?: Stat): ResultRow {
  const ratio = baseline ? round(candidate.median / baseline.median) : undefined;
  const value = target.kind === 'ratio' ? ratio : candidate.median;
  if (value === undefined || !Number.isFinite(value)) throw new Error(`row "${name}": no value to compare with the target`);
  const met = target.op === '<=' ? value <= target.value : value >= target.value;
  return { name, ...(baseline ? { baseline } : {}), candidate, ...(ratio !== undefined ? { ratio } : {}), target, met };
}

/** Wall time of an async function, in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/**
 * Runs measurements interleaved: in run i the functions go in order, rotated by i, so neither
 * side always runs first (on 2 shared cores, warm caches and background load otherwise favour
 * one side). Returns the samples per function.
 */
export async function interleave(runs: number, fns: Array<() => Promise<number>>): Promise<number[][]> {
  const samples = fns.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (k + i) % fns.length;
      samples[j]!.push(await fns[j]!());
    }
  }
  return samples;
}
