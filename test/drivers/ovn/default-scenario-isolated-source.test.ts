/**
 * The default scenario's ingress-isolated source (ops/probe: `podSelector: {}` /
 * `policyTypes: [Ingress]`, ACL logging on) traced to pods that admit it (issue 12 §1.1, §1.2).
 * Kubernetes NetworkPolicy semantics: ingress isolation does not restrict the replies of the
 * connections the pod opens, so every case is delivered. These failed before the conntrack model
 * of the whole path: the reply's ofproto/trace got one `--ct-next trk,est,rpl` and every later
 * conntrack action defaulted to `trk,new` (ovs-vswitchd(8)), so the source's own ingress default
 * deny dropped the reply. The logged drop case failed before the parser read `LOG: ACL` lines.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TraceResult } from '../../../core/model.js';
import type { Lab } from '../../../lab/lab.js';
import { runCliAgainst, startLab, stopLab } from '../../helpers/lab-fixture.js';
import { repoRoot } from '../../helpers/paths.js';

let lab: Lab | undefined;
test.before(async () => {
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
});
test.after(async () => {
  await stopLab(lab);
});

const trace = async (args: string[]) => {
  const r = await runCliAgainst(lab!.kubeconfigPath!, ['--src', 'probe', '--src-namespace', 'ops', ...args, '-o', 'json']);
  return { code: r.code, result: JSON.parse(r.stdout) as TraceResult };
};

const cases: Array<[string, string[]]> = [
  ['same node, TCP', ['--dst', 'client', '--dst-namespace', 'frontend', '--tcp', '--dst-port', '8080']],
  ['same node, UDP', ['--dst', 'client', '--dst-namespace', 'frontend', '--udp', '--dst-port', '53']],
  ['across nodes, TCP', ['--dst', 'api', '--dst-namespace', 'frontend', '--tcp', '--dst-port', '8080']],
  ['Service on the same node, TCP (admitted by allow-ops-to-web)', ['--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80']],
  ['Service across nodes, UDP', ['--service', 'dns', '--dst-namespace', 'frontend', '--udp', '--dst-port', '53']],
];

for (const [name, args] of cases) {
  test(`ingress-isolated source, ${name}: delivered (replies are not subject to the source's ingress isolation)`, async () => {
    const { code, result } = await trace(args);
    const failing = result.legs.filter((l) => l.decisive && l.verdict !== 'delivered').map((l) => `${l.id}: ${l.verdict} (${l.reason ?? ''})`);
    assert.is(result.verdict, 'delivered', failing.join('\n'));
    assert.is(code, 0);
    const reply = result.legs.find((l) => l.id.endsWith('ofproto-reply'));
    assert.ok(reply, 'the physical reply is traced');
    assert.is(reply!.verdict, 'delivered', reply!.reason);
  });
}

// §1.2 — ACL logging (ops has k8s.ovn.org/acl-logging {"deny":"info",...}): detailed ovn-trace
// prints `LOG: ACL name=NP:ops:Ingress, ..., verdict=drop` before the drop (real output:
// test/fixtures/ovn/gateway/acl-logging-drop.ovn-trace.txt). The drop must keep its stage and be
// explained as ops' default-deny isolation, not "a branch with no output".
test('ACL logging: a logged default-deny drop is named as the isolation of ops/probe', async () => {
  const r = await runCliAgainst(lab!.kubeconfigPath!, ['--src', 'client', '--src-namespace', 'frontend', '--dst', 'probe', '--dst-namespace', 'ops', '--tcp', '--dst-port', '8080', '-o', 'json']);
  const result = JSON.parse(r.stdout) as TraceResult;
  assert.is(r.code, 1);
  assert.is(result.verdict, 'dropped');
  assert.is(result.drop?.type, 'default-deny', JSON.stringify(result.drop));
  assert.match(JSON.stringify(result.drop), /ops\/default-deny-ingress/);
  const fwd = result.legs.find((l) => l.id === 'ovn-forward')!;
  assert.ok(fwd.observations.some((o) => o.terminal && /acl/i.test(o.stage)), 'the dropping ACL stage is the terminal observation');
});

test.run();
