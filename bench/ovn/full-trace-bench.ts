/**
 * Benchmark 1: one full inter-node OVN trace (every leg: forward, remote, reverse, reply,
 * ofproto/trace on both nodes, detrace) through the lab's emulated API exec path, against
 * ovnkube-trace's way of working (the same commands, sequential, with its discovery look-ups), and
 * against the floor: the slowest single leg run alone.
 */
import 'reflect-metadata';
import { container } from 'tsyringe';
import { traceToResult } from '../../core/tracer.js';
import { createTraceRequest } from '../../core/request-defaults.js';
import type { TraceRequest, TraceResult } from '../../core/model.js';
import { registerOvnDriver } from '../../drivers/ovn/index.js';
import type { BenchOptions, BenchmarkResult } from '../harness/bench-types.js';
import { startBenchLab } from '../harness/bench-lab.js';
import { defaultScenario } from '../harness/bench-paths.js';
import { cores, measureCpu } from '../harness/cpu-meter.js';
import { median, ratioAtMost, round, row, stat } from '../harness/stats.js';
import { OvnkubeTraceSequence, runLegAlone } from './ovnkube-trace-sequence.js';
import { TraceCommandsAlone } from './trace-commands-alone.js';

/** The inter-node pod→pod trace of the default scenario (client on ovn-worker, api on ovn-worker2). */
export function interNodeRequest(): TraceRequest {
  return createTraceRequest({
    source: { kind: 'pod', namespace: 'frontend', name: 'client' },
    destination: { kind: 'pod', namespace: 'frontend', name: 'api' },
    packet: { protocol: 'tcp', dstPort: 8080 },
  });
}

/** A result's shape without timings, to check every run did the same work. */
export function resultShape(r: TraceResult): string {
  return JSON.stringify([r.verdict, r.legs.map((l) => [l.id, l.verdict, l.command?.exitCode])]);
}

export async function ovnFullTraceBench(opts: BenchOptions): Promise<BenchmarkResult> {
  const started = performance.now();
  const { lab, stop } = await startBenchLab(defaultScenario);
  try {
    const kubeconfig = lab.kubeconfigPath!;
    const drivers = container.createChildContainer();
    registerOvnDriver(drivers);
    const request = interNodeRequest();
    // A new client per trace, as a new CLI process has.
    const runCniTrace = () => traceToResult(request, { container: drivers, kube: { kubeconfig } });

    const reference = await runCniTrace();
    if (reference.verdict !== 'delivered') throw new Error(`the reference trace was not delivered: ${reference.verdict} (${reference.reason})`);
    const shape = resultShape(reference);
    const sequence = new OvnkubeTraceSequence(kubeconfig, reference);
    const warm = await sequence.run();
    opts.log(`ovn-full-trace: ${reference.legs.length} legs; ovnkube-trace sequence: ${warm.execs} execs, ${warm.apiCalls} API calls`);
    const commands = await TraceCommandsAlone.plan(lab, reference, warm.legStdout);
    await commands.run();

    // CPU of every process involved: this one (client) and the API daemon with the commands it spawns.
    const daemon = lab.processes.find((p) => p.name === 'kube-api-server')?.pid;
    const pids: Array<number | 'self'> = ['self', ...(daemon ? [daemon] : [])];
    const baseline: number[] = [];
    const candidate: number[] = [];
    const baselineCpu: number[] = [];
    const candidateCpu: number[] = [];
    const alone = new Map<string, number[]>(reference.legs.map((l) => [l.id, []]));
    const commandsWall: number[] = [];
    const commandsCpu: number[] = [];
    const commandsAtOnce: number[] = [];
    const measureBaseline = async () => {
      const { value, cpuMs } = await measureCpu(pids, () => sequence.run());
      baseline.push(value.ms);
      baselineCpu.push(cpuMs);
    };
    const measureCandidate = async () => {
      const { value, cpuMs } = await measureCpu(pids, async () => {
        const t0 = performance.now();
        const r = await runCniTrace();
        return { ms: performance.now() - t0, r };
      });
      candidate.push(value.ms);
      candidateCpu.push(cpuMs);
      if (resultShape(value.r) !== shape) throw new Error(`a cni-trace run differed from the reference: ${resultShape(value.r)}`);
    };
    const measureLegs = async () => {
      for (const leg of reference.legs) {
        const stdin = leg.tool === 'ovn-detrace' ? warm.legStdout.get(leg.id.replace(/-detrace$/, '')) : undefined;
        alone.get(leg.id)!.push(await runLegAlone(kubeconfig, leg, stdin));
      }
    };
    const measureCommands = async () => {
      const r = await commands.run();
      commandsWall.push(r.ms);
      commandsCpu.push(r.cpuMs);
      commandsAtOnce.push((await commands.run('all-at-once')).ms);
    };
    const steps = [measureBaseline, measureCandidate, measureLegs, measureCommands];
    for (let i = 0; i < opts.runs; i++) {
      for (let k = 0; k < steps.length; k++) await steps[(k + i) % steps.length]!();
    }

    const legMedians = [...alone].map(([id, s]) => ({ id, median: median(s), samples: s }));
    const slowest = legMedians.reduce((a, b) => (b.median > a.median ? b : a));
    const base = stat('ovnkube-trace sequence', 'ms', baseline);
    const cand = stat('cni-trace', 'ms', candidate);
    const floor = stat(`floor: ${slowest.id} alone`, 'ms', slowest.samples);
    const cpu = median(candidateCpu);
    const n = cores();
    const toolsWall = median(commandsWall);
    const toolsCpu = median(commandsCpu);
    const toolsAtOnce = median(commandsAtOnce);
    return {
      id: 'ovn-full-trace',
      title: 'Full OVN inter-node trace vs ovnkube-trace’s way of working',
      status: 'ok',
      runs: opts.runs,
      rows: [
        row('full inter-node trace (14 legs) vs ovnkube-trace sequence', cand, ratioAtMost(0.5, 'baseline'), base),
        row('full inter-node trace vs the slowest single leg alone', cand, ratioAtMost(1.5, 'floor'), floor),
      ],
      notes: [
        `scenario default (2 nodes, interconnect); trace frontend/client → frontend/api tcp/8080; ${reference.legs.length} legs`,
        `baseline per run: ${warm.execs} execs (bash -c, one at a time) and ${warm.apiCalls} API calls; cni-trace: ${reference.legs.length} legs`,
        'API server: lab daemon (its own process); each run builds a new Kubernetes client',
        `CPU per trace, all processes (client, API daemon, every command it spawned): cni-trace ${Math.round(cpu)} ms, ovnkube-trace sequence ${Math.round(median(baselineCpu))} ms; on ${n} cores cni-trace's wall time cannot go below ${Math.round(cpu / n)} ms (${round(cpu / n / floor.median)}× the floor)`,
        `the trace's tool commands alone (bench/ovn/trace-commands-alone.ts: run straight into the node views, without client, API server or exec, ovn-detrace reading each node's distinct units): in the driver's order ${Math.round(toolsWall)} ms (${round(toolsWall / floor.median)}× the floor), ${Math.round(toolsCpu)} ms CPU; each node's commands all at once ${Math.round(toolsAtOnce)} ms (${round(toolsAtOnce / floor.median)}× the floor). What cni-trace, the API server and the exec path add to the driver's order: ${Math.round(cand.median - toolsWall)} ms wall, ${Math.round(cpu - toolsCpu)} ms CPU`,
      ],
      details: {
        legsAloneMedianMs: Object.fromEntries(legMedians.map((l) => [l.id, round(l.median)])),
        cpuMs: { cniTrace: candidateCpu.map(Math.round), baseline: baselineCpu.map(Math.round) },
        wallLowerBoundMs: Math.round(cpu / n),
        commandsAlone: { wallMs: commandsWall.map(Math.round), cpuMs: commandsCpu.map(Math.round), allAtOnceWallMs: commandsAtOnce.map(Math.round) },
        baselineExecs: warm.execs,
        baselineApiCalls: warm.apiCalls,
      },
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await stop();
  }
}
