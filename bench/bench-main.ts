/**
 * `npm run bench [-- --quick] [-- --only id,id] [-- --runs N] [-- --out file] [-- --docs]`:
 * runs the benchmarks, prints each as baseline / cni-trace / ratio / target, writes the results
 * as JSON (default `bench/results/bench-<time>.json` and `bench/results/latest.json`), and with
 * `--docs` (the default outside quick mode) rewrites docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { resultsDir } from './harness/bench-paths.js';
import { reportLines } from './harness/report.js';
import { stopOnSignals } from './harness/resource-guard.js';
import { writeBenchmarksDoc } from './harness/benchmarks-doc.js';
import { BENCHMARKS, runBenchmarks } from './run-benchmarks.js';

const USAGE = `Usage: npm run bench -- [--quick] [--only ${BENCHMARKS.map((b) => b.id).join(',')}] [--runs N] [--out FILE] [--docs|--no-docs]`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      out: { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const runs = values.runs !== undefined ? Number(values.runs) : undefined;
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new Error(`invalid --runs: ${values.runs}`);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const removeSignals = stopOnSignals(log);
  try {
    const report = await runBenchmarks({ quick: values.quick!, ...(runs ? { runs } : {}), ...(values.only ? { only: values.only.split(',').map((s) => s.trim()) } : {}), log });
    for (const b of report.benchmarks) process.stdout.write(`${reportLines(b).join('\n')}\n\n`);
    const stamp = report.startedAt.replace(/[:.]/g, '-');
    const out = values.out ?? join(resultsDir, `bench-${report.quick ? 'quick-' : ''}${stamp}.json`);
    mkdirSync(dirname(out), { recursive: true });
    const text = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(out, text);
    if (!values.out) writeFileSync(join(resultsDir, report.quick ? 'latest-quick.json' : 'latest.json'), text);
    process.stdout.write(`results: ${out}\n`);
    const docs = values['no-docs'] ? false : (values.docs ?? !report.quick);
    if (docs) process.stdout.write(`docs: ${writeBenchmarksDoc(report)}\n`);
    const failed = report.benchmarks.filter((b) => b.status === 'failed').length;
    const missed = report.benchmarks.flatMap((b) => b.rows).filter((r) => !r.met).length;
    process.stdout.write(`${report.benchmarks.length} benchmarks: ${failed} failed, ${missed} targets missed\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    removeSignals();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
