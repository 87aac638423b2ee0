/**
 * Parser for `ovs-appctl ofproto/trace` output. Pure: text in, {@link OfprotoTrace} out, one pass
 * over the lines. Used by every OVS-based driver (OVN-Kubernetes, Antrea).
 *
 * The text is walked by offsets rather than split into lines: a piece of a line is cut out only
 * when it becomes a field of the result. Long traces (thousands of resubmits) are almost all table
 * and action lines, so those are recognised by hand (first character, then matchers equivalent to
 * the patterns they replace); the rare lines keep their patterns.
 */
import { classifyDatapathActions } from './datapath-actions.js';
import { linkControllers } from './controller-actions.js';
import { normalizeCookieDigits } from './cookie.js';
import { TraceLayout, layoutColumnAt } from './trace-layout.js';
import type {
  OfprotoNodeKind,
  OfprotoNote,
  OfprotoRecirculation,
  OfprotoTableVisit,
  OfprotoTrace,
  OfprotoTraceBlock,
  OfprotoTraceNode,
  OfprotoTraceParseOptions,
  OfprotoTraceSummary,
} from './ofproto-trace-types.js';

// Table lines are `^(\d+)\. (.*)$` and their text `^(?:(.*?),? )?priority (\d+)(?:, cookie
// (0x[0-9a-fA-F]+))?$`, both matched by hand: see tableRestStart and readFlow.
const BRIDGE_LINE = /^bridge\("(.*)"\)$/;
const BUCKET_LINE = /^bucket \d+$/;
const RECIRC_LINE = /^recirc\((0x[0-9a-fA-F]+)\) - resume conntrack with (default )?ct_state=(\S+)/;
const TRANSLATION_FAILED = /^Translation failed \((.*)\), packet is dropped\.$/;
const ERROR_LINE = /^(Bad openflow flow syntax:|ovs-appctl: |.*: unknown bridge$|Cannot find the datapath|Syntax error$|.*: unknown option$|Trailing garbage|Missing argument for option|too many arguments$|Failed to parse Geneve options)/;
const COOKIE = ', cookie 0x';
const PRIORITY = 'priority ';

function noteKind(text: string): OfprotoNote['kind'] {
  if (text === 'output to kernel tunnel') return 'kernel-tunnel';
  if (text === 'output to native tunnel') return 'native-tunnel';
  if (text.startsWith('A clone of the packet is forked to recirculate')) return 'recirculation-fork';
  if (text.startsWith('Resuming from table')) return 'resume';
  if (text.startsWith('Sets the packet to an untracked state')) return 'conntrack-untracked';
  if (text.startsWith('tunneling ')) return 'tunnel-route';
  if (text.includes(' is now ')) return 'field-update';
  return 'other';
}

function newBlock(index: number, startLine: number): OfprotoTraceBlock {
  return { index, bridges: [], nodes: [], tables: [], notes: [], slowPathReasons: [], startLine, endLine: startLine };
}

/** Whether String.prototype.trim removes `c` (ECMAScript WhiteSpace and LineTerminator). */
function isTrimSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

function skipSpaceForward(text: string, start: number, end: number): number {
  while (start < end && isTrimSpace(text.charCodeAt(start))) start++;
  return start;
}

function skipSpaceBackward(text: string, start: number, end: number): number {
  while (end > start && isTrimSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

/** `text.slice(start, end).trim()`, with one cut. */
function sliceTrimmed(text: string, start: number, end: number): string {
  const first = skipSpaceForward(text, start, end);
  return text.slice(first, skipSpaceBackward(text, first, end));
}

/** Whether `text.slice(start, end)` starts with `prefix`. */
function startsWithin(text: string, prefix: string, start: number, end: number): boolean {
  return end - start >= prefix.length && text.startsWith(prefix, start);
}

/** Whether `text.slice(start, end)` is `word`. */
function isExactly(text: string, word: string, start: number, end: number): boolean {
  return end - start === word.length && text.startsWith(word, start);
}

/** Whether `text.slice(start, end)` is one or more `code` characters (`/^=+$/`, `/^-+$/`). */
function isRunOf(text: string, code: number, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) !== code) return false;
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** `Number(text.slice(start, end))` for a run of decimal digits. */
function decimal(text: string, start: number, end: number): number {
  // Past 15 digits the running sum may round differently from Number().
  if (end - start > 15) return Number(text.slice(start, end));
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** Whether `text.slice(start, end)` holds a character that a pattern's `.` does not match. */
function hasLineBreak(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * Where `<rest>` starts in the trimmed line `text.slice(start, end)` when it is a table line
 * `N. <rest>` (the pattern `^(\d+)\. (.*)$`), else -1. `lineBreaks` says whether the text holds
 * characters that `.` does not match at all, so that most texts skip looking for them.
 */
function tableRestStart(text: string, start: number, end: number, lineBreaks: boolean): number {
  let dot = start;
  while (dot < end && isDigit(text.charCodeAt(dot))) dot++;
  if (dot === start || dot + 2 > end || text.charCodeAt(dot) !== 46 || text.charCodeAt(dot + 1) !== 32) return -1;
  if (lineBreaks && hasLineBreak(text, dot + 2, end)) return -1;
  return dot + 2;
}

/**
 * Reads a table line's `<match>, priority P, cookie 0xC` text (`text.slice(start, end)`, the
 * cookie part absent for cookie 0) into `visit`; false when the text is not of that form. Same
 * result as `^(?:(.*?),? )?priority (\d+)(?:, cookie (0x[0-9a-fA-F]+))?$`: the pattern is anchored
 * at the end and its tail holds no free text, so the tail is found by reading backwards.
 */
function readFlow(visit: OfprotoTableVisit, text: string, start: number, end: number): boolean {
  let hexStart = end;
  while (hexStart > start && isHexDigit(text.charCodeAt(hexStart - 1))) hexStart--;
  const hasCookie = hexStart < end && hexStart - start >= COOKIE.length && text.startsWith(COOKIE, hexStart - COOKIE.length);
  const priorityEnd = hasCookie ? hexStart - COOKIE.length : end;
  let priorityStart = priorityEnd;
  while (priorityStart > start && isDigit(text.charCodeAt(priorityStart - 1))) priorityStart--;
  if (priorityStart === priorityEnd || priorityStart - start < PRIORITY.length) return false;
  const word = priorityStart - PRIORITY.length;
  if (!text.startsWith(PRIORITY, word)) return false;
  const matchEnd = matchEndBefore(text, start, word);
  if (matchEnd < 0) return false;
  visit.match = text.slice(start, matchEnd);
  visit.priority = decimal(text, priorityStart, priorityEnd);
  if (hasCookie) {
    const cookie = normalizeCookieDigits(text, hexStart, end);
    visit.cookie = cookie.hex;
    visit.cookieUuidPrefix = cookie.uuidPrefix;
  }
  return true;
}

/**
 * End of the match text before the `priority` word at `word`: the match is followed by `, ` or
 * ` ` (the shorter match wins, as with the pattern's lazy `.*?`), or absent when the word starts
 * the text. -1 when the word follows anything else.
 */
function matchEndBefore(text: string, start: number, word: number): number {
  if (word === start) return start;
  if (word - start >= 2 && text.charCodeAt(word - 2) === 44 && text.charCodeAt(word - 1) === 32) return word - 2;
  return text.charCodeAt(word - 1) === 32 ? word - 1 : -1;
}

/**
 * The table visit of the table line `N. <rest>`: the trimmed line is `text.slice(start, end)` and
 * `<rest>` starts at `restStart`.
 */
function tableVisit(text: string, start: number, restStart: number, end: number, depth: number, line: number, bridge: string | undefined): OfprotoTableVisit {
  const visit: OfprotoTableVisit = { tableId: decimal(text, start, restStart - 2), match: '', depth, actions: [], line };
  if (bridge !== undefined) visit.bridge = bridge;
  if (isExactly(text, 'No match.', restStart, end)) visit.miss = 'no-match';
  else if (startsWithin(text, 'No match, and a "packet-in" is called for', restStart, end)) visit.miss = 'packet-in';
  else if (startsWithin(text, 'Packets are IP fragments', restStart, end)) visit.miss = 'ip-fragment-drop';
  else if (!readFlow(visit, text, restStart, end)) visit.match = text.slice(restStart, end);
  return visit;
}

/**
 * The state of one parse, fed one line at a time. A line is given as offsets into the text:
 * `start`/`end` bound the raw line, `first`/`last` its trimmed part.
 */
class OfprotoTraceBuilder {
  readonly blocks: OfprotoTraceBlock[] = [];
  readonly errors: string[] = [];
  private block: OfprotoTraceBlock | undefined;
  private pendingRecirc: OfprotoRecirculation | undefined;
  private layout = new TraceLayout<OfprotoTraceNode>();
  private bridge: string | undefined;
  // Tables whose miss may still be followed by more translation in the same block.
  private openMisses: OfprotoTableVisit[] = [];
  private inHeader = false;
  private slowPath = false;
  // The current block's last line before the line being read.
  private previousEndLine = 0;
  private readonly lineBreaks: boolean;

  constructor(private readonly text: string) {
    this.lineBreaks = text.includes('\r') || text.includes('\u2028') || text.includes('\u2029');
  }

  /** Takes the raw line `text.slice(start, end)`, numbered `lineNo` from 1. */
  line(start: number, end: number, lineNo: number): void {
    const text = this.text;
    const first = skipSpaceForward(text, start, end);
    if (first === end) return;
    const last = skipSpaceBackward(text, first, end);
    const c = text.charCodeAt(first);

    if (c === 61 /* = */ && isRunOf(text, 61, first, last)) {
      this.inHeader = !this.inHeader;
      return;
    }
    if (this.inHeader) {
      this.recirculationHeaderLine(text.slice(first, last));
      return;
    }
    if (c === 70 /* F */ && startsWithin(text, 'Flow: ', start, end)) {
      this.startBlock(lineNo).flow = sliceTrimmed(text, start + 6, end);
      return;
    }
    if (!this.block) {
      const trimmed = text.slice(first, last);
      if (ERROR_LINE.test(trimmed)) {
        this.errors.push(trimmed);
        return;
      }
    }
    const block = this.block ?? this.startBlock(lineNo);
    this.previousEndLine = block.endLine;
    block.endLine = lineNo;
    if (!this.blockField(block, c, start, end, first, last)) this.addNode(block, c, start, end, first, last, lineNo);
  }

  private startBlock(lineNo: number): OfprotoTraceBlock {
    const block = newBlock(this.blocks.length, lineNo);
    if (this.pendingRecirc) block.recirculation = this.pendingRecirc;
    this.pendingRecirc = undefined;
    this.blocks.push(block);
    this.block = block;
    this.layout = new TraceLayout<OfprotoTraceNode>();
    this.bridge = undefined;
    this.openMisses = [];
    this.slowPath = false;
    return block;
  }

  /**
   * The block a `Final flow:`/`Megaflow:`/`Datapath actions:` line belongs to. Every translation
   * prints them once, before the next one's header and `Flow:`; so when the current block already
   * has its datapath actions, the line starts the next translation (filtered output such as
   * `grep 'Datapath actions'` keeps these lines and drops the rest).
   */
  private blockAfterActions(block: OfprotoTraceBlock): OfprotoTraceBlock {
    if (block.datapathActions === undefined) return block;
    const lineNo = block.endLine;
    block.endLine = this.previousEndLine;
    return this.startBlock(lineNo);
  }

  /** A line between the `====` rules that introduce a recirculated block. */
  private recirculationHeaderLine(trimmed: string): void {
    const m = RECIRC_LINE.exec(trimmed);
    if (m) {
      this.pendingRecirc = { id: m[1], ctState: m[3], defaultCtState: Boolean(m[2]), header: trimmed };
    } else if (this.pendingRecirc && trimmed.startsWith('Initial flow:')) {
      this.pendingRecirc.nat = { initialFlow: trimmed.slice('Initial flow:'.length).trim(), modifiedFlow: '' };
    } else if (this.pendingRecirc?.nat && trimmed.startsWith('Modified flow:')) {
      this.pendingRecirc.nat.modifiedFlow = trimmed.slice('Modified flow:'.length).trim();
    }
  }

  /**
   * Records a line that sets a block field rather than printing a node (the flows, datapath
   * actions, failure, slow-path reasons) or that prints nothing (a bridge underline). `c` is the
   * line's first non-blank character; false when the line is a node.
   */
  private blockField(block: OfprotoTraceBlock, c: number, start: number, end: number, first: number, last: number): boolean {
    const text = this.text;
    switch (c) {
      case 70 /* F */:
        if (!startsWithin(text, 'Final flow: ', start, end)) return false;
        this.blockAfterActions(block).finalFlow = sliceTrimmed(text, start + 'Final flow: '.length, end);
        return true;
      case 77 /* M */:
        if (!startsWithin(text, 'Megaflow: ', start, end)) return false;
        this.blockAfterActions(block).megaflow = sliceTrimmed(text, start + 'Megaflow: '.length, end);
        return true;
      case 68 /* D */:
        if (!startsWithin(text, 'Datapath actions: ', start, end)) return false;
        this.blockAfterActions(block).datapathActions = sliceTrimmed(text, start + 'Datapath actions: '.length, end);
        return true;
      case 84 /* T */: {
        const failed = startsWithin(text, 'Translation failed', first, last) ? TRANSLATION_FAILED.exec(text.slice(first, last)) : null;
        if (failed) {
          block.translationFailed = failed[1];
          return true;
        }
        if (!startsWithin(text, 'This flow is handled by the userspace slow path', first, last)) return false;
        this.slowPath = true;
        return true;
      }
      case 45 /* - */:
        if (this.slowPath && startsWithin(text, '- ', first, last)) {
          block.slowPathReasons.push(text.slice(first + 2, last).replace(/\.$/, ''));
          return true;
        }
        // Underline of a bridge header.
        return isRunOf(text, 45, first, last);
      default:
        return false;
    }
  }

  /** Adds the node a printed line stands for to the block's tree, and its table visit if any. */
  private addNode(block: OfprotoTraceBlock, c: number, start: number, end: number, first: number, last: number, lineNo: number): void {
    const text = this.text;
    let kind: OfprotoNodeKind = 'action';
    let nodeText: string | undefined;
    let restStart = -1;
    // Each kind below is told by a first character of its own; most lines are plain actions.
    switch (c) {
      case 98 /* b */: {
        nodeText = text.slice(first, last);
        const bridge = BRIDGE_LINE.exec(nodeText);
        if (bridge) {
          kind = 'bridge';
          this.bridge = bridge[1];
          block.bridges.push(bridge[1]);
        } else if (BUCKET_LINE.test(nodeText)) {
          kind = 'bucket';
        }
        break;
      }
      case 45 /* - */:
        if (startsWithin(text, '-> ', first, last)) {
          kind = 'note';
          nodeText = text.slice(first + 3, last);
          block.notes.push({ text: nodeText, line: lineNo, kind: noteKind(nodeText) });
        }
        break;
      case 62 /* > */:
        if (startsWithin(text, '>>>> ', first, last)) {
          kind = 'error';
          nodeText = text.slice(first, last).replace(/^>>>> /, '').replace(/ <<<<$/, '');
        } else if (startsWithin(text, '>> ', first, last)) {
          kind = 'warning';
          nodeText = text.slice(first + 3, last);
        }
        break;
      case 116 /* t */:
        if (isExactly(text, 'thaw', first, last)) kind = 'thaw';
        break;
      case 82 /* R */:
        if (startsWithin(text, 'Resuming from table', first, last)) {
          kind = 'note';
          nodeText = text.slice(first, last);
          block.notes.push({ text: nodeText, line: lineNo, kind: 'resume' });
        }
        break;
      default:
        if (isDigit(c)) {
          restStart = tableRestStart(text, first, last, this.lineBreaks);
          if (restStart >= 0) kind = 'table';
        }
    }
    if (nodeText === undefined) nodeText = text.slice(first, last);

    const node: OfprotoTraceNode = { kind, text: nodeText, line: lineNo, depth: 0, children: [] };
    const { parent, depth } = this.layout.place(node, layoutColumnAt(text, start, end), kind === 'bridge');
    // Only tables and bridges open a nesting level; other lines sit at their owner's depth.
    node.depth = kind === 'table' || kind === 'bridge' ? depth : (parent?.depth ?? 0);
    (parent ? parent.children : block.nodes).push(node);
    const ownTable = parent?.kind === 'table' && parent.tableIndex !== undefined ? block.tables[parent.tableIndex] : undefined;

    // Anything printed after a miss (other than the miss's own "drop") means translation went on.
    if (this.openMisses.length && !(kind === 'action' && ownTable?.miss)) {
      for (const miss of this.openMisses) miss.resumed = true;
      this.openMisses = [];
    }

    if (restStart >= 0) {
      const visit = tableVisit(text, first, restStart, last, depth, lineNo, this.bridge);
      if (visit.miss) {
        visit.resumed = false;
        this.openMisses.push(visit);
      }
      node.tableIndex = block.tables.length;
      block.tables.push(visit);
    } else if (kind === 'action' && ownTable) {
      ownTable.actions.push(nodeText);
    }
  }
}

/** Parses one ofproto/trace output (stdout; pass stderr/exit code through `options`). */
export function parseOfprotoTrace(text: string, options: OfprotoTraceParseOptions = {}): OfprotoTrace {
  const trace = new OfprotoTraceBuilder(text);
  // Lines as split('\n') gives them, with the same numbers.
  let lineNo = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    trace.line(start, end, ++lineNo);
    start = end + 1;
  }
  const { blocks, errors } = trace;
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
  linkControllers(summary.controllers, last, options.controllerUserdata);
  if (last.translationFailed !== undefined) {
    // "Translation failed (...), packet is dropped.": ovs-vswitchd clears the actions of a failed
    // translation and installs an explicit drop (xlate_actions), so the packet is dropped.
    summary.translationFailed = last.translationFailed;
    summary.outcome = 'drop';
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
