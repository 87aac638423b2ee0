/**
 * Issue 12 item 10 on the Antrea lab (test/fixtures/lab/antrea-backends.yaml): the backend
 * AntreaProxy chose is named from the Traceflow's LB observation; `--all-backends` runs one
 * Traceflow per ready endpoint with the backend pod as destination (the CRD cannot pin a
 * Service's endpoint) and deletes them all.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { container } from 'tsyringe';
import { runCli, type CliIo } from '../../../cli/main.js';
import type { TraceResult } from '../../../core/model.js';
import { registerAntreaDriver } from '../../../drivers/antrea-ovs/index.js';
import type { Lab } from '../../../lab/lab.js';
import { startLab, stopLab } from '../../helpers/lab-fixture.js';
import { repoRoot } from '../../helpers/paths.js';

let lab: Lab | undefined;

test.before(async () => {
  lab = await startLab(join(repoRoot, 'test', 'fixtures', 'lab', 'antrea-backends.yaml'));
});

test.after(async () => {
  await stopLab(lab);
});

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, isTty: false };
  const child = container.createChildContainer();
  registerAntreaDriver(child);
  const code = await runCli(['--kubeconfig', lab!.kubeconfigPath!, ...args], io, child);
  return { code, stdout, stderr };
}

async function traceflowsLeft(): Promise<string[]> {
  const { KubeConfig, CustomObjectsApi } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(lab!.kubeconfigPath!);
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'crd.antrea.io', version: 'v1beta1', plural: 'traceflows' })) as { items: Array<{ metadata: { name: string } }> };
  return list.items.map((i) => i.metadata.name);
}

const MIX = ['-S', 'frontend/client', '--service', 'mix', '--dst-namespace', 'mixed', '--tcp', '--dst-port', '80'];

test('one Traceflow to the Service: the backend AntreaProxy chose is named, with why', async () => {
  const r = await cli([...MIX, '-o', 'json']);
  const result = JSON.parse(r.stdout) as TraceResult;
  const b = result.backends!;
  assert.is(b.mode, 'one');
  assert.is(b.ready, 3);
  const traced = b.results[0]!;
  assert.is(traced.method, 'load-balancer');
  assert.match(traced.why, /LB observation/);
  assert.ok(['mix-1', 'mix-2', 'mix-3'].includes(traced.pod!.name), JSON.stringify(traced));
  assert.is(traced.port, 8080, 'the endpoint port, from the EndpointSlices');
  assert.is(traced.verdict, result.verdict);
  const text = await cli(MIX);
  assert.match(text.stdout, /Service mixed\/mix: traced backend mixed\/mix-\d \(10\.10\.\d\.\d+:8080\) on antrea-worker2? — chosen by AntreaProxy/);
  assert.equal(await traceflowsLeft(), []);
});

test('--all-backends: one Traceflow per backend pod, 2 of 3 reachable, exit 1, all deleted', async () => {
  const r = await cli([...MIX, '--all-backends', '-o', 'json']);
  assert.is(r.code, 1, r.stderr);
  const result = JSON.parse(r.stdout) as TraceResult;
  assert.match(result.reason, /^delivered to 2 of 3 backends; mixed\/mix-3 \(10\.10\.1\.13:8080\) dropped: .*isolated by NetworkPolicy mixed\/closed/);
  const b = result.backends!;
  assert.equal(b.results.map((x) => [x.pod?.name, x.method, x.verdict]), [
    ['mix-1', 'backend-as-destination', 'delivered'],
    ['mix-2', 'backend-as-destination', 'delivered'],
    ['mix-3', 'backend-as-destination', 'dropped'],
  ]);
  assert.match(b.results[0]!.why, /cannot pin a Service's endpoint/);
  // mix-2 is on the other node: sender and receiver reports.
  assert.equal(result.legs.filter((l) => l.id.startsWith('backend-2/')).map((l) => l.node), ['antrea-worker', 'antrea-worker2']);
  assert.equal(await traceflowsLeft(), []);
  const one = await cli(['-S', 'frontend/client', '--service', 'solo', '--dst-namespace', 'mixed', '--tcp', '--dst-port', '80', '--all-backends']);
  assert.is(one.code, 0, one.stdout);
  assert.match(one.stdout, /Verdict: delivered — delivered to 1 of 1 backend\n$/);
});

test('OVS detail: each conntrack recirculation of the Service packet gets its derived state (+dnat after EndpointDNAT)', async () => {
  const r = await cli(['-S', 'frontend/client', '--service', 'solo', '--dst-namespace', 'mixed', '--tcp', '--dst-port', '80', '--loglevel', '2', '-o', 'json']);
  const result = JSON.parse(r.stdout) as TraceResult;
  const sender = result.legs.find((l) => l.id === 'ofproto/trace/antrea-worker')!;
  assert.is(sender.verdict, 'delivered');
  const resumed = (sender.rawOutput ?? '').split('\n').filter((l) => /^recirc\(0x[0-9a-f]+\) - resume conntrack/.test(l));
  assert.ok(resumed.length >= 2, resumed.join(' | '));
  assert.ok(resumed.every((l) => !l.includes('default')), resumed.join(' | '));
  // The second is after ct(commit,...,nat(dst=<endpoint>)): a new, destination-translated connection.
  assert.match(resumed[1]!, /ct_state=(?=.*new)(?=.*dnat)(?=.*trk)/);
  const argv = sender.command!.argv;
  // ConntrackZone's ct(nat), EndpointDNAT's ct(commit,nat(dst=...)), and ConntrackCommit's
  // ct(commit,table=Output) as Antrea's pipeline has it: only the second translates.
  assert.equal(argv.filter((a, i) => argv[i - 1] === '--ct-next'), ['new,trk', 'dnat,new,trk', 'new,trk']);
});

test.run();
