/**
 * Pure: OpenFlow priorities of Antrea-native policy rules, as the agent's priority assigner
 * computes them first (pkg/agent/controller/networkpolicy/priority.go, initialOFPriority):
 * `top - (tierOffset * tierPriority + policyPriority * priorityOffset + ruleIndex)`, with
 * top 65000 / bottom 100 in the AntreaPolicy tables (offsets 200 per tier unit; 100 per policy
 * priority unit in the default `application` tier, 20 in the others), and top 180 / bottom 10 in
 * the baseline tier, whose rules live in the {Egress,Ingress}DefaultRule tables (offset 10 per
 * policy priority unit). When two rules would get the same priority or the order breaks, the
 * agent re-arranges priorities (insertConsecutivePriorities); the lab does not model that, and
 * the scenario validator refuses such policies instead.
 */

/** Antrea's static tiers and their priorities (the lab has no custom Tier objects). */
export const ANTREA_TIER_PRIORITIES: Readonly<Record<string, number>> = { emergency: 50, securityops: 100, networkops: 150, platform: 200, application: 250, baseline: 253 };

/** Priority of the default tier (`application`). */
export const DEFAULT_TIER_PRIORITY = 250;
/** Priority of the baseline tier. */
export const BASELINE_TIER_PRIORITY = 253;

/** K8s NetworkPolicy conjunctive match flows (priorityNormal) and action flows (priorityLow). */
export const K8S_RULE_PRIORITY = 200;
export const K8S_ACTION_PRIORITY = 190;

/** The tier priority of a tier name (default tier when absent); undefined for an unknown tier. */
export function tierPriority(tier: string | undefined): number | undefined {
  return ANTREA_TIER_PRIORITIES[(tier ?? 'application').toLowerCase()];
}

/**
 * The agent's first-choice OpenFlow priority of a rule, or undefined when it falls outside the
 * table's range (where the agent would clamp and then re-arrange).
 */
export function initialRulePriority(tierPrio: number, policyPriority: number, ruleIndex: number): number | undefined {
  const baseline = tierPrio === BASELINE_TIER_PRIORITY;
  const top = baseline ? 180 : 65000;
  const bottom = baseline ? 10 : 100;
  const tierOffset = baseline ? 0 : 200;
  const priorityOffset = baseline ? 10 : tierPrio === DEFAULT_TIER_PRIORITY ? 100 : 20;
  // Go: uint32(policyPriority * offset) truncates the float product.
  const offset = tierOffset * tierPrio + Math.trunc(policyPriority * priorityOffset) + ruleIndex;
  if (offset > top - bottom) return undefined;
  return top - offset;
}
