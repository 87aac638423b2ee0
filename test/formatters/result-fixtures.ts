/**
 * Test helpers of the formatter tests: the sample trace results under test/fixtures/results, the
 * golden-file check (UPDATE_GOLDEN=1 rewrites the goldens) and a synthetic event stream built
 * from a result, as a driver and the tracer would emit it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as assert from 'uvu/assert';
import type { TraceEvent } from '../../core/events.js';
import type { TraceResult } from '../../core/model.js';
import { fixturePath } from '../helpers/paths.js';

/** The sample results, by file name (without `.json`). */
export const RESULT_NAMES = [
  'ovn-internode-delivered',
  'ovn-default-deny-drop',
  'ovn-error-leg',
  'antrea-internode-delivered',
  'antrea-anp-drop',
  'antrea-inconclusive-timeout',
  // --all-backends on the lab (test/fixtures/lab/antrea-backends.yaml): one Traceflow per backend.
  'antrea-all-backends-one-dropped',
] as const;

/** One of {@link RESULT_NAMES}. */
export type ResultName = (typeof RESULT_NAMES)[number];

/** Loads a sample result (a fresh copy each time, so a test may change it). */
export function loadResult(name: ResultName): TraceResult {
  const result = JSON.parse(readFileSync(fixturePath('results', `${name}.json`), 'utf8')) as TraceResult;
  // A malformed fixture would make every golden meaningless: check the shape the renderers rely on.
  assert.type(result.verdict, 'string', `${name}: verdict`);
  assert.ok(Array.isArray(result.legs) && Array.isArray(result.warnings), `${name}: legs and warnings`);
  for (const leg of result.legs) {
    assert.ok(leg.id && leg.tool && leg.description && leg.verdict, `${name}: leg ${leg.id} fields`);
    assert.ok(Array.isArray(leg.observations), `${name}: leg ${leg.id} observations`);
  }
  return result;
}

/**
 * Compares `actual` with the golden file test/fixtures/formatters/<name>. With UPDATE_GOLDEN=1 the
 * file is (re)written instead; review the diff before committing it.
 */
export function assertGolden(name: string, actual: string): void {
  const file = fixturePath('formatters', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) assert.unreachable(`golden file ${file} is missing; run the tests with UPDATE_GOLDEN=1 and review it`);
  assert.fixture(actual, readFileSync(file, 'utf8'), `golden ${name}`);
}

/** Options of {@link eventsOf}. */
export interface EventsOptions {
  /** Extra non-warning log events: `[level, message]`, emitted after `resolved`. */
  logs?: Array<[number, string]>;
  /** Emit `observation` events for each leg's hops (default true). */
  observations?: boolean;
}

/** The event stream that yields `result`: sequential legs, warnings as warning logs, then `finished`. */
export function eventsOf(result: TraceResult, options: EventsOptions = {}): TraceEvent[] {
  const events: TraceEvent[] = [
    { type: 'started', request: result.request, at: result.startedAt },
    { type: 'resolved', cni: result.cni, ...(result.source ? { source: result.source } : {}), ...(result.destination ? { destination: result.destination } : {}) },
  ];
  for (const [level, message] of options.logs ?? []) events.push({ type: 'log', level, message });
  for (const leg of result.legs) {
    events.push({ type: 'leg-started', legId: leg.id, tool: leg.tool, direction: leg.direction, description: leg.description, ...(leg.node ? { node: leg.node } : {}) });
    if (options.observations !== false) for (const observation of leg.observations) events.push({ type: 'observation', legId: leg.id, observation });
    events.push({ type: 'leg-finished', leg });
  }
  for (const message of result.warnings) events.push({ type: 'log', level: 0, message, warning: true });
  events.push({ type: 'finished', result });
  return events;
}

/** Whether every line of `sub` appears in `lines`, in the same order (not necessarily adjacent). */
export function isSubsequence(sub: readonly string[], lines: readonly string[]): boolean {
  let i = 0;
  for (const line of lines) if (i < sub.length && line === sub[i]) i++;
  return i === sub.length;
}
