/**
 * The human-readable rendering of a finished trace, at a log level:
 * - 0: ovnkube-trace's verdict sentence per leg (Antrea node reports as an observation tree),
 *   then warnings and `Verdict: ...` naming the dropping policy;
 * - 2: per leg, the hop-by-hop path with the dropping hop marked `>>>`, the reason and the drop;
 * - 4: adds the command each leg ran;
 * - 5: adds discovery, timings, observation detail and the tools' raw output.
 */
import type { TraceResult } from '../core/model.js';
import { legEndpointNames } from './describe.js';
import {
  DEBUG_LEVEL,
  closingLines,
  cniLine,
  endpointLines,
  legBlockLines,
  requestLines,
  textContext,
  trimLeadingBlank,
  type TextContext,
  type TextFormatOptions,
} from './text-sections.js';

export type { TextFormatOptions } from './text-sections.js';
export { PATH_LEVEL, COMMAND_LEVEL, DEBUG_LEVEL } from './text-sections.js';

/** Level-5 discovery lines of a result: request, driver, resolved endpoints. */
function discoveryLines(ctx: TextContext, result: TraceResult): string[] {
  const lines = [...requestLines(ctx, result.request), cniLine(ctx, result.cni)];
  if (result.source) lines.push(...endpointLines(ctx, 'source', result.source));
  if (result.destination) lines.push(...endpointLines(ctx, 'destination', result.destination));
  return lines;
}

/**
 * Renders a trace result as text. Pure: the same result and options give the same string, which
 * ends with a newline. With `color: false` it contains no ANSI escape code at all.
 */
export function formatText(result: TraceResult, options: TextFormatOptions): string {
  const ctx = textContext(options);
  const lines: string[] = [];
  if (ctx.level >= DEBUG_LEVEL) lines.push(...discoveryLines(ctx, result));
  for (const leg of result.legs) lines.push(...legBlockLines(ctx, leg, legEndpointNames(result, leg)));
  lines.push(...closingLines(ctx, result));
  return `${trimLeadingBlank(lines).join('\n')}\n`;
}
