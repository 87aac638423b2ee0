/**
 * ANSI styling for the text renderers. Plain escape codes rather than `util.styleText`, because
 * styleText decides on its own (from the process's streams and environment) whether to colour,
 * and a formatter must return the same string for the same input: the CLI decides once (TTY,
 * `NO_COLOR`, `--no-color`) and passes `color` down.
 */

/** The styles the renderers use. */
export type Style = 'bold' | 'dim' | 'italic' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan';

const CODES: Record<Style, number> = {
  bold: 1,
  dim: 2,
  italic: 3,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
};

/** Applies styles to a string, or returns it unchanged when colour is off. */
export type Painter = (text: string, ...styles: Style[]) => string;

/**
 * Returns a painter. With colour on, each style is its own SGR sequence (as ovnkube-trace prints
 * `\x1b[32m\x1b[1m...\x1b[0m`) and the text always ends with a reset, so no style leaks into the
 * next line. Empty text stays empty (no stray escape codes around nothing).
 */
export function createPainter(color: boolean): Painter {
  if (!color) return (text) => text;
  return (text, ...styles) => {
    if (text === '' || styles.length === 0) return text;
    return styles.map((s) => `\x1b[${CODES[s]}m`).join('') + text + '\x1b[0m';
  };
}

/** Matches ANSI CSI sequences (colours, cursor moves) a tool may have put in its output. */
const ANSI_SEQUENCE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
/** C0 control characters other than tab, and DEL. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * Makes foreign text (tool output, messages, names) safe to print on one line: drops ANSI
 * sequences it carries (so `--no-color` output really has none) and shows other control
 * characters as `\xNN` instead of letting them act on the terminal.
 */
export function sanitize(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Removes every ANSI sequence (for measuring or comparing coloured text). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_SEQUENCE, '');
}
