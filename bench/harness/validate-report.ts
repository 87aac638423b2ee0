/**
 * Checks that a results file is well formed: the shape of {@link BenchReport}, finite numbers,
 * medians that are the medians of their samples, met flags that agree with the targets. Used by
 * the quick test (test/bench/bench-quick.test.ts); it says nothing about speed.
 */
import { BENCH_SCHEMA, type BenchReport, type ResultRow, type Stat } from './bench-types.js';
import { median, round } from './stats.js';

/** Every problem found (empty when the report is well formed). */
export function validateReport(value: unknown): string[] {
  const problems: string[] = [];
  const r = value as BenchReport;
  if (!r || typeof r !== 'object') return ['not an object'];
  if (r.schema !== BENCH_SCHEMA) problems.push(`schema is ${JSON.stringify(r.schema)}`);
  for (const k of ['startedAt', 'finishedAt'] as const) if (Number.isNaN(Date.parse(r[k]))) problems.push(`${k} is not a date`);
  if (typeof r.quick !== 'boolean') problems.push('quick is not a boolean');
  const m = r.machine;
  if (!m || !(m.cpus >= 1) || !(m.memoryMB > 0) || !/^v\d+/.test(m.node) || typeof m.ovs !== 'string' || typeof m.ovn !== 'string') problems.push('machine is incomplete');
  if (!Array.isArray(r.benchmarks) || r.benchmarks.length === 0) return [...problems, 'no benchmarks'];
  const ids = new Set<string>();
  for (const b of r.benchmarks) {
    const where = `benchmark ${b.id}`;
    if (ids.has(b.id)) problems.push(`${where}: duplicate id`);
    ids.add(b.id);
    if (!['ok', 'skipped', 'failed'].includes(b.status)) problems.push(`${where}: status ${b.status}`);
    if (b.status === 'failed' && !b.error) problems.push(`${where}: failed without an error`);
    if (b.status === 'ok' && b.rows.length === 0) problems.push(`${where}: ok without rows`);
    if (!Array.isArray(b.notes)) problems.push(`${where}: notes missing`);
    for (const row of b.rows) problems.push(...rowProblems(row, b.runs).map((p) => `${where}, row "${row.name}": ${p}`));
  }
  return problems;
}

function statProblems(s: Stat, runs: number): string[] {
  const out: string[] = [];
  if (!s.label) out.push('stat without label');
  if (!Array.isArray(s.samples) || s.samples.length === 0) return [...out, 'no samples'];
  if (s.samples.some((v) => !Number.isFinite(v) || v < 0)) out.push('a sample is not a finite non-negative number');
  if (s.samples.length < Math.min(runs, 1)) out.push(`${s.samples.length} samples`);
  if (Math.abs(round(median(s.samples)) - s.median) > 1e-3 * Math.max(1, Math.abs(s.median))) out.push(`median ${s.median} is not the median of the samples`);
  return out;
}

function rowProblems(row: ResultRow, runs: number): string[] {
  const out = [...statProblems(row.candidate, runs), ...(row.baseline ? statProblems(row.baseline, runs) : [])];
  const t = row.target;
  if (!t || !['ratio', 'absolute'].includes(t.kind) || !['<=', '>='].includes(t.op) || !Number.isFinite(t.value) || !t.text) return [...out, 'bad target'];
  if (t.kind === 'ratio' && (row.ratio === undefined || !row.baseline)) out.push('ratio target without ratio and baseline');
  const value = t.kind === 'ratio' ? row.ratio : row.candidate.median;
  if (value !== undefined && (t.op === '<=' ? value <= t.value : value >= t.value) !== row.met) out.push('met disagrees with the target');
  return out;
}
