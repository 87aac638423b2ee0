/**
 * Validators of values read from the cluster before they are spliced into a tool's expression
 * (ovn-trace microflows, ofproto/trace flows, ovn-nbctl/ovn-sbctl arguments, Traceflow specs).
 * Pure: a value is checked where it is read, and a bad one refuses the trace with a
 * {@link ClusterDataError} naming the object, the field and the value.
 *
 * The grammars are the tools' own: a MAC is six hex pairs (ovs-fields(7) `dl_src`, OVN `eth.src`);
 * addresses are plain IPv4/IPv6 with no zone (a zone `%eth0` names an interface of one host and
 * means nothing to ovn-trace or OVS); names allowed in OVN/OVS expressions are the characters a
 * Kubernetes- or CNI-generated name uses, so no quote, comma, `=`, space or bracket can end a
 * field early.
 */
import { isIP } from 'node:net';
import { ClusterDataError, type ClusterValueOrigin } from './errors.js';
import type { AddressFamily } from './model.js';

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
/**
 * Names of OVN rows (logical switches/ports, zones, chassis) and OVS interfaces as the CNIs
 * write them: node names (DNS-1123 subdomains), `<ns>_<pod>`, `k8s-<node>`, chassis UUIDs,
 * interface names such as `ovn-k8s-mp0` or `33e820dd00afc60`.
 */
const OVN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$/;
/** Longest accepted OVN/OVS name (a DNS subdomain plus a prefix). */
const MAX_NAME = 320;

/** Whether `value` is a MAC address (`0a:58:0a:f4:01:05`). */
export function isMacAddress(value: unknown): value is string {
  return typeof value === 'string' && MAC.test(value);
}

/** Whether `value` is an IPv4 or IPv6 address without a zone (of `family` when given). */
export function isIpAddress(value: unknown, family?: AddressFamily): value is string {
  if (typeof value !== 'string' || value.includes('%')) return false;
  const version = isIP(value);
  if (version === 0) return false;
  return family === undefined || (family === 'ip6' ? version === 6 : version === 4);
}

/** Whether `value` is `address/length` with a length the family allows (`10.244.1.0/24`, `fd00::/64`). */
export function isIpPrefix(value: unknown, family?: AddressFamily): value is string {
  if (typeof value !== 'string') return false;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m || !isIpAddress(m[1], family)) return false;
  return Number(m[2]) <= (isIP(m[1]!) === 6 ? 128 : 32);
}

/** Whether `value` is an address with or without a prefix length. */
export function isIpAddressOrPrefix(value: unknown, family?: AddressFamily): value is string {
  return isIpAddress(value, family) || isIpPrefix(value, family);
}

/** Whether `value` is safe as an OVN/OVS name in a tool expression. */
export function isOvnName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME && OVN_NAME.test(value);
}

/** Whether `value` is an OpenFlow port number OVS assigns (1-65279; 65534 is LOCAL). */
export function isOfport(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** A MAC read from the cluster, or a {@link ClusterDataError} naming where it came from. */
export function requireMac(value: unknown, origin: ClusterValueOrigin): string {
  if (!isMacAddress(value)) throw new ClusterDataError(origin, value, 'a MAC address (six hex pairs such as 0a:58:0a:f4:01:05)');
  return value;
}

/** An IP address read from the cluster (of `family` when given). */
export function requireIp(value: unknown, origin: ClusterValueOrigin, family?: AddressFamily): string {
  if (!isIpAddress(value, family)) {
    const what = family === 'ip6' ? 'an IPv6 address' : family === 'ip4' ? 'an IPv4 address' : 'an IP address';
    throw new ClusterDataError(origin, value, `${what} (without a %zone)`);
  }
  return value;
}

/** An `address/length` read from the cluster. */
export function requireIpPrefix(value: unknown, origin: ClusterValueOrigin, family?: AddressFamily): string {
  if (!isIpPrefix(value, family)) throw new ClusterDataError(origin, value, 'an IP prefix (address/length, such as 10.244.1.0/24)');
  return value;
}

/** An OVN/OVS name read from the cluster. */
export function requireOvnName(value: unknown, origin: ClusterValueOrigin): string {
  if (!isOvnName(value)) throw new ClusterDataError(origin, value, `a name OVN/OVS tools accept (letters, digits, '_', '.', ':', '@', '-'; at most ${MAX_NAME} characters)`);
  return value;
}
