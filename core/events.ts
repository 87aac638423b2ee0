import type { Leg, LegDirection, NativeResult, Observation, ResolvedEndpoint, TracedBackend, TraceRequest, TraceResult } from './model.js';

/** Log levels of the product: 0 summary, 2 flow detail, 5 debug. Any number 0-9 is accepted. */
export type LogLevel = number;

/** The trace started. */
export interface StartedEvent {
  type: 'started';
  request: TraceRequest;
  at: string;
}

/** Endpoints are resolved (IPs, nodes) and the CNI is known. */
export interface ResolvedEvent {
  type: 'resolved';
  cni: string;
  source?: ResolvedEndpoint;
  destination?: ResolvedEndpoint;
}

/** A leg (tool run or node report) started. */
export interface LegStartedEvent {
  type: 'leg-started';
  legId: string;
  tool: string;
  direction: LegDirection;
  node?: string;
  description: string;
}

/** One observation of a running leg, streamed as soon as it is known. */
export interface ObservationEvent {
  type: 'observation';
  legId: string;
  observation: Observation;
}

/** A leg finished, with its full content. */
export interface LegFinishedEvent {
  type: 'leg-finished';
  leg: Leg;
}

/** A log line (discovery steps, commands, warnings). */
export interface LogEvent {
  type: 'log';
  level: LogLevel;
  message: string;
  /** Warnings are also collected into {@link TraceResult.warnings}. */
  warning?: boolean;
}

/** The trace finished; the full result. Always the last event of a successful stream. */
export interface FinishedEvent {
  type: 'finished';
  result: TraceResult;
}

/** Everything a trace stream can emit. */
export type TraceEvent = StartedEvent | ResolvedEvent | LegStartedEvent | ObservationEvent | LegFinishedEvent | LogEvent | FinishedEvent;

/**
 * What a driver emits. The core adds `started` and `finished`; a driver may emit a `verdict` to
 * decide the overall outcome itself (otherwise the core combines its decisive legs), and a
 * `native` event to attach the CNI's raw answer to the result ({@link TraceResult.native}). For
 * a Service destination a driver says which backend it traced and why with a `backend` event.
 */
export type DriverEvent =
  | ResolvedEvent
  | LegStartedEvent
  | ObservationEvent
  | LegFinishedEvent
  | LogEvent
  | { type: 'verdict'; verdict: TraceResult['verdict']; reason: string; drop?: TraceResult['drop'] }
  | { type: 'native'; native: NativeResult }
  | { type: 'backend'; backend: TracedBackend };
