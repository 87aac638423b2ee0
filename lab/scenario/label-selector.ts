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

/** Operators a matchExpressions entry may use. */
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** True for `{}` (or a selector with empty lists): it selects every object. */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return (
    selector !== undefined &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}

/**
 * The selector in Kubernetes' string form (`app=web,tier in (a,b),!gone`), sorted so that equal
 * selectors give equal strings. Used in names and as the `labelSelector` query parameter.
 */
export function selectorToString(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.sort().join(',');
}

/**
 * Describes what is wrong with a selector's shape (unknown operator, missing or extra values),
 * or returns undefined when it is well-formed.
 */
export function selectorProblem(selector: unknown): string | undefined {
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) return 'must be a map';
  const s = selector as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (key !== 'matchLabels' && key !== 'matchExpressions') return `unknown field "${key}"`;
  }
  if (s.matchLabels !== undefined) {
    if (s.matchLabels === null || typeof s.matchLabels !== 'object' || Array.isArray(s.matchLabels)) return 'matchLabels must be a map';
    for (const [k, v] of Object.entries(s.matchLabels as Record<string, unknown>)) {
      if (typeof v !== 'string') return `matchLabels.${k} must be a string`;
    }
  }
  if (s.matchExpressions !== undefined) {
    if (!Array.isArray(s.matchExpressions)) return 'matchExpressions must be a list';
    for (const [i, e] of (s.matchExpressions as unknown[]).entries()) {
      if (e === null || typeof e !== 'object') return `matchExpressions[${i}] must be a map`;
      const expr = e as { key?: unknown; operator?: unknown; values?: unknown };
      if (typeof expr.key !== 'string' || expr.key === '') return `matchExpressions[${i}].key must be a non-empty string`;
      if (!SELECTOR_OPERATORS.includes(expr.operator as (typeof SELECTOR_OPERATORS)[number])) {
        return `matchExpressions[${i}].operator must be one of ${SELECTOR_OPERATORS.join(', ')}`;
      }
      const values = expr.values;
      if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) {
        return `matchExpressions[${i}].values must be a list of strings`;
      }
      const count = Array.isArray(values) ? values.length : 0;
      if ((expr.operator === 'In' || expr.operator === 'NotIn') && count === 0) {
        return `matchExpressions[${i}]: operator ${expr.operator} needs at least one value`;
      }
      if ((expr.operator === 'Exists' || expr.operator === 'DoesNotExist') && count > 0) {
        return `matchExpressions[${i}]: operator ${expr.operator} takes no values`;
      }
    }
  }
  return undefined;
}
