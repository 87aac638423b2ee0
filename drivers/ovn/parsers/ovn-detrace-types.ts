/**
 * Typed result of parsing `ovn-detrace` output (OVN `utilities/ovn_detrace.py.in`): the echoed
 * ofproto/trace lines that carried a cookie (or, with `--ovs`, an OpenFlow port) and the
 * `* ...` records printed for them. Plain JSON-serialisable data.
 */

/** A logical datapath as ovn-detrace prints it: `"<name>" (<uuid>)`. */
export interface DetraceDatapath {
  name: string;
  uuid: string;
  /** `ingress` / `egress` for a logical flow's datapaths. */
  pipeline?: string;
}

/** `Logical flow: table=N (stage), priority=P, match=(...), actions=(...)` and the lines before it. */
export interface DetraceLogicalFlowRecord {
  kind: 'logical-flow';
  /** From the `Logical datapaths:` list printed just before. */
  datapaths: DetraceDatapath[];
  /** Logical table number (not the OpenFlow table). */
  table: number;
  stage: string;
  priority: number;
  match: string;
  actions: string;
  /** NB records found through the flow's `stage-hint`, in print order. */
  hints: DetraceHint[];
}

/** `Port Binding: logical_port "X", tunnel_key N, chassis-name "C", chassis-str "H"` (chassis part may be empty). */
export interface DetracePortBindingRecord {
  kind: 'port-binding';
  datapath?: DetraceDatapath;
  logicalPort: string;
  tunnelKey: number;
  chassisName?: string;
  chassisHostname?: string;
}

/** `MAC Binding: ip "...", logical_port "...", mac "..."`. */
export interface DetraceMacBindingRecord {
  kind: 'mac-binding';
  datapath?: DetraceDatapath;
  ip: string;
  logicalPort: string;
  mac: string;
}

/** `Multicast Group: name "...", tunnel_key N ports: (...)`. */
export interface DetraceMulticastGroupRecord {
  kind: 'multicast-group';
  datapath?: DetraceDatapath;
  name: string;
  tunnelKey: number;
  ports: string[];
}

/** `Chassis: chassis-name "...", chassis-str "..."`. */
export interface DetraceChassisRecord {
  kind: 'chassis';
  chassisName?: string;
  chassisHostname?: string;
}

/** SB `Load Balancer: <name> protocol [...] vips {...}`. */
export interface DetraceLoadBalancerRecord {
  kind: 'load-balancer';
  name: string;
  /** Rest of the line as printed (Python reprs of the protocol and vips columns). */
  details: string;
}

/** `OVS Interface: <name> (<iface-id>)` (only with `ovn-detrace --ovs`). */
export interface DetraceOvsInterfaceRecord {
  kind: 'ovs-interface';
  name: string;
  ifaceId?: string;
}

/** A record line this parser does not know; kept verbatim. */
export interface DetraceUnknownRecord {
  kind: 'unknown';
  text: string;
}

/** A `  * ...` record. */
export type DetraceRecord =
  | DetraceLogicalFlowRecord
  | DetracePortBindingRecord
  | DetraceMacBindingRecord
  | DetraceMulticastGroupRecord
  | DetraceChassisRecord
  | DetraceLoadBalancerRecord
  | DetraceOvsInterfaceRecord
  | DetraceUnknownRecord;

/** `ACL: <direction>, priority=N, match=(...), <action>[ (log)]` plus any extra fields newer versions print. */
export interface DetraceAclHint {
  kind: 'acl';
  direction: string;
  priority: number;
  match: string;
  action: string;
  log: boolean;
  /** `name=value` fields after the action (e.g. a name or external ids), when printed. */
  fields: Record<string, string>;
  /** Text after the action that is not a `name=value` field, verbatim. */
  extra?: string;
}

/** Other NB hints (3-space `   * ...` lines): kept with their kind, main name and full text. */
export interface DetraceOtherHint {
  kind:
    | 'logical-switch-port'
    | 'logical-router-port'
    | 'logical-router-policy'
    | 'load-balancer'
    | 'nat'
    | 'route'
    | 'dhcp-options'
    | 'forwarding-group'
    | 'qos'
    | 'unknown';
  /** Name, prefix or priority leading the record (`backend_web`, `10.244.2.0/24`, `102`). */
  name?: string;
  /** The text after `<Label>: `. */
  text: string;
}

/** An NB record found through a logical flow's `stage-hint`. */
export type DetraceHint = DetraceAclHint | DetraceOtherHint;

/** An echoed ofproto/trace line that carried a cookie or an OpenFlow port, with its records. */
export interface DetraceFlow {
  /** 1-based line number of the echoed line. */
  line: number;
  /** The echoed line without indentation. */
  text: string;
  /** OpenFlow table id, when the line is a table line. */
  tableId?: number;
  /** Cookie as printed (lower-case), when present. */
  cookie?: string;
  /** Cookie zero-padded to 8 hex digits: the SB UUID prefix ovn-detrace looked up. */
  cookieUuidPrefix?: string;
  /** `in_port=N` of a table line / `output:N`, decoded by `--ovs`. */
  ofport?: number;
  /** Nesting depth of a table line from its indentation (newer, indented style only). */
  depth?: number;
  records: DetraceRecord[];
  /** `[Duplicate uuid cookie]` was printed: more than one SB row matched the cookie. */
  duplicateCookie: boolean;
}

/** Everything parsed from one ovn-detrace run. */
export interface OvnDetrace {
  /**
   * `stripped`: OVN ≤ 25.03, echoed lines lose their indentation; `indented`: OVN 25.09+, echoed
   * lines keep it and records are indented to the block's level.
   */
  style: 'stripped' | 'indented';
  flows: DetraceFlow[];
  /** The input text with the `* ...` record lines removed: the ofproto/trace as echoed, for `parseOfprotoTrace`. */
  echoedText: string;
  /** Databases ovn-detrace could not use (`The connection to SB DB is not available ...`, or 23.03's connection failure). */
  unavailableDatabases: ('NB' | 'SB' | 'OVS')[];
  /** Failure messages (connection errors, exceptions, missing Python `ovs` package). */
  errors: string[];
  /** Records printed before any echoed flow line (should not happen; kept rather than lost). */
  orphanRecords: DetraceRecord[];
}

/** Options for {@link parseOvnDetrace}. */
export interface OvnDetraceParseOptions {
  stderr?: string;
  exitCode?: number;
}
