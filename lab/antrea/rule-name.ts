/**
 * Pure: the name antrea-controller's mutating webhook gives an unnamed Antrea-native policy rule
 * (pkg/controller/networkpolicy/mutate.go generateRuleNames): `<ingress|egress>-<action>-<7 hex>`,
 * the hex being the start of the SHA-1 of the rule as Go's encoding/json writes the
 * crd.antrea.io/v1beta1 Rule (struct field order, omitempty, `enableLogging` always present,
 * map keys sorted, HTML characters escaped). Traceflow reports this name as networkPolicyRule.
 */
import { createHash } from 'node:crypto';
import type { AntreaPolicyPeer, AntreaPolicyPort, AntreaPolicyRule, LabelSelector } from '../scenario/scenario-types.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Drops undefined fields and, like omitempty, empty lists and maps. */
function obj(entries: Array<[string, Json | undefined]>): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of entries) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

function selector(s: LabelSelector | undefined): Json | undefined {
  if (s === undefined) return undefined;
  const labels = Object.keys(s.matchLabels ?? {}).sort();
  return obj([
    ['matchLabels', labels.length > 0 ? Object.fromEntries(labels.map((k) => [k, s.matchLabels![k]!])) : undefined],
    ['matchExpressions', (s.matchExpressions ?? []).map((e) => obj([['key', e.key], ['operator', e.operator], ['values', e.values ?? []]]))],
  ]);
}

function peer(p: AntreaPolicyPeer): Json {
  return obj([
    ['ipBlock', p.ipBlock ? obj([['cidr', p.ipBlock.cidr], ['except', p.ipBlock.except ?? []]]) : undefined],
    ['podSelector', selector(p.podSelector)],
    ['namespaceSelector', selector(p.namespaceSelector)],
  ]);
}

function port(p: AntreaPolicyPort): Json {
  return obj([['protocol', p.protocol], ['port', p.port], ['endPort', p.endPort]]);
}

/** The rule as Go's json.Marshal(crdv1beta1.Rule) writes it. */
export function goRuleJson(rule: AntreaPolicyRule): string {
  const value = obj([
    ['action', rule.action],
    ['ports', (rule.ports ?? []).map(port)],
    ['from', (rule.from ?? []).map(peer)],
    ['to', (rule.to ?? []).map(peer)],
    ['name', rule.name === '' ? undefined : rule.name],
    ['enableLogging', false],
    ['appliedTo', (rule.appliedTo ?? []).map((a) => obj([['podSelector', selector(a.podSelector)]]))],
  ]);
  // encoding/json escapes <, > and & (and U+2028/2029) in strings.
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The rule's name: its own, or the one antrea-controller generates. */
export function antreaRuleName(direction: 'Ingress' | 'Egress', rule: AntreaPolicyRule): string {
  if (rule.name) return rule.name;
  const hash = createHash('sha1').update(goRuleJson(rule)).digest('hex').slice(0, 7);
  return `${direction.toLowerCase()}-${rule.action.toLowerCase()}-${hash}`;
}
