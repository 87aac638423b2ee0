/**
 * Validation of the Antrea-only parts of a scenario: `antreaNetworkPolicies` (a subset of
 * `crd.antrea.io/v1beta1` NetworkPolicy), `liveTraffic` connections, and what the Antrea flavour
 * does not model in the rest (IPv6, IPv6 ipBlocks). Pure, like the rest of the scenario
 * validator: every problem is returned with the entry it belongs to. The rule is that the lab
 * refuses what it does not model faithfully — it never accepts a field and ignores it.
 */
import { cidrsOverlap, parseCidr, parseIp } from './ip-address.js';
import { matches, selectorProblem } from './label-selector.js';
import type { AntreaPolicyRule, LabelSelector, ScenarioPod } from './scenario-types.js';
import { antreaRuleName } from '../antrea/rule-name.js';
import { ANTREA_TIER_PRIORITIES, BASELINE_TIER_PRIORITY, initialRulePriority } from '../antrea/policy-priority.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ACTIONS = ['Allow', 'Drop', 'Reject', 'Pass'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
/** Antrea's static tiers (the lab does not model custom Tier objects). */
export const ANTREA_TIERS: Readonly<Record<string, number>> = ANTREA_TIER_PRIORITIES;

/** Fields of the real CRD that the lab does not model, with what they are (for the error). */
const UNMODELLED = {
  spec: { subjects: 'subjects', scope: 'scope' },
  appliedTo: {
    namespaceSelector: 'namespaceSelector appliedTo',
    group: 'Group appliedTo',
    serviceAccount: 'serviceAccount appliedTo',
    externalEntitySelector: 'ExternalEntity appliedTo',
    service: 'Service appliedTo',
    nodeSelector: 'nodeSelector appliedTo',
  },
  rule: {
    protocols: 'protocols (ICMP/IGMP matches)',
    l7Protocols: 'layer-7 rules',
    toServices: 'toServices',
    enableLogging: 'policy logging',
    logLabel: 'policy logging',
  },
  peer: {
    namespaces: 'namespaces (match: Self / sameLabels)',
    group: 'Group peers',
    fqdn: 'FQDN peers',
    serviceAccount: 'serviceAccount peers',
    nodeSelector: 'nodeSelector peers',
    externalEntitySelector: 'ExternalEntity peers',
    scope: 'ClusterSet scope',
  },
  port: { sourcePort: 'source-port matches', sourceEndPort: 'source-port matches' },
} as const;

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
  if (Array.isArray(s.services) && s.services.some((v) => isObj(v) && v.clusterIPv6 !== undefined)) issues.push('services: clusterIPv6 is not supported by the antrea flavour (IPv4 pipeline only)');
  k8sPolicyLimits(s.networkPolicies, issues);
  const podKeys = new Set(ctx.pods.map((p) => `${p.namespace}/${p.name}`));
  const seen = new Set<string>();
  const placed: PlacedRule[] = [];
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
    const namespace = np.namespace;
    unmodelled(spec, UNMODELLED.spec, `${where}: spec`, issues);
    unknown(spec, ['tier', 'priority', 'appliedTo', 'ingress', 'egress', ...Object.keys(UNMODELLED.spec)], `${where}: spec`, issues);
    let tierPrio: number | undefined = ANTREA_TIER_PRIORITIES.application;
    if (spec.tier !== undefined) {
      tierPrio = typeof spec.tier === 'string' ? ANTREA_TIER_PRIORITIES[spec.tier.toLowerCase()] : undefined;
      if (tierPrio === undefined) issues.push(`${where}: spec.tier must be one of ${Object.keys(ANTREA_TIER_PRIORITIES).join(', ')} (the lab has Antrea's static tiers only, no custom Tier objects)`);
    }
    const priorityOk = typeof spec.priority === 'number' && Number.isFinite(spec.priority) && spec.priority >= 1 && spec.priority <= 10000;
    if (!priorityOk) issues.push(`${where}: spec.priority must be a number from 1 to 10000`);
    const appliedOf = (field: unknown, aw: string): ScenarioPod[] | undefined => {
      if (!Array.isArray(field) || field.length === 0) {
        issues.push(`${aw} must be a non-empty list of { podSelector }`);
        return undefined;
      }
      const pods = new Map<string, ScenarioPod>();
      field.forEach((a, k) => {
        const w = `${aw}[${k}]`;
        if (!isObj(a)) return void issues.push(`${w} must be a map with a podSelector`);
        unmodelled(a, UNMODELLED.appliedTo, w, issues);
        unknown(a, ['podSelector', ...Object.keys(UNMODELLED.appliedTo)], w, issues);
        if (a.podSelector === undefined) return void issues.push(`${w} needs a podSelector (the lab models pod appliedTo only)`);
        const problem = selectorProblem(a.podSelector);
        if (problem) return void issues.push(`${w}.podSelector ${problem}`);
        const selected = ctx.pods.filter((p) => p.namespace === namespace && !p.hostNetwork && matches(a.podSelector as LabelSelector, p.labels));
        if (selected.length === 0) issues.push(`${w}.podSelector matches no pod in namespace "${namespace}"`);
        for (const p of selected) pods.set(`${p.namespace}/${p.name}`, p);
      });
      return [...pods.values()];
    };
    const policyApplied = spec.appliedTo === undefined ? undefined : appliedOf(spec.appliedTo, `${where}: spec.appliedTo`);
    const rules = (['ingress', 'egress'] as const).flatMap((dir) => {
      if (spec[dir] === undefined) return [];
      if (!Array.isArray(spec[dir])) {
        issues.push(`${where}: spec.${dir} must be a list`);
        return [];
      }
      return (spec[dir] as unknown[]).map((rule, r) => ({ dir, rule, r }));
    });
    if (spec.appliedTo === undefined && rules.length === 0) issues.push(`${where}: spec.appliedTo is required (or an appliedTo in every rule)`);
    // Rule names are unique across ingress and egress (Antrea's validator).
    const names = new Set<string>();
    for (const { dir, rule, r } of rules) {
      const rw = `${where}: spec.${dir}[${r}]`;
      if (!isObj(rule)) {
        issues.push(`${rw} must be a map`);
        continue;
      }
      const peerField = dir === 'ingress' ? 'from' : 'to';
      unmodelled(rule, UNMODELLED.rule, rw, issues);
      unknown(rule, ['action', 'name', peerField, 'ports', 'appliedTo', ...Object.keys(UNMODELLED.rule)], rw, issues);
      if (!ACTIONS.includes(rule.action as string)) issues.push(`${rw}.action must be one of ${ACTIONS.join(', ')}`);
      else if (rule.action === 'Pass' && tierPrio === BASELINE_TIER_PRIORITY) issues.push(`${rw}.action: Pass is not allowed in the baseline tier (Antrea refuses it)`);
      if (rule.name !== undefined) {
        if (typeof rule.name !== 'string' || rule.name === '') issues.push(`${rw}.name must be a non-empty string`);
        else if (names.has(rule.name)) issues.push(`${rw}.name "${rule.name}" is used twice (rule names are unique within a policy)`);
        else names.add(rule.name);
      } else if (ACTIONS.includes(rule.action as string)) {
        // antrea-controller names an unnamed rule after its content; two identical unnamed rules
        // get the same name, and Antrea then refuses the policy.
        const generated = antreaRuleName(dir === 'ingress' ? 'Ingress' : 'Egress', rule as unknown as AntreaPolicyRule);
        if (names.has(generated)) issues.push(`${rw}: its generated name "${generated}" is the name of another rule (Antrea refuses duplicate rule names); name the rules`);
        else names.add(generated);
      }
      let applied = policyApplied;
      if (rule.appliedTo !== undefined) {
        if (spec.appliedTo !== undefined) issues.push(`${rw}.appliedTo: appliedTo cannot be set both in spec and in rules`);
        else applied = appliedOf(rule.appliedTo, `${rw}.appliedTo`);
      } else if (spec.appliedTo === undefined) issues.push(`${rw}: needs an appliedTo (spec.appliedTo is not set)`);
      const peers = rule[peerField];
      if (peers !== undefined) {
        if (!Array.isArray(peers)) issues.push(`${rw}.${peerField} must be a list`);
        else peers.forEach((peer, k) => validatePeer(peer, `${rw}.${peerField}[${k}]`, issues));
      }
      if (rule.ports !== undefined) {
        if (!Array.isArray(rule.ports)) issues.push(`${rw}.ports must be a list`);
        else rule.ports.forEach((port, k) => validatePort(port, `${rw}.ports[${k}]`, issues));
      }
      if (priorityOk && tierPrio !== undefined && applied) placed.push({ where: rw, policy: key, tierPrio, priority: spec.priority as number, index: r, ingress: dir === 'ingress', applied: new Set(applied.map((p) => `${p.namespace}/${p.name}`)) });
    }
  });
  priorityProblems(placed, issues);

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

/** K8s NetworkPolicy parts the Antrea flavour cannot model (the shared validator checks the rest). */
function k8sPolicyLimits(policies: unknown, issues: string[]): void {
  if (!Array.isArray(policies)) return;
  policies.forEach((np, i) => {
    if (!isObj(np) || !isObj(np.spec)) return;
    for (const dir of ['ingress', 'egress'] as const) {
      const rules = np.spec[dir];
      if (!Array.isArray(rules)) continue;
      const peerField = dir === 'ingress' ? 'from' : 'to';
      rules.forEach((rule, r) => {
        // A string port is a named port; the API only takes IANA service names (a letter needed),
        // so "80" as a string is refused rather than planned as a name no pod has.
        const ports = isObj(rule) && Array.isArray(rule.ports) ? rule.ports : [];
        ports.forEach((port, k) => {
          if (isObj(port) && typeof port.port === 'string' && !isPortName(port.port)) issues.push(`networkPolicies[${i}]: spec.${dir}[${r}].ports[${k}].port "${port.port}" is not a container port name (a lowercase IANA service name with a letter)`);
        });
        const peers = isObj(rule) ? rule[peerField] : undefined;
        if (!Array.isArray(peers)) return;
        peers.forEach((peer, k) => {
          if (!isObj(peer) || !isObj(peer.ipBlock)) return;
          const cidrs = [peer.ipBlock.cidr, ...(Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except : [])];
          if (cidrs.some((c) => typeof c === 'string' && parseCidr(c)?.family === 6)) {
            issues.push(`networkPolicies[${i}]: spec.${dir}[${r}].${peerField}[${k}].ipBlock: IPv6 CIDRs are not supported by the antrea flavour (IPv4 pipeline only)`);
          }
        });
      });
    }
  });
}

function validatePeer(peer: unknown, pw: string, issues: string[]): void {
  if (!isObj(peer)) return void issues.push(`${pw} must be a map`);
  unmodelled(peer, UNMODELLED.peer, pw, issues);
  unknown(peer, ['podSelector', 'namespaceSelector', 'ipBlock', ...Object.keys(UNMODELLED.peer)], pw, issues);
  if (peer.ipBlock !== undefined) {
    if (peer.podSelector !== undefined || peer.namespaceSelector !== undefined) issues.push(`${pw}: ipBlock cannot be combined with podSelector or namespaceSelector`);
    if (!isObj(peer.ipBlock)) return void issues.push(`${pw}.ipBlock must be a map with cidr (and except)`);
    unknown(peer.ipBlock, ['cidr', 'except'], `${pw}.ipBlock`, issues);
    const cidr = typeof peer.ipBlock.cidr === 'string' ? parseCidr(peer.ipBlock.cidr) : undefined;
    if (!cidr) return void issues.push(`${pw}.ipBlock.cidr must be a CIDR`);
    if (cidr.family !== 4) return void issues.push(`${pw}.ipBlock.cidr: IPv6 CIDRs are not supported by the antrea flavour (IPv4 pipeline only)`);
    const except = peer.ipBlock.except;
    if (except === undefined) return;
    if (!Array.isArray(except)) return void issues.push(`${pw}.ipBlock.except must be a list of CIDRs`);
    except.forEach((e, k) => {
      const ec = typeof e === 'string' ? parseCidr(e) : undefined;
      if (!ec) issues.push(`${pw}.ipBlock.except[${k}] ${JSON.stringify(e)} is not a CIDR`);
      else if (ec.family !== 4 || ec.prefix < cidr.prefix || !cidrsOverlap(ec, cidr)) issues.push(`${pw}.ipBlock.except[${k}] ${String(e)} is not inside ${String((peer.ipBlock as Obj).cidr)}`);
    });
    return;
  }
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) issues.push(`${pw}: needs podSelector, namespaceSelector or ipBlock`);
  for (const f of ['podSelector', 'namespaceSelector'] as const) {
    const problem = peer[f] === undefined ? undefined : selectorProblem(peer[f]);
    if (problem) issues.push(`${pw}.${f} ${problem}`);
  }
}

function validatePort(port: unknown, pw: string, issues: string[]): void {
  if (!isObj(port)) return void issues.push(`${pw} must be a map`);
  unmodelled(port, UNMODELLED.port, pw, issues);
  unknown(port, ['protocol', 'port', 'endPort', ...Object.keys(UNMODELLED.port)], pw, issues);
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as string)) issues.push(`${pw}.protocol must be TCP, UDP or SCTP`);
  if (port.port !== undefined && !validPort(port.port) && !(typeof port.port === 'string' && isPortName(port.port))) {
    issues.push(`${pw}.port must be a number 1-65535 or a container port name`);
  }
  if (port.endPort !== undefined) {
    if (typeof port.port !== 'number') issues.push(`${pw}.endPort needs a numeric port (Antrea: "if \`endPort\` is specified \`port\` must be specified" and must not be a named port)`);
    else if (!validPort(port.endPort) || (port.endPort as number) < port.port) issues.push(`${pw}.endPort must be a port >= port`);
  }
}

/** One Antrea-native rule placed in its table, for the priority checks. */
interface PlacedRule {
  where: string;
  policy: string;
  tierPrio: number;
  priority: number;
  index: number;
  ingress: boolean;
  applied: Set<string>;
}

/**
 * The lab gives each rule the agent's first-choice OpenFlow priority. Refused: a rule whose
 * priority falls outside the table's range or would not keep Antrea's order (the agent would
 * re-arrange priorities, which the lab does not model), and two policies in the same tier with
 * the same priority applied to the same pod (Antrea leaves their order undefined).
 */
function priorityProblems(placed: PlacedRule[], issues: string[]): void {
  for (const ingress of [true, false]) {
    for (const baseline of [true, false]) {
      const rules = placed
        .filter((p) => p.ingress === ingress && (p.tierPrio === BASELINE_TIER_PRIORITY) === baseline)
        .map((p) => ({ ...p, of: initialRulePriority(p.tierPrio, p.priority, p.index) }))
        .sort((a, b) => a.tierPrio - b.tierPrio || a.priority - b.priority || a.index - b.index);
      for (const r of rules) if (r.of === undefined) issues.push(`${r.where}: its OpenFlow priority falls outside Antrea's range for its tier (the agent would re-arrange priorities, which the lab does not model); use a lower spec.priority or fewer rules`);
      for (let i = 1; i < rules.length; i++) {
        const a = rules[i - 1]!;
        const b = rules[i]!;
        if (a.of === undefined || b.of === undefined) continue;
        const sameRank = a.tierPrio === b.tierPrio && a.priority === b.priority && a.index === b.index;
        if (sameRank) {
          if (a.policy !== b.policy && [...a.applied].some((k) => b.applied.has(k))) {
            issues.push(`${b.where}: has the same tier, priority and rule index as ${a.where} and applies to the same pods; Antrea leaves the order of such rules undefined — give the policies different priorities`);
          }
        } else if (b.of >= a.of) {
          issues.push(`${b.where}: Antrea's initial OpenFlow priority ${b.of} does not stay below ${a.where} (${a.of}); the agent would re-arrange priorities, which the lab does not model — space the policy priorities further apart or use fewer rules`);
        }
      }
    }
  }
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
  for (const k of Object.keys(o)) if (!allowed.includes(k)) issues.push(`${where}: unknown field "${k}" (allowed: ${allowed.filter((a) => !isUnmodelled(a)).join(', ')})`);
}

const ALL_UNMODELLED = new Set(Object.values(UNMODELLED).flatMap((m) => Object.keys(m)));
const isUnmodelled = (k: string) => ALL_UNMODELLED.has(k);

/** Names a real Antrea field the lab does not model (never accepted and ignored). */
function unmodelled(o: Obj, fields: Readonly<Record<string, string>>, where: string, issues: string[]): void {
  for (const [k, what] of Object.entries(fields)) {
    if (o[k] === undefined) continue;
    // `enableLogging: false` is the default: nothing to model.
    if (k === 'enableLogging' && o[k] === false) continue;
    issues.push(`${where}.${k}: ${what} is not modelled by the lab's antrea flavour; remove the field`);
  }
}

/** IANA_SVC_NAME: at most 15 lowercase letters, digits and dashes, with a letter. */
function isPortName(v: string): boolean {
  return DNS_LABEL.test(v) && v.length <= 15 && /[a-z]/.test(v) && !v.includes('--');
}

function validPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}
