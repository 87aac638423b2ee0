/**
 * The conntrack states an `ofproto/trace` must be given, derived from the path the trace took.
 *
 * ovs-vswitchd(8): each `--ct-next FLAGS` is consumed by one `ct` action that recirculates
 * (`ct(table=...)`, datapath `ct(...),recirc(N)`), in order; when they run out, every further one
 * resumes with `trk,new` (ofproto/ofproto-dpif-trace.c, `ofproto_trace_recirc_node`). A packet
 * meets one such action per conntrack stage of its path (OVN: a logical switch pipeline's
 * pre-stateful `ct_next`, a load balancer's `ct_lb_mark`, a router's `ct_dnat`/`ct_snat`;
 * Antrea: ConntrackZone, EndpointDNAT), each in its own zone. Which and how many depends on the
 * path, so the states are found by tracing: a trace shows every conntrack recirculation with the
 * zone and NAT of the `ct` action that caused it; the state each one must have follows from the
 * connection model below; the trace is re-run with those states until the states it was given
 * are the states its own path calls for (a fixed point).
 *
 * The model (Linux/userspace conntrack as OVS exposes it, ovs-fields(7) `ct_state`):
 * - **A new connection** (the first packet): `trk,new` in every zone, also after it was committed
 *   in an earlier zone or earlier in the same zone (a connection is established only once a reply
 *   was seen). A `ct` action that translates (`nat(dst=A)` / `nat(src=A)`) adds `dnat` / `snat`.
 * - **Its reply**: `trk,est,rpl` in every zone the forward packet committed in (on this node),
 *   and `trk,new` in any zone it did not. Where the forward was translated, a `ct(...,nat)` on
 *   the reply applies the reverse translation and reports the opposite flag (lib/conntrack.c
 *   `nat_packet`: the reply of a DNAT connection is source-translated, so `snat`; of SNAT, `dnat`).
 */
import { findClosing } from './balanced-text.js';
import type { OfprotoTrace } from './ofproto-trace-types.js';

/** NAT a `ct` action applies or was committed with: the translated side, when an address is given. */
export type ConntrackNat = 'dst' | 'src';

/** One `ct(...)` datapath action of a trace. */
export interface ConntrackAction {
  /** Conntrack zone (0 when the action names none). */
  zone: number;
  commit: boolean;
  /** `nat` present at all (for a reply: the reverse translation is applied). */
  nat: boolean;
  /** A translation to a given address: `nat(dst=...)` → `dst`, `nat(src=...)` → `src`. */
  translates?: ConntrackNat;
  /** The recirculation that resumes after this action, when it recirculates. */
  recirculationId?: string;
}

/** One conntrack recirculation the trace followed, with the state it was traced with. */
export interface ConntrackStep {
  action: ConntrackAction;
  /** State as the trace used it (`--ct-next` value or OVS's default `trk,new`), as a flag list. */
  used: string[];
}

/** Zones a forward packet committed in on one node, with the translation of each. */
export type CommittedZones = Map<number, ConntrackNat | undefined>;

/** Which packet of the connection a trace follows. */
export type ConntrackDirection = { kind: 'new' } | { kind: 'reply'; committed: CommittedZones };

const CT_OR_RECIRC = /(?:^|[,(])\s*(ct|recirc)\(/g;

/** Every `ct(...)` action in datapath actions text, in order, nested lists (clone, check_pkt_len) included. */
export function conntrackActions(datapathActions: string): ConntrackAction[] {
  const out: ConntrackAction[] = [];
  const re = new RegExp(CT_OR_RECIRC.source, 'g');
  let lastCtEnd = -1;
  for (let m = re.exec(datapathActions); m; m = re.exec(datapathActions)) {
    const open = m.index + m[0].length - 1;
    const close = findClosing(datapathActions, open);
    const end = close < 0 ? datapathActions.length : close;
    const args = datapathActions.slice(open + 1, end);
    re.lastIndex = end + 1;
    if (m[1] === 'recirc') {
      // Only a recirc right after a ct action resumes it (`ct(...),recirc(N)`); one after
      // `hash(...)` (a dp_hash select group) is not a conntrack recirculation.
      const last = out.at(-1);
      if (last && last.recirculationId === undefined && /^[\s,]*$/.test(datapathActions.slice(lastCtEnd + 1, m.index + m[0].indexOf('recirc(')))) last.recirculationId = args.trim();
      continue;
    }
    const zone = /(?:^|,)zone=(\d+)/.exec(args);
    const nat = /(?:^|,)nat(?:\(([^)]*)\))?/.exec(args);
    const natArgs = nat?.[1] ?? '';
    const translates: ConntrackNat | undefined = /(?:^|,)dst=/.test(natArgs) ? 'dst' : /(?:^|,)src=/.test(natArgs) ? 'src' : undefined;
    out.push({ zone: zone ? Number(zone[1]) : 0, commit: /(?:^|,)commit(?:,|$)/.test(args), nat: nat !== null, ...(translates ? { translates } : {}) });
    lastCtEnd = end;
  }
  return out;
}

function flags(state: string | undefined): string[] {
  return (state ?? '')
    .split(/[|,\s]+/)
    .map((f) => f.trim().toLowerCase())
    .filter(Boolean)
    .sort();
}

/** The conntrack recirculations a trace followed, in order, each with the `ct` action behind it. */
export function conntrackSteps(trace: OfprotoTrace): ConntrackStep[] {
  const byRecirc = new Map<string, ConntrackAction>();
  for (const block of trace.blocks) for (const a of conntrackActions(block.datapathActions ?? '')) if (a.recirculationId) byRecirc.set(a.recirculationId, a);
  const steps: ConntrackStep[] = [];
  for (const block of trace.blocks) {
    const r = block.recirculation;
    // Only conntrack resumptions carry a state (a dp_hash recirculation is not followed).
    if (!r || (r.ctState === undefined && !r.defaultCtState)) continue;
    const action = byRecirc.get(r.id) ?? { zone: 0, commit: false, nat: false };
    steps.push({ action, used: r.defaultCtState && !r.ctState ? ['new', 'trk'] : flags(r.ctState) });
  }
  return steps;
}

/** Zones the trace's packet committed in (every `ct(commit,...)`), with the translation committed. */
export function committedZones(trace: OfprotoTrace): CommittedZones {
  const zones: CommittedZones = new Map();
  for (const block of trace.blocks) {
    for (const a of conntrackActions(block.datapathActions ?? '')) {
      if (!a.commit) continue;
      zones.set(a.zone, a.translates ?? zones.get(a.zone));
    }
  }
  return zones;
}

/** Merges the committed zones of several traces of the same forward packet on one node. */
export function mergeCommittedZones(all: Iterable<CommittedZones>): CommittedZones {
  const out: CommittedZones = new Map();
  for (const zones of all) for (const [zone, nat] of zones) out.set(zone, nat ?? out.get(zone));
  return out;
}

/** The state one conntrack action must report, by the model in this module's comment. */
export function stateFor(action: ConntrackAction, direction: ConntrackDirection, translatedEarlier: ConntrackNat | undefined): string[] {
  if (direction.kind === 'reply' && direction.committed.has(action.zone)) {
    const forwardNat = direction.committed.get(action.zone);
    const reverse = action.nat && forwardNat ? [forwardNat === 'dst' ? 'snat' : 'dnat'] : [];
    return ['est', 'rpl', 'trk', ...reverse].sort();
  }
  const nat = action.translates ?? (action.nat ? translatedEarlier : undefined);
  return ['new', 'trk', ...(nat ? [nat === 'dst' ? 'dnat' : 'snat'] : [])].sort();
}

/** `--ct-next` values (`trk,est,rpl`) for each conntrack recirculation of a trace's path. */
export function derivedCtStates(steps: readonly ConntrackStep[], direction: ConntrackDirection): string[] {
  const translated = new Map<number, ConntrackNat>();
  return steps.map(({ action }) => {
    const state = stateFor(action, direction, translated.get(action.zone));
    if (action.translates) translated.set(action.zone, action.translates);
    return state.join(',');
  });
}

/** What to do after one pass of the fixed point. */
export interface CtStatesCheck {
  /** Every conntrack recirculation of the trace was given the state its path calls for. */
  settled: boolean;
  /** The states to trace with next (when not settled): the derived ones. */
  states: string[];
  steps: ConntrackStep[];
}

/**
 * Checks a trace against the model: settled when each conntrack recirculation it followed was
 * traced with the state derived for it; otherwise the derived states are the next pass's input
 * (each pass fixes at least the first wrong recirculation, so the passes end).
 */
export function checkCtStates(trace: OfprotoTrace, direction: ConntrackDirection): CtStatesCheck {
  const steps = conntrackSteps(trace);
  const states = derivedCtStates(steps, direction);
  const settled = steps.every((s, i) => s.used.join(',') === states[i]);
  return { settled, states, steps };
}

/** `--ct-next` argv for a list of states. */
export function ctNextArgv(states: readonly string[]): string[] {
  return states.flatMap((s) => ['--ct-next', s]);
}
