/**
 * Issue 12 item 10 on the real OVN lab (test/fixtures/lab/isolated-source.yaml): a Service trace
 * says which backend it followed and why; `--all-backends` traces each ready endpoint (one of the
 * three is isolated by a policy that allows nothing) and is delivered only if all are.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TraceResult } from '../../../core/model.js';
import type { Lab } from '../../../lab/lab.js';
import { runCliAgainst, startLab, stopLab } from '../../helpers/lab-fixture.js';
import { repoRoot } from '../../helpers/paths.js';

let lab: Lab | undefined;
let kubeconfig = '';

test.before(async () => {
  lab = await startLab(join(repoRoot, 'test', 'fixtures', 'lab', 'isolated-source.yaml'));
  kubeconfig = lab.kubeconfigPath!;
});

test.after(async () => {
  await stopLab(lab);
});

const MIX = ['--src', 'client', '--src-namespace', 'locked', '--service', 'mix', '--dst-namespace', 'mixed', '--tcp', '--dst-port', '80'];

test('one backend by default: the result and the text (level 0 and 2) say which and why', async () => {
  const r = await runCliAgainst(kubeconfig, [...MIX, '-o', 'json']);
  const result = JSON.parse(r.stdout) as TraceResult;
  assert.is(r.code, 0, r.stdout);
  const b = result.backends!;
  assert.is(b.mode, 'one');
  assert.is(b.ready, 3);
  assert.equal(b.results.map((x) => [x.pod?.name, x.ip, x.port, x.method]), [['mix-1', '10.244.1.11', 8080, 'pinned-load-balancer']]);
  assert.match(b.results[0]!.why, /first ready endpoint of 3 .*--lb-dst.*--all-backends/);
  for (const level of ['0', '2']) {
    const text = await runCliAgainst(kubeconfig, [...MIX, '--loglevel', level]);
    assert.ok(text.stdout.includes('Service mixed/mix: traced backend mixed/mix-1 (10.244.1.11:8080) on node-a — the first ready endpoint of 3'), text.stdout);
  }
});

test('--all-backends: a verdict per backend, "delivered to 2 of 3", exit 1', async () => {
  const r = await runCliAgainst(kubeconfig, [...MIX, '--all-backends', '-o', 'json']);
  assert.is(r.code, 1);
  const result = JSON.parse(r.stdout) as TraceResult;
  assert.is(result.verdict, 'dropped');
  assert.match(result.reason, /^delivered to 2 of 3 backends; mixed\/mix-3 \(10\.244\.1\.13:8080\) dropped: .*isolated by NetworkPolicy mixed\/closed/);
  const b = result.backends!;
  assert.is(b.mode, 'all');
  assert.equal(b.results.map((x) => [x.pod?.name, x.verdict]), [['mix-1', 'delivered'], ['mix-2', 'delivered'], ['mix-3', 'dropped']]);
  assert.equal(result.drop?.type, 'default-deny');
  // Each backend was followed through the load balancer pinned to it, and has its own legs.
  b.results.forEach((x, i) => {
    const lb = result.legs.find((l) => l.id === `backend-${i + 1}/ovn-service-backend`)!;
    assert.ok(lb.command!.argv.includes(`--lb-dst=${x.ip}:8080`), lb.command!.argv.join(' '));
    assert.ok(x.legIds.length > 3 && x.legIds.every((id) => id.startsWith(`backend-${i + 1}/`)));
    assert.ok(result.legs.filter((l) => x.legIds.includes(l.id)).every((l) => l.backend === `mixed/${x.pod!.name} (${x.ip}:8080)`));
  });
  // mix-2 is on the other node: its trace has the receiving-node legs.
  assert.ok(result.legs.some((l) => l.id === 'backend-2/ofproto-forward-remote' && l.verdict === 'delivered'));
  for (const level of ['0', '2']) {
    const text = await runCliAgainst(kubeconfig, [...MIX, '--all-backends', '--loglevel', level]);
    const lines = text.stdout.trimEnd().split('\n');
    const at = lines.indexOf('Service mixed/mix: 3 of 3 ready backends traced (--all-backends)');
    assert.ok(at > 0, text.stdout);
    assert.is(lines[at + 1], '  ✓ mixed/mix-1 (10.244.1.11:8080) on node-a: delivered');
    assert.match(lines.find((l) => l.startsWith('  ✗ mixed/mix-3 (10.244.1.13:8080)'))!, /: dropped — .*isolated by NetworkPolicy mixed\/closed/);
    assert.match(lines.at(-1)!, /^Verdict: dropped — delivered to 2 of 3 backends; mixed\/mix-3/);
  }
  const junit = await runCliAgainst(kubeconfig, [...MIX, '--all-backends', '-o', 'junit']);
  assert.match(junit.stdout, /classname="ovn-kubernetes.backend" name="backend mixed\/mix-3 \(10.244.1.13:8080\) of service mixed\/mix"/);
});

test('--all-backends: every backend reachable is exit 0; a pod destination is refused (exit 2)', async () => {
  const r = await runCliAgainst(kubeconfig, ['--src', 'client', '--src-namespace', 'locked', '--service', 'echo', '--dst-namespace', 'open', '--udp', '--dst-port', '53', '--all-backends', '-o', 'json']);
  assert.is(r.code, 0, r.stdout);
  const result = JSON.parse(r.stdout) as TraceResult;
  assert.is(result.reason, 'delivered to 2 of 2 backends');
  // In EndpointSlice order.
  assert.equal(result.backends!.results.map((x) => [x.pod?.name, x.port, x.verdict]).sort(), [['far', 5353, 'delivered'], ['near', 5353, 'delivered']]);
  const bad = await runCliAgainst(kubeconfig, ['--src', 'client', '--src-namespace', 'locked', '--dst', 'near', '--dst-namespace', 'open', '--all-backends']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--all-backends.*needs a Service destination/);
});

test('hairpin: a pod reaching its own Service is traced through the load balancer as OVN hairpins it, and delivered', async () => {
  // open/lone is the only backend of open/lone. Before: the direct "source pod to destination
  // pod" leg to its own IP ended at ls_in_l2_lkup (outport == inport, omitted) → "dropped (other)",
  // while the logical Service trace hairpins (ovn-northd(8) ingress tables 14-16).
  const r = await runCliAgainst(kubeconfig, ['--src', 'lone', '--src-namespace', 'open', '--service', 'lone', '--dst-namespace', 'open', '--tcp', '--dst-port', '80', '-o', 'json']);
  const result = JSON.parse(r.stdout) as TraceResult;
  assert.is(r.code, 0, r.stdout);
  assert.is(result.verdict, 'delivered', result.reason);
  const vip = result.legs.find((l) => l.id === 'ovn-service-vip')!;
  const lb = result.legs.find((l) => l.id === 'ovn-service-backend')!;
  assert.is(vip.verdict, 'delivered');
  assert.is(lb.verdict, 'delivered');
  assert.ok(vip.observations.some((o) => o.stage === 'ls_in_lb'));
  const stages = lb.observations.map((o) => o.stage);
  for (const s of ['ls_in_pre_hairpin', 'ls_in_nat_hairpin', 'ls_in_hairpin', 'ls_out_acl']) assert.ok(stages.includes(s), `${s} in ${stages.join(' ')}`);
  // No leg sends the pod a packet to its own IP.
  assert.not.ok(result.legs.some((l) => l.id === 'ovn-forward' || l.id === 'ofproto-forward'), result.legs.map((l) => l.id).join(' '));
  // The OpenFlow leg goes to the VIP and is informational (ofproto/trace cannot pick a dp_hash bucket).
  const of = result.legs.find((l) => l.id === 'ofproto-hairpin')!;
  assert.is(of.decisive, false);
  assert.ok(of.command!.argv.at(-1)!.includes('nw_dst=10.96.0.20') && of.command!.argv.at(-1)!.includes('tcp_dst=80'), of.command!.argv.join(' '));
  assert.ok(result.warnings.some((w) => /hairpin/.test(w) && /open\/lone/.test(w)), JSON.stringify(result.warnings));
});

test.run();
