/**
 * Parsers for the individual `* ...` record texts ovn-detrace prints (`ovn_detrace.py.in`
 * `print_record` methods). Each takes the text after `* ` and returns a typed record.
 */
import { readBracketed, splitTopLevel } from '../../ovs-common/balanced-text.js';
import type {
  DetraceAclHint,
  DetraceDatapath,
  DetraceHint,
  DetraceLogicalFlowRecord,
  DetraceOtherHint,
  DetraceRecord,
} from './ovn-detrace-types.js';

const DATAPATH = /^"(.*)" \(([0-9a-fA-F-]+)\)(?: \[(\w+)\])?$/;
const QUOTED = (key: string): RegExp => new RegExp(`${key} "((?:[^"\\\\]|\\\\.)*)"`);

const isUuidChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 45;
const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;

/**
 * DATAPATH by hand (it runs for every datapath line of large outputs). Its tail is anchored at
 * the end and made of characters the name part cannot end on, so reading it backwards finds the
 * one split the pattern's greedy `(.*)` would.
 */
function datapathParts(t: string): [string, string, string | undefined] | undefined {
  if (t.charCodeAt(0) !== 34 /* " */) return undefined;
  let end = t.length;
  let pipeline: string | undefined;
  if (t.charCodeAt(end - 1) === 93 /* ] */) {
    let k = end - 2;
    while (k >= 0 && isWordChar(t.charCodeAt(k))) k--;
    if (k === end - 2 || t.charCodeAt(k) !== 91 /* [ */ || t.charCodeAt(k - 1) !== 32) return undefined;
    pipeline = t.slice(k + 1, end - 1);
    end = k - 1;
  }
  if (t.charCodeAt(end - 1) !== 41 /* ) */) return undefined;
  let j = end - 2;
  while (j >= 0 && isUuidChar(t.charCodeAt(j))) j--;
  if (j === end - 2 || t.charCodeAt(j) !== 40 /* ( */ || t.charCodeAt(j - 1) !== 32 || t.charCodeAt(j - 2) !== 34 || j - 2 < 1) return undefined;
  return [t.slice(1, j - 2), t.slice(j + 1, end - 1), pipeline];
}

/** `"name" (uuid)` or `"name" (uuid) [pipeline]`. */
export function parseDatapath(text: string): DetraceDatapath | undefined {
  const t = text.trim();
  // A line terminator inside would stop the pattern's `.`: let the pattern decide then.
  const parts = /[\r\u2028\u2029]/.test(t) ? regexParts(t) : datapathParts(t);
  if (!parts) return undefined;
  const dp: DetraceDatapath = { name: parts[0], uuid: parts[1] };
  if (parts[2]) dp.pipeline = parts[2];
  return dp;
}

function regexParts(t: string): [string, string, string | undefined] | undefined {
  const m = DATAPATH.exec(t);
  return m ? [m[1]!, m[2]!, m[3]] : undefined;
}

function quoted(text: string, key: string): string | undefined {
  return QUOTED(key).exec(text)?.[1];
}

/** `table=N (stage), priority=P, match=(...), actions=(...)`. */
export function parseLogicalFlow(text: string, datapaths: DetraceDatapath[]): DetraceLogicalFlowRecord | undefined {
  const head = /^table=(\d+) \((.*?)\), priority=(-?\d+), /.exec(text);
  if (!head) return undefined;
  const match = readBracketed(text, 'match=', head[0].length);
  const actions = match ? readBracketed(text, 'actions=', match.end) : undefined;
  return {
    kind: 'logical-flow',
    datapaths,
    table: Number(head[1]),
    stage: head[2],
    priority: Number(head[3]),
    match: match?.value ?? '',
    actions: actions?.value ?? '',
    hints: [],
  };
}

/** A 2-space `  * <Label>: ...` record (other than the logical-flow lines). */
export function parseRecord(label: string, body: string, datapath: DetraceDatapath | undefined): DetraceRecord {
  const withDp = datapath ? { datapath } : {};
  switch (label) {
    case 'Port Binding': {
      const port = quoted(body, 'logical_port');
      const key = /tunnel_key (\d+)/.exec(body);
      if (port === undefined || !key) break;
      const rec: DetraceRecord = { kind: 'port-binding', logicalPort: port, tunnelKey: Number(key[1]), ...withDp };
      const chassis = quoted(body, 'chassis-name');
      const host = quoted(body, 'chassis-str');
      if (chassis !== undefined) rec.chassisName = chassis;
      if (host !== undefined) rec.chassisHostname = host;
      return rec;
    }
    case 'MAC Binding': {
      const ip = quoted(body, 'ip');
      const port = quoted(body, 'logical_port');
      const mac = quoted(body, 'mac');
      if (ip === undefined || port === undefined || mac === undefined) break;
      return { kind: 'mac-binding', ip, logicalPort: port, mac, ...withDp };
    }
    case 'Multicast Group': {
      const name = quoted(body, 'name');
      const key = /tunnel_key (\d+)/.exec(body);
      const ports = /ports: \((.*)\)$/.exec(body);
      if (name === undefined || !key) break;
      return {
        kind: 'multicast-group', name, tunnelKey: Number(key[1]),
        ports: ports ? ports[1].split(',').map((p) => p.trim()).filter(Boolean) : [], ...withDp,
      };
    }
    case 'Chassis': {
      const rec: DetraceRecord = { kind: 'chassis' };
      const chassis = quoted(body, 'chassis-name');
      const host = quoted(body, 'chassis-str');
      if (chassis !== undefined) rec.chassisName = chassis;
      if (host !== undefined) rec.chassisHostname = host;
      return rec;
    }
    case 'Load Balancer': {
      const name = /^(\S+)/.exec(body)?.[1] ?? '';
      return { kind: 'load-balancer', name, details: body.slice(name.length).trim() };
    }
    case 'OVS Interface': {
      const m = /^(\S+)(?: \((.*)\))?$/.exec(body);
      if (!m) break;
      return { kind: 'ovs-interface', name: m[1], ...(m[2] !== undefined && m[2] !== 'None' ? { ifaceId: m[2] } : {}) };
    }
  }
  return { kind: 'unknown', text: `${label}: ${body}` };
}

/** `ACL: <direction>, priority=N, match=(...), <action>[ (log)][, key=value...]`. */
export function parseAclHint(body: string): DetraceAclHint | undefined {
  const head = /^([\w-]+), priority=(-?\d+), /.exec(body);
  const match = head ? readBracketed(body, 'match=', head[0].length) : undefined;
  if (!head || !match) return undefined;
  const rest = splitTopLevel(body.slice(match.end).replace(/^,\s*/, ''));
  const first = rest.shift() ?? '';
  const log = / \(log\)$/.test(first) || rest.some((r) => r === '(log)');
  const hint: DetraceAclHint = {
    kind: 'acl', direction: head[1], priority: Number(head[2]), match: match.value,
    action: first.replace(/ \(log\)$/, ''), log, fields: {},
  };
  const extra: string[] = [];
  for (const piece of rest) {
    const eq = /^([\w:./-]+)=(.*)$/.exec(piece);
    if (eq) hint.fields[eq[1]] = eq[2];
    else if (piece !== '(log)') extra.push(piece);
  }
  if (extra.length) hint.extra = extra.join(', ');
  return hint;
}

const HINT_KINDS: Record<string, DetraceOtherHint['kind']> = {
  'Logical Switch Port': 'logical-switch-port',
  'Logical Router Port': 'logical-router-port',
  'Logical Router Policy': 'logical-router-policy',
  'Load Balancer': 'load-balancer',
  NAT: 'nat',
  Route: 'route',
  'DHCP Options': 'dhcp-options',
  'Forwarding Group': 'forwarding-group',
  QoS: 'qos',
};

/** A 3-space `   * <Label>: ...` NB hint. */
export function parseHint(label: string, body: string): DetraceHint {
  if (label === 'ACL') {
    const acl = parseAclHint(body);
    if (acl) return acl;
  }
  const kind = HINT_KINDS[label] ?? 'unknown';
  let name: string | undefined;
  if (kind === 'logical-router-policy' || kind === 'qos') name = /^priority (\S+)/.exec(body)?.[1];
  else if (kind === 'nat') name = /^external IP (\S+)/.exec(body)?.[1];
  else if (kind === 'dhcp-options') name = /^cidr (\S+)/.exec(body)?.[1];
  else if (kind === 'forwarding-group') name = /^name (\S+)/.exec(body)?.[1];
  else name = /^(\S+)/.exec(body)?.[1];
  return { kind, text: kind === 'unknown' ? `${label}: ${body}` : body, ...(name !== undefined ? { name } : {}) };
}
