#!/usr/bin/env node
// `npm run bench [-- options]`: installs what is missing, builds, and runs the benchmarks
// (bench/bench-main.ts; `-- --help` lists the options). The build goes to dist/, or to the
// directory in CNI_TRACE_BENCH_BUILD_DIR (e.g. dist-bench, to leave a shared dist/ alone).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(root, process.env.CNI_TRACE_BENCH_BUILD_DIR ?? 'dist');

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) run('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
run('bash', [join(root, 'scripts', 'ensure-system-deps.sh')], 'installing OVS/OVN');
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', outDir], 'build (tsc)');
// The benchmarks run in their own process so that Ctrl-C reaches their clean-up handlers.
const r = spawnSync(process.execPath, [join(outDir, 'bench', 'bench-main.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
