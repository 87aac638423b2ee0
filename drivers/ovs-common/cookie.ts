/** OpenFlow cookie normalisation, the key that ties OpenFlow flows to OVN logical flows. */

/** A cookie in the two forms a caller needs. */
export interface NormalizedCookie {
  /** Lower-case hex with `0x` and without leading zeros, as OVS prints it (`0x1461328`). */
  hex: string;
  /**
   * Lower-case hex without `0x`, zero-padded to at least 8 digits (`01461328`). For OVN this is the
   * first 32 bits of the SB Logical_Flow (or Port_Binding, ...) UUID and equals ovn-trace's
   * `uuid XXXXXXXX`. Cookies wider than 32 bits (Antrea) are kept whole.
   */
  uuidPrefix: string;
}

const HEX = /^(?:0x)?([0-9a-f]+)$/i;

/**
 * Normalises `0xABC`, `abc` or `0x00000abc` style cookies. Returns `undefined` for text that is
 * not a hexadecimal number.
 */
export function normalizeCookie(cookie: string): NormalizedCookie | undefined {
  const m = HEX.exec(cookie.trim());
  if (!m) return undefined;
  const digits = m[1].toLowerCase().replace(/^0+(?=.)/, '');
  return { hex: `0x${digits}`, uuidPrefix: digits.padStart(8, '0') };
}

/**
 * {@link normalizeCookie} of the hex digits `text.slice(start, end)` (at least one, no `0x`), read
 * in place: a parser that has already found the digits skips the pattern and the copy.
 */
export function normalizeCookieDigits(text: string, start: number, end: number): NormalizedCookie {
  let first = start;
  // Leading zeros go, but a zero cookie keeps one digit.
  while (first < end - 1 && text.charCodeAt(first) === 48) first++;
  let digits = text.slice(first, end);
  if (hasUpperCase(text, first, end)) digits = digits.toLowerCase();
  return { hex: `0x${digits}`, uuidPrefix: digits.padStart(8, '0') };
}

function hasUpperCase(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}
