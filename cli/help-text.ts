import { CLI_OPTIONS, type CliOption } from './cli-options.js';

const GROUP_TITLES: Record<CliOption['group'], string> = {
  'source/destination': 'Source and destination',
  packet: 'Packet',
  mode: 'Mode',
  driver: 'CNI driver',
  output: 'Output',
  cluster: 'Cluster',
  general: 'General',
};

/** The `--help` text: every flag on one line, then examples for both CNIs and the exit codes. */
export function helpText(program = 'cni-trace'): string {
  const lines: string[] = [
    `Usage: ${program} --src POD [--src-namespace NS] (--dst POD | --service SVC | --dst-ip IP) [flags]`,
    '',
    'Traces a packet through the cluster network (OVN-Kubernetes or Antrea) and says whether it is',
    'delivered and, if not, which hop and which policy dropped it. Flags also work with one dash',
    '(ovnkube-trace spelling: -src, -dst-port) and in antctl spelling (-S, -D, -f, -L).',
  ];
  for (const group of Object.keys(GROUP_TITLES) as Array<CliOption['group']>) {
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const opt of CLI_OPTIONS.filter((o) => o.group === group)) {
      const names = [opt.short ? `-${opt.short}` : undefined, `--${opt.name}`, ...(opt.aliases ?? []).map((a) => `--${a}`)]
        .filter(Boolean)
        .join(', ');
      const left = `  ${names}${opt.arg ? ` ${opt.arg}` : ''}`;
      lines.push(`${left.padEnd(44)} ${opt.help}`);
    }
  }
  lines.push(
    '',
    'Examples:',
    `  ${program} --src client --src-namespace frontend --dst web --dst-namespace backend --tcp --dst-port 8080`,
    `  ${program} -src client -src-namespace frontend -service web -dst-namespace backend -tcp -dst-port 80 -loglevel 2`,
    `  ${program} -S frontend/client -D backend/db -f "tcp,tcp_dst=5432"            # antctl spelling`,
    `  ${program} -S frontend/client -D backend/web -L --dropped-only -t 60s          # Antrea live traffic`,
    `  ${program} --src client --dst-ip 8.8.8.8 --udp --dst-port 53 -o json`,
    `  ${program} --src client --service web --dst-namespace backend --tcp --dst-port 80 --all-backends   # every ready endpoint`,
    `  kubectl cni-trace --src client --dst web --tcp --dst-port 80 --cni ovn-kubernetes`,
    '',
    'Exit codes: 0 delivered (with --all-backends: to every ready backend);',
    '            1 not delivered (dropped, rejected, a failed leg, inconclusive; with --all-backends: any backend);',
    '            2 bad usage or input; 3 runtime error (cluster unreachable, forbidden, tool missing, timeout);',
    '            130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 141 stdout closed (resources the trace created are',
    '            deleted and the processes it started on nodes ended first).',
    '            With -o json|yaml a failure prints a TraceError document on stdout (code, message,',
    '            exitCode); with -o junit a suite with an <error> test case.',
  );
  return lines.join('\n') + '\n';
}
