/**
 * The Traceflow lifecycle against a real API server (the lab's kube-api) with a scripted
 * antrea-controller in the test: streaming of node reports, deletion on completion, error,
 * unsubscribe and SIGINT of a real CLI process, pending and timeout, webhook and RBAC refusals,
 * watch fallbacks. End-to-end runs through the Antrea lab live in antrea-driver-lab.test.ts.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, toArray } from 'rxjs';
import { container } from 'tsyringe';
import { runCli, type CliIo } from '../../../cli/main.js';
import { CleanupTracker } from '../../../core/cleanup-tracker.js';
import { KubeClient } from '../../../core/kube/kube-client.js';
import type { TraceEvent } from '../../../core/events.js';
import type { TraceRequest } from '../../../core/model.js';
import { createTraceRequest } from '../../../core/request-defaults.js';
import { trace } from '../../../core/tracer.js';
import { registerAntreaDriver, type AntreaDriverOptions } from '../../../drivers/antrea-ovs/index.js';
import { TraceflowClient } from '../../../drivers/antrea-ovs/traceflow/traceflow-client.js';
import type { Traceflow, TraceflowNodeResult } from '../../../drivers/antrea-ovs/traceflow/traceflow-types.js';
import { webhookDenied } from '../../../lab/kube-api/api-errors.js';
import type { KubeObject } from '../../../lab/kube-api/kube-object.js';
import type { ResourceInfo } from '../../../lab/kube-api/resource-registry.js';
import { startLabApi, type LabApi } from '../../lab/kube-api/lab-api-fixture.js';

let lab: LabApi;
let tfRes: ResourceInfo;
const timers = new Set<NodeJS.Timeout>();

const nsObj = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const podObj = (namespace: string, name: string, labels: Record<string, string>, ip: string, node: string, containers = ['c']): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { nodeName: node, containers: containers.map((c) => ({ name: c, image: 'x' })) },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});

const SENDER: TraceflowNodeResult = {
  node: 'w1',
  timestamp: 1785578402,
  observations: [
    { component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.5' },
    { component: 'Forwarding', componentInfo: 'Output', action: 'Forwarded', tunnelDstIP: '172.18.0.3' },
  ],
};
const RECEIVED = { component: 'Forwarding', action: 'Received' };

/** What the scripted controller does with a Traceflow, by destination pod name. */
function script(tf: Traceflow): Array<{ after: number; status: Traceflow['status'] }> {
  const dst = tf.spec.destination?.pod;
  switch (dst) {
    case 'server':
      return [
        { after: 20, status: { phase: 'Running', dataplaneTag: 7 } },
        // The receiver appends first: the driver still shows the sender's report first.
        { after: 60, status: { phase: 'Running', dataplaneTag: 7, results: [{ node: 'w2', timestamp: 1785578402, observations: [RECEIVED, { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' }] }] } },
        { after: 100, status: { phase: 'Succeeded', dataplaneTag: 7, results: [{ node: 'w2', timestamp: 1785578402, observations: [RECEIVED, { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' }] }, SENDER] } },
      ];
    case 'isolated':
      return [{ after: 20, status: { phase: 'Succeeded', results: [SENDER, { node: 'w2', observations: [RECEIVED, { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' }] }] } }];
    case 'failing':
      return [{ after: 20, status: { phase: 'Failed', reason: 'Node: w1, error: destination Pod does not have an IPv6 address' } }];
    case 'slow':
      return [{ after: 20, status: { phase: 'Running', dataplaneTag: 11, results: [SENDER] } }];
    case 'timeout':
      return [
        { after: 20, status: { phase: 'Running', results: [SENDER] } },
        { after: 200, status: { phase: 'Failed', reason: 'Traceflow timeout', results: [SENDER] } },
      ];
    default:
      return []; // "pending": the controller never picks it up.
  }
}

test.before(async () => {
  lab = await startLabApi({
    objects: [
      nsObj('default'),
      nsObj('ns1'),
      nsObj('kube-system'),
      podObj('ns1', 'client', { app: 'client' }, '10.10.1.5', 'w1'),
      ...['server', 'isolated', 'failing', 'slow', 'timeout', 'pending', 'denied'].map((n, i) => podObj('ns1', n, { app: n }, `10.10.2.${i + 2}`, 'w2')),
      podObj('kube-system', 'antrea-agent-w1', { app: 'antrea', component: 'antrea-agent' }, '172.18.0.2', 'w1', ['antrea-agent', 'antrea-ovs']),
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'ns1', name: 'deny-isolated' }, spec: { podSelector: { matchLabels: { app: 'isolated' } }, policyTypes: ['Ingress'] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'ns1', name: 'unrelated' }, spec: { podSelector: { matchLabels: { app: 'server' } } } },
    ],
    users: [
      { name: 'admin', token: 'admin-token' },
      { name: 'restricted', token: 'restricted-token', denies: ['create traceflows.crd.antrea.io'] },
      { name: 'nowatch', token: 'nowatch-token', denies: ['watch traceflows.crd.antrea.io'] },
    ],
  });
  tfRes = lab.server.registerResource({ group: 'crd.antrea.io', version: 'v1beta1', plural: 'traceflows', kind: 'Traceflow', namespaced: false, hasStatus: true, shortNames: ['tf'] });
  lab.server.registerValidator('traceflows.crd.antrea.io', (req) => {
    const spec = (req.object?.spec ?? {}) as Traceflow['spec'];
    if (req.operation === 'CREATE' && spec.destination?.pod === 'denied') {
      throw webhookDenied('traceflowvalidator.antrea.io', { message: `requested source Pod ${spec.source?.namespace}/${spec.source?.pod}x not found` });
    }
  });
  lab.server.store.subscribe((ev) => {
    if (ev.plural !== 'traceflows' || ev.type !== 'ADDED') return;
    const tf = ev.object as unknown as Traceflow;
    for (const step of script(tf)) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        try {
          lab.server.store.patch(tfRes, undefined, tf.metadata.name, (cur) => ({ ...cur, status: step.status as Record<string, unknown> }), { subresource: 'status' });
        } catch {
          // Deleted meanwhile.
        }
      }, step.after);
      timers.add(timer);
    }
  });
});

test.after(async () => {
  for (const t of timers) clearTimeout(t);
  await lab?.stop();
});

const traceflows = () => lab.server.store.list(tfRes).items;
const client = () => new KubeClient(lab.kc);
const request = (dst: string, extra: Partial<TraceRequest> = {}) =>
  createTraceRequest({ source: { kind: 'pod', namespace: 'ns1', name: 'client' }, destination: { kind: 'pod', namespace: 'ns1', name: dst }, packet: { protocol: 'tcp', dstPort: 80 }, cni: 'antrea', ...extra });

function driverContainer(options: AntreaDriverOptions = {}) {
  const child = container.createChildContainer();
  registerAntreaDriver(child, options);
  return child;
}

async function runTrace(req: TraceRequest, options: AntreaDriverOptions = {}) {
  const cleanup = new CleanupTracker();
  const events = await lastValueFrom(trace(req, { container: driverContainer(options), kube: client(), cleanup }).pipe(toArray()));
  assert.ok(await cleanup.settled(5000), 'clean-up finished');
  return events;
}

test('delivered: node reports stream as legs (sender first), verdict, native Traceflow, object deleted afterwards', async () => {
  const events = await runTrace(request('server'));
  const types = events.map((e) => (e.type === 'leg-started' ? `leg-started ${e.node}` : e.type)).filter((t) => t !== 'log');
  assert.equal(types, ['started', 'resolved', 'leg-started w1', 'observation', 'observation', 'leg-finished', 'leg-started w2', 'observation', 'observation', 'leg-finished', 'finished']);
  const result = (events.at(-1) as Extract<TraceEvent, { type: 'finished' }>).result;
  assert.is(result.cni, 'antrea');
  assert.is(result.verdict, 'delivered');
  assert.match(result.reason, /^Traceflow ns1-client-to-ns1-server-[a-z0-9]{8} succeeded: delivered to ns1\/server on w2$/);
  assert.equal(result.legs.map((l) => l.description), ['report of w1 (sender)', 'report of w2 (receiver)']);
  assert.ok(result.legs.every((l) => l.summary === 'observation-tree'));
  assert.is(result.native?.kind, 'traceflow');
  assert.is((result.native?.object as unknown as Traceflow).status?.phase, 'Succeeded');
  assert.equal((result.native?.object as unknown as Traceflow).metadata.labels, { 'app.kubernetes.io/created-by': 'cni-trace' });
  assert.is(traceflows().length, 0, 'the Traceflow was deleted');
});

test('default-rule drop names the isolating NetworkPolicy read from the cluster', async () => {
  const events = await runTrace(request('isolated'));
  const result = (events.at(-1) as Extract<TraceEvent, { type: 'finished' }>).result;
  assert.is(result.verdict, 'dropped');
  assert.ok(result.drop?.type === 'default-deny');
  assert.equal(result.drop?.type === 'default-deny' ? result.drop.isolatedBy : [], [{ kind: 'NetworkPolicy', namespace: 'ns1', name: 'deny-isolated' }]);
  assert.is(traceflows().length, 0);
});

test('agent failure: error verdict with Antrea\'s reason, object deleted', async () => {
  const result = ((await runTrace(request('failing'))).at(-1) as Extract<TraceEvent, { type: 'finished' }>).result;
  assert.is(result.verdict, 'error');
  assert.is(result.reason.replace(/tf-\S+|ns1-client-to-ns1-failing-\S+/, 'X'), 'Traceflow X failed: Node: w1, error: destination Pod does not have an IPv6 address');
  assert.is(traceflows().length, 0);
});

test('controller timeout: inconclusive, naming the node that reported last', async () => {
  const result = ((await runTrace(request('timeout', { timeoutSeconds: 1 }))).at(-1) as Extract<TraceEvent, { type: 'finished' }>).result;
  assert.is(result.verdict, 'inconclusive');
  assert.match(result.reason, /failed with "Traceflow timeout" after 1s; node w1 reported last \(Forwarding\/Output Forwarded/);
});

test('absent phase at the local deadline: pending, not a timeout', async () => {
  const result = ((await runTrace(request('pending', { timeoutSeconds: 1 }), { deadlineGraceMs: 300 })).at(-1) as Extract<TraceEvent, { type: 'finished' }>).result;
  assert.is(result.verdict, 'inconclusive');
  assert.match(result.reason, /is pending: antrea-controller did not start it within 1s \(no phase\)/);
  assert.is(traceflows().length, 0);
});

test('still running at the local deadline: inconclusive with the phase and last report', async () => {
  const result = ((await runTrace(request('slow', { timeoutSeconds: 1 }), { deadlineGraceMs: 300 })).at(-1) as Extract<TraceEvent, { type: 'finished' }>).result;
  assert.match(result.reason, /did not finish within 1s \(phase Running\); node w1 reported last/);
  assert.is(result.legs.length, 1, 'the sender report that arrived is kept');
});

test('unsubscribing mid-trace deletes the Traceflow; --keep keeps it', async () => {
  const cleanup = new CleanupTracker();
  await new Promise<void>((resolve, reject) => {
    const sub = trace(request('slow'), { container: driverContainer(), kube: client(), cleanup }).subscribe({
      next: (e) => {
        if (e.type === 'leg-finished') {
          assert.is(traceflows().length, 1, 'exists while running');
          sub.unsubscribe();
          resolve();
        }
      },
      error: reject,
    });
  });
  assert.ok(await cleanup.settled(5000));
  assert.is(traceflows().length, 0, 'deleted on unsubscribe');

  const kept = ((await runTrace(request('server', { options: { keep: true } }))).at(-1) as Extract<TraceEvent, { type: 'finished' }>).result;
  const name = (kept.native?.object as unknown as Traceflow).metadata.name;
  assert.equal(traceflows().map((o) => o.metadata.name), [name]);
  lab.server.store.delete(tfRes, undefined, name);
});

test('watch forbidden: falls back to polling and still finishes', async () => {
  const kc = new (await import('@kubernetes/client-node')).KubeConfig();
  kc.loadFromFile(lab.paths.nowatch!);
  const cleanup = new CleanupTracker();
  const events = await lastValueFrom(trace(request('server'), { container: driverContainer({ pollIntervalMs: 50 }), kube: new KubeClient(kc), cleanup, logLevel: 2 }).pipe(toArray()));
  assert.ok(events.some((e) => e.type === 'log' && /watching traceflows\.crd\.antrea\.io is forbidden; polling/.test(e.message)));
  assert.is((events.at(-1) as Extract<TraceEvent, { type: 'finished' }>).result.verdict, 'delivered');
  assert.ok(await cleanup.settled(5000));
  assert.is(traceflows().length, 0);
});

test('an expired resourceVersion (410 Gone) is re-read, not an error', async () => {
  const tfc = TraceflowClient.forVersion(client(), 'v1beta1');
  const created = await tfc.create({ apiVersion: 'crd.antrea.io/v1beta1', kind: 'Traceflow', metadata: { name: 'gone-test' }, spec: { source: { namespace: 'ns1', pod: 'client' }, destination: { namespace: 'ns1', pod: 'server' } } });
  await new Promise((r) => setTimeout(r, 250)); // the scripted controller finishes it
  lab.server.store.compact();
  const logs: string[] = [];
  const seen: string[] = [];
  const end = await tfc.follow({
    name: 'gone-test',
    resourceVersion: created.metadata.resourceVersion!,
    signal: new AbortController().signal,
    onUpdate: (tf) => (seen.push(tf.status?.phase ?? ''), tf.status?.phase === 'Succeeded'),
    log: (_l, m) => logs.push(m),
  });
  assert.is(end, 'finished');
  assert.equal(seen, ['Succeeded']);
  assert.ok(logs.some((m) => /410 Gone/.test(m)));
  await tfc.delete('gone-test');
});

/** Runs the CLI in-process against the lab API with the Antrea driver. */
async function cli(args: string[], kubeconfig = lab.paths.admin!) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, isTty: false };
  const code = await runCli(['--kubeconfig', kubeconfig, '--cni', 'antrea', ...args], io, driverContainer());
  return { code, stdout, stderr };
}

test('CLI: webhook rejection exits 2 with Antrea\'s message; missing RBAC exits 3 naming the permission', async () => {
  const denied = await cli(['-S', 'ns1/client', '--dst', 'denied', '--dst-namespace', 'ns1']);
  assert.is(denied.code, 2, denied.stderr);
  assert.match(denied.stderr, /admission webhook "traceflowvalidator\.antrea\.io" denied the request: requested source Pod ns1\/clientx not found/);
  const forbidden = await cli(['-S', 'ns1/client', '--dst', 'server', '--dst-namespace', 'ns1'], lab.paths.restricted!);
  assert.is(forbidden.code, 3, forbidden.stderr);
  assert.match(forbidden.stderr, /permission denied: cannot create traceflows\.crd\.antrea\.io.*\[FORBIDDEN\]/);
  const timeout = await cli(['-S', 'ns1/client', '--dst', 'server', '--dst-namespace', 'ns1', '--timeout', '600']);
  assert.is(timeout.code, 2);
  assert.match(timeout.stderr, /invalid --timeout: 600s/);
  assert.is(traceflows().length, 0, 'nothing was created by refused traces');
});

test('CLI: level 0 tree, --antctl -o yaml|json, --traceflow renders an existing object', async () => {
  const text = await cli(['-S', 'ns1/client', '-D', 'ns1/server', '-f', 'tcp,tcp_dst=80']);
  assert.is(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^✓ traceflow report of w1 \(sender\): delivered from ns1\/client to tunnel 172\.18\.0\.3$/);
  assert.match(lines[1]!, /^ {4}→ SpoofGuard +forwarded +at 2026-08-01T10:00:02Z$/);
  assert.is(lines.at(-1), 'Verdict: delivered');
  const yaml = await cli(['-S', 'ns1/client', '-D', 'ns1/server', '--antctl', '-o', 'yaml']);
  assert.is(yaml.code, 0);
  assert.match(yaml.stdout, /^name: ns1-client-to-ns1-server-[a-z0-9]{8}\nphase: Succeeded\nsource: ns1\/client\ndestination: ns1\/server\nresults:\n- node: w2\n/);
  const json = await cli(['-S', 'ns1/client', '-D', 'ns1/server', '--antctl', '-o', 'json']);
  assert.not.ok(json.stdout.endsWith('\n'));
  assert.is(JSON.parse(json.stdout).results.length, 2);
  const bad = await cli(['-S', 'ns1/client', '-D', 'ns1/server', '--antctl']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /invalid --antctl: .*-o yaml or -o json/);

  // An existing Traceflow (e.g. created by antctl --nowait) is followed and rendered, and kept.
  const tfc = TraceflowClient.forVersion(client(), 'v1beta1');
  await tfc.create({ apiVersion: 'crd.antrea.io/v1beta1', kind: 'Traceflow', metadata: { name: 'by-antctl' }, spec: { source: { namespace: 'ns1', pod: 'client' }, destination: { namespace: 'ns1', pod: 'isolated' }, packet: { ipHeader: { protocol: 6 }, transportHeader: { tcp: { dstPort: 80 } } } } });
  const existing = await cli(['--traceflow', 'by-antctl']);
  assert.is(existing.code, 1, existing.stderr);
  assert.match(existing.stdout, /Verdict: dropped — ingress of ns1\/isolated denied: isolated by NetworkPolicy ns1\/deny-isolated; no rule allows tcp\/80 from ns1\/client/);
  assert.equal(traceflows().map((o) => o.metadata.name), ['by-antctl'], 'an existing Traceflow is not deleted');
  await tfc.delete('by-antctl');
  const conflict = await cli(['--traceflow', 'by-antctl', '--dst', 'x']);
  assert.is(conflict.code, 2);
  assert.match(conflict.stderr, /invalid --traceflow: renders an existing Traceflow/);
});

test('SIGINT to a real CLI process mid-trace: exit 130 and no Traceflow left in the API', async () => {
  const bin = new URL('../../../cli/bin-main.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(bin)}); process.exitCode = await m.main(process.argv.slice(1));`, '--', '--kubeconfig', lab.paths.admin!, '--cni', 'antrea', '-S', 'ns1/client', '-D', 'ns1/slow', '--loglevel', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    // Wait until the Traceflow exists and its first report was printed.
    const deadline = Date.now() + 15_000;
    while (!(traceflows().length === 1 && out.includes('SpoofGuard'))) {
      if (Date.now() > deadline) throw new Error(`the CLI did not start tracing: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const code = await exited;
    assert.is(code, 130, out);
    assert.match(out, /interrupted; resources created by the trace were removed/);
    assert.is(traceflows().length, 0, 'no Traceflow left');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();
