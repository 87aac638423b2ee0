/**
 * JUnit XML report of one or more traces, for CI systems that show test reports: one
 * `<testsuite>` per trace, one `<testcase>` per leg. A dropped, rejected or inconclusive leg is a
 * `<failure>` carrying the drop explanation (dropping hop and policy); a leg whose tool failed is
 * an `<error>`.
 */
import { Builder } from 'xml2js';
import type { Leg, TraceResult } from '../core/model.js';
import { sanitize } from './ansi.js';
import { dropSummary, legEndpointNames, legSentence, policyLabel, shellJoin, toolLabel, traceTitle, verdictDetail } from './describe.js';
import { isDropHop } from './text-sections.js';
import { backendLabel } from '../core/service-backends.js';

/** Characters XML 1.0 cannot carry at all (lone surrogates, U+FFFE/U+FFFF). */
const XML_ILLEGAL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g;

/** Text safe for XML 1.0 (control characters shown as `\xNN`, which xmlbuilder would reject). */
function xmlText(text: string): string {
  return sanitize(text).replace(/\r/g, '').replace(XML_ILLEGAL, '\uFFFD');
}

/** Seconds with millisecond precision, as JUnit's `time` attribute expects. */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** JUnit's `timestamp` is ISO 8601 without a zone (the schema's pattern); ours are UTC. */
function junitTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace(/\.\d+Z$/, '').replace(/Z$/, '');
}

/** The lines explaining a blocked or open leg: sentence, dropping hop, drop, reason. */
function explanationLines(result: TraceResult, leg: Leg): string[] {
  const lines = [legSentence(leg, legEndpointNames(result, leg))];
  const hop = leg.observations.find(isDropHop);
  if (hop) {
    const at: string[] = [];
    if (hop.node ?? leg.node) at.push(`on ${hop.node ?? leg.node}`);
    if (hop.port) at.push(`port ${hop.port}`);
    if (hop.cookie) at.push(`cookie ${hop.cookie}`);
    lines.push(`${hop.action} at ${hop.stage}${at.length ? ` (${at.join(', ')})` : ''}`);
    if (hop.policy) lines.push(`policy: ${policyLabel(hop.policy)}`);
    if (hop.isolatedBy) lines.push(`default deny, isolated by: ${hop.isolatedBy.map(policyLabel).join(', ') || '(unknown)'}`);
    if (hop.flow) lines.push(`flow: ${hop.flow}`);
  }
  if (leg.drop) lines.push(`drop: ${dropSummary(leg.drop)}`);
  if (leg.reason) lines.push(`reason: ${leg.reason}`);
  return lines;
}

/** The failure message of a leg: its drop (naming the policy), else its reason, else its verdict. */
function legMessage(leg: Leg): string {
  if (leg.drop) return dropSummary(leg.drop);
  return leg.reason ?? `${leg.verdict} in ${toolLabel(leg.tool)} ${leg.description}`;
}

function testcase(result: TraceResult, leg: Leg): Record<string, unknown> {
  const ends = legEndpointNames(result, leg);
  const tc: Record<string, unknown> = {
    $: {
      classname: xmlText(`${result.cni}.${leg.tool}`),
      name: xmlText(`${leg.backend ? `[backend ${leg.backend}] ` : ''}${toolLabel(leg.tool)} ${leg.description} ${ends.from} -> ${ends.to}`),
      time: seconds(leg.durationMs),
    },
  };
  if (leg.verdict === 'dropped' || leg.verdict === 'rejected' || leg.verdict === 'inconclusive') {
    tc.failure = { $: { message: xmlText(legMessage(leg)), type: leg.verdict }, _: xmlText(explanationLines(result, leg).join('\n')) };
  } else if (leg.verdict === 'error') {
    const lines = [legSentence(leg, ends), `reason: ${leg.reason ?? 'unknown error'}`];
    if (leg.command) lines.push(`command: ${shellJoin(leg.command.argv)} (on ${leg.command.target}, exit ${leg.command.exitCode ?? 'none'})`);
    tc.error = { $: { message: xmlText(leg.reason ?? 'the tool failed'), type: 'error' }, _: xmlText(lines.join('\n')) };
  }
  const out: string[] = [];
  if (leg.reason) out.push(leg.reason);
  if (leg.command) out.push(`command: ${shellJoin(leg.command.argv)}`);
  if (out.length > 0) tc['system-out'] = xmlText(out.join('\n'));
  return tc;
}

/**
 * A trace with no leg at all (it failed before any tool ran) still yields one test case, so a CI
 * report does not show an empty, green suite for a trace that never happened.
 */
function wholeTraceCase(result: TraceResult): Record<string, unknown> {
  const tc: Record<string, unknown> = {
    $: { classname: xmlText(result.cni), name: xmlText(`trace ${traceTitle(result.request)}`), time: seconds(result.durationMs) },
  };
  const message = xmlText(verdictDetail(result) ?? result.reason);
  if (result.verdict === 'error') tc.error = { $: { message, type: 'error' }, _: message };
  else if (result.verdict !== 'delivered' && result.verdict !== 'left-cluster') tc.failure = { $: { message, type: result.verdict }, _: message };
  return tc;
}

/** With `--all-backends`: one test case per backend of the Service, failing when it is not reachable. */
function backendCases(result: TraceResult): Array<Record<string, unknown>> {
  const b = result.backends;
  if (!b || b.mode !== 'all') return [];
  return b.results.map((r) => {
    const tc: Record<string, unknown> = {
      $: { classname: xmlText(`${result.cni}.backend`), name: xmlText(`backend ${backendLabel(r)} of service ${b.service.namespace}/${b.service.name}`), time: seconds(0) },
    };
    const message = xmlText(r.drop ? dropSummary(r.drop) : r.reason);
    const body = xmlText([`${r.verdict}: ${r.reason}`, `how: ${r.method}: ${r.why}`, `legs: ${r.legIds.join(', ')}`].join('\n'));
    if (r.verdict === 'error') tc.error = { $: { message, type: 'error' }, _: body };
    else if (r.verdict !== 'delivered' && r.verdict !== 'left-cluster') tc.failure = { $: { message, type: r.verdict }, _: body };
    else tc['system-out'] = body;
    return tc;
  });
}

/** Counts of one suite. */
interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
}

function suite(result: TraceResult): { xml: Record<string, unknown>; counts: SuiteCounts } {
  const cases = [...(result.legs.length > 0 ? result.legs.map((leg) => testcase(result, leg)) : [wholeTraceCase(result)]), ...backendCases(result)];
  const counts: SuiteCounts = {
    tests: cases.length,
    failures: cases.filter((c) => 'failure' in c).length,
    errors: cases.filter((c) => 'error' in c).length,
  };
  const properties = [
    { $: { name: 'cni', value: xmlText(result.cni) } },
    { $: { name: 'verdict', value: result.verdict } },
    { $: { name: 'reason', value: xmlText(result.reason) } },
  ];
  if (result.drop) properties.push({ $: { name: 'drop', value: xmlText(dropSummary(result.drop)) } });
  for (const r of result.backends?.results ?? []) {
    properties.push({ $: { name: 'backend', value: xmlText(`${backendLabel(r)}: ${r.verdict} (${r.method}: ${r.why})`) } });
  }
  const xml: Record<string, unknown> = {
    $: {
      name: xmlText(`cni-trace ${traceTitle(result.request)}`),
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      skipped: 0,
      time: seconds(result.durationMs),
      timestamp: junitTimestamp(result.startedAt),
    },
    properties: { property: properties },
    testcase: cases,
  };
  if (result.warnings.length > 0) xml['system-err'] = xmlText(result.warnings.map((w) => `warning: ${w}`).join('\n'));
  return { xml, counts };
}

/**
 * Renders one trace, or several (one suite each), as a JUnit XML document ending in a newline.
 * The document parses back with xml2js.
 */
export function formatJunit(results: TraceResult | readonly TraceResult[]): string {
  const list: readonly TraceResult[] = Array.isArray(results) ? results : [results as TraceResult];
  const suites = list.map(suite);
  const total = suites.reduce(
    (acc, s) => ({ tests: acc.tests + s.counts.tests, failures: acc.failures + s.counts.failures, errors: acc.errors + s.counts.errors }),
    { tests: 0, failures: 0, errors: 0 },
  );
  const doc = {
    testsuites: {
      $: { name: 'cni-trace', ...total, time: seconds(list.reduce((ms, r) => ms + r.durationMs, 0)) },
      testsuite: suites.map((s) => s.xml),
    },
  };
  const builder = new Builder({
    xmldec: { version: '1.0', encoding: 'UTF-8' },
    renderOpts: { pretty: true, indent: '  ', newline: '\n' },
  });
  return `${builder.buildObject(doc)}\n`;
}
