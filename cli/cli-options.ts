/**
 * The CLI's flags: one table that drives parsing (all three spellings) and `--help`.
 */

/** One CLI option. */
export interface CliOption {
  /** Canonical long name, used as `--name` (and as `-name`, Go-flag style). */
  name: string;
  type: 'string' | 'boolean';
  /** Single-letter short form (antctl's `-S`, `-D`, `-f`, `-L`, `-t`; `-o`, `-h`). */
  short?: string;
  /** Other long names accepted (e.g. ovnkube-trace's `ovn-config-namespace`, antctl's `source`). */
  aliases?: string[];
  /** Placeholder shown in help. */
  arg?: string;
  /** One line of help. */
  help: string;
  /** Help section. */
  group: 'source/destination' | 'packet' | 'mode' | 'output' | 'cluster' | 'driver' | 'general';
}

/** Every option of `cni-trace`. */
export const CLI_OPTIONS: readonly CliOption[] = [
  { name: 'src', type: 'string', arg: 'POD', help: 'source pod name (in --src-namespace)', group: 'source/destination' },
  { name: 'src-namespace', type: 'string', arg: 'NS', help: 'namespace of the source pod (default "default")', group: 'source/destination' },
  { name: 'dst', type: 'string', arg: 'POD', help: 'destination pod name (in --dst-namespace)', group: 'source/destination' },
  { name: 'dst-namespace', type: 'string', arg: 'NS', help: 'namespace of the destination pod or service (default "default")', group: 'source/destination' },
  { name: 'service', type: 'string', arg: 'SVC', help: 'destination Service name (in --dst-namespace)', group: 'source/destination' },
  { name: 'dst-ip', type: 'string', arg: 'IP', help: 'destination IP address (e.g. outside the cluster)', group: 'source/destination' },
  { name: 'source', short: 'S', type: 'string', arg: 'NS/POD|POD|IP', help: 'antctl style source: ns/pod, pod (namespace "default") or, live only, an IP', group: 'source/destination' },
  { name: 'destination', short: 'D', type: 'string', arg: 'NS/NAME|NAME|IP', help: 'antctl style destination: ns/pod, ns/service, pod, service or IP', group: 'source/destination' },
  { name: 'tcp', type: 'boolean', help: 'trace a TCP packet', group: 'packet' },
  { name: 'udp', type: 'boolean', help: 'trace a UDP packet', group: 'packet' },
  { name: 'icmp', type: 'boolean', help: 'trace an ICMP echo request (ICMPv6 under ip6)', group: 'packet' },
  { name: 'dst-port', type: 'string', arg: 'PORT', help: 'destination port 1-65535 (the Service port for --service; default 80 for tcp/udp)', group: 'packet' },
  { name: 'src-port', type: 'string', arg: 'PORT', help: 'source port 1-65535 (default: chosen by the driver)', group: 'packet' },
  { name: 'tcp-flags', type: 'string', arg: 'FLAGS', help: 'TCP flags as a number (2) or names (SYN,ACK); default SYN', group: 'packet' },
  { name: 'addr-family', type: 'string', arg: 'ip4|ip6', help: 'address family (default ip4)', group: 'packet' },
  { name: 'flow', short: 'f', type: 'string', arg: 'FLOW', help: 'antctl style packet, e.g. "tcp,tcp_dst=80" or "ipv6,udp,udp_dst=53"', group: 'packet' },
  { name: 'all-backends', type: 'boolean', help: 'with --service: trace every ready endpoint of the Service, a verdict per backend (exit 0 only if all are reachable)', group: 'mode' },
  { name: 'live-traffic', short: 'L', type: 'boolean', help: 'trace the first real packet of a new matching connection (Antrea)', group: 'mode' },
  { name: 'dropped-only', type: 'boolean', help: 'with --live-traffic: capture only a dropped packet', group: 'mode' },
  { name: 'timeout', short: 't', type: 'string', arg: 'SECONDS', help: 'give up after this long (seconds, or 30s/2m; Antrea 1-300, default 20)', group: 'mode' },
  { name: 'cni', type: 'string', arg: 'auto|antrea|ovn-kubernetes', help: 'CNI driver to use (default auto: detected from the cluster)', group: 'driver' },
  { name: 'skip-detrace', type: 'boolean', help: 'OVN: do not run ovn-detrace', group: 'driver' },
  { name: 'ovn-namespace', type: 'string', aliases: ['ovn-config-namespace'], arg: 'NS', help: 'OVN: namespace of the ovnkube-node pods (default: found by label app=ovnkube-node)', group: 'driver' },
  { name: 'local', type: 'boolean', help: 'OVN: run the OVN/OVS tools as local processes instead of exec into pods', group: 'driver' },
  { name: 'keep', type: 'boolean', aliases: ['nowait'], help: 'Antrea: keep the Traceflow object instead of deleting it', group: 'driver' },
  { name: 'traceflow', type: 'string', arg: 'NAME', help: 'Antrea: follow and render an existing Traceflow (its spec gives the endpoints and packet; no --src/--dst)', group: 'driver' },
  { name: 'antctl', type: 'boolean', help: 'Antrea: with -o yaml|json print the Traceflow as antctl (v2.6 YAML style) does', group: 'driver' },
  { name: 'loglevel', type: 'string', arg: '0|2|5', help: 'detail: 0 summary, 2 hop-by-hop flows, 5 debug (discovery, commands, raw output)', group: 'output' },
  { name: 'output', short: 'o', type: 'string', arg: 'FORMAT', help: 'text (default), json, yaml or junit', group: 'output' },
  { name: 'no-color', type: 'boolean', help: 'never colour the output (also NO_COLOR=1)', group: 'output' },
  { name: 'kubeconfig', short: 'k', type: 'string', arg: 'PATH', help: 'kubeconfig file (default $KUBECONFIG, ~/.kube/config, in-cluster)', group: 'cluster' },
  { name: 'context', type: 'string', arg: 'NAME', help: 'kubeconfig context to use', group: 'cluster' },
  {
    name: 'request-timeout',
    type: 'string',
    arg: 'DURATION',
    help: 'longest one API request or exec connect may take, as kubectl reads it (1s, 2m; a bare integer is seconds; 0: no limit; default 30s)',
    group: 'cluster',
  },
  { name: 'help', short: 'h', type: 'boolean', help: 'show this help', group: 'general' },
  { name: 'version', type: 'boolean', help: 'print the version', group: 'general' },
];
