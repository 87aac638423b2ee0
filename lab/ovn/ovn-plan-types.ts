/**
 * Types of the pure OVN topology plan: what each zone's databases and each node's OVS must
 * contain. The I/O layer turns it into `ovn-nbctl` / `ovn-sbctl` / `ovs-vsctl` runs.
 */
import type { OvnMode } from '../scenario/scenario-types.js';

/**
 * One database command in `ovn-nbctl` / `ovn-sbctl` / `ovs-vsctl` syntax, without the program
 * name or global options (e.g. `['lsp-add', 'ovn-worker', 'frontend_client']`). Commands of one
 * transaction are joined with `--` by the runner.
 */
export type DbCommand = string[];

/** An OVS port the lab creates on a node's br-int. */
export interface PlannedOvsPort {
  /** OVS port / interface name (`ovn-k8s-mp0` or a 15-character veth-like name). */
  name: string;
  /** `external_ids:iface-id`: the logical switch port it binds. */
  ifaceId: string;
  mac: string;
  ips: string[];
  /** The pod behind it, when it is a pod port. */
  pod?: { namespace: string; name: string };
}

/** What one node (chassis) runs and contains. */
export interface NodePlan {
  name: string;
  zone: string;
  nodeIP: string;
  nodeId: number;
  /** Chassis name (OVS system-id): a UUID, like on a real node. */
  chassisId: string;
  /** Open_vSwitch external_ids for ovn-controller (system-id, ovn-remote is filled in by I/O). */
  chassisExternalIds: Record<string, string>;
  ports: PlannedOvsPort[];
  /** The provider bridge (breth0) with its uplink port; its MAC is the node's (the rtoe-GR MAC). */
  externalBridge: { name: string; uplink: string; mac: string };
  /** Logical switch ports this chassis must bind before the lab is ready. */
  expectedBindings: string[];
}

/** One OVN zone: its own NB/SB/northd. Interconnect mode has one per node; central mode one. */
export interface ZonePlan {
  name: string;
  nodes: string[];
  /** NB transactions, applied in order (each a list of commands run in one `ovn-nbctl` call). */
  nbTransactions: DbCommand[][];
  /** Remote chassis registered in this zone's SB (interconnect). */
  remoteChassis: Array<{ name: string; hostname: string; encapIp: string }>;
  /** Neighbour MACs the local gateway routers have learned (SB MAC_Binding rows). */
  macBindings: Array<{ router: string; port: string; ip: string; mac: string }>;
  /** Remote transit ports whose SB Port_Binding must be bound to their remote chassis. */
  remotePortBindings: Array<{ port: string; chassis: string }>;
}

/** The whole cluster plan. */
export interface OvnClusterPlan {
  mode: OvnMode;
  zones: ZonePlan[];
  nodes: NodePlan[];
}
