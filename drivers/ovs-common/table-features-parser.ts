/**
 * Table names from `ovs-ofctl -O OpenFlow13 dump-table-features <bridge>` output, whose table
 * headers read `table N ("name"):` (named) or `table N:` (unnamed); runs of identical tables are
 * printed as `tables A...B: ditto` and carry no names.
 */

const TABLE_HEADER = /^\s*table (\d+)(?: \("((?:[^"\\]|\\.)*)"\))?:/;

/** Maps OpenFlow table ids to their names; tables without a name are left out. */
export function parseTableFeatures(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = TABLE_HEADER.exec(line);
    if (m && m[2] !== undefined && m[2] !== '') names.set(Number(m[1]), m[2].replace(/\\(.)/g, '$1'));
  }
  return names;
}
