/**
 * The destination port a NetworkPolicy ACL saw when it dropped a traced packet. Policies are
 * evaluated after load balancing (ovn-northd puts the LB stages before the ACL stages, and
 * ovn-kubernetes' egress ACLs are `apply-after-lb`), so for a Service the port is the backend's
 * (the targetPort), not the Service port the microflow was written with. Read from what the trace
 * itself says the packet was at that point, most direct first:
 *
 * 1. ovn-trace: the `LOG: ACL ... packet="..."` of a logging ACL (ovn-trace prints the packet at
 *    the ACL, after load balancing);
 * 2. ovn-trace: a `ct_lb`/`ct_lb_mark` before the drop rewrote the destination to `--lb-dst`
 *    (ovn-trace.c execute_ct_lb), or to one of the `backends=` it lists;
 * 3. ovn-trace: a `ct_dnat(ip:port)` before the drop;
 * 4. ofproto/trace: the `Flow:` of the recirculation that dropped (OVS prints the flow after
 *    `ct(nat)`);
 * 5. otherwise the traced flow's own `tp_dst` (no load balancing: the port is the one sent).
 */
import type { OfprotoTrace } from '../../ovs-common/ofproto-trace-types.js';
import type { OvnTrace, OvnTraceDropLeaf, OvnTraceNode } from '../parsers/ovn-trace-types.js';

/** Where the port was read. */
export type PolicyPortSource = 'acl-log' | 'lb-dst' | 'lb-backends' | 'dnat' | 'recirculated-flow' | 'microflow';

/** The port the policy saw, or why it is unknown. */
export interface PolicyPort {
  /** Absent when load balancing happened but the trace does not say to which port. */
  port?: number;
  source: PolicyPortSource;
}

/** `tp_dst=N` (OVS flow syntax, as flow_to_string prints it) or `tcp_dst`/`udp_dst`/`sctp_dst`. */
function flowDstPort(flow: string | undefined): number | undefined {
  const m = flow ? /(?:^|,)(?:tp|tcp|udp|sctp)_dst=(\d+)/.exec(flow) : null;
  return m ? Number(m[1]) : undefined;
}

/** The port of `ip:port` / `[ip6]:port` (an unbracketed IPv6 address has no port). */
function addressPort(addr: string): number | undefined {
  const a = addr.trim();
  const m = /^\[[^\]]+\]:(\d+)$/.exec(a) ?? /^\d{1,3}(?:\.\d{1,3}){3}:(\d+)$/.exec(a);
  return m ? Number(m[1]) : undefined;
}

/** The `--lb-dst` value of an ovn-trace argv (`--lb-dst=X` or `--lb-dst X`). */
function lbDstArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--lb-dst=')) return a.slice('--lb-dst='.length);
    if (a === '--lb-dst' && i + 1 < argv.length) return argv[i + 1];
  }
  return undefined;
}

/** Whether a `ct_lb`/`ct_lb_mark` transformation starts before `line` in the primary section. */
function ctLbBefore(trace: OvnTrace, line: number): boolean {
  const nodes = trace.sections.find((s) => s.format === trace.primary)?.nodes ?? [];
  const stack: OvnTraceNode[] = [...nodes];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.line >= line) continue;
    if (n.kind === 'transformation' && (n.name === 'ct_lb' || n.name === 'ct_lb_mark')) return true;
    stack.push(...n.children);
  }
  return false;
}

/**
 * The port the policy saw at `leaf` (the traced packet's drop) in an ovn-trace run started with
 * `argv`; see the module comment for the order. Undefined when the trace has no L4 port at all.
 */
export function policyPortOfOvnTrace(trace: OvnTrace, leaf: OvnTraceDropLeaf | undefined, argv: readonly string[] = []): PolicyPort | undefined {
  const logged = flowDstPort(leaf?.aclLog?.packet);
  if (logged !== undefined) return { port: logged, source: 'acl-log' };
  const at = leaf?.line ?? Number.MAX_SAFE_INTEGER;
  // execute_ct_lb: with --lb-dst, the first ct_lb(_mark) of the packet's path rewrites the
  // destination to it (a bare one too: the connection is then already load-balanced).
  const lbDst = lbDstArgument(argv);
  const fromArg = lbDst ? addressPort(lbDst) : undefined;
  if (fromArg !== undefined && ctLbBefore(trace, at)) return { port: fromArg, source: 'lb-dst' };
  const listed = trace.loadBalancing.filter((lb) => lb.line < at);
  if (listed.length) {
    // Without --lb-dst ovn-trace picks one of the listed backends at random: the port is known
    // only when they all share it.
    const ports = new Set(listed.flatMap((lb) => lb.backends.map(addressPort)));
    if (ports.size === 1 && !ports.has(undefined)) return { port: [...ports][0]!, source: 'lb-backends' };
    return { source: 'lb-backends' };
  }
  const dnat = trace.nat.filter((n) => n.kind === 'dnat' && n.line < at && n.args).map((n) => addressPort(n.args!)).find((p) => p !== undefined);
  if (dnat !== undefined) return { port: dnat, source: 'dnat' };
  const sent = flowDstPort(trace.microflow);
  return sent !== undefined ? { port: sent, source: 'microflow' } : undefined;
}

/**
 * The port the policy saw in an ofproto/trace: the `Flow:` of its last block (the recirculation
 * that ended the trace, printed after any `ct(nat)`), else the traced flow's.
 */
export function policyPortOfOfprotoTrace(trace: OfprotoTrace): PolicyPort | undefined {
  const blocks = trace.blocks;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const port = flowDstPort(blocks[i]!.flow);
    if (port !== undefined) return { port, source: i > 0 ? 'recirculated-flow' : 'microflow' };
  }
  return undefined;
}
