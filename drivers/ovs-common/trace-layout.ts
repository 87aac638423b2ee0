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
  // lists[i] is the open list whose nodes are printed at level 2*i (tails) or 2*i+1 (others), for
  // i < open. Entries from `open` on are closed lists kept for reuse: reopening one is a field
  // write rather than an allocation, which matters because every nested line opens a list.
  private readonly lists: OpenList<N>[] = [{ owner: null, last: null }];
  private open = 1;

  /**
   * Places `node`, printed at `column` (use {@link layoutColumn} to get it from the raw line).
   * `section` marks a header that contains the tail nodes after it. Columns that fit no open list
   * (truncated or hand-edited text) attach to the deepest open list.
   */
  place(node: N, column: number, section = false): TracePlacement<N> {
    const k = Math.max(0, Math.floor(column / 4));
    const more = k % 2;
    let index = (k - more) / 2;
    if (index >= this.open) index = this.open - 1;
    const list = this.lists[index];
    if (more) {
      const parent = list.last ?? list.owner;
      this.openList(index + 1, node);
      return { parent, depth: index + 1 };
    }
    this.open = index + 1;
    const parent = list.owner;
    if (section) {
      list.owner = node;
      list.last = null;
    } else {
      list.last = node;
    }
    return { parent, depth: index };
  }

  /** Makes `lists[index]` a new, empty list owned by `owner`, and the deepest open one. */
  private openList(index: number, owner: N): void {
    if (index < this.lists.length) {
      const list = this.lists[index];
      list.owner = owner;
      list.last = null;
    } else {
      this.lists.push({ owner, last: null });
    }
    this.open = index + 1;
  }
}

/**
 * The layout column of a printed line: its leading spaces, corrected for the two ways the tools
 * shift text right of the node's indentation: `%2d. ` pads one-digit table numbers, and OVS
 * prefixes detail/warning/error nodes with a space (` -> `, ` >> `, ` >>>> `).
 */
export function layoutColumn(line: string): number {
  return layoutColumnAt(line, 0, line.length);
}

/**
 * {@link layoutColumn} of the line `text.slice(start, end)`, read in place so that a parser that
 * walks a whole output by offsets need not cut the line out first.
 */
export function layoutColumnAt(text: string, start: number, end: number): number {
  let at = start;
  while (at < end && text.charCodeAt(at) === 32) at++;
  const spaces = at - start;
  const c = at < end ? text.charCodeAt(at) : -1;
  // One digit, then ". ": a table number that %2d padded by one space.
  if (c >= 48 && c <= 57 && at + 2 < end && text.charCodeAt(at + 1) === 46 && text.charCodeAt(at + 2) === 32) {
    return Math.max(0, spaces - 1);
  }
  if (spaces > 0 && (c === 45 /* - */ || c === 62 /* > */) && shiftedPrefix(text, at, end)) return spaces - 1;
  return spaces;
}

/** Whether the line part `text.slice(at, end)` starts with ` -> `, ` >> ` or ` >>>> ` minus the space. */
function shiftedPrefix(text: string, at: number, end: number): boolean {
  const room = end - at;
  return (
    (room >= 3 && text.startsWith('-> ', at)) ||
    (room >= 3 && text.startsWith('>> ', at)) ||
    (room >= 5 && text.startsWith('>>>> ', at))
  );
}
