/**
 * Annotates a parsed ofproto/trace with Antrea's meaning (pure): table ids named from the node's
 * own table features, cookie categories (`pkg/agent/openflow/cookie`), and the register marks
 * that say where a packet came from, goes to, and what a policy decided.
 */
import type { Observation } from '../../../core/model.js';
import type { OfprotoTrace } from '../../ovs-common/index.js';

/** Cookie categories, bits 47-40 of an Antrea flow cookie. */
const COOKIE_CATEGORIES = ['Default', 'PodConnectivity', 'NetworkPolicy', 'Service', 'Egress', 'Multicast', 'Multicluster', 'Traceflow', 'ExternalNodeConnectivity'];

/** An Antrea cookie decoded: allocation round (bits 63-48) and category (bits 47-40). */
export interface AntreaCookie {
  round: number;
  category: string;
}

/** Decodes an Antrea cookie (`0x2070000000000` → round 2, Traceflow). Unknown categories are numbered. */
export function decodeCookie(cookie: string): AntreaCookie | undefined {
  if (!/^(0x)?[0-9a-f]+$/i.test(cookie)) return undefined;
  const value = BigInt(cookie.startsWith('0x') || cookie.startsWith('0X') ? cookie : `0x${cookie}`);
  const round = Number((value >> 48n) & 0xffffn);
  const cat = Number((value >> 40n) & 0xffn);
  return { round, category: COOKIE_CATEGORIES[cat] ?? `category ${cat}` };
}

/** One register field Antrea uses, with how to read its value. */
interface RegField {
  reg: number;
  lo: number;
  hi: number;
  name: string;
  values?: Record<number, string>;
}

const PKT_ENDPOINT = { 1: 'tunnel', 2: 'gateway', 3: 'local pod', 4: 'uplink', 5: 'bridge', 6: 'traffic-control return' };
const REG_FIELDS: RegField[] = [
  { reg: 0, lo: 0, hi: 3, name: 'PktSourceField', values: PKT_ENDPOINT },
  { reg: 0, lo: 4, hi: 7, name: 'PktDestinationField', values: PKT_ENDPOINT },
  { reg: 0, lo: 10, hi: 10, name: 'APDenyRegMark', values: { 1: 'deny' } },
  { reg: 0, lo: 11, hi: 12, name: 'APDispositionField', values: { 0: 'allow', 1: 'drop', 2: 'reject', 3: 'pass' } },
  { reg: 0, lo: 21, hi: 22, name: 'OutputRegField', values: { 1: 'output to OpenFlow port', 2: 'output to controller' } },
  { reg: 1, lo: 0, hi: 31, name: 'TargetOFPortField' },
  { reg: 3, lo: 0, hi: 31, name: 'EndpointIP/APConjID' },
  { reg: 5, lo: 0, hi: 31, name: 'TFEgressConjIDField' },
  { reg: 6, lo: 0, hi: 31, name: 'TFIngressConjIDField' },
  { reg: 7, lo: 0, hi: 31, name: 'ServiceGroupID' },
];

/** A write to a register: value and mask over the whole 32-bit register. */
interface RegWrite {
  reg: number;
  value: bigint;
  mask: bigint;
}

const SET_FIELD = /^set_field:(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?->reg(\d)$/i;
const LOAD = /^load:(0x[0-9a-f]+|\d+)->NXM_NX_REG(\d)\[(?:(\d+)(?:\.\.(\d+))?)?\]$/i;
const MATCH = /(?:^|,)reg(\d)=(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?/gi;

function regWrites(text: string): RegWrite[] {
  const s = SET_FIELD.exec(text);
  if (s) return [{ reg: Number(s[3]), value: BigInt(s[1]!), mask: s[2] ? BigInt(s[2]) : 0xffffffffn }];
  const l = LOAD.exec(text);
  if (l) {
    const lo = l[3] !== undefined ? Number(l[3]) : 0;
    const hi = l[4] !== undefined ? Number(l[4]) : l[3] !== undefined ? lo : 31;
    const width = BigInt(hi - lo + 1);
    return [{ reg: Number(l[2]), value: BigInt(l[1]!) << BigInt(lo), mask: ((1n << width) - 1n) << BigInt(lo) }];
  }
  return [];
}

/** Names the known register fields a value/mask pair covers (`PktSourceField=local pod (3)`). */
function describeWrite(w: RegWrite): string[] {
  const out: string[] = [];
  for (const f of REG_FIELDS) {
    if (f.reg !== w.reg) continue;
    const fmask = ((1n << BigInt(f.hi - f.lo + 1)) - 1n) << BigInt(f.lo);
    if ((w.mask & fmask) !== fmask) continue;
    const v = Number((w.value & fmask) >> BigInt(f.lo));
    const label = f.values?.[v];
    out.push(`${f.name}=${label ? `${label} (${v})` : String(v)}`);
  }
  return out;
}

/** The register marks a flow sets (from its actions) and requires (from its match), decoded. */
export function decodeRegisters(match: string, actions: readonly string[]): { sets: string[]; matches: string[] } {
  const sets = actions.flatMap((a) => regWrites(a.trim())).flatMap(describeWrite);
  const matches: string[] = [];
  for (const m of match.matchAll(MATCH)) matches.push(...describeWrite({ reg: Number(m[1]), value: BigInt(m[2]!), mask: m[3] ? BigInt(m[3]) : 0xffffffffn }));
  return { sets, matches };
}

/**
 * Observations of a node's ofproto/trace: one per table visit (nested lookups that resumed are
 * left out), staged by the table's name on that node. When the datapath drops the packet, the
 * visit that ended the pipeline is marked dropped and terminal.
 */
export function pipelineObservations(trace: OfprotoTrace, tableNames: ReadonlyMap<number, string>, node: string): Observation[] {
  const out: Observation[] = [];
  const dropAt = trace.summary.outcome === 'drop' ? (trace.summary.terminalMiss ?? trace.summary.lastTable) : undefined;
  for (const block of trace.blocks) {
    for (const t of block.tables) {
      if (t.miss && t.resumed) continue;
      const name = tableNames.get(t.tableId);
      const cookie = t.cookie ? decodeCookie(t.cookie) : undefined;
      const regs = decodeRegisters(t.match, t.actions);
      const dropped = t === dropAt;
      const descr = [cookie ? `${cookie.category} flow` : undefined, regs.matches.length ? `matches ${regs.matches.join(', ')}` : undefined, regs.sets.length ? `sets ${regs.sets.join(', ')}` : undefined]
        .filter(Boolean)
        .join('; ');
      out.push({
        node,
        stage: name ?? `table ${t.tableId}`,
        action: dropped ? 'dropped' : 'matched',
        ...(dropped ? { terminal: true } : {}),
        ...(descr ? { description: descr } : {}),
        flow: t.miss ? 'No match.' : `${t.match ? `${t.match}, ` : ''}priority ${t.priority ?? '?'}: ${t.actions.join(', ') || '(no actions: drop)'}`,
        ...(t.cookie ? { cookie: t.cookie } : {}),
        detail: {
          table: t.tableId,
          ...(name ? { tableName: name } : {}),
          block: block.index,
          ...(cookie ? { cookieCategory: cookie.category, cookieRound: cookie.round } : {}),
          ...(regs.sets.length ? { registersSet: regs.sets } : {}),
          ...(regs.matches.length ? { registersMatched: regs.matches } : {}),
        },
      });
    }
  }
  return out;
}
