/**
 * The "inside an antrea-agent pod" view of a lab node: both containers (`antrea-agent` and
 * `antrea-ovs`) mount the node's OVS run directory at /var/run/openvswitch, as the DaemonSet's
 * hostPath volume does, so `ovs-appctl`, `ovs-ofctl`, `ovs-vsctl` work with their default paths.
 * Runs the command in a private mount namespace (`unshare --mount`); the wrapper script is a
 * constant and the node path and argv are positional parameters, never shell text.
 */
import type { ExecResolver, ExecWrapMap } from '../kube-api/exec-resolver.js';
import { ANTREA_NAMESPACE, antreaAgentPodName } from './antrea-names.js';
import type { AntreaNodeRuntime } from './antrea-runtime-types.js';

/** Where antrea-agent / antrea-ovs see OVS's run directory. */
export const ANTREA_CONTAINER_OVS_RUNDIR = '/var/run/openvswitch';
/** Containers of the antrea-agent pod that run in the node view. */
export const ANTREA_AGENT_CONTAINERS = ['antrea-agent', 'antrea-ovs'] as const;

const WRAPPER = ['set -e', `mkdir -p ${ANTREA_CONTAINER_OVS_RUNDIR}`, `mount --bind "$1" ${ANTREA_CONTAINER_OVS_RUNDIR}`, 'shift 1', 'exec "$@"'].join('\n');

/** Environment inside the view (host-side OVS paths of the lab process must not leak in). */
export function antreaContainerEnv(): Record<string, string> {
  return { OVS_RUNDIR: ANTREA_CONTAINER_OVS_RUNDIR, OVS_DBDIR: ANTREA_CONTAINER_OVS_RUNDIR, OVS_LOGDIR: ANTREA_CONTAINER_OVS_RUNDIR };
}

/** The argv prefix entering a node's antrea-agent view; append the command. */
export function antreaExecWrap(node: Pick<AntreaNodeRuntime, 'ovsRunDir'>): string[] {
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', WRAPPER, 'lab-antrea-exec', node.ovsRunDir];
}

/** Command (argv + env) that runs `argv` in a node's antrea-agent view. */
export function antreaNodeExec(node: Pick<AntreaNodeRuntime, 'ovsRunDir'>, argv: string[]): { argv: string[]; env: Record<string, string> } {
  if (argv.length === 0) throw new Error('antreaNodeExec: empty command');
  return { argv: [...antreaExecWrap(node), ...argv], env: antreaContainerEnv() };
}

/** Exec resolver: either container of `kube-system/antrea-agent-<x>` runs in its node's view. */
export function createAntreaExecResolver(nodes: Array<Pick<AntreaNodeRuntime, 'name' | 'ovsRunDir'>>): ExecResolver {
  const byPod = new Map(nodes.map((n) => [antreaAgentPodName(n.name), n]));
  return (t) => {
    if (t.namespace !== ANTREA_NAMESPACE || !(ANTREA_AGENT_CONTAINERS as readonly string[]).includes(t.container)) return undefined;
    const node = byPod.get(t.pod);
    if (!node || t.command.length === 0) return undefined;
    return antreaNodeExec(node, t.command);
  };
}

/** The same mapping as data, for the API server daemon. */
export function antreaExecWrapMap(nodes: Array<Pick<AntreaNodeRuntime, 'name' | 'ovsRunDir'>>): ExecWrapMap {
  const map: ExecWrapMap = {};
  for (const n of nodes) {
    for (const c of ANTREA_AGENT_CONTAINERS) map[`${ANTREA_NAMESPACE}/${antreaAgentPodName(n.name)}/${c}`] = { wrap: antreaExecWrap(n), env: antreaContainerEnv() };
  }
  return map;
}
