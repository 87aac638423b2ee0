/**
 * Kubernetes label selectors for the oracle, from the API reference (`LabelSelector`): the
 * requirements of `matchLabels` and `matchExpressions` are ANDed; an empty selector matches
 * everything; `NotIn` and `DoesNotExist` match when the key is absent. Independent of the lab's
 * and the product's selector code.
 */

/** `metav1.LabelSelector`, as written in a manifest. */
export interface OracleLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** Whether `selector` selects an object with `labels`. */
export function selectorSelects(selector: OracleLabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!present || !values.includes(have[e.key]!)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[e.key]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${String((e as { operator: unknown }).operator)}`);
    }
  }
  return true;
}
