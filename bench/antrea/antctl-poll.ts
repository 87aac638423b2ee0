/**
 * The Antrea baseline: `antctl traceflow` reproduced as a small script (shared/reference/
 * antrea-traceflow.md §3.1.3). Creates the Traceflow, polls it with GET every second (first
 * poll one second after creation, as `wait.PollUntilContextTimeout(interval=1s,
 * immediate=false)`), stops at phase Succeeded or Failed, prints the result as YAML, deletes
 * the Traceflow and exits.
 *
 * Usage: node antctl-poll.js <kubeconfig> <traceflow-spec-json> [timeout-seconds]
 * The spec is the Traceflow's `spec`; the name is antctl's `<src ns>-<src pod>-to-<dst>-<8 random>`.
 */
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

const GROUP = 'crd.antrea.io';
const VERSION = 'v1beta1';
const PLURAL = 'traceflows';
const POLL_MS = 1000;

interface TraceflowSpec {
  source: { namespace?: string; pod?: string };
  destination: { namespace?: string; pod?: string; service?: string; ip?: string };
  [key: string]: unknown;
}

interface Traceflow {
  metadata: { name: string };
  spec: TraceflowSpec;
  status?: { phase?: string; reason?: string; results?: unknown[] };
}

/** antctl's name: `<src ns>-<src pod>-to-<dst ns>-<dst>-<8 random lowercase alphanumerics>`. */
function traceflowName(spec: TraceflowSpec): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('');
  const dst = spec.destination.ip ?? `${spec.destination.namespace}-${spec.destination.pod ?? spec.destination.service}`;
  return `${spec.source.namespace}-${spec.source.pod}-to-${dst}-${suffix}`;
}

async function main(argv: string[]): Promise<number> {
  const [kubeconfig, specJson, timeoutArg] = argv;
  if (!kubeconfig || !specJson) {
    process.stderr.write('usage: antctl-poll <kubeconfig> <traceflow-spec-json> [timeout-seconds]\n');
    return 2;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(CustomObjectsApi);
  const spec = JSON.parse(specJson) as TraceflowSpec;
  const name = traceflowName(spec);
  const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'Traceflow', metadata: { name }, spec };
  await api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, body });
  try {
    const deadline = Date.now() + Number(timeoutArg ?? 10) * 1000;
    let last: Traceflow | undefined;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      last = (await api.getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })) as Traceflow;
      const phase = last.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') break;
      if (Date.now() >= deadline) {
        process.stdout.write(stringify({ name, phase: phase ?? '', results: last.status?.results }));
        process.stderr.write('Error: timeout waiting for Traceflow done\n');
        return 1;
      }
    }
    const dst = spec.destination.ip ?? `${spec.destination.namespace}/${spec.destination.pod ?? spec.destination.service}`;
    process.stdout.write(
      stringify({
        name,
        phase: last.status?.phase,
        ...(last.status?.reason ? { reason: last.status.reason } : {}),
        source: `${spec.source.namespace ?? ''}/${spec.source.pod ?? ''}`,
        destination: dst,
        results: last.status?.results,
      }),
    );
    return 0;
  } finally {
    // Deferred in antctl: errors are only logged.
    await api.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name }).catch((err: unknown) => process.stderr.write(`delete failed: ${String(err)}\n`));
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
