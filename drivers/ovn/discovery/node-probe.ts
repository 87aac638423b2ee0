import { isIpAddress, isMacAddress, isOfport, isOvnName } from '../../../core/cluster-values.js';
import { CniTraceError, quoteValue } from '../../../core/errors.js';
import { CONTAINER_PATHS, INTEGRATION_BRIDGE, rtosPort, rtotsPort } from '../ovn-k-names.js';

/**
 * A node probe printed something the driver cannot use: not the JSON tables ovs-vsctl/ovn-sbctl
 * print, or a value (MAC, interface name, ofport, tunnel address) that is not what OVS stores.
 * Such values would be spliced into ovn-trace/ofproto/trace expressions, so the trace stops.
 */
export class NodeProbeError extends CniTraceError {
  readonly node: string;

  constructor(node: string, problem: string) {
    super(
      'NODE_PROBE_MALFORMED',
      `node ${node}: the node probe's answer cannot be used (${problem}); run "ovs-vsctl list Interface" and ` +
        `"ovn-sbctl find Port_Binding type=patch" in that node's ovnkube-node pod to see what they print, and check that its OVN/OVS containers are healthy`,
      3,
    );
    this.node = node;
  }
}

/** Output of ovs-vsctl/ovn-sbctl `--format=json` that is not their JSON table. */
export class OvsdbOutputError extends CniTraceError {
  /** What is wrong, in words. */
  readonly problem: string;

  constructor(problem: string) {
    super('OVSDB_OUTPUT_MALFORMED', `an OVSDB tool printed something that is not its --format=json table (${problem}); run the command by hand to see its output`, 3);
    this.problem = problem;
  }
}

/**
 * One exec per node collects everything the driver needs from that node: the router MACs from
 * the SB, every OVS interface (pod ports, management port, tunnels), and whether the OVN tools
 * and ovn-detrace's dependencies are there. The script is fixed text; the node name travels as a
 * positional argument, so nothing the user typed is parsed by the shell.
 */
const PROBE_PRELUDE = ['section() { printf "=== %s\\n" "$1"; }', 'done_() { printf "=== rc %s\\n" "$1"; }'];
const SECTION_ROUTER_PORTS = [
  'section router-ports',
  `ovn-sbctl --db ${CONTAINER_PATHS.sbSocket} --timeout=10 --format=json --columns=logical_port,mac find Port_Binding type=patch 2>&1; done_ $?`,
];
/**
 * Localnet ports of the zone (ovnkube-trace finds the node's external bridge the same way: the
 * Port_Binding with `options:network_name=physnet` whose name ends in `_<node>`).
 */
const SECTION_LOCALNET_PORTS = [
  'section localnet-ports',
  `ovn-sbctl --db ${CONTAINER_PATHS.sbSocket} --timeout=10 --format=json --columns=logical_port,options find Port_Binding type=localnet 2>&1; done_ $?`,
];
const SECTION_INTERFACES = [
  'section interfaces',
  `ovs-vsctl --db ${CONTAINER_PATHS.ovsDbSocket} --timeout=10 --format=json --columns=name,ofport,type,external_ids,options,mac_in_use list Interface 2>&1; done_ $?`,
];
const SECTION_OVN_TRACE = ['section ovn-trace', 'command -v ovn-trace 2>&1; done_ $?'];
const SECTION_OVN_DETRACE = [
  'section ovn-detrace',
  // ovn-detrace imports the Python "ovs" module at start: --help fails when it is missing.
  'if command -v ovn-detrace >/dev/null 2>&1; then ovn-detrace --help >/dev/null 2>&1 && echo usable || echo "ovn-detrace cannot start (Python ovs module missing?)"; else echo "ovn-detrace not installed"; false; fi; done_ $?',
];
const SECTION_NB = ['section nb', `ovn-nbctl --db ${CONTAINER_PATHS.nbSocket} --timeout=5 get-connection 2>&1; done_ $?`];

export const NODE_PROBE_SCRIPT = [...PROBE_PRELUDE, ...SECTION_ROUTER_PORTS, ...SECTION_LOCALNET_PORTS, ...SECTION_INTERFACES, ...SECTION_OVN_TRACE, ...SECTION_OVN_DETRACE, ...SECTION_NB].join('\n');

/**
 * The probe without the ovn-detrace check. That check starts Python (the slowest part of the
 * probe, ~150 ms); the driver learns the same from the ovn-detrace process it starts alongside
 * the probe and keeps for the detrace legs (see legs/detrace-session.ts).
 */
export const NODE_PROBE_SCRIPT_FAST = [...PROBE_PRELUDE, ...SECTION_ROUTER_PORTS, ...SECTION_LOCALNET_PORTS, ...SECTION_INTERFACES, ...SECTION_OVN_TRACE, ...SECTION_NB].join('\n');

/** The ovn-detrace check alone (its `ovn-detrace` and `nb` sections), for when the session cannot tell. */
export const DETRACE_CHECK_SCRIPT = [...PROBE_PRELUDE, ...SECTION_OVN_DETRACE, ...SECTION_NB].join('\n');

/** Argv of the probe for one node (`detrace: false`: without the ovn-detrace check). */
export function nodeProbeArgv(node: string, options: { detrace?: boolean } = {}): string[] {
  return ['sh', '-c', options.detrace === false ? NODE_PROBE_SCRIPT_FAST : NODE_PROBE_SCRIPT, 'cni-trace-probe', node];
}

/** Argv of the ovn-detrace check alone. */
export function detraceCheckArgv(node: string): string[] {
  return ['sh', '-c', DETRACE_CHECK_SCRIPT, 'cni-trace-probe', node];
}

/** An OVS interface on the node. */
export interface OvsInterface {
  name: string;
  ofport?: number;
  type: string;
  externalIds: Record<string, string>;
  options: Record<string, string>;
  macInUse?: string;
}

/** What a node probe found. */
export interface NodeProbe {
  /** MAC of `rtos-<node>`, the pods' gateway. */
  rtosMac?: string;
  /** MAC of `rtots-<node>`, the node's transit-switch router port (interconnect only). */
  rtotsMac?: string;
  /** Localnet ports in the node's SB with their physical network (`options:network_name`). */
  localnetPorts: Array<{ port: string; network?: string }>;
  interfaces: OvsInterface[];
  ovnTraceAvailable: boolean;
  /** Why ovn-detrace cannot run, or undefined when it can (or was not checked). */
  detraceUnavailable?: string;
  /** False when the probe ran without the ovn-detrace check (then see `nbUnreachable`). */
  detraceChecked: boolean;
  /** Why the NB database cannot be reached from the node, or undefined when it can. */
  nbUnreachable?: string;
  /** Problems met while probing (failed sections), in words. */
  errors: string[];
}

/** Splits probe output into sections: name → { output, rc }. */
export function splitProbeSections(text: string): Map<string, { output: string; rc: number }> {
  const sections = new Map<string, { output: string; rc: number }>();
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    const rc = /^=== rc (\d+)$/.exec(line);
    if (rc && current) {
      sections.set(current, { output: lines.join('\n'), rc: Number(rc[1]) });
      current = undefined;
      lines = [];
      continue;
    }
    const head = /^=== (\S+)$/.exec(line);
    if (head) {
      current = head[1];
      lines = [];
      continue;
    }
    if (current) lines.push(line);
  }
  return sections;
}

/** OVSDB JSON cell (`["map", [...]]`, `["set", [...]]`, `["uuid", ...]`, or an atom) to a JS value. */
function ovsdbValue(cell: unknown): unknown {
  if (Array.isArray(cell) && cell.length === 2 && typeof cell[0] === 'string') {
    const [kind, value] = cell as [string, unknown];
    if (kind === 'map') {
      if (!Array.isArray(value) || !value.every((p) => Array.isArray(p) && p.length === 2)) throw new OvsdbOutputError(`a map is not a list of pairs: ${quoteValue(cell)}`);
      return Object.fromEntries((value as Array<[unknown, unknown]>).map(([k, v]) => [String(ovsdbValue(k)), ovsdbValue(v)]));
    }
    if (kind === 'set') {
      if (!Array.isArray(value)) throw new OvsdbOutputError(`a set is not a list: ${quoteValue(cell)}`);
      return value.map(ovsdbValue);
    }
    if (kind === 'uuid' || kind === 'named-uuid') return value;
  }
  return cell;
}

/** Parses `--format=json` output of ovs-vsctl/ovn-sbctl into rows keyed by heading; an {@link OvsdbOutputError} otherwise. */
export function parseOvsdbJsonTable(text: string): Array<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OvsdbOutputError(`not JSON: ${(err as Error).message}`);
  }
  const table = parsed as { headings?: unknown; data?: unknown } | null;
  if (!table || typeof table !== 'object' || !Array.isArray(table.headings) || !Array.isArray(table.data)) throw new OvsdbOutputError('no "headings" and "data" arrays');
  const headings = table.headings as unknown[];
  if (!headings.every((h) => typeof h === 'string')) throw new OvsdbOutputError('a heading is not a string');
  return (table.data as unknown[]).map((row) => {
    if (!Array.isArray(row)) throw new OvsdbOutputError(`a row is not an array: ${quoteValue(row)}`);
    return Object.fromEntries((headings as string[]).map((h, i) => [h, ovsdbValue(row[i])]));
  });
}

/** A scalar column that may be an empty set (`["set", []]`) when unset. */
function scalar(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Parses the probe's output for `node`. Pure. `detraceChecked: false` for the probe run without
 * the ovn-detrace check ({@link NODE_PROBE_SCRIPT_FAST}).
 */
export function parseNodeProbe(node: string, text: string, options: { detraceChecked?: boolean } = {}): NodeProbe {
  try {
    return parseProbeSections(node, text, options);
  } catch (err) {
    if (err instanceof OvsdbOutputError) throw new NodeProbeError(node, `an OVSDB table is malformed: ${err.problem}`);
    throw err;
  }
}

/** A map column as string → string (OVS maps are string-valued here), else a NodeProbeError. */
function stringMap(node: string, iface: string, column: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new NodeProbeError(node, `interface ${quoteValue(iface)} has ${column} ${quoteValue(v)}, not a map`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'string') throw new NodeProbeError(node, `interface ${quoteValue(iface)} has ${column}:${k} = ${quoteValue(x)}, not a string`);
    out[k] = x;
  }
  return out;
}

function parseProbeSections(node: string, text: string, options: { detraceChecked?: boolean }): NodeProbe {
  const sections = splitProbeSections(text);
  const errors: string[] = [];
  const probe: NodeProbe = { interfaces: [], localnetPorts: [], ovnTraceAvailable: false, errors, detraceChecked: options.detraceChecked !== false };

  const ports = sections.get('router-ports');
  if (!ports) errors.push('the SB query for router ports printed nothing');
  else if (ports.rc !== 0) errors.push(`ovn-sbctl failed: ${ports.output.trim()}`);
  else {
    for (const row of parseOvsdbJsonTable(ports.output)) {
      // `mac` is a set of "MAC IP/len [IP/len...]" strings; dual-stack adds more addresses, so
      // only the first token is the MAC (ovnkube-trace#3783).
      const macs = row.mac;
      const first = String(Array.isArray(macs) ? (macs[0] ?? '') : (macs ?? '')).split(/\s+/)[0];
      if (!first) continue;
      const mine = row.logical_port === rtosPort(node) ? 'rtos' : row.logical_port === rtotsPort(node) ? 'rtots' : undefined;
      // Only this node's router ports reach a microflow; other rows (peers are "router") are not read.
      if (!mine) continue;
      if (!isMacAddress(first)) throw new NodeProbeError(node, `Port_Binding ${quoteValue(row.logical_port)} has mac ${quoteValue(macs)}, whose first word is not a MAC address`);
      if (mine === 'rtos') probe.rtosMac = first;
      else probe.rtotsMac = first;
    }
  }

  // Optional (a probe of an older script has no such section): the gateway's localnet port.
  const localnet = sections.get('localnet-ports');
  if (localnet && localnet.rc === 0) {
    try {
      for (const row of parseOvsdbJsonTable(localnet.output)) {
        const opts = (row.options as Record<string, string> | undefined) ?? {};
        probe.localnetPorts.push({ port: String(row.logical_port), ...(opts.network_name ? { network: opts.network_name } : {}) });
      }
    } catch {
      errors.push(`the SB query for localnet ports printed no JSON: ${localnet.output.trim().slice(0, 200)}`);
    }
  } else if (localnet) errors.push(`ovn-sbctl (localnet ports) failed: ${localnet.output.trim()}`);

  const ifaces = sections.get('interfaces');
  if (!ifaces) errors.push('the OVS interface query printed nothing');
  else if (ifaces.rc !== 0) errors.push(`ovs-vsctl failed: ${ifaces.output.trim()}`);
  else {
    for (const row of parseOvsdbJsonTable(ifaces.output)) {
      const name = row.name;
      if (!isOvnName(name)) throw new NodeProbeError(node, `an OVS interface is named ${quoteValue(name)}, which cannot be used in an ofproto/trace flow`);
      const ofport = scalar(row.ofport);
      // -1 (or an empty set) is OVS's "no OpenFlow port yet"; anything else must be a port number.
      if (ofport !== undefined && ofport !== -1 && !isOfport(ofport)) throw new NodeProbeError(node, `interface ${quoteValue(name)} has ofport ${quoteValue(ofport)}, not an OpenFlow port number`);
      const mac = scalar(row.mac_in_use);
      if (mac !== undefined && mac !== '' && !isMacAddress(mac)) throw new NodeProbeError(node, `interface ${quoteValue(name)} has mac_in_use ${quoteValue(mac)}, not a MAC address`);
      const externalIds = stringMap(node, name, 'external_ids', row.external_ids);
      const opts = stringMap(node, name, 'options', row.options);
      const attached = externalIds['attached-mac'];
      if (attached !== undefined && !isMacAddress(attached)) throw new NodeProbeError(node, `interface ${quoteValue(name)} has external_ids:attached-mac ${quoteValue(attached)}, not a MAC address`);
      const iface = externalIds['iface-id'];
      if (iface !== undefined && !isOvnName(iface)) throw new NodeProbeError(node, `interface ${quoteValue(name)} has external_ids:iface-id ${quoteValue(iface)}, not a logical port name`);
      const remote = opts.remote_ip;
      if (remote !== undefined && remote !== 'flow' && !isIpAddress(remote)) throw new NodeProbeError(node, `interface ${quoteValue(name)} has options:remote_ip ${quoteValue(remote)}, not an IP address`);
      const type = scalar(row.type);
      probe.interfaces.push({
        name,
        ...(typeof ofport === 'number' && ofport >= 0 ? { ofport } : {}),
        type: typeof type === 'string' ? type : '',
        externalIds,
        options: opts,
        ...(typeof mac === 'string' && mac !== '' ? { macInUse: mac } : {}),
      });
    }
  }

  probe.ovnTraceAvailable = sections.get('ovn-trace')?.rc === 0;
  const nb = nbProblem(sections);
  if (nb) probe.nbUnreachable = nb;
  if (probe.detraceChecked) {
    const why = detraceUnavailableReason(sections);
    if (why) probe.detraceUnavailable = why;
  }
  return probe;
}

function nbProblem(sections: Map<string, { output: string; rc: number }>): string | undefined {
  const nb = sections.get('nb');
  return !nb || nb.rc !== 0 ? `the NB database is not reachable from the node (${nb?.output.trim() || 'no answer'})` : undefined;
}

/**
 * Why ovn-detrace cannot run, from a probe's `ovn-detrace` and `nb` sections (the tool first,
 * then the NB), or undefined when it can.
 */
export function detraceUnavailableReason(sections: Map<string, { output: string; rc: number }>): string | undefined {
  const detrace = sections.get('ovn-detrace');
  if (!detrace || detrace.rc !== 0 || !/usable/.test(detrace.output)) return detrace?.output.trim() || 'ovn-detrace check printed nothing';
  return nbProblem(sections);
}

/** The OVS interface bound to a logical port (`external_ids:iface-id`). */
export function interfaceForLogicalPort(probe: NodeProbe, logicalPort: string): OvsInterface | undefined {
  return probe.interfaces.find((i) => i.externalIds['iface-id'] === logicalPort);
}

/** The geneve tunnel interface towards a remote node IP. */
export function tunnelTo(probe: NodeProbe, remoteIp: string): OvsInterface | undefined {
  return probe.interfaces.find((i) => (i.type === 'geneve' || i.type === 'vxlan' || i.type === 'stt') && i.options.remote_ip === remoteIp);
}

/**
 * The node's external localnet port from the SB, as ovnkube-trace finds it: a localnet port on the
 * `physnet` network whose name is `<bridge>_<node>`.
 */
export function nodeLocalnetPort(probe: NodeProbe, node: string): string | undefined {
  return probe.localnetPorts.find((l) => (l.network === undefined || l.network === 'physnet') && l.port.endsWith(`_${node}`) && l.port.split('_').length === 2)?.port;
}

/**
 * The patch port from br-int towards the provider bridge of a localnet port. ovn-controller
 * (controller/patch.c) names it `patch-<integration bridge>-to-<localnet port>` and marks the Port
 * row (not the Interface) with `ovn-localnet-port`, so the interface is found by that name.
 */
export function localnetPatchPort(probe: NodeProbe, localnetPort: string): OvsInterface | undefined {
  return probe.interfaces.find((i) => i.type === 'patch' && i.name === `patch-${INTEGRATION_BRIDGE}-to-${localnetPort}`);
}
