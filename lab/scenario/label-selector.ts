/**
 * Kubernetes label-selector matching for structured selectors (`matchLabels` / `matchExpressions`),
 * as used by NetworkPolicies and Service selectors in a scenario.
 */
import type { LabelSelector, Labels } from './scenario-types.js';

/**
 * Whether `labels` satisfy `selector`, with Kubernetes semantics: every `matchLabels` pair must be
 * present, `In` needs the key with one of the values, `NotIn` matches when the key is absent or has
 * another value, `Exists`/`DoesNotExist` test the key only. An empty selector (`{}`) matches
 * everything; callers decide what an absent selector means (it differs between API fields).
 */
export function matches(selector: LabelSelector, labels: Labels | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, expr.key);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
        if (!present || !values.includes(have[expr.key]!)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[expr.key]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        // An unknown operator is invalid in the real API; never let it select anything.
        return false;
    }
  }
  return true;
}

/**
 * Whether `labels` contain every pair of a plain map selector (a Service's `spec.selector`). An
 * empty map selects nothing here: a Service without a selector gets no managed endpoints.
 */
export function matchesMap(selector: Labels | undefined, labels: Labels | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  if (entries.length === 0) return false;
  return matches({ matchLabels: selector }, labels);
}
