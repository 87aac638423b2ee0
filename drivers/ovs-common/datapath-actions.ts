/**
 * Classifies an OVS `Datapath actions:` value (ODP actions as `format_odp_actions` prints them):
 * drop, output, tunnel (kernel `set(tunnel(...)),N`, userspace `tnl_push(...)`, or a known tunnel
 * port), controller, unfinished recirculation.
 */
import { findClosing, splitTopLevel } from './balanced-text.js';
import type { DatapathActionsSummary, GeneveOption, TunnelInfo } from './ofproto-trace-types.js';

// Bare-word ODP actions that are not port outputs.
const BARE_ACTIONS = new Set(['drop', 'ct_clear', 'pop_vlan', 'pop_eth', 'pop_nsh', 'pop_mpls', 'push_eth']);

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
function compact(info: TunnelInfo): TunnelInfo {
  for (const key of Object.keys(info) as (keyof TunnelInfo)[]) if (info[key] === undefined) delete info[key];
  return info;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Tunnel parameters of a kernel-form `tunnel(...)` body. */
function kernelTunnel(body: string): TunnelInfo {
  const f = fields(body);
  const encapsulation = ['geneve', 'vxlan', 'gre', 'erspan', 'gtpu'].find((e) => f.has(e));
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
  const encapsulation = ['geneve', 'vxlan', 'gre', 'erspan', 'gtpu'].find((e) => header.has(e));
  const encap = fields((encapsulation && header.get(encapsulation)) ?? '');
  return {
    tunnel: compact({
      tunnelId: encap.get('vni') ?? encap.get('key'),
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

interface Scan {
  ports: string[];
  kernelTunnel?: TunnelInfo;
  nativeTunnel?: TunnelInfo;
  controller: boolean;
}

// Walks top-level actions and clone(...) bodies (a clone's copy is output too).
function scan(actions: string[], into: Scan): void {
  for (const action of actions) {
    const c = call(action);
    if (!c) {
      const word = action.replace(/^"|"$/g, '');
      if (!BARE_ACTIONS.has(word)) into.ports.push(word);
      continue;
    }
    if (c.name === 'set' && c.body.startsWith('tunnel(')) {
      const inner = call(c.body);
      if (inner) into.kernelTunnel = kernelTunnel(inner.body);
    } else if (c.name === 'tnl_push') {
      into.nativeTunnel = nativeTunnel(c.body).tunnel;
    } else if (c.name === 'clone') {
      scan(splitTopLevel(c.body), into);
    } else if (c.name === 'userspace' && c.body.includes('controller(')) {
      into.controller = true;
    }
  }
}

/**
 * Classifies one `Datapath actions:` value. `tunnelPorts` lists datapath ports known to be tunnel
 * ports, so that the dummy-datapath form (a tunnel that is just an output port) is recognised.
 */
export function classifyDatapathActions(text: string | undefined, tunnelPorts: ReadonlySet<string> = new Set()): DatapathActionsSummary {
  if (text === undefined) {
    return { outcome: 'error', explicitDrop: false, actions: [], outputPorts: [] };
  }
  const actions = splitTopLevel(text.trim());
  const explicitDrop = actions.length === 1 && actions[0] === 'drop';
  const found: Scan = { ports: [], controller: false };
  scan(actions, found);
  const summary: DatapathActionsSummary = { outcome: 'drop', explicitDrop, actions, outputPorts: found.ports };
  const last = actions.length ? call(actions[actions.length - 1]) : undefined;
  if (last?.name === 'recirc') summary.recirculationId = last.body;

  if (found.nativeTunnel) {
    summary.outcome = 'tunnel';
    summary.tunnelForm = 'native';
    summary.tunnel = found.nativeTunnel;
  } else if (found.kernelTunnel && found.ports.length) {
    summary.outcome = 'tunnel';
    summary.tunnelForm = 'kernel';
    summary.tunnel = found.kernelTunnel;
  } else if (found.ports.some((p) => tunnelPorts.has(p))) {
    summary.outcome = 'tunnel';
    summary.tunnelForm = 'port';
  } else if (found.ports.length) {
    summary.outcome = 'output';
  } else if (found.controller) {
    summary.outcome = 'controller';
  } else if (summary.recirculationId !== undefined) {
    summary.outcome = 'recirculate';
  }
  return summary;
}
