/**
 * Parser for `ovs-appctl ofproto/trace` output. Pure: text in, {@link OfprotoTrace} out, one pass
 * over the lines. Used by every OVS-based driver (OVN-Kubernetes, Antrea).
 */
import { classifyDatapathActions } from './datapath-actions.js';
import { normalizeCookie } from './cookie.js';
import { TraceLayout, layoutColumn } from './trace-layout.js';
import type {
  OfprotoNote,
  OfprotoRecirculation,
  OfprotoTableVisit,
  OfprotoTrace,
  OfprotoTraceBlock,
  OfprotoTraceNode,
  OfprotoTraceParseOptions,
  OfprotoTraceSummary,
} from './ofproto-trace-types.js';

const TABLE_LINE = /^(\d+)\. (.*)$/;
const TABLE_MATCH = /^(?:(.*?),? )?priority (\d+)(?:, cookie (0x[0-9a-fA-F]+))?$/;
const BRIDGE_LINE = /^bridge\("(.*)"\)$/;
const RECIRC_LINE = /^recirc\((0x[0-9a-fA-F]+)\) - resume conntrack with (default )?ct_state=(\S+)/;
const TRANSLATION_FAILED = /^Translation failed \((.*)\), packet is dropped\.$/;
const ERROR_LINE = /^(Bad openflow flow syntax:|ovs-appctl: |.*: unknown bridge$|Cannot find the datapath|Syntax error$|.*: unknown option$|Trailing garbage|Missing argument for option|too many arguments$|Failed to parse Geneve options)/;

function noteKind(text: string): OfprotoNote['kind'] {
  if (text === 'output to kernel tunnel') return 'kernel-tunnel';
  if (text === 'output to native tunnel') return 'native-tunnel';
  if (text.startsWith('A clone of the packet is forked to recirculate')) return 'recirculation-fork';
  if (text.startsWith('Resuming from table')) return 'resume';
  if (text.startsWith('Sets the packet to an untracked state')) return 'conntrack-untracked';
  if (text.startsWith('tunneling ')) return 'tunnel-route';
  if (/ is now /.test(text)) return 'field-update';
  return 'other';
}

function newBlock(index: number, startLine: number): OfprotoTraceBlock {
  return { index, bridges: [], nodes: [], tables: [], notes: [], slowPathReasons: [], startLine, endLine: startLine };
}

/** Parses one ofproto/trace output (stdout; pass stderr/exit code through `options`). */
export function parseOfprotoTrace(text: string, options: OfprotoTraceParseOptions = {}): OfprotoTrace {
  const lines = text.split('\n');
  const blocks: OfprotoTraceBlock[] = [];
  const errors: string[] = [];
  let block: OfprotoTraceBlock | undefined;
  let pendingRecirc: OfprotoRecirculation | undefined;
  let layout = new TraceLayout<OfprotoTraceNode>();
  let bridge: string | undefined;
  // Tables whose miss may still be followed by more translation in the same block.
  let openMisses: OfprotoTableVisit[] = [];
  let inHeader = false;
  let slowPath = false;

  const startBlock = (lineNo: number): OfprotoTraceBlock => {
    block = newBlock(blocks.length, lineNo);
    if (pendingRecirc) block.recirculation = pendingRecirc;
    pendingRecirc = undefined;
    blocks.push(block);
    layout = new TraceLayout<OfprotoTraceNode>();
    bridge = undefined;
    openMisses = [];
    slowPath = false;
    return block;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') continue;

    if (trimmed.charCodeAt(0) === 61 /* = */ && /^=+$/.test(trimmed)) {
      inHeader = !inHeader;
      continue;
    }
    if (inHeader) {
      const m = RECIRC_LINE.exec(trimmed);
      if (m) {
        pendingRecirc = { id: m[1], ctState: m[3], defaultCtState: Boolean(m[2]), header: trimmed };
      } else if (pendingRecirc && trimmed.startsWith('Initial flow:')) {
        pendingRecirc.nat = { initialFlow: trimmed.slice('Initial flow:'.length).trim(), modifiedFlow: '' };
      } else if (pendingRecirc?.nat && trimmed.startsWith('Modified flow:')) {
        pendingRecirc.nat.modifiedFlow = trimmed.slice('Modified flow:'.length).trim();
      }
      continue;
    }

    if (raw.startsWith('Flow: ')) {
      startBlock(lineNo).flow = raw.slice(6).trim();
      continue;
    }
    if (!block && ERROR_LINE.test(trimmed)) {
      errors.push(trimmed);
      continue;
    }
    const b = block ?? startBlock(lineNo);
    b.endLine = lineNo;

    if (raw.startsWith('Final flow: ')) {
      b.finalFlow = raw.slice('Final flow: '.length).trim();
      continue;
    }
    if (raw.startsWith('Megaflow: ')) {
      b.megaflow = raw.slice('Megaflow: '.length).trim();
      continue;
    }
    if (raw.startsWith('Datapath actions: ')) {
      b.datapathActions = raw.slice('Datapath actions: '.length).trim();
      continue;
    }
    const failed = trimmed.startsWith('Translation failed') ? TRANSLATION_FAILED.exec(trimmed) : null;
    if (failed) {
      b.translationFailed = failed[1];
      continue;
    }
    if (trimmed.startsWith('This flow is handled by the userspace slow path')) {
      slowPath = true;
      continue;
    }
    if (slowPath && trimmed.startsWith('- ')) {
      b.slowPathReasons.push(trimmed.slice(2).replace(/\.$/, ''));
      continue;
    }
    // Underline of a bridge header.
    if (trimmed.charCodeAt(0) === 45 /* - */ && /^-+$/.test(trimmed)) continue;

    const column = layoutColumn(raw);
    const node: OfprotoTraceNode = { kind: 'action', text: trimmed, line: lineNo, depth: 0, children: [] };
    const first = trimmed.charCodeAt(0);
    const bridgeMatch = first === 98 /* b */ ? BRIDGE_LINE.exec(trimmed) : null;
    const tableMatch = first >= 48 && first <= 57 ? TABLE_LINE.exec(trimmed) : null;
    if (bridgeMatch) {
      node.kind = 'bridge';
      bridge = bridgeMatch[1];
      b.bridges.push(bridge);
    } else if (tableMatch) {
      node.kind = 'table';
    } else if (trimmed.startsWith('-> ')) {
      node.kind = 'note';
      node.text = trimmed.slice(3);
      b.notes.push({ text: node.text, line: lineNo, kind: noteKind(node.text) });
    } else if (trimmed.startsWith('>>>> ')) {
      node.kind = 'error';
      node.text = trimmed.replace(/^>>>> /, '').replace(/ <<<<$/, '');
    } else if (trimmed.startsWith('>> ')) {
      node.kind = 'warning';
      node.text = trimmed.slice(3);
    } else if (trimmed === 'thaw') {
      node.kind = 'thaw';
    } else if (/^bucket \d+$/.test(trimmed)) {
      node.kind = 'bucket';
    } else if (trimmed.startsWith('Resuming from table')) {
      node.kind = 'note';
      b.notes.push({ text: trimmed, line: lineNo, kind: 'resume' });
    }

    const { parent, depth } = layout.place(node, column, node.kind === 'bridge');
    // Only tables and bridges open a nesting level; other lines sit at their owner's depth.
    node.depth = node.kind === 'table' || node.kind === 'bridge' ? depth : (parent?.depth ?? 0);
    (parent ? parent.children : b.nodes).push(node);

    // Anything printed after a miss (other than the miss's own "drop") means translation went on.
    if (openMisses.length && !(node.kind === 'action' && parent?.kind === 'table' && parent.tableIndex !== undefined && b.tables[parent.tableIndex].miss)) {
      for (const miss of openMisses) miss.resumed = true;
      openMisses = [];
    }

    if (tableMatch) {
      const visit: OfprotoTableVisit = { tableId: Number(tableMatch[1]), match: '', depth, actions: [], line: lineNo };
      if (bridge !== undefined) visit.bridge = bridge;
      const rest = tableMatch[2];
      if (rest === 'No match.') visit.miss = 'no-match';
      else if (rest.startsWith('No match, and a "packet-in" is called for')) visit.miss = 'packet-in';
      else if (rest.startsWith('Packets are IP fragments')) visit.miss = 'ip-fragment-drop';
      else {
        const m = TABLE_MATCH.exec(rest);
        if (m) {
          visit.match = m[1] ?? '';
          visit.priority = Number(m[2]);
          const cookie = m[3] ? normalizeCookie(m[3]) : undefined;
          if (cookie) {
            visit.cookie = cookie.hex;
            visit.cookieUuidPrefix = cookie.uuidPrefix;
          }
        } else {
          visit.match = rest;
        }
      }
      if (visit.miss) {
        visit.resumed = false;
        openMisses.push(visit);
      }
      node.tableIndex = b.tables.length;
      b.tables.push(visit);
    } else if (node.kind === 'action' && parent?.kind === 'table' && parent.tableIndex !== undefined) {
      b.tables[parent.tableIndex].actions.push(node.text);
    }
  }

  for (const line of (options.stderr ?? '').split('\n')) {
    const t = line.trim();
    if (t) errors.push(t);
  }
  return { blocks, errors, summary: summarize(blocks, errors, options) };
}

function summarize(blocks: OfprotoTraceBlock[], errors: string[], options: OfprotoTraceParseOptions): OfprotoTraceSummary {
  const last = blocks[blocks.length - 1];
  const tunnelPorts = new Set<string>();
  for (const p of options.tunnelPorts ?? []) tunnelPorts.add(String(p));
  const actions = classifyDatapathActions(last?.datapathActions, tunnelPorts);
  const summary: OfprotoTraceSummary = {
    ...actions,
    blockCount: blocks.length,
    packetIn: false,
  };
  if (!last) return summary;
  if (last.datapathActions !== undefined) summary.datapathActions = last.datapathActions;
  if (last.translationFailed !== undefined) {
    summary.translationFailed = last.translationFailed;
    summary.outcome = 'error';
  }
  if (errors.length && last.datapathActions === undefined) summary.outcome = 'error';
  for (const note of last.notes) {
    if (note.kind === 'kernel-tunnel') summary.tunnelNote = 'kernel';
    else if (note.kind === 'native-tunnel') summary.tunnelNote = 'native';
  }
  summary.packetIn = last.tables.some((t) => t.miss === 'packet-in');
  const lastTable = last.tables[last.tables.length - 1];
  if (lastTable) {
    summary.lastTable = lastTable;
    if (lastTable.miss && !lastTable.resumed) summary.terminalMiss = lastTable;
  }
  return summary;
}
