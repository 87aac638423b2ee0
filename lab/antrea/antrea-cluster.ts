/**
 * Brings an {@link AntreaClusterPlan} to life: per node an ovsdb-server and
 * `ovs-vswitchd --enable-dummy=override` in the node's own run directory, `br-int` with
 * `antrea-tun0` (geneve, `remote_ip=flow` like Antrea), `antrea-gw0` (internal) and the pod ports,
 * Antrea's table names as Flow_Table rows, then the groups and flows. Returns once every node's
 * flows are installed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedProcess } from '../process/process-control.js';
import { startOvsNodeDaemons, vsctl } from '../process/ovs-node-daemons.js';
import { runCommand } from '../process/run-command.js';
import { mapArgs } from '../ovn/ovsdb-syntax.js';
import { nodeDirName } from '../ovn/ovn-cluster.js';
import { BRIDGE, GATEWAY_OFPORT, GATEWAY_PORT, TUNNEL_OFPORT, TUNNEL_PORT } from './antrea-names.js';
import type { AntreaClusterPlan, AntreaNodePlan } from './pipeline-plan.js';
import type { AntreaClusterRuntime, AntreaNodeRuntime } from './antrea-runtime-types.js';

/** A node's data plane did not come up as planned. */
export class AntreaLabError extends Error {
  readonly code = 'LAB_ANTREA_NOT_READY';
  constructor(message: string) {
    super(message);
    this.name = 'AntreaLabError';
  }
}

/** Options for {@link startAntreaCluster}. */
export interface StartAntreaOptions {
  /** Called for each process as soon as it runs, so a caller can stop it if a later step fails. */
  onProcess: (p: ManagedProcess) => void;
  signal?: AbortSignal;
}

/** Paths of a node under `runDir` (no I/O). */
export function antreaNodeLayout(plan: AntreaNodePlan, index: number, runDir: string): Omit<AntreaNodeRuntime, 'processes'> {
  const ovsRunDir = join(runDir, nodeDirName(plan.name, index), 'ovs');
  return {
    name: plan.name,
    nodeIP: plan.nodeIP,
    podSubnet: plan.podSubnet,
    gatewayIP: plan.gatewayIP,
    gatewayMac: plan.gatewayMac,
    ovsRunDir,
    ovsDbSocket: join(ovsRunDir, 'db.sock'),
    brIntMgmt: join(ovsRunDir, `${BRIDGE}.mgmt`),
    hostEnv: { OVS_RUNDIR: ovsRunDir, OVS_DBDIR: ovsRunDir, OVS_LOGDIR: ovsRunDir },
    ports: plan.ports,
  };
}

/** Starts every node's OVS and programs it. */
export async function startAntreaCluster(plan: AntreaClusterPlan, runDir: string, opts: StartAntreaOptions): Promise<AntreaClusterRuntime> {
  rmSync(runDir, { recursive: true, force: true });
  const processes: ManagedProcess[] = [];
  const track = (p: ManagedProcess): ManagedProcess => {
    processes.push(p);
    opts.onProcess(p);
    return p;
  };
  const nodes = await Promise.all(
    plan.nodes.map(async (np, i) => {
      const layout = antreaNodeLayout(np, i, runDir);
      mkdirSync(layout.ovsRunDir, { recursive: true });
      const procs = await startNodeOvs(layout, track);
      if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('lab start aborted');
      await programNode(layout, np, plan.tableNames);
      return { ...layout, processes: procs };
    }),
  );
  return { runDir, nodes, processes };
}

function startNodeOvs(n: Omit<AntreaNodeRuntime, 'processes'>, track: (p: ManagedProcess) => ManagedProcess): Promise<ManagedProcess[]> {
  return startOvsNodeDaemons(n, track);
}

async function programNode(n: Omit<AntreaNodeRuntime, 'processes'>, plan: AntreaNodePlan, tableNames: readonly string[]): Promise<void> {
  const cmds: string[][] = [
    ['--may-exist', 'add-br', BRIDGE],
    // Antrea's bridge: secure fail mode, OpenFlow 1.0–1.5, no in-band control.
    ['set', 'Bridge', BRIDGE, 'fail-mode=secure', 'protocols=OpenFlow10,OpenFlow13,OpenFlow15', ...mapArgs('other_config', { 'disable-in-band': 'true' })],
    ['--may-exist', 'add-port', BRIDGE, TUNNEL_PORT],
    ['set', 'Interface', TUNNEL_PORT, 'type=geneve', `ofport_request=${TUNNEL_OFPORT}`, 'options:remote_ip=flow', 'options:key=flow', 'options:csum=true', ...mapArgs('external_ids', { 'antrea-type': 'tunnel' })],
    ['--may-exist', 'add-port', BRIDGE, GATEWAY_PORT],
    ['set', 'Interface', GATEWAY_PORT, 'type=internal', `ofport_request=${GATEWAY_OFPORT}`, `mac=${JSON.stringify(plan.gatewayMac)}`, ...mapArgs('external_ids', { 'antrea-type': 'gateway' })],
  ];
  for (const p of plan.ports) {
    cmds.push(['--may-exist', 'add-port', BRIDGE, p.name]);
    cmds.push(['set', 'Interface', p.name, 'type=dummy', `ofport_request=${p.ofport}`, `mac=${JSON.stringify(p.mac)}`, ...mapArgs('external_ids', p.externalIds)]);
  }
  // Table names: one Flow_Table row per table, so `dump-table-features` and `dump-flows --names`
  // show Antrea's names (the agent sets them through OFPMP_TABLE_FEATURES; the effect is the same).
  const tableSets: string[] = [];
  tableNames.forEach((name, id) => {
    cmds.push(['--id=@t' + id, 'create', 'Flow_Table', `name=${name}`]);
    tableSets.push(`flow_tables:${id}=@t${id}`);
  });
  cmds.push(['set', 'Bridge', BRIDGE, ...tableSets]);
  await vsctl(n, cmds);
  const ofctl = (args: string[], input?: string) => runCommand(['ovs-ofctl', '-O', 'OpenFlow15', ...args], { env: n.hostEnv, input });
  if (plan.groups.length > 0) await ofctl(['add-groups', BRIDGE, '-'], `${plan.groups.join('\n')}\n`);
  await ofctl(['add-flows', BRIDGE, '-'], `${plan.flows.join('\n')}\n`);
  // Check the result: every port has its planned ofport and every flow is installed.
  const { stdout } = await runCommand(['ovs-vsctl', `--db=unix:${n.ovsDbSocket}`, '--format=json', '--columns=name,ofport', 'list', 'Interface'], { env: n.hostEnv });
  const ofports = new Map((JSON.parse(stdout) as { data: [string, number][] }).data.map(([name, ofport]) => [name, ofport]));
  for (const [name, want] of [[TUNNEL_PORT, TUNNEL_OFPORT], [GATEWAY_PORT, GATEWAY_OFPORT], ...plan.ports.map((p) => [p.name, p.ofport] as const)] as const) {
    if (ofports.get(name) !== want) throw new AntreaLabError(`${n.name}: port ${name} got ofport ${String(ofports.get(name))}, expected ${want}`);
  }
  const dump = await ofctl(['dump-flows', BRIDGE, '--no-stats']);
  const installed = dump.stdout.split('\n').filter((l) => l.includes('actions=')).length;
  if (installed !== plan.flows.length) throw new AntreaLabError(`${n.name}: ${installed} flows installed, ${plan.flows.length} planned`);
}

