/**
 * Pure: a port range (`port`..`endPort`) as the value/mask matches Antrea installs for it
 * (one `tp_dst=value/mask` per aligned power-of-two block, like the agent's bitwise port-range
 * match), so that any range — not only small ones — is matched exactly.
 */

/** One masked port match; `mask` 0xffff is an exact port. */
export interface PortMatch {
  value: number;
  mask: number;
}

/** Aligned blocks covering `start`..`end` exactly (both inclusive, 1–65535). */
export function portRangeMatches(start: number, end: number): PortMatch[] {
  const out: PortMatch[] = [];
  let v = start;
  while (v <= end) {
    let size = 1;
    while (size < 0x10000 && v % (size * 2) === 0 && v + size * 2 - 1 <= end) size *= 2;
    out.push({ value: v, mask: 0xffff ^ (size - 1) });
    v += size;
  }
  return out;
}

/** `tp_dst` text of a match, as `ovs-ofctl dump-flows` prints it (decimal when exact). */
export function portMatchText(m: PortMatch): string {
  return m.mask === 0xffff ? String(m.value) : `0x${m.value.toString(16)}/0x${m.mask.toString(16)}`;
}
