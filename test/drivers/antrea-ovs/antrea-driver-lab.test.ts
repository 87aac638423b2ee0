/**
 * End to end through the Antrea lab (lab/scenarios/antrea.yaml): the real CLI against the lab's
 * API server, whose in-lab Traceflow controller computes results from each node's real OVS, and
 * whose antrea-agent pods exec into that node's OVS. One lab for the whole file, always stopped.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { container } from 'tsyringe';
import { runCli, type CliIo } from '../../../cli/main.js';
import { registerAntreaDriver } from '../../../drivers/antrea-ovs/index.js';
import type { Lab } from '../../../lab/lab.js';
import { startLab, stopLab } from '../../helpers/lab-fixture.js';
import { repoRoot } from '../../helpers/paths.js';

let lab: Lab | undefined;

test.before(async () => {
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'antrea.yaml'));
});

test.after(async () => {
  await stopLab(lab);
});

async function cli(args: string[], kubeconfig = lab!.kubeconfigPath!) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, isTty: false };
  const child = container.createChildContainer();
  registerAntreaDriver(child);
  const code = await runCli(['--kubeconfig', kubeconfig, ...args], io, child);
  return { code, stdout, stderr, lines: stdout.trimEnd().split('\n') };
}

async function traceflowsLeft(): Promise<string[]> {
  const r = await cli(['--version']);
  assert.is(r.code, 0);
  const { KubeConfig, CustomObjectsApi } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(lab!.kubeconfigPath!);
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'crd.antrea.io', version: 'v1beta1', plural: 'traceflows' })) as { items: Array<{ metadata: { name: string } }> };
  return list.items.map((i) => i.metadata.name);
}

test('detected without --cni; intra-node pod to pod delivered in one node report', async () => {
  const r = await cli(['-S', 'frontend/client', '-D', 'backend/web', '-f', 'tcp,tcp_dst=8080', '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.is(result.cni, 'antrea');
  assert.is(result.verdict, 'delivered');
  assert.is(result.legs.length, 1);
  assert.is(result.legs[0].node, 'antrea-worker');
  assert.equal(result.legs[0].observations.map((o: { stage: string }) => o.stage)[0], 'SpoofGuard');
  assert.is(result.legs[0].observations.at(-1).action, 'delivered');
  assert.equal(await traceflowsLeft(), []);
});

test('inter-node: two node reports, the sender tunnels to the receiving node', async () => {
  const r = await cli(['--src', 'client', '--src-namespace', 'frontend', '--dst', 'api', '--dst-namespace', 'frontend', '--tcp', '--dst-port', '8080', '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.legs.map((l: { node: string }) => l.node), ['antrea-worker', 'antrea-worker2']);
  const output = result.legs[0].observations.find((o: { stage: string }) => o.stage === 'Forwarding/Output');
  assert.is(output.tunnelDst, '172.18.0.3');
  assert.is(result.legs[1].observations[0].action, 'received');
  assert.is(result.verdict, 'delivered');
});

test('service: LB observation with the translated destination, delivered to the endpoint', async () => {
  const r = await cli(['--src', 'client', '--src-namespace', 'frontend', '--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80', '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const lb = result.legs[0].observations.find((o: { stage: string }) => o.stage === 'LB');
  assert.ok(lb, 'an LB observation');
  assert.is(lb.translatedDstIp, '10.10.1.6');
  assert.match(result.reason, /delivered to backend\/web/);
});

test('K8s NetworkPolicy default deny: dropped, naming the isolating policy', async () => {
  const r = await cli(['-S', 'frontend/client', '-D', 'backend/db', '-f', 'tcp,tcp_dst=80']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.ok(r.lines.some((l) => /^>>> ✗ NetworkPolicy\/IngressDefaultRule +dropped/.test(l)), r.stdout);
  assert.is(r.lines.at(-1), 'Verdict: dropped — ingress of backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/80 from frontend/client');
});

test('Antrea-native policy drop with its rule name; reject variant', async () => {
  const drop = await cli(['-S', 'frontend/client', '-D', 'backend/db', '-f', 'tcp,tcp_dst=5432']);
  assert.is(drop.code, 1);
  assert.is(drop.lines.at(-1), 'Verdict: dropped — ingress to backend/db dropped by rule drop-client-postgres of AntreaNetworkPolicy backend/protect-db');
  const reject = await cli(['-S', 'frontend/api', '-D', 'backend/db', '-f', 'tcp,tcp_dst=5432']);
  assert.is(reject.code, 1);
  assert.match(reject.lines.at(-1)!, /^Verdict: rejected — ingress to backend\/db rejected by rule reject-api of AntreaNetworkPolicy backend\/protect-db$/);
});

test('live traffic, dropped only: the lab\'s client→db connection is captured and attributed', async () => {
  const r = await cli(['-S', 'frontend/client', '-D', 'backend/db', '-L', '--dropped-only', '-f', 'tcp,tcp_dst=5432', '-t', '30', '-o', 'json']);
  assert.is(r.code, 1, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.is(result.verdict, 'dropped');
  assert.is(result.drop.policy.name, 'protect-db');
  assert.is(result.native.object.spec.liveTraffic, true);
  assert.ok(result.native.object.status.capturedPacket, 'the captured packet is reported');
});

test('timeout: a live trace nothing matches ends inconclusive with the reason', async () => {
  const r = await cli(['-D', 'backend/web', '-L', '-f', 'udp,udp_dst=9999', '-t', '1']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.lines.at(-1)!, /^Verdict: inconclusive — Traceflow any-to-backend-web-\S+ (failed with "Traceflow timeout" after 1s|did not finish within 1s)/);
});

test('a missing source pod exits 2 before any Traceflow is created; a user who may not create Traceflows exits 3', async () => {
  // Issue 13: refused before any request that writes. This used to reach the create and exit 2
  // with the webhook's denial ("requested source Pod frontend/nosuch not found").
  const denied = await cli(['-S', 'frontend/nosuch', '-D', 'backend/web']);
  assert.is(denied.code, 2, denied.stderr);
  assert.match(denied.stderr, /pod frontend\/nosuch not found/);
  assert.not.match(denied.stderr, /admission webhook/);
  const forbidden = await cli(['-S', 'frontend/client', '-D', 'backend/web'], lab!.restrictedKubeconfigPath!);
  assert.is(forbidden.code, 3);
  assert.match(forbidden.stderr, /permission denied: cannot create traceflows\.crd\.antrea\.io/);
});

test('level 2: table names from the node\'s OVS and the dropping flow highlighted', async () => {
  const r = await cli(['-S', 'frontend/client', '-D', 'backend/db', '-f', 'tcp,tcp_dst=5432', '--loglevel', '2']);
  assert.is(r.code, 1);
  const headers = r.lines.filter((l) => l.startsWith('── ovs-appctl ofproto/trace pipeline of '));
  assert.equal(headers.map((h) => h.replace(/ \[.*/, '')), ['── ovs-appctl ofproto/trace pipeline of antrea-worker (sender)', '── ovs-appctl ofproto/trace pipeline of antrea-worker2 (receiver)']);
  for (const table of ['SpoofGuard', 'ConntrackState', 'L3Forwarding', 'AntreaPolicyIngressRule']) assert.ok(r.lines.some((l) => l.startsWith('    · ') && l.includes(` ${table} `)), table);
  const marked = r.lines.filter((l) => l.startsWith('>>> ✗ '));
  assert.ok(marked.some((l) => /^>>> ✗ NetworkPolicy\/IngressMetric +dropped/.test(l)), 'the Traceflow drop');
  const ovsDrop = marked.find((l) => !l.includes('NetworkPolicy/'));
  assert.ok(ovsDrop, `the dropping OVS flow is highlighted: ${marked.join(' | ')}`);
  assert.not.match(ovsDrop!, /table \d+/, 'named, not numbered');
});

test('Ctrl-C (SIGINT to a real CLI process) mid-trace leaves no Traceflow in the API', async () => {
  const bin = new URL('../../../cli/bin-main.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(bin)}); process.exitCode = await m.main(process.argv.slice(1));`, '--', '--kubeconfig', lab!.kubeconfigPath!, '-D', 'backend/web', '-L', '-f', 'udp,udp_dst=9999', '-t', '120', '--loglevel', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20_000;
    while (!/phase Running/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the trace did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.is((await traceflowsLeft()).length, 1);
    child.kill('SIGINT');
    assert.is(await exited, 130, out);
    assert.equal(await traceflowsLeft(), []);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();
