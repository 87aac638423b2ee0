/**
 * Derives verdict material from a parsed ovn-trace tree: every output, every branch that ends
 * without one, load balancing and NAT actions, `***` errors. One walk over the tree.
 *
 * A branch is the list of nodes under one pipeline or transformation header (or the top level).
 * It continues if its last node is another header; otherwise it ends, at its last table, and it
 * ended well only if that end produced an output. Headers nested inside a branch (multicast
 * copies, clones) are branches of their own.
 */
import type {
  OvnTrace,
  OvnTraceAclLog,
  OvnTraceDropLeaf,
  OvnTraceLeafReason,
  OvnTraceNode,
  OvnTracePipelineRef,
  OvnTraceSection,
  OvnTraceTableNode,
  OvnTraceTableRef,
  OvnTraceTransformationNode,
} from './ovn-trace-types.js';

interface Context {
  pipeline?: OvnTracePipelineRef;
  transformations: string[];
  generated: boolean;
}

const LB_ACTION = /^(ct_lb(?:_mark)?)\((.*)\);?$/;
const NAT_ACTION = /^(ct_dnat|ct_snat|ct_dnat_in_czone|ct_snat_in_czone)(?:\((.*)\))?;?$/;

function isHeader(node: OvnTraceNode): boolean {
  return node.kind === 'pipeline' || node.kind === 'transformation';
}

function tableRef(t: OvnTraceTableNode): OvnTraceTableRef {
  const ref: OvnTraceTableRef = { tableId: t.tableId, stage: t.stage, noMatch: t.noMatch, line: t.line };
  if (t.uuid !== undefined) ref.uuid = t.uuid;
  if (t.priority !== undefined) ref.priority = t.priority;
  if (t.match !== undefined) ref.match = t.match;
  return ref;
}

/** Backends listed in `ct_lb_mark(backends=a,b; hash_fields=...)`. */
function backendsOf(args: string): string[] {
  const at = args.indexOf('backends=');
  if (at < 0) return [];
  const rest = args.slice(at + 'backends='.length);
  const end = rest.indexOf(';');
  return (end < 0 ? rest : rest.slice(0, end)).split(',').map((b) => b.trim()).filter(Boolean);
}

// Why the traced packet's own branch stops where a packet-generating transformation starts.
function generatedEndReason(header: OvnTraceTransformationNode, table: OvnTraceTableNode | undefined): OvnTraceLeafReason {
  if (table?.actions.some((a) => a.startsWith('reject'))) return 'rejected';
  switch (header.name) {
    case 'reject':
    case 'tcp_reset':
    case 'sctp_abort':
      return 'rejected';
    case 'arp':
    case 'nd_ns':
      return 'neighbor-resolution';
    case 'icmp4':
    case 'icmp4_error':
    case 'icmp6':
    case 'icmp6_error':
      return 'icmp-error';
    default:
      return 'answered';
  }
}

const DROP_ACTIONS = new Set(['drop;', 'drop', '/* drop */', '/* drop */;']);

function endReason(
  table: OvnTraceTableNode | undefined,
  actions: string[],
  messages: string[],
  omitted: boolean,
  aclLog: OvnTraceAclLog | undefined,
): OvnTraceLeafReason {
  if (messages.some((m) => m.startsWith('***'))) return 'error';
  if (table?.noMatch) return 'implicit-drop';
  if (omitted) return 'omitted-output';
  // ACL stages: ls_*_acl (<= 23.03), ls_*_acl_eval / ls_*_acl_action (23.06+). Without tables
  // (summary format) an ACL end shows as its committed "blocked" mark.
  if (table && /_acl(?:_|$)/.test(table.stage)) return 'acl';
  if (actions.some((a) => a.includes('ct_mark.blocked = 1'))) return 'acl';
  // The brace formats keep no table: a branch that ends right after an ACL logged its drop (or
  // reject) ended at that ACL.
  if (aclLog && (aclLog.verdict === 'drop' || aclLog.verdict === 'reject')) return 'acl';
  if (actions.some((a) => DROP_ACTIONS.has(a))) return 'drop';
  return 'no-output';
}

class Analyzer {
  constructor(private readonly trace: OvnTrace) {}

  /** Walks one branch: the children of a header (or the top level), whose line is `ownerLine`. */
  branch(nodes: OvnTraceNode[], ctx: Context, ownerLine = 0): void {
    let lastTable: OvnTraceTableNode | undefined;
    let endOutputs = 0;
    const endMessages: string[] = [];
    let omitted = false;
    let lastActions: string[] = [];
    // The last ACL log of the branch (brace formats, and a log printed after its table).
    let lastLog: OvnTraceAclLog | undefined;

    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      if (isHeader(node)) {
        this.header(node, ctx);
        continue;
      }
      if (node.kind === 'log') {
        // Printed at its table's level when it is the table's last node: still that table's.
        const owner = lastTable?.aclLogs?.includes(node.log) ? lastTable : undefined;
        this.recordLog(node.log, ctx, owner);
        lastLog = node.log;
        continue;
      }
      if (node.kind === 'table') {
        lastTable = node;
        lastLog = undefined;
        endOutputs = 0;
        endMessages.length = 0;
        omitted = false;
        const continues = i + 1 < nodes.length && isHeader(nodes[i + 1]);
        for (const child of node.children) {
          if (isHeader(child)) this.header(child, ctx);
          else if (child.kind === 'log') this.recordLog(child.log, ctx, node);
          else {
            const r = this.leafLine(child, ctx, node, continues);
            endOutputs += r.outputs;
            if (r.message) endMessages.push(r.message);
            if (r.omitted) omitted = true;
          }
        }
        continue;
      }
      // Lines directly under a header (summary/minimal formats, or e.g. an egress with only
      // "/* omitting output ... */").
      const continues = i + 1 < nodes.length && isHeader(nodes[i + 1]);
      const r = this.leafLine(node, ctx, undefined, continues);
      endOutputs += r.outputs;
      if (r.message) endMessages.push(r.message);
      if (r.omitted) omitted = true;
      if (node.kind === 'action') lastActions.push(node.text);
    }

    const last = nodes[nodes.length - 1];
    if (last && isHeader(last)) {
      // The traced packet stops here when the branch goes on with a packet ovn-trace generated.
      if (last.kind === 'transformation' && last.generatesPacket && !ctx.generated) {
        this.addLeaf(generatedEndReason(last, lastTable), lastTable, lastActions, [], last.line, ctx, lastLog ?? lastTable?.aclLogs?.at(-1));
      }
      return;
    }
    if (endOutputs > 0) return;
    const line = last?.line ?? lastTable?.line ?? ownerLine;
    const aclLog = lastLog ?? lastTable?.aclLogs?.at(-1);
    this.addLeaf(endReason(lastTable, lastTable?.actions ?? lastActions, endMessages, omitted, aclLog), lastTable, lastActions, endMessages, line, ctx, aclLog);
  }

  private recordLog(log: OvnTraceAclLog, ctx: Context, table: OvnTraceTableNode | undefined): void {
    this.trace.aclLogs.push({
      ...log,
      generated: ctx.generated,
      ...(ctx.pipeline ? { pipeline: ctx.pipeline } : {}),
      ...(table ? { table: tableRef(table) } : {}),
    });
  }

  private addLeaf(
    reason: OvnTraceLeafReason,
    table: OvnTraceTableNode | undefined,
    branchActions: string[],
    messages: string[],
    line: number,
    ctx: Context,
    aclLog?: OvnTraceAclLog,
  ): void {
    const leaf: OvnTraceDropLeaf = {
      reason,
      actions: table ? [...table.actions] : [...branchActions],
      messages: [...messages],
      line: table ? table.line : line,
      generated: ctx.generated,
      transformations: [...ctx.transformations],
    };
    if (table) leaf.table = tableRef(table);
    if (ctx.pipeline) leaf.pipeline = ctx.pipeline;
    if (aclLog) leaf.aclLog = aclLog;
    this.trace.dropLeaves.push(leaf);
  }

  private header(node: OvnTraceNode, ctx: Context): void {
    if (node.kind === 'pipeline') {
      const pipeline: OvnTracePipelineRef = { pipeline: node.pipeline };
      if (node.datapath !== undefined) pipeline.datapath = node.datapath;
      if (node.inport !== undefined) pipeline.inport = node.inport;
      if (node.outport !== undefined) pipeline.outport = node.outport;
      if (node.mcgroup !== undefined) pipeline.mcgroup = node.mcgroup;
      this.branch(node.children, { ...ctx, pipeline }, node.line);
    } else if (node.kind === 'transformation') {
      this.branch(node.children, {
        ...ctx,
        transformations: [...ctx.transformations, node.name],
        generated: ctx.generated || node.generatesPacket,
      }, node.line);
    }
  }

  /** Records facts from one non-header line; returns what matters for the branch end. */
  private leafLine(
    node: OvnTraceNode,
    ctx: Context,
    table: OvnTraceTableNode | undefined,
    continues: boolean,
  ): { outputs: number; message?: string; omitted?: boolean } {
    // The table reference is built only for the lines that record one (most lines record nothing).
    switch (node.kind) {
      case 'output': {
        const ref = table ? tableRef(table) : undefined;
        const output = {
          port: node.port,
          line: node.line,
          continues: continues || node.type === 'patch',
          generated: ctx.generated,
          transformations: [...ctx.transformations],
          ...(node.type !== undefined ? { type: node.type } : {}),
          ...(ctx.pipeline ? { pipeline: ctx.pipeline } : {}),
          ...(ref ? { table: ref } : {}),
        };
        this.trace.outputs.push(output);
        return { outputs: 1 };
      }
      case 'error':
        this.trace.errors.push({ kind: 'trace-error', message: node.text });
        return { outputs: 0, message: node.text };
      case 'comment':
        return { outputs: 0, message: node.text, omitted: node.text.startsWith('/* omitting output') };
      case 'action': {
        // Both patterns start with "ct_".
        if (!node.text.startsWith('ct_')) return { outputs: 0 };
        const ref = table ? tableRef(table) : undefined;
        const lb = LB_ACTION.exec(node.text);
        if (lb) {
          const backends = backendsOf(lb[2]);
          if (backends.length) this.trace.loadBalancing.push({ action: node.text, backends, line: node.line, ...(ref ? { table: ref } : {}) });
        }
        const nat = NAT_ACTION.exec(node.text);
        if (nat) {
          this.trace.nat.push({
            kind: nat[1].startsWith('ct_dnat') ? 'dnat' : 'snat',
            action: node.text,
            line: node.line,
            ...(nat[2] !== undefined ? { args: nat[2] } : {}),
            ...(ref ? { table: ref } : {}),
          });
        }
        return { outputs: 0 };
      }
      default:
        return { outputs: 0 };
    }
  }
}

/** Fills `trace.outputs`, `dropLeaves`, `loadBalancing`, `nat` and `***` errors from `section`. */
export function analyzeOvnTraceSection(section: OvnTraceSection, trace: OvnTrace): void {
  new Analyzer(trace).branch(section.nodes, { transformations: [], generated: false });
}
