/**
 * Pure: the address set of a NetworkPolicy `ipBlock` as Antrea's agent programs it. The agent does
 * not match `except` separately: it subtracts every `except` CIDR from `cidr` and installs one
 * address match per remaining CIDR (pkg/util/ip DiffFromCIDRs, used by the pod reconciler's
 * ipBlocksToOFAddresses). IPv4 only, like the lab's Antrea pipeline.
 */
import { cidrContains, formatCidr, mustParseCidr, type ParsedCidr } from '../scenario/ip-address.js';

const contains = (outer: ParsedCidr, inner: ParsedCidr): boolean => outer.prefix <= inner.prefix && cidrContains(outer, { family: inner.family, value: inner.network });

/** The CIDRs that cover `cidr` minus every `except` CIDR, in the agent's order. */
export function ipBlockCidrs(cidr: string, except: readonly string[] = []): string[] {
  // Redundant excepts (inside another except) change nothing; drop them first.
  const excepts = except.map((e) => mustParseCidr(e));
  const kept = excepts.filter((e, i) => !excepts.some((o, j) => j !== i && contains(o, e) && (o.prefix < e.prefix || j < i)));
  let remaining: ParsedCidr[] = [mustParseCidr(cidr)];
  for (const ex of kept) {
    const next: ParsedCidr[] = [];
    for (const block of remaining) {
      if (contains(ex, block)) continue; // the whole block is excepted
      if (!contains(block, ex)) {
        next.push(block);
        continue;
      }
      // Split: for each prefix length between the block's and the except's, the sibling half
      // that does not hold the except.
      for (let p = block.prefix + 1; p <= ex.prefix; p++) {
        const bit = 1n << BigInt(32 - p);
        const mask = ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - p)) - 1n);
        next.push({ family: 4, network: (ex.network ^ bit) & mask, prefix: p });
      }
    }
    remaining = next;
  }
  return remaining.map(formatCidr);
}
