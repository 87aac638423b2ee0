/** Renders a benchmark report as a console table and as the Markdown of docs/benchmarks.md. */
import type { BenchReport, BenchmarkResult, ResultRow, Stat } from './bench-types.js';

function fmt(v: number, unit: string): string {
  const digits = unit === 'MB/s' || unit === 'MB' ? 1 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${v.toFixed(digits)} ${unit}`;
}

function statText(s: Stat | undefined): string {
  return s ? `${s.label}: ${fmt(s.median, s.unit)}` : '—';
}

function verdict(r: ResultRow): string {
  return r.met ? 'met' : 'MISSED';
}

/** The figure the target applies to: the ratio for ratio targets, the candidate's median otherwise. */
function valueText(r: ResultRow): string {
  return r.target.kind === 'ratio' && r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : fmt(r.candidate.median, r.candidate.unit);
}

/** Plain-text lines for the console. */
export function reportLines(result: BenchmarkResult): string[] {
  const lines = [`== ${result.title} [${result.status}${result.status === 'ok' ? `, median of ${result.runs} runs` : ''}]`];
  if (result.error) lines.push(`   error: ${result.error}`);
  for (const r of result.rows) {
    lines.push(`   ${r.name}`);
    lines.push(`     baseline  ${statText(r.baseline)}`);
    lines.push(`     cni-trace ${statText(r.candidate)}`);
    const ratio = r.ratio !== undefined ? `ratio ${r.ratio.toFixed(2)}×` : '';
    lines.push(r.target.kind === 'ratio' ? `     ${ratio}   target ${r.target.text}: ${verdict(r)}` : `     value ${valueText(r)}${ratio ? ` (${ratio})` : ''}   target ${r.target.text}: ${verdict(r)}`);
  }
  for (const n of result.notes) lines.push(`   note: ${n}`);
  return lines;
}

/** The Markdown table of all rows of a report. */
export function markdownTable(report: BenchReport): string {
  const out = ['| benchmark | baseline (median) | cni-trace (median) | ratio / value | target | result |', '|---|---|---|---|---|---|'];
  for (const b of report.benchmarks) {
    if (b.status !== 'ok') {
      out.push(`| ${b.title} | — | — | — | — | ${b.status}: ${(b.error ?? b.notes[0] ?? '').replace(/\|/g, '\\|')} |`);
      continue;
    }
    for (const r of b.rows) {
      out.push(`| ${r.name} | ${r.baseline ? `${r.baseline.label}: ${fmt(r.baseline.median, r.baseline.unit)}` : '—'} | ${fmt(r.candidate.median, r.candidate.unit)} | ${valueText(r)} | ${r.target.text} | ${verdict(r)} |`);
    }
  }
  return out.join('\n');
}

/** The machine as one Markdown list. */
export function machineMarkdown(report: BenchReport): string {
  const m = report.machine;
  return [
    `- CPU: ${m.cpus} cores (\`nproc\`), ${m.cpuModel}`,
    `- memory: ${m.memoryMB} MB`,
    `- Node ${m.node}, ${m.platform}, kernel ${m.kernel}`,
    `- Open vSwitch ${m.ovs}, OVN ${m.ovn}`,
    `- load average (1, 5, 15 min) at the start ${report.load.start.join(', ')}, at the end ${report.load.end.join(', ')}`,
  ].join('\n');
}
