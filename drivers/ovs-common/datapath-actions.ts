/**
 * Classifies an OVS `Datapath actions:` value: the ODP action list as ovs-vswitchd's
 * `format_odp_actions` (lib/odp-util.c) prints it, walked recursively.
 *
 * The grammar, from `format_odp_action`: a comma-separated list in which
 * - a bare number or name is an output to that datapath port (`--names` prints names);
 * - `drop` is either the explicit drop action or the text of an empty list (so `gt(drop)` is an
 *   empty branch); `ct_clear`, `pop_vlan`, `pop_eth` are bare-word actions;
 * - `clone(A)`, `sample(sample=P%,actions(A))`, `check_pkt_len(size=N,gt(A),le(A))` and
 *   `dec_ttl(le_1(A))` hold nested action lists: a copy of the packet (clone, sample) or the packet
 *   itself under a condition (check_pkt_len's two branches, dec_ttl's TTL≤1 branch) runs them;
 * - `tnl_push(...,out_port(N))` encapsulates and outputs (userspace tunnel), `set(tunnel(...))`
 *   sets the tunnel of the outputs that follow (kernel tunnel), `tnl_pop(N)` decapsulates and
 *   recirculates into tunnel port N, `recirc(ID)` recirculates, `lb_output(N)` outputs to a
 *   balance-tcp bond;
 * - `userspace(pid=..,controller(...))` hands the packet to the OpenFlow controller; other
 *   `userspace(...)` forms (sFlow, flow_sample, ipfix, slow_path, userdata) only send a sample up;
 * - `set`, `ct`, `push_*`/`pop_*`, `hash`, `meter`, `trunc`, `psample`, ... change or observe the
 *   packet without sending it anywhere;
 * - `actionN(...)` is an attribute this OVS does not know, and `***N leftover bytes***` a
 *   malformed list.
 * An action this module does not know is recorded in `unknownActions`, and makes the outcome
 * `unknown` unless the packet is visibly forwarded: it is never read as a drop.
 */
import { findClosing, splitTopLevel } from './balanced-text.js';
import type {
  DatapathActionsSummary,
  DatapathBranch,
  DatapathControllerAction,
  DatapathOutcome,
  GeneveOption,
  PacketLengthCheck,
  TunnelInfo,
} from './ofproto-trace-types.js';

// Bare-word ODP actions that are not port outputs (`drop` is also an empty list's text).
const BARE_ACTIONS = new Set(['drop', 'ct_clear', 'pop_vlan', 'pop_eth', 'pop_nsh', 'pop_mpls', 'push_eth', 'dec_ttl']);

// Bracketed ODP actions that neither output the packet nor hold nested actions.
const PLAIN_ACTIONS = new Set([
  'set', 'set_masked', 'ct', 'push_vlan', 'pop_vlan', 'push_mpls', 'pop_mpls', 'add_mpls', 'push_eth', 'pop_eth',
  'push_nsh', 'pop_nsh', 'hash', 'meter', 'trunc', 'psample', 'drop', 'ct_clear', 'encap_nsh', 'decap_nsh',
]);

/** Name and bracket body of `name(body)`; undefined for a bare word. */
function call(action: string): { name: string; body: string } | undefined {
  const open = action.indexOf('(');
  if (open <= 0) return undefined;
  const close = findClosing(action, open);
  if (close < 0) return undefined;
  return { name: action.slice(0, open), body: action.slice(open + 1, close) };
}

/** `k=v` pieces and `name(...)` pieces of a bracket body. */
function fields(body: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const piece of splitTopLevel(body)) {
    const c = call(piece);
    const eq = piece.indexOf('=');
    if (c && (eq < 0 || eq > piece.indexOf('('))) map.set(c.name, c.body);
    else if (eq > 0) map.set(piece.slice(0, eq), piece.slice(eq + 1));
    else map.set(piece, '');
  }
  return map;
}

function geneveOptions(text: string): GeneveOption[] {
  const options: GeneveOption[] = [];
  for (const m of text.matchAll(/\{([^{}]*)\}/g)) {
    const opt: Partial<GeneveOption> = {};
    for (const piece of m[1].split(',')) {
      const eq = piece.indexOf('=');
      const key = eq > 0 ? piece.slice(0, eq).trim() : '';
      const value = eq > 0 ? piece.slice(eq + 1).trim() : piece.trim();
      if (key === 'class') opt.optionClass = value;
      else if (key === 'type') opt.type = value;
      else if (key === 'len') opt.length = Number(value);
      else if (!key && value) opt.data = value;
    }
    if (opt.optionClass !== undefined && opt.type !== undefined) {
      options.push({ optionClass: opt.optionClass, type: opt.type, length: opt.length ?? 0, ...(opt.data ? { data: opt.data } : {}) });
    }
  }
  return options;
}

/** Drops undefined fields so the result stays plain JSON. */
function compact<T extends object>(info: T): T {
  for (const key of Object.keys(info) as (keyof T)[]) if (info[key] === undefined) delete info[key];
  return info;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const ENCAPSULATIONS = ['geneve', 'vxlan', 'gre', 'erspan', 'gtpu', 'srv6'];

/** Tunnel parameters of a kernel-form `tunnel(...)` body. */
function kernelTunnel(body: string): TunnelInfo {
  const f = fields(body);
  const encapsulation = ENCAPSULATIONS.find((e) => f.has(e));
  return compact({
    tunnelId: f.get('tun_id'),
    destination: f.get('dst') ?? f.get('ipv6_dst'),
    source: f.get('src') ?? f.get('ipv6_src'),
    udpDestination: numberOrUndefined(f.get('tp_dst')),
    ttl: numberOrUndefined(f.get('ttl')),
    ...(encapsulation ? { encapsulation } : {}),
    geneveOptions: f.has('geneve') ? geneveOptions(f.get('geneve') ?? '') : [],
    flags: f.get('flags'),
  });
}

/** Tunnel parameters of a native-form `tnl_push(...)` body. */
function nativeTunnel(body: string): { tunnel: TunnelInfo; outPort?: string } {
  const top = fields(body);
  const header = fields(top.get('header') ?? '');
  const ip = fields(header.get('ipv4') ?? header.get('ipv6') ?? '');
  const udp = fields(header.get('udp') ?? '');
  const encapsulation = ENCAPSULATIONS.find((e) => header.has(e));
  const encap = fields((encapsulation && header.get(encapsulation)) ?? '');
  return {
    tunnel: compact({
      tunnelId: encap.get('vni') ?? encap.get('key') ?? header.get('key') ?? encap.get('teid') ?? encap.get('sid'),
      destination: ip.get('dst'),
      source: ip.get('src'),
      udpDestination: numberOrUndefined(udp.get('dst')),
      ttl: numberOrUndefined(ip.get('ttl') ?? ip.get('hlimit')),
      ...(encapsulation ? { encapsulation } : {}),
      geneveOptions: encap.has('options') ? geneveOptions(encap.get('options') ?? '') : [],
    }),
    outPort: top.get('out_port'),
  };
}

/** The `controller(...)` of `userspace(pid=..,controller(...))`. */
function controllerAction(body: string, context: string): DatapathControllerAction {
  const f = fields(body);
  const flag = (key: string) => (f.has(key) ? f.get(key) === '1' : undefined);
  return compact({
    context,
    reason: numberOrUndefined(f.get('reason')),
    dontSend: flag('dont_send'),
    continuation: flag('continuation'),
    recirculationId: f.get('recirc_id'),
    ruleCookie: f.get('rule_cookie')?.toLowerCase(),
    controllerId: numberOrUndefined(f.get('controller_id')),
    maxLength: numberOrUndefined(f.get('max_len')),
  });
}

/** Everything one walk of an action tree finds. */
interface Scan {
  /** Every output, in print order, with whether it ran at top level or in a clone (shallow). */
  outputs: Array<{ port: string; shallow: boolean; nested: boolean; tunnel?: TunnelInfo }>;
  nativeTunnels: Array<{ tunnel: TunnelInfo; outPort?: string }>;
  kernelTunnels: TunnelInfo[];
  controllers: DatapathControllerAction[];
  tunnelPops: string[];
  lengthChecks: PacketLengthCheck[];
  unknown: string[];
  dropReasons: string[];
  /** Every recirc(ID), with whether it sits in a conditional branch. */
  recirculations: Array<{ id: string; conditional: boolean }>;
}

function emptyScan(): Scan {
  return { outputs: [], nativeTunnels: [], kernelTunnels: [], controllers: [], tunnelPops: [], lengthChecks: [], unknown: [], dropReasons: [], recirculations: [] };
}

interface WalkContext {
  /** Where the list sits: '' at top level, else e.g. `clone`, `check_pkt_len(size=200).gt`. */
  path: string;
  /** Top level or inside clones only: the packet itself, or an unconditional copy, runs the list. */
  shallow: boolean;
  tunnelPorts: ReadonlySet<string>;
}

function within(ctx: WalkContext, step: string, shallow: boolean): WalkContext {
  return { path: ctx.path ? `${ctx.path}.${step}` : step, shallow: ctx.shallow && shallow, tunnelPorts: ctx.tunnelPorts };
}

/** Walks one action list. A kernel `set(tunnel(...))` applies to the outputs after it in the list. */
function walk(actions: readonly string[], ctx: WalkContext, into: Scan): void {
  let kernel: TunnelInfo | undefined;
  for (const action of actions) {
    const c = call(action);
    if (!c) {
      const quoted = /^"(.*)"$/.exec(action);
      const word = quoted ? quoted[1] : action;
      if (BARE_ACTIONS.has(word)) continue;
      // `actionN`: an attribute OVS did not know; `***N leftover bytes***`, `<empty>`, `bad length
      // N, expected M for: ...`: a malformed list. Unquoted port names hold no blanks or brackets.
      if (/^action\d+$/.test(word) || word.startsWith('***') || word.startsWith('<') || (!quoted && /[\s(),=]/.test(word))) {
        into.unknown.push(action);
        continue;
      }
      into.outputs.push({ port: word, shallow: ctx.shallow, nested: ctx.path !== '', ...(kernel ? { tunnel: kernel } : {}) });
      // One tunnel per set(tunnel(...)) that some output uses.
      if (kernel && !into.kernelTunnels.includes(kernel)) into.kernelTunnels.push(kernel);
      continue;
    }
    switch (c.name) {
      case 'set':
      case 'set_masked': {
        const inner = call(c.body);
        if (inner?.name === 'tunnel') kernel = kernelTunnel(inner.body);
        break;
      }
      case 'tnl_push': {
        into.nativeTunnels.push(nativeTunnel(c.body));
        break;
      }
      case 'tnl_pop':
        into.tunnelPops.push(c.body);
        break;
      case 'lb_output':
        into.outputs.push({ port: action, shallow: ctx.shallow, nested: ctx.path !== '' });
        break;
      case 'clone':
        walk(splitTopLevel(c.body), within(ctx, 'clone', true), into);
        break;
      case 'sample': {
        const f = fields(c.body);
        if (!f.has('actions')) into.unknown.push(action);
        else walk(splitTopLevel(f.get('actions') ?? ''), within(ctx, `sample(${f.get('sample') ?? '?'})`, false), into);
        break;
      }
      case 'check_pkt_len': {
        const f = fields(c.body);
        const size = numberOrUndefined(f.get('size'));
        if (size === undefined || !f.has('gt') || !f.has('le')) {
          into.unknown.push(action);
          break;
        }
        const here = `check_pkt_len(size=${size})`;
        const greater = splitTopLevel(f.get('gt') ?? '');
        const lessOrEqual = splitTopLevel(f.get('le') ?? '');
        walk(greater, within(ctx, `${here}.gt`, false), into);
        walk(lessOrEqual, within(ctx, `${here}.le`, false), into);
        into.lengthChecks.push({
          size,
          context: ctx.path,
          greater: branch(greater, ctx.tunnelPorts),
          lessOrEqual: branch(lessOrEqual, ctx.tunnelPorts),
        });
        break;
      }
      case 'dec_ttl': {
        // dec_ttl(le_1(A)): A runs only for a packet whose TTL is 1 or less; the packet itself goes on.
        const f = fields(c.body);
        if (f.has('le_1')) walk(splitTopLevel(f.get('le_1') ?? ''), within(ctx, 'dec_ttl.le_1', false), into);
        break;
      }
      case 'userspace': {
        const f = fields(c.body);
        if (f.has('controller')) into.controllers.push(controllerAction(f.get('controller') ?? '', ctx.path));
        break;
      }
      case 'recirc':
        into.recirculations.push({ id: c.body, conditional: !ctx.shallow });
        break;
      case 'drop':
        // Not printed by upstream OVS (its explicit drop action prints as `drop`); a reason some
        // builds add is kept rather than read as an unknown action.
        into.dropReasons.push(c.body);
        break;
      default:
        if (!PLAIN_ACTIONS.has(c.name)) into.unknown.push(action);
    }
  }
}

/** Whether an action-tree path passes through a conditional list (sample, check_pkt_len, dec_ttl). */
function isConditional(path: string): boolean {
  return path.split('.').some((step) => step !== '' && step !== 'clone');
}

/** The summary of one nested branch (check_pkt_len's `gt`/`le`). */
function branch(actions: readonly string[], tunnelPorts: ReadonlySet<string>): DatapathBranch {
  const s = summarizeActions(actions, tunnelPorts);
  return compact({
    actions: [...actions],
    outcome: s.outcome,
    outputPorts: s.outputPorts,
    ...(s.tunnels.length ? { tunnels: s.tunnels } : {}),
    ...(s.controllers.length ? { controllers: s.controllers } : {}),
  });
}

function summarizeActions(actions: readonly string[], tunnelPorts: ReadonlySet<string>): DatapathActionsSummary {
  const found = emptyScan();
  walk(actions, { path: '', shallow: true, tunnelPorts }, found);
  const outputPorts = found.outputs.map((o) => o.port);
  const shallowOutputPorts = found.outputs.filter((o) => o.shallow).map((o) => o.port);
  const explicitDrop = actions.length === 1 && (actions[0] === 'drop' || actions[0].startsWith('drop('));
  const summary: DatapathActionsSummary = {
    outcome: 'drop',
    explicitDrop,
    actions: [...actions],
    outputPorts,
    shallowOutputPorts,
    nestedOutput: found.outputs.some((o) => o.nested),
    tunnels: [],
    controllers: found.controllers,
    lengthChecks: found.lengthChecks,
    tunnelPops: found.tunnelPops,
    unknownActions: found.unknown,
  };
  if (found.dropReasons.length) summary.dropReasons = found.dropReasons;
  // The recirculation the trace continues with: the list's last action, else the last recirc in
  // a branch (check_pkt_len's le(...,recirc(ID)) for a packet of the traced size).
  const last = actions.length ? call(actions[actions.length - 1]) : undefined;
  if (last?.name === 'recirc') summary.recirculationId = last.body;
  else if (found.recirculations.length) summary.recirculationId = found.recirculations[found.recirculations.length - 1].id;
  // A hand-off only inside a conditional branch does not end the traced packet (see below).
  const unconditionalController = found.controllers.some((c) => !isConditional(c.context));

  const kernelOutputs = found.outputs.filter((o) => o.tunnel);
  const portTunnel = found.outputs.some((o) => tunnelPorts.has(o.port));
  let outcome: DatapathOutcome;
  if (found.nativeTunnels.length) {
    outcome = 'tunnel';
    summary.tunnelForm = 'native';
    summary.tunnels = found.nativeTunnels.map((t) => t.tunnel);
  } else if (kernelOutputs.length) {
    outcome = 'tunnel';
    summary.tunnelForm = 'kernel';
    summary.tunnels = found.kernelTunnels;
  } else if (portTunnel) {
    outcome = 'tunnel';
    summary.tunnelForm = 'port';
  } else if (outputPorts.length) {
    outcome = 'output';
  } else if (found.unknown.length) {
    // Something this module cannot read may have sent the packet on: say so, never "drop".
    outcome = 'unknown';
  } else if (unconditionalController) {
    outcome = 'controller';
  } else if (summary.recirculationId !== undefined || found.tunnelPops.length) {
    outcome = 'recirculate';
  } else {
    // Hand-offs only in conditional lists (a check_pkt_len `gt`, dec_ttl's TTL<=1 branch, a
    // sample) are not the traced packet's fate: ofproto/trace composes a minimal packet, which
    // takes `le` and keeps its TTL; lengthChecks/controllers keep what the others would meet.
    outcome = 'drop';
  }
  summary.outcome = outcome;
  if (summary.tunnels.length) summary.tunnel = summary.tunnels[0];
  return summary;
}

/**
 * Classifies one `Datapath actions:` value. `tunnelPorts` lists datapath ports known to be tunnel
 * ports, so that the dummy-datapath form (a tunnel that is just an output port) is recognised.
 */
export function classifyDatapathActions(text: string | undefined, tunnelPorts: ReadonlySet<string> = new Set()): DatapathActionsSummary {
  if (text === undefined) {
    return {
      outcome: 'error', explicitDrop: false, actions: [], outputPorts: [], shallowOutputPorts: [], nestedOutput: false,
      tunnels: [], controllers: [], lengthChecks: [], tunnelPops: [], unknownActions: [],
    };
  }
  return summarizeActions(splitTopLevel(text.trim()), tunnelPorts);
}

/** Words for a branch's fate (`to port 2`, `tunnelled to 10.0.0.2`, `dropped`). */
function branchFate(b: DatapathBranch): string {
  switch (b.outcome) {
    case 'output':
      return `output to port ${b.outputPorts.join(', ')}`;
    case 'tunnel':
      return `tunnelled${b.tunnels?.[0]?.destination ? ` to ${b.tunnels[0].destination}` : ''}${b.outputPorts.length ? ` (port ${b.outputPorts.join(', ')})` : ''}`;
    case 'controller':
      return 'handed to the controller';
    case 'recirculate':
      return 'recirculated';
    case 'unknown':
      return 'sent through actions cni-trace cannot read';
    default:
      return 'dropped';
  }
}

/**
 * One line saying where the datapath sends the packet, naming the branches of a
 * `check_pkt_len` (which OVN emits for `check_pkt_larger`): e.g. `output to port 3 (longer than
 * 1414 bytes: handed to the controller; up to 1414 bytes: output to port 3)`.
 */
export function describeDatapathActions(s: DatapathActionsSummary): string {
  const head = (() => {
    switch (s.outcome) {
      case 'output':
        return `output to port ${s.outputPorts.join(', ')}`;
      case 'tunnel':
        return `tunnelled${s.tunnel?.destination ? ` to ${s.tunnel.destination}` : ''}${s.outputPorts.length ? ` (port ${s.outputPorts.join(', ')})` : ''}`;
      case 'controller':
        return 'handed to the controller';
      case 'recirculate':
        return s.tunnelPops.length ? `decapsulated and recirculated into tunnel port ${s.tunnelPops.join(', ')}` : `recirculated (${s.recirculationId ?? '?'}) and not followed`;
      case 'unknown':
        return `not understood: unknown datapath action(s) ${s.unknownActions.join(', ')}`;
      case 'error':
        return 'no datapath actions';
      default:
        return 'dropped';
    }
  })();
  const checks = s.lengthChecks.map((c) => `longer than ${c.size} bytes: ${branchFate(c.greater)}; up to ${c.size} bytes: ${branchFate(c.lessOrEqual)}`);
  return checks.length ? `${head} (${checks.join('; ')})` : head;
}
