#!/usr/bin/env node
// The one test command (`npm test`): installs what is missing, builds, runs every uvu test file
// on the compiled output and ends with the line `N passed, N failed` that CI reads.
// Usage: node scripts/test.mjs [pattern]   (pattern: a RegExp on the test file path, e.g. "core/")
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Only compiled test files, optionally narrowed by the user's pattern.
const pattern = `^(?=.*\\.test\\.js$)(?=.*(?:${process.argv[2] ?? ''}))`;

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`test: ${what} failed (exit ${r.status ?? r.signal})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) run('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
run('bash', [join(root, 'scripts', 'ensure-system-deps.sh')], 'installing OVS/OVN');
rmSync(join(root, 'dist'), { recursive: true, force: true });
{
  // CNI_TRACE_ALLOW_TSC_ERRORS=1 lets a developer run their own tests while other modules are
  // mid-change (tsc still emits JavaScript). Never set in CI.
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && process.env.CNI_TRACE_ALLOW_TSC_ERRORS !== '1') {
    console.error('test: build (tsc) failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const uvu = join(root, 'node_modules', 'uvu', 'bin.js');
const child = spawn(process.execPath, [uvu, join('dist', 'test'), pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, CNI_TRACE_TEST: '1' },
});
let out = '';
child.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
child.on('close', (code, signal) => {
  // uvu's own summary: "Total: N / Passed: N / Skipped: N" (ANSI colours stripped).
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => {
    const m = plain.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : 0;
  };
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  let failed = Math.max(0, total - passed - skipped);
  // A crash outside a test (import error, uncaught exception) still counts as a failure.
  if ((code !== 0 || signal) && failed === 0) failed = 1;
  if (total === 0 && failed === 0) {
    console.error('test: no test ran');
    failed = 1;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
});
