/**
 * Captures large real outputs of the three tools at bench time: a lab node with many pods, many
 * NetworkPolicies (ACLs, port groups) and many Services (load balancers), and a broadcast from
 * one pod, which ovn-trace and ofproto/trace follow to every port of the node's switch (each
 * copy through the egress pipeline and its ACL stages); ovn-detrace then annotates that
 * ofproto/trace. The real tools run in the node's view, as through `pods/exec`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalCommandRunner } from '../../core/runner/local-command-runner.js';
import { detraceArgv, logicalConntrackStages, ofprotoTraceArgv, ovnTraceArgv } from '../../drivers/ovn/legs/leg-plan.js';
import { containerEnv, nodeExecWrap } from '../../lab/ovn/node-exec-environment.js';
import { startBenchLab } from '../harness/bench-lab.js';
import { generateScenario, type ScenarioSize } from '../scale/generate-scenario.js';

/** The three captured outputs (stdout), with the commands that produced them. */
export interface LargeOutputs {
  ovnTrace: string;
  ofprotoTrace: string;
  ovnDetrace: string;
  commands: { ovnTrace: string[]; ofprotoTrace: string[]; ovnDetrace: string[] };
  scenario: ScenarioSize;
}

/**
 * The capture scenario: one node (so the broadcast reaches every pod), sized so that the
 * ovn-trace output has more than 10,000 lines in full mode.
 */
export function captureScenario(quick: boolean): ScenarioSize {
  return quick
    ? { name: 'bench-parsers-quick', nodes: 1, pods: 40, namespaces: 4, networkPolicies: 8, services: 6 }
    : { name: 'bench-parsers', nodes: 1, pods: 800, namespaces: 20, networkPolicies: 80, services: 60, subnetPrefix: 22 };
}

/** Starts the capture lab, runs the three tools, stops the lab; optionally saves the outputs. */
export async function captureLargeOutputs(quick: boolean, saveDir?: string): Promise<LargeOutputs> {
  const size = captureScenario(quick);
  const { lab, stop } = await startBenchLab(generateScenario(size), 'none');
  try {
    const node = lab.nodes[0]!;
    const runner = new LocalCommandRunner({ wrap: nodeExecWrap(node), env: containerEnv(), label: `lab ${node.name}` });
    // A pod with no egress policy (role "web": pod numbers not divisible by 3), so the broadcast
    // leaves it and is flooded.
    const pod = node.ports.find((p) => p.pod && Number(p.pod.name.replace(/^pod-/, '')) % 3 !== 0);
    if (!pod) throw new Error('no suitable pod in the capture scenario');
    const ip = pod.ips[0]!.split('/')[0]!;
    const microflow = `inport=="${pod.ifaceId}" && eth.src==${pod.mac} && eth.dst==ff:ff:ff:ff:ff:ff && ip4.src==${ip} && ip4.dst==255.255.255.255 && ip.ttl==64 && udp.src==68 && udp.dst==67`;
    const ovnArgv = ovnTraceArgv({ datapath: node.name, microflow, ct: { state: 'new', count: logicalConntrackStages({ switches: 1 }) } });
    const ofArgv = ofprotoTraceArgv(`in_port=${pod.name},udp,dl_src=${pod.mac},dl_dst=ff:ff:ff:ff:ff:ff,nw_src=${ip},nw_dst=255.255.255.255,nw_ttl=64,udp_src=68,udp_dst=67`);
    const [ovn, of] = await Promise.all([runner.run({ argv: ovnArgv, timeoutMs: 120_000 }), runner.run({ argv: ofArgv, timeoutMs: 120_000 })]);
    if (ovn.exitCode !== 0 || of.exitCode !== 0) throw new Error(`capture failed: ovn-trace exit ${ovn.exitCode} ${ovn.stderr}; ofproto/trace exit ${of.exitCode} ${of.stderr}`);
    const dt = await runner.run({ argv: detraceArgv(), stdin: of.stdout, timeoutMs: 600_000 });
    if (dt.exitCode !== 0) throw new Error(`ovn-detrace exit ${dt.exitCode}: ${dt.stderr}`);
    const out: LargeOutputs = {
      ovnTrace: ovn.stdout,
      ofprotoTrace: of.stdout,
      ovnDetrace: dt.stdout,
      commands: { ovnTrace: ovnArgv, ofprotoTrace: ofArgv, ovnDetrace: detraceArgv() },
      scenario: size,
    };
    if (saveDir) {
      mkdirSync(saveDir, { recursive: true });
      writeFileSync(join(saveDir, 'ovn-trace.txt'), out.ovnTrace);
      writeFileSync(join(saveDir, 'ofproto-trace.txt'), out.ofprotoTrace);
      writeFileSync(join(saveDir, 'ovn-detrace.txt'), out.ovnDetrace);
      writeFileSync(join(saveDir, 'commands.json'), `${JSON.stringify({ ...out.commands, scenario: size }, null, 2)}\n`);
    }
    return out;
  } finally {
    await stop();
  }
}
