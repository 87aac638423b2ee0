/** Runtime description of a running Antrea lab data plane (paths, sockets, ports, pids). */
import type { ManagedProcess } from '../process/process-control.js';
import type { AntreaPodPort } from './pipeline-plan.js';

/** One emulated Antrea node: its ovsdb-server and ovs-vswitchd with br-int. */
export interface AntreaNodeRuntime {
  name: string;
  nodeIP: string;
  podSubnet: string;
  gatewayIP: string;
  gatewayMac: string;
  /** OVS run directory (db.sock, ovs-vswitchd.pid/.ctl, br-int.mgmt), mounted as /var/run/openvswitch in antrea-agent/antrea-ovs. */
  ovsRunDir: string;
  ovsDbSocket: string;
  brIntMgmt: string;
  /** OVS_RUNDIR etc. for running OVS tools against this node from the host. */
  hostEnv: Record<string, string>;
  /** Pod ports with their OpenFlow port numbers. */
  ports: AntreaPodPort[];
  processes: ManagedProcess[];
}

/** A running Antrea data plane. */
export interface AntreaClusterRuntime {
  runDir: string;
  nodes: AntreaNodeRuntime[];
  processes: ManagedProcess[];
}
