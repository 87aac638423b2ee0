/**
 * Benchmark 2: Antrea time to answer. From the moment the lab's Traceflow controller writes the
 * final status (phase Succeeded or Failed) to the moment the program has printed the result and
 * exited: the real cni-trace CLI (it watches the Traceflow) against antctl's behaviour (GET
 * every second), reproduced by bench/antrea/antctl-poll.ts, on the same Antrea lab.
 *
 * The final-status moment is taken from a watch this process keeps on all Traceflows (the
 * controller's write reaches it within a millisecond or so on this machine; both programs are
 * measured from the same event, so that delay counts for neither). Exits are taken from the
 * child processes' exit events in this process, on the same clock.
 */
import { runChild, type ChildRun } from '../harness/child-run.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { BenchOptions, BenchmarkResult } from '../harness/bench-types.js';
import { startBenchLab } from '../harness/bench-lab.js';
import { distPath, repoRoot } from '../harness/bench-paths.js';
import { cliBin } from '../harness/cli-bin.js';
import { guard } from '../harness/resource-guard.js';
import { atMost, interleave, row, stat } from '../harness/stats.js';

/** The Antrea lab scenario the Antrea engineers maintain. */
const ANTREA_SCENARIO = join(repoRoot, 'lab', 'scenarios', 'antrea.yaml');

/** The traced path: frontend/client → backend/web tcp/8080 (allowed by policy, same node). */
const CLI_ARGS = ['-S', 'frontend/client', '-D', 'backend/web', '-f', 'tcp,tcp_dst=8080'];
/** The same Traceflow spec, for the antctl-style script. */
const SPEC = {
  source: { namespace: 'frontend', pod: 'client' },
  destination: { namespace: 'backend', pod: 'web' },
  packet: { ipHeader: { protocol: 6 }, transportHeader: { tcp: { dstPort: 8080, flags: 2 } } },
};

/** Final-status times of Traceflows, by name, from a watch. */
class FinalStatusWatch {
  private readonly finals = new Map<string, number>();
  private readonly created: string[] = [];
  private req: { abort(): void } | undefined;

  async start(kubeconfig: string): Promise<void> {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const ready = new Promise<void>((resolve) => setTimeout(resolve, 200));
    this.req = await new Watch(kc).watch(
      '/apis/crd.antrea.io/v1beta1/traceflows',
      {},
      (type: string, obj: { metadata?: { name?: string }; status?: { phase?: string } }) => {
        const now = performance.now();
        const name = obj.metadata?.name;
        if (!name) return;
        if (type === 'ADDED') this.created.push(name);
        const phase = obj.status?.phase;
        if ((phase === 'Succeeded' || phase === 'Failed') && !this.finals.has(name)) this.finals.set(name, now);
      },
      () => undefined,
    );
    await ready;
  }

  /** Names created since `index`. */
  createdSince(index: number): string[] {
    return this.created.slice(index);
  }

  get createdCount(): number {
    return this.created.length;
  }

  final(name: string): number | undefined {
    return this.finals.get(name);
  }

  stop(): void {
    this.req?.abort();
  }
}

/** Runs a program to its exit; returns the exit time (this process's clock), code and output. */
function runToExit(argv: string[], what: string): Promise<ChildRun> {
  return runChild(argv, what, { env: { NO_COLOR: '1' } });
}

export async function antreaTimeToAnswerBench(opts: BenchOptions): Promise<BenchmarkResult> {
  const started = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'cni-trace-bench-antrea-'));
  const { lab, stop } = await startBenchLab(ANTREA_SCENARIO);
  const watch = new FinalStatusWatch();
  const stopWatch = guard.add('Traceflow watch', async () => watch.stop());
  try {
    const kubeconfig = lab.kubeconfigPath!;
    await watch.start(kubeconfig);
    const bin = cliBin(tmp);
    const antctl = distPath('bench', 'antrea', 'antctl-poll.js');
    const measure = (what: string, argv: string[], ok: (out: string) => boolean) => async () => {
      const before = watch.createdCount;
      const r = await runToExit(argv, what);
      if (r.code !== 0 || !ok(r.stdout)) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      // On a loaded machine the watch events may reach this process after the child exited.
      for (let i = 0; i < 200 && watch.createdSince(before).length === 0; i++) await new Promise((res) => setTimeout(res, 10));
      const names = watch.createdSince(before);
      if (names.length !== 1) throw new Error(`${what}: expected one new Traceflow, saw ${names.length}`);
      for (let i = 0; i < 200 && watch.final(names[0]!) === undefined; i++) await new Promise((res) => setTimeout(res, 10));
      const finalAt = watch.final(names[0]!);
      if (finalAt === undefined) throw new Error(`${what}: no final status seen for Traceflow ${names[0]}`);
      return r.exitAt - finalAt;
    };
    const runs = opts.quick ? opts.runs : Math.max(opts.runs, 9);
    const [cni, poll] = await interleave(runs, [
      measure('cni-trace CLI', [process.execPath, bin, '--kubeconfig', kubeconfig, ...CLI_ARGS], (out) => /Verdict: delivered/.test(out)),
      measure('antctl-style poll', [process.execPath, antctl, kubeconfig, JSON.stringify(SPEC), '20'], (out) => /phase: Succeeded/.test(out)),
    ]);
    const cand = stat('cni-trace (watch)', 'ms', cni!);
    const base = stat('antctl behaviour (GET every 1 s)', 'ms', poll!);
    return {
      id: 'antrea-time-to-answer',
      title: 'Antrea time to answer vs antctl polling',
      status: 'ok',
      runs,
      rows: [row('final Traceflow status → result printed and process exited', cand, atMost(100, 'ms'), base)],
      notes: [
        `lab/scenarios/antrea.yaml, Traceflow frontend/client → backend/web tcp/8080 (delivered); CLI: cni-trace ${CLI_ARGS.join(' ')} (log level 0)`,
        'both include printing the result and deleting the Traceflow before exiting; the final-status moment is when this process\'s watch saw it',
        `baseline: bench/antrea/antctl-poll.ts (create, GET every 1 s with the first poll after 1 s, print YAML, delete), interleaved with the CLI, ${runs} runs each`,
      ],
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await stopWatch();
    await stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
