/**
 * The pieces the text output is made of (discovery, leg header, hop lines, leg footer, closing
 * lines). The batch renderer and the streaming renderer both assemble their output from these,
 * which is what keeps the streamed text equal to the batch text.
 */
import type { BackendResult, HopAction, Leg, LegDirection, Observation, ResolvedEndpoint, TraceRequest, TraceResult, Verdict } from '../core/model.js';
import { backendLabel } from '../core/service-backends.js';
import { isSuccess } from '../core/verdict.js';
import { createPainter, sanitize, type Painter, type Style } from './ansi.js';
import { dropSummary, durationLabel, endpointLabel, legSentence, policyLabel, shellJoin, toolLabel, traceTitle, verdictDetail, type EndpointNames } from './describe.js';

/** Options of the text renderers. */
export interface TextFormatOptions {
  /** Log level: 0 summary, 2 hop-by-hop path, 4 adds commands, 5 adds discovery, timings and raw output. */
  level: number;
  /** Emit ANSI colour codes. The CLI decides (TTY, `NO_COLOR`, `--no-color`); false means none at all. */
  color: boolean;
}

/** From this level on, each leg shows its hop-by-hop path, reason and drop. */
export const PATH_LEVEL = 2;
/** From this level on, each leg shows the command it ran (ovnkube-trace prints commands at 4). */
export const COMMAND_LEVEL = 4;
/** From this level on: discovery, timings, observation detail and the tools' raw output. */
export const DEBUG_LEVEL = 5;

/** Width of the stage column of a hop line (longer stage names push the rest right). */
const STAGE_WIDTH = 27;
/** Width of the action column of a hop line. */
const ACTION_WIDTH = 10;

/** The rendering settings every piece needs. */
export interface TextContext {
  level: number;
  paint: Painter;
}

/** Builds a {@link TextContext} from the public options (level clamped to a whole number ≥ 0). */
export function textContext(options: TextFormatOptions): TextContext {
  const level = Number.isFinite(options.level) ? Math.max(0, Math.floor(options.level)) : 0;
  return { level, paint: createPainter(options.color) };
}

/** What a leg header needs: known when the leg starts, before any observation. */
export interface LegHeaderInfo {
  tool: string;
  direction: LegDirection;
  node?: string;
  description: string;
}

/** Whether the summary (levels below {@link PATH_LEVEL}) shows this leg as a tree. */
export function isTreeLeg(leg: Pick<Leg, 'summary'>): boolean {
  return leg.summary === 'observation-tree';
}

/** Whether this hop is where the packet was dropped or rejected. */
export function isDropHop(obs: Observation): boolean {
  return obs.terminal === true || obs.action === 'dropped' || obs.action === 'rejected';
}

/**
 * Marker and colour of a hop, after Antrea's proposed path symbols (antrea#7749):
 * ✓ delivered, → forwarded, ✗ dropped/rejected, ⇉ forwarded out of the network; plus ↳ received
 * from another node and · for a matched flow that only moves the packet along the pipeline.
 */
function hopMarker(action: HopAction): { symbol: string; style?: Style } {
  switch (action) {
    case 'delivered':
      return { symbol: '✓', style: 'green' };
    case 'dropped':
    case 'rejected':
      return { symbol: '✗', style: 'red' };
    case 'left-cluster':
      return { symbol: '⇉', style: 'yellow' };
    case 'received':
      return { symbol: '↳', style: 'cyan' };
    case 'matched':
      return { symbol: '·' };
    default:
      return { symbol: '→', style: 'cyan' };
  }
}

/** Marker and colour of a verdict (for tree legs' result lines and the final verdict). */
function verdictStyle(verdict: Verdict): { symbol: string; style: Style } {
  switch (verdict) {
    case 'delivered':
      return { symbol: '✓', style: 'green' };
    case 'left-cluster':
      return { symbol: '⇉', style: 'green' };
    case 'dropped':
    case 'rejected':
    case 'error':
      return { symbol: '✗', style: 'red' };
    case 'inconclusive':
      return { symbol: '?', style: 'yellow' };
  }
}

/** Pads to a column width, always leaving at least one space after the text. */
function column(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width + 1);
}

/** The short facts of a hop, in reading order. `compact` leaves out what only level 2 shows. */
function hopFacts(obs: Observation, compact: boolean): string[] {
  const facts: string[] = [];
  if (!compact && obs.port) facts.push(`port ${obs.port}`);
  if (obs.translatedDstIp !== undefined || obs.translatedDstPort !== undefined) {
    const ip = obs.translatedDstIp ?? '';
    const port = obs.translatedDstPort !== undefined ? `:${obs.translatedDstPort}` : '';
    facts.push(`dnat ${ip.includes(':') && port ? `[${ip}]` : ip}${port}`);
  }
  if (obs.translatedSrcIp !== undefined) facts.push(`snat ${obs.translatedSrcIp}`);
  if (obs.tunnelDst !== undefined) facts.push(`tunnel ${obs.tunnelDst}`);
  if (obs.policy) facts.push(`policy ${policyLabel(obs.policy)}`);
  if (obs.isolatedBy) facts.push(obs.isolatedBy.length ? `default deny, isolated by ${obs.isolatedBy.map(policyLabel).join(' + ')}` : 'default deny');
  if (!compact && obs.cookie) facts.push(`cookie ${obs.cookie}`);
  if (obs.timestamp) facts.push(`at ${obs.timestamp}`);
  return facts.map(sanitize);
}

/** One value of an observation's `detail`, on one line. */
function detailValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/**
 * The lines of one hop. A node line precedes it when its node differs from the previous hop's
 * (the first hop's "previous" is the leg's own node, so single-node legs print no node line).
 * The dropping hop starts with `>>>` (visible without colour) and is red when colour is on.
 * `compact` is the summary tree (levels 0-1); otherwise the hop also shows its port, cookie,
 * description and flow text, and at level 5 its tool-specific detail.
 */
export function hopLines(ctx: TextContext, obs: Observation, previousNode: string | undefined, compact: boolean): { lines: string[]; node: string | undefined } {
  const { paint } = ctx;
  const lines: string[] = [];
  const node = obs.node ?? previousNode;
  if (node !== undefined && node !== previousNode) lines.push(`  ${paint(`node ${sanitize(node)}`, 'bold')}`);

  const marker = hopMarker(obs.action);
  const facts = hopFacts(obs, compact).join(', ');
  const body = `${column(sanitize(obs.stage), STAGE_WIDTH)}${column(sanitize(obs.action), ACTION_WIDTH)}${facts}`.trimEnd();
  if (isDropHop(obs)) {
    lines.push(paint(`>>> ${marker.symbol} ${body}`, 'red', 'bold'));
  } else {
    lines.push(`    ${marker.style ? paint(marker.symbol, marker.style) : marker.symbol} ${body}`);
  }
  if (!compact) {
    if (obs.description) lines.push(`        ${sanitize(obs.description)}`);
    if (obs.flow) lines.push(`        ${paint('flow:', 'dim')} ${sanitize(obs.flow)}`);
    const detail = Object.entries(obs.detail ?? {});
    if (ctx.level >= DEBUG_LEVEL && detail.length > 0) {
      lines.push(`        ${paint('detail:', 'dim')} ${sanitize(detail.map(([key, value]) => `${key}=${detailValue(value)}`).join(', '))}`);
    }
  }
  return { lines, node };
}

/** Hop lines of a whole leg (see {@link hopLines}). */
export function legHopLines(ctx: TextContext, leg: Pick<Leg, 'node' | 'observations'>, compact: boolean): string[] {
  const lines: string[] = [];
  let node = leg.node;
  for (const obs of leg.observations) {
    const hop = hopLines(ctx, obs, node, compact);
    lines.push(...hop.lines);
    node = hop.node;
  }
  return lines;
}

/**
 * The header opening a leg's block at level ≥ 2, preceded by a blank separator line:
 * `── ovn-trace source pod to destination pod [forward, on ovn-worker]`.
 */
export function legHeaderLines(ctx: TextContext, info: LegHeaderInfo): string[] {
  const tags: string[] = [info.direction];
  if (info.node) tags.push(`on ${sanitize(info.node)}`);
  return ['', ctx.paint(`── ${toolLabel(info.tool)} ${sanitize(info.description)} [${tags.join(', ')}]`, 'bold', 'cyan')];
}

/**
 * The line that closes a leg: ovnkube-trace's sentence for verdict-line legs; for tree legs
 * `✓ traceflow source pod to destination pod: delivered from a to b`.
 */
export function legResultLine(ctx: TextContext, leg: Leg, ends: Required<EndpointNames>): string {
  const from = sanitize(ends.from);
  const to = sanitize(ends.to);
  if (isTreeLeg(leg)) {
    const v = verdictStyle(leg.verdict);
    return ctx.paint(`${v.symbol} ${toolLabel(leg.tool)} ${sanitize(leg.description)}: ${leg.verdict} from ${from} to ${to}`, v.style, 'bold');
  }
  return ctx.paint(legSentence(leg, { from, to }), isSuccess(leg.verdict) ? 'green' : 'red', 'bold');
}

/** At level ≥ 2, what a leg with no observation shows instead of its path (a tool that failed). */
export function noHopLines(ctx: TextContext): string[] {
  return [`    ${ctx.paint('(no hop observed)', 'dim')}`];
}

/**
 * At level ≥ 2, a note on legs that do not decide the verdict (ovn-detrace). Shown after the hops
 * rather than in the header because `leg-started` does not say it yet.
 */
export function informationalLines(ctx: TextContext, leg: Pick<Leg, 'decisive'>): string[] {
  return leg.decisive ? [] : [`  ${ctx.paint('informational: this leg does not decide the verdict', 'dim')}`];
}

/** What follows a leg's hops at level ≥ 2: command, timing, reason, drop, raw output. */
export function legFooterLines(ctx: TextContext, leg: Leg): string[] {
  const { paint, level } = ctx;
  const lines: string[] = [];
  const label = (text: string) => paint(text, 'dim');
  if (level >= COMMAND_LEVEL && leg.command) {
    const c = leg.command;
    const exit = c.exitCode === null ? 'no exit code' : `exit ${c.exitCode}`;
    lines.push(`  ${label('command:')} ${sanitize(shellJoin(c.argv))}`);
    lines.push(`    ${label(`ran on ${sanitize(c.target)}, ${exit}, ${durationLabel(c.durationMs)}`)}`);
  }
  if (level >= DEBUG_LEVEL) lines.push(`  ${label('duration:')} ${durationLabel(leg.durationMs)}`);
  if (leg.reason) lines.push(`  ${label('reason:')} ${sanitize(leg.reason)}`);
  if (leg.drop) lines.push(`  ${label('drop:')} ${sanitize(dropSummary(leg.drop))}`);
  if (level >= DEBUG_LEVEL && leg.rawOutput !== undefined) {
    lines.push(`  ${label(`raw output of ${toolLabel(leg.tool)}:`)}`);
    const raw = leg.rawOutput.replace(/\r\n/g, '\n').replace(/\n$/, '');
    for (const line of raw.split('\n')) lines.push(line === '' ? '  |' : `  | ${paint(sanitize(line), 'dim')}`);
  }
  return lines;
}

/** The whole block of a leg: summary form below {@link PATH_LEVEL}, detailed form from it on. */
export function legBlockLines(ctx: TextContext, leg: Leg, ends: Required<EndpointNames>): string[] {
  if (ctx.level < PATH_LEVEL) {
    if (!isTreeLeg(leg)) return [legResultLine(ctx, leg, ends)];
    return [legResultLine(ctx, leg, ends), ...legHopLines(ctx, leg, true)];
  }
  return [
    ...legHeaderLines(ctx, leg),
    ...(leg.observations.length > 0 ? legHopLines(ctx, leg, false) : noHopLines(ctx)),
    ...informationalLines(ctx, leg),
    ...legFooterLines(ctx, leg),
    legResultLine(ctx, leg, ends),
  ];
}

/** Level-5 line describing the request. */
export function requestLines(ctx: TextContext, request: TraceRequest): string[] {
  const p = request.packet;
  const parts: string[] = [p.family];
  if (p.srcPort !== undefined) parts.push(`src port ${p.srcPort}`);
  if (p.tcpFlags !== undefined) parts.push(`tcp flags 0x${p.tcpFlags.toString(16).padStart(2, '0')}`);
  parts.push(`ttl ${p.ttl}`);
  if (request.mode) parts.push(`mode ${request.mode}`);
  if (request.droppedOnly) parts.push('dropped only');
  parts.push(`timeout ${request.timeoutSeconds}s`);
  if (request.skipDetrace) parts.push('skip detrace');
  if (request.cni) parts.push(`cni ${request.cni}`);
  const lines = [`${ctx.paint('request:', 'dim')} ${sanitize(traceTitle(request))} (${parts.join(', ')})`];
  if (request.options && Object.keys(request.options).length > 0) lines.push(`  ${ctx.paint('options:', 'dim')} ${sanitize(JSON.stringify(request.options))}`);
  return lines;
}

/** Level-5 line naming the driver. */
export function cniLine(ctx: TextContext, cni: string): string {
  return `${ctx.paint('cni:', 'dim')} ${sanitize(cni)}`;
}

/** Level-5 lines of a resolved endpoint: what was found, then its free-form detail. */
export function endpointLines(ctx: TextContext, role: 'source' | 'destination', endpoint: ResolvedEndpoint): string[] {
  const parts: string[] = [];
  const ref = endpointLabel(endpoint.ref);
  if (ref) parts.push(endpoint.ref?.kind === 'pod' ? `pod ${ref}` : ref);
  if (endpoint.ip) parts.push(`ip ${endpoint.ip}`);
  if (endpoint.mac) parts.push(`mac ${endpoint.mac}`);
  if (endpoint.node) parts.push(`node ${endpoint.node}`);
  if (endpoint.hostNetwork) parts.push('host network');
  const lines = [`${ctx.paint(`${role}:`, 'dim')} ${sanitize(parts.join(', ') || 'unresolved')}`];
  for (const [key, value] of Object.entries(endpoint.detail ?? {})) lines.push(`  ${ctx.paint(`${sanitize(key)}:`, 'dim')} ${sanitize(detailValue(value))}`);
  return lines;
}

/**
 * For a Service destination, which backend(s) were traced and how each fared: the one backend a
 * trace followed and why (the default), or every ready endpoint with its verdict (`--all-backends`).
 * Printed at every level, before the warnings.
 */
export function backendLines(ctx: TextContext, result: Pick<TraceResult, 'backends'>): string[] {
  const b = result.backends;
  if (!b) return [];
  const svc = `${b.service.namespace}/${b.service.name}`;
  const where = (r: BackendResult) => `${backendLabel(r)}${r.node ? ` on ${r.node}` : ''}`;
  if (b.mode === 'one') {
    const r = b.results[0];
    if (!r) return [];
    return [`${ctx.paint('Service', 'bold')} ${sanitize(svc)}: traced backend ${sanitize(where(r))} — ${sanitize(r.why)}`];
  }
  const lines = [`${ctx.paint('Service', 'bold')} ${sanitize(svc)}: ${b.results.length} of ${b.ready ?? b.results.length} ready backend${b.results.length === 1 ? '' : 's'} traced (--all-backends)`];
  for (const r of b.results) {
    const v = verdictStyle(r.verdict);
    const detail = isSuccess(r.verdict) ? '' : ` — ${r.drop && (r.verdict === 'dropped' || r.verdict === 'rejected') ? dropSummary(r.drop) : r.reason}`;
    lines.push(`  ${ctx.paint(v.symbol, v.style)} ${sanitize(where(r))}: ${ctx.paint(r.verdict, v.style)}${sanitize(detail)}`);
    if (ctx.level >= PATH_LEVEL) lines.push(`      ${ctx.paint('how:', 'dim')} ${sanitize(`${r.method}: ${r.why}`)}${r.legIds.length ? ctx.paint(` (legs ${r.legIds[0]} …)`, 'dim') : ''}`);
  }
  return lines;
}

/** `Verdict: dropped — <drop naming the policy>`; the last line of every text output. */
export function verdictLine(ctx: TextContext, result: Pick<TraceResult, 'verdict' | 'reason' | 'drop' | 'backends'>): string {
  const detail = verdictDetail(result);
  const v = verdictStyle(result.verdict);
  return `${ctx.paint('Verdict:', 'bold')} ${ctx.paint(result.verdict, v.style, 'bold')}${detail ? ` — ${sanitize(detail)}` : ''}`;
}

/** What ends the output: (level ≥ 2) a blank line, (level 5) the timing, warnings, the verdict. */
export function closingLines(ctx: TextContext, result: TraceResult): string[] {
  const lines: string[] = [];
  if (ctx.level >= PATH_LEVEL) lines.push('');
  if (ctx.level >= DEBUG_LEVEL) {
    const legs = `${result.legs.length} leg${result.legs.length === 1 ? '' : 's'}`;
    lines.push(ctx.paint(`trace took ${durationLabel(result.durationMs)} (started ${result.startedAt}, ${legs})`, 'dim'));
  }
  lines.push(...backendLines(ctx, result));
  for (const w of result.warnings) lines.push(ctx.paint(`warning: ${sanitize(w)}`, 'yellow'));
  lines.push(verdictLine(ctx, result));
  return lines;
}

/** Drops the blank separator lines a block starts with when nothing was printed before it. */
export function trimLeadingBlank(lines: string[]): string[] {
  let i = 0;
  while (i < lines.length && lines[i] === '') i++;
  return i === 0 ? lines : lines.slice(i);
}
