/**
 * Scanning helpers for the nested, comma-separated text OVS and OVN print (datapath actions,
 * `match=(...)` fields): brackets and double-quoted strings are skipped as units.
 */

const OPEN = '([{';
const CLOSE = ')]}';

/**
 * Splits `text` on `separator` characters that are outside any (), [] or {} and outside double
 * quotes. Empty pieces are dropped; pieces are trimmed.
 */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) depth = Math.max(0, depth - 1);
    else if (c === separator && depth === 0) {
      const piece = text.slice(start, i).trim();
      if (piece) parts.push(piece);
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) parts.push(last);
  return parts;
}

/**
 * Given the index of an opening bracket in `text`, returns the index of its matching closing
 * bracket, or -1 when the text ends first. Quoted strings are skipped.
 */
export function findClosing(text: string, openIndex: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = openIndex; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Reads `key(...)` or `key=(...)` from `text` starting the search at `from`, returning the text
 * between the brackets (without them) and the index just after the closing bracket.
 */
export function readBracketed(text: string, key: string, from = 0): { value: string; end: number } | undefined {
  const at = text.indexOf(key, from);
  if (at < 0) return undefined;
  const open = at + key.length;
  if (text[open] !== '(' && text[open] !== '{' && text[open] !== '[') return undefined;
  const close = findClosing(text, open);
  if (close < 0) return undefined;
  return { value: text.slice(open + 1, close), end: close + 1 };
}
