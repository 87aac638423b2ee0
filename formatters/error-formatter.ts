/**
 * The failure document of the machine formats. A script or CI job that asked for `-o json|yaml|junit`
 * must never read an empty report: when a trace cannot produce a result (bad usage, unreachable
 * cluster, missing permission, timeout, interrupt) the CLI prints a {@link TraceErrorReport}
 * instead, in the format that was asked for. Pure: data in, string out.
 */
import { stringify } from 'yaml';
import { Builder } from 'xml2js';
import type { Leg, ResolvedEndpoint, TraceRequest } from '../core/model.js';
import { sanitize } from './ansi.js';
import { traceTitle } from './describe.js';

/**
 * `apiVersion` of cni-trace's own documents. The trace result itself has no envelope (its JSON is
 * the library's `TraceResult` object as is); the error document carries one so a consumer can tell
 * the two apart by `kind`.
 */
export const CNI_TRACE_API_VERSION = 'cni-trace.dev/v1alpha1';

/** What a failed trace had already established before it failed (absent parts were not reached). */
export interface PartialTraceResult {
  request?: TraceRequest;
  /** Id of the driver, once detected. */
  cni?: string;
  source?: ResolvedEndpoint;
  destination?: ResolvedEndpoint;
  /** Legs that finished before the failure. */
  legs: Leg[];
  warnings: string[];
}

/** The error document of `-o json|yaml` (and the data of the JUnit error case). */
export interface TraceErrorReport {
  apiVersion: typeof CNI_TRACE_API_VERSION;
  kind: 'TraceError';
  /** Stable machine-readable code (`INVALID_ARGUMENT`, `CLUSTER_ERROR`, `FORBIDDEN`, `INTERRUPTED`, ...). */
  code: string;
  message: string;
  /** The process's exit code: 2 usage, 3 runtime, 130 interrupted. */
  exitCode: number;
  /** Present when the trace got far enough to learn something (driver, endpoints, finished legs). */
  partialResult?: PartialTraceResult;
}

/** Builds the error document; `partialResult` is kept only when it holds something. */
export function traceErrorReport(error: { code: string; message: string; exitCode: number }, partialResult?: PartialTraceResult): TraceErrorReport {
  const report: TraceErrorReport = { apiVersion: CNI_TRACE_API_VERSION, kind: 'TraceError', code: error.code, message: error.message, exitCode: error.exitCode };
  if (partialResult && (partialResult.cni !== undefined || partialResult.legs.length > 0 || partialResult.source || partialResult.destination)) {
    report.partialResult = partialResult;
  }
  return report;
}

/** JSON of the error document (2-space indent, trailing newline), like the result's JSON. */
export function formatTraceErrorJson(report: TraceErrorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** YAML of the error document (no aliases, no folding, as the result's YAML). */
export function formatTraceErrorYaml(report: TraceErrorReport): string {
  return stringify(report, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** Characters XML 1.0 cannot carry (lone surrogates, U+FFFE/U+FFFF). */
const XML_ILLEGAL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g;

function xmlText(text: string): string {
  return sanitize(text).replace(/\r/g, '').replace(XML_ILLEGAL, '\uFFFD');
}

/**
 * JUnit XML of a failure: one suite with one `<error>` test case (type = the code), so a CI test
 * report shows a red, explained entry instead of nothing. Legs that finished before the failure
 * are listed in the suite's `system-out`.
 */
export function formatTraceErrorJunit(report: TraceErrorReport): string {
  const title = report.partialResult?.request ? `cni-trace ${traceTitle(report.partialResult.request)}` : 'cni-trace';
  const details = [`${report.code}: ${report.message}`, `exit code: ${report.exitCode}`];
  const properties = [
    { $: { name: 'code', value: xmlText(report.code) } },
    { $: { name: 'exitCode', value: String(report.exitCode) } },
  ];
  const partial = report.partialResult;
  if (partial?.cni) properties.push({ $: { name: 'cni', value: xmlText(partial.cni) } });
  const suite: Record<string, unknown> = {
    $: { name: xmlText(title), tests: 1, failures: 0, errors: 1, skipped: 0, time: '0.000' },
    properties: { property: properties },
    testcase: [
      {
        $: { classname: xmlText(partial?.cni ? `cni-trace.${partial.cni}` : 'cni-trace'), name: xmlText(title), time: '0.000' },
        error: { $: { message: xmlText(report.message), type: xmlText(report.code) }, _: xmlText(details.join('\n')) },
      },
    ],
  };
  const out: string[] = (partial?.legs ?? []).map((leg) => `finished before the failure: ${leg.tool} ${leg.description}${leg.node ? ` on ${leg.node}` : ''}: ${leg.verdict}`);
  if (out.length > 0) suite['system-out'] = xmlText(out.join('\n'));
  if (partial && partial.warnings.length > 0) suite['system-err'] = xmlText(partial.warnings.map((w) => `warning: ${w}`).join('\n'));
  const doc = { testsuites: { $: { name: 'cni-trace', tests: 1, failures: 0, errors: 1, time: '0.000' }, testsuite: [suite] } };
  const builder = new Builder({ xmldec: { version: '1.0', encoding: 'UTF-8' }, renderOpts: { pretty: true, indent: '  ', newline: '\n' } });
  return `${builder.buildObject(doc)}\n`;
}

/** The error document in a machine format. */
export function formatTraceError(report: TraceErrorReport, output: 'json' | 'yaml' | 'junit'): string {
  switch (output) {
    case 'json':
      return formatTraceErrorJson(report);
    case 'yaml':
      return formatTraceErrorYaml(report);
    case 'junit':
      return formatTraceErrorJunit(report);
    default: {
      const never: never = output;
      throw new TypeError(`no error document for output format "${String(never)}"`);
    }
  }
}
