// Conformance of the ofproto/trace parser and the datapath-action classifier with the upstream
// corpus (../shared/corpora/upstream): every `tool: "ofproto/trace"` file of manifest.json (the
// OVS/OVN test suites' and docs' expected outputs, `.stderr` error cases included) and every
// Antrea pipeline trace of antrea/manifest.json. `expect` was derived from the text by the
// corpus' own extractor, not from this project's code. Each file must parse without throwing,
// within PER_FILE_MS, and agree with every field of its `expect`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseOfprotoTrace, parseTableFeatures } from '../../drivers/ovs-common/index.js';
import type { DatapathOutcome, OfprotoTrace } from '../../drivers/ovs-common/index.js';
import { pipelineObservations } from '../../drivers/antrea-ovs/ovs-detail/pipeline-annotation.js';
import { upstreamCorpusDir } from '../helpers/upstream-corpus.js';

/** Upper bound for parsing and classifying one corpus file (the largest is a few KiB; typical < 1 ms). */
const PER_FILE_MS = 50;

const upstream = upstreamCorpusDir();

interface OvsExpect {
  verdict: string;
  blocks?: number;
  tableLines?: number;
  datapathActionLines?: number;
  tables?: Array<[number, number | null, string | null]>;
  bridges?: string[];
  recirculations?: number;
  blockDatapathActions?: string[];
  finalDatapathActions?: string;
  tunnel?: boolean;
  tunnelDestinations?: string[];
  ports?: string[];
  shallowPorts?: string[];
  nestedOutput?: boolean;
  explicitDrop?: boolean;
  translationFailed?: string;
}

interface OvsCase {
  file: string;
  stderrFile?: string;
  exitCode?: number;
  tool: string;
  kind: string;
  expect: OvsExpect;
}

interface AntreaCase {
  file: string;
  tableFeaturesFile: string;
  tunnelPorts?: number[];
  expect: {
    verdict: string;
    stages: string[];
    dropStage?: string;
    dropCookieCategory?: string;
    dropMentions?: string[];
    stageMentions?: Record<string, string[]>;
  };
}

/**
 * Cases whose `expect` is judged wrong after reading the OVS grammar, with the reason. Empty:
 * every expectation was found right (the parser was fixed where they disagreed).
 */
const EXPECT_EXCEPTIONS: ReadonlyMap<string, string> = new Map();

/** The corpus' verdict words for a datapath outcome. */
const VERDICT: Record<DatapathOutcome, string> = {
  output: 'forwarded',
  tunnel: 'forwarded',
  drop: 'dropped',
  recirculate: 'recirculate',
  controller: 'controller',
  error: 'error',
  unknown: 'unknown',
};

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * Parses `text`, timed. A run over the bound is repeated (up to 3 runs, the fastest counts) so that
 * a garbage collection or JIT pause on a shared CI machine does not count as the parser's time.
 */
function timedParse(text: string, options: Parameters<typeof parseOfprotoTrace>[1]): { trace: OfprotoTrace; ms: number } {
  let best = Infinity;
  let trace: OfprotoTrace | undefined;
  for (let i = 0; i < 3 && best > PER_FILE_MS; i++) {
    const t0 = performance.now();
    trace = parseOfprotoTrace(text, options);
    best = Math.min(best, performance.now() - t0);
  }
  return { trace: trace as OfprotoTrace, ms: best };
}

const ovsCases = readJson<{ cases: OvsCase[] }>(join(upstream, 'manifest.json')).cases.filter((c) => c.tool === 'ofproto/trace');

/** The facts of a parsed trace in the corpus' `expect` vocabulary. */
function facts(trace: OfprotoTrace): OvsExpect {
  const s = trace.summary;
  const blocks = trace.blocks;
  const withActions = blocks.filter((b) => b.datapathActions !== undefined);
  return {
    verdict: VERDICT[s.outcome],
    blocks: blocks.filter((b) => b.flow !== undefined).length,
    tableLines: blocks.reduce((n, b) => n + b.tables.length, 0),
    datapathActionLines: withActions.length,
    tables: blocks.flatMap((b) => b.tables.map((t): [number, number | null, string | null] => [t.tableId, t.priority ?? null, t.cookie ?? null])),
    bridges: blocks.flatMap((b) => b.bridges),
    recirculations: blocks.filter((b) => b.recirculation).length,
    blockDatapathActions: withActions.map((b) => b.datapathActions as string),
    ...(s.datapathActions !== undefined ? { finalDatapathActions: s.datapathActions } : {}),
    tunnel: s.outcome === 'tunnel',
    tunnelDestinations: s.tunnels.map((t) => t.destination ?? '?'),
    ports: s.outputPorts,
    shallowPorts: s.shallowOutputPorts,
    nestedOutput: s.nestedOutput,
    explicitDrop: s.explicitDrop,
    ...(s.translationFailed !== undefined ? { translationFailed: s.translationFailed } : {}),
  };
}

test('the corpus is there and holds the ofproto/trace cases the README promises', () => {
  assert.is(ovsCases.length, 339);
  assert.ok(ovsCases.some((c) => c.stderrFile), 'error cases with .stderr files');
});

test('upstream ofproto/trace: every file parses quickly and agrees with expect', () => {
  const failures: string[] = [];
  let slowest = 0;
  for (const c of ovsCases) {
    const exception = EXPECT_EXCEPTIONS.get(c.file);
    const stdout = readFileSync(join(upstream, c.file), 'utf8');
    const stderr = c.stderrFile ? readFileSync(join(upstream, c.stderrFile), 'utf8') : undefined;
    let parsed: { trace: OfprotoTrace; ms: number };
    try {
      parsed = timedParse(stdout, { ...(stderr !== undefined ? { stderr } : {}), ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}) });
    } catch (err) {
      failures.push(`${c.file}: threw ${(err as Error).stack}`);
      continue;
    }
    slowest = Math.max(slowest, parsed.ms);
    if (parsed.ms > PER_FILE_MS) failures.push(`${c.file}: took ${parsed.ms.toFixed(1)} ms (bound ${PER_FILE_MS} ms)`);
    if (exception) continue;
    const got = facts(parsed.trace);
    if (c.expect.verdict === 'error') {
      if (got.verdict !== 'error') failures.push(`${c.file}: verdict ${got.verdict}, expected error`);
      if (!parsed.trace.errors.length) failures.push(`${c.file}: no tool error collected from ${c.stderrFile ?? 'stdout'}`);
      continue;
    }
    for (const [key, want] of Object.entries(c.expect) as Array<[keyof OvsExpect, unknown]>) {
      const have = got[key];
      if (JSON.stringify(have) !== JSON.stringify(want)) failures.push(`${c.file}: ${key} = ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
    }
  }
  assert.ok(failures.length === 0, `${failures.length} disagreement(s):\n${failures.join('\n')}`);
  assert.ok(slowest <= PER_FILE_MS);
});

test('every documented exception names a corpus case', () => {
  for (const file of EXPECT_EXCEPTIONS.keys()) assert.ok(ovsCases.some((c) => c.file === file), file);
});

const antrea = readJson<{ cases: AntreaCase[] }>(join(upstream, 'antrea', 'manifest.json'));

test('Antrea pipeline traces: verdict, stages, drop stage and mentions', () => {
  assert.ok(antrea.cases.length >= 7, `expected the 7 Antrea traces, found ${antrea.cases.length}`);
  const failures: string[] = [];
  for (const c of antrea.cases) {
    const names = parseTableFeatures(readFileSync(join(upstream, 'antrea', c.tableFeaturesFile), 'utf8'));
    const text = readFileSync(join(upstream, 'antrea', c.file), 'utf8');
    const { trace, ms } = timedParse(text, { ...(c.tunnelPorts ? { tunnelPorts: c.tunnelPorts } : {}) });
    if (ms > PER_FILE_MS) failures.push(`${c.file}: took ${ms.toFixed(1)} ms`);
    const observations = pipelineObservations(trace, names, 'node');
    const e = c.expect;
    const verdict = VERDICT[trace.summary.outcome];
    if (verdict !== e.verdict) failures.push(`${c.file}: verdict ${verdict}, expected ${e.verdict}`);
    const stages = observations.map((o) => o.stage);
    if (JSON.stringify(stages) !== JSON.stringify(e.stages)) failures.push(`${c.file}: stages ${JSON.stringify(stages)}, expected ${JSON.stringify(e.stages)}`);
    const drop = observations.find((o) => o.terminal);
    if (e.dropStage !== undefined && drop?.stage !== e.dropStage) failures.push(`${c.file}: drop stage ${drop?.stage}, expected ${e.dropStage}`);
    if (e.dropStage === undefined && drop) failures.push(`${c.file}: drop marked at ${drop.stage}, expected none`);
    const textOf = (o: (typeof observations)[number]) => `${o.flow ?? ''} ${o.description ?? ''}`;
    if (e.dropCookieCategory !== undefined && drop?.detail?.cookieCategory !== e.dropCookieCategory) {
      failures.push(`${c.file}: drop cookie category ${String(drop?.detail?.cookieCategory)}, expected ${e.dropCookieCategory}`);
    }
    for (const m of e.dropMentions ?? []) {
      // What the dropping verdict rests on: the drop flow itself or the stages that marked it.
      const upToDrop = drop ? observations.slice(0, observations.indexOf(drop) + 1) : [];
      if (!upToDrop.some((o) => textOf(o).includes(m))) failures.push(`${c.file}: "${m}" not mentioned up to the drop`);
    }
    for (const [stage, mentions] of Object.entries(e.stageMentions ?? {})) {
      const at = observations.filter((o) => o.stage === stage);
      if (!at.length) failures.push(`${c.file}: no stage ${stage}`);
      for (const m of mentions) if (!at.some((o) => textOf(o).includes(m))) failures.push(`${c.file}: stage ${stage} does not mention "${m}"`);
    }
  }
  assert.ok(failures.length === 0, failures.join('\n'));
});

test.run();
