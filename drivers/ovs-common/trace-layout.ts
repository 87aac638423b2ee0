/**
 * Rebuilds the tree behind the indented text that `ofproto/trace` and `ovn-trace --detailed` print.
 *
 * Both tools print a node list with the same rule (OVS `oftrace_node_print_details`, OVN
 * `ovntrace_node_print_details`): a node is indented `(level + more) * 4` spaces and its children
 * are printed at level `level + 2 * more`, where `more` is 0 only for the last, non-terminal node
 * of a list. So a tail resubmit/next is not indented at all, while a nested one is indented by 4
 * and its own children by 12. Child levels are therefore always even, which lets one column
 * decide both the list a node belongs to and whether it is a tail.
 *
 * The tree built here follows what a reader sees rather than the tools' internal lists, so that
 * long `next`/`resubmit` chains stay flat: a tail node becomes the next sibling of the node it
 * continues, a nested node a child of the line above it, and a section header (a `bridge(...)`,
 * an ovn-trace pipeline or transformation) contains the tail nodes that follow it.
 */

/** Where a printed node sits in the rebuilt tree. */
export interface TracePlacement<N> {
  /** The parent node, or `null` for a top-level node. */
  parent: N | null;
  /** Nesting depth: 0 at top level, +1 for every nested (non-tail) step. */
  depth: number;
}

interface OpenList<N> {
  /** Parent of the tail nodes of this list (a section header or the node that opened the list). */
  owner: N | null;
  /** Most recent tail node of this list: parent of the indented nodes that follow it. */
  last: N | null;
}

/**
 * Incremental tree builder for the OVS/OVN trace layout. Feed printed nodes in document order with
 * {@link TraceLayout.place}; O(1) per node, so a whole trace is one linear pass.
 */
export class TraceLayout<N> {
  // stack[i] is the open list whose nodes are printed at level 2*i (tails) or 2*i+1 (others).
  private stack: OpenList<N>[] = [{ owner: null, last: null }];

  /**
   * Places `node`, printed at `column` (use {@link layoutColumn} to get it from the raw line).
   * `section` marks a header that contains the tail nodes after it. Columns that fit no open list
   * (truncated or hand-edited text) attach to the deepest open list.
   */
  place(node: N, column: number, section = false): TracePlacement<N> {
    const k = Math.max(0, Math.floor(column / 4));
    const more = k % 2;
    let index = (k - more) / 2;
    if (index >= this.stack.length) index = this.stack.length - 1;
    const list = this.stack[index];
    this.stack.length = index + 1;
    if (more) {
      const parent = list.last ?? list.owner;
      this.stack.push({ owner: node, last: null });
      return { parent, depth: index + 1 };
    }
    const parent = list.owner;
    if (section) this.stack[index] = { owner: node, last: null };
    else list.last = node;
    return { parent, depth: index };
  }
}

/**
 * The layout column of a printed line: its leading spaces, corrected for the two ways the tools
 * shift text right of the node's indentation: `%2d. ` pads one-digit table numbers, and OVS
 * prefixes detail/warning/error nodes with a space (` -> `, ` >> `, ` >>>> `).
 */
export function layoutColumn(line: string): number {
  let spaces = 0;
  while (spaces < line.length && line.charCodeAt(spaces) === 32) spaces++;
  const c = line.charCodeAt(spaces);
  // One digit, then ". ": a table number that %2d padded by one space.
  if (c >= 48 && c <= 57 && line.charCodeAt(spaces + 1) === 46 && line.charCodeAt(spaces + 2) === 32) {
    return Math.max(0, spaces - 1);
  }
  if (spaces > 0 && (c === 45 /* - */ || c === 62 /* > */)) {
    const rest = line.slice(spaces, spaces + 5);
    if (rest.startsWith('-> ') || rest.startsWith('>> ') || rest.startsWith('>>>> ')) return spaces - 1;
  }
  return spaces;
}
