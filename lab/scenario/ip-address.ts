/**
 * Small, dependency-free IPv4/IPv6 helpers for the lab: parsing, CIDR containment and the byte
 * layouts ovn-kubernetes derives MAC addresses from. Pure functions only.
 */

/** A parsed IP address: family and its value as a big integer (v4: 32 bits, v6: 128 bits). */
export interface ParsedIp {
  family: 4 | 6;
  value: bigint;
}

/** A parsed CIDR: the network address (host bits cleared) and the prefix length. */
export interface ParsedCidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses an IPv4 or IPv6 address; returns undefined when the text is not a valid address. */
export function parseIp(text: string): ParsedIp | undefined {
  if (typeof text !== 'string') return undefined;
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return { family: 6, value: v6 };
  return undefined;
}

function parseIpv4(text: string): bigint | undefined {
  const m = V4_RE.exec(text);
  if (!m) return undefined;
  let value = 0n;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    // Leading zeros are ambiguous (octal in some parsers), Kubernetes rejects them too.
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length < 2) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        // Embedded IPv4 tail, e.g. ::ffff:10.0.0.1.
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      groups.push(parseInt(p, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/** Parses `addr/prefix`. The address may have host bits set only when `strict` is false. */
export function parseCidr(text: string, strict = false): ParsedCidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const network = ip.value & prefixMask(ip.family, prefix);
  if (strict && network !== ip.value) return undefined;
  return { family: ip.family, network, prefix };
}

function prefixMask(family: 4 | 6, prefix: number): bigint {
  const bits = family === 4 ? 32 : 128;
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

/** True when `ip` lies inside `cidr` (same family). */
export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  return cidr.family === ip.family && (ip.value & prefixMask(cidr.family, cidr.prefix)) === cidr.network;
}

/** True when two CIDRs share at least one address. */
export function cidrsOverlap(a: ParsedCidr, b: ParsedCidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = Math.min(a.prefix, b.prefix);
  const mask = prefixMask(a.family, shorter);
  return (a.network & mask) === (b.network & mask);
}

/** The last address of a CIDR (the IPv4 broadcast address). */
export function cidrLast(cidr: ParsedCidr): bigint {
  const bits = cidr.family === 4 ? 32 : 128;
  return cidr.network | (((1n << BigInt(bits)) - 1n) ^ prefixMask(cidr.family, cidr.prefix));
}

/** Canonical text of an address: dotted quad, or RFC 5952 compressed IPv6. */
export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero groups (length >= 2) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** Canonical text of a CIDR (network address / prefix). */
export function formatCidr(cidr: ParsedCidr): string {
  return `${formatIp({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

/** The address `offset` places after the CIDR's network address (e.g. offset 1 = gateway). */
export function cidrHost(cidr: ParsedCidr, offset: number): ParsedIp {
  return { family: cidr.family, value: cidr.network + BigInt(offset) };
}

/** The 4 bytes ovn-kubernetes puts after `0a:58:` in a MAC: the IPv4 address, or the low 32 bits of an IPv6 one. */
export function macFromIp(ip: ParsedIp): string {
  const low = ip.value & 0xffffffffn;
  const bytes = [24n, 16n, 8n, 0n].map((s) => Number((low >> s) & 0xffn).toString(16).padStart(2, '0'));
  return `0a:58:${bytes.join(':')}`;
}

/** Parses an address or throws (for callers that already validated the scenario). */
export function mustParseIp(text: string): ParsedIp {
  const ip = parseIp(text);
  if (!ip) throw new Error(`invalid IP address "${text}"`);
  return ip;
}

/** Parses a CIDR or throws (for callers that already validated the scenario). */
export function mustParseCidr(text: string): ParsedCidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`invalid CIDR "${text}"`);
  return c;
}
