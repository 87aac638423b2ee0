/**
 * What an NB ACL is, in ovn-kubernetes' terms, read from the conventions ovn-kubernetes has used
 * over time (no cluster access; a pure function of the row):
 *
 * - current (libovsdb object ids, go-controller/pkg/libovsdb/ops/db_object_types.go and
 *   db_object_ids.go): `k8s.ovn.org/owner-controller`, `k8s.ovn.org/owner-type`, `k8s.ovn.org/name`,
 *   `k8s.ovn.org/id` (= controller:owner-type:the type's keys), plus `direction`, `gress-index`,
 *   `port-policy-protocol`, `ip-block-index`, `type` (`defaultDeny`/`arpAllow`); names from
 *   pkg/libovsdb/util/acl.go GetACLName (`NP:<ns>:<policy>:<dir>:<idx>`, `NP:<ns>:<dir>`,
 *   `ANP:...`, `BANP:...`, `EF:<ns>:<idx>`, cut to 63 characters); default-deny port groups named
 *   `HashForOVN(<controller>:NetpolNamespace:<ns>:<dir>)` (pkg/libovsdb/util/port_group.go).
 * - legacy (before the object ids; pkg/ovn/policy.go and gress_policy.go of 2022, and the keys the
 *   syncer pkg/ovn/external_ids_syncer/acl/acl_sync.go still converts): default deny has
 *   `default-deny-policy-type=Ingress|Egress` (priority 1000 drop / 1001 ARP allow; multicast ACLs
 *   carry the same key at 1011/1012), is named `<ns>_<first policy>` or `<ns>_<dir>DefaultDeny`,
 *   on port group `HashForOVN(<ns>)_<dir>DefaultDeny`; rules carry `namespace`, `policy`,
 *   `policy_type`, `<Ingress|Egress>_num`, `ipblock_cidr` (`false`, `true` = first block, then
 *   N = block N-1) and `l4Match`, and are named `<ns>_<policy>_<idx>`.
 *
 * Default deny is recognised first, by any of its marks, whatever the other owner fields say: a
 * legacy default-deny ACL is named after a policy (`<ns>_<policy>`) but blocks for the namespace's
 * isolation, not for that policy's rules.
 */
import { hashForOvn } from '../ovn-k-names.js';

/** An NB ACL row, as far as attribution needs it. */
export interface NbAcl {
  uuid?: string;
  name?: string;
  direction?: string;
  priority?: number;
  match?: string;
  action?: string;
  externalIds: Record<string, string>;
}

/** Which convention the identity was read from. */
export type OvnKubeAclStyle = 'current' | 'legacy' | 'name';

/** A NetworkPolicy direction, as the policy states it. */
export type PolicyDirection = 'ingress' | 'egress';

/** What an ovn-kubernetes ACL implements. */
export type OvnKubeAclIdentity =
  | {
      kind: 'default-deny';
      /** The isolated namespace; absent when only a hashed port group name was seen and no candidate matched. */
      namespace?: string;
      direction: PolicyDirection;
      /** `defaultDeny` (the drop) or `arpAllow` (ARP/ND let through). */
      aclType: 'defaultDeny' | 'arpAllow';
      style: OvnKubeAclStyle;
      /** Which mark made it a default deny (for level-5 output). */
      evidence: string;
    }
  | {
      kind: 'network-policy';
      namespace: string;
      name: string;
      direction?: PolicyDirection;
      /** Index of the rule in the policy's `ingress`/`egress` list. */
      gressIndex?: number;
      /** `TCP`/`UDP`/`SCTP`, `None` for a rule without ports (current style). */
      protocol?: string;
      /** Index of the ipBlock peer, -1 for the selector peers. */
      ipBlockIndex?: number;
      /** The rule's L4 match (legacy `l4Match`, `None` without ports). */
      l4Match?: string;
      style: OvnKubeAclStyle;
    }
  | { kind: 'admin-network-policy' | 'baseline-admin-network-policy'; name: string; direction?: PolicyDirection; ruleIndex?: number; style: OvnKubeAclStyle }
  | { kind: 'egress-firewall'; namespace: string; ruleIndex?: number; style: OvnKubeAclStyle }
  | { kind: 'unknown' };

/** Options for {@link decodeOvnKubernetesAcl}. */
export interface DecodeOptions {
  /** Namespaces to try when only a hashed default-deny port group name identifies the namespace. */
  candidateNamespaces?: readonly string[];
}

const DEFAULT_CONTROLLER = 'default-network-controller';
/** types.DefaultMcastDenyPriority / DefaultMcastAllowPriority: same legacy key, not a namespace default deny. */
const MULTICAST_PRIORITIES = new Set([1011, 1012]);
/** ovn-kubernetes cuts ACL names to 63 characters (GetACLName's `%.63s`); older releases to 64. */
const NAME_LIMIT = 63;

function policyDirection(v: string | undefined): PolicyDirection | undefined {
  if (!v) return undefined;
  const s = v.toLowerCase();
  if (s === 'ingress' || s === 'to-lport') return 'ingress';
  if (s === 'egress' || s === 'from-lport') return 'egress';
  return undefined;
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** `@name` port groups of a logical match. */
function portGroups(match: string | undefined): string[] {
  return match ? [...match.matchAll(/@([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!) : [];
}

const capitalized = (d: PolicyDirection): string => (d === 'ingress' ? 'Ingress' : 'Egress');

/** A default-deny port group in the match: the legacy `<hash(ns)>_<dir>DefaultDeny`, or the current hashed id of a candidate namespace. */
function defaultDenyGroup(acl: NbAcl, opts: DecodeOptions): { direction: PolicyDirection; namespace?: string; evidence: string } | undefined {
  const groups = portGroups(acl.match);
  for (const pg of groups) {
    const m = /^(a\d+)_(ingress|egress)DefaultDeny$/.exec(pg);
    if (!m) continue;
    const namespace = opts.candidateNamespaces?.find((ns) => hashForOvn(ns) === m[1]);
    return { direction: m[2] as PolicyDirection, ...(namespace ? { namespace } : {}), evidence: `match on port group @${pg}` };
  }
  const controller = acl.externalIds['k8s.ovn.org/owner-controller'] ?? DEFAULT_CONTROLLER;
  for (const ns of opts.candidateNamespaces ?? []) {
    for (const direction of ['ingress', 'egress'] as const) {
      const pg = hashForOvn(`${controller}:NetpolNamespace:${ns}:${capitalized(direction)}`);
      if (groups.includes(pg)) return { direction, namespace: ns, evidence: `match on port group @${pg} (default deny of ${ns})` };
    }
  }
  return undefined;
}

/** Reads an ACL name in ovn-kubernetes' formats (current prefixes; legacy `<ns>_<dir>DefaultDeny`). */
function fromName(name: string | undefined): OvnKubeAclIdentity | undefined {
  if (!name) return undefined;
  // A cut name may have lost its last fields: only the unambiguous leading ones are used then.
  const cut = name.length >= NAME_LIMIT;
  const parts = name.split(':');
  const dir = (s: string | undefined) => (s === 'Ingress' ? 'ingress' : s === 'Egress' ? 'egress' : undefined);
  if (parts[0] === 'NP' && parts.length === 3 && dir(parts[2]) && parts[1]) {
    return { kind: 'default-deny', namespace: parts[1], direction: dir(parts[2])!, aclType: 'defaultDeny', style: 'name', evidence: `ACL name ${name}` };
  }
  if (parts[0] === 'NP' && parts.length === 5 && dir(parts[3]) && !cut) {
    const gressIndex = int(parts[4]);
    return { kind: 'network-policy', namespace: parts[1]!, name: parts[2]!, direction: dir(parts[3])!, ...(gressIndex !== undefined ? { gressIndex } : {}), style: 'name' };
  }
  if ((parts[0] === 'ANP' || parts[0] === 'BANP') && parts.length === 4 && dir(parts[2]) && !cut) {
    const ruleIndex = int(parts[3]);
    return {
      kind: parts[0] === 'ANP' ? 'admin-network-policy' : 'baseline-admin-network-policy',
      name: parts[1]!,
      direction: dir(parts[2])!,
      ...(ruleIndex !== undefined ? { ruleIndex } : {}),
      style: 'name',
    };
  }
  if (parts[0] === 'EF' && parts.length === 3 && !cut) {
    const ruleIndex = int(parts[2]);
    return { kind: 'egress-firewall', namespace: parts[1]!, ...(ruleIndex !== undefined ? { ruleIndex } : {}), style: 'name' };
  }
  const legacy = /^([a-z0-9-]+)_(ingress|egress)DefaultDeny$/.exec(name);
  if (legacy) return { kind: 'default-deny', namespace: legacy[1]!, direction: legacy[2] as PolicyDirection, aclType: 'defaultDeny', style: 'legacy', evidence: `ACL name ${name}` };
  return undefined;
}

/**
 * Decodes what an ovn-kubernetes ACL row implements (see the module comment for the conventions).
 * Pure: the row (name, direction, priority, match, external_ids) is all it reads.
 */
export function decodeOvnKubernetesAcl(acl: NbAcl, opts: DecodeOptions = {}): OvnKubeAclIdentity {
  const ids = acl.externalIds;
  const ownerType = ids['k8s.ovn.org/owner-type'];
  const objName = ids['k8s.ovn.org/name'];
  const arp = (acl.match ?? '').includes('(arp || nd)');
  const byName = fromName(acl.name);
  const group = defaultDenyGroup(acl, opts);

  // --- default deny, by any of its marks ---------------------------------------------------------
  if (ownerType === 'NetpolNamespace') {
    const direction = policyDirection(ids.direction) ?? group?.direction ?? policyDirection(acl.direction);
    const namespace = objName ?? (byName?.kind === 'default-deny' ? byName.namespace : undefined) ?? group?.namespace;
    if (direction) {
      return {
        kind: 'default-deny',
        ...(namespace ? { namespace } : {}),
        direction,
        aclType: ids.type === 'arpAllow' || (ids.type === undefined && arp) ? 'arpAllow' : 'defaultDeny',
        style: 'current',
        evidence: 'k8s.ovn.org/owner-type=NetpolNamespace',
      };
    }
  }
  const legacyType = policyDirection(ids['default-deny-policy-type']);
  if (legacyType && !(acl.priority !== undefined && MULTICAST_PRIORITIES.has(acl.priority))) {
    // acl_sync.go: the namespace is the name's part before the first "_" (a namespace has none),
    // for both `<ns>_<policy>` and `<ns>_<dir>DefaultDeny`.
    const fromLegacyName = acl.name && !acl.name.startsWith('NP:') ? acl.name.split('_')[0] : undefined;
    const namespace = fromLegacyName || (byName?.kind === 'default-deny' ? byName.namespace : undefined) || group?.namespace;
    return {
      kind: 'default-deny',
      ...(namespace ? { namespace } : {}),
      direction: legacyType,
      aclType: arp ? 'arpAllow' : 'defaultDeny',
      style: 'legacy',
      evidence: `default-deny-policy-type=${ids['default-deny-policy-type']}`,
    };
  }
  if (group) {
    const namespace = group.namespace ?? (byName?.kind === 'default-deny' ? byName.namespace : undefined) ?? (ownerType === 'NetpolNamespace' ? objName : undefined);
    return { kind: 'default-deny', ...(namespace ? { namespace } : {}), direction: group.direction, aclType: arp ? 'arpAllow' : 'defaultDeny', style: ownerType ? 'current' : 'legacy', evidence: group.evidence };
  }
  if (byName?.kind === 'default-deny') return { ...byName, aclType: arp ? 'arpAllow' : 'defaultDeny' };

  // --- explicit rules ------------------------------------------------------------------------------
  const direction = policyDirection(ids.direction) ?? policyDirection(ids.policy_type);
  const withDir = direction ? { direction } : {};
  if ((ownerType === 'NetworkPolicy' || ownerType === 'NetworkPolicyPortIndexOwnerType') && objName) {
    // ObjectNameKey is BuildNamespaceNameKey(ns, name) = "<ns>:<name>".
    const at = objName.indexOf(':');
    const gressIndex = int(ids['gress-index']);
    const ipBlockIndex = int(ids['ip-block-index']);
    const protocol = ids['port-policy-protocol'];
    return {
      kind: 'network-policy',
      namespace: at < 0 ? objName : objName.slice(0, at),
      name: at < 0 ? '' : objName.slice(at + 1),
      ...withDir,
      ...(gressIndex !== undefined ? { gressIndex } : {}),
      ...(protocol !== undefined ? { protocol } : {}),
      ...(ipBlockIndex !== undefined ? { ipBlockIndex } : {}),
      style: 'current',
    };
  }
  if ((ownerType === 'AdminNetworkPolicy' || ownerType === 'BaselineAdminNetworkPolicy') && objName) {
    const ruleIndex = int(ids['gress-index']) ?? int(ids['k8s.ovn.org/priority']) ?? int(ids['rule-index']);
    return {
      kind: ownerType === 'AdminNetworkPolicy' ? 'admin-network-policy' : 'baseline-admin-network-policy',
      name: objName,
      ...withDir,
      ...(ruleIndex !== undefined ? { ruleIndex } : {}),
      style: 'current',
    };
  }
  if (ownerType === 'EgressFirewall' && objName) {
    const ruleIndex = int(ids['rule-index']);
    return { kind: 'egress-firewall', namespace: objName, ...(ruleIndex !== undefined ? { ruleIndex } : {}), style: 'current' };
  }
  if (ids.policy && ids.namespace) {
    const gressIndex = direction ? int(ids[`${capitalized(direction)}_num`]) : undefined;
    // ipblock_cidr: "false" = selector peers, "true" = the first ipBlock, N = ipBlock N-1.
    const cidr = ids.ipblock_cidr;
    const ipBlockIndex = cidr === 'false' ? -1 : cidr === 'true' ? 0 : int(cidr) !== undefined ? int(cidr)! - 1 : undefined;
    return {
      kind: 'network-policy',
      namespace: ids.namespace,
      name: ids.policy,
      ...withDir,
      ...(gressIndex !== undefined ? { gressIndex } : {}),
      ...(ipBlockIndex !== undefined ? { ipBlockIndex } : {}),
      ...(ids.l4Match !== undefined ? { l4Match: ids.l4Match } : {}),
      style: 'legacy',
    };
  }
  if (ids.egressFirewall) return { kind: 'egress-firewall', namespace: ids.egressFirewall, style: 'legacy' };
  return byName ?? { kind: 'unknown' };
}

/** An NB Port_Group row, as far as attribution needs it. */
export interface NbPortGroup {
  name: string;
  externalIds: Record<string, string>;
}

/** What an ovn-kubernetes port group stands for. */
export type OvnKubePortGroupIdentity =
  | { kind: 'default-deny'; namespace?: string; direction: PolicyDirection; style: OvnKubeAclStyle }
  | { kind: 'network-policy'; namespace: string; name: string; style: OvnKubeAclStyle }
  | { kind: 'admin-network-policy' | 'baseline-admin-network-policy'; name: string; style: OvnKubeAclStyle }
  | { kind: 'unknown' };

/**
 * Decodes an ovn-kubernetes port group: current object ids (`k8s.ovn.org/owner-type`
 * NetpolNamespace with `direction`, NetworkPolicy with `k8s.ovn.org/name` = `<ns>:<name>`,
 * AdminNetworkPolicy / BaselineAdminNetworkPolicy), or the legacy `external_ids:name` the port
 * group syncer (pkg/ovn/external_ids_syncer/port_group/port_group_sync.go) converts:
 * `<hash>_ingressDefaultDeny` / `_egressDefaultDeny` (namespace only through a candidate whose
 * HashForOVN matches), `ANP:<name>`, `BANP:<name>`, `<ns>_<policy>` (a namespace has no "_").
 */
export function decodeOvnKubernetesPortGroup(pg: NbPortGroup, opts: DecodeOptions = {}): OvnKubePortGroupIdentity {
  const ids = pg.externalIds;
  const ownerType = ids['k8s.ovn.org/owner-type'];
  const objName = ids['k8s.ovn.org/name'];
  if (ownerType === 'NetpolNamespace') {
    const direction = policyDirection(ids.direction);
    if (direction) return { kind: 'default-deny', ...(objName ? { namespace: objName } : {}), direction, style: 'current' };
  }
  if (ownerType === 'NetworkPolicy' && objName && objName.includes(':')) {
    const at = objName.indexOf(':');
    return { kind: 'network-policy', namespace: objName.slice(0, at), name: objName.slice(at + 1), style: 'current' };
  }
  if ((ownerType === 'AdminNetworkPolicy' || ownerType === 'BaselineAdminNetworkPolicy') && objName) {
    return { kind: ownerType === 'AdminNetworkPolicy' ? 'admin-network-policy' : 'baseline-admin-network-policy', name: objName, style: 'current' };
  }
  if (ownerType) return { kind: 'unknown' };
  const legacy = ids.name ?? pg.name;
  const dd = /^(a\d+)_(ingress|egress)DefaultDeny$/.exec(legacy);
  if (dd) {
    const namespace = opts.candidateNamespaces?.find((ns) => hashForOvn(ns) === dd[1]);
    return { kind: 'default-deny', ...(namespace ? { namespace } : {}), direction: dd[2] as PolicyDirection, style: 'legacy' };
  }
  if (legacy.startsWith('ANP:')) return { kind: 'admin-network-policy', name: legacy.slice(4), style: 'legacy' };
  if (legacy.startsWith('BANP:')) return { kind: 'baseline-admin-network-policy', name: legacy.slice(5), style: 'legacy' };
  const np = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)_(.+)$/.exec(legacy);
  if (np && ids.name !== undefined) return { kind: 'network-policy', namespace: np[1]!, name: np[3]!, style: 'legacy' };
  return { kind: 'unknown' };
}
