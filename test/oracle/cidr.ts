/**
 * Minimal IP and CIDR arithmetic for the NetworkPolicy oracle (IPv4 dotted quads, IPv6 with `::`
 * compression and an optional dotted IPv4 tail). Written for the oracle alone: it shares no code
 * with the lab's `ip-address.ts` or the drivers, so a bug there cannot hide here.
 */

/** A parsed address: family and value as an unsigned integer. */
export interface OracleIp {
  family: 4 | 6;
  value: bigint;
}

/** A parsed CIDR block (host bits may be set in the text; they are ignored when matching). */
export interface OracleCidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let tail4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

/** Parses an IPv4 or IPv6 address; undefined when it is not one. */
export function parseOracleIp(text: string): OracleIp | undefined {
  if (text.includes(':')) {
    const v = parseV6(text);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseV4(text);
  return v === undefined ? undefined : { family: 4, value: v };
}

/** Parses `addr/prefix`; undefined when malformed. */
export function parseOracleCidr(text: string): OracleCidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseOracleIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > BITS[ip.family]) return undefined;
  return { family: ip.family, network: ip.value, prefix };
}

/** Whether `ip` lies in `cidr` (different families never match). */
export function cidrHolds(cidr: OracleCidr, ip: OracleIp): boolean {
  if (cidr.family !== ip.family) return false;
  const shift = BigInt(BITS[cidr.family] - cidr.prefix);
  return cidr.network >> shift === ip.value >> shift;
}

/** Text form of an address (IPv4 dotted; IPv6 as eight lowercase groups compressed once). */
export function formatOracleIp(ip: OracleIp): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((ip.value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}
