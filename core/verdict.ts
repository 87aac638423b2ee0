import type { DropAttribution, Leg, Verdict } from './model.js';

/** The combined outcome of several legs. */
export interface CombinedVerdict {
  verdict: Verdict;
  reason: string;
  drop?: DropAttribution;
}

/**
 * Combines the decisive legs into one verdict. A drop or reject anywhere on the path wins (it is
 * what the user is looking for); then errors; then legs with no terminal observation; a path
 * that left the cluster counts as success only when nothing was dropped. No decisive leg at all
 * is "inconclusive", never "dropped".
 */
export function combineLegVerdicts(legs: readonly Leg[]): CombinedVerdict {
  const decisive = legs.filter((l) => l.decisive);
  if (decisive.length === 0) return { verdict: 'inconclusive', reason: 'no leg produced a terminal observation' };
  const blocked = decisive.find((l) => l.verdict === 'dropped' || l.verdict === 'rejected');
  if (blocked) {
    const explanation = blocked.drop?.explanation ?? blocked.reason ?? `${blocked.tool} ${blocked.description}`;
    return { verdict: blocked.verdict, reason: `${blocked.verdict} in ${blocked.tool} ${blocked.description}: ${explanation}`, drop: blocked.drop };
  }
  const failed = decisive.find((l) => l.verdict === 'error');
  if (failed) return { verdict: 'error', reason: `${failed.tool} ${failed.description} failed: ${failed.reason ?? 'unknown error'}` };
  const open = decisive.find((l) => l.verdict === 'inconclusive');
  if (open) return { verdict: 'inconclusive', reason: `${open.tool} ${open.description}: ${open.reason ?? 'no terminal observation'}` };
  const left = decisive.find((l) => l.verdict === 'left-cluster');
  if (left) return { verdict: 'left-cluster', reason: left.reason ?? `forwarded out of the pod network (${left.tool} ${left.description})` };
  return { verdict: 'delivered', reason: `delivered (${decisive.length} decisive leg${decisive.length === 1 ? '' : 's'} reached the destination)` };
}

/** The verdicts that mean "the packet got where it was meant to go". */
export function isSuccess(verdict: Verdict): boolean {
  return verdict === 'delivered' || verdict === 'left-cluster';
}
