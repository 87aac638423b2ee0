/**
 * The "inside an ovnkube-node container" view of a lab node: commands see that node's sockets at
 * the paths a real ovnkube-node pod has them (`/var/run/ovn/ovnnb_db.sock`, `ovnsb_db.sock`,
 * `/var/run/openvswitch/db.sock`, `br-int.mgmt`, `ovs-vswitchd.pid` + `.ctl`).
 *
 * The view is a private mount namespace (`unshare --mount --propagation private`) in which the
 * node's OVS and OVN run directories are bind-mounted over /var/run/openvswitch and /var/run/ovn.
 * Like a container's, it is made once per node: a holder process (`sleep infinity`) keeps it,
 * and each exec joins it with `nsenter --mount` (as `runc exec` joins a container's namespaces),
 * one small process instead of a shell and three helpers per command. The mounts vanish with the
 * holder; the host is not changed except that the two mount-point directories are created if
 * missing (a fresh machine has no /var/run/ovn since no OVN service ever ran). Without a holder
 * (a state recorded before holders existed) each command makes its own namespace. The wrapper
 * scripts are constants: node paths and the user's argv are positional parameters, never
 * spliced into shell text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnDetached, isProcessAlive, type ManagedProcess } from '../process/process-control.js';
import type { ExecResolver, ExecWrapEntry, ExecWrapMap } from '../kube-api/exec-resolver.js';
import type { NodeRuntime } from './ovn-runtime-types.js';

/** Where an ovnkube-node container sees OVS and OVN run directories. */
export const CONTAINER_OVS_RUNDIR = '/var/run/openvswitch';
export const CONTAINER_OVN_RUNDIR = '/var/run/ovn';
/** Namespace and pod-name prefix of the lab's per-node ovnkube pods. */
export const OVNKUBE_NAMESPACE = 'ovn-kubernetes';
export const OVNKUBE_NODE_POD_PREFIX = 'ovnkube-node-';

// $1 = OVS dir, $2 = OVN dir: mounts them where the container has them; failures abort.
const MOUNT_VIEW = ['set -e', `mkdir -p ${CONTAINER_OVS_RUNDIR} ${CONTAINER_OVN_RUNDIR}`, `mount --bind "$1" ${CONTAINER_OVS_RUNDIR}`, `mount --bind "$2" ${CONTAINER_OVN_RUNDIR}`];

// $3.. = the command. `exec` keeps the command's exit status and signals.
const WRAPPER = [...MOUNT_VIEW, 'shift 2', 'exec "$@"'].join('\n');

// The holder of a node's view.
const HOLDER = [...MOUNT_VIEW, 'exec sleep infinity'].join('\n');

/** How long the holder may take to set its mounts up. */
const VIEW_READY_TIMEOUT_MS = 10_000;

/**
 * Starts the process that holds a node's view (its mount namespace) and waits until the mounts
 * are in place. The returned process is stopped with the lab's others (by pid, as `sleep`).
 */
export async function startNodeView(node: Pick<NodeRuntime, 'name' | 'ovsRunDir' | 'ovnRunDir'>, pidFile: string, logFile: string): Promise<ManagedProcess> {
  const started = spawnDetached({
    name: `${node.name}/node-view`,
    argv: ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', HOLDER, 'lab-node-view', node.ovsRunDir, node.ovnRunDir],
    pidFile,
    logFile,
  });
  // After its mounts, the holder becomes `sleep` (same pid): that is the sign it is ready.
  const view: ManagedProcess = { ...started, program: 'sleep' };
  const deadline = Date.now() + VIEW_READY_TIMEOUT_MS;
  for (;;) {
    if (!isProcessAlive(view.pid)) {
      const why = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').at(-1) : '';
      throw new Error(`the view of node ${node.name} could not be set up${why ? `: ${why}` : ''} (see ${logFile})`);
    }
    if (readComm(view.pid) === 'sleep') return view;
    if (Date.now() > deadline) {
      // Our own child of a moment ago, still alive: its pid cannot have been reused.
      process.kill(view.pid, 'SIGKILL');
      throw new Error(`the view of node ${node.name} was not ready after ${VIEW_READY_TIMEOUT_MS / 1000} s (see ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A command ready to spawn without a shell. */
export interface NodeExecCommand {
  argv: string[];
  env: Record<string, string>;
}

/** The environment variables a command sees inside the node view. */
export function containerEnv(): Record<string, string> {
  return {
    OVS_RUNDIR: CONTAINER_OVS_RUNDIR,
    OVN_RUNDIR: CONTAINER_OVN_RUNDIR,
    // The host process may carry a lab node's host-side paths; inside the view they must not leak.
    OVS_DBDIR: CONTAINER_OVS_RUNDIR,
    OVN_NB_DB: `unix:${CONTAINER_OVN_RUNDIR}/ovnnb_db.sock`,
    OVN_SB_DB: `unix:${CONTAINER_OVN_RUNDIR}/ovnsb_db.sock`,
  };
}

/** The argv prefix that enters a node's view; append the command to run. */
export function nodeExecWrap(node: Pick<NodeRuntime, 'ovsRunDir' | 'ovnRunDir' | 'viewPid'>): string[] {
  if (node.viewPid !== undefined) return ['nsenter', `--mount=/proc/${node.viewPid}/ns/mnt`, '--'];
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', WRAPPER, 'lab-node-exec', node.ovsRunDir, node.ovnRunDir];
}

/**
 * Builds the command that runs `argv` inside `node`'s view. Spawn it with `env` added to the
 * environment (requires root, like the rest of the lab).
 */
export function nodeExecEnvironment(node: Pick<NodeRuntime, 'ovsRunDir' | 'ovnRunDir' | 'viewPid'>, argv: string[]): NodeExecCommand {
  if (argv.length === 0) throw new Error('nodeExecEnvironment: empty command');
  return { argv: [...nodeExecWrap(node), ...argv], env: containerEnv() };
}

/** Name of the lab's ovnkube-node pod on a node. */
export function ovnkubeNodePodName(node: string): string {
  return `${OVNKUBE_NODE_POD_PREFIX}${node}`;
}

/**
 * Pod names whose containers run in a node's view: the ovnkube-node pod, and in central mode the
 * ovnkube-db / ovnkube-master pods placed on that node (their sockets are the central ones).
 */
export function ovnkubePodNames(node: string): string[] {
  return [ovnkubeNodePodName(node), `ovnkube-db-${node}`, `ovnkube-master-${node}`];
}

/**
 * Exec resolver for the lab API server: any container of `ovn-kubernetes/ovnkube-node-<node>`
 * (and the central-mode ovnkube-db/-master pods) runs in that node's view; other pods have no
 * runtime in the lab.
 */
export function createNodeExecResolver(nodes: Array<Pick<NodeRuntime, 'name' | 'ovsRunDir' | 'ovnRunDir' | 'viewPid'>>): ExecResolver {
  const byPod = new Map(nodes.flatMap((n) => ovnkubePodNames(n.name).map((pod) => [pod, n] as const)));
  return (t) => {
    if (t.namespace !== OVNKUBE_NAMESPACE) return undefined;
    const node = byPod.get(t.pod);
    if (!node || t.command.length === 0) return undefined;
    return nodeExecEnvironment(node, t.command);
  };
}

/** The same mapping as data (for an API server running as a separate daemon process). */
export function nodeExecWrapMap(nodes: Array<Pick<NodeRuntime, 'name' | 'ovsRunDir' | 'ovnRunDir' | 'viewPid'>>): ExecWrapMap {
  const map: ExecWrapMap = {};
  for (const n of nodes) {
    const entry: ExecWrapEntry = { wrap: nodeExecWrap(n), env: containerEnv() };
    for (const pod of ovnkubePodNames(n.name)) map[`${OVNKUBE_NAMESPACE}/${pod}`] = entry;
  }
  return map;
}
