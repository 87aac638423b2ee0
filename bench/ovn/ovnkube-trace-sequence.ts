/**
 * The baseline of the full-trace benchmark: the same tool commands cni-trace runs, plus the
 * discovery look-ups ovnkube-trace makes, run the way ovnkube-trace runs them — one after
 * another, one exec per command, each command as `bash -c "<string>"` (ovnkube-trace's
 * `execInPod`), through the same Kubernetes exec path (client-node WebSocket exec against the
 * lab's API server).
 *
 * ovnkube-trace's work per pod (shared/reference/ovnkube-trace.md §2.1, legacy IC version):
 * GET pod, LIST every pod of the OVN namespace with no selector, GET node (gateway mode), GET the
 * ovnkube pod (container, DB URIs), then 6 execs: `ps` for zone/DB flags, rtos MAC, rtots MAC,
 * mp0 ofport, the pod's OVS interface, the external bridge. Before each ovn-detrace: the NB
 * reachability check and the dependency checks (`type -p ovn-detrace`, Python ssl).
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { Leg, TraceResult } from '../../core/model.js';
import { KubeClient } from '../../core/kube/kube-client.js';
import { loadKubeConfig } from '../../core/kube/kube-config-loader.js';
import { PodExecRunner, type PodExecTarget } from '../../core/runner/pod-exec-runner.js';
import type { CommandOutput } from '../../core/runner/command-runner.js';

const SB = '--db unix:/var/run/ovn/ovnsb_db.sock';
const NB = '--db unix:/var/run/ovn/ovnnb_db.sock';
const EXEC_TIMEOUT_MS = 60_000;

/** Quotes one argument for a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `ns/pod/container` → exec target. */
export function parseTarget(target: string): PodExecTarget {
  const [namespace, pod, container] = target.split('/');
  if (!namespace || !pod || !container) throw new Error(`not an exec target: ${target}`);
  return { namespace, pod, container };
}

/**
 * The interpreter ovn-detrace runs with (its `#!` line), so the Python dependency check starts
 * the same Python the tool does.
 */
export function detracePython(): string {
  try {
    const path = execFileSync('sh', ['-c', 'command -v ovn-detrace'], { encoding: 'utf8' }).trim();
    const first = readFileSync(path, 'utf8').split('\n')[0] ?? '';
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (m) return m[1]!.endsWith('/env') && m[2] ? m[2] : m[1]!;
  } catch {
    // Fall through to the plain name.
  }
  return 'python3';
}

/** One ovnkube-trace-style run: what ran, and what it cost. */
export interface SequenceRun {
  ms: number;
  execs: number;
  apiCalls: number;
  /** stdout of each leg, by leg id (feeds the floor measurement's ovn-detrace legs). */
  legStdout: Map<string, string>;
}

/** Runs one trace the way ovnkube-trace would, for the legs of a reference cni-trace result. */
export class OvnkubeTraceSequence {
  private readonly python = detracePython();

  constructor(
    private readonly kubeconfig: string,
    private readonly reference: TraceResult,
  ) {}

  async run(): Promise<SequenceRun> {
    const t0 = performance.now();
    // A fresh client per run, as a new ovnkube-trace process has.
    const kc = loadKubeConfig({ kubeconfig: this.kubeconfig });
    const kube = new KubeClient(kc);
    let execs = 0;
    let apiCalls = 0;
    const exec = async (target: PodExecTarget, command: string, stdin?: string): Promise<CommandOutput> => {
      execs++;
      // ovnkube-trace builds a new executor (a new stream session) for every command.
      return new PodExecRunner(kc, target).run({ argv: ['bash', '-c', command], ...(stdin !== undefined ? { stdin } : {}), timeoutMs: EXEC_TIMEOUT_MS });
    };

    const req = this.reference.request;
    if (req.source?.kind !== 'pod' || req.destination.kind !== 'pod') throw new Error('the ovnkube-trace sequence is written for pod → pod traces');
    apiCalls++;
    const ovnPods = await kube.listPods({ labelSelector: 'app=ovnkube-node' });
    const ovnNamespace = ovnPods[0]?.metadata?.namespace;
    if (!ovnNamespace) throw new Error('no ovnkube-node pods');

    const podInfo = async (namespace: string, name: string) => {
      apiCalls += 4;
      const pod = await kube.getPod(namespace, name);
      const node = pod.spec!.nodeName!;
      const all = await kube.listPods({ namespace: ovnNamespace });
      const ovnkube = all.find((p) => p.spec?.nodeName === node && p.metadata?.labels?.app === 'ovnkube-node');
      if (!ovnkube) throw new Error(`no ovnkube-node pod on ${node}`);
      await kube.getNode(node);
      const fresh = await kube.getPod(ovnNamespace, ovnkube.metadata!.name!);
      const container = fresh.spec!.containers.find((c) => c.name === 'ovnkube-node' || c.name === 'ovnkube-controller')?.name ?? fresh.spec!.containers[0]!.name;
      const target = { namespace: ovnNamespace, pod: ovnkube.metadata!.name!, container };
      await exec(target, "ps -eo args | grep '/usr/bin/[o]vnkube'");
      await exec(target, `ovn-sbctl ${SB} --bare --no-heading --column=mac list Port_Binding rtos-${node}`);
      await exec(target, `ovn-sbctl ${SB} --bare --no-heading --column=mac list Port_Binding rtots-${node}`);
      await exec(target, 'ovs-vsctl get Interface ovn-k8s-mp0 ofport');
      await exec(target, `ovs-vsctl --columns name,ofport find interface external_ids:iface-id=${namespace}_${name}`);
      await exec(target, `ovn-sbctl ${SB} --bare --no-heading --column=logical_port find Port_Binding options:network_name=physnet`);
    };
    await podInfo(req.source.namespace, req.source.name);
    await podInfo(req.destination.namespace, req.destination.name);

    const legStdout = new Map<string, string>();
    for (const leg of this.reference.legs) {
      const target = parseTarget(leg.command!.target);
      let stdin: string | undefined;
      if (leg.tool === 'ovn-detrace') {
        stdin = legStdout.get(leg.id.replace(/-detrace$/, ''));
        if (stdin === undefined) throw new Error(`no ofproto/trace output for ${leg.id}`);
        await exec(target, `ovn-nbctl ${NB} get-connection`);
        await exec(target, "if type -p ovn-detrace >/dev/null 2>&1; then echo 'true' ; fi");
        await exec(target, `if ${this.python} -c 'import ssl; print(ssl.OPENSSL_VERSION)' > /dev/null; then echo 'true'; fi`);
      }
      const out = await exec(target, leg.command!.argv.map(shellQuote).join(' '), stdin);
      legStdout.set(leg.id, out.stdout);
    }
    return { ms: performance.now() - t0, execs, apiCalls, legStdout };
  }
}

/** Runs one leg's command alone, as one exec (the way cni-trace runs it: argv, no shell). */
export async function runLegAlone(kubeconfig: string, leg: Leg, stdin: string | undefined): Promise<number> {
  const kc = loadKubeConfig({ kubeconfig });
  const runner = new PodExecRunner(kc, parseTarget(leg.command!.target));
  const t0 = performance.now();
  const out = await runner.run({ argv: leg.command!.argv, ...(stdin !== undefined ? { stdin } : {}), timeoutMs: EXEC_TIMEOUT_MS });
  const ms = performance.now() - t0;
  if (out.exitCode !== leg.command!.exitCode) throw new Error(`leg ${leg.id} alone exited ${out.exitCode}, in the trace ${leg.command!.exitCode}`);
  return ms;
}
