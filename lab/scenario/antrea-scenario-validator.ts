/**
 * Validation of the Antrea-only parts of a scenario: `antreaNetworkPolicies` (a subset of
 * `crd.antrea.io/v1beta1` NetworkPolicy) and `liveTraffic` connections. Pure, like the rest of
 * the scenario validator: every problem is returned with the entry it belongs to.
 */
import { parseCidr, parseIp } from './ip-address.js';
import { matches, selectorProblem } from './label-selector.js';
import type { LabelSelector, ScenarioPod } from './scenario-types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ACTIONS = ['Allow', 'Drop', 'Reject', 'Pass'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
/** Antrea's static tiers (the lab does not model custom Tier objects). */
export const ANTREA_TIERS: Record<string, number> = { emergency: 50, securityops: 100, networkops: 150, platform: 200, application: 250, baseline: 253 };

/** What the Antrea checks need from the rest of the validation. */
export interface AntreaValidationContext {
  flavour: unknown;
  pods: ScenarioPod[];
  namespaces: Map<string, Record<string, string>>;
}

/** Checks `antreaNetworkPolicies` and `liveTraffic`; appends problems to `issues`. */
export function validateAntreaParts(s: Obj, ctx: AntreaValidationContext, issues: string[]): void {
  const isAntrea = ctx.flavour === 'antrea';
  for (const field of ['antreaNetworkPolicies', 'liveTraffic'] as const) {
    if (s[field] !== undefined && !isAntrea) issues.push(`${field}: only the antrea flavour models ${field === 'liveTraffic' ? 'live traffic' : 'Antrea-native policies'}`);
  }
  if (!isAntrea) return;
  // The Antrea lab programs the IPv4 pipeline only (no IPv6 table, no dual-stack IDs).
  if (Array.isArray(s.nodes) && s.nodes.some((n) => isObj(n) && n.podSubnetV6 !== undefined)) issues.push('nodes: podSubnetV6 is not supported by the antrea flavour (IPv4 pipeline only)');
  if (ctx.pods.some((p) => p.ipv6 !== undefined)) issues.push('pods: ipv6 addresses are not supported by the antrea flavour (IPv4 pipeline only)');
  const podKeys = new Set(ctx.pods.map((p) => `${p.namespace}/${p.name}`));
  const seen = new Set<string>();
  list(s.antreaNetworkPolicies, 'antreaNetworkPolicies', issues).forEach((np, i) => {
    const where = `antreaNetworkPolicies[${i}]${isObj(np) && typeof np.name === 'string' ? ` "${String(np.namespace ?? '?')}/${np.name}"` : ''}`;
    if (!isObj(np)) return void issues.push(`${where}: must be a map with name, namespace and spec`);
    unknown(np, ['name', 'namespace', 'spec'], where, issues);
    if (typeof np.name !== 'string' || !DNS_SUBDOMAIN.test(np.name)) return void issues.push(`${where}: name must be a lowercase DNS name`);
    if (typeof np.namespace !== 'string' || !ctx.namespaces.has(np.namespace)) return void issues.push(`${where}: namespace ${JSON.stringify(np.namespace)} is not defined in namespaces`);
    const key = `${np.namespace}/${np.name}`;
    if (seen.has(key)) issues.push(`${where}: duplicate Antrea NetworkPolicy "${key}"`);
    seen.add(key);
    if (!isObj(np.spec)) return void issues.push(`${where}: spec is required (priority, appliedTo, rules)`);
    const spec = np.spec;
    unknown(spec, ['tier', 'priority', 'appliedTo', 'ingress', 'egress'], `${where}: spec`, issues);
    if (spec.tier !== undefined && (typeof spec.tier !== 'string' || !(spec.tier.toLowerCase() in ANTREA_TIERS))) {
      issues.push(`${where}: spec.tier must be one of ${Object.keys(ANTREA_TIERS).join(', ')} (the lab has Antrea's static tiers only)`);
    }
    if (typeof spec.priority !== 'number' || spec.priority < 1 || spec.priority > 10000) issues.push(`${where}: spec.priority must be a number from 1 to 10000`);
    if (!Array.isArray(spec.appliedTo) || spec.appliedTo.length === 0) issues.push(`${where}: spec.appliedTo must be a non-empty list of { podSelector }`);
    else
      spec.appliedTo.forEach((a, k) => {
        if (!isObj(a) || a.podSelector === undefined) return void issues.push(`${where}: spec.appliedTo[${k}] needs a podSelector (the lab models pod appliedTo only)`);
        const problem = selectorProblem(a.podSelector);
        if (problem) issues.push(`${where}: spec.appliedTo[${k}].podSelector ${problem}`);
        else if (!ctx.pods.some((p) => p.namespace === np.namespace && !p.hostNetwork && matches(a.podSelector as LabelSelector, p.labels))) {
          issues.push(`${where}: spec.appliedTo[${k}].podSelector matches no pod in namespace "${np.namespace}"`);
        }
      });
    for (const dir of ['ingress', 'egress'] as const) {
      if (spec[dir] === undefined) continue;
      if (!Array.isArray(spec[dir])) {
        issues.push(`${where}: spec.${dir} must be a list`);
        continue;
      }
      const names = new Set<string>();
      (spec[dir] as unknown[]).forEach((rule, r) => {
        const rw = `${where}: spec.${dir}[${r}]`;
        if (!isObj(rule)) return void issues.push(`${rw} must be a map`);
        const peerField = dir === 'ingress' ? 'from' : 'to';
        unknown(rule, ['action', 'name', peerField, 'ports'], rw, issues);
        if (!ACTIONS.includes(rule.action as string)) issues.push(`${rw}.action must be one of ${ACTIONS.join(', ')}`);
        if (rule.name !== undefined) {
          if (typeof rule.name !== 'string' || rule.name === '') issues.push(`${rw}.name must be a non-empty string`);
          else if (names.has(rule.name)) issues.push(`${rw}.name "${rule.name}" is used twice`);
          else names.add(rule.name);
        }
        const peers = rule[peerField];
        if (peers !== undefined) {
          if (!Array.isArray(peers)) issues.push(`${rw}.${peerField} must be a list`);
          else
            peers.forEach((peer, k) => {
              const pw = `${rw}.${peerField}[${k}]`;
              if (!isObj(peer)) return void issues.push(`${pw} must be a map`);
              unknown(peer, ['podSelector', 'namespaceSelector', 'ipBlock'], pw, issues);
              if (peer.ipBlock !== undefined) {
                if (!isObj(peer.ipBlock) || typeof peer.ipBlock.cidr !== 'string' || !parseCidr(peer.ipBlock.cidr)) issues.push(`${pw}.ipBlock.cidr must be a CIDR`);
                return;
              }
              if (peer.podSelector === undefined && peer.namespaceSelector === undefined) issues.push(`${pw}: needs podSelector, namespaceSelector or ipBlock`);
              for (const f of ['podSelector', 'namespaceSelector'] as const) {
                const problem = peer[f] === undefined ? undefined : selectorProblem(peer[f]);
                if (problem) issues.push(`${pw}.${f} ${problem}`);
              }
            });
        }
        if (rule.ports !== undefined) {
          if (!Array.isArray(rule.ports)) issues.push(`${rw}.ports must be a list`);
          else
            rule.ports.forEach((port, k) => {
              const pw = `${rw}.ports[${k}]`;
              if (!isObj(port)) return void issues.push(`${pw} must be a map`);
              unknown(port, ['protocol', 'port', 'endPort'], pw, issues);
              if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as string)) issues.push(`${pw}.protocol must be TCP, UDP or SCTP`);
              if (port.port !== undefined && !validPort(port.port)) issues.push(`${pw}.port must be a number 1-65535 (named ports are not modelled)`);
              if (port.endPort !== undefined && (!validPort(port.endPort) || port.port === undefined || (port.endPort as number) < (port.port as number))) {
                issues.push(`${pw}.endPort must be a port >= port`);
              }
            });
        }
      });
    }
  });

  list(s.liveTraffic, 'liveTraffic', issues).forEach((c, i) => {
    const where = `liveTraffic[${i}]`;
    if (!isObj(c)) return void issues.push(`${where}: must be a map with from, to, protocol, dstPort`);
    unknown(c, ['from', 'to', 'protocol', 'dstPort', 'srcPort', 'startAfterSeconds'], where, issues);
    if (typeof c.from !== 'string' || !podKeys.has(c.from)) issues.push(`${where}: from must name a scenario pod as "namespace/name" (got ${JSON.stringify(c.from)})`);
    else if (ctx.pods.find((p) => `${p.namespace}/${p.name}` === c.from)?.hostNetwork) issues.push(`${where}: from must not be a hostNetwork pod`);
    if (typeof c.to !== 'string' || !(podKeys.has(c.to) || parseIp(c.to)?.family === 4)) issues.push(`${where}: to must be a scenario pod "namespace/name" or an IPv4 address (got ${JSON.stringify(c.to)})`);
    const proto = c.protocol ?? 'TCP';
    if (!['TCP', 'UDP', 'ICMP'].includes(proto as string)) issues.push(`${where}: protocol must be TCP, UDP or ICMP`);
    if (proto !== 'ICMP' && !validPort(c.dstPort)) issues.push(`${where}: dstPort (1-65535) is required for ${String(proto)}`);
    if (c.srcPort !== undefined && !validPort(c.srcPort)) issues.push(`${where}: srcPort must be 1-65535`);
    if (c.startAfterSeconds !== undefined && (typeof c.startAfterSeconds !== 'number' || c.startAfterSeconds < 0 || c.startAfterSeconds > 300)) {
      issues.push(`${where}: startAfterSeconds must be a number from 0 to 300`);
    }
  });
}

function list(v: unknown, field: string, issues: string[]): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    issues.push(`${field}: must be a list`);
    return [];
  }
  return v;
}

function unknown(o: Obj, allowed: string[], where: string, issues: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) issues.push(`${where}: unknown field "${k}" (allowed: ${allowed.join(', ')})`);
}

function validPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}
