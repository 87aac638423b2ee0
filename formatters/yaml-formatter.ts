import { stringify } from 'yaml';
import type { TraceResult } from '../core/model.js';

/**
 * Renders a trace result as YAML (the same object as the JSON output). No anchors or aliases,
 * even where a driver shares one object between two places (a policy on a hop and in the drop),
 * and no line folding, so long flows and raw tool output stay greppable.
 */
export function formatYaml(result: TraceResult): string {
  return stringify(result, { aliasDuplicateObjects: false, lineWidth: 0 });
}
