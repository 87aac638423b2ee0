/**
 * Issue 12 item 1 on the real lab: a source pod isolated for ingress (its namespace has a
 * default-deny `podSelector: {}` / Ingress policy) talks to pods that allow it. The replies must
 * come back through conntrack (ovn-kubernetes' ACLs let `ct.est && ct.rpl` in), so every trace is
 * delivered — same node and cross-node, TCP and UDP, direct and through a Service — and each
 * ofproto/trace leg was given one conntrack state per conntrack recirculation of its path.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Leg, TraceResult } from '../../../core/model.js';
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

const trace = async (args: string[]) => {
  const r = await runCliAgainst(kubeconfig, ['--src', 'client', '--src-namespace', 'locked', '--dst-namespace', 'open', ...args, '-o', 'json']);
  return { ...r, result: JSON.parse(r.stdout) as TraceResult };
};

/** The `--ct-next` values a leg ran with. */
const ctNext = (leg: Leg) => {
  const argv = leg.command!.argv;
  return argv.flatMap((a, i) => (a === '--ct-next' ? [argv[i + 1]!] : []));
};

/** The `recirc(...) - resume conntrack with ...` lines of a leg's raw output. */
const resumed = (leg: Leg) => (leg.rawOutput ?? '').split('\n').filter((l) => /^recirc\(0x[0-9a-f]+\) - resume conntrack/.test(l));

function assertDelivered(code: number, result: TraceResult, what: string): void {
  const bad = result.legs.filter((l) => l.decisive && l.verdict !== 'delivered').map((l) => `${l.id}: ${l.verdict} ${l.reason ?? ''}`);
  assert.equal(bad, [], `${what}: decisive legs not delivered`);
  assert.is(result.verdict, 'delivered', `${what}: ${JSON.stringify(result.drop ?? result.reason)}`);
  assert.is(code, 0, what);
}

function assertReplyEstablished(leg: Leg | undefined, what: string): void {
  assert.ok(leg, `${what}: leg present`);
  assert.is(leg!.verdict, 'delivered', `${what}: ${leg!.reason}`);
  const lines = resumed(leg!);
  assert.ok(lines.length >= 1, `${what}: the reply meets conntrack`);
  // No conntrack action of the reply fell back to OVS's default trk,new, and each got a value.
  assert.ok(lines.every((l) => !l.includes('default')), `${what}: ${lines.join(' | ')}`);
  assert.is(ctNext(leg!).length, lines.length, `${what}: one --ct-next per conntrack recirculation`);
  assert.ok(lines.every((l) => /ct_state=[a-z|]*est[a-z|]*/.test(l) && l.includes('rpl')), `${what}: established reply in every zone: ${lines.join(' | ')}`);
}

for (const [proto, port] of [['--tcp', '8080'], ['--udp', '5353']] as const) {
  test(`same node ${proto}: the reply passes the isolated source's ingress ACL through conntrack`, async () => {
    const { code, result } = await trace(['--dst', 'near', proto, '--dst-port', port]);
    assertDelivered(code, result, `near ${proto}`);
    const reply = result.legs.find((l) => l.id === 'ofproto-reply');
    assertReplyEstablished(reply, 'ofproto-reply');
    assert.ok(ctNext(reply!).length >= 2, 'the reply meets the destination port zone and then the source port zone');
    // The forward packet is a new connection in every zone it meets.
    const forward = result.legs.find((l) => l.id === 'ofproto-forward')!;
    assert.ok(resumed(forward).every((l) => /ct_state=(new\|trk|trk\|new)/.test(l)), resumed(forward).join(' | '));
  });
}

test('same node through a Service (TCP, one backend)', async () => {
  const { code, result } = await trace(['--service', 'lone', '--tcp', '--dst-port', '80']);
  assertDelivered(code, result, 'service lone');
  assertReplyEstablished(result.legs.find((l) => l.id === 'ofproto-reply'), 'ofproto-reply');
});

for (const [proto, port] of [['--tcp', '8080'], ['--udp', '5353']] as const) {
  test(`cross-node ${proto}: the reply is traced on the source's node from its tunnel port, established there`, async () => {
    const { code, result } = await trace(['--dst', 'far', proto, '--dst-port', port]);
    assertDelivered(code, result, `far ${proto}`);
    assertReplyEstablished(result.legs.find((l) => l.id === 'ofproto-reply'), 'ofproto-reply (destination node)');
    const remote = result.legs.find((l) => l.id === 'ofproto-reply-remote');
    assert.is(remote?.node, 'node-a');
    assert.ok(remote!.decisive, 'the receiving node of the reply decides');
    assert.ok(remote!.command!.argv.some((a) => /^in_port=.*tun_id=0x/.test(a)), 'starts on the tunnel port');
    assertReplyEstablished(remote, 'ofproto-reply-remote (source node)');
  });
}

test('cross-node UDP through a Service: delivered', async () => {
  const { code, result } = await trace(['--service', 'echo', '--udp', '--dst-port', '53']);
  assertDelivered(code, result, 'service echo udp');
});

test('logical traces get enough --ct values: none falls back to ovn-trace\'s default', async () => {
  const { result } = await trace(['--dst', 'far', '--tcp', '--dst-port', '8080']);
  for (const leg of result.legs.filter((l) => l.tool === 'ovn-trace')) {
    assert.not.match(leg.rawOutput ?? '', /default \(use --ct to customize\)/, leg.id);
  }
});

test.run();
