import type { CommandRunner } from '../../../core/runner/command-runner.js';
import type { KubeClient } from '../../../core/kube/kube-client.js';
import type { DropAttribution, PolicyRef } from '../../../core/model.js';
import { defaultDenyExplanation, isolatingPolicies } from '../../../core/policy/isolating-policies.js';
import type { OvnTraceAclLog } from '../parsers/ovn-trace-types.js';
import {
  aclLookupArgv,
  aclOwner,
  logicalFlowLookupArgv,
  parsePortGroupLookup,
  portGroupLookupArgv,
  portGroupOwner,
  portGroupsInMatch,
  parseAclLookup,
  parseLogicalFlowLookup,
  type AclOwner,
  type NbAcl,
} from './acl-attribution.js';

/** One side of the traced connection, as attribution needs it. */
export interface AttributionPeer {
  namespace?: string;
  name?: string;
  label: string;
  labels?: Record<string, string>;
}

/** The dropping point found in a leg. */
export interface DropPoint {
  /** Logical flow uuid prefix (ovn-trace `uuid`, or ofproto cookie zero-padded). */
  lflowUuid?: string;
  /** The logical stage, e.g. `ls_out_acl_eval`. */
  stage?: string;
  /** The logical match of the dropping flow (for `@<port group>` names). */
  match?: string;
  /** Packet direction of the leg: who sends, who receives. */
  sender: AttributionPeer;
  receiver: AttributionPeer;
  protocol: string;
  /** The destination port the policy saw (after load balancing; see policy-port.ts). */
  port?: number;
  /** The `LOG: ACL ...` ovn-trace printed at the dropping ACL: its name identifies the ACL without the NB. */
  aclLog?: OvnTraceAclLog;
}

/** What attribution found, with the records it read (for level-5 output). */
export interface AttributionResult {
  drop: DropAttribution;
  acl?: NbAcl;
  /** The dropping ACL's log line, when it logs. */
  aclLog?: OvnTraceAclLog;
  /** Every look-up it ran, for the log. */
  lookups: string[];
}

/**
 * Names the policy behind an ACL drop: logical flow (by uuid prefix) → its `stage-hint` → the NB
 * ACL → the ACL's Kubernetes owner; for a default-deny ACL, the NetworkPolicies that isolate the
 * pod. When the NB cannot be read, the default-deny port group in the match still tells the
 * direction and namespace.
 */
export class DropAttributor {
  constructor(
    private readonly kube: KubeClient,
    private readonly signal: AbortSignal,
  ) {}

  async attribute(point: DropPoint, runner: CommandRunner): Promise<AttributionResult | undefined> {
    const lookups: string[] = [];
    let acl: NbAcl | undefined;
    let match = point.match;
    // The ACL's name as it logs: from ovn-trace's LOG line, else from the logical flow's log(name=...).
    let loggedName = point.aclLog?.name;
    if (point.lflowUuid) {
      const lf = await runner.run({ argv: logicalFlowLookupArgv(point.lflowUuid), timeoutMs: 15_000, signal: this.signal });
      lookups.push(`${logicalFlowLookupArgv(point.lflowUuid).join(' ')} → exit ${lf.exitCode}`);
      const flow = lf.exitCode === 0 ? safe(() => parseLogicalFlowLookup(lf.stdout)) : undefined;
      match = flow?.match ?? match;
      loggedName ??= flow?.aclName;
      if (flow?.stageHint) {
        const res = await runner.run({ argv: aclLookupArgv(flow.stageHint), timeoutMs: 15_000, signal: this.signal });
        lookups.push(`${aclLookupArgv(flow.stageHint).join(' ')} → exit ${res.exitCode}`);
        if (res.exitCode === 0) acl = safe(() => parseAclLookup(res.stdout));
      }
    }
    // Namespaces a hashed default-deny port group name may stand for: the two ends of the leg.
    const candidates = [point.receiver.namespace, point.sender.namespace].filter((n): n is string => Boolean(n));
    let owner: AclOwner | undefined = acl ? aclOwner(acl, candidates) : undefined;
    // Without the NB row (or when it says nothing): the name the ACL logged under, then the match.
    if (!owner && loggedName) owner = aclOwner({ name: loggedName, ...(match ? { match } : {}), externalIds: {} }, candidates);
    if (!owner && match) owner = aclOwner({ match, externalIds: {} }, candidates);
    // The NB answered but the ACL row names no owner: its port groups have their own ids.
    const aclMatch = acl?.match ?? match;
    if (!owner && acl && aclMatch) owner = await this.ownerFromPortGroups(aclMatch, acl, candidates, runner, lookups);
    if (!owner) return undefined;
    return { drop: await this.toAttribution(owner, point), ...(acl ? { acl } : {}), ...(point.aclLog ? { aclLog: point.aclLog } : {}), lookups };
  }

  private async ownerFromPortGroups(match: string, acl: NbAcl, candidates: string[], runner: CommandRunner, lookups: string[]): Promise<AclOwner | undefined> {
    // ovn-kubernetes puts ingress rules in to-lport ACLs and egress rules in from-lport ones.
    const direction = acl.direction === 'to-lport' ? 'ingress' : acl.direction === 'from-lport' ? 'egress' : undefined;
    // The pod-side port group is the one named with inport/outport; at most a few are looked up.
    for (const pg of portGroupsInMatch(match).slice(0, 3)) {
      const argv = portGroupLookupArgv(pg);
      const res = await runner.run({ argv, timeoutMs: 15_000, signal: this.signal });
      lookups.push(`${argv.join(' ')} → exit ${res.exitCode}`);
      if (res.exitCode !== 0) continue;
      const row = safe(() => parsePortGroupLookup(res.stdout));
      const owner = row ? portGroupOwner(row, candidates) : undefined;
      if (owner) return owner.direction || !direction ? owner : { ...owner, direction };
    }
    return undefined;
  }

  private async toAttribution(owner: AclOwner, point: DropPoint): Promise<DropAttribution> {
    const direction = owner.direction ?? 'ingress';
    const isolated = direction === 'ingress' ? point.receiver : point.sender;
    const peer = direction === 'ingress' ? point.sender : point.receiver;
    if (owner.type === 'rule') {
      const p = owner.policy;
      return {
        type: 'rule',
        policy: p,
        direction,
        explanation: `${direction} of ${isolated.label} dropped by ${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}${p.rule ? ` rule ${p.rule}` : ''}`,
      };
    }
    let isolatedBy: PolicyRef[] = [];
    const namespace = owner.namespace ?? isolated.namespace;
    if (namespace && (isolated.namespace === namespace || !isolated.namespace)) {
      const policies = await this.kube.listNetworkPolicies(namespace);
      isolatedBy = isolatingPolicies(policies, { namespace, ...(isolated.labels ? { labels: isolated.labels } : {}) }, direction);
    }
    return {
      type: 'default-deny',
      direction,
      isolatedBy,
      explanation: defaultDenyExplanation({
        direction,
        isolatedPod: isolated.label,
        isolatedBy,
        protocol: point.protocol,
        ...(point.port !== undefined ? { port: point.port } : {}),
        peer: peer.label,
      }),
    };
  }
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
