import type { CommandOutput } from '../../../core/runner/command-runner.js';
import type { Leg, Observation, Verdict } from '../../../core/model.js';
import { describeDatapathActions, linkControllers, parseOfprotoTrace } from '../../ovs-common/index.js';
import type { DatapathControllerAction } from '../../ovs-common/index.js';
import { decodeOvnControllerUserdata } from '../ovn-controller-actions.js';
import type { OfprotoTrace } from '../../ovs-common/ofproto-trace-types.js';
import { parseOvnTrace } from '../parsers/ovn-trace-parser.js';
import type { OvnTrace, OvnTraceDropLeaf, OvnTraceNode } from '../parsers/ovn-trace-types.js';
import { checkExpectedOutput } from '../parsers/ovn-trace-verdict.js';
import type { OfprotoExpectation, OvnTraceExpectation, PlannedLeg } from './leg-plan.js';

/** A leg after its tool ran, with the parsed output kept for attribution and correlation. */
export interface EvaluatedLeg {
  leg: Leg;
  ovnTrace?: OvnTrace;
  ofproto?: OfprotoTrace;
  /** The ovn-trace branch end that dropped the traced packet, when there is one. */
  dropLeaf?: OvnTraceDropLeaf;
}

/** The shell-free command record of a leg. */
function baseLeg(plan: PlannedLeg, out: CommandOutput): Leg {
  return {
    id: plan.id,
    tool: plan.tool,
    direction: plan.direction,
    node: plan.node,
    description: plan.description,
    from: plan.from,
    to: plan.to,
    verdict: 'error',
    observations: [],
    decisive: plan.decisive,
    command: { argv: plan.argv, target: out.target, exitCode: out.exitCode, durationMs: Math.round(out.durationMs) },
    rawOutput: out.stdout + (out.stderr ? `${out.stdout.endsWith('\n') || !out.stdout ? '' : '\n'}${out.stderr}` : ''),
    durationMs: Math.round(out.durationMs),
  };
}

/** Walks an ovn-trace tree into hop observations: each logical table, each output, each drop. */
function ovnObservations(trace: OvnTrace, node: string, expect: OvnTraceExpectation | undefined): Observation[] {
  const section = trace.sections.find((s) => s.format === trace.primary);
  if (!section) return [];
  const obs: Observation[] = [];
  const leafLines = new Map(trace.dropLeaves.filter((l) => !l.generated).map((l) => [l.table?.line ?? l.line, l]));
  const walk = (nodes: OvnTraceNode[], datapath: string | undefined, generated: boolean) => {
    for (const n of nodes) {
      switch (n.kind) {
        case 'pipeline':
          walk(n.children, n.datapath ?? datapath, generated);
          break;
        case 'transformation':
          walk(n.children, datapath, generated || n.generatesPacket);
          break;
        case 'table': {
          if (generated) break;
          const leaf = leafLines.get(n.line);
          const o: Observation = {
            node,
            stage: n.stage,
            action: leaf ? (leaf.reason === 'rejected' ? 'rejected' : 'dropped') : 'matched',
            ...(n.uuid ? { cookie: n.uuid } : {}),
            flow: n.noMatch ? 'no match (implicit drop)' : `${n.match ?? ''}, priority ${n.priority ?? '?'}: ${n.actions.join(' ')}`,
            detail: { table: n.tableId, ...(datapath ? { datapath } : {}), ...(n.priority !== undefined ? { priority: n.priority } : {}) },
          };
          if (leaf) {
            o.terminal = true;
            o.description = `the traced packet ends here (${leaf.reason})`;
          }
          const ct = n.actions.find((a) => /ct_(lb_mark|lb|dnat|snat)\(/.test(a));
          if (ct) {
            const backends = /backends=([^);]+)/.exec(ct)?.[1];
            if (backends) o.description = `load balancer backends ${backends}`;
          }
          obs.push(o);
          walk(n.children, datapath, generated);
          break;
        }
        case 'output': {
          if (generated) break;
          const expected = expect && n.port === expect.port;
          const isTunnel = n.type === 'remote';
          obs.push({
            node,
            stage: datapath ? `output (${datapath})` : 'output',
            action: expected ? (isTunnel ? 'tunnelled' : 'delivered') : n.type === 'patch' ? 'forwarded' : n.type === 'localnet' ? 'left-cluster' : 'forwarded',
            port: n.port,
            description: `output to "${n.port}"${n.type !== undefined ? `, type "${n.type}"` : ''}`,
          });
          walk(n.children, datapath, generated);
          break;
        }
        default:
          walk(n.children, datapath, generated);
      }
    }
  };
  walk(section.nodes, undefined, false);
  return obs;
}

/** Turns an ovn-trace run into a leg; the verdict is "was the expected output reached". */
export function evaluateOvnTraceLeg(plan: PlannedLeg, out: CommandOutput): EvaluatedLeg {
  const leg = baseLeg(plan, out);
  const trace = parseOvnTrace(out.stdout, { stderr: out.stderr, exitCode: out.exitCode ?? undefined });
  const expect = plan.expect?.kind === 'ovn-output' ? plan.expect : undefined;
  leg.observations = ovnObservations(trace, plan.node, expect);
  const hardErrors = trace.errors.filter((e) => e.kind !== 'trace-error');
  if (hardErrors.length > 0 || (out.exitCode !== 0 && trace.sections.length === 0)) {
    leg.verdict = 'error';
    leg.reason = hardErrors.map((e) => e.message).join('; ') || `ovn-trace exited with ${out.exitCode}: ${out.stderr.trim()}`;
    return { leg, ovnTrace: trace };
  }
  if (expect?.lbBackend !== undefined) {
    // The VIP check: the load balancer must list the endpoint. Where the packet goes after it is
    // ovn-trace's random pick among the backends (ovn-trace.c execute_ct_lb, "select a random
    // destination" without --lb-dst), so it does not decide: the --lb-dst leg of each backend does.
    const backends = trace.loadBalancing.flatMap((lb) => lb.backends.map((b) => b.replace(/^\[(.*)\](:\d+)$/, '$1$2')));
    const listed = backends.includes(expect.lbBackend);
    leg.verdict = listed ? 'delivered' : 'dropped';
    leg.reason = listed
      ? `the load balancer lists ${expect.lbBackend} among its backends (${backends.join(', ')})`
      : backends.length
        ? `the load balancer does not list ${expect.lbBackend} (backends: ${backends.join(', ')})`
        : 'no load-balancer flow matched the ClusterIP (no ct_lb_mark(backends=...))';
    if (!listed) leg.drop = { type: 'other', explanation: leg.reason };
    return { leg, ovnTrace: trace };
  }
  if (!expect) {
    leg.verdict = trace.outputs.length ? 'delivered' : verdictFromLeaves(trace);
    return { leg, ovnTrace: trace };
  }
  const check = checkExpectedOutput(trace, { port: expect.port, ...(expect.type !== undefined ? { type: expect.type } : {}) });
  if (check.reached) {
    leg.verdict = 'delivered';
    leg.reason = `output to "${expect.port}"${expect.type ? `, type "${expect.type}"` : ''} reached`;
    return { leg, ovnTrace: trace };
  }
  const leaf = trace.dropLeaves.find((l) => !l.generated);
  leg.verdict = verdictFromLeaves(trace);
  const where = leaf?.table ? `${leaf.table.stage}${leaf.table.uuid ? ` (uuid ${leaf.table.uuid})` : ''}` : 'a branch with no output';
  const others = check.otherOutputs.map((o) => `"${o.port}"`).join(', ');
  leg.reason = `no output to "${expect.port}": the traced packet ends at ${where}${leaf ? ` (${leaf.reason}${leaf.actions.length ? `: ${leaf.actions.join(' ')}` : ''})` : ''}${others ? `; it went to ${others} instead` : ''}`;
  if (leaf && leg.verdict !== 'inconclusive') leg.drop = { type: 'other', explanation: leg.reason };
  return { leg, ovnTrace: trace, ...(leaf ? { dropLeaf: leaf } : {}) };
}

function verdictFromLeaves(trace: OvnTrace): Verdict {
  const leaf = trace.dropLeaves.find((l) => !l.generated);
  if (!leaf) return 'inconclusive';
  if (leaf.reason === 'rejected') return 'rejected';
  if (leaf.reason === 'error') return 'error';
  return 'dropped';
}

/**
 * The verdict of a trace whose packet only reaches the controller, from what OVN asked pinctrl to
 * do: a reject/TCP-reset/ICMP-error opcode answers the packet (rejected); ACL logging alone logs a
 * copy and forwards nothing, so the packet is dropped by the logged ACL; ARP/ND resolution, DHCP,
 * DNS, MAC learning and the like are neither (inconclusive), nor is a hand-off whose userdata is
 * not visible in the trace.
 */
export function controllerVerdict(controllers: readonly DatapathControllerAction[]): { verdict: Verdict; reason: string } {
  const purposes = controllers.map((c) => c.purpose);
  const logged = purposes.filter((p) => p?.effect === 'log');
  const acl = logged.map((p) => p?.ruleName).find(Boolean);
  const named = acl ? ` (ACL "${acl}")` : '';
  const answer = purposes.find((p) => p?.effect === 'reject');
  if (answer) {
    return { verdict: 'rejected', reason: `handed to ovn-controller for ${answer.name} (opcode ${answer.code}): OVN answers the packet instead of delivering it${named}` };
  }
  if (purposes.length && purposes.every((p) => p?.effect === 'log')) {
    const verdicts = [...new Set(logged.map((p) => p?.logVerdict ?? 'unknown'))].join('/');
    return { verdict: 'dropped', reason: `only a copy goes to ovn-controller for ACL logging (logged verdict ${verdicts})${named}; nothing is forwarded` };
  }
  const other = purposes.find((p) => p && p.effect === 'other');
  if (other) return { verdict: 'inconclusive', reason: `handed to ovn-controller for ${other.name} (opcode ${other.code}): not a delivery, a drop or a reject by the data plane` };
  return { verdict: 'inconclusive', reason: 'handed to the controller with no OVN opcode visible in the trace' };
}

/** Turns an ofproto/trace run into a leg; judged by the last block's datapath actions (`trace`: the output already parsed). */
export function evaluateOfprotoLeg(
  plan: PlannedLeg,
  out: CommandOutput,
  lflowStages: ReadonlyMap<string, string> = new Map(),
  trace: OfprotoTrace = parseOfprotoTrace(out.stdout, { stderr: out.stderr, exitCode: out.exitCode ?? undefined }),
): EvaluatedLeg {
  const leg = baseLeg(plan, out);
  const expect = plan.expect?.kind === 'ofproto-output' ? (plan.expect as OfprotoExpectation) : undefined;
  const s = trace.summary;
  // What each controller hand-off asks ovn-controller to do (OVN's opcode in the userdata).
  linkControllers(s.controllers, trace.blocks.at(-1), decodeOvnControllerUserdata);
  // OpenFlow port numbers (what ovs-vsctl reports) differ from datapath port numbers (what
  // `Datapath actions:` prints), so delivery is judged on the OpenFlow `output:N` actions of the
  // last block, as ovnkube-trace does, and the datapath actions only tell drop from not-drop.
  const ofOutputs = (trace.blocks.at(-1)?.tables ?? []).flatMap((t) => t.actions.map((a) => /^output:(\d+)$/.exec(a)?.[1]).filter((p): p is string => p !== undefined).map(Number));
  const tunnelOut = ofOutputs.find((p) => expect?.tunnelOfports?.includes(p));
  for (const block of trace.blocks) {
    for (const t of block.tables) {
      if (t.miss && t.resumed) continue;
      const stage = t.cookieUuidPrefix ? lflowStages.get(t.cookieUuidPrefix) : undefined;
      leg.observations.push({
        node: plan.node,
        stage: `table ${t.tableId}${stage ? ` (${stage})` : ''}`,
        action: t.miss ? 'dropped' : 'matched',
        ...(t.cookieUuidPrefix ? { cookie: t.cookieUuidPrefix } : {}),
        flow: t.miss ? 'No match.' : `${t.match}, priority ${t.priority ?? '?'}: ${t.actions.join(', ')}`,
        detail: { table: t.tableId, block: block.index, ...(block.recirculation ? { recirculation: block.recirculation.id } : {}) },
      });
    }
  }
  if (trace.errors.length > 0 || s.outcome === 'error') {
    leg.verdict = 'error';
    leg.reason = trace.errors.join('; ') || s.translationFailed || `ofproto/trace exited with ${out.exitCode}`;
    return { leg, ofproto: trace };
  }
  const last = leg.observations.at(-1);
  const finalObs = (o: Observation) => leg.observations.push(o);
  const notDropped = s.outcome === 'output' || s.outcome === 'tunnel';
  if (notDropped && expect?.ofport !== undefined && ofOutputs.includes(expect.ofport)) {
    leg.verdict = 'delivered';
    leg.reason = `output to OpenFlow port ${expect.ofport} (Datapath actions: ${s.datapathActions})`;
    finalObs({ node: plan.node, stage: 'datapath', action: 'delivered', port: String(expect.ofport), description: leg.reason });
  } else if (notDropped && (s.outcome === 'tunnel' || tunnelOut !== undefined) && (expect?.tunnelTo !== undefined || (expect?.tunnelOfports?.length ?? 0) > 0)) {
    const dst = s.tunnel?.destination;
    if (expect?.tunnelTo && dst && dst !== expect.tunnelTo) {
      leg.verdict = 'inconclusive';
      leg.reason = `tunnelled to ${dst}, not to ${expect.tunnelTo}`;
    } else {
      leg.verdict = 'delivered';
      const form = s.outcome === 'tunnel' ? `${s.tunnelForm ?? 'port'} form` : `OpenFlow output:${tunnelOut} is a tunnel port`;
      leg.reason = `sent into the tunnel${dst ? ` to ${dst}` : expect?.tunnelTo ? ` towards ${expect.tunnelTo}` : ''} (${form}; Datapath actions: ${s.datapathActions})`;
    }
    finalObs({ node: plan.node, stage: 'datapath', action: 'tunnelled', ...(dst ?? expect?.tunnelTo ? { tunnelDst: dst ?? expect?.tunnelTo } : {}), description: leg.reason, ...(s.tunnel ? { detail: { tunnel: s.tunnel } } : {}) });
  } else if (s.outcome === 'drop') {
    leg.verdict = 'dropped';
    const where = s.terminalMiss ?? s.lastTable;
    leg.reason = `Datapath actions: drop${where ? ` after table ${where.tableId}${where.cookieUuidPrefix ? ` (cookie ${where.cookie}, logical flow ${where.cookieUuidPrefix})` : ''}` : ''}${s.translationFailed ? ` (translation failed: ${s.translationFailed})` : ''}${s.lengthChecks.length ? `; ${describeDatapathActions(s)}` : ''}`;
    if (last) {
      last.terminal = true;
      last.action = 'dropped';
    }
    leg.drop = { type: 'other', explanation: leg.reason };
  } else if (s.outcome === 'controller') {
    const handoff = controllerVerdict(s.controllers);
    leg.verdict = handoff.verdict;
    leg.reason = `${handoff.reason} (Datapath actions: ${s.datapathActions})`;
    if (last) {
      last.terminal = true;
      if (handoff.verdict === 'dropped') last.action = 'dropped';
    }
    if (handoff.verdict === 'dropped') leg.drop = { type: 'other', explanation: leg.reason };
  } else if (notDropped && expect?.ofport === undefined && expect?.tunnelTo === undefined && !(expect?.tunnelOfports?.length)) {
    leg.verdict = 'delivered';
    leg.reason = describeDatapathActions(s);
  } else if (s.outcome === 'unknown') {
    leg.verdict = 'inconclusive';
    leg.reason = `${describeDatapathActions(s)} (Datapath actions: ${s.datapathActions})`;
  } else {
    leg.verdict = 'inconclusive';
    leg.reason = `OpenFlow output ${ofOutputs.length ? ofOutputs.map((p) => `port ${p}`).join(', ') : 'to no port'} (Datapath actions: ${s.datapathActions ?? '(none)'}), not ${expect?.ofport !== undefined ? `OpenFlow port ${expect.ofport}` : 'the expected tunnel'}`;
  }
  return { leg, ofproto: trace };
}

/** Turns an ovn-detrace run into an informational leg (like ovnkube-trace: it succeeds when it ran). */
export function evaluateDetraceLeg(plan: PlannedLeg, out: CommandOutput): EvaluatedLeg {
  const leg = baseLeg(plan, out);
  if (out.exitCode === 0) {
    leg.verdict = 'delivered';
    leg.reason = 'ovn-detrace annotated the OpenFlow trace with logical flows and NB records';
  } else {
    leg.verdict = 'error';
    leg.reason = `ovn-detrace exited with ${out.exitCode}: ${out.stderr.trim().split('\n').at(-1) ?? ''}`;
  }
  for (const line of out.stdout.split('\n')) {
    const acl = /^\s*\*\s+ACL:\s*(.*)$/.exec(line);
    if (acl) leg.observations.push({ node: plan.node, stage: 'ACL', action: 'matched', description: acl[1]!.trim() });
  }
  return { leg };
}
