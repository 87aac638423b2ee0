import { join } from 'node:path';
import { startDetachingDaemon, type ManagedProcess } from './process-control.js';
import { runCommand } from './run-command.js';

const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** Where one emulated node keeps its OVS. */
export interface OvsNodeDirs {
  name: string;
  ovsRunDir: string;
  ovsDbSocket: string;
  /** Environment that points the OVS tools at this node's run dir. */
  hostEnv: Record<string, string>;
}

/** Runs ovs-vsctl commands against a node's database as one transaction (`--` between them). */
export async function vsctl(n: Pick<OvsNodeDirs, 'ovsDbSocket' | 'hostEnv'>, cmds: readonly string[][]): Promise<string> {
  const argv: string[] = [];
  cmds.forEach((c, i) => {
    if (i > 0) argv.push('--');
    argv.push(...c);
  });
  return (await runCommand(['ovs-vsctl', `--db=unix:${n.ovsDbSocket}`, ...argv], { env: n.hostEnv })).stdout;
}

/**
 * Starts a node's OVS the way both lab flavours need it: a fresh conf.db, its ovsdb-server, the
 * `initCommands` (Open_vSwitch settings that must exist before the switch starts), then
 * ovs-vswitchd on the dummy datapath (no kernel module, software-only ports). Each daemon is
 * handed to `track` as soon as it runs, so a failing later step can still stop it by pid.
 */
export async function startOvsNodeDaemons(
  n: OvsNodeDirs,
  track: (p: ManagedProcess) => ManagedProcess,
  initCommands: readonly string[][] = [],
): Promise<ManagedProcess[]> {
  const confDb = join(n.ovsRunDir, 'conf.db');
  await runCommand(['ovsdb-tool', 'create', confDb, VSWITCH_SCHEMA]);
  const db = track(
    await startDetachingDaemon({
      name: `${n.name}/ovsdb-server`,
      argv: [
        'ovsdb-server',
        '--detach',
        '--no-chdir',
        `--pidfile=${join(n.ovsRunDir, 'ovsdb-server.pid')}`,
        `--log-file=${join(n.ovsRunDir, 'ovsdb-server.log')}`,
        `--remote=punix:${n.ovsDbSocket}`,
        `--unixctl=${join(n.ovsRunDir, 'ovsdb-server.ctl')}`,
        confDb,
      ],
      env: n.hostEnv,
      pidFile: join(n.ovsRunDir, 'ovsdb-server.pid'),
      logFile: join(n.ovsRunDir, 'ovsdb-server.log'),
    }),
  );
  await vsctl(n, [['--no-wait', 'init'], ...initCommands]);
  const vswitchd = track(
    await startDetachingDaemon({
      name: `${n.name}/ovs-vswitchd`,
      argv: [
        'ovs-vswitchd',
        '--enable-dummy=override',
        '--disable-system',
        '--detach',
        '--no-chdir',
        `--pidfile=${join(n.ovsRunDir, 'ovs-vswitchd.pid')}`,
        `--log-file=${join(n.ovsRunDir, 'ovs-vswitchd.log')}`,
        `unix:${n.ovsDbSocket}`,
      ],
      env: n.hostEnv,
      pidFile: join(n.ovsRunDir, 'ovs-vswitchd.pid'),
      logFile: join(n.ovsRunDir, 'ovs-vswitchd.log'),
    }),
  );
  return [db, vswitchd];
}
