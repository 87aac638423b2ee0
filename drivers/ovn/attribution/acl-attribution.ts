import type { PolicyKind, PolicyRef } from '../../../core/model.js';
import { CONTAINER_PATHS } from '../ovn-k-names.js';
import { parseOvsdbJsonTable } from '../discovery/node-probe.js';

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

/** What an ACL says about the policy behind it. */
export type AclOwner =
  | { type: 'rule'; policy: PolicyRef; direction?: 'ingress' | 'egress' }
  | { type: 'default-deny'; namespace: string; direction?: 'ingress' | 'egress' };

function dir(v: string | undefined): 'ingress' | 'egress' | undefined {
  if (!v) return undefined;
  const s = v.toLowerCase();
  if (s.startsWith('ingress') || s === 'to-lport') return 'ingress';
  if (s.startsWith('egress') || s === 'from-lport') return 'egress';
  return undefined;
}

const OWNER_KINDS: Record<string, PolicyKind> = {
  NetworkPolicy: 'NetworkPolicy',
  AdminNetworkPolicy: 'AdminNetworkPolicy',
  BaselineAdminNetworkPolicy: 'BaselineAdminNetworkPolicy',
};

/**
 * Reads the Kubernetes owner of an ACL from its external_ids, in the forms ovn-kubernetes has
 * written over time: current `k8s.ovn.org/owner-type` + `k8s.ovn.org/name` (`ns:name` for
 * NetworkPolicy, the namespace for `NetpolNamespace` default-deny ACLs, the policy name for
 * (B)ANP), and the legacy `policy`/`namespace`/`policy_type` keys and `<ns>_<policy>_<n>` names.
 */
export function aclOwner(acl: NbAcl): AclOwner | undefined {
  const ids = acl.externalIds;
  const ownerType = ids['k8s.ovn.org/owner-type'];
  const objName = ids['k8s.ovn.org/name'];
  const direction = dir(ids.direction ?? ids['k8s.ovn.org/direction'] ?? ids.policy_type ?? acl.direction);
  if (ownerType === 'NetpolNamespace' && objName) return { type: 'default-deny', namespace: objName, ...(direction ? { direction } : {}) };
  if (ownerType && OWNER_KINDS[ownerType] && objName) {
    const kind = OWNER_KINDS[ownerType]!;
    if (kind === 'NetworkPolicy') {
      const [namespace, ...rest] = objName.split(':');
      const rule = ids['gress-index'] ?? ids['k8s.ovn.org/gress-index'];
      return {
        type: 'rule',
        policy: { kind, namespace: namespace!, name: rest.join(':'), ...(rule !== undefined ? { rule: `${direction ?? 'rule'}[${rule}]` } : {}) },
        ...(direction ? { direction } : {}),
      };
    }
    const rule = ids['k8s.ovn.org/priority'] ?? ids['k8s.ovn.org/rule-index'];
    return { type: 'rule', policy: { kind, name: objName, ...(rule !== undefined ? { rule } : {}) }, ...(direction ? { direction } : {}) };
  }
  // Legacy ovn-kubernetes (before the libovsdb object ids).
  if (ids.policy && ids.namespace) {
    return { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: ids.namespace, name: ids.policy }, ...(direction ? { direction } : {}) };
  }
  const legacyDeny = /^(.+)_(ingress|egress)DefaultDeny$/.exec(acl.name ?? '');
  if (legacyDeny) return { type: 'default-deny', namespace: legacyDeny[1]!, direction: legacyDeny[2] as 'ingress' | 'egress' };
  return undefined;
}

/** Port-group names a logical match refers to (`@pg`). */
export function portGroupsInMatch(match: string): string[] {
  return [...match.matchAll(/@([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!);
}

/** A default-deny port group named in a match: `<hash>_ingressDefaultDeny` / `_egressDefaultDeny`. */
export function defaultDenyInMatch(match: string): { portGroup: string; direction: 'ingress' | 'egress' } | undefined {
  for (const pg of portGroupsInMatch(match)) {
    const m = /_(ingress|egress)DefaultDeny$/.exec(pg);
    if (m) return { portGroup: pg, direction: m[1] as 'ingress' | 'egress' };
  }
  return undefined;
}

/** ovn-kubernetes `util.HashForOVN`: `"a"` + the decimal FNV-1a 64-bit hash of the string. */
export function hashForOvn(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `a${h.toString()}`;
}

/** Argv that reads one SB logical flow by its uuid prefix (the ovn-trace `uuid`, = the OpenFlow cookie). */
export function logicalFlowLookupArgv(uuidPrefix: string): string[] {
  return ['ovn-sbctl', '--db', CONTAINER_PATHS.sbSocket, '--timeout=10', '--format=json', '--columns=_uuid,match,actions,external_ids', 'list', 'Logical_Flow', uuidPrefix];
}

/** Argv that reads one NB ACL by its uuid prefix (a logical flow's `stage-hint`). */
export function aclLookupArgv(uuidPrefix: string): string[] {
  return ['ovn-nbctl', '--db', CONTAINER_PATHS.nbSocket, '--timeout=10', '--format=json', '--columns=_uuid,name,direction,priority,match,action,external_ids', 'list', 'ACL', uuidPrefix];
}

/** The `stage-hint` (NB row uuid prefix) and stage of a logical flow from `list Logical_Flow` JSON. */
export function parseLogicalFlowLookup(json: string): { uuid: string; match?: string; stageHint?: string; stageName?: string } | undefined {
  const row = parseOvsdbJsonTable(json)[0];
  if (!row) return undefined;
  const ids = (row.external_ids as Record<string, string>) ?? {};
  return {
    uuid: String(row._uuid),
    ...(typeof row.match === 'string' ? { match: row.match } : {}),
    ...(ids['stage-hint'] ? { stageHint: ids['stage-hint'] } : {}),
    ...(ids['stage-name'] ? { stageName: ids['stage-name'] } : {}),
  };
}

/** An NB ACL from `list ACL` JSON. */
export function parseAclLookup(json: string): NbAcl | undefined {
  const row = parseOvsdbJsonTable(json)[0];
  if (!row) return undefined;
  const name = Array.isArray(row.name) ? row.name[0] : row.name;
  return {
    uuid: String(row._uuid),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof row.direction === 'string' ? { direction: row.direction } : {}),
    ...(typeof row.priority === 'number' ? { priority: row.priority } : {}),
    ...(typeof row.match === 'string' ? { match: row.match } : {}),
    ...(typeof row.action === 'string' ? { action: row.action } : {}),
    externalIds: (row.external_ids as Record<string, string>) ?? {},
  };
}
