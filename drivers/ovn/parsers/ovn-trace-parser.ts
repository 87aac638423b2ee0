/**
 * Parser for `ovn-trace` output: the detailed tree (default), the `--summary` and `--minimal`
 * brace formats, and `--all` (banners between formats). Pure and single-pass over the lines; the
 * derived facts (outputs, branches that end without output, load balancing, NAT, errors) come from
 * one walk over the primary tree.
 */
import { TraceLayout, layoutColumn } from '../../ovs-common/trace-layout.js';
import { analyzeOvnTraceSection } from './ovn-trace-analysis.js';
import type {
  OvnTrace,
  OvnTraceAclLog,
  OvnTraceError,
  OvnTraceLogNode,
  OvnTraceFormat,
  OvnTraceNode,
  OvnTraceParseOptions,
  OvnTracePipelineNode,
  OvnTraceSection,
  OvnTraceTableNode,
  OvnTraceTransformationNode,
} from './ovn-trace-types.js';

const BANNERS: Record<string, OvnTraceFormat> = {
  '# Detailed trace.': 'detailed',
  '# Summary trace.': 'summary',
  '# Minimal trace.': 'minimal',
};

// Transformations whose nested actions run on a packet ovn-trace builds (ovn-trace.c execute_*),
// not on the traced one.
const GENERATING = new Set([
  'arp', 'nd_ns', 'nd_na', 'nd_na_router', 'icmp4', 'icmp4_error', 'icmp6', 'icmp6_error',
  'tcp_reset', 'sctp_abort', 'reject',
]);

const PIPELINE = /^(ingress|egress|multicast)\((.*)\)$/;
const ATTRIBUTE = /(\w+)="((?:[^"\\]|\\.)*)"/g;
const TABLE_WITH_SOURCE = /^(\d+)\. (\S+) \(([^)]*)\): (.*), priority (-?\d+), uuid ([0-9a-fA-F]+)$/;
const TABLE_NO_SOURCE = /^(\d+)\. (\S+): (.*), priority (-?\d+), uuid ([0-9a-fA-F]+)$/;
const TABLE_NO_MATCH = /^(\d+)\. (\S+)(?: \(([^)]*)\))?: no match \(implicit drop\)$/;
const OUTPUT_COMMENT = /^\/\* output to "((?:[^"\\]|\\.)*)", type "((?:[^"\\]|\\.)*)" \*\/;?$/;
const MINIMAL_OUTPUT = /^output\("((?:[^"\\]|\\.)*)"\);$/;
const OPENFLOW = /^cookie=(0x[0-9a-fA-F]+), /;
const DEFAULT_CT = '/* default (use --ct to customize) */';
// ovn-trace.c execute_log: the name is printed unquoted (it may hold ", "), so it runs up to the
// last ", direction="; the packet is flow_to_string() output, which holds no '"'.
const ACL_LOG = /^LOG: ACL name=(.*), direction=([^,\s]+), verdict=([^,\s]+), severity=([^,\s]+)(?:, packet="(.*)")?;?$/;

/** A `LOG: ACL ...` line as a log node (any format), or undefined when the text is not one. */
function logNode(text: string, line: number): OvnTraceLogNode | undefined {
  if (!text.startsWith('LOG: ')) return undefined;
  const m = ACL_LOG.exec(text);
  if (!m) return undefined;
  const log: OvnTraceAclLog = { direction: m[2]!, verdict: m[3]!, severity: m[4]!, line };
  if (m[1] !== '<unnamed>') log.name = m[1]!;
  if (m[5] !== undefined) log.packet = m[5];
  return { kind: 'log', log, text, line, depth: 0, children: [] };
}

/** Top-level error texts ovn-trace prints on stdout with exit code 0. */
function stdoutError(line: string): OvnTraceError | undefined {
  let m = /^error parsing flow: (.*)$/.exec(line);
  if (m) {
    const kind = /does not (?:specify ingress port|match on inport)/.test(m[1]) ? 'no-inport' : 'parse-error';
    return { kind, message: line };
  }
  if ((m = /^unknown port "(.*)"$/.exec(line))) return { kind: 'unknown-port', message: line, subject: m[1] };
  if ((m = /^unknown datapath "(.*)"$/.exec(line))) return { kind: 'unknown-datapath', message: line, subject: m[1] };
  if (/^microflow does not specify ingress port/.test(line)) return { kind: 'no-inport', message: line };
  return undefined;
}

function stderrErrors(stderr: string): OvnTraceError[] {
  const errors: OvnTraceError[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    let m = /\|WARN\|(.*): unknown logical port$/.exec(line);
    if (m) errors.push({ kind: 'unknown-logical-port', message: line, subject: m[1] });
    else if (/microflow does not specify ingress port/.test(line)) errors.push({ kind: 'no-inport', message: line });
    else if ((m = /^ovn-trace: (.*assertion.*)$/.exec(line))) errors.push({ kind: 'abort', message: line });
    else if (line.startsWith('ovn-trace: ')) errors.push({ kind: 'tool-error', message: line });
  }
  return errors;
}

function headerNode(text: string, line: number): OvnTracePipelineNode | OvnTraceTransformationNode {
  const p = PIPELINE.exec(text);
  if (p) {
    const attributes: Record<string, string> = {};
    for (const a of p[2].matchAll(ATTRIBUTE)) attributes[a[1]] = a[2];
    const node: OvnTracePipelineNode = {
      kind: 'pipeline', pipeline: p[1] as OvnTracePipelineNode['pipeline'], attributes, text, line, depth: 0, children: [],
    };
    if (attributes.dp !== undefined) node.datapath = attributes.dp;
    if (attributes.inport !== undefined) node.inport = attributes.inport;
    if (attributes.outport !== undefined) node.outport = attributes.outport;
    if (attributes.mcgroup !== undefined) node.mcgroup = attributes.mcgroup;
    return node;
  }
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text)?.[0] ?? text;
  const node: OvnTraceTransformationNode = {
    kind: 'transformation', name, text, line, depth: 0, children: [],
    defaultCtState: text.includes(DEFAULT_CT), generatesPacket: GENERATING.has(name),
  };
  const ct = /ct_state=([^)\s,]+)/.exec(text);
  if (ct) node.ctState = ct[1];
  return node;
}

function tableNode(text: string, line: number): OvnTraceTableNode | undefined {
  // Every table line starts with its number: skip the three patterns for all other lines.
  const c = text.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  let m = TABLE_WITH_SOURCE.exec(text);
  if (m) {
    return {
      kind: 'table', tableId: Number(m[1]), stage: m[2], source: m[3], match: m[4], priority: Number(m[5]),
      uuid: m[6].toLowerCase(), noMatch: false, actions: [], text, line, depth: 0, children: [],
    };
  }
  if ((m = TABLE_NO_MATCH.exec(text))) {
    const node: OvnTraceTableNode = { kind: 'table', tableId: Number(m[1]), stage: m[2], noMatch: true, actions: [], text, line, depth: 0, children: [] };
    if (m[3]) node.source = m[3];
    return node;
  }
  if ((m = TABLE_NO_SOURCE.exec(text))) {
    return {
      kind: 'table', tableId: Number(m[1]), stage: m[2], match: m[3], priority: Number(m[4]),
      uuid: m[5].toLowerCase(), noMatch: false, actions: [], text, line, depth: 0, children: [],
    };
  }
  return undefined;
}

/** A leaf line (not a header, not a table) in either format. */
function lineNode(text: string, line: number): OvnTraceNode {
  const base = { text, line, depth: 0, children: [] as OvnTraceNode[] };
  // Dispatch on the first character: each pattern below starts with a fixed one, and most lines
  // are plain actions that match none.
  let m: RegExpExecArray | null;
  switch (text.charCodeAt(0)) {
    case 47 /* / */:
      if ((m = OUTPUT_COMMENT.exec(text))) return { kind: 'output', port: m[1], type: m[2], ...base };
      if (text.startsWith('/*') && /\*\/;?$/.test(text)) return { kind: 'comment', ...base };
      break;
    case 111 /* o */:
      if ((m = MINIMAL_OUTPUT.exec(text))) return { kind: 'output', port: m[1], ...base };
      break;
    case 42 /* * */:
      if (text.startsWith('*** ')) return { kind: 'error', ...base };
      break;
    case 99 /* c */:
      if ((m = OPENFLOW.exec(text))) return { kind: 'openflow', cookie: m[1].toLowerCase(), ...base };
      break;
    case 76 /* L */: {
      const log = logNode(text, line);
      if (log) return log;
      break;
    }
  }
  return { kind: 'action', ...base };
}

/** Builds the detailed (indented) tree from lines [start, end). */
function parseDetailed(lines: string[], start: number, end: number): OvnTraceNode[] {
  const roots: OvnTraceNode[] = [];
  const layout = new TraceLayout<OvnTraceNode>();
  // The table whose actions the lines below belong to: a LOG line is printed by its log(...) action.
  let lastTable: OvnTraceTableNode | undefined;
  // Each line is trimmed once: as the next line of one iteration, then as the current one.
  let ahead: string | undefined;
  for (let i = start; i < end; i++) {
    const raw = lines[i];
    const text = ahead ?? raw.trim();
    ahead = undefined;
    if (!text) continue;
    const next = i + 1 < end ? (ahead = lines[i + 1].trim()) : '';
    // A header is the line above a run of dashes of its own length.
    const underlined = next.length === text.length && /^-+$/.test(next);
    // A LOG line is underlined like a heading but has no children: it is placed as a plain line,
    // so it neither opens a branch nor (printed at its table's level) takes over the tail nodes.
    const log = underlined || text.charCodeAt(0) === 76 ? logNode(text, i + 1) : undefined;
    const isHeader = underlined && !log;
    const node = log ?? (isHeader ? headerNode(text, i + 1) : (tableNode(text, i + 1) ?? lineNode(text, i + 1)));
    const { parent, depth } = layout.place(node, layoutColumn(raw), isHeader);
    if (node.kind === 'table') lastTable = node;
    else if (node.kind === 'log' && lastTable) (lastTable.aclLogs ??= []).push(node.log);
    else if (isHeader) lastTable = undefined;
    node.depth = isHeader || node.kind === 'table' ? depth : (parent?.depth ?? 0);
    (parent ? parent.children : roots).push(node);
    if (node.kind === 'action' && parent?.kind === 'table') parent.actions.push(text);
    if (underlined) {
      i++; // skip the underline
      ahead = undefined;
    }
  }
  return roots;
}

/** Builds a `--summary`/`--minimal` tree (nested with `{` ... `};`) from lines [start, end). */
function parseBraces(lines: string[], start: number, end: number): OvnTraceNode[] {
  const roots: OvnTraceNode[] = [];
  const stack: OvnTraceNode[] = [];
  for (let i = start; i < end; i++) {
    const text = lines[i].trim();
    if (!text) continue;
    if (text === '};' || text === '}') {
      stack.pop();
      continue;
    }
    let node: OvnTraceNode;
    const opens = text.endsWith('{');
    const headerText = opens ? text.slice(0, -1).trimEnd() : text.replace(/;$/, '');
    if (opens || PIPELINE.test(headerText) || text.includes(DEFAULT_CT)) {
      node = headerNode(headerText, i + 1);
      node.text = text;
    } else {
      node = lineNode(text, i + 1);
    }
    const parent = stack[stack.length - 1];
    node.depth = stack.length;
    (parent ? parent.children : roots).push(node);
    if (opens) stack.push(node);
  }
  return roots;
}

/** Guesses the format of a banner-less run from its lines. */
function detectFormat(lines: string[], start: number, end: number): OvnTraceFormat | undefined {
  for (let i = start; i < end; i++) {
    const t = lines[i].trim();
    if (!t) continue;
    if (/^-+$/.test(t) || TABLE_WITH_SOURCE.test(t) || TABLE_NO_MATCH.test(t) || TABLE_NO_SOURCE.test(t)) return 'detailed';
    if (t.endsWith('{') || t === '};') {
      for (let j = start; j < end; j++) if (/^\s*(ingress|egress)\(.*\) \{$/.test(lines[j])) return 'summary';
      return 'minimal';
    }
    if (MINIMAL_OUTPUT.test(t)) return 'minimal';
  }
  return undefined;
}

/**
 * Parses one ovn-trace run. `text` is stdout; pass stderr and the exit code in `options` so that
 * 23.03's warnings and aborts are reported too.
 */
export function parseOvnTrace(text: string, options: OvnTraceParseOptions = {}): OvnTrace {
  const lines = text.split('\n');
  const trace: OvnTrace = { sections: [], outputs: [], dropLeaves: [], loadBalancing: [], nat: [], aclLogs: [], errors: [] };

  // Split into format runs at banners; collect the microflow and stdout error lines.
  const runs: { format?: OvnTraceFormat; start: number; end: number }[] = [];
  let current: { format?: OvnTraceFormat; start: number; end: number } = { start: 0, end: lines.length };
  let sawBanner = false;
  for (let i = 0; i < lines.length; i++) {
    // An indented line can only be a banner (all contain '#'); microflow and error lines are not indented.
    if (lines[i].charCodeAt(0) === 32 && !lines[i].includes('#')) continue;
    const t = lines[i].trim();
    const banner = BANNERS[t];
    if (banner) {
      current.end = i;
      if (sawBanner || current.end > current.start) runs.push(current);
      current = { format: banner, start: i + 1, end: lines.length };
      sawBanner = true;
      lines[i] = '';
      continue;
    }
    if (t.startsWith('# ') && lines[i].startsWith('#')) {
      if (trace.microflow === undefined) trace.microflow = t.slice(2);
      lines[i] = '';
      continue;
    }
    if (!lines[i].startsWith(' ')) {
      const error = stdoutError(t);
      if (error) {
        trace.errors.push(error);
        lines[i] = '';
      }
    }
  }
  runs.push(current);

  for (const run of runs) {
    const detected = run.format ?? detectFormat(lines, run.start, run.end);
    // An error-only output has no trace, whatever format was asked for.
    const format = detected ?? (sawBanner || trace.errors.length ? undefined : options.format);
    if (!format) continue;
    const nodes = format === 'detailed' ? parseDetailed(lines, run.start, run.end) : parseBraces(lines, run.start, run.end);
    trace.sections.push({ format, nodes });
  }

  const primary: OvnTraceSection | undefined =
    trace.sections.find((s) => s.format === 'detailed') ??
    trace.sections.find((s) => s.format === 'summary') ??
    trace.sections.find((s) => s.format === 'minimal');
  if (primary) {
    trace.primary = primary.format;
    analyzeOvnTraceSection(primary, trace);
  }

  trace.errors.push(...stderrErrors(options.stderr ?? ''));
  if (options.exitCode !== undefined && options.exitCode > 128 && !trace.errors.some((e) => e.kind === 'abort')) {
    trace.errors.push({ kind: 'abort', message: `ovn-trace exited with code ${options.exitCode}` });
  }
  return trace;
}
