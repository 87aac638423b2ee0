/**
 * Issue 12's acceptance list on the default lab (ovn-kubernetes' shared gateway topology,
 * interconnect): a NetworkPolicy drop, allowed same-node and cross-node pairs from an
 * ingress-isolated source, a UDP Service, pod→external through the gateway router, NodePorts and
 * an IPv6 ICMP trace — each through the real CLI at level 0, level 2 and in JSON, with the verdict
 * and attribution Kubernetes NetworkPolicy semantics give for lab/scenarios/default.yaml.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TraceResult } from '../../core/model.js';
import type { Lab } from '../../lab/lab.js';
import { runCliAgainst, startLab, stopLab } from '../helpers/lab-fixture.js';
import { repoRoot } from '../helpers/paths.js';

let lab: Lab | undefined;
test.before(async () => {
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
});
test.after(async () => {
  await stopLab(lab);
});

interface Case {
  name: string;
  args: string[];
  verdict: TraceResult['verdict'];
  /** Checks of the JSON result beyond the verdict. */
  json?: (r: TraceResult) => void;
  /** What the verdict line says after the verdict. */
  reason?: RegExp;
}

const FROM_CLIENT = ['--src', 'client', '--src-namespace', 'frontend'];
const FROM_PROBE = ['--src', 'probe', '--src-namespace', 'ops'];

const cases: Case[] = [
  {
    name: 'NetworkPolicy drop (cross-node, default deny)',
    args: [...FROM_CLIENT, '--dst', 'db', '--dst-namespace', 'backend', '--tcp', '--dst-port', '5432'],
    verdict: 'dropped',
    reason: /isolated by NetworkPolicy backend\/default-deny; no rule allows tcp\/5432 from frontend\/client/,
    json: (r) => {
      assert.is(r.drop?.type, 'default-deny');
      if (r.drop?.type !== 'default-deny') return;
      assert.is(r.drop.direction, 'ingress');
      assert.equal(r.drop.isolatedBy.map((p) => `${p.kind} ${p.namespace}/${p.name}`), ['NetworkPolicy backend/default-deny']);
    },
  },
  {
    name: 'isolated source, same node, TCP',
    args: [...FROM_PROBE, '--dst', 'client', '--dst-namespace', 'frontend', '--tcp', '--dst-port', '8080'],
    verdict: 'delivered',
  },
  {
    name: 'isolated source, across nodes, TCP',
    args: [...FROM_PROBE, '--dst', 'api', '--dst-namespace', 'frontend', '--tcp', '--dst-port', '8080'],
    verdict: 'delivered',
  },
  {
    name: 'UDP Service (backend on the other node, targetPort 5353)',
    args: [...FROM_CLIENT, '--service', 'dns', '--dst-namespace', 'frontend', '--udp', '--dst-port', '53'],
    verdict: 'delivered',
    json: (r) => {
      const traced = r.backends?.results[0];
      assert.ok(traced, 'the traced backend is named');
      assert.is(traced!.port, 5353);
      assert.equal(traced!.pod, { namespace: 'frontend', name: 'dns' });
    },
  },
  {
    name: 'pod → external through the gateway router (SNAT to the node IP, out of the localnet port)',
    args: [...FROM_CLIENT, '--dst-ip', '8.8.8.8', '--udp', '--dst-port', '53'],
    verdict: 'left-cluster',
    reason: /out through "breth0_ovn-worker" \(type localnet\) with SNAT 172\.18\.0\.2/,
  },
  {
    name: "NodePort on the source's own node",
    args: [...FROM_CLIENT, '--dst-ip', '172.18.0.2', '--tcp', '--dst-port', '30080'],
    verdict: 'delivered',
  },
  {
    // ovn-kubernetes' gateway routers force-SNAT load-balanced traffic to their join address
    // (lb_force_snat_ip=router_ip), so the policy on web sees 100.64.0.x, which it does not admit.
    name: 'NodePort on the other node (arrives SNATed to the join address)',
    args: [...FROM_CLIENT, '--dst-ip', '172.18.0.3', '--tcp', '--dst-port', '30080'],
    verdict: 'dropped',
    reason: /ingress of backend\/web denied: isolated by .*NetworkPolicy backend\/default-deny; no rule allows tcp\/8080 from 100\.64\.0\.\d+/,
    json: (r) => {
      assert.is(r.drop?.type, 'default-deny');
    },
  },
  {
    name: 'IPv6 ICMP across nodes',
    args: [...FROM_CLIENT, '--dst', 'api', '--dst-namespace', 'frontend', '--icmp', '--addr-family', 'ip6'],
    verdict: 'delivered',
  },
];

const EXIT: Record<string, number> = { delivered: 0, 'left-cluster': 0, dropped: 1, rejected: 1 };

for (const c of cases) {
  test(`${c.name}: level 0, level 2 and JSON agree`, async () => {
    const kubeconfig = lab!.kubeconfigPath!;
    const json = await runCliAgainst(kubeconfig, [...c.args, '-o', 'json']);
    assert.is(json.code, EXIT[c.verdict], json.stderr);
    const result = JSON.parse(json.stdout) as TraceResult;
    assert.is(result.verdict, c.verdict, result.reason);
    if (c.reason) assert.match(result.reason, c.reason);
    c.json?.(result);
    // Every leg ran to an answer: no leg failed to run or was left inconclusive.
    for (const leg of result.legs) assert.not.ok(leg.verdict === 'error' || leg.verdict === 'inconclusive', `${leg.id}: ${leg.verdict} ${leg.reason ?? ''}`);

    const level0 = await runCliAgainst(kubeconfig, [...c.args, '--loglevel', '0']);
    assert.is(level0.code, json.code);
    const verdictLine = level0.stdout.trimEnd().split('\n').at(-1)!;
    assert.ok(verdictLine.startsWith(`Verdict: ${c.verdict}`), verdictLine);
    if (c.reason) assert.match(verdictLine, c.reason);

    // A delivered trace may still show ovnkube-trace's "reverse" legs dropped: they trace a new
    // connection from the destination back to the source, which an isolated source refuses — a
    // different question from the reply, which must come back.
    const droppedLegs = result.legs.filter((l) => l.verdict === 'dropped' || l.verdict === 'rejected');
    if (c.verdict !== 'dropped') {
      for (const leg of droppedLegs) {
        assert.is(leg.direction, 'reverse', `${leg.id} dropped in a ${c.verdict} trace`);
        assert.is(leg.drop?.type, 'default-deny', leg.id);
      }
    }

    const level2 = await runCliAgainst(kubeconfig, [...c.args, '--loglevel', '2']);
    assert.is(level2.code, json.code);
    const dropLines = level2.stdout.split('\n').filter((l) => l.startsWith('>>> ✗'));
    if (c.verdict === 'dropped') {
      assert.ok(dropLines.length > 0, 'the dropping hop is highlighted');
      assert.ok(dropLines.every((l) => /default deny, isolated by .*NetworkPolicy backend\/default-deny/.test(l)), dropLines.join('\n'));
    } else {
      // Only the reverse legs' drops, named by the source's own isolation.
      assert.is(dropLines.length > 0, droppedLegs.length > 0, dropLines.join('\n'));
      assert.ok(dropLines.every((l) => /default deny, isolated by NetworkPolicy ops\/default-deny-ingress/.test(l)), dropLines.join('\n'));
    }
  });
}

test.run();
