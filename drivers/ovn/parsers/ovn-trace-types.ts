/**
 * Typed result of parsing `ovn-trace` output (OVN `utilities/ovn-trace.c`): the node tree of each
 * printed format plus the facts a driver needs for a verdict. Plain JSON-serialisable data.
 */

/** Output formats ovn-trace can print (`--detailed` is the default; `--all` prints all three). */
export type OvnTraceFormat = 'detailed' | 'summary' | 'minimal';

/** Fields common to every node. */
interface OvnTraceNodeBase {
  /** The line without indentation. */
  text: string;
  /** 1-based line number in the parsed text. */
  line: number;
  /** Nesting depth rebuilt from the layout (0 = top level). */
  depth: number;
  children: OvnTraceNode[];
}

/** `ingress(dp="..", inport="..")`, `egress(dp="..", inport="..", outport="..")`, `multicast(dp="..", mcgroup="..")`. */
export interface OvnTracePipelineNode extends OvnTraceNodeBase {
  kind: 'pipeline';
  pipeline: 'ingress' | 'egress' | 'multicast';
  datapath?: string;
  inport?: string;
  outport?: string;
  mcgroup?: string;
  /** Every `key="value"` of the header. */
  attributes: Record<string, string>;
}

/** A transformation header: `ct_lb_mark`, `ct_next(ct_state=...)`, `clone`, `arp`, `icmp4`, `tcp_reset`, ... */
export interface OvnTraceTransformationNode extends OvnTraceNodeBase {
  kind: 'transformation';
  /** Leading identifier (`ct_lb_mark`, `ct_next`, `arp`, ...). */
  name: string;
  /** `ct_state` from `ct_next(ct_state=...)` or similar headers. */
  ctState?: string;
  /** The `/* default (use --ct to customize) *\/` marker: ovn-trace ran out of `--ct` values. */
  defaultCtState: boolean;
  /** The transformation builds a new packet (ARP/ND request, ICMP error, TCP reset, ...) instead of forwarding the traced one. */
  generatesPacket: boolean;
}

/** `NN. <stage> (<source>): <match>, priority P, uuid XXXXXXXX` or `NN. <stage>: no match (implicit drop)`. */
export interface OvnTraceTableNode extends OvnTraceNodeBase {
  kind: 'table';
  tableId: number;
  stage: string;
  /** `northd.c:8432` style source location, when printed. */
  source?: string;
  match?: string;
  priority?: number;
  /** First 32 bits of the SB Logical_Flow UUID, 8 lower-case hex digits (= OpenFlow cookie). */
  uuid?: string;
  /** `no match (implicit drop)`. */
  noMatch: boolean;
  /** The table's direct action lines, in order. */
  actions: string[];
  /** `LOG: ACL ...` lines its `log(...)` actions printed (wherever the layout put them). */
  aclLogs?: OvnTraceAclLog[];
}

/** An action line (`next;`, `outport = "x";`, `ct_commit { ... };`, `drop;`, `output;`). */
export interface OvnTraceActionNode extends OvnTraceNodeBase {
  kind: 'action';
}

/** `/* output to "<port>", type "<type>" *\/` (detailed, summary) or `output("<port>");` (minimal). */
export interface OvnTraceOutputNode extends OvnTraceNodeBase {
  kind: 'output';
  port: string;
  /** Port type (`""` for a VIF, `patch`, `remote`, `localnet`, ...); absent in the minimal format. */
  type?: string;
}

/** Any other `/* ... *\/` comment (`omitting output because ...`, `No MAC binding.`, ...). */
export interface OvnTraceCommentNode extends OvnTraceNodeBase {
  kind: 'comment';
}

/** A `*** ...` line (`*** no load balancing destination (use --lb-dst)`, `*** TTL underflow`, ...). */
export interface OvnTraceErrorNode extends OvnTraceNodeBase {
  kind: 'error';
}

/**
 * What an ACL's `log(...)` action printed (ovn-trace.c `execute_log`, unchanged from 23.03 to
 * main): `LOG: ACL name=<name|<unnamed>>, direction=IN|OUT, verdict=allow|drop|reject,
 * severity=<level>, packet="<microflow at the ACL>"`.
 */
export interface OvnTraceAclLog {
  /** The NB ACL's `name` (absent when ovn-trace printed `<unnamed>`). */
  name?: string;
  /** `IN` in the ingress pipeline (from-lport ACLs), `OUT` in the egress pipeline (to-lport ACLs). */
  direction: string;
  /** The ACL's verdict as logged: `allow`, `drop`, `reject` (`<unknown>` otherwise). */
  verdict: string;
  severity: string;
  /** The packet at the ACL in OpenFlow syntax: after load balancing, so it carries the backend's `tp_dst`. */
  packet?: string;
  /** 1-based line of the LOG line. */
  line: number;
}

/**
 * The `LOG: ACL ...` line. ovn-trace makes it a transformation node without children, so the
 * detailed format underlines it like a heading and, when it is its table's last node, prints it
 * at the table's level; it annotates the ACL's action and never starts a branch.
 */
export interface OvnTraceLogNode extends OvnTraceNodeBase {
  kind: 'log';
  log: OvnTraceAclLog;
}

/** An OpenFlow flow printed under a table with `--ovs` (`cookie=0x..., duration=..., table=...`). */
export interface OvnTraceOpenFlowNode extends OvnTraceNodeBase {
  kind: 'openflow';
  cookie?: string;
}

/** One node of an ovn-trace tree. */
export type OvnTraceNode =
  | OvnTracePipelineNode
  | OvnTraceTransformationNode
  | OvnTraceTableNode
  | OvnTraceActionNode
  | OvnTraceOutputNode
  | OvnTraceCommentNode
  | OvnTraceErrorNode
  | OvnTraceLogNode
  | OvnTraceOpenFlowNode;

/** One printed format's tree. */
export interface OvnTraceSection {
  format: OvnTraceFormat;
  nodes: OvnTraceNode[];
}

/** A pipeline on the way to a node, outermost first. */
export interface OvnTracePipelineRef {
  pipeline: 'ingress' | 'egress' | 'multicast';
  datapath?: string;
  inport?: string;
  outport?: string;
  mcgroup?: string;
}

/** A logical table, as referenced from derived facts. */
export interface OvnTraceTableRef {
  tableId: number;
  stage: string;
  uuid?: string;
  priority?: number;
  match?: string;
  noMatch: boolean;
  line: number;
}

/** A delivery the trace reached. */
export interface OvnTraceOutput {
  port: string;
  type?: string;
  line: number;
  /** The output is to a patch port and the trace continues in the peer's pipeline. */
  continues: boolean;
  /** Inside a packet-generating transformation (ARP/ND request, ICMP error, TCP reset, ...): not the traced packet. */
  generated: boolean;
  /** Transformation names enclosing the output, outermost first (`ct_lb_mark`, `arp`, ...). */
  transformations: string[];
  /** The pipeline the output happened in. */
  pipeline?: OvnTracePipelineRef;
  /** The table whose `output;` produced it. */
  table?: OvnTraceTableRef;
}

/** Why a branch of the trace ended without an output. */
export type OvnTraceLeafReason =
  /** An explicit `drop;` (port security, routing miss, ...). */
  | 'drop'
  /** An ACL stage ended the branch: `drop;`, `/* drop *\/`, or `ct_commit { ct_mark.blocked = 1; };` and nothing more. */
  | 'acl'
  /** `NN. <stage>: no match (implicit drop)`. */
  | 'implicit-drop'
  /** `/* omitting output because inport == outport && !flags.loopback *\/` (a flood copy not sent back). */
  | 'omitted-output'
  /** A `*** ...` error ended the branch. */
  | 'error'
  /** The branch simply stops (e.g. the minimal format's bare `ct_lb_mark;`). */
  | 'no-output'
  /** The traced packet was answered with a reset/unreachable (`reject { ... }`, `tcp_reset`, `sctp_abort`). */
  | 'rejected'
  /** The traced packet was answered with an ICMP error (`icmp4 { ... }`, e.g. TTL exceeded). */
  | 'icmp-error'
  /** The router sent an ARP/ND request for the next hop instead (`arp { ... }`, `nd_ns { ... }`); the packet itself goes no further in the trace. */
  | 'neighbor-resolution'
  /** Another generated reply replaced the packet (`nd_na`, ...). */
  | 'answered';

/**
 * A branch that ended without any output. When a branch goes on with a packet ovn-trace generated
 * (ARP request, ICMP error, TCP reset), the traced packet's own end is recorded here too, with
 * `generated: false` and the reason saying what replaced it.
 */
export interface OvnTraceDropLeaf {
  reason: OvnTraceLeafReason;
  /** The last table of the branch (detailed format). */
  table?: OvnTraceTableRef;
  /** That table's (or, without tables, the branch's last) action lines. */
  actions: string[];
  /** `***` texts and comments found on the leaf. */
  messages: string[];
  line: number;
  pipeline?: OvnTracePipelineRef;
  generated: boolean;
  transformations: string[];
  /** The last ACL log of the branch at its end (the leaf table's, or the branch's in the brace formats): names the ACL even without a table. */
  aclLog?: OvnTraceAclLog;
}

/** An ACL log met by the trace, with where it was printed. */
export interface OvnTraceAclLogRef extends OvnTraceAclLog {
  pipeline?: OvnTracePipelineRef;
  /** The logging ACL's table (detailed format). */
  table?: OvnTraceTableRef;
  /** Inside a packet-generating transformation. */
  generated: boolean;
}

/** A `ct_lb_mark(backends=...)` (or legacy `ct_lb(...)`) load-balancing action. */
export interface OvnTraceLoadBalancing {
  action: string;
  /** Backends as printed (`10.244.1.6:8080`, `[fd00::6]:8080`). */
  backends: string[];
  line: number;
  table?: OvnTraceTableRef;
}

/** A NAT action (`ct_dnat(...)`, `ct_snat(...)`, `ct_dnat_in_czone(...)`, ...). */
export interface OvnTraceNat {
  kind: 'dnat' | 'snat';
  action: string;
  /** Text between the parentheses, when the action has arguments. */
  args?: string;
  line: number;
  table?: OvnTraceTableRef;
}

/** Errors ovn-trace reports, mostly on stdout with exit code 0. */
export interface OvnTraceError {
  kind: 'parse-error' | 'unknown-port' | 'unknown-datapath' | 'no-inport' | 'unknown-logical-port' | 'trace-error' | 'abort' | 'tool-error';
  message: string;
  /** Port or datapath named by the error, when there is one. */
  subject?: string;
}

/** Everything parsed from one ovn-trace run. */
export interface OvnTrace {
  /** The leading `# <microflow in OpenFlow syntax>` line, without `# `. */
  microflow?: string;
  /** Formats present, in print order. */
  sections: OvnTraceSection[];
  /** The section the derived facts below come from (detailed if present, else summary, else minimal). */
  primary?: OvnTraceFormat;
  outputs: OvnTraceOutput[];
  dropLeaves: OvnTraceDropLeaf[];
  loadBalancing: OvnTraceLoadBalancing[];
  nat: OvnTraceNat[];
  /** Every `LOG: ACL ...` of the primary section, in print order. */
  aclLogs: OvnTraceAclLogRef[];
  errors: OvnTraceError[];
}

/** Options for {@link parseOvnTrace}. */
export interface OvnTraceParseOptions {
  /** stderr of the run (23.03 prints `WARN|... unknown logical port` and assertion failures there). */
  stderr?: string;
  /** Exit code (0 even for drops and most errors; 134 when 23.03 aborts). */
  exitCode?: number;
  /**
   * The format that was requested, used only when the output has no banner and no content to tell
   * it by: an empty `--minimal` trace means the packet was dropped.
   */
  format?: OvnTraceFormat;
}
