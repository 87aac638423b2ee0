/**
 * Benchmark 3: parser throughput (MB/s, 1 MB = 10^6 bytes of tool output) of the ovn-trace,
 * ofproto/trace and ovn-detrace parsers on large real outputs captured at bench time, and the
 * time to parse a 10,000-line ovn-trace, warm and as the first parse of a new process.
 *
 * The baseline is what ovnkube-trace does with the same text: one regular-expression search
 * for its success string (plus splitting into lines, which any line parser pays). It shows how
 * far a full parse is from merely reading the text; the targets are absolute.
 */
import { runChild } from '../harness/child-run.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions, BenchmarkResult, ResultRow } from '../harness/bench-types.js';
import { distPath, resultsDir } from '../harness/bench-paths.js';
import { atLeast, atMost, median, round, row, stat } from '../harness/stats.js';
import { captureLargeOutputs } from './capture-large-outputs.js';
import { PARSES_PER_SAMPLE } from './parse-worker.js';

/** Lines of a text (as the parsers count them). */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Runs the parse worker (bench/parsers/parse-worker.ts) for one parser and file. */
async function parseWorker(parser: string, file: string, samples: number): Promise<{ baseline: number[]; parse: number[] }> {
  const r = await runChild([process.execPath, distPath('bench', 'parsers', 'parse-worker.js'), parser, file, String(samples)], `parse worker ${parser}`);
  try {
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return JSON.parse(r.stdout) as { baseline: number[]; parse: number[] };
  } catch (e) {
    throw new Error(`parse worker ${parser} failed (exit ${r.code}): ${(e as Error).message}`);
  }
}

/** MB/s for each time sample of parsing `bytes`. */
function throughput(bytes: number, ms: number[]): number[] {
  return ms.map((t) => bytes / 1e6 / (t / 1000));
}

/** One parse of `file` with `fn` of `module`, in a new Node process: the parse time (ms) it reports. */
async function coldParse(module: string, fn: string, file: string): Promise<number> {
  const script = `import { readFileSync } from 'node:fs';
const { ${fn} } = await import(${JSON.stringify(module)});
const text = readFileSync(${JSON.stringify(file)}, 'utf8');
const t0 = performance.now();
${fn}(text);
process.stdout.write(String(performance.now() - t0));`;
  const r = await runChild([process.execPath, '--input-type=module', '-e', script], 'cold parse');
  const ms = Number(r.stdout);
  if (r.code !== 0 || !Number.isFinite(ms)) throw new Error(`cold parse failed (exit ${r.code}): ${r.stderr.trim()}`);
  return ms;
}

export async function parserBench(opts: BenchOptions): Promise<BenchmarkResult> {
  // Quick runs (npm test, possibly several at once in one checkout) capture into a private
  // directory; a full run keeps its captures in bench/results/captures for inspection.
  const saveDir = opts.quick ? mkdtempSync(join(tmpdir(), 'cni-trace-bench-captures-')) : join(resultsDir, 'captures');
  try {
    return await measure(opts, saveDir);
  } finally {
    if (opts.quick) rmSync(saveDir, { recursive: true, force: true });
  }
}

async function measure(opts: BenchOptions, saveDir: string): Promise<BenchmarkResult> {
  const started = performance.now();
  opts.log(`parsers: capturing large outputs (${opts.quick ? 'quick' : 'full'} scenario) into ${saveDir}`);
  const cap = await captureLargeOutputs(opts.quick, saveDir);
  const inputs = [
    { id: 'ovn-trace', worker: 'ovn-trace', text: cap.ovnTrace, file: join(saveDir, 'ovn-trace.txt') },
    { id: 'ofproto/trace', worker: 'ofproto-trace', text: cap.ofprotoTrace, file: join(saveDir, 'ofproto-trace.txt') },
    { id: 'ovn-detrace', worker: 'ovn-detrace', text: cap.ovnDetrace, file: join(saveDir, 'ovn-detrace.txt') },
  ];
  // Each sample is short: many of them make the median steady on shared cores.
  const samples = opts.quick ? opts.runs : Math.max(opts.runs, 25);
  const rows: ResultRow[] = [];
  const sizes: Record<string, { bytes: number; lines: number }> = {};
  let warm: number[] = [];
  for (const input of inputs) {
    const bytes = Buffer.byteLength(input.text);
    sizes[input.id] = { bytes, lines: lineCount(input.text) };
    // Interleaved per sample in the worker: baseline, then parser.
    const { baseline: base, parse: cand } = await parseWorker(input.worker, input.file, samples);
    if (input.id === 'ovn-trace') warm = cand;
    rows.push(
      row(
        `${input.id} parser throughput (${(bytes / 1e6).toFixed(2)} MB, ${sizes[input.id]!.lines} lines)`,
        stat(`parse${input.id === 'ofproto/trace' ? ' (drivers/ovs-common)' : ''}`, 'MB/s', throughput(bytes, cand)),
        atLeast(50, 'MB/s'),
        stat('split + 1 regex search', 'MB/s', throughput(bytes, base)),
      ),
    );
  }

  // The 10,000-line trace: warm (the samples above) and as a new process's first parse.
  const coldRuns: number[] = [];
  const file = join(saveDir, 'ovn-trace.txt');
  for (let i = 0; i < Math.max(opts.runs, opts.quick ? 1 : 7); i++) coldRuns.push(await coldParse(distPath('drivers', 'ovn', 'parsers', 'ovn-trace-parser.js'), 'parseOvnTrace', file));
  const lines = sizes['ovn-trace']!.lines;
  rows.push(row(`ovn-trace of ${lines} lines: parse time, warm`, stat('parse (warm)', 'ms', warm), atMost(50, 'ms')));
  rows.push(row(`ovn-trace of ${lines} lines: first parse in a new process`, stat('parse (cold)', 'ms', coldRuns), atMost(50, 'ms'), stat('same parse, warm', 'ms', warm)));

  return {
    id: 'parsers',
    title: 'Parser throughput on large real outputs',
    status: 'ok',
    runs: samples,
    rows,
    notes: [
      `captured at bench time from scenario ${cap.scenario.name} (${cap.scenario.pods} pods on ${cap.scenario.nodes} node, ${cap.scenario.networkPolicies} NetworkPolicies, ${cap.scenario.services} Services): a broadcast UDP packet traced by ovn-trace and ofproto/trace, and ovn-detrace on that ofproto/trace${opts.quick ? '' : '; files in bench/results/captures/'}`,
      `sizes: ${Object.entries(sizes).map(([k, v]) => `${k} ${(v.bytes / 1e6).toFixed(2)} MB / ${v.lines} lines`).join('; ')}`,
      `${opts.quick ? '' : lines >= 10_000 ? '' : `the ovn-trace capture has only ${lines} lines (< 10,000); `}each parser runs in its own process (bench/parsers/parse-worker.ts): 3 parses to warm up, then ${samples} samples of ${PARSES_PER_SAMPLE} consecutive parses (throughput = bytes / time, garbage collection included and spread over the samples); cold = the first parse after importing the parser in a new Node process (${coldRuns.length} processes)`,
    ],
    details: { sizes, warmMedianMs: round(median(warm)) },
    durationMs: Math.round(performance.now() - started),
  };
}
