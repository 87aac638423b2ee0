import type { TraceResult } from '../core/model.js';

/**
 * Renders a trace result as JSON: the library's object as is (the model is plain data), 2-space
 * indent, trailing newline. `JSON.parse` of the output equals the result.
 */
export function formatJson(result: TraceResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
