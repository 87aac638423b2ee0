/**
 * `npm run bench -- --quick` runs inside the test suite so the harness cannot rot: every
 * benchmark runs with tiny sizes and the results file must be well formed. Timings are not
 * checked here (performance figures come only from `npm run bench`, as ratios in one run).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BENCHMARKS } from '../../bench/run-benchmarks.js';
import { generatedBlock, writeBenchmarksDoc } from '../../bench/harness/benchmarks-doc.js';
import type { BenchReport } from '../../bench/harness/bench-types.js';
import { validateReport } from '../../bench/harness/validate-report.js';
import { distPath } from '../../bench/harness/bench-paths.js';

test('quick run: every benchmark runs and the results file is well formed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-bench-quick-'));
  try {
    const out = join(dir, 'results.json');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [distPath('bench', 'bench-main.js'), '--quick', '--runs', '2', '--out', out, '--no-docs'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.stdout.resume();
      child.on('error', reject);
      child.on('close', (c) => (c === 0 ? resolve(c) : reject(new Error(`bench exited ${c}: ${err.slice(-2000)}`))));
    });
    assert.is(code, 0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    assert.equal(validateReport(report), []);
    assert.is(report.quick, true);
    assert.equal(report.benchmarks.map((b) => b.id), BENCHMARKS.map((b) => b.id));
    for (const b of report.benchmarks) assert.is(b.status, 'ok', `${b.id}: ${b.error ?? b.notes.join('; ')}`);
    // The full trace is also compared with its own tool commands run alone, in both schedules.
    const full = report.benchmarks.find((b) => b.id === 'ovn-full-trace')!;
    const alone = (full.details as { commandsAlone?: { wallMs: number[]; cpuMs: number[]; allAtOnceWallMs: number[] } }).commandsAlone;
    assert.is(alone?.wallMs.length, 2);
    assert.is(alone?.allAtOnceWallMs.length, 2);
    assert.ok(alone!.wallMs.every((ms) => ms > 0) && alone!.cpuMs.every((ms) => ms > 0), JSON.stringify(alone));
    assert.ok(full.notes.some((n) => n.startsWith("the trace's tool commands alone")));
    // The docs page renders from it (written to a scratch file, not docs/).
    const doc = writeBenchmarksDoc(report, join(dir, 'benchmarks.md'));
    const text = readFileSync(doc, 'utf8');
    assert.ok(text.includes(generatedBlock(report)));
    assert.match(text, /\| benchmark \| baseline/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the validator rejects a malformed report', () => {
  assert.ok(validateReport({}).length > 0);
  assert.ok(validateReport({ schema: 'cni-trace-bench/1', benchmarks: [] }).length > 0);
});

test.run();
