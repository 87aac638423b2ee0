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

function databaseOf(text: string): 'NB' | 'SB' | 'OVS' | undefined {
  if (/OVN_Northbound|ovnnb/.test(text)) return 'NB';
  if (/OVN_Southbound|ovnsb/.test(text)) return 'SB';
  if (/Open_vSwitch/.test(text)) return 'OVS';
  return undefined;
}

/** Parses one ovn-detrace run (stdout; pass stderr and the exit code through `options`). */
export function parseOvnDetrace(text: string, options: OvnDetraceParseOptions = {}): OvnDetrace {
  const lines = text.split('\n');
  // Almost never true; when false, no line needs its own terminator check.
  const oddTerminators = OTHER_TERMINATOR.test(text);
  const result: OvnDetrace = { style: 'stripped', flows: [], echoedText: '', unavailableDatabases: [], errors: [], orphanRecords: [] };
  const echoed: string[] = [];
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

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
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
        const label = LABEL.exec(body);
        const hint = label ? parseHint(label[1], label[2]) : { kind: 'unknown' as const, text: body };
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
      const label = LABEL.exec(body);
      if (!label) {
        attach(cookieFlow, { kind: 'unknown', text: body });
        continue;
      }
      if (label[1] === 'Logical datapath') {
        pendingDatapath = parseDatapath(label[2]);
        continue;
      }
      if (label[1] === 'Logical flow') {
        const lf = parseLogicalFlow(label[2], pendingDatapaths ?? []);
        pendingDatapaths = undefined;
        if (lf) {
          lastLogicalFlow = lf;
          attach(cookieFlow, lf);
        } else {
          attach(cookieFlow, { kind: 'unknown', text: body });
        }
        continue;
      }
      const record = parseRecord(label[1], label[2], pendingDatapath);
      pendingDatapath = undefined;
      lastLogicalFlow = undefined;
      attach(record.kind === 'ovs-interface' ? (portFlow ?? cookieFlow) : cookieFlow, record);
      continue;
    }

    // An echoed ofproto/trace line.
    echoed.push(raw);
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
    // Cheap tests first: most echoed lines are actions without a cookie or a port.
    const cookie = trimmed.includes('cookie') ? COOKIE.exec(trimmed) : null;
    const digit = trimmed.charCodeAt(0) >= 48 && trimmed.charCodeAt(0) <= 57;
    const table = digit ? TABLE_LINE.exec(trimmed) : null;
    const port = (digit ? IN_PORT.exec(trimmed) : null) ?? (trimmed.startsWith('output:') ? OUTPUT_PORT.exec(trimmed) : null);
    if (!cookie && !port) continue;
    const flow: DetraceFlow = { line: lineNo, text: trimmed, records: [], duplicateCookie: false };
    if (table) flow.tableId = Number(table[1]);
    if (cookie) {
      const c = normalizeCookie(cookie[1]);
      if (c) {
        flow.cookie = c.hex;
        flow.cookieUuidPrefix = c.uuidPrefix;
      }
    }
    if (port) flow.ofport = Number(port[1]);
    if (table && raw !== trimmed) flow.depth = Math.ceil(Math.floor(layoutColumn(raw) / 4) / 2);
    // Table lines are listed even without records; other lines only once a record names them.
    if (table && cookie) list(flow);
    if (cookie) cookieFlow = flow;
    if (port) portFlow = flow;
  }

  if (result.style === 'stripped') for (const f of result.flows) delete f.depth;
  else for (const f of result.flows) if (f.tableId !== undefined && f.depth === undefined) f.depth = 0;
  result.flows.sort((a, b) => a.line - b.line);
  result.echoedText = echoed.join('\n');

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
