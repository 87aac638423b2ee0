/**
 * Ends, explicitly, the processes a long-lived exec started on a node, instead of trusting the
 * API server and the kubelet to do it when the exec's stream closes: a kubelet does not always
 * kill what an exec started (the container runtime may keep it running), so a cancelled trace
 * could leave its shell sessions and ovn-detrace behind on every node.
 *
 * A long-lived command carries a tag: the environment variable {@link PROCESS_TAG_VARIABLE}
 * (set by `env` in front of the command, inherited by everything it starts), or the tag as one
 * of its own arguments (a shell session's marker). To end them, a short exec in the same
 * container lists the processes whose environment or arguments carry the tag (one `grep` over
 * `/proc`), sends them SIGTERM, and SIGKILL to those still there after a moment.
 */
import { randomBytes } from 'node:crypto';

/** The environment variable that tags a command's processes. */
export const PROCESS_TAG_VARIABLE = 'CNI_TRACE_SESSION';

/** A new tag (unique per command). */
export function newProcessTag(): string {
  return `cni-trace-${randomBytes(9).toString('hex')}`;
}

/** `argv` run with its processes tagged through the environment. */
export function taggedArgv(tag: string, argv: readonly string[]): string[] {
  return ['env', `${PROCESS_TAG_VARIABLE}=${tag}`, ...argv];
}

/**
 * $1$2 = the tag, passed in two halves so this script's own arguments do not carry it. Prints
 * `ended <n>`. The processes are found by exact matches of a NUL-separated entry of
 * /proc/<pid>/environ or /proc/<pid>/cmdline (GNU or busybox grep -z).
 */
export const REAP_SCRIPT = [
  'tag=$1$2',
  'list() {',
  `  printf '${PROCESS_TAG_VARIABLE}=%s\\n%s\\n' "$tag" "$tag" | grep -Fxlz -f - /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | sed -n 's#^/proc/\\([0-9]*\\)/.*#\\1#p' | sort -u | grep -vx "$$"`,
  '}',
  'pids=$(list)',
  'n=0',
  'for p in $pids; do n=$((n + 1)); done',
  '[ "$n" -eq 0 ] && { echo "ended 0"; exit 0; }',
  'kill -TERM $pids 2>/dev/null',
  'i=0',
  'while [ $i -lt 20 ]; do',
  '  left=$(list)',
  '  [ -z "$left" ] && break',
  '  sleep 0.05 2>/dev/null || sleep 1',
  '  i=$((i + 1))',
  'done',
  'left=$(list)',
  '[ -n "$left" ] && kill -KILL $left 2>/dev/null',
  'echo "ended $n"',
].join('\n');

/** Argv of the short exec that ends the processes tagged `tag`. */
export function reapArgv(tag: string): string[] {
  const half = Math.floor(tag.length / 2);
  return ['sh', '-c', REAP_SCRIPT, 'cni-trace-reap', tag.slice(0, half), tag.slice(half)];
}
