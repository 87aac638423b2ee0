/**
 * ovn-detrace's output as a function of its input's units, so a session can ask it about each
 * distinct piece of an ofproto/trace once and still return, for every leg, byte for byte what a
 * separate `ovn-detrace < trace` prints.
 *
 * ovn-detrace reads line by line, echoes every line, and remembers what the lines it read ask
 * about (cookies; with `--ovs` also in_port/output ports). At a "flush line" (a table line such
 * as ` 8. metadata=...` or a blank line) it first prints the records of what it remembered, then
 * echoes the flush line. Cut the input into units, each starting at a flush line (the first unit
 * at the start of input), and the output is: the echo of unit 0, then for every later unit the
 * records of the unit before it followed by its own echo. A unit's records depend only on the
 * lines that can make it look something up (cookies, ports) and, in the indented layout, their
 * indentation: that is the cache key ({@link unitKey}). Most of ovn-detrace's time after start-up
 * goes into looking records up (it scans whole tables per cookie), and the legs of one trace on a
 * node share most of their flows.
 *
 * The echo is the one version-dependent part: OVN ≤ 25.03 strips each line, 25.09+ keeps the
 * indentation. The session learns which from the echo of a probe line, and every lookup answer is
 * checked against the expected echo; anything unexpected makes the session feed whole traces.
 */

/** How ovn-detrace echoes an input line. */
export type EchoStyle = 'strip' | 'rstrip' | 'keep';

/** Leading and trailing spaces of the probe line (tells the echo styles apart). */
const PROBE_PAD_START = '   ';
const PROBE_PAD_END = '  ';

/** The probe line to feed for `marker` (a text without spaces at either end). */
export function echoProbeLine(marker: string): string {
  return `${PROBE_PAD_START}${marker}${PROBE_PAD_END}`;
}

/** The echo style the probe line's echo shows, or undefined when it is none of the known ones. */
export function echoStyleFromProbe(echoed: string, marker: string): EchoStyle | undefined {
  if (echoed === marker) return 'strip';
  if (echoed === `${PROBE_PAD_START}${marker}`) return 'rstrip';
  if (echoed === echoProbeLine(marker)) return 'keep';
  return undefined;
}

/** What the tool prints for an input line (ASCII input only, see {@link splitUnits}). */
export function echoLine(line: string, style: EchoStyle): string {
  if (style === 'strip') return line.trim();
  if (style === 'rstrip') return line.trimEnd();
  return line;
}

/** Whether ovn-detrace prints the pending records before echoing this line. */
export function isFlushLine(line: string): boolean {
  return /^ *[0-9]+\./.test(line) || line.trim() === '';
}

/**
 * Only printable ASCII and tabs: there Python's `str.strip()` and `readline()` agree with
 * JavaScript's `trim()` and splitting on `\n` (they differ on `\r`, `\x1c`-`\x1f`, `\x85`, BOM).
 */
const PLAIN_TEXT = /^[\t\n\x20-\x7e]*$/;

/**
 * What a separate `ovn-detrace < trace` reads, as the session feeds it: the text with a final
 * newline, then the empty line that stands for the end of input.
 */
export function separateRunInput(ofprotoStdout: string): string {
  const body = ofprotoStdout === '' || ofprotoStdout.endsWith('\n') ? ofprotoStdout : `${ofprotoStdout}\n`;
  return `${body}\n`;
}

/**
 * The units of what a separate run reads for this ofproto/trace output: its lines, plus the
 * empty line that stands for the end of input. Undefined when the text is not plain ASCII (the
 * session then feeds it whole).
 */
export function splitUnits(ofprotoStdout: string): string[][] | undefined {
  if (!PLAIN_TEXT.test(ofprotoStdout)) return undefined;
  const lines = separateRunInput(ofprotoStdout).split('\n');
  lines.pop();
  const units: string[][] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (isFlushLine(line) && (current.length > 0 || units.length > 0)) {
      units.push(current);
      current = [];
    }
    current.push(line);
  }
  units.push(current);
  return units;
}

/** Lines that may make ovn-detrace look something up (a superset of what its patterns match). */
const LOOKUP_HINT = /cookie|in_port|output/;
const COOKIE_VALUE = /cookie[ =]0x([0-9a-fA-F]+)/g;
const IN_PORT_VALUE = /in_port=([^,\s]+)/g;
const LINE_HEAD = /^\s*(\S*)(\s*in_port=)?/;

/**
 * The cache key of a unit: everything in it that ovn-detrace's records can depend on, so units
 * with equal keys get equal records. ovn-detrace looks records up from a cookie
 * (`cookie 0x…`, also `cookie=0x…` since 24.09) and, with `--ovs`, from `in_port=N` on a table
 * line and `output:N`; the records' text depends on nothing else in the unit but, from 25.09 (the
 * indented layout, told by the echo style), on the indentation of the line that carried the
 * cookie. The key keeps more than the tool reads, never less: every cookie and in_port value on
 * any line that mentions one, every line that mentions `output` whole, and each such line's
 * indentation unless the tool strips it. Lines that mention none of these cannot make it print a
 * record. Keying on this instead of the unit's text lets the many units that differ only in their
 * actions (the same flow in the forward and the reply trace) share one look-up.
 */
export function unitKey(unit: readonly string[], style: EchoStyle): string {
  const parts: string[] = [];
  for (const line of unit) {
    if (!LOOKUP_HINT.test(line)) continue;
    let part: string;
    if (line.includes('output')) part = `o${line.trim()}`;
    else {
      // The line's first word (a table number, `Flow:`, ...) and whether in_port is the first
      // field after it tell a table line's in_port (decoded with --ovs) from a flow's.
      const head = LINE_HEAD.exec(line)!;
      const cookies = Array.from(line.matchAll(COOKIE_VALUE), (m) => m[1]).join(',');
      const ports = Array.from(line.matchAll(IN_PORT_VALUE), (m) => m[1]).join(',');
      part = `${head[1]}${head[2] ? '+' : ' '}c${cookies}i${ports}`;
    }
    parts.push(style === 'strip' ? part : `${line.length - line.trimStart().length}${part}`);
  }
  return parts.join('\n');
}

/**
 * What to feed to learn the records of these units: each unit in turn (one that does not start
 * with a flush line gets an empty line before it, so it ends the previous unit without joining
 * it), then an empty line to flush the last one.
 */
export function lookupFeed(units: string[][]): string[] {
  const fed: string[] = [];
  for (const unit of units) {
    if (unit.length === 0) continue;
    if (!isFlushLine(unit[0]!)) fed.push('');
    fed.push(...unit);
  }
  fed.push('');
  return fed;
}

/**
 * Reads the records of each unit out of the tool's answer to {@link lookupFeed}. Undefined when
 * the answer does not have the expected shape (an echo missing or different, or lines printed
 * anywhere but before a flush line): the tool does not work the way this module assumes.
 * `keyOf` names each unit's entry (default: its {@link unitKey}).
 */
export function parseLookupAnswer(
  units: string[][],
  output: string[],
  style: EchoStyle,
  keyOf: (unit: string[], index: number) => string = (unit) => unitKey(unit, style),
): Map<string, string[]> | undefined {
  const records = new Map<string, string[]>();
  let p = 0;
  /** The unit whose records the next flush line prints (undefined before the first unit). */
  let open: string | undefined;
  const expectEcho = (line: string): string[] | undefined => {
    const want = echoLine(line, style);
    const extra: string[] = [];
    while (p < output.length && output[p] !== want) extra.push(output[p++]!);
    if (p >= output.length) return undefined;
    p++;
    return extra;
  };
  const flush = (line: string): boolean => {
    const extra = expectEcho(line);
    if (!extra) return false;
    if (open !== undefined) records.set(open, extra);
    else if (extra.length > 0) return false;
    return true;
  };
  for (const [index, unit] of units.entries()) {
    if (unit.length === 0) continue;
    const [first, ...rest] = unit as [string, ...string[]];
    if (!isFlushLine(first)) {
      // The empty line fed before it closes the previous unit.
      if (!flush('')) return undefined;
      open = undefined;
      const extra = expectEcho(first);
      if (!extra || extra.length > 0) return undefined;
    } else if (!flush(first)) return undefined;
    open = keyOf(unit, index);
    for (const line of rest) {
      const extra = expectEcho(line);
      if (!extra || extra.length > 0) return undefined;
    }
  }
  if (!flush('')) return undefined;
  return p === output.length ? records : undefined;
}

/**
 * What a separate run prints for these units (from {@link splitUnits}), given each unit's
 * records: lines joined with `\n`, ending with one. `keys`: the units' {@link unitKey}s when the
 * caller has them already (they are computed otherwise).
 */
export function assembleDetraceOutput(units: string[][], recordsOf: (key: string) => string[], style: EchoStyle, keys?: readonly string[]): string {
  const out: string[] = [];
  for (const [i, unit] of units.entries()) {
    if (i > 0) out.push(...recordsOf(keys?.[i - 1] ?? unitKey(units[i - 1]!, style)));
    for (const line of unit) out.push(echoLine(line, style));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
