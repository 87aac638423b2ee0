// End-to-end: a real two-node OVN lab (interconnect), traced with the real tools, then torn down.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { Lab } from '../../lab/lab.js';
import { loadScenarioFile } from '../../lab/scenario/scenario-loader.js';
import { isProcessAlive } from '../../lab/process/process-control.js';
import { readLabState } from '../../lab/lab-state.js';
import type { ManagedProcess } from '../../lab/process/process-control.js';
import { repoRoot } from '../helpers/paths.js';

const scenarioPath = join(repoRoot, 'lab', 'scenarios', 'default.yaml');
const stateDir = mkdtempSync(join(tmpdir(), 'cni-lab-test-'));
let lab: Lab | undefined;
let recorded: ManagedProcess[] = [];

const CLIENT = 'inport=="frontend_client" && eth.src==0a:58:0a:f4:01:05 && eth.dst==0a:58:0a:f4:01:01 && ip4.src==10.244.1.5';

async function ovnTrace(sb: string, ...args: string[]): Promise<string> {
  const r = await execa('ovn-trace', ['--db', `unix:${sb}`, ...args]);
  return r.stdout;
}

test.before(async () => {
  lab = await Lab.up(scenarioPath, { stateDir, apiServer: 'in-process' });
  recorded = readLabState(stateDir)!.processes;
});

test.after(async () => {
  // Clean up even when a test failed: stop the lab, then make sure no recorded pid survives.
  try {
    await lab?.down();
  } finally {
    for (const p of recorded) if (isProcessAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('lab up records every daemon of both zones and nodes', () => {
  const names = recorded.map((p) => p.name).sort();
  for (const node of ['ovn-worker', 'ovn-worker2']) {
    for (const d of [`zone ${node}/ovnnb_db`, `zone ${node}/ovnsb_db`, `zone ${node}/ovn-northd`, `${node}/ovsdb-server`, `${node}/ovs-vswitchd`, `${node}/ovn-controller`, `${node}/node-view`]) {
      assert.ok(names.includes(d), `missing ${d}`);
    }
  }
  assert.is(recorded.length, 14);
  // Execs join the node view its holder keeps.
  assert.ok(lab!.nodes.every((n) => n.viewPid !== undefined && recorded.some((p) => p.pid === n.viewPid && p.program === 'sleep')));
  assert.ok(recorded.every((p) => isProcessAlive(p.pid)));
  const w1 = lab!.node('ovn-worker');
  assert.is(w1.zone, 'ovn-worker');
  assert.ok(existsSync(w1.nbSocket) && existsSync(w1.sbSocket) && existsSync(w1.ovsDbSocket) && existsSync(w1.brIntMgmt));
  assert.ok(w1.sbSocket.length < 100, w1.sbSocket);
  assert.is(readLabState(stateDir)!.status, 'running');
});

test('a second up on the same state dir fails clearly', async () => {
  try {
    await Lab.up(scenarioPath, { stateDir, apiServer: 'none' });
    assert.unreachable('second up succeeded');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'LAB_ALREADY_RUNNING');
    assert.match((err as Error).message, /already running/);
  }
  assert.ok(recorded.every((p) => isProcessAlive(p.pid)), 'the running lab was not disturbed');
});

test('ovn-trace: same node pod to pod reaches the destination port', async () => {
  const out = await ovnTrace(lab!.node('ovn-worker').sbSocket, 'ovn-worker', `${CLIENT} && ip4.dst==10.244.1.6 && ip.ttl==64 && tcp.dst==8080 && tcp.src==52888`);
  assert.match(out, /output to "backend_web", type ""/);
});

test('ovn-trace: cross-zone ends at the remote transit port, and the remote leg reaches the pod', async () => {
  const flow = `ip4.dst==10.244.2.7 && ip.ttl==64 && tcp.dst==8080 && tcp.src==52888`;
  const out = await ovnTrace(lab!.node('ovn-worker').sbSocket, 'ovn-worker', `${CLIENT} && ${flow}`);
  assert.match(out, /output to "tstor-ovn-worker2", type "remote"/);
  const remote = await ovnTrace(lab!.node('ovn-worker2').sbSocket, `inport=="tstor-ovn-worker" && eth.src==0a:58:0a:f4:01:05 && eth.dst==0a:58:64:58:00:03 && ip4.src==10.244.1.5 && ${flow}`);
  assert.match(remote, /output to "frontend_api", type ""/);
});

test('ovn-trace: IPv6 cross-zone', async () => {
  const out = await ovnTrace(
    lab!.node('ovn-worker').sbSocket,
    'ovn-worker',
    'inport=="frontend_client" && eth.src==0a:58:0a:f4:01:05 && eth.dst==0a:58:0a:f4:01:01 && ip6.src==fd00:10:244:1::5 && ip6.dst==fd00:10:244:2::7 && ip.ttl==64 && tcp.dst==8080 && tcp.src==52888',
  );
  assert.match(out, /output to "tstor-ovn-worker2", type "remote"/);
});

test('ovn-trace: ClusterIP is load-balanced to the endpoint', async () => {
  const out = await ovnTrace(lab!.node('ovn-worker').sbSocket, '--ct=new', 'ovn-worker', `${CLIENT} && ip4.dst==10.96.0.10 && ip.ttl==64 && tcp.dst==80 && tcp.src==52888`);
  assert.match(out, /ct_lb_mark\(backends=10\.244\.1\.6:8080\)/);
});

test('ovn-trace: a policy-isolated destination is dropped at the default-deny ACL of its namespace', async () => {
  const w2 = lab!.node('ovn-worker2');
  const out = await ovnTrace(
    w2.sbSocket,
    '--ct=new',
    `inport=="tstor-ovn-worker" && eth.src==0a:58:0a:f4:01:05 && eth.dst==0a:58:64:58:00:03 && ip4.src==10.244.1.5 && ip4.dst==10.244.2.5 && ip.ttl==64 && tcp.dst==5432 && tcp.src==52888`,
  );
  // Current ovn-kubernetes names the default-deny port group by the hash of its primary id (no
  // `_ingressDefaultDeny` suffix since 2024-04); its external_ids below say what it is.
  const m = /ls_out_acl .*outport == @(a\d+)\b.*\n\s+drop;/.exec(out);
  assert.ok(m, out);
  assert.not.match(out, /output to "backend_db"/);
  // The port group names its namespace (and so the isolating policies).
  const pg = await execa('ovn-nbctl', ['--db', `unix:${w2.nbSocket}`, '--bare', '--columns=external_ids', 'find', 'Port_Group', `name=${m![1]}`]);
  assert.match(pg.stdout, /k8s\.ovn\.org\/name=backend/);
  assert.match(pg.stdout, /k8s\.ovn\.org\/owner-type=NetpolNamespace/);
});

test('ofproto/trace reaches the local pod port and the tunnel; ovn-detrace decodes it', async () => {
  const w1 = lab!.node('ovn-worker');
  const client = w1.ports.find((p) => p.ifaceId === 'frontend_client')!;
  const web = w1.ports.find((p) => p.ifaceId === 'backend_web')!;
  const trace = async (dst: string): Promise<string> =>
    (
      await execa('ovs-appctl', ['ofproto/trace', 'br-int', `in_port=${client.name},tcp,dl_src=0a:58:0a:f4:01:05,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.5,nw_dst=${dst},nw_ttl=64,tcp_dst=8080,tcp_src=12345`], {
        env: w1.hostEnv,
      })
    ).stdout;
  const local = await trace('10.244.1.6');
  assert.match(local, new RegExp(`output:${web.ofport}\\n\\nFinal flow:`));
  const remote = await trace('10.244.2.7');
  const tunnel = (await execa('ovs-vsctl', ['--db', `unix:${w1.ovsDbSocket}`, '--bare', '--columns=ofport', 'find', 'Interface', 'type=geneve'])).stdout.trim();
  assert.match(tunnel, /^\d+$/);
  // The dummy datapath shows the tunnel as a plain OpenFlow output (no "output to kernel tunnel").
  const lastBlock = remote.split('recirc(').pop()!;
  assert.match(lastBlock, new RegExp(`^\\s+output:${tunnel}$`, 'm'));
  assert.not.match(remote.trim().split('\n').pop()!, /Datapath actions: drop/);
  const detrace = await execa('ovn-detrace', [`--ovnnb=unix:${w1.nbSocket}`, `--ovnsb=unix:${w1.sbSocket}`], { input: remote });
  assert.match(detrace.stdout, /Logical flow: table=\d+ \(ls_in_/);
  assert.match(detrace.stdout, /Port Binding: logical_port "frontend_client"/);
});

test('node exec environment gives the same ovn-trace text as a direct run with --db', async () => {
  const w1 = lab!.node('ovn-worker');
  const flow = `${CLIENT} && ip4.dst==10.244.2.7 && ip.ttl==64 && tcp.dst==8080 && tcp.src==52888`;
  const direct = await ovnTrace(w1.sbSocket, 'ovn-worker', flow);
  const cmd = lab!.nodeExec('ovn-worker', ['ovn-trace', '--db', 'unix:/var/run/ovn/ovnsb_db.sock', 'ovn-worker', flow]);
  const inView = await execa(cmd.argv[0]!, cmd.argv.slice(1), { env: cmd.env });
  assert.is(inView.stdout, direct);
  // And the rest of an ovnkube-node container's view: OVS socket, vswitchd control, default DB.
  const probe = lab!.nodeExec('ovn-worker2', ['bash', '-c', 'ovs-vsctl get Interface ovn-k8s-mp0 mac_in_use && ovs-appctl -t ovs-vswitchd version && ovn-sbctl --bare --no-heading --column=mac list Port_Binding rtos-ovn-worker2 && ovn-nbctl get-connection']);
  const r = await execa(probe.argv[0]!, probe.argv.slice(1), { env: probe.env });
  assert.match(r.stdout, /"0a:58:0a:f4:02:02"/);
  assert.match(r.stdout, /ovs-vswitchd \(Open vSwitch\)/);
  assert.match(r.stdout, /0a:58:0a:f4:02:01 10\.244\.2\.1\/24/);
  // The resolver maps ovnkube-node-<node> (any container) and nothing else.
  const resolve = lab!.execResolver();
  assert.ok(resolve({ namespace: 'ovn-kubernetes', pod: 'ovnkube-node-ovn-worker2', container: 'ovnkube-controller', command: ['true'] }));
  assert.is(resolve({ namespace: 'frontend', pod: 'client', container: 'c', command: ['true'] }), undefined);
  // Arguments are passed through unchanged, never re-parsed by a shell.
  const odd = lab!.nodeExec('ovn-worker', ['printf', '%s|', 'a b', '$(id)', "'q'"]);
  assert.is((await execa(odd.argv[0]!, odd.argv.slice(1), { env: odd.env })).stdout, "a b|$(id)|'q'|");
});

test('the Kubernetes API serves the scenario and execs into the node views', async () => {
  assert.ok(lab!.kubeconfigPath && existsSync(lab!.kubeconfigPath));
  assert.ok(lab!.restrictedKubeconfigPath && existsSync(lab!.restrictedKubeconfigPath));
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(lab!.kubeconfigPath!);
  const pods = await kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces();
  const names = pods.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);
  for (const n of ['frontend/client', 'backend/db', 'ovn-kubernetes/ovnkube-node-ovn-worker', 'ovn-kubernetes/ovnkube-node-ovn-worker2']) assert.ok(names.includes(n), n);
  const w2 = lab!.node('ovn-worker2');
  const flow = 'inport=="frontend_api" && eth.src==0a:58:0a:f4:02:07 && eth.dst==0a:58:0a:f4:02:01 && ip4.src==10.244.2.7 && ip4.dst==10.244.2.9 && ip.ttl==64 && udp.dst==5353 && udp.src==52888';
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kc)
      .exec('ovn-kubernetes', 'ovnkube-node-ovn-worker2', 'ovnkube-controller', ['bash', '-c', `ovn-trace --db unix:/var/run/ovn/ovnsb_db.sock ovn-worker2 '${flow}'`], sink, null, null, false, resolve)
      .catch(reject);
  });
  assert.is(status.status, 'Success', JSON.stringify(status));
  assert.is(out, `${await ovnTrace(w2.sbSocket, 'ovn-worker2', flow)}\n`);
  assert.match(out, /output to "frontend_dns", type ""/);
});

test('down stops every recorded process and removes the state', async () => {
  await lab!.down();
  lab = undefined;
  for (const p of recorded) assert.not.ok(isProcessAlive(p.pid), `${p.name} (pid ${p.pid}) still runs`);
  assert.is(readLabState(stateDir), undefined);
  const s = loadScenarioFile(scenarioPath);
  assert.is(s.name, 'default');
});

test.run();
