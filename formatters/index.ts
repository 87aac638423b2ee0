/**
 * Renderers of a trace result (`cni-trace/formatters`): text at a log level, JSON, YAML and JUnit
 * XML, plus the live text renderer for a stream of trace events. All pure: data in, string out.
 */
import type { TraceResult } from '../core/model.js';
import { formatJson } from './json-formatter.js';
import { formatJunit } from './junit-formatter.js';
import { formatText } from './text-formatter.js';
import { formatYaml } from './yaml-formatter.js';

export { formatText } from './text-formatter.js';
export { PATH_LEVEL, COMMAND_LEVEL, DEBUG_LEVEL, type TextFormatOptions } from './text-sections.js';
export { TextStreamRenderer, renderTextStream } from './text-stream.js';
export { formatJson } from './json-formatter.js';
export { formatYaml } from './yaml-formatter.js';
export { formatJunit } from './junit-formatter.js';
export {
  CNI_TRACE_API_VERSION,
  formatTraceError,
  formatTraceErrorJson,
  formatTraceErrorJunit,
  formatTraceErrorYaml,
  traceErrorReport,
  type PartialTraceResult,
  type TraceErrorReport,
} from './error-formatter.js';
export { formatAntctl, antctlResponse, AntctlOutputError } from './antctl-formatter.js';
export { dropSummary, legSentence, policyLabel, toolLabel, traceTitle, verdictDetail } from './describe.js';
export { stripAnsi } from './ansi.js';

/** The output formats of `-o/--output`. */
export const OUTPUT_FORMATS = ['text', 'json', 'yaml', 'junit'] as const;

/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Options of {@link formatResult}. */
export interface FormatOptions {
  output: OutputFormat;
  /** Log level of the text output (ignored by the structured formats). Default 0. */
  level?: number;
  /** ANSI colour in the text output (ignored by the structured formats). Default false. */
  color?: boolean;
}

/** Renders a finished trace in the chosen output format; the string ends with a newline. */
export function formatResult(result: TraceResult, options: FormatOptions): string {
  switch (options.output) {
    case 'text':
      return formatText(result, { level: options.level ?? 0, color: options.color ?? false });
    case 'json':
      return formatJson(result);
    case 'yaml':
      return formatYaml(result);
    case 'junit':
      return formatJunit(result);
    default: {
      const output: never = options.output;
      throw new TypeError(`unknown output format "${String(output)}"; use one of ${OUTPUT_FORMATS.join(', ')}`);
    }
  }
}
