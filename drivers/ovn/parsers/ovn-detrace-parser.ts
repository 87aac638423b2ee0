/**
 * Parser for `ovn-detrace` output in both layouts: OVN ≤ 25.03 strips the indentation of every
 * echoed ofproto/trace line, OVN 25.09+ keeps it and indents the `* ...` records to the level of
 * the flow they describe. Records are printed when the flow block ends, i.e. after the block's
 * action lines; they belong to the last echoed line that carried a cookie (OVS interfaces: the
 * last one that carried an OpenFlow port).
 */
import { normalizeCookie } from '../../ovs-common/cookie.js';
import { layoutColumn } from '../../ovs-common/trace-layout.js';
import { parseDatapath, parseHint, parseLogicalFlow, parseRecord } from './ovn-detrace-records.js';
import type {
  DetraceDatapath,
  DetraceFlow,
  DetraceLogicalFlowRecord,
  DetraceRecord,
  OvnDetrace,
  OvnDetraceParseOptions,
} from './ovn-detrace-types.js';

/** A line terminator other than `\n`: a line holding one does not match the `(.*)$` patterns. */
const OTHER_TERMINATOR = /[\r\u2028\u2029]/;
// ovn-detrace's own cookie regex (24.09+ also accepts `cookie=`, for dump-flows input).
const COOKIE = /cookie[ =](0x[0-9a-fA-F]+)/;
const TABLE_LINE = /^(\d+)\. (.*)$/;
const IN_PORT = /^\d+\. *in_port=(\d+)/;
const OUTPUT_PORT = /^output:(\d+)/;
const LABEL = /^([A-Za-z][A-Za-z ]*?): ?(.*)$/;
const NOT_AVAILABLE = /The connection to (SB|NB) DB is not available/;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

// Hand-written forms of the patterns above, for the lines of a text without odd line
// terminators (then they match exactly what the patterns match): per-line regex captures were
// most of the parse time on large outputs.

/** COOKIE: the first `cookie 0x…` / `cookie=0x…`, or undefined. */
function findCookie(s: string): string | undefined {
  for (let at = s.indexOf('cookie'); at >= 0; at = s.indexOf('cookie', at + 1)) {
    const sep = s.charCodeAt(at + 6);
    if ((sep === 32 || sep === 61) && s.charCodeAt(at + 7) === 48 && s.charCodeAt(at + 8) === 120 && isHex(s.charCodeAt(at + 9))) {
      let end = at + 10;
      while (isHex(s.charCodeAt(end))) end++;
      return s.slice(at + 7, end);
    }
  }
  return undefined;
}

/** Length of the leading digits of s. */
function digitsAt(s: string, from = 0): number {
  let d = from;
  while (isDigit(s.charCodeAt(d))) d++;
  return d - from;
}

/** TABLE_LINE's table number, or undefined. */
function tableNumber(s: string): string | undefined {
  const d = digitsAt(s);
  return d > 0 && s.charCodeAt(d) === 46 && s.charCodeAt(d + 1) === 32 ? s.slice(0, d) : undefined;
}

/** IN_PORT's, else OUTPUT_PORT's port number, or undefined. */
function portNumber(s: string): string | undefined {
  const d = digitsAt(s);
  if (d > 0 && s.charCodeAt(d) === 46) {
    let k = d + 1;
    while (s.charCodeAt(k) === 32) k++;
    if (s.startsWith('in_port=', k)) {
      const n = digitsAt(s, k + 8);
      if (n > 0) return s.slice(k + 8, k + 8 + n);
    }
  }
  if (s.startsWith('output:')) {
    const n = digitsAt(s, 7);
    if (n > 0) return s.slice(7, 7 + n);
  }
  return undefined;
}

/** LABEL's label and value, or undefined. */
function splitLabel(body: string): [string, string] | undefined {
  const c = body.indexOf(':');
  if (c < 1 || !isLetter(body.charCodeAt(0))) return undefined;
  for (let k = 1; k < c; k++) {
    const ch = body.charCodeAt(k);
    if (ch !== 32 && !isLetter(ch)) return undefined;
  }
  return [body.slice(0, c), body.slice(body.charCodeAt(c + 1) === 32 ? c + 2 : c + 1)];
}

function databaseOf(text: string): 'NB' | 'SB' | 'OVS' | undefined {
  if (/OVN_Northbound|ovnnb/.test(text)) return 'NB';
  if (/OVN_Southbound|ovnsb/.test(text)) return 'SB';
  if (/Open_vSwitch/.test(text)) return 'OVS';
  return undefined;
}

/** Parses one ovn-detrace run (stdout; pass stderr and the exit code through `options`). */
export function parseOvnDetrace(text: string, options: OvnDetraceParseOptions = {}): OvnDetrace {
  const lines = text.split('\n');
  // Almost never true; when false, no line needs its own terminator check and the hand-written
  // matchers below stand for the patterns.
  const oddTerminators = text.includes('\r') || text.includes('\u2028') || text.includes('\u2029');
  const label = oddTerminators
    ? (body: string): [string, string] | undefined => {
        const m = LABEL.exec(body);
        return m ? [m[1]!, m[2]!] : undefined;
      }
    : splitLabel;
  // Echoed lines as runs of consecutive lines of `text` ([start, end) offsets): one slice per run.
  const runs: number[] = [];
  let offset = 0;
  let lastEchoed = -2;
  const result: OvnDetrace = { style: 'stripped', flows: [], echoedText: '', unavailableDatabases: [], errors: [], orphanRecords: [] };
  let cookieFlow: DetraceFlow | undefined;
  let portFlow: DetraceFlow | undefined;
  let recordsSinceEcho = false;
  // `Logical datapaths:` list / `Logical datapath:` line waiting for the record they introduce.
  let pendingDatapaths: DetraceDatapath[] | undefined;
  let pendingDatapath: DetraceDatapath | undefined;
  let lastLogicalFlow: DetraceLogicalFlowRecord | undefined;
  let inPythonError = false;

  const listed = new Set<DetraceFlow>();
  const list = (flow: DetraceFlow): void => {
    if (listed.has(flow)) return;
    listed.add(flow);
    result.flows.push(flow);
  };
  const attach = (flow: DetraceFlow | undefined, record: DetraceRecord): void => {
    if (!flow) {
      result.orphanRecords.push(record);
      return;
    }
    list(flow);
    flow.records.push(record);
  };

  for (let i = 0; i < lines.length; offset += lines[i]!.length + 1, i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;

    // The Python `ovs` package is missing: a 4-line message on stdout, no trace.
    if (raw.startsWith('ERROR: ')) {
      result.errors.push(raw.trim());
      inPythonError = true;
      continue;
    }
    if (inPythonError && raw.startsWith('       ')) {
      result.errors[result.errors.length - 1] += ` ${raw.trim()}`;
      continue;
    }
    inPythonError = false;

    // `<spaces>* <body>` (checked by hand: a regex capture per line is most of the parse time).
    let spaces = 0;
    while (raw.charCodeAt(spaces) === 32) spaces++;
    if (raw.charCodeAt(spaces) === 42 /* * */ && raw.charCodeAt(spaces + 1) === 32 && !(oddTerminators && OTHER_TERMINATOR.test(raw))) {
      recordsSinceEcho = true;
      const body = raw.slice(spaces + 2);
      // print_p indents by level*4+2, print_h (NB hints, duplicate markers) by level*4+3.
      const isHint = spaces % 4 === 3;
      if (isHint) {
        if (body === '[Duplicate uuid cookie]') {
          if (cookieFlow) cookieFlow.duplicateCookie = true;
          continue;
        }
        const lb = label(body);
        const hint = lb ? parseHint(lb[0], lb[1]) : { kind: 'unknown' as const, text: body };
        if (lastLogicalFlow) lastLogicalFlow.hints.push(hint);
        else attach(cookieFlow, { kind: 'unknown', text: body });
        continue;
      }
      if (body === 'Logical datapaths:') {
        pendingDatapaths = [];
        continue;
      }
      if (pendingDatapaths && body.startsWith('    ')) {
        const dp = parseDatapath(body);
        if (dp) {
          pendingDatapaths.push(dp);
          continue;
        }
      }
      const lb = label(body);
      if (!lb) {
        attach(cookieFlow, { kind: 'unknown', text: body });
        continue;
      }
      if (lb[0] === 'Logical datapath') {
        pendingDatapath = parseDatapath(lb[1]);
        continue;
      }
      if (lb[0] === 'Logical flow') {
        const lf = parseLogicalFlow(lb[1], pendingDatapaths ?? []);
        pendingDatapaths = undefined;
        if (lf) {
          lastLogicalFlow = lf;
          attach(cookieFlow, lf);
        } else {
          attach(cookieFlow, { kind: 'unknown', text: body });
        }
        continue;
      }
      const record = parseRecord(lb[0], lb[1], pendingDatapath);
      pendingDatapath = undefined;
      lastLogicalFlow = undefined;
      attach(record.kind === 'ovs-interface' ? (portFlow ?? cookieFlow) : cookieFlow, record);
      continue;
    }

    // An echoed ofproto/trace line.
    if (lastEchoed === i - 1) runs[runs.length - 1] = offset + raw.length;
    else runs.push(offset, offset + raw.length);
    lastEchoed = i;
    const trimmed = raw.trim();
    // Older ovn-detrace strips every echoed line, so any indentation means the newer layout.
    if (trimmed && raw.startsWith(' ')) result.style = 'indented';
    if (recordsSinceEcho) {
      // Records were printed for the previous block; a new block starts.
      cookieFlow = undefined;
      portFlow = undefined;
      lastLogicalFlow = undefined;
      pendingDatapaths = undefined;
      pendingDatapath = undefined;
      recordsSinceEcho = false;
    }
    const cookie = findCookie(trimmed);
    const table = oddTerminators ? TABLE_LINE.exec(trimmed)?.[1] : tableNumber(trimmed);
    const port = oddTerminators ? (IN_PORT.exec(trimmed) ?? OUTPUT_PORT.exec(trimmed))?.[1] : portNumber(trimmed);
    if (cookie === undefined && port === undefined) continue;
    const flow: DetraceFlow = { line: lineNo, text: trimmed, records: [], duplicateCookie: false };
    if (table !== undefined) flow.tableId = Number(table);
    if (cookie !== undefined) {
      const c = normalizeCookie(cookie);
      if (c) {
        flow.cookie = c.hex;
        flow.cookieUuidPrefix = c.uuidPrefix;
      }
    }
    if (port !== undefined) flow.ofport = Number(port);
    if (table !== undefined && raw !== trimmed) flow.depth = Math.ceil(Math.floor(layoutColumn(raw) / 4) / 2);
    // Table lines are listed even without records; other lines only once a record names them.
    if (table !== undefined && cookie !== undefined) list(flow);
    if (cookie !== undefined) cookieFlow = flow;
    if (port !== undefined) portFlow = flow;
  }

  if (result.style === 'stripped') {
    for (const f of result.flows) if ('depth' in f) delete f.depth;
  } else {
    for (const f of result.flows) if (f.tableId !== undefined && f.depth === undefined) f.depth = 0;
  }
  result.flows.sort((a, b) => a.line - b.line);
  const pieces: string[] = [];
  for (let r = 0; r < runs.length; r += 2) pieces.push(text.slice(runs[r], runs[r + 1]));
  result.echoedText = pieces.join('\n');

  for (const raw of (options.stderr ?? '').split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const na = NOT_AVAILABLE.exec(line);
    if (na) {
      const db = na[1] as 'NB' | 'SB';
      if (!result.unavailableDatabases.includes(db)) result.unavailableDatabases.push(db);
      result.errors.push(line);
    } else if (/^Unable to connect to /.test(line) || /^Exception: /.test(line) || /Error: /.test(line)) {
      result.errors.push(line);
    }
  }
  // 23.03 has no "not available" message: a failed connection raises, and the traceback names
  // the database being opened.
  if (options.stderr && /Unable to connect to/.test(options.stderr)) {
    for (const raw of options.stderr.split('\n')) {
      if (!/= OVSDB\(/.test(raw)) continue;
      const db = databaseOf(raw);
      if (db && !result.unavailableDatabases.includes(db)) result.unavailableDatabases.push(db);
    }
  }
  if (options.exitCode && options.exitCode !== 0 && result.errors.length === 0) {
    result.errors.push(`ovn-detrace exited with code ${options.exitCode}`);
  }
  return result;
}
