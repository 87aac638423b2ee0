// Upstream conformance for the OVN tool parsers: every `ovn-trace` and `ovn-detrace` output in the
// shared corpus (expected outputs from OVN's own test suites and documentation, see
// ../shared/corpora/README.md) goes through parseOvnTrace / parseOvnDetrace, must not throw, must
// be quick, and must agree with the manifest's `expect`, which was derived from the text's grammar
// by the corpus' extractor, not by this project's code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseOvnDetrace, parseOvnTrace } from '../../drivers/ovn/parsers/index.js';
import type { DetraceRecord, OvnTrace, OvnTraceFormat } from '../../drivers/ovn/parsers/index.js';
import { upstreamCorpusDir } from '../helpers/upstream-corpus.js';

interface TraceExpect {
  verdict: 'forwarded' | 'dropped' | 'error';
  outputs?: string[];
  generatedOutputs?: string[];
}
interface DetraceExpect {
  flows: { cookie: string; records: string[] }[];
}
interface ManifestCase {
  file: string;
  tool: string;
  format?: 'minimal' | 'detailed' | 'summary' | 'all';
  source: string;
  line: number;
  command: string;
  expect: TraceExpect | DetraceExpect;
}

const dir = upstreamCorpusDir();
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { cases: ManifestCase[] };
const traceCases = manifest.cases.filter((c) => c.tool === 'ovn-trace');
const detraceCases = manifest.cases.filter((c) => c.tool === 'ovn-detrace');

/**
 * Entries whose `expect` is wrong by ovn-trace's grammar (file → why). Each must be justified from
 * utilities/ovn-trace.c; the test fails if an entry here starts agreeing (then remove it).
 */
const KNOWN_WRONG_EXPECT: Record<string, string> = {};

function read(c: ManifestCase): { stdout: string; stderr?: string } {
  const path = join(dir, c.file);
  const stderrPath = path.replace(/\.txt$/, '.stderr.txt');
  return { stdout: readFileSync(path, 'utf8'), ...(existsSync(stderrPath) ? { stderr: readFileSync(stderrPath, 'utf8') } : {}) };
}

/** The format the command asked for (for an empty output, which is a drop in `--minimal`). */
function requestedFormat(c: ManifestCase): OvnTraceFormat | undefined {
  if (/--minimal\b/.test(c.command)) return 'minimal';
  if (/--summary\b/.test(c.command)) return 'summary';
  if (/--all\b/.test(c.command) || c.format === 'all') return undefined;
  return 'detailed';
}

/** What the parsed trace says, in the manifest's terms. */
function classify(t: OvnTrace): TraceExpect {
  if (t.errors.some((e) => e.kind !== 'trace-error')) return { verdict: 'error' };
  const outputs = t.outputs.filter((o) => !o.generated && !o.continues).map((o) => o.port);
  const generatedOutputs = t.outputs.filter((o) => o.generated && !o.continues).map((o) => o.port);
  return { verdict: outputs.length ? 'forwarded' : 'dropped', outputs, generatedOutputs };
}

const RECORD_LABEL: Record<DetraceRecord['kind'], string> = {
  'logical-flow': 'Logical flow',
  'port-binding': 'Port Binding',
  'mac-binding': 'MAC Binding',
  'multicast-group': 'Multicast Group',
  chassis: 'Chassis',
  'load-balancer': 'Load Balancer',
  'ovs-interface': 'OVS Interface',
  unknown: 'unknown',
};

test('the corpus holds the OVN tool outputs the manifest describes', () => {
  assert.is(traceCases.length, 29, 'ovn-trace entries');
  assert.is(detraceCases.length, 2, 'ovn-detrace entries');
  const formats = new Set(traceCases.map((c) => c.format));
  for (const f of ['minimal', 'detailed', 'all']) assert.ok(formats.has(f as ManifestCase['format']), `format ${f} present`);
});

test('every ovn-trace output parses quickly and agrees with its expect', () => {
  const disagreements: string[] = [];
  const slow: string[] = [];
  for (const c of traceCases) {
    const { stdout, stderr } = read(c);
    const t0 = performance.now();
    let trace: OvnTrace;
    try {
      const format = requestedFormat(c);
      trace = parseOvnTrace(stdout, { ...(stderr !== undefined ? { stderr } : {}), ...(format ? { format } : {}) });
    } catch (err) {
      disagreements.push(`${c.file} (${c.source}:${c.line}): threw ${(err as Error).message}`);
      continue;
    }
    const ms = performance.now() - t0;
    if (ms > 50) slow.push(`${c.file}: ${ms.toFixed(1)} ms`);
    const expect = c.expect as TraceExpect;
    const got = classify(trace);
    const want: TraceExpect = expect.verdict === 'error' ? { verdict: 'error' } : { verdict: expect.verdict, outputs: expect.outputs ?? [], generatedOutputs: expect.generatedOutputs ?? [] };
    const agrees = JSON.stringify(got) === JSON.stringify(want);
    if (KNOWN_WRONG_EXPECT[c.file]) {
      if (agrees) disagreements.push(`${c.file}: listed as a wrong expect but agrees now; remove it from KNOWN_WRONG_EXPECT`);
      continue;
    }
    if (!agrees) disagreements.push(`${c.file} (${c.source}:${c.line}): expected ${JSON.stringify(want)}, parsed ${JSON.stringify(got)}`);
    // A forwarded verdict needs a tree; an error verdict needs no tree at all.
    if (want.verdict === 'error') assert.is(trace.sections.length, 0, `${c.file}: an error output has no trace`);
    else if (stdout.trim()) assert.ok(trace.sections.length > 0, `${c.file}: a trace section`);
    // A drop says where: the traced packet's branch that ended without an output.
    if (want.verdict === 'dropped' && !trace.dropLeaves.some((l) => !l.generated)) disagreements.push(`${c.file}: dropped, but no branch of the traced packet ends without output`);
  }
  assert.equal(disagreements, []);
  assert.equal(slow, []);
});

test('every ovn-detrace output parses quickly; its flows carry the expected cookies and record kinds', () => {
  const disagreements: string[] = [];
  for (const c of detraceCases) {
    const { stdout, stderr } = read(c);
    const t0 = performance.now();
    const d = parseOvnDetrace(stdout, stderr !== undefined ? { stderr } : {});
    assert.ok(performance.now() - t0 < 50, `${c.file}: quick`);
    const got = d.flows.filter((f) => f.records.length > 0).map((f) => ({ cookie: f.cookie ?? '', records: f.records.map((r) => RECORD_LABEL[r.kind]) }));
    const want = (c.expect as DetraceExpect).flows;
    if (JSON.stringify(got) !== JSON.stringify(want)) disagreements.push(`${c.file} (${c.source}:${c.line}): expected ${JSON.stringify(want)}, parsed ${JSON.stringify(got)}`);
    assert.equal(d.orphanRecords, [], `${c.file}: every record belongs to a flow`);
    assert.equal(d.errors, [], `${c.file}: no errors`);
  }
  assert.equal(disagreements, []);
});

test('the exception list only names corpus files', () => {
  const files = new Set(traceCases.map((c) => c.file));
  for (const f of Object.keys(KNOWN_WRONG_EXPECT)) assert.ok(files.has(f), f);
});

test.run();
