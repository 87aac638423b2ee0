/**
 * Benchmark 4: start-up. Wall time of `cni-trace --help` (the real bin, a new Node process each
 * run) against `node -e 0` (Node's own start-up) on the same machine, interleaved.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions, BenchmarkResult } from '../harness/bench-types.js';
import { distName, repoRoot } from '../harness/bench-paths.js';
import { cliBin } from '../harness/cli-bin.js';
import { guard } from '../harness/resource-guard.js';
import { interleave, ratioAtMost, row, stat } from '../harness/stats.js';

/** Runs a command to completion; returns its wall time, exit code and stdout. */
function timedRun(argv: string[]): Promise<{ ms: number; code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NO_COLOR: '1' } });
    const forget = guard.addChild(`start-up run ${argv.join(' ')}`, child);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => {
      void forget();
      resolve({ ms: performance.now() - t0, code, stdout });
    });
  });
}

export async function startupBench(opts: BenchOptions): Promise<BenchmarkResult> {
  const started = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'cni-trace-bench-startup-'));
  try {
    const bin = cliBin(tmp);
    // Each run is short: more runs than the minimum make the medians steadier at little cost.
    const runs = opts.quick ? opts.runs : Math.max(opts.runs, 21);
    const check = await timedRun([process.execPath, bin, '--help']);
    if (check.code !== 0 || !/--src/.test(check.stdout)) throw new Error(`cni-trace --help failed (exit ${check.code})`);
    const [node, help] = await interleave(runs, [
      async () => (await timedRun([process.execPath, '-e', '0'])).ms,
      async () => {
        const r = await timedRun([process.execPath, bin, '--help']);
        if (r.code !== 0) throw new Error(`cni-trace --help exited ${r.code}`);
        return r.ms;
      },
    ]);
    return {
      id: 'startup',
      title: 'Start-up: cni-trace --help vs node -e 0',
      status: 'ok',
      runs,
      rows: [row('cni-trace --help vs node -e 0 (wall time, new process)', stat('cni-trace --help', 'ms', help!), ratioAtMost(3, 'node -e 0'), stat('node -e 0', 'ms', node!))],
      notes: [`bin: ${bin.startsWith(repoRoot) ? bin.slice(repoRoot.length + 1) : `a copy of bin/cni-trace.js importing ${distName()}/`}; ${runs} interleaved runs each`],
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
