/**
 * Typed result of parsing `ovs-appctl ofproto/trace` output (OVS `ofproto/ofproto-dpif-trace.c`).
 * Plain JSON-serialisable data.
 */

/** Kinds of printed node in an ofproto/trace block. */
export type OfprotoNodeKind = 'bridge' | 'table' | 'action' | 'note' | 'warning' | 'error' | 'thaw' | 'bucket' | 'other';

/** One printed line of the trace tree. */
export interface OfprotoTraceNode {
  kind: OfprotoNodeKind;
  /** The line without its indentation (for notes: without the leading `-> `). */
  text: string;
  /** 1-based line number in the parsed text. */
  line: number;
  /** Nesting depth rebuilt from the indentation (0 = top level; resubmits nested inside an action list are deeper). */
  depth: number;
  children: OfprotoTraceNode[];
  /** For `table` nodes: index into {@link OfprotoTraceBlock.tables}. */
  tableIndex?: number;
}

/** One OpenFlow table visit (` N. <match>, priority P, cookie 0x...` or ` N. No match.`). */
export interface OfprotoTableVisit {
  tableId: number;
  /** Bridge whose pipeline this table belongs to (nested `bridge("...")` sections for patch ports). */
  bridge?: string;
  /** Match as printed; empty for a catch-all flow. */
  match: string;
  priority?: number;
  /** Cookie as printed by OVS, lower-case (`0xb25eaa7a`); absent when the flow's cookie is 0. */
  cookie?: string;
  /** Cookie zero-padded to 8 hex digits without `0x`, the OVN logical-flow UUID prefix. */
  cookieUuidPrefix?: string;
  /**
   * Set for table misses: `no-match` (`No match.`), `packet-in` (`No match, and a "packet-in" is
   * called for.`), `ip-fragment-drop` (`Packets are IP fragments ... "drop".`).
   */
  miss?: 'no-match' | 'packet-in' | 'ip-fragment-drop';
  /**
   * For a miss: `true` when translation carried on after it (a nested lookup, e.g. OVN's
   * `resubmit(,68)` hairpin check, whose "No match. / drop" is harmless); `false` when nothing ran
   * after it in this block, i.e. the miss ended the pipeline.
   */
  resumed?: boolean;
  /** Rebuilt nesting depth (0 = top level). */
  depth: number;
  /** The table's own action lines, in order (nested tables excluded). */
  actions: string[];
  /** 1-based line number of the table line. */
  line: number;
}

/** A `-> ...` detail line, classified where the text is one OVS is known to print. */
export interface OfprotoNote {
  text: string;
  line: number;
  kind:
    | 'kernel-tunnel'
    | 'native-tunnel'
    | 'recirculation-fork'
    | 'resume'
    | 'field-update'
    | 'conntrack-untracked'
    | 'tunnel-route'
    | 'other';
}

/** The `recirc(0x..) - resume conntrack ...` header of a block that continues a recirculation. */
export interface OfprotoRecirculation {
  /** Recirculation id as printed (`0x1`). */
  id: string;
  /** Conntrack state the trace assumed, as printed (`trk|new`, `est|trk`). */
  ctState?: string;
  /** True when OVS used its default state (no `--ct-next` value was left). */
  defaultCtState: boolean;
  /** The `Replacing src/dst IP/ports to simulate NAT:` lines, when printed (flows may be empty). */
  nat?: { initialFlow: string; modifiedFlow: string };
  /** The header line as printed. */
  header: string;
}

/** One translation: a `Flow:` line through `Datapath actions:` (the first, then one per recirculation). */
export interface OfprotoTraceBlock {
  index: number;
  /** Present for every block after the first. */
  recirculation?: OfprotoRecirculation;
  /** The `Flow:` line's flow. */
  flow?: string;
  /** Bridge names in the order their sections start. */
  bridges: string[];
  /** Top-level nodes (normally one `bridge` node holding the pipeline). */
  nodes: OfprotoTraceNode[];
  /** Every table visit in document order. */
  tables: OfprotoTableVisit[];
  /** Every `-> ...` note in document order. */
  notes: OfprotoNote[];
  /** `Final flow:` value; the literal `unchanged` is kept. */
  finalFlow?: string;
  megaflow?: string;
  datapathActions?: string;
  /** `Translation failed (<reason>), packet is dropped.` reason. */
  translationFailed?: string;
  /** Lines of `This flow is handled by the userspace slow path because it:` explanations. */
  slowPathReasons: string[];
  /** 1-based line numbers of the block's first and last lines. */
  startLine: number;
  endLine: number;
}

/** Tunnel parameters found in datapath actions. */
export interface TunnelInfo {
  /** Tunnel key (`tun_id` for the kernel form, geneve/vxlan `vni` for the native form), e.g. `0xff0003`. */
  tunnelId?: string;
  /** Remote (underlay destination) address. */
  destination?: string;
  /** Local (underlay source) address, when printed. */
  source?: string;
  /** Destination UDP port (6081 for geneve). */
  udpDestination?: number;
  ttl?: number;
  /** Encapsulation (`geneve`, `vxlan`, `gre`, ...) when the action names it. */
  encapsulation?: string;
  /** Geneve TLV options in print order. */
  geneveOptions: GeneveOption[];
  /** Kernel form `flags(...)` content (e.g. `df|csum|key`). */
  flags?: string;
}

/** One geneve option: `{class=0x102,type=0x80,len=4,0x20004}`. */
export interface GeneveOption {
  optionClass: string;
  type: string;
  length: number;
  /** The option value as printed (`0x20004`); absent for a zero-length option. */
  data?: string;
}

/**
 * How the final datapath actions end:
 * - `drop`: explicit `drop`, or actions that never output the packet;
 * - `output`: sent to datapath port(s), at top level, in a clone, or in a branch (check_pkt_len,
 *   sample, dec_ttl): see {@link DatapathActionsSummary.lengthChecks} for which branch;
 * - `tunnel`: encapsulated (kernel `set(tunnel(...)),N`, userspace `tnl_push(...)`, or an output
 *   port the caller named as a tunnel port — the dummy-datapath form);
 * - `controller`: handed to the controller (`userspace(...controller(...))`, outside any
 *   conditional list) and output nowhere; what the controller does with it is in
 *   {@link DatapathActionsSummary.controllers} (hand-offs in a check_pkt_len `gt`, a dec_ttl
 *   `le_1` or a sample are listed there too, but are not the traced packet's fate);
 * - `recirculate`: ends in `recirc(...)` that the trace did not follow (e.g. after a dp_hash select
 *   group), or `tnl_pop(N)` (decapsulated and recirculated into tunnel port N);
 * - `unknown`: no visible output, and an action cni-trace does not know (named in
 *   {@link DatapathActionsSummary.unknownActions}) may have sent the packet on;
 * - `error`: translation failed or there is no trace at all.
 */
export type DatapathOutcome = 'drop' | 'output' | 'tunnel' | 'controller' | 'recirculate' | 'unknown' | 'error';

/**
 * A hand-off to the OpenFlow controller: the datapath action
 * `userspace(pid=..,controller(reason=..,dont_send=..,continuation=..,recirc_id=..,rule_cookie=..,controller_id=..,max_len=..))`,
 * joined (when the trace shows it) with the OpenFlow `controller(...)` action of the flow that
 * emitted it, whose `userdata` says what the controller is asked to do.
 */
export interface DatapathControllerAction {
  /** Where the action sits in the action tree: '' at top level, else e.g. `check_pkt_len(size=1414).gt`. */
  context: string;
  /** OpenFlow packet-in reason number (0 no match, 1 action, ...). */
  reason?: number;
  dontSend?: boolean;
  /** The packet was frozen to be resumed by the controller (OpenFlow `pause`). */
  continuation?: boolean;
  recirculationId?: string;
  /** Cookie of the OpenFlow flow that executed the controller action, lower case (`0x359d3d36`). */
  ruleCookie?: string;
  controllerId?: number;
  maxLength?: number;
  /** The OpenFlow `controller(...)` action behind it, from the last block's table actions. */
  openflow?: OpenFlowControllerAction;
  /** What the controller is asked to do, decoded by the caller's {@link ControllerUserdataDecoder}. */
  purpose?: ControllerPurpose;
}

/** An OpenFlow `controller(...)` (or `CONTROLLER:N`) action as `format_CONTROLLER` prints it. */
export interface OpenFlowControllerAction {
  /** The action as printed. */
  text: string;
  /** Table and cookie of the flow whose actions hold it. */
  tableId: number;
  cookie?: string;
  /** `reason=` when not `action` (e.g. `no_match`). */
  reason?: string;
  maxLength?: number;
  controllerId?: number;
  /** `userdata=` bytes (printed as dot-separated hex). */
  userdata?: number[];
  pause: boolean;
  meterId?: number;
}

/**
 * A CNI's reading of a controller action's userdata (OVN: the pinctrl opcode in the first 4
 * bytes; Antrea: packet-in category and operations in the first 2 bytes).
 */
export interface ControllerPurpose {
  /** Whose encoding it is (`ovn`, `antrea`). */
  encoding: string;
  /** The decoded operation, e.g. `log`, `reject`, `put_arp` (lower case, from the CNI's own names). */
  name: string;
  /** The raw operation code. */
  code: number;
  /**
   * What it means for the traced packet: `reject` (the controller answers it with a TCP RST /
   * ICMP error: not delivered), `log` (a copy is logged; the packet's fate is the rest of the
   * actions and {@link ControllerPurpose.logVerdict}), `other` (ARP/ND resolution, DHCP, DNS,
   * learning, ...: the controller handles it; neither a drop nor a reject).
   */
  effect: 'reject' | 'log' | 'other';
  /** For a log: the verdict of the rule that logged it (`allow`, `drop`, `reject`, `pass`). */
  logVerdict?: string;
  /** For a log: the rule's name as encoded (OVN: the ACL name), when present. */
  ruleName?: string;
  /** Further decoded detail (severity, operations) for display. */
  detail?: string;
}

/** Decodes a controller action's userdata bytes; undefined when it is not this CNI's encoding. */
export type ControllerUserdataDecoder = (userdata: readonly number[], action: OpenFlowControllerAction) => ControllerPurpose | undefined;

/** One nested branch of the datapath actions (a `check_pkt_len` side). */
export interface DatapathBranch {
  actions: string[];
  outcome: DatapathOutcome;
  outputPorts: string[];
  tunnels?: TunnelInfo[];
  controllers?: DatapathControllerAction[];
}

/** `check_pkt_len(size=N,gt(A),le(B))`: A runs for packets longer than N bytes, B for the others. */
export interface PacketLengthCheck {
  size: number;
  /** Where the check sits ('' at top level). */
  context: string;
  greater: DatapathBranch;
  lessOrEqual: DatapathBranch;
}

/** Classification of one `Datapath actions:` value. */
export interface DatapathActionsSummary {
  outcome: DatapathOutcome;
  /** The whole list is the literal `drop`. */
  explicitDrop: boolean;
  /** Top-level actions, split on commas outside brackets. */
  actions: string[];
  /**
   * Datapath ports the packet (or a copy) is output to, in print order, wherever they are in the
   * action tree (top level, clone, sample, check_pkt_len or dec_ttl branch).
   */
  outputPorts: string[];
  /** The outputs at top level or inside `clone(...)` only (unconditional). */
  shallowOutputPorts: string[];
  /** Some output sits inside a nested action list (clone, sample, check_pkt_len, dec_ttl). */
  nestedOutput: boolean;
  /** Tunnel encapsulation form, for `tunnel`. */
  tunnelForm?: 'kernel' | 'native' | 'port';
  /** The first of {@link DatapathActionsSummary.tunnels}. */
  tunnel?: TunnelInfo;
  /** Every tunnel the packet is encapsulated into: one per `tnl_push`, or per `set(tunnel(...))` that an output follows. */
  tunnels: TunnelInfo[];
  /** Every controller hand-off, in print order. */
  controllers: DatapathControllerAction[];
  /** Every `check_pkt_len`, with what each branch does. */
  lengthChecks: PacketLengthCheck[];
  /** Tunnel ports of `tnl_pop(N)` actions. */
  tunnelPops: string[];
  /** Actions cni-trace does not know, as printed. */
  unknownActions: string[];
  /** Reasons of `drop(reason)` actions, when a build prints them. */
  dropReasons?: string[];
  /** Recirculation id the actions end with, if any. */
  recirculationId?: string;
}

/** Everything parsed from one ofproto/trace run. */
export interface OfprotoTrace {
  blocks: OfprotoTraceBlock[];
  /** Verdict material taken from the **last** block. */
  summary: OfprotoTraceSummary;
  /** Tool errors from stdout/stderr (`Bad openflow flow syntax: ...`, `ovs-appctl: ...`, unknown bridge). */
  errors: string[];
}

/** Summary of the final outcome of a trace. */
export interface OfprotoTraceSummary extends DatapathActionsSummary {
  /** `Datapath actions:` of the last block. */
  datapathActions?: string;
  blockCount: number;
  /** `-> output to kernel tunnel` / `-> output to native tunnel` seen in the last block. */
  tunnelNote?: 'kernel' | 'native';
  /** `Translation failed (...)` reason of the last block. */
  translationFailed?: string;
  /** A `No match, and a "packet-in" is called for.` table line in the last block. */
  packetIn: boolean;
  /** The table miss that ended the last block, when the pipeline ended on a miss. */
  terminalMiss?: OfprotoTableVisit;
  /** The last table visited in the last block (where a drop usually happened). */
  lastTable?: OfprotoTableVisit;
}

/** Options for {@link parseOfprotoTrace}. */
export interface OfprotoTraceParseOptions {
  /** The command's stderr; error lines are collected into {@link OfprotoTrace.errors}. */
  stderr?: string;
  /** The command's exit code; non-zero with no trace yields outcome `error`. */
  exitCode?: number;
  /**
   * Datapath port numbers (or names, with `--names`) known to be tunnel ports. On a datapath without
   * tunnel support in the trace (e.g. the dummy datapath), the only sign of a tunnel is output to
   * such a port; with this list those outputs are classified as `tunnel` (form `port`).
   */
  tunnelPorts?: Iterable<string | number>;
  /**
   * Reads the userdata of OpenFlow `controller(...)` actions (the CNI's encoding); its result is
   * {@link DatapathControllerAction.purpose} of the matching datapath hand-off.
   */
  controllerUserdata?: ControllerUserdataDecoder;
}
