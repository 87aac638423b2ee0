/**
 * End to end: the real CLI and OVN driver against the lab's real OVN/OVS, through the emulated
 * Kubernetes API (discovery over REST, every tool run through pods/exec over WebSocket).
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCommandRunner } from '../../../core/runner/local-command-runner.js';
import type { TraceResult } from '../../../core/model.js';
import { nodeExecWrap } from '../../../lab/ovn/node-exec-environment.js';
import type { Lab } from '../../../lab/lab.js';
import { runCliAgainst, startLab, stopLab } from '../../helpers/lab-fixture.js';
import { repoRoot } from '../../helpers/paths.js';

let lab: Lab | undefined;
let kubeconfig = '';

test.before(async () => {
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
  kubeconfig = lab.kubeconfigPath!;
});

test.after(async () => {
  await stopLab(lab);
});

const json = async (args: string[]) => {
  const r = await runCliAgainst(kubeconfig, [...args, '-o', 'json']);
  return { ...r, result: JSON.parse(r.stdout) as TraceResult };
};

test('same node: delivered, ovnkube-trace lines in its order, exit 0', async () => {
  const r = await runCliAgainst(kubeconfig, ['-src', 'client', '-src-namespace', 'frontend', '-dst', 'web', '-dst-namespace', 'backend', '-tcp', '-dst-port', '8080']);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.slice(0, 6), [
    'ovn-trace source pod to destination pod indicates success from client to web',
    'ovn-trace destination pod to source pod indicates success from web to client',
    'ovs-appctl ofproto/trace source pod to destination pod indicates success from client to web',
    'ovs-appctl ofproto/trace destination pod to source pod indicates success from web to client',
    'ovn-detrace source pod to destination pod indicates success from client to web',
    'ovn-detrace destination pod to source pod indicates success from web to client',
  ]);
  assert.ok(lines.includes('ovn-trace reply destination pod to source pod indicates success from web to client'));
  assert.match(lines.at(-1)!, /^Verdict: delivered/);
});

test('inter-node: remote legs and the receiving node OVS trace, all delivered', async () => {
  const { code, result } = await json(['-src', 'client', '-src-namespace', 'frontend', '-dst', 'api', '-dst-namespace', 'frontend', '-tcp', '-dst-port', '8080']);
  assert.is(code, 0);
  assert.is(result.verdict, 'delivered');
  const leg = (id: string) => result.legs.find((l) => l.id === id);
  assert.is(leg('ovn-forward')!.verdict, 'delivered');
  assert.match(leg('ovn-forward')!.reason!, /tstor-ovn-worker2/);
  assert.is(leg('ovn-forward-remote')!.node, 'ovn-worker2');
  assert.is(leg('ovn-forward-remote')!.verdict, 'delivered');
  assert.match(leg('ofproto-forward')!.reason!, /tunnel/);
  const remote = leg('ofproto-forward-remote')!;
  assert.is(remote.node, 'ovn-worker2');
  assert.is(remote.verdict, 'delivered', remote.reason);
  assert.ok(remote.command!.argv.some((a) => /in_port=.*tun_id=0x/.test(a)), 'trace starts on the tunnel port with the tunnel key');
  assert.is(leg('ovn-reply')!.verdict, 'delivered');
  assert.ok(result.legs.every((l) => l.command?.target.startsWith('ovn-kubernetes/ovnkube-node-')), 'every command ran through pods/exec');
});

test('service over TCP: VIP backends checked, then the backend with --lb-dst and the targetPort', async () => {
  const { code, result } = await json(['-src', 'client', '-src-namespace', 'frontend', '-service', 'web', '-dst-namespace', 'backend', '-tcp', '-dst-port', '80']);
  assert.is(code, 0);
  const vip = result.legs.find((l) => l.id === 'ovn-service-vip')!;
  assert.is(vip.verdict, 'delivered');
  assert.match(vip.reason!, /lists 10\.244\.1\.6:8080/);
  const lb = result.legs.find((l) => l.id === 'ovn-service-backend')!;
  assert.ok(lb.command!.argv.includes('--lb-dst=10.244.1.6:8080'));
  assert.is(lb.verdict, 'delivered');
  const pod = result.legs.find((l) => l.id === 'ovn-forward')!;
  assert.ok(pod.command!.argv.at(-1)!.includes('tcp.dst==8080'), 'pod legs use the targetPort');
});

test('service over UDP (ovnkube-trace refuses it)', async () => {
  const { code, result } = await json(['-src', 'client', '-src-namespace', 'frontend', '-service', 'dns', '-dst-namespace', 'frontend', '-udp', '-dst-port', '53']);
  assert.is(code, 0);
  assert.is(result.verdict, 'delivered');
  assert.ok(result.legs.find((l) => l.id === 'ovn-forward')!.command!.argv.at(-1)!.includes('udp.dst==5353'));
});

test('NetworkPolicy drop: level 0 names the policy, level 2 highlights the ACL', async () => {
  const args = ['-src', 'client', '-src-namespace', 'frontend', '-dst', 'db', '-dst-namespace', 'backend', '-tcp', '-dst-port', '5432'];
  const r0 = await runCliAgainst(kubeconfig, args);
  assert.is(r0.code, 1);
  assert.ok(r0.stdout.includes('ovn-trace (remote) source pod to destination pod indicates failure from client to db'));
  assert.match(r0.stdout, /Verdict: dropped .*isolated by NetworkPolicy backend\/default-deny; no rule allows tcp\/5432 from frontend\/client/);
  const r2 = await runCliAgainst(kubeconfig, [...args, '-loglevel', '2']);
  const hop = r2.stdout.split('\n').find((l) => l.startsWith('>>>'));
  assert.ok(hop, 'a highlighted hop');
  assert.match(hop!, /ls_out_acl/);
  assert.match(hop!, /NetworkPolicy backend\/default-deny/);
  const { result } = await json(args);
  assert.is(result.drop?.type, 'default-deny');
  if (result.drop?.type === 'default-deny') assert.equal(result.drop.isolatedBy, [{ kind: 'NetworkPolicy', namespace: 'backend', name: 'default-deny' }]);
});

test('IPv6 pod to pod', async () => {
  const { code, result } = await json(['-src', 'client', '-src-namespace', 'frontend', '-dst', 'api', '-dst-namespace', 'frontend', '-tcp', '-dst-port', '8080', '-addr-family', 'ip6']);
  assert.is(code, 0);
  assert.is(result.source?.ip, 'fd00:10:244:1::5');
  assert.ok(result.legs.find((l) => l.id === 'ofproto-forward')!.command!.argv.at(-1)!.includes('tcp6'));
});

test('a missing pod exits 2 and names it', async () => {
  const r = await runCliAgainst(kubeconfig, ['-src', 'client', '-src-namespace', 'frontend', '-dst', 'nope', '-dst-namespace', 'backend', '-tcp']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /pod backend\/nope not found/);
});

test('a user without pods/exec gets exit 3 naming the permission', async () => {
  const r = await runCliAgainst(lab!.restrictedKubeconfigPath!, ['-src', 'client', '-src-namespace', 'frontend', '-dst', 'web', '-dst-namespace', 'backend', '-tcp', '-dst-port', '8080']);
  assert.is(r.code, 3);
  assert.match(r.stderr, /pods\/exec/);
});

test('local mode with ovn-detrace missing: a warning, the other legs still succeed', async () => {
  // A node view whose PATH has the OVN/OVS tools but no ovn-detrace.
  const bin = mkdtempSync(join(tmpdir(), 'cni-trace-nodetrace-'));
  try {
    for (const tool of ['sh', 'ovn-trace', 'ovn-sbctl', 'ovn-nbctl', 'ovs-vsctl', 'ovs-appctl']) {
      symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
    }
    const r = await runCliAgainst(
      kubeconfig,
      ['-src', 'client', '-src-namespace', 'frontend', '-dst', 'web', '-dst-namespace', 'backend', '-tcp', '-dst-port', '8080', '--local', '-o', 'json'],
      { localRunnerFactory: (node) => new LocalCommandRunner({ wrap: [...nodeExecWrap(lab!.node(node.name)), 'env', `PATH=${bin}`], label: `lab node ${node.name}` }) },
    );
    const result = JSON.parse(r.stdout) as TraceResult;
    assert.is(r.code, 0, r.stderr);
    assert.is(result.verdict, 'delivered');
    assert.ok(result.warnings.some((w) => /skipped ovn-detrace.*not installed/.test(w)), JSON.stringify(result.warnings));
    assert.not.ok(result.legs.some((l) => l.tool === 'ovn-detrace'));
    assert.ok(result.legs.every((l) => l.command!.target.startsWith('lab node')), 'ran locally, not through exec');
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test.run();
