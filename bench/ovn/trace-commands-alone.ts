/**
 * The tool commands of one cni-trace trace, run alone: straight into the lab's node views (no
 * client, no API server, no exec stream, no shell session), on each node in the order the driver
 * runs them: the node probe, the ofproto/traces, then the ovn-traces one at a time, while one
 * ovn-detrace (started with the probe) reads the distinct units of that node's ofproto/traces.
 *
 * This is what the tools themselves cost on this machine. The wall time of a full trace cannot
 * go below it by any change to cni-trace; the difference is what cni-trace, the API server and
 * the exec path add.
 */
import type { Leg, TraceResult } from '../../core/model.js';
import { nodeProbeArgv } from '../../drivers/ovn/discovery/node-probe.js';
import { echoProbeLine, echoStyleFromProbe, lookupFeed, splitUnits, unitKey, type EchoStyle } from '../../drivers/ovn/legs/detrace-units.js';
import type { Lab } from '../../lab/lab.js';
import { runChild } from '../harness/child-run.js';
import { processCpuMs } from '../harness/cpu-meter.js';

/** Every command is given this long before it is killed (and the run fails). */
const COMMAND_TIMEOUT_MS = 60_000;

/** One node's share of the trace. */
interface NodeCommands {
  node: string;
  /** argv of the probe, the ofproto/traces and the ovn-traces, in the order the driver runs them. */
  sequence: Array<{ what: string; argv: string[]; exitCode: number }>;
  /** The ovn-detrace argv and the units it reads (as the node's session asks them). */
  detrace?: { argv: string[]; stdin: string };
}

/** The result of one run. */
export interface CommandsAloneRun {
  ms: number;
  /** CPU of the commands (reaped children of this process), ms. */
  cpuMs: number;
}

/** Runs one command inside a node view; rejects unless it exits with `exitCode`. Resolves with its output. */
async function runInNode(lab: Lab, node: string, what: string, argv: string[], exitCode: number, stdin = ''): Promise<string> {
  const cmd = lab.nodeExec(node, argv);
  const r = await runChild(cmd.argv, `${what} on ${node}`, { env: cmd.env, stdin, timeoutMs: COMMAND_TIMEOUT_MS });
  if (r.code !== exitCode) throw new Error(`${what} on ${node} alone: exit ${r.code ?? r.signal}, in the trace ${exitCode}`);
  return r.stdout;
}

/** The trace's tool commands, per node, ready to run alone. */
export class TraceCommandsAlone {
  private constructor(
    private readonly lab: Lab,
    private readonly nodes: NodeCommands[],
  ) {}

  /**
   * Plans the commands of `reference` (a cni-trace result). `ofprotoStdout` gives each
   * ofproto/trace leg's output (the detrace legs' input).
   */
  static async plan(lab: Lab, reference: TraceResult, ofprotoStdout: ReadonlyMap<string, string>): Promise<TraceCommandsAlone> {
    const byNode = new Map<string, Leg[]>();
    for (const leg of reference.legs) {
      if (!leg.command || !leg.node) continue;
      byNode.set(leg.node, [...(byNode.get(leg.node) ?? []), leg]);
    }
    const nodes: NodeCommands[] = [];
    for (const [node, legs] of byNode) {
      const cmd = (l: Leg) => ({ what: l.id, argv: l.command!.argv, exitCode: l.command!.exitCode ?? 0 });
      const sequence = [
        { what: 'node probe', argv: nodeProbeArgv(node, { detrace: false }), exitCode: 0 },
        ...legs.filter((l) => l.tool === 'ovs-appctl ofproto/trace').map(cmd),
        ...legs.filter((l) => l.tool === 'ovn-trace').map(cmd),
      ];
      const detraceLegs = legs.filter((l) => l.tool === 'ovn-detrace');
      let detrace: NodeCommands['detrace'];
      if (detraceLegs.length) {
        const argv = detraceLegs[0]!.command!.argv;
        const style = await echoStyle(lab, node, argv);
        const asked = new Map<string, string[]>();
        for (const leg of detraceLegs) {
          const text = ofprotoStdout.get(leg.id.replace(/-detrace$/, ''));
          if (text === undefined) throw new Error(`no ofproto/trace output for ${leg.id}`);
          const units = splitUnits(text);
          if (!units) throw new Error(`the ofproto/trace output for ${leg.id} is not plain text`);
          for (const u of units) {
            const key = unitKey(u, style);
            if (!asked.has(key)) asked.set(key, u);
          }
        }
        detrace = { argv, stdin: lookupFeed([...asked.values()]).map((l) => `${l}\n`).join('') };
      }
      nodes.push({ node, sequence, ...(detrace ? { detrace } : {}) });
    }
    return new TraceCommandsAlone(lab, nodes);
  }

  /**
   * Runs every node's commands (the nodes at the same time); the wall time and the commands' CPU.
   * `all-at-once`: every command of a node starts at once instead of one after another, the
   * schedule with the least waiting (the tools' own lower bound on this machine).
   */
  async run(schedule: 'driver' | 'all-at-once' = 'driver'): Promise<CommandsAloneRun> {
    const cpu0 = processCpuMs('self')!.children;
    const t0 = performance.now();
    await Promise.all(
      this.nodes.map(async (n) => {
        const detrace = n.detrace ? runInNode(this.lab, n.node, 'ovn-detrace', n.detrace.argv, 0, n.detrace.stdin) : undefined;
        // Awaited with the sequence, so its failure is not left unhandled while the sequence runs.
        const settled = detrace?.then(
          () => undefined,
          (err: unknown) => err,
        );
        if (schedule === 'all-at-once') await Promise.all(n.sequence.map((c) => runInNode(this.lab, n.node, c.what, c.argv, c.exitCode)));
        else for (const c of n.sequence) await runInNode(this.lab, n.node, c.what, c.argv, c.exitCode);
        const err = await settled;
        if (err) throw err;
      }),
    );
    const ms = performance.now() - t0;
    return { ms, cpuMs: processCpuMs('self')!.children - cpu0 };
  }
}

/** How the node's ovn-detrace echoes its input (what a session learns from its probe line). */
async function echoStyle(lab: Lab, node: string, argv: string[]): Promise<EchoStyle> {
  const marker = `cni-trace-bench-${process.pid}`;
  const out = await runInNode(lab, node, 'ovn-detrace (echo check)', argv, 0, `${echoProbeLine(marker)}\n`);
  const echoed = out.split('\n').find((l) => l.includes(marker));
  const style = echoed === undefined ? undefined : echoStyleFromProbe(echoed, marker);
  if (!style) throw new Error(`ovn-detrace on ${node} echoed its input in an unknown way: ${JSON.stringify(echoed)}`);
  return style;
}
