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
 * - `output`: sent to datapath port(s);
 * - `tunnel`: encapsulated (kernel `set(tunnel(...)),N`, userspace `tnl_push(...)`, or an output
 *   port the caller named as a tunnel port — the dummy-datapath form);
 * - `controller`: handed to the controller (`userspace(...controller(...))`, e.g. OVN reject/ICMP);
 * - `recirculate`: ends in `recirc(...)` that the trace did not follow (e.g. after a dp_hash select group);
 * - `error`: translation failed or there is no trace at all.
 */
export type DatapathOutcome = 'drop' | 'output' | 'tunnel' | 'controller' | 'recirculate' | 'error';

/** Classification of one `Datapath actions:` value. */
export interface DatapathActionsSummary {
  outcome: DatapathOutcome;
  /** The literal action `drop` was printed. */
  explicitDrop: boolean;
  /** Top-level actions, split on commas outside brackets. */
  actions: string[];
  /** Datapath ports the packet is output to (top level), in order. */
  outputPorts: string[];
  /** Tunnel encapsulation form, for `tunnel`. */
  tunnelForm?: 'kernel' | 'native' | 'port';
  tunnel?: TunnelInfo;
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
}
