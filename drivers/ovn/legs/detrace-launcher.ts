/**
 * How a long-lived ovn-detrace is started so that its answers come back promptly but in a few
 * large writes.
 *
 * A session must see each leg's answer as soon as the leg's input is processed, while the process
 * keeps waiting for more input. Python block-buffers a pipe, so the answers would stay in its
 * buffer; `PYTHONUNBUFFERED=1` fixes that but makes every `print` its own write: ~1,400 writes
 * per ofproto/trace, each one a WebSocket frame (and a TLS record) through the API server and a
 * callback in this process, which cost more CPU than annotating the trace (~120 ms per trace of
 * the lab, client and API server together).
 *
 * Instead, when ovn-detrace is a Python script (it always has been), it runs under its own
 * interpreter behind a small bootstrap that does what C stdio does for a terminal: standard
 * output is buffered, and flushed whenever the tool is about to wait for input. The tool itself
 * runs unchanged (`runpy`, as `__main__`, with its own argv). When the script's interpreter cannot
 * be found, the command falls back to the plain tool with unbuffered output.
 */
import { detraceArgv } from './leg-plan.js';

/**
 * Python 3 run with `-c`; argv: script path, then the tool's arguments. Standard input
 * is read through a raw reader that flushes standard output before each read of the pipe, so the
 * answer to everything read so far leaves before the tool blocks.
 */
export const FLUSH_BEFORE_READ_BOOTSTRAP = [
  'import io, os, sys',
  'class _FlushBeforeRead(io.RawIOBase):',
  '    def readable(self):',
  '        return True',
  '    def fileno(self):',
  '        return 0',
  '    def readinto(self, b):',
  '        try:',
  '            sys.stdout.flush()',
  '        except Exception:',
  '            pass',
  '        data = os.read(0, len(b))',
  '        b[:len(data)] = data',
  '        return len(data)',
  "_enc = getattr(sys.stdout, 'encoding', None) or 'utf-8'",
  "sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, 'w', closefd=False), 65536), encoding=_enc, errors='backslashreplace')",
  "sys.stdin = io.TextIOWrapper(io.BufferedReader(_FlushBeforeRead(), 65536), encoding=getattr(sys.stdin, 'encoding', None) or 'utf-8', errors='replace')",
  'sys.argv = sys.argv[1:]',
  // `-c` put the working directory first on the path; a script run by its path gets its own
  // folder there instead (symlinks followed), so a module beside the tool is found and none in the
  // working directory shadows what it imports.
  "if sys.path and sys.path[0] == '':",
  '    _p = sys.argv[0]',
  '    for _ in range(40):',
  '        if not os.path.islink(_p):',
  '            break',
  '        _t = os.readlink(_p)',
  '        _p = _t if os.path.isabs(_t) else os.path.join(os.path.dirname(_p), _t)',
  '    sys.path[0] = os.path.dirname(_p)',
  'import runpy',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
].join('\n');

/**
 * $1 = the bootstrap, $2.. = the ovn-detrace argv. Says "ovn-detrace not installed" (exit 127)
 * like the probe check. The interpreter comes from the script's `#!` line (`/usr/bin/python3`,
 * `/usr/bin/env python3`, RHEL's `platform-python`), split into words: a kernel would pass
 * everything after the interpreter as one argument, which is the same for the one-argument
 * `#!` lines Python tools have. Python 2 scripts (`#!/usr/bin/python`) keep the plain run.
 */
const LAUNCH_SCRIPT = [
  'boot=$1; shift',
  // Its start-up (Python, three databases) is needed only once the ofproto/traces are done, so it
  // yields the CPU to the trace's other commands, and to the node's own work.
  'lower=',
  'if command -v nice >/dev/null 2>&1; then lower="nice -n 10"; fi',
  'set -f',
  'path=$(command -v "$1" 2>/dev/null) || { echo "ovn-detrace not installed"; exit 127; }',
  'first=',
  'case "$path" in /*) IFS= read -r first < "$path" 2>/dev/null ;; esac',
  'case "$first" in',
  "  '#!'*python3*|'#!'*platform-python*)",
  "    interp=${first#'#!'}",
  '    shift',
  '    exec $lower $interp -c "$boot" "$path" "$@" ;;',
  'esac',
  'PYTHONUNBUFFERED=1',
  'export PYTHONUNBUFFERED',
  'exec $lower "$@"',
].join('\n');

/** Argv of a detrace session: the same ovn-detrace command as a single detrace leg, behind the launcher above. */
export function detraceSessionArgv(): string[] {
  return ['sh', '-c', LAUNCH_SCRIPT, 'cni-trace-detrace', FLUSH_BEFORE_READ_BOOTSTRAP, ...detraceArgv()];
}
