#!/usr/bin/env node
// Differential fuzzing of cni-trace against the independent NetworkPolicy evaluator
// (test/oracle/): `npm run fuzz -- --seeds N [--flavour ovn|antrea] [--start S] [--concurrency C]`.
// Per seed: generate a scenario, bring the lab up, trace every pod pair (a few packets each) and
// the Services, compare verdict and attribution with the evaluator. Prints progress, the probe
// and pair counts, time and every mismatch (reproducible by flavour + seed; the scenario YAML of a
// mismatching seed is written to $CNI_TRACE_FUZZ_DIR, default <tmpdir>/cni-trace-fuzz). Exits 1 on any mismatch or error.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    start: { type: 'string', default: '1' },
    flavour: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    features: { type: 'string' },
    // Checks beyond verdict and attribution, on by default: named-port warnings (§1.9), explanation port (§1.8).
    'skip-check': { type: 'string', multiple: true, default: [] },
    'no-build': { type: 'boolean', default: false },
    // Compiled tree to load (default dist): a long run can use its own copy while dist is rebuilt.
    dist: { type: 'string', default: 'dist' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run fuzz -- --seeds N [--flavour ovn|antrea] [--start S] [--concurrency C] [--features JSON] [--skip-check named-port-warnings] [--skip-check explanation-port] [--no-build] [--dist DIR]');
  console.log('  --features: generator toggles merged over the flavour\'s (test/oracle/scenario-generator.ts), e.g.');
  console.log('    --features \'{"antreaTiers":["emergency","application","baseline"]}\'');
  process.exit(0);
}
const seeds = Number(values.seeds);
const start = Number(values.start);
const concurrency = Number(values.concurrency);
const flavours = values.flavour ? [values.flavour] : ['ovn', 'antrea'];
if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(start) || !Number.isInteger(concurrency) || concurrency < 1 || flavours.some((f) => f !== 'ovn' && f !== 'antrea')) {
  console.error('fuzz: --seeds and --start must be integers, --flavour ovn or antrea, --concurrency >= 1');
  process.exit(2);
}

if (!values['no-build']) {
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && process.env.CNI_TRACE_ALLOW_TSC_ERRORS !== '1') {
    console.error('fuzz: build (tsc) failed');
    process.exit(1);
  }
}
const { runScenario, formatMismatch } = await import(pathToFileURL(join(root, values.dist, 'test', 'oracle', 'differential-runner.js')).href);
const { FEATURES_BY_FLAVOUR } = await import(pathToFileURL(join(root, values.dist, 'test', 'oracle', 'scenario-generator.js')).href);
let overrides = {};
try {
  overrides = values.features ? JSON.parse(values.features) : {};
} catch (err) {
  console.error(`fuzz: --features is not JSON: ${err.message}`);
  process.exit(2);
}

// Scenarios of mismatching seeds, to bring up by hand: npm run lab -- up <file>.
const outDir = process.env.CNI_TRACE_FUZZ_DIR ?? join(tmpdir(), 'cni-trace-fuzz');
const t0 = Date.now();
let failed = false;
for (const flavour of flavours) {
  const tf = Date.now();
  let probes = 0;
  let pairs = 0;
  let scenarios = 0;
  const mismatches = [];
  const errors = [];
  const classes = {};
  for (let seed = start; seed < start + seeds; seed++) {
    const ts = Date.now();
    try {
      const checks = { namedPortWarnings: !values['skip-check'].includes('named-port-warnings'), explanationPort: !values['skip-check'].includes('explanation-port') };
      const o = await runScenario(flavour, seed, { concurrency, checks, features: { ...FEATURES_BY_FLAVOUR[flavour], ...overrides } });
      scenarios++;
      probes += o.probes;
      pairs += o.pairs;
      for (const [k, v] of Object.entries(o.expectedClasses)) classes[k] = (classes[k] ?? 0) + v;
      mismatches.push(...o.mismatches);
      if (o.mismatches.length) {
        mkdirSync(outDir, { recursive: true });
        writeFileSync(join(outDir, `${flavour}-${seed}.yaml`), o.scenarioYaml);
      }
      console.log(`[${flavour} ${seed - start + 1}/${seeds}] seed ${seed}: ${o.probes} probes over ${o.pairs} pairs, ${o.mismatches.length} mismatches, lab up ${(o.labUpMs / 1000).toFixed(1)} s, traces ${(o.traceMs / 1000).toFixed(1)} s, total ${((Date.now() - ts) / 1000).toFixed(1)} s`);
      for (const m of o.mismatches) console.log(formatMismatch(m));
    } catch (err) {
      errors.push({ seed, err });
      console.log(`[${flavour} ${seed - start + 1}/${seeds}] seed ${seed}: ERROR ${err?.stack ?? err}`);
    }
  }
  const byKind = {};
  // Mismatches grouped by expected → actual verdict (every one is to be triaged: nothing is tolerated).
  for (const m of mismatches) {
    const k = `${m.expected.drop ? `${m.expected.verdict}:${m.expected.drop.type}` : m.expected.verdict} -> ${m.actual.drop ? `${m.actual.verdict}:${m.actual.drop.type}` : m.actual.verdict}`;
    byKind[k] = (byKind[k] ?? 0) + 1;
  }
  const seedsWith = [...new Set(mismatches.map((m) => m.seed))];
  console.log(`\n${flavour}: ${scenarios} scenarios, ${probes} probes over ${pairs} pod/Service pairs in ${((Date.now() - tf) / 1000).toFixed(1)} s; expected ${JSON.stringify(classes)}`);
  console.log(`${flavour}: ${mismatches.length} mismatches in ${seedsWith.length} seeds ${seedsWith.length ? `(${seedsWith.join(', ')}; scenarios in ${outDir})` : ''} ${JSON.stringify(byKind)}; ${errors.length} errors${errors.length ? ` (seeds ${errors.map((e) => e.seed).join(', ')})` : ''}\n`);
  if (mismatches.length || errors.length) failed = true;
}
console.log(`fuzz: done in ${((Date.now() - t0) / 1000).toFixed(1)} s${failed ? ' — mismatches or errors found' : ', no mismatch'}`);
process.exit(failed ? 1 : 0);
