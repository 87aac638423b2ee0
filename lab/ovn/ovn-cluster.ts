/**
 * Brings an {@link OvnClusterPlan} to life with real OVS/OVN processes: per zone an NB and an SB
 * ovsdb-server plus ovn-northd; per node an ovsdb-server, `ovs-vswitchd --enable-dummy=override`
 * and ovn-controller, each with its own run directory. Then fills the databases and waits until
 * every port is bound and its flows are installed.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDetachingDaemon, type ManagedProcess } from '../process/process-control.js';
import { runCommand } from '../process/run-command.js';
import { startOvsNodeDaemons, vsctl } from '../process/ovs-node-daemons.js';
import type { DbCommand, NodePlan, OvnClusterPlan, ZonePlan } from './ovn-plan-types.js';
import type { NodeRuntime, OvnClusterRuntime, ZoneRuntime } from './ovn-runtime-types.js';
import { MGMT_OVS_PORT } from './ovn-names.js';
import { startNodeView } from './node-exec-environment.js';
import { mapArgs } from './ovsdb-syntax.js';

const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema';
const SB_SCHEMA = '/usr/share/ovn/ovn-sb.ovsschema';

/** The lab did not become ready in time. */
export class LabNotReadyError extends Error {
  readonly code = 'LAB_NOT_READY';
  constructor(message: string) {
    super(message);
    this.name = 'LabNotReadyError';
  }
}

/** Options for {@link startOvnCluster}. */
export interface StartOvnOptions {
  /** Called for each process as soon as it runs, so a caller can stop it if a later step fails. */
  onProcess: (p: ManagedProcess) => void;
  /** How long to wait for bindings and flows (default 60 s). */
  readyTimeoutMs?: number;
  /** Aborts the start (e.g. Ctrl-C); already started processes are reported through onProcess. */
  signal?: AbortSignal;
}

/** Directory names for a node: its name when short, else `n<index>` (keeps socket paths short). */
export function nodeDirName(node: string, index: number): string {
  return node.length <= 24 ? node : `n${index}`;
}

/** Computes every path of the runtime layout under `runDir` without touching the disk. */
export function runtimeLayout(plan: OvnClusterPlan, runDir: string): { zones: ZoneRuntime[]; nodes: Omit<NodeRuntime, 'ports' | 'processes'>[] } {
  const nodeDirs = new Map(plan.nodes.map((n, i) => [n.name, join(runDir, nodeDirName(n.name, i))]));
  const zones: ZoneRuntime[] = plan.zones.map((z) => {
    // Interconnect: the zone's databases live in the node's own OVN run dir, exactly where an
    // ovnkube-node pod has them. Central: one shared directory.
    const dir = plan.mode === 'interconnect' ? join(nodeDirs.get(z.nodes[0]!)!, 'ovn') : join(runDir, 'central');
    return { name: z.name, dir, nbSocket: join(dir, 'ovnnb_db.sock'), sbSocket: join(dir, 'ovnsb_db.sock'), nodes: [...z.nodes] };
  });
  const nodes = plan.nodes.map((n) => {
    const base = nodeDirs.get(n.name)!;
    const ovsRunDir = join(base, 'ovs');
    const ovnRunDir = join(base, 'ovn');
    const zone = zones.find((z) => z.name === n.zone)!;
    return {
      name: n.name,
      zone: n.zone,
      nodeIP: n.nodeIP,
      nodeId: n.nodeId,
      ovsRunDir,
      ovnRunDir,
      ovsDbSocket: join(ovsRunDir, 'db.sock'),
      nbSocket: join(ovnRunDir, 'ovnnb_db.sock'),
      sbSocket: join(ovnRunDir, 'ovnsb_db.sock'),
      brIntMgmt: join(ovsRunDir, 'br-int.mgmt'),
      hostEnv: {
        OVS_RUNDIR: ovsRunDir,
        OVS_DBDIR: ovsRunDir,
        OVS_LOGDIR: ovsRunDir,
        OVN_RUNDIR: ovnRunDir,
        OVN_DBDIR: ovnRunDir,
        OVN_LOGDIR: ovnRunDir,
        OVN_NB_DB: `unix:${join(ovnRunDir, 'ovnnb_db.sock')}`,
        OVN_SB_DB: `unix:${join(ovnRunDir, 'ovnsb_db.sock')}`,
      },
      zoneDir: zone.dir,
    };
  });
  return { zones, nodes: nodes.map(({ zoneDir: _z, ...rest }) => rest) };
}

/** Starts the whole cluster and returns once every port is bound and flows are installed. */
export async function startOvnCluster(plan: OvnClusterPlan, runDir: string, opts: StartOvnOptions): Promise<OvnClusterRuntime> {
  const layout = runtimeLayout(plan, runDir);
  const processes: ManagedProcess[] = [];
  const track = (p: ManagedProcess): ManagedProcess => {
    processes.push(p);
    opts.onProcess(p);
    return p;
  };
  const checkAbort = (): void => {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('lab start aborted');
  };
  rmSync(runDir, { recursive: true, force: true });
  for (const n of layout.nodes) {
    mkdirSync(n.ovsRunDir, { recursive: true });
    mkdirSync(n.ovnRunDir, { recursive: true });
  }
  for (const z of layout.zones) mkdirSync(z.dir, { recursive: true });

  // 1. Zone control planes (in parallel: zones are independent).
  await Promise.all(layout.zones.map((z) => startZone(z, track)));
  checkAbort();
  if (plan.mode === 'central') {
    // Every node's OVN run dir shows the central sockets under the usual names.
    for (const n of layout.nodes) {
      const z = layout.zones[0]!;
      symlinkSync(z.nbSocket, n.nbSocket);
      symlinkSync(z.sbSocket, n.sbSocket);
    }
  }

  // 2. Node OVS (databases + vswitchd + br-int + ports).
  const nodeProcs = new Map<string, ManagedProcess[]>();
  await Promise.all(
    layout.nodes.map(async (n) => {
      const planNode = plan.nodes.find((p) => p.name === n.name)!;
      const procs = await startNodeOvs(n, planNode, track);
      nodeProcs.set(n.name, procs);
    }),
  );
  checkAbort();

  // 3. Remote chassis and northbound contents, per zone.
  await Promise.all(
    plan.zones.map(async (zp) => {
      const z = layout.zones.find((x) => x.name === zp.name)!;
      // Remote chassis first, so northd finds the chassis named by remote ports' requested-chassis.
      if (zp.remoteChassis.length > 0) {
        const cmds: DbCommand[] = [];
        for (const c of zp.remoteChassis) {
          cmds.push(['chassis-add', c.name, 'geneve', c.encapIp]);
          cmds.push(['set', 'Chassis', c.name, ...mapArgs('other_config', { 'is-remote': 'true' }), `hostname=${JSON.stringify(c.hostname)}`]);
        }
        await sbctl(z.sbSocket, cmds);
      }
      for (const txn of zp.nbTransactions) await nbctl(z.nbSocket, txn);
    }),
  );
  checkAbort();

  // 4. ovn-controller on every node.
  await Promise.all(
    layout.nodes.map(async (n) => {
      const p = track(
        await startDetachingDaemon({
          name: `${n.name}/ovn-controller`,
          argv: ['ovn-controller', '--detach', '--no-chdir', `--pidfile=${join(n.ovnRunDir, 'ovn-controller.pid')}`, `--log-file=${join(n.ovnRunDir, 'ovn-controller.log')}`, `unix:${n.ovsDbSocket}`],
          env: n.hostEnv,
          pidFile: join(n.ovnRunDir, 'ovn-controller.pid'),
          logFile: join(n.ovnRunDir, 'ovn-controller.log'),
        }),
      );
      nodeProcs.get(n.name)!.push(p);
    }),
  );
  checkAbort();

  // 5. Wait: northd has written the SB, remote transit ports are bound to their chassis, every
  //    local port is bound, every chassis has caught up (hv_cfg) and flows are installed.
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  const remaining = (): number => Math.max(1000, deadline - Date.now());
  await Promise.all(
    plan.zones.map(async (zp) => {
      const z = layout.zones.find((x) => x.name === zp.name)!;
      await nbctl(z.nbSocket, [['--wait=sb', `--timeout=${Math.ceil(remaining() / 1000)}`, 'sync']]);
      await bindRemotePorts(z, zp);
      await writeMacBindings(z, zp);
    }),
  );
  await waitForBindings(plan, layout.zones, deadline, opts.signal);
  await Promise.all(layout.zones.map((z) => nbctl(z.nbSocket, [['--wait=hv', `--timeout=${Math.ceil(remaining() / 1000)}`, 'sync']])));
  // 6. Each node's view (what its ovnkube-node container sees), joined by every exec.
  const views = new Map<string, ManagedProcess>();
  for (const n of layout.nodes) {
    const view = track(await startNodeView(n, join(dirname(n.ovsRunDir), 'node-view.pid'), join(dirname(n.ovsRunDir), 'node-view.log')));
    views.set(n.name, view);
    nodeProcs.get(n.name)!.push(view);
  }
  const nodes: NodeRuntime[] = await Promise.all(
    layout.nodes.map(async (n) => {
      const ports = await readOfports(n, plan.nodes.find((p) => p.name === n.name)!);
      await waitForFlows(n.name, n.brIntMgmt, ports.map((p) => p.ofport), deadline, opts.signal);
      return { ...n, ports, viewPid: views.get(n.name)!.pid, processes: nodeProcs.get(n.name) ?? [] };
    }),
  );
  // Remote bindings again: northd must not have cleared them meanwhile.
  for (const zp of plan.zones) await checkRemoteBindings(layout.zones.find((x) => x.name === zp.name)!, zp);
  return { mode: plan.mode, runDir, zones: layout.zones, nodes, processes };
}

async function startZone(z: ZoneRuntime, track: (p: ManagedProcess) => ManagedProcess): Promise<void> {
  const env = { OVN_RUNDIR: z.dir, OVN_DBDIR: z.dir, OVN_LOGDIR: z.dir, OVS_RUNDIR: z.dir };
  for (const [db, schema, sock] of [
    ['ovnnb_db', NB_SCHEMA, z.nbSocket],
    ['ovnsb_db', SB_SCHEMA, z.sbSocket],
  ] as const) {
    const file = join(z.dir, `${db}.db`);
    await runCommand(['ovsdb-tool', 'create', file, schema]);
    track(
      await startDetachingDaemon({
        name: `zone ${z.name}/${db}`,
        argv: [
          'ovsdb-server',
          '--detach',
          '--no-chdir',
          `--pidfile=${join(z.dir, `${db}.pid`)}`,
          `--log-file=${join(z.dir, `${db}.log`)}`,
          `--remote=punix:${sock}`,
          `--unixctl=${join(z.dir, `${db}.ctl`)}`,
          file,
        ],
        env,
        pidFile: join(z.dir, `${db}.pid`),
        logFile: join(z.dir, `${db}.log`),
      }),
    );
  }
  track(
    await startDetachingDaemon({
      name: `zone ${z.name}/ovn-northd`,
      argv: [
        'ovn-northd',
        '--detach',
        '--no-chdir',
        `--pidfile=${join(z.dir, 'ovn-northd.pid')}`,
        `--log-file=${join(z.dir, 'ovn-northd.log')}`,
        `--ovnnb-db=unix:${z.nbSocket}`,
        `--ovnsb-db=unix:${z.sbSocket}`,
      ],
      env,
      pidFile: join(z.dir, 'ovn-northd.pid'),
      logFile: join(z.dir, 'ovn-northd.log'),
    }),
  );
}

async function startNodeOvs(n: Omit<NodeRuntime, 'ports' | 'processes'>, plan: NodePlan, track: (p: ManagedProcess) => ManagedProcess): Promise<ManagedProcess[]> {
  const procs = await startOvsNodeDaemons(n, track, [
    ['set', 'Open_vSwitch', '.', ...mapArgs('external_ids', { ...plan.chassisExternalIds, 'ovn-remote': `unix:${n.sbSocket}` })],
  ]);
  const cmds: DbCommand[] = [
    ['--may-exist', 'add-br', 'br-int'],
    ['set', 'Bridge', 'br-int', 'fail-mode=secure', ...mapArgs('other_config', { 'disable-in-band': 'true' })],
  ];
  // The provider bridge: its LOCAL port carries the node IP on a real node; the uplink is a dummy.
  const ext = plan.externalBridge;
  cmds.push(['--may-exist', 'add-br', ext.name]);
  cmds.push(['set', 'Bridge', ext.name, `other_config:hwaddr=${JSON.stringify(ext.mac)}`]);
  cmds.push(['--may-exist', 'add-port', ext.name, ext.uplink]);
  cmds.push(['set', 'Interface', ext.uplink, 'type=dummy']);
  for (const p of plan.ports) {
    cmds.push(['--may-exist', 'add-port', 'br-int', p.name]);
    cmds.push([
      'set',
      'Interface',
      p.name,
      // The management port is an internal port in ovn-kubernetes too; only internal ports
      // honour `mac`, so `mac_in_use` of ovn-k8s-mp0 shows the k8s-<node> MAC as on a real node.
      p.name === MGMT_OVS_PORT ? 'type=internal' : 'type=dummy',
      `mac=${JSON.stringify(p.mac)}`,
      ...mapArgs('external_ids', { 'iface-id': p.ifaceId, 'attached-mac': p.mac, 'iface-status': 'active', ...(p.ips.length ? { ip_addresses: p.ips.join(',') } : {}) }),
    ]);
  }
  await vsctl(n, cmds);
  return procs;
}

function joinCommands(cmds: DbCommand[]): string[] {
  const out: string[] = [];
  cmds.forEach((c, i) => {
    if (i > 0) out.push('--');
    out.push(...c);
  });
  return out;
}

/**
 * Runs NB commands in one `ovn-nbctl` call: one transaction, so `--id=@x` references work and the
 * zone never shows a half-built topology.
 */
export async function nbctl(socket: string, cmds: DbCommand[]): Promise<string> {
  return (await runCommand(['ovn-nbctl', `--db=unix:${socket}`, ...joinCommands(cmds)])).stdout;
}

/** Runs SB commands in one `ovn-sbctl` call. */
export async function sbctl(socket: string, cmds: DbCommand[]): Promise<string> {
  return (await runCommand(['ovn-sbctl', `--db=unix:${socket}`, ...joinCommands(cmds)])).stdout;
}

async function bindRemotePorts(z: ZoneRuntime, zp: ZonePlan): Promise<void> {
  // ovn-ic would bind remote transit ports to their chassis; without ovn-ic the lab does it, so
  // ovn-controller knows which tunnel leads to each remote node.
  if (zp.remotePortBindings.length === 0) return;
  await sbctl(
    z.sbSocket,
    zp.remotePortBindings.map((b) => ['lsp-bind', b.port, b.chassis]),
  );
}

/**
 * Writes the gateway routers' learned neighbours as SB MAC_Binding rows (what ovn-controller
 * writes on an ARP reply). Their timestamp lies far ahead, so northd's MAC binding ageing
 * (mac_binding_age_threshold) never removes them: no ARP traffic refreshes them in the lab.
 */
async function writeMacBindings(z: ZoneRuntime, zp: ZonePlan): Promise<void> {
  if (zp.macBindings.length === 0) return;
  const out = await sbctl(z.sbSocket, [['--format=json', '--columns=_uuid,external_ids', 'list', 'Datapath_Binding']]);
  const datapaths = new Map<string, string>();
  for (const row of (JSON.parse(out) as { data: unknown[][] }).data) {
    const ids = Object.fromEntries((row[1] as [string, Array<[string, string]>])[1]);
    if (ids.name) datapaths.set(ids.name, (row[0] as [string, string])[1]);
  }
  const farFuture = Date.now() + 10 * 365 * 24 * 3600 * 1000;
  const cmds: DbCommand[] = [];
  for (const b of zp.macBindings) {
    const dp = datapaths.get(b.router);
    if (!dp) throw new LabNotReadyError(`zone ${z.name}: northd made no datapath for gateway router ${b.router}`);
    cmds.push(['create', 'MAC_Binding', `logical_port=${JSON.stringify(b.port)}`, `ip=${JSON.stringify(b.ip)}`, `mac=${JSON.stringify(b.mac)}`, `datapath=${dp}`, `timestamp=${farFuture}`]);
  }
  await sbctl(z.sbSocket, cmds);
}

async function checkRemoteBindings(z: ZoneRuntime, zp: ZonePlan): Promise<void> {
  if (zp.remotePortBindings.length === 0) return;
  const bindings = await portBindings(z.sbSocket);
  for (const b of zp.remotePortBindings) {
    if (bindings.get(b.port) !== b.chassis) throw new LabNotReadyError(`zone ${z.name}: remote port ${b.port} is not bound to chassis ${b.chassis}`);
  }
}

/** logical_port → chassis name, for every bound Port_Binding of a SB. */
async function portBindings(sbSocket: string): Promise<Map<string, string>> {
  const chassisOut = await sbctl(sbSocket, [['--format=json', '--columns=_uuid,name', 'list', 'Chassis']]);
  const chassisByUuid = new Map<string, string>();
  for (const row of (JSON.parse(chassisOut) as { data: unknown[][] }).data) {
    chassisByUuid.set((row[0] as [string, string])[1], row[1] as string);
  }
  const pbOut = await sbctl(sbSocket, [['--format=json', '--columns=logical_port,chassis', 'list', 'Port_Binding']]);
  const m = new Map<string, string>();
  for (const row of (JSON.parse(pbOut) as { data: unknown[][] }).data) {
    const chassis = row[1] as [string, unknown];
    if (chassis[0] === 'uuid') m.set(row[0] as string, chassisByUuid.get(chassis[1] as string) ?? '?');
  }
  return m;
}

async function waitForBindings(plan: OvnClusterPlan, zones: ZoneRuntime[], deadline: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const missing: string[] = [];
    for (const z of zones) {
      const bound = await portBindings(z.sbSocket);
      for (const n of plan.nodes.filter((x) => x.zone === z.name)) {
        for (const lsp of n.expectedBindings) if (bound.get(lsp) !== n.chassisId) missing.push(`${lsp} (on ${n.name})`);
      }
    }
    if (missing.length === 0) return;
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('lab start aborted');
    if (Date.now() > deadline) {
      throw new LabNotReadyError(`ports not bound by ovn-controller in time: ${missing.join(', ')}; see the nodes' ovn-controller.log`);
    }
    await sleep(100);
  }
}

async function readOfports(n: Omit<NodeRuntime, 'ports' | 'processes'>, plan: NodePlan): Promise<NodeRuntime['ports']> {
  const out = await vsctl(n, [['--format=json', '--columns=name,ofport', 'list', 'Interface']]);
  const ofports = new Map<string, number>();
  for (const row of (JSON.parse(out) as { data: unknown[][] }).data) ofports.set(row[0] as string, Number(row[1]));
  return plan.ports.map((p) => {
    const ofport = ofports.get(p.name);
    if (!ofport || ofport < 1) throw new LabNotReadyError(`${n.name}: OVS port ${p.name} has no OpenFlow port number`);
    return { ...p, ofport };
  });
}

async function waitForFlows(node: string, mgmt: string, ofports: number[], deadline: number, signal?: AbortSignal): Promise<void> {
  // Flows are installed when table 0 classifies every local port (ovn-controller's physical
  // ingress flows); checking each port avoids declaring ready after only a partial install.
  for (;;) {
    let missing = ofports;
    try {
      const { stdout } = await runCommand(['ovs-ofctl', 'dump-flows', `unix:${mgmt}`, 'table=0']);
      missing = ofports.filter((p) => !new RegExp(`in_port=${p}[ ,]`).test(stdout));
    } catch {
      /* br-int.mgmt not there yet */
    }
    if (missing.length === 0) return;
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('lab start aborted');
    if (Date.now() > deadline) throw new LabNotReadyError(`${node}: OpenFlow flows for ports ${missing.join(', ')} were not installed in time`);
    await sleep(100);
  }
}
