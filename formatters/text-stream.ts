/**
 * Live text output: turns trace events into the lines to print as they arrive, at a log level.
 * - Below level 2: a leg's sentence (or tree) when the leg finishes; warnings and the verdict at
 *   the end. The streamed text is then exactly the batch text ({@link formatText}).
 * - From level 2: a leg's header when it starts, each hop as soon as it is observed, the footer
 *   and sentence when it finishes. When legs overlap, the earliest-started open leg prints live
 *   and the others are held back, so each leg's block stays in one piece. The streamed text
 *   equals the batch text when legs finish in the order they started; otherwise it holds the same
 *   blocks, in start order.
 * - At any level, `log` events at or below the level are printed when they arrive (they are not
 *   part of the result, so the stream is then a superset of the batch text). Warnings are held
 *   and printed before the verdict, as in the batch text.
 */
import type { TraceEvent } from '../core/events.js';
import type { Observation, ResolvedEndpoint, TraceRequest } from '../core/model.js';
import { sanitize } from './ansi.js';
import { legEndpointNames } from './describe.js';
import {
  DEBUG_LEVEL,
  PATH_LEVEL,
  closingLines,
  cniLine,
  endpointLines,
  hopLines,
  informationalLines,
  legBlockLines,
  legFooterLines,
  legHeaderLines,
  legResultLine,
  noHopLines,
  requestLines,
  textContext,
  type TextContext,
  type TextFormatOptions,
} from './text-sections.js';

/** A leg being streamed at level ≥ 2: its lines not yet printed, and where its hops stand. */
interface LegSlot {
  id: string;
  pending: string[];
  finished: boolean;
  /** Node of the last hop printed (for the node lines). */
  node: string | undefined;
  /** How many of the leg's observations were rendered from `observation` events. */
  hops: number;
}

/**
 * Incremental text renderer for a live trace. Feed every event to {@link TextStreamRenderer.push}
 * and print the returned lines (each without its newline). Deterministic: the same events give
 * the same lines.
 */
export class TextStreamRenderer {
  private readonly ctx: TextContext;
  private request: TraceRequest | undefined;
  private printedAny = false;
  private readonly queue: LegSlot[] = [];
  private readonly slots = new Map<string, LegSlot>();
  /** Observations of legs whose `leg-started` has not arrived yet. */
  private readonly early = new Map<string, Observation[]>();
  private readonly shown = { cni: false, source: false, destination: false };

  constructor(options: TextFormatOptions) {
    this.ctx = textContext(options);
  }

  /** Takes the next event; returns the lines to print now (possibly none). */
  push(event: TraceEvent): string[] {
    const out: string[] = [];
    const emit = (lines: readonly string[]) => {
      for (const line of lines) {
        // A block's blank separator line is dropped when it would be the first line printed.
        if (line === '' && !this.printedAny) continue;
        this.printedAny = true;
        out.push(line);
      }
    };
    const { ctx } = this;
    const detailed = ctx.level >= PATH_LEVEL;

    switch (event.type) {
      case 'started':
        this.request = event.request;
        if (ctx.level >= DEBUG_LEVEL) emit(requestLines(ctx, event.request));
        break;
      case 'resolved':
        if (ctx.level >= DEBUG_LEVEL) emit(this.discovery(event.cni, event.source, event.destination));
        break;
      case 'log':
        // Warnings are part of the result and are printed with it, before the verdict.
        if (!event.warning && event.level <= ctx.level) emit([ctx.paint(sanitize(event.message), 'dim')]);
        break;
      case 'leg-started':
        if (detailed) {
          const slot = this.open(event.legId, event.node);
          slot.pending.push(...legHeaderLines(ctx, event));
          for (const obs of this.early.get(event.legId) ?? []) this.addHop(slot, obs);
          this.early.delete(event.legId);
          emit(this.flush(false));
        }
        break;
      case 'observation':
        if (detailed) {
          const slot = this.slots.get(event.legId);
          if (slot && !slot.finished) {
            this.addHop(slot, event.observation);
            emit(this.flush(false));
          } else if (!slot) {
            const list = this.early.get(event.legId) ?? [];
            list.push(event.observation);
            this.early.set(event.legId, list);
          }
        }
        break;
      case 'leg-finished': {
        const leg = event.leg;
        const ends = legEndpointNames(this.request ? { request: this.request } : undefined, leg);
        if (!detailed) {
          emit(legBlockLines(ctx, leg, ends));
          break;
        }
        let slot = this.slots.get(leg.id);
        if (!slot) {
          // No leg-started for it: render the whole block from the finished leg.
          slot = this.open(leg.id, leg.node);
          slot.pending.push(...legBlockLines(ctx, leg, ends));
          this.early.delete(leg.id);
        } else {
          // The finished leg is the reference: render the hops the stream did not carry.
          for (const obs of leg.observations.slice(slot.hops)) this.addHop(slot, obs);
          if (slot.hops === 0) slot.pending.push(...noHopLines(ctx));
          slot.pending.push(...informationalLines(ctx, leg), ...legFooterLines(ctx, leg), legResultLine(ctx, leg, ends));
        }
        slot.finished = true;
        emit(this.flush(false));
        break;
      }
      case 'finished': {
        const result = event.result;
        this.request ??= result.request;
        emit(this.flush(true));
        if (ctx.level >= DEBUG_LEVEL) emit(this.discovery(result.cni, result.source, result.destination));
        emit(closingLines(ctx, result));
        break;
      }
    }
    return out;
  }

  /** Level-5 discovery lines not printed yet. */
  private discovery(cni: string, source: ResolvedEndpoint | undefined, destination: ResolvedEndpoint | undefined): string[] {
    const lines: string[] = [];
    if (!this.shown.cni) {
      lines.push(cniLine(this.ctx, cni));
      this.shown.cni = true;
    }
    if (source && !this.shown.source) {
      lines.push(...endpointLines(this.ctx, 'source', source));
      this.shown.source = true;
    }
    if (destination && !this.shown.destination) {
      lines.push(...endpointLines(this.ctx, 'destination', destination));
      this.shown.destination = true;
    }
    return lines;
  }

  private open(id: string, node: string | undefined): LegSlot {
    const slot: LegSlot = { id, pending: [], finished: false, node, hops: 0 };
    this.slots.set(id, slot);
    this.queue.push(slot);
    return slot;
  }

  private addHop(slot: LegSlot, obs: Observation): void {
    const hop = hopLines(this.ctx, obs, slot.node, false);
    slot.pending.push(...hop.lines);
    slot.node = hop.node;
    slot.hops++;
  }

  /** Lines ready to print: the head leg's, then the next legs' while the head is finished. */
  private flush(all: boolean): string[] {
    const lines: string[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      lines.push(...head.pending.splice(0));
      if (!head.finished && !all) break;
      this.queue.shift();
    }
    return lines;
  }
}

/** Renders a whole event sequence with {@link TextStreamRenderer}; one string ending in a newline. */
export function renderTextStream(events: Iterable<TraceEvent>, options: TextFormatOptions): string {
  const renderer = new TextStreamRenderer(options);
  const lines: string[] = [];
  for (const event of events) lines.push(...renderer.push(event));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
