#!/usr/bin/env node
// The long form of the reliability suite (`npm run reliability`): every test under
// test/reliability/, with 50 random-time interruptions of each kind (SIGINT, SIGTERM, SIGHUP, a
// closed stdout) on each CNI instead of npm test's few. Counts and times are printed as
// "[reliability] ..." lines. Usage: node scripts/reliability.mjs [runs per kind, default 50]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = process.argv[2] ?? '50';
if (!/^\d+$/.test(runs) || Number(runs) < 1) {
  console.error(`reliability: runs per kind must be a positive integer, not "${runs}"`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [join(root, 'scripts', 'test.mjs'), 'reliability/'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CNI_TRACE_RELIABILITY_RUNS: runs },
});
process.exit(r.status ?? 1);
