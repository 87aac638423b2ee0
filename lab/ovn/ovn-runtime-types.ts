/** Runtime description of a running OVN lab (paths, sockets, pids), as recorded in the state file. */
import type { ManagedProcess } from '../process/process-control.js';
import type { PlannedOvsPort } from './ovn-plan-types.js';

/** One OVN zone's control plane. */
export interface ZoneRuntime {
  name: string;
  /** Directory with the NB/SB sockets, databases, logs and northd's control socket. */
  dir: string;
  nbSocket: string;
  sbSocket: string;
  /** Node names in this zone. */
  nodes: string[];
}

/** An OVS port on a node's br-int, with the OpenFlow port number OVS gave it. */
export interface NodePortRuntime extends PlannedOvsPort {
  ofport: number;
}

/** One emulated node (chassis): its OVS, ovn-controller and the zone it belongs to. */
export interface NodeRuntime {
  name: string;
  zone: string;
  nodeIP: string;
  /** ovn-kubernetes node id (transit switch port tunnel key, 100.88.0.<id>). */
  nodeId: number;
  /** OVS run directory: db.sock, ovs-vswitchd.pid/.ctl, br-int.mgmt (mounted as /var/run/openvswitch). */
  ovsRunDir: string;
  /** OVN run directory: ovnnb_db.sock / ovnsb_db.sock of the node's zone, ovn-controller.pid/.ctl (mounted as /var/run/ovn). */
  ovnRunDir: string;
  ovsDbSocket: string;
  /** NB / SB sockets of the node's zone as reachable from the host. */
  nbSocket: string;
  sbSocket: string;
  brIntMgmt: string;
  /** Environment for running OVS/OVN tools against this node from the host (OVS_RUNDIR, OVN_RUNDIR, ...). */
  hostEnv: Record<string, string>;
  ports: NodePortRuntime[];
  /** Pid of the process holding the node's view (the ovnkube-node container's mounts); execs join it. */
  viewPid?: number;
  /** The processes that make up this node (ovsdb-server, ovs-vswitchd, ovn-controller, the view holder). */
  processes: ManagedProcess[];
}

/** A running OVN cluster. */
export interface OvnClusterRuntime {
  mode: 'interconnect' | 'central';
  runDir: string;
  zones: ZoneRuntime[];
  nodes: NodeRuntime[];
  /** Every process started, in start order (zones' processes included). */
  processes: ManagedProcess[];
}
