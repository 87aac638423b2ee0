/**
 * The "inside an ovnkube-node container" view of a lab node: commands see that node's sockets at
 * the paths a real ovnkube-node pod has them (`/var/run/ovn/ovnnb_db.sock`, `ovnsb_db.sock`,
 * `/var/run/openvswitch/db.sock`, `br-int.mgmt`, `ovs-vswitchd.pid` + `.ctl`).
 *
 * It runs the command in a private mount namespace (`unshare --mount --propagation private`) in
 * which the node's OVS and OVN run directories are bind-mounted over /var/run/openvswitch and
 * /var/run/ovn. The mounts vanish with the command; the host is not changed except that the two
 * mount-point directories are created if missing (a fresh machine has no /var/run/ovn since no
 * OVN service ever ran). The wrapper script is a constant: the node paths and the user's argv are
 * passed as positional parameters, never spliced into shell text.
 */
import type { ExecResolver, ExecWrapEntry, ExecWrapMap } from '../kube-api/exec-resolver.js';
import type { NodeRuntime } from './ovn-runtime-types.js';

/** Where an ovnkube-node container sees OVS and OVN run directories. */
export const CONTAINER_OVS_RUNDIR = '/var/run/openvswitch';
export const CONTAINER_OVN_RUNDIR = '/var/run/ovn';
/** Namespace and pod-name prefix of the lab's per-node ovnkube pods. */
export const OVNKUBE_NAMESPACE = 'ovn-kubernetes';
export const OVNKUBE_NODE_POD_PREFIX = 'ovnkube-node-';

// $1 = OVS dir, $2 = OVN dir, $3.. = the command. `exec` keeps the command's exit status and
// signals; mount failures abort before anything runs.
const WRAPPER = [
  'set -e',
  `mkdir -p ${CONTAINER_OVS_RUNDIR} ${CONTAINER_OVN_RUNDIR}`,
  `mount --bind "$1" ${CONTAINER_OVS_RUNDIR}`,
  `mount --bind "$2" ${CONTAINER_OVN_RUNDIR}`,
  'shift 2',
  'exec "$@"',
].join('\n');

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
export function nodeExecWrap(node: Pick<NodeRuntime, 'ovsRunDir' | 'ovnRunDir'>): string[] {
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', WRAPPER, 'lab-node-exec', node.ovsRunDir, node.ovnRunDir];
}

/**
 * Builds the command that runs `argv` inside `node`'s view. Spawn it with `env` added to the
 * environment (requires root, like the rest of the lab).
 */
export function nodeExecEnvironment(node: Pick<NodeRuntime, 'ovsRunDir' | 'ovnRunDir'>, argv: string[]): NodeExecCommand {
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
export function createNodeExecResolver(nodes: Array<Pick<NodeRuntime, 'name' | 'ovsRunDir' | 'ovnRunDir'>>): ExecResolver {
  const byPod = new Map(nodes.flatMap((n) => ovnkubePodNames(n.name).map((pod) => [pod, n] as const)));
  return (t) => {
    if (t.namespace !== OVNKUBE_NAMESPACE) return undefined;
    const node = byPod.get(t.pod);
    if (!node || t.command.length === 0) return undefined;
    return nodeExecEnvironment(node, t.command);
  };
}

/** The same mapping as data (for an API server running as a separate daemon process). */
export function nodeExecWrapMap(nodes: Array<Pick<NodeRuntime, 'name' | 'ovsRunDir' | 'ovnRunDir'>>): ExecWrapMap {
  const map: ExecWrapMap = {};
  for (const n of nodes) {
    const entry: ExecWrapEntry = { wrap: nodeExecWrap(n), env: containerEnv() };
    for (const pod of ovnkubePodNames(n.name)) map[`${OVNKUBE_NAMESPACE}/${pod}`] = entry;
  }
  return map;
}
