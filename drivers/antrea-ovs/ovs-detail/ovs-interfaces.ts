/**
 * Parses `ovs-vsctl --format=json --columns=name,ofport,mac_in_use,external_ids list Interface`
 * (pure) and finds the interfaces the OVS traces start from: a pod's port (by the
 * `pod-name`/`pod-namespace` external_ids Antrea sets), the tunnel and the gateway.
 */

import { CniTraceError } from '../../../core/errors.js';

/**
 * The node's interface listing is not the JSON table ovs-vsctl prints (the OVS detail of that
 * node is then skipped with this message as the warning).
 */
export class OvsInterfaceListError extends CniTraceError {
  constructor(problem: string) {
    super('OVS_INTERFACES_MALFORMED', `not an ovs-vsctl JSON table (${problem}); run "ovs-vsctl list Interface" in the node's antrea-ovs container to see what it prints`, 3);
  }
}

/** The argv that lists the bridge's interfaces with what the traces need. */
export const LIST_INTERFACES_ARGV = ['ovs-vsctl', '--format=json', '--columns=name,ofport,mac_in_use,mac,external_ids', 'list', 'Interface'];

/** One OVS interface. */
export interface OvsInterface {
  name: string;
  ofport?: number;
  /**
   * The MAC a packet from this port carries: for a pod port the pod's own MAC
   * (`external_ids:attached-mac`; the host side of the veth has another one), else the
   * configured `mac`, else `mac_in_use`.
   */
  mac?: string;
  externalIds: Record<string, string>;
}

/** Antrea's default tunnel and gateway interface names. */
export const TUNNEL_INTERFACE = 'antrea-tun0';
export const GATEWAY_INTERFACE = 'antrea-gw0';

/** OVSDB JSON atoms: a scalar, `["set", [...]]`, `["map", [[k, v], ...]]`, `["uuid", "..."]`. */
type Atom = string | number | boolean | [string, unknown];

function scalar(value: Atom | undefined): string | number | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    // An empty set is "no value"; a one-element set is that element.
    if (value[0] === 'set' && Array.isArray(value[1])) return value[1].length === 1 ? (value[1][0] as string | number) : undefined;
    return undefined;
  }
  return typeof value === 'boolean' ? String(value) : value;
}

function map(value: Atom | undefined): Record<string, string> {
  if (!Array.isArray(value) || value[0] !== 'map' || !Array.isArray(value[1])) return {};
  const out: Record<string, string> = {};
  for (const pair of value[1] as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new OvsInterfaceListError('a map entry is not a [key, value] pair');
    out[String(pair[0])] = String(pair[1]);
  }
  return out;
}

/** Parses the JSON table ovs-vsctl prints. An {@link OvsInterfaceListError} on text that is not that table. */
export function parseInterfaces(json: string): OvsInterface[] {
  let table: { headings?: string[]; data?: Atom[][] } | null;
  try {
    table = JSON.parse(json) as typeof table;
  } catch (err) {
    throw new OvsInterfaceListError(`not JSON: ${(err as Error).message}`);
  }
  if (!table || !Array.isArray(table.headings) || !Array.isArray(table.data)) throw new OvsInterfaceListError('no headings/data');
  if (!table.data.every((row) => Array.isArray(row))) throw new OvsInterfaceListError('a row is not a list');
  const col = (name: string) => table.headings!.indexOf(name);
  const [iName, iPort, iMacInUse, iMac, iIds] = [col('name'), col('ofport'), col('mac_in_use'), col('mac'), col('external_ids')];
  return table.data.map((row) => {
    const ofport = scalar(row[iPort]);
    const externalIds = iIds >= 0 ? map(row[iIds]) : {};
    const macOf = (i: number) => (i >= 0 ? scalar(row[i]) : undefined);
    const mac = [externalIds['attached-mac'], macOf(iMac), macOf(iMacInUse)].find((m) => typeof m === 'string' && m !== '');
    return {
      name: String(scalar(row[iName]) ?? ''),
      ...(typeof ofport === 'number' && ofport > 0 ? { ofport } : {}),
      ...(typeof mac === 'string' && mac !== '' ? { mac } : {}),
      externalIds,
    };
  });
}

/** The interface of a pod: `external_ids:pod-name` and `pod-namespace` both match. */
export function podInterface(interfaces: readonly OvsInterface[], namespace: string, name: string): OvsInterface | undefined {
  return interfaces.find((i) => i.externalIds['pod-name'] === name && i.externalIds['pod-namespace'] === namespace);
}

/** An interface by name. */
export function interfaceNamed(interfaces: readonly OvsInterface[], name: string): OvsInterface | undefined {
  return interfaces.find((i) => i.name === name);
}
