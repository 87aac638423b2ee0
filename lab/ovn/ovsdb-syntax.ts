/**
 * Building `ovn-nbctl` / `ovs-vsctl` database-command arguments safely. Values are always quoted
 * as OVSDB string atoms, so names with `:`, `/`, spaces or brackets (VIPs, ACL matches,
 * ovn-kubernetes external_ids keys) reach the database unchanged.
 */

/** Quotes a string as an OVSDB atom (`"..."`, with `\` and `"` escaped). */
export function atom(value: string): string {
  return JSON.stringify(value);
}

/** `column:key=value` arguments for a string map column, one per entry, keys sorted. */
export function mapArgs(column: string, entries: Record<string, string>): string[] {
  return Object.keys(entries)
    .sort()
    .map((k) => `${column}:${atom(k)}=${atom(entries[k]!)}`);
}

/** `column=value` for a string column. */
export function columnArg(column: string, value: string): string {
  return `${column}=${atom(value)}`;
}

/** `column=[a,b]` for a set-of-strings column. */
export function setArg(column: string, values: string[]): string {
  return `${column}=[${values.map(atom).join(',')}]`;
}
