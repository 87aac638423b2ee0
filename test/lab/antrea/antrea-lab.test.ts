// End-to-end: the Antrea flavour of the lab — real per-node OVS with Antrea's pipeline, the
// emulated API server with the Traceflow CRD and webhook, and the in-lab Traceflow controller —
// driven through the real @kubernetes/client-node (CustomObjectsApi, Watch, Exec).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { Lab } from '../../../lab/lab.js';
import { isProcessAlive, type ManagedProcess } from '../../../lab/process/process-control.js';
import { readLabState } from '../../../lab/lab-state.js';
import { antreaAgentPodName } from '../../../lab/antrea/antrea-names.js';
import { repoRoot } from '../../helpers/paths.js';

const scenarioPath = join(repoRoot, 'lab', 'scenarios', 'antrea.yaml');
const stateDir = mkdtempSync(join(tmpdir(), 'cni-antrea-lab-'));
let lab: Lab | undefined;
let recorded: ManagedProcess[] = [];
let kc: k8s.KubeConfig;
let co: k8s.CustomObjectsApi;
const watches: AbortController[] = [];

const GVP = { group: 'crd.antrea.io', version: 'v1beta1', plural: 'traceflows' };
type Obs = Record<string, string>;
type Status = { phase?: string; reason?: string; dataplaneTag?: number; startTime?: string; results?: Array<{ node: string; timestamp: number; observations: Obs[] }>; capturedPacket?: any };

const body = (name: string, spec: Record<string, unknown>, version = 'v1beta1') => ({ apiVersion: `crd.antrea.io/${version}`, kind: 'Traceflow', metadata: { name }, spec });

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (err) {
    const e = err as k8s.ApiException<string>;
    return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
  }
  throw new Error('expected the call to fail');
}

/** Creates a Traceflow and waits (through a Watch) until it is Succeeded or Failed. */
async function trace(name: string, spec: Record<string, unknown>, timeoutMs = 8000): Promise<Status> {
  let resolveDone!: (s: Status) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<Status>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const controller = await new k8s.Watch(kc).watch(
    '/apis/crd.antrea.io/v1beta1/traceflows',
    { fieldSelector: `metadata.name=${name}` },
    (_type, obj: { status?: Status }) => {
      const phase = obj.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') resolveDone(obj.status!);
    },
    () => {},
  );
  watches.push(controller);
  const timer = setTimeout(() => rejectDone(new Error(`${name} did not finish in ${timeoutMs} ms`)), timeoutMs);
  try {
    await co.createClusterCustomObject({ ...GVP, body: body(name, spec) });
    return await done;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function get(name: string): Promise<Status> {
  return ((await co.getClusterCustomObject({ ...GVP, name })) as { status?: Status }).status ?? {};
}

async function execIn(pod: string, container: string, command: string[]): Promise<{ stdout: string; status?: k8s.V1Status }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', () => {});
  let status: k8s.V1Status | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const ws = await new k8s.Exec(kc).exec('kube-system', pod, container, command, stdout, stderr, null, false, (s) => {
    status = s;
    resolveDone();
  });
  ws.on('close', () => resolveDone());
  await done;
  await new Promise((r) => setImmediate(r));
  return { stdout: out, status };
}

const client = { namespace: 'frontend', pod: 'client' };

test.before(async () => {
  lab = await Lab.up(scenarioPath, { stateDir, apiServer: 'in-process' });
  recorded = readLabState(stateDir)!.processes;
  kc = new k8s.KubeConfig();
  kc.loadFromFile(lab.kubeconfigPath!);
  co = kc.makeApiClient(k8s.CustomObjectsApi);
});

test.after(async () => {
  for (const w of watches) w.abort();
  try {
    await lab?.down();
  } finally {
    for (const p of recorded) if (isProcessAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('lab up: one ovsdb-server and ovs-vswitchd per node, antrea-agent pods per node, no ovn-k annotations', async () => {
  assert.is(lab!.flavour, 'antrea');
  assert.equal(recorded.map((p) => p.name).sort(), ['antrea-worker/ovs-vswitchd', 'antrea-worker/ovsdb-server', 'antrea-worker2/ovs-vswitchd', 'antrea-worker2/ovsdb-server']);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const agents = await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'app=antrea,component=antrea-agent' });
  assert.equal(agents.items.map((p) => p.spec!.nodeName).sort(), ['antrea-worker', 'antrea-worker2']);
  assert.equal(agents.items[0]!.spec!.containers.map((c) => c.name), ['antrea-agent', 'antrea-ovs']);
  const ctl = await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'app=antrea,component=antrea-controller' });
  assert.is(ctl.items.length, 1);
  const node = await core.readNode({ name: 'antrea-worker2' });
  assert.equal(node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address, '172.18.0.3');
  assert.not.ok(Object.keys(node.metadata!.annotations ?? {}).some((k) => k.startsWith('k8s.ovn.org')));
  const db = await core.readNamespacedPod({ namespace: 'backend', name: 'db' });
  assert.equal(db.status!.podIPs!.map((x) => x.ip), ['10.10.2.5']);
  assert.not.ok(Object.keys(db.metadata!.annotations ?? {}).some((k) => k.startsWith('k8s.ovn.org')));
  const anp = (await co.getNamespacedCustomObject({ group: 'crd.antrea.io', version: 'v1beta1', plural: 'networkpolicies', namespace: 'backend', name: 'protect-db' })) as any;
  assert.is(anp.spec.ingress[0].action, 'Drop');
});

test('exec into antrea-ovs: default OVS paths, Antrea table names, ofproto/trace follows the pipeline', async () => {
  const pod = antreaAgentPodName('antrea-worker');
  const features = await execIn(pod, 'antrea-ovs', ['ovs-ofctl', '-O', 'OpenFlow15', 'dump-table-features', 'br-int']);
  assert.is(features.status?.status, 'Success');
  for (const t of ['table 0 ("PipelineRootClassifier")', 'table 4 ("SpoofGuard")', 'table 10 ("ServiceLB")', 'table 25 ("IngressDefaultRule")', 'table 28 ("Output")']) assert.ok(features.stdout.includes(t), t);
  const ifaces = await execIn(pod, 'antrea-agent', ['ovs-vsctl', '--bare', '--columns=name,ofport,external_ids', 'find', 'Interface', 'external_ids:pod-name=client']);
  assert.match(ifaces.stdout, /client-[0-9a-f]{6}/);
  assert.match(ifaces.stdout, /antrea-type=container/);
  assert.match(ifaces.stdout, /pod-namespace=frontend/);
  const port = /\n(\d+)\n/.exec(ifaces.stdout)?.[1];
  const mac = /attached-mac="?([0-9a-f:]{17})/.exec(ifaces.stdout)?.[1];
  assert.ok(port && mac, ifaces.stdout);
  // Service traffic: SpoofGuard, conntrack zone 65520, ServiceLB group, DNAT to the endpoint, Output.
  const t = await execIn(pod, 'antrea-ovs', ['ovs-appctl', 'ofproto/trace', 'br-int', `in_port=${port},dl_src=${mac},tcp,nw_src=10.10.1.5,nw_dst=10.96.0.10,nw_ttl=64,tcp_src=40000,tcp_dst=80,tcp_flags=0x002`]);
  assert.is(t.status?.status, 'Success');
  assert.match(t.stdout, / 4\. ip,in_port=\d+,dl_src=/);
  assert.match(t.stdout, /ct\(table=7,zone=65520,nat\)/);
  assert.match(t.stdout, /10\. tcp,reg4=0x10000\/0x70000,nw_dst=10\.96\.0\.10,tp_dst=80/);
  assert.match(t.stdout, /nat\(dst=10\.10\.1\.6:8080\)/);
  assert.match(t.stdout, /28\. reg0=0x200000\/0x600000.*\n\s+output:NXM_NX_REG1\[\]\n\s+-> output port is 3/);
  // Inter-node: routed to the remote pod CIDR through antrea-tun0 with tun_dst = the peer node IP.
  const tun = await execIn(pod, 'antrea-ovs', ['ovs-appctl', 'ofproto/trace', 'br-int', `in_port=${port},dl_src=${mac},icmp,nw_src=10.10.1.5,nw_dst=10.10.2.7,nw_ttl=64`]);
  assert.match(tun.stdout, /set_field:172\.18\.0\.3->tun_dst/);
  assert.match(tun.stdout, /-> output port is 1\b/);
});

test('schema: 422 with the apiserver wording (timeout > 300, srcPort 0); unknown spec.packet fields are pruned', async () => {
  const e = await apiError(co.createClusterCustomObject({ ...GVP, body: body('bad-timeout', { source: client, destination: { namespace: 'frontend', pod: 'api' }, timeout: 600 }) }));
  assert.is(e.code, 422);
  assert.is(e.body.message, 'Traceflow.crd.antrea.io "bad-timeout" is invalid: spec.timeout: Invalid value: 600: spec.timeout in body should be less than or equal to 300');
  const p = await apiError(co.createClusterCustomObject({ ...GVP, body: body('bad-port', { source: client, destination: { namespace: 'frontend', pod: 'api' }, packet: { transportHeader: { tcp: { srcPort: 0, dstPort: 80 } } } }) }));
  assert.is(p.code, 422);
  assert.match(p.body.message, /spec\.packet\.transportHeader\.tcp\.srcPort: Invalid value: 0: .* should be greater than or equal to 1/);
  const created = (await co.createClusterCustomObject({ ...GVP, body: body('pruned', { source: client, destination: { namespace: 'frontend', pod: 'api' }, packet: { srcIP: '1.2.3.4', length: 9, ipHeader: { protocol: 1 } } }) })) as any;
  assert.equal(created.spec.packet, { ipHeader: { protocol: 1 } });
  await co.deleteClusterCustomObject({ ...GVP, name: 'pruned' });
});

test('webhook traceflowvalidator.antrea.io denials; restricted user may not create traceflows', async () => {
  const denied = async (name: string, spec: Record<string, unknown>) => (await apiError(co.createClusterCustomObject({ ...GVP, body: body(name, spec) }))).body.message as string;
  const prefix = 'admission webhook "traceflowvalidator.antrea.io" denied the request: ';
  assert.is(await denied('no-src', { destination: { namespace: 'frontend', pod: 'api' } }), `${prefix}source Pod must be specified in non-live-traffic Traceflow`);
  assert.is(await denied('missing-src', { source: { namespace: 'frontend', pod: 'ghost' }, destination: { ip: '10.10.2.7' } }), `${prefix}requested source Pod frontend/ghost not found`);
  assert.is(await denied('neither', { liveTraffic: true, source: { ip: '10.10.1.5' }, destination: { ip: '10.10.2.7' } }), `${prefix}Traceflow neither has neither source nor destination Pod specified`);
  const rkc = new k8s.KubeConfig();
  rkc.loadFromFile(lab!.restrictedKubeconfigPath!);
  const r = await apiError(rkc.makeApiClient(k8s.CustomObjectsApi).createClusterCustomObject({ ...GVP, body: body('restricted', { source: client, destination: { namespace: 'frontend', pod: 'api' } }) }));
  assert.is(r.code, 403);
  assert.match(r.body.message, /cannot create resource "traceflows" in API group "crd.antrea.io"/);
});

test('intra-node pod→pod: delivered, K8s allow rules named', async () => {
  const s = await trace('intra', { source: client, destination: { namespace: 'backend', pod: 'web' }, packet: { ipHeader: { protocol: 6 }, transportHeader: { tcp: { srcPort: 10009, dstPort: 8080 } } } });
  assert.is(s.phase, 'Succeeded');
  assert.ok(s.dataplaneTag! >= 7 && s.dataplaneTag! <= 59 && (s.dataplaneTag! - 7) % 4 === 0);
  assert.ok(s.startTime);
  assert.is(s.results!.length, 1);
  assert.is(s.results![0]!.node, 'antrea-worker');
  assert.equal(s.results![0]!.observations, [
    { component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.5' },
    { component: 'NetworkPolicy', componentInfo: 'EgressRule', action: 'Forwarded', networkPolicy: 'K8sNetworkPolicy:frontend/allow-all-egress' },
    { component: 'NetworkPolicy', componentInfo: 'IngressRule', action: 'Forwarded', networkPolicy: 'K8sNetworkPolicy:backend/allow-frontend-to-web' },
    { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' },
  ]);
});

test('inter-node pod→pod: sender result with tunnelDstIP, receiver result Received/Delivered', async () => {
  const s = await trace('inter', { source: client, destination: { namespace: 'frontend', pod: 'api' } });
  assert.is(s.phase, 'Succeeded');
  assert.equal(s.results!.map((r) => r.node), ['antrea-worker', 'antrea-worker2']);
  assert.equal(s.results![0]!.observations.at(-1), { component: 'Forwarding', componentInfo: 'Output', action: 'Forwarded', tunnelDstIP: '172.18.0.3' });
  assert.equal(s.results![1]!.observations, [
    { component: 'Forwarding', action: 'Received' },
    { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' },
  ]);
  assert.ok(Math.abs(s.results![0]!.timestamp - Date.now() / 1000) < 30);
});

test('service destination: LB observation with translatedDstIP and the endpoint pod', async () => {
  const s = await trace('svc', { source: client, destination: { namespace: 'backend', service: 'web' } });
  assert.is(s.phase, 'Succeeded');
  assert.equal(s.results![0]!.observations[1], { component: 'LB', action: 'Forwarded', pod: 'backend/web', translatedDstIP: '10.10.1.6' });
  assert.is(s.results![0]!.observations.at(-1)!.action, 'Delivered');
});

test('hairpin: a pod reaching itself through its Service is delivered (SNAT to the gateway IP, out of its own port)', async () => {
  const s = await trace('hairpin', { source: { namespace: 'backend', pod: 'web' }, destination: { namespace: 'backend', service: 'web' }, packet: { ipHeader: { protocol: 6 }, transportHeader: { tcp: { dstPort: 80 } } } });
  assert.is(s.phase, 'Succeeded');
  assert.equal(s.results![0]!.observations, [
    { component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.6' },
    { component: 'LB', action: 'Forwarded', pod: 'backend/web', translatedDstIP: '10.10.1.6' },
    { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' },
  ]);
});

test('K8s NetworkPolicy default deny: dropped on the receiver by IngressDefaultRule (still Succeeded)', async () => {
  const s = await trace('deny', { source: client, destination: { namespace: 'backend', pod: 'db' } });
  assert.is(s.phase, 'Succeeded');
  assert.equal(s.results![1]!.observations, [
    { component: 'Forwarding', action: 'Received' },
    { component: 'NetworkPolicy', componentInfo: 'IngressDefaultRule', action: 'Dropped' },
  ]);
});

test('Antrea-native policy: Drop rule and Reject rule with policy and rule names', async () => {
  const d = await trace('anp-drop', { source: client, destination: { namespace: 'backend', pod: 'db' }, packet: { ipHeader: { protocol: 6 }, transportHeader: { tcp: { dstPort: 5432 } } } });
  assert.equal(d.results![1]!.observations.at(-1), { component: 'NetworkPolicy', componentInfo: 'IngressMetric', action: 'Dropped', networkPolicy: 'AntreaNetworkPolicy:backend/protect-db', networkPolicyRule: 'drop-client-postgres' });
  const r = await trace('anp-reject', { source: { namespace: 'frontend', pod: 'api' }, destination: { namespace: 'backend', pod: 'db' } });
  assert.is(r.phase, 'Succeeded');
  assert.is(r.results!.length, 1, 'api and db share a node');
  assert.equal(r.results![0]!.observations.at(-1), { component: 'NetworkPolicy', componentInfo: 'IngressMetric', action: 'Rejected', networkPolicy: 'AntreaNetworkPolicy:backend/protect-db', networkPolicyRule: 'reject-api' });
});

test('ingress-isolated source (isolated/probe): same node and cross-node, TCP and UDP, pod and Service destinations are delivered', async () => {
  const probe = { namespace: 'isolated', pod: 'probe' };
  const tcp = (dstPort: number) => ({ ipHeader: { protocol: 6 }, transportHeader: { tcp: { dstPort } } });
  const udp = (dstPort: number) => ({ ipHeader: { protocol: 17 }, transportHeader: { udp: { dstPort } } });
  const allowWeb = { component: 'NetworkPolicy', componentInfo: 'IngressRule', action: 'Forwarded', networkPolicy: 'K8sNetworkPolicy:backend/allow-isolated-to-web' };
  const delivered = { component: 'Forwarding', componentInfo: 'Output', action: 'Delivered' };
  // Same node: web's named port "http" (8080) and UDP 5353 are allowed from the isolated namespace.
  for (const [name, packet] of [['iso-web-tcp', tcp(8080)], ['iso-web-udp', udp(5353)]] as const) {
    const s = await trace(name, { source: probe, destination: { namespace: 'backend', pod: 'web' }, packet });
    assert.is(s.phase, 'Succeeded', name);
    assert.equal(s.results!.map((r) => r.node), ['antrea-worker'], name);
    assert.equal(s.results![0]!.observations, [{ component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.8' }, allowWeb, delivered], name);
  }
  // Cross node to api (frontend: no ingress isolation), TCP and UDP.
  for (const [name, packet] of [['iso-api-tcp', tcp(8080)], ['iso-api-udp', udp(5514)]] as const) {
    const s = await trace(name, { source: probe, destination: { namespace: 'frontend', pod: 'api' }, packet });
    assert.is(s.phase, 'Succeeded', name);
    assert.equal(s.results!.map((r) => r.node), ['antrea-worker', 'antrea-worker2'], name);
    assert.equal(s.results![1]!.observations, [{ component: 'Forwarding', action: 'Received' }, delivered], name);
  }
  // Through Services: web (TCP, same node) and api-udp (UDP, other node).
  const web = await trace('iso-svc-web', { source: probe, destination: { namespace: 'backend', service: 'web' }, packet: tcp(80) });
  assert.equal(web.results![0]!.observations, [{ component: 'SpoofGuard', action: 'Forwarded', srcPodIP: '10.10.1.8' }, { component: 'LB', action: 'Forwarded', pod: 'backend/web', translatedDstIP: '10.10.1.6' }, allowWeb, delivered]);
  const api = await trace('iso-svc-api-udp', { source: probe, destination: { namespace: 'frontend', service: 'api-udp' }, packet: udp(514) });
  assert.is(api.phase, 'Succeeded');
  assert.equal(api.results![0]!.observations[1], { component: 'LB', action: 'Forwarded', pod: 'frontend/api', translatedDstIP: '10.10.2.7' });
  assert.equal(api.results!.at(-1)!.observations.at(-1), delivered);
});

test('the isolated source gets its replies: established traffic skips the policy tables (new traffic to it is dropped)', async () => {
  const pod = antreaAgentPodName('antrea-worker');
  const ifaces = await execIn(pod, 'antrea-agent', ['ovs-vsctl', '--bare', '--columns=ofport,external_ids', 'find', 'Interface', 'external_ids:pod-name=web']);
  const port = /^(\d+)$/m.exec(ifaces.stdout)?.[1];
  const mac = /attached-mac="?([0-9a-f:]{17})/.exec(ifaces.stdout)?.[1];
  const probeMac = /attached-mac="?([0-9a-f:]{17})/.exec((await execIn(pod, 'antrea-agent', ['ovs-vsctl', '--bare', '--columns=external_ids', 'find', 'Interface', 'external_ids:pod-name=probe'])).stdout)?.[1];
  assert.ok(port && mac && probeMac, ifaces.stdout);
  for (const l4 of ['tcp,nw_src=10.10.1.6,nw_dst=10.10.1.8,nw_ttl=64,tcp_src=8080,tcp_dst=40000,tcp_flags=0x012', 'udp,nw_src=10.10.1.6,nw_dst=10.10.1.8,nw_ttl=64,udp_src=5353,udp_dst=40000']) {
    const flow = `in_port=${port},dl_src=${mac},dl_dst=${probeMac},${l4}`;
    const fresh = await execIn(pod, 'antrea-ovs', ['ovs-appctl', 'ofproto/trace', 'br-int', flow]);
    assert.match(fresh.stdout, /25\. reg1=0x[0-9a-f]+, priority 200, cookie 0x[0-9a-f]+\n\s+drop/, l4);
    const reply = await execIn(pod, 'antrea-ovs', ['ovs-appctl', 'ofproto/trace', '--ct-next', 'trk,est,rpl', 'br-int', flow]);
    assert.match(reply.stdout, /23\. ct_state=-new\+est,ip, priority 64990/, l4);
    assert.match(reply.stdout, /28\. reg0=0x200000\/0x600000.*\n\s+output:NXM_NX_REG1\[\]\n\s+-> output port is \d+/, l4);
  }
});

test('agent error: destination pod not found → Failed with the node-prefixed reason', async () => {
  const s = await trace('no-dst', { source: client, destination: { namespace: 'backend', pod: 'nope' } });
  assert.is(s.phase, 'Failed');
  assert.is(s.reason, 'Node: antrea-worker, error: failed to get the destination Pod: pods "nope" not found');
});

test('live traffic, droppedOnly, source IP only: receiver-only result and capturedPacket', async () => {
  const s = await trace('live-dropped', { liveTraffic: true, droppedOnly: true, source: { ip: '10.10.1.5' }, destination: { namespace: 'backend', pod: 'db' }, timeout: 10 });
  assert.is(s.phase, 'Succeeded');
  assert.is(s.results!.length, 1);
  assert.is(s.results![0]!.node, 'antrea-worker2');
  assert.equal(s.results![0]!.observations, [
    { component: 'Forwarding', action: 'Received' },
    { component: 'NetworkPolicy', componentInfo: 'IngressMetric', action: 'Dropped', networkPolicy: 'AntreaNetworkPolicy:backend/protect-db', networkPolicyRule: 'drop-client-postgres' },
  ]);
  const cp = s.capturedPacket;
  assert.is(cp.srcIP, '10.10.1.5');
  assert.is(cp.dstIP, '10.10.2.5');
  assert.equal(cp.ipHeader, { protocol: 6, ttl: 63, flags: 2 });
  assert.is(cp.transportHeader.tcp.dstPort, 5432);
  assert.is(cp.transportHeader.tcp.flags, 2);
  // The allowed live connection never yields a dropped-only report: the trace times out instead.
  const allowed = await trace('live-allowed-dropped-only', { liveTraffic: true, droppedOnly: true, source: { namespace: 'frontend', pod: 'api' }, destination: { namespace: 'backend', pod: 'web' }, timeout: 2 });
  assert.is(allowed.phase, 'Failed');
  assert.is(allowed.reason, 'Traceflow timeout');
});

test('tags: 14 running Traceflows max, the 15th stays without phase; timeouts free the tags', async () => {
  const names = Array.from({ length: 14 }, (_, i) => `hold-${i}`);
  // Live traces that no scenario connection matches stay Running until their timeout.
  const spec = { liveTraffic: true, destination: { namespace: 'backend', pod: 'web' }, packet: { ipHeader: { protocol: 17 } }, timeout: 2 };
  for (const n of names) await co.createClusterCustomObject({ ...GVP, body: body(n, spec) });
  await co.createClusterCustomObject({ ...GVP, body: body('waiting', { source: client, destination: { namespace: 'frontend', pod: 'api' } }) });
  // Wait until the controller has moved the 14 to Running (a fixed 400 ms was too short on a
  // loaded machine); they time out after 2 s, so poll well within that.
  let held = await Promise.all(names.map(get));
  for (const until = Date.now() + 1500; !held.every((s) => s.phase === 'Running') && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 100));
    held = await Promise.all(names.map(get));
  }
  assert.ok(held.every((s) => s.phase === 'Running'), JSON.stringify(held.map((s) => s.phase)));
  assert.equal([...new Set(held.map((s) => s.dataplaneTag))].sort((a, b) => a! - b!), Array.from({ length: 14 }, (_, i) => 7 + 4 * i));
  assert.equal(await get('waiting'), {});
  const deadline = Date.now() + 6000;
  let waiting = await get('waiting');
  while (waiting.phase !== 'Succeeded' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    waiting = await get('waiting');
  }
  assert.is(waiting.phase, 'Succeeded');
  // Created one after another, the holds time out over one or two timeout ticks (1 s apart).
  let timedOut = await Promise.all(names.map(get));
  for (const until = Date.now() + 3000; !timedOut.every((s) => s.phase !== 'Running') && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 200));
    timedOut = await Promise.all(names.map(get));
  }
  assert.ok(timedOut.every((s) => s.phase === 'Failed' && s.reason === 'Traceflow timeout'), JSON.stringify(timedOut.map((s) => [s.phase, s.reason])));
  for (const n of [...names, 'waiting']) await co.deleteClusterCustomObject({ ...GVP, name: n });
});

test('v1alpha1 is served too', async () => {
  const created = (await co.createClusterCustomObject({ group: 'crd.antrea.io', version: 'v1alpha1', plural: 'traceflows', body: body('old-client', { source: client, destination: { namespace: 'frontend', pod: 'api' } }, 'v1alpha1') })) as any;
  assert.is(created.apiVersion, 'crd.antrea.io/v1alpha1');
  await co.deleteClusterCustomObject({ group: 'crd.antrea.io', version: 'v1alpha1', plural: 'traceflows', name: 'old-client' });
});

test('lab down stops every recorded process', async () => {
  await lab!.down();
  assert.ok(recorded.every((p) => !isProcessAlive(p.pid)), 'a lab process survived');
  assert.is(readLabState(stateDir), undefined);
});

test.run();
