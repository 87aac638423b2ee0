/**
 * Kubernetes NetworkPolicies → OVN port groups, address sets and ACLs, following ovn-kubernetes'
 * default network controller (`base_network_controller_policy.go`, `gress_policy.go`,
 * `libovsdb/ops/db_object_types.go`):
 *
 * - one port group per policy (name `HashForOVN(<primary id>)`) holding the selected local pods;
 * - per namespace with policies, two shared default-deny port groups, named `HashForOVN(<primary
 *   id>)` with owner-type `NetpolNamespace` external_ids (ovn-kubernetes since 2024-04); the
 *   `v2023` and `legacy` styles name them `<HashForOVN(namespace)>_ingressDefaultDeny` /
 *   `_egressDefaultDeny` with external_ids `name` (the form in older clusters and docs);
 * - default-deny ACLs: priority 1000 drop (`outport == @pg` to-lport for ingress, `inport == @pg`
 *   from-lport + apply-after-lb for egress) and priority 1001 `(arp || nd)` allow;
 * - allow ACLs, priority 1001 allow-related, one per rule × protocol (× ipBlock), with
 *   external_ids `k8s.ovn.org/name=<ns>:<policy>`, `direction`, `gress-index`,
 *   `port-policy-protocol`, `ip-block-index` and name `NP:<ns>:<policy>:<Direction>:<index>`;
 * - peers: namespaceSelector-only peers use the namespaces' address sets, pod selectors use a
 *   pod-selector address set (owner-type `PodSelector`). ipBlocks become one ACL each
 *   (`ip4.src == cidr && ip4.src != {except}`), the per-block form ovn-kubernetes used before it
 *   merged blocks into one prefix set.
 * - named ports in a policy cannot be resolved per pod in OVN: like ovn-kubernetes, they allow
 *   the whole protocol.
 * - ACL logging: a namespace's `k8s.ovn.org/acl-logging` annotation sets `log`/`severity` on its
 *   policy ACLs (deny level on drops, allow level on allows, never on the ARP allow); every
 *   policy ACL names the `acl-logging` meter.
 * - scenario `ovn.aclExternalIds`: `current` (default, ovn-kubernetes since 2024-04), `v2023`
 *   (current ACL ids, port groups of before 5aa56d377), `legacy` (also the ACL names and
 *   external_ids of before the 2023-04 db ids: gress_policy.go/policy.go before 2aab19eef/28396ad5a).
 */
import { mustParseCidr } from '../scenario/ip-address.js';
import { isEmptySelector, matches, selectorToString } from '../scenario/label-selector.js';
import type { LabelSelector, NetworkPolicyPeer, NetworkPolicyPort, Scenario, ScenarioNetworkPolicy, ScenarioPod } from '../scenario/scenario-types.js';
import { ACL_LOGGING_METER, DEFAULT_CONTROLLER, hashForOvn, podIps, podLspName } from './ovn-names.js';
import type { DbCommand } from './ovn-plan-types.js';
import { atom, mapArgs, setArg } from './ovsdb-syntax.js';

const OWNER_CONTROLLER = 'k8s.ovn.org/owner-controller';
const OWNER_TYPE = 'k8s.ovn.org/owner-type';
const OBJECT_NAME = 'k8s.ovn.org/name';
const PRIMARY_ID = 'k8s.ovn.org/id';
/** ovn-kubernetes types.DefaultDenyPriority / DefaultAllowPriority. */
export const DEFAULT_DENY_PRIORITY = 1000;
export const DEFAULT_ALLOW_PRIORITY = 1001;

type Direction = 'Ingress' | 'Egress';

/** A planned ACL (one NB ACL row) and the port group or switch it is attached to. */
export interface PlannedAcl {
  name?: string;
  direction: 'to-lport' | 'from-lport';
  priority: number;
  match: string;
  action: 'allow' | 'allow-related' | 'drop';
  externalIds: Record<string, string>;
  options: Record<string, string>;
  /** ovn-kubernetes names the ACL logging meter on every policy ACL (logged or not). */
  meter?: string;
  /** ACL logging (`k8s.ovn.org/acl-logging` on the namespace): `log=true` and the severity. */
  log?: boolean;
  severity?: string;
}

/** The namespace annotation ovn-kubernetes reads for ACL logging. */
export const ACL_LOGGING_ANNOTATION = 'k8s.ovn.org/acl-logging';
/** OVN ACL severities (ovn-nb(5)). */
export const ACL_SEVERITIES = ['alert', 'warning', 'notice', 'info', 'debug'];

/** ACL logging levels of a namespace, from its `k8s.ovn.org/acl-logging` annotation. */
export interface AclLoggingLevels {
  allow?: string;
  deny?: string;
}

/** Parses `{"deny":"info","allow":"info"}`; undefined when absent or not JSON (the validator refuses that). */
export function parseAclLogging(raw: string | undefined): AclLoggingLevels | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const level = (x: unknown) => (typeof x === 'string' && ACL_SEVERITIES.includes(x) ? x : undefined);
    const out: AclLoggingLevels = {};
    if (level(v.allow)) out.allow = level(v.allow);
    if (level(v.deny)) out.deny = level(v.deny);
    return out;
  } catch {
    return undefined;
  }
}

/** ovn-kubernetes' getLogSeverity: allow levels for allow actions, deny levels for drop/reject. */
function logFields(action: PlannedAcl['action'], levels: AclLoggingLevels | undefined): Pick<PlannedAcl, 'log' | 'severity'> {
  const severity = action === 'drop' ? levels?.deny : levels?.allow;
  return severity ? { log: true, severity } : {};
}

/** The external_ids style and the namespaces' logging levels, which every ACL builder needs. */
interface PolicyStyle {
  /** ACL names and external_ids of ovn-kubernetes before its 2023-04 db ids. */
  legacy: boolean;
  /**
   * Port group names and external_ids before 2024-04 (5aa56d377): `HashForOVN(<ns>_<policy>)` and
   * `<HashForOVN(ns)>_<ingress|egress>DefaultDeny`, external_ids `name` only.
   */
  legacyPortGroups: boolean;
  logging: (namespace: string) => AclLoggingLevels | undefined;
}

function styleOf(scenario: Scenario): PolicyStyle {
  const levels = new Map((scenario.namespaces ?? []).map((ns) => [ns.name, parseAclLogging(ns.annotations?.[ACL_LOGGING_ANNOTATION])]));
  const ids = scenario.ovn?.aclExternalIds ?? 'current';
  return { legacy: ids === 'legacy', legacyPortGroups: ids !== 'current', logging: (ns) => levels.get(ns) };
}

export interface PlannedPortGroup {
  name: string;
  ports: string[];
  externalIds: Record<string, string>;
  acls: PlannedAcl[];
}

export interface PlannedAddressSet {
  name: string;
  addresses: string[];
  externalIds: Record<string, string>;
}

/** Everything one zone needs for NetworkPolicies. */
export interface NetworkPolicyPlan {
  addressSets: PlannedAddressSet[];
  portGroups: PlannedPortGroup[];
}

/** Builds ovn-kubernetes-style external_ids from an owner type and ordered id values. */
export function dbObjectIds(ownerType: string, ids: Array<[string, string]>): Record<string, string> {
  const primary = [DEFAULT_CONTROLLER, ownerType, ...ids.map(([, v]) => v)].join(':');
  return { [OWNER_CONTROLLER]: DEFAULT_CONTROLLER, [OWNER_TYPE]: ownerType, ...Object.fromEntries(ids), [PRIMARY_ID]: primary };
}

/**
 * Name of a namespace's default-deny port group: HashForOVN of its primary id (current, since
 * 2024-04), or `<HashForOVN(namespace)>_ingressDefaultDeny` / `_egressDefaultDeny` (before).
 */
export function defaultDenyPortGroupName(namespace: string, dir: Direction, legacy = false): string {
  if (legacy) return `${hashForOvn(namespace)}_${dir === 'Ingress' ? 'ingressDefaultDeny' : 'egressDefaultDeny'}`;
  return hashForOvn(defaultDenyPortGroupIds(namespace, dir)[PRIMARY_ID]!);
}

function defaultDenyPortGroupIds(namespace: string, dir: Direction): Record<string, string> {
  return dbObjectIds('NetpolNamespace', [
    [OBJECT_NAME, namespace],
    ['direction', dir],
  ]);
}

/**
 * Name of a policy's own port group: HashForOVN of its primary id (current), or of
 * `<namespace>_<name>` (legacy `getNetworkPolicyPGName`).
 */
export function policyPortGroupName(namespace: string, name: string, legacy = false): string {
  return legacy ? hashForOvn(`${namespace}_${name}`) : hashForOvn(policyPortGroupIds(namespace, name)[PRIMARY_ID]!);
}

function policyPortGroupIds(namespace: string, name: string, legacy = false): Record<string, string> {
  return legacy ? { name: `${namespace}_${name}` } : dbObjectIds('NetworkPolicy', [[OBJECT_NAME, `${namespace}:${name}`]]);
}

/** The two address sets (v4, v6) of a namespace: every pod IP in it. */
export function namespaceAddressSets(namespace: string, pods: ScenarioPod[]): PlannedAddressSet[] {
  return addressSetPair('Namespace', namespace, pods.filter((p) => p.namespace === namespace));
}

function addressSetPair(ownerType: string, objectName: string, pods: ScenarioPod[]): PlannedAddressSet[] {
  const ips = pods.filter((p) => !p.hostNetwork).flatMap(podIps);
  return (['v4', 'v6'] as const).map((fam) => {
    const ids = dbObjectIds(ownerType, [
      [OBJECT_NAME, objectName],
      ['ip-family', fam],
    ]);
    return {
      name: hashForOvn(ids[PRIMARY_ID]!),
      addresses: ips.filter((ip) => (fam === 'v4') === !ip.includes(':')).sort(),
      externalIds: ids,
    };
  });
}

/** Policy types, defaulted like Kubernetes: Ingress always, Egress when egress rules exist. */
export function policyTypes(np: ScenarioNetworkPolicy): Direction[] {
  if (np.spec.policyTypes && np.spec.policyTypes.length > 0) return [...new Set(np.spec.policyTypes)];
  return np.spec.egress && np.spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Pods a policy applies to (non-host-network pods in its namespace matching spec.podSelector). */
export function selectedPods(scenario: Scenario, np: ScenarioNetworkPolicy): ScenarioPod[] {
  return scenario.pods.filter((p) => !p.hostNetwork && p.namespace === np.namespace && matches(np.spec.podSelector, p.labels));
}

/**
 * Plans port groups, address sets and ACLs for one zone. `isLocal` says whether a pod's LSP lives
 * in this zone (ovn-kubernetes only puts local pods into port groups; peer address sets hold the
 * IPs of all pods in the cluster).
 */
export function planNetworkPolicies(scenario: Scenario, isLocal: (pod: ScenarioPod) => boolean): NetworkPolicyPlan {
  const ipv4 = scenario.pods.some((p) => !p.hostNetwork && p.ip);
  const ipv6 = scenario.pods.some((p) => !p.hostNetwork && p.ipv6);
  const addressSets = new Map<string, PlannedAddressSet>();
  const addSets = (sets: PlannedAddressSet[]): void => sets.forEach((s) => addressSets.set(s.name, s));
  const namespaces = namespaceLabels(scenario);
  // ovn-kubernetes keeps an address set for every namespace.
  for (const ns of namespaces.keys()) addSets(namespaceAddressSets(ns, scenario.pods));

  const style = styleOf(scenario);
  const portGroups: PlannedPortGroup[] = [];
  const denyPorts = new Map<string, { Ingress: Set<string>; Egress: Set<string> }>();
  for (const np of scenario.networkPolicies ?? []) {
    const types = policyTypes(np);
    const local = selectedPods(scenario, np).filter(isLocal).map((p) => podLspName(p.namespace, p.name));
    const deny = denyPorts.get(np.namespace) ?? { Ingress: new Set<string>(), Egress: new Set<string>() };
    denyPorts.set(np.namespace, deny);
    for (const t of types) local.forEach((p) => deny[t].add(p));

    const pgName = policyPortGroupName(np.namespace, np.name, style.legacyPortGroups);
    const acls: PlannedAcl[] = [];
    for (const dir of types) {
      const rules = dir === 'Ingress' ? (np.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (np.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
      rules.forEach((rule, idx) => {
        acls.push(...ruleAcls(scenario, np, dir, idx, pgName, rule.peers, rule.ports, namespaces, { ipv4, ipv6 }, addSets, style));
      });
    }
    portGroups.push({ name: pgName, ports: local, externalIds: policyPortGroupIds(np.namespace, np.name, style.legacyPortGroups), acls });
  }
  for (const [ns, ports] of denyPorts) {
    for (const dir of ['Ingress', 'Egress'] as const) {
      const pg = defaultDenyPortGroupName(ns, dir, style.legacyPortGroups);
      portGroups.push({
        name: pg,
        ports: [...ports[dir]].sort(),
        externalIds: style.legacyPortGroups ? { name: pg } : defaultDenyPortGroupIds(ns, dir),
        acls: defaultDenyAcls(ns, dir, pg, style),
      });
    }
  }
  return { addressSets: [...addressSets.values()], portGroups };
}

function namespaceLabels(scenario: Scenario): Map<string, Record<string, string>> {
  const m = new Map<string, Record<string, string>>([['default', { 'kubernetes.io/metadata.name': 'default' }]]);
  for (const ns of scenario.namespaces ?? []) m.set(ns.name, { ...(ns.labels ?? {}), 'kubernetes.io/metadata.name': ns.name });
  return m;
}

function pipeline(dir: Direction): Pick<PlannedAcl, 'direction' | 'options'> {
  // Egress policy ACLs run after load balancing so they see the DNATed backend address.
  return dir === 'Ingress' ? { direction: 'to-lport', options: {} } : { direction: 'from-lport', options: { 'apply-after-lb': 'true' } };
}

function lportMatch(dir: Direction, pg: string): string {
  return dir === 'Ingress' ? `outport == @${pg}` : `inport == @${pg}`;
}

function defaultDenyAcls(ns: string, dir: Direction, pg: string, style: PolicyStyle): PlannedAcl[] {
  // Legacy (before ovn-kubernetes' 2023-04 db ids): names `<ns>_<ingress|egress>DefaultDeny` and
  // `<ns>_ARPallowPolicy`, external_ids only `default-deny-policy-type`.
  const ids = (type: string): Record<string, string> =>
    style.legacy
      ? { 'default-deny-policy-type': dir }
      : dbObjectIds('NetpolNamespace', [
          [OBJECT_NAME, ns],
          ['direction', dir],
          ['type', type],
        ]);
  const denyName = style.legacy ? `${ns}_${dir === 'Ingress' ? 'ingressDefaultDeny' : 'egressDefaultDeny'}` : `NP:${ns}:${dir}`;
  const arpName = style.legacy ? `${ns}_ARPallowPolicy` : `NP:${ns}:${dir}`;
  return [
    {
      name: denyName.slice(0, 63),
      ...pipeline(dir),
      priority: DEFAULT_DENY_PRIORITY,
      match: lportMatch(dir, pg),
      action: 'drop',
      externalIds: ids('defaultDeny'),
      meter: ACL_LOGGING_METER,
      ...logFields('drop', style.logging(ns)),
    },
    // The ARP/ND allow ACL is never logged (built with nil logging levels).
    { name: arpName.slice(0, 63), ...pipeline(dir), priority: DEFAULT_ALLOW_PRIORITY, match: `${lportMatch(dir, pg)} && (arp || nd)`, action: 'allow', externalIds: ids('arpAllow'), meter: ACL_LOGGING_METER },
  ];
}

/**
 * ovn-kubernetes' L4 matches per protocol (`GetL4MatchesFromNetworkPolicyPorts` and
 * `getProtocolPortsMap`, go-controller/pkg/libovsdb/util/acl.go). A named port is port 0
 * (`addPortPolicy` takes `Port.IntVal`), and a port-less entry too; port 0 adds nothing to its
 * protocol's port list, so a protocol matches as a whole only when none of its entries has a
 * number or a range — beside numbered entries of the same protocol, a port-less or named entry
 * is lost (only the numbers match).
 */
export function l4Matches(ports: NetworkPolicyPort[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!ports || ports.length === 0) return new Map([['None', 'None']]);
  const byProto = new Map<string, { list: string[]; ranges: string[] }>();
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const e = byProto.get(proto) ?? { list: [], ranges: [] };
    byProto.set(proto, e);
    const port = typeof p.port === 'number' ? p.port : 0;
    const endPort = p.endPort ?? 0;
    if (endPort !== 0 && endPort !== port) e.ranges.push(`${port}<=${proto}.dst<=${endPort}`);
    else if (port !== 0) e.list.push(String(port));
  }
  for (const [proto, e] of byProto) {
    const parts: string[] = [];
    if (e.list.length === 1) parts.push(`${proto}.dst==${e.list[0]}`);
    else if (e.list.length > 1) parts.push(`${proto}.dst=={${e.list.join(',')}}`);
    parts.push(...e.ranges);
    out.set(proto, parts.length === 0 ? proto : parts.length > 1 ? `${proto} && (${parts.join(' || ')})` : `${proto} && ${parts[0]}`);
  }
  return out;
}

function ruleAcls(
  scenario: Scenario,
  np: ScenarioNetworkPolicy,
  dir: Direction,
  idx: number,
  pg: string,
  peers: NetworkPolicyPeer[] | undefined,
  ports: NetworkPolicyPort[] | undefined,
  namespaces: Map<string, Record<string, string>>,
  mode: { ipv4: boolean; ipv6: boolean },
  addSets: (s: PlannedAddressSet[]) => void,
  style: PolicyStyle,
): PlannedAcl[] {
  const side = dir === 'Ingress' ? 'src' : 'dst';
  const lport = lportMatch(dir, pg);
  const peerList = peers ?? [];
  const ipBlocks = peerList.filter((p) => p.ipBlock).map((p) => p.ipBlock!);
  const selectorPeers = peerList.filter((p) => !p.ipBlock);
  const isEmpty = selectorPeers.length === 0 && ipBlocks.length === 0;
  const v4Sets = new Set<string>();
  const v6Sets = new Set<string>();
  for (const peer of selectorPeers) {
    let sets: PlannedAddressSet[];
    if (peer.podSelector === undefined) {
      // namespaceSelector only: every matching namespace's own address set.
      sets = [...namespaces.entries()].filter(([, l]) => matches(peer.namespaceSelector!, l)).flatMap(([ns]) => namespaceAddressSets(ns, scenario.pods));
    } else {
      const nsNames = peer.namespaceSelector ? [...namespaces.entries()].filter(([, l]) => matches(peer.namespaceSelector!, l)).map(([n]) => n) : [np.namespace];
      const pods = scenario.pods.filter((p) => nsNames.includes(p.namespace) && matches(peer.podSelector!, p.labels));
      sets = addressSetPair('PodSelector', podSelectorKey(np.namespace, peer.podSelector, peer.namespaceSelector), pods);
    }
    addSets(sets);
    for (const s of sets) (s.externalIds['ip-family'] === 'v4' ? v4Sets : v6Sets).add(`$${s.name}`);
  }
  const l3FromSets = (): string => {
    const v4 = mode.ipv4 && v4Sets.size > 0 ? `ip4.${side} == {${[...v4Sets].sort().join(', ')}}` : '';
    const v6 = mode.ipv6 && v6Sets.size > 0 ? `ip6.${side} == {${[...v6Sets].sort().join(', ')}}` : '';
    return v4 && v6 ? `(${v4} || ${v6})` : v4 || v6;
  };
  const allIps = mode.ipv4 && mode.ipv6 ? '(ip4 || ip6)' : mode.ipv6 ? 'ip6' : 'ip4';
  const acls: PlannedAcl[] = [];
  for (const [proto, l4] of l4Matches(ports)) {
    const withL4 = (l3: string): string => (l4 === 'None' ? `${l3} && ${lport}` : `${l3} && ${l4} && ${lport}`);
    const make = (ipBlockIdx: number, match: string): PlannedAcl => ({
      name: (style.legacy ? `${np.namespace}_${np.name}_${idx}` : `NP:${np.namespace}:${np.name}:${dir}:${idx}`).slice(0, 63),
      ...pipeline(dir),
      priority: DEFAULT_ALLOW_PRIORITY,
      match,
      action: 'allow-related',
      externalIds: style.legacy
        ? {
            // Legacy buildACLAllow: ipblock_cidr "false" for the selector ACL, "true" for the first
            // ipBlock, then its 1-based number.
            l4Match: l4,
            ipblock_cidr: ipBlockIdx < 0 ? 'false' : ipBlockIdx === 0 ? 'true' : String(ipBlockIdx + 1),
            namespace: np.namespace,
            policy: np.name,
            policy_type: dir,
            [`${dir}_num`]: String(idx),
          }
        : dbObjectIds('NetworkPolicy', [
            [OBJECT_NAME, `${np.namespace}:${np.name}`],
            ['direction', dir],
            ['gress-index', String(idx)],
            ['port-policy-protocol', proto],
            ['ip-block-index', String(ipBlockIdx)],
          ]),
      meter: ACL_LOGGING_METER,
      ...logFields('allow-related', style.logging(np.namespace)),
    });
    ipBlocks.forEach((b, i) => {
      const fam = mustParseCidr(b.cidr).family === 6 ? 'ip6' : 'ip4';
      const l3 = b.except && b.except.length > 0 ? `${fam}.${side} == ${b.cidr} && ${fam}.${side} != {${b.except.join(', ')}}` : `${fam}.${side} == ${b.cidr}`;
      acls.push(make(i, withL4(l3)));
    });
    if (selectorPeers.length > 0 || isEmpty) {
      const l3 = isEmpty ? allIps : l3FromSets();
      if (l3) acls.push(make(-1, withL4(l3)));
    }
  }
  return acls;
}

/** Object name of a pod-selector address set: `<namespace or namespace selector>_<pod selector>`. */
export function podSelectorKey(policyNamespace: string, podSelector: LabelSelector, namespaceSelector?: LabelSelector): string {
  const nsPart = namespaceSelector === undefined ? policyNamespace : isEmptySelector(namespaceSelector) ? '{}' : selectorToString(namespaceSelector);
  const podPart = isEmptySelector(podSelector) ? '{}' : selectorToString(podSelector);
  return `${nsPart}_${podPart}`;
}

/** The ACL allowing traffic from a node's management port into its pods (owner-type NetpolNode). */
export function nodeAllowAcl(node: string, mgmtIp: string): PlannedAcl {
  const fam = mgmtIp.includes(':') ? 'ip6' : 'ip4';
  return {
    direction: 'to-lport',
    options: {},
    priority: DEFAULT_ALLOW_PRIORITY,
    match: `${fam}.src==${mgmtIp}`,
    action: 'allow-related',
    externalIds: dbObjectIds('NetpolNode', [
      [OBJECT_NAME, node],
      ['ip', mgmtIp],
    ]),
  };
}

/** `create ACL` command for one planned ACL, with `@id` for attaching it. */
export function aclCreateCommand(acl: PlannedAcl, id: string): DbCommand {
  return [
    `--id=${id}`,
    'create',
    'ACL',
    `direction=${acl.direction}`,
    `priority=${acl.priority}`,
    `match=${atom(acl.match)}`,
    `action=${acl.action}`,
    ...(acl.name ? [`name=${atom(acl.name)}`] : []),
    ...(acl.meter ? [`meter=${atom(acl.meter)}`] : []),
    ...(acl.log ? ['log=true'] : []),
    ...(acl.severity ? [`severity=${acl.severity}`] : []),
    ...mapArgs('options', acl.options),
    ...mapArgs('external_ids', acl.externalIds),
  ];
}

/** Commands creating address sets, port groups (with member ports) and their ACLs. */
export function networkPolicyCommands(plan: NetworkPolicyPlan): DbCommand[] {
  const cmds: DbCommand[] = [];
  // ovn-kubernetes creates the ACL logging meter at start-up (createACLLoggingMeter: 20 pktps, fair).
  if (plan.portGroups.some((pg) => pg.acls.some((a) => a.meter === ACL_LOGGING_METER))) {
    cmds.push(['--fair', 'meter-add', ACL_LOGGING_METER, 'drop', '20', 'pktps']);
  }
  for (const as of plan.addressSets) {
    cmds.push(['create', 'Address_Set', `name=${atom(as.name)}`, setArg('addresses', as.addresses), ...mapArgs('external_ids', as.externalIds)]);
  }
  let n = 0;
  for (const pg of plan.portGroups) {
    cmds.push(['pg-add', pg.name, ...pg.ports]);
    cmds.push(['set', 'Port_Group', pg.name, ...mapArgs('external_ids', pg.externalIds)]);
    for (const acl of pg.acls) {
      const id = `@acl${n++}`;
      cmds.push(aclCreateCommand(acl, id));
      cmds.push(['add', 'Port_Group', pg.name, 'acls', id]);
    }
  }
  return cmds;
}
