import type { PolicyKind, PolicyRef } from '../../../core/model.js';
import { CONTAINER_PATHS } from '../ovn-k-names.js';
import { parseOvsdbJsonTable } from '../discovery/node-probe.js';
import { decodeOvnKubernetesAcl, decodeOvnKubernetesPortGroup, type NbAcl, type NbPortGroup, type OvnKubeAclIdentity } from './ovn-k-acl-identity.js';

export type { NbAcl, NbPortGroup } from './ovn-k-acl-identity.js';
export { hashForOvn } from '../ovn-k-names.js';

/** What an ACL says about the policy behind it. */
export type AclOwner =
  | { type: 'rule'; policy: PolicyRef; direction?: 'ingress' | 'egress' }
  /** `namespace` is absent when nothing in the row names it (a hashed port group, no candidate matched). */
  | { type: 'default-deny'; namespace?: string; direction?: 'ingress' | 'egress' };

/**
 * The Kubernetes owner of an ACL, from {@link decodeOvnKubernetesAcl} (current and legacy
 * ovn-kubernetes external_ids, names and port groups). A default-deny identity wins over any
 * other owner field. `candidateNamespaces` resolve hashed default-deny port group names.
 */
export function aclOwner(acl: NbAcl, candidateNamespaces?: readonly string[]): AclOwner | undefined {
  return ownerOf(decodeOvnKubernetesAcl(acl, candidateNamespaces ? { candidateNamespaces } : {}));
}

/** Maps a decoded ACL identity to the policy owner attribution reports. */
export function ownerOf(id: OvnKubeAclIdentity): AclOwner | undefined {
  const dir = (d: 'ingress' | 'egress' | undefined) => (d ? { direction: d } : {});
  switch (id.kind) {
    case 'default-deny':
      return { type: 'default-deny', ...(id.namespace ? { namespace: id.namespace } : {}), direction: id.direction };
    case 'network-policy': {
      const rule = id.gressIndex !== undefined ? `${id.direction ?? 'rule'}[${id.gressIndex}]` : undefined;
      return { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: id.namespace, name: id.name, ...(rule ? { rule } : {}) }, ...dir(id.direction) };
    }
    case 'admin-network-policy':
    case 'baseline-admin-network-policy': {
      const kind: PolicyKind = id.kind === 'admin-network-policy' ? 'AdminNetworkPolicy' : 'BaselineAdminNetworkPolicy';
      return { type: 'rule', policy: { kind, name: id.name, ...(id.ruleIndex !== undefined ? { rule: String(id.ruleIndex) } : {}) }, ...dir(id.direction) };
    }
    default:
      return undefined;
  }
}

/**
 * The owner a port group stands for (an ACL row without usable external_ids is still attached to
 * its policy's port group, which has its own ids).
 */
export function portGroupOwner(pg: NbPortGroup, candidateNamespaces?: readonly string[]): AclOwner | undefined {
  const id = decodeOvnKubernetesPortGroup(pg, candidateNamespaces ? { candidateNamespaces } : {});
  switch (id.kind) {
    case 'default-deny':
      return { type: 'default-deny', ...(id.namespace ? { namespace: id.namespace } : {}), direction: id.direction };
    case 'network-policy':
      return { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: id.namespace, name: id.name } };
    case 'admin-network-policy':
    case 'baseline-admin-network-policy':
      return { type: 'rule', policy: { kind: id.kind === 'admin-network-policy' ? 'AdminNetworkPolicy' : 'BaselineAdminNetworkPolicy', name: id.name } };
    default:
      return undefined;
  }
}

/** Argv that reads one NB port group by name. */
export function portGroupLookupArgv(name: string): string[] {
  return ['ovn-nbctl', '--db', CONTAINER_PATHS.nbSocket, '--timeout=10', '--format=json', '--columns=_uuid,name,external_ids', 'list', 'Port_Group', name];
}

/** An NB port group from `list Port_Group` JSON. */
export function parsePortGroupLookup(json: string): NbPortGroup | undefined {
  const row = parseOvsdbJsonTable(json)[0];
  if (!row || typeof row.name !== 'string') return undefined;
  return { name: row.name, externalIds: (row.external_ids as Record<string, string>) ?? {} };
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

/** Argv that reads one SB logical flow by its uuid prefix (the ovn-trace `uuid`, = the OpenFlow cookie). */
export function logicalFlowLookupArgv(uuidPrefix: string): string[] {
  return ['ovn-sbctl', '--db', CONTAINER_PATHS.sbSocket, '--timeout=10', '--format=json', '--columns=_uuid,match,actions,external_ids', 'list', 'Logical_Flow', uuidPrefix];
}

/** Argv that reads one NB ACL by its uuid prefix (a logical flow's `stage-hint`). */
export function aclLookupArgv(uuidPrefix: string): string[] {
  return ['ovn-nbctl', '--db', CONTAINER_PATHS.nbSocket, '--timeout=10', '--format=json', '--columns=_uuid,name,direction,priority,match,action,external_ids', 'list', 'ACL', uuidPrefix];
}

/**
 * The ACL name in a logging ACL's logical-flow actions: ovn-northd writes the ACL's `log(...)`
 * action with `name="<ACL name>"` (e.g. `log(name="NP:backend:Ingress", severity=alert,
 * verdict=drop, meter="acl-logging"); /* drop *\/`).
 */
export function loggedAclName(actions: string): string | undefined {
  const m = /(?:^|[;\s])log\(([^)]*)\)/.exec(actions);
  const name = m ? /(?:^|,\s*)name="((?:[^"\\]|\\.)*)"/.exec(m[1]!) : null;
  return name ? name[1]!.replace(/\\(.)/g, '$1') : undefined;
}

/** The `stage-hint` (NB row uuid prefix) and stage of a logical flow from `list Logical_Flow` JSON. */
export function parseLogicalFlowLookup(json: string): { uuid: string; match?: string; stageHint?: string; stageName?: string; aclName?: string } | undefined {
  const row = parseOvsdbJsonTable(json)[0];
  if (!row) return undefined;
  const ids = (row.external_ids as Record<string, string>) ?? {};
  const aclName = typeof row.actions === 'string' ? loggedAclName(row.actions) : undefined;
  return {
    uuid: String(row._uuid),
    ...(typeof row.match === 'string' ? { match: row.match } : {}),
    ...(aclName ? { aclName } : {}),
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
