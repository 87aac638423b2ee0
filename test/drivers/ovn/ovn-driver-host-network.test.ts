/** Host-network pods through the lab: the management port path ovn-kubernetes uses for them. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TraceResult } from '../../../core/model.js';
import type { Lab } from '../../../lab/lab.js';
import { runCliAgainst, startLab, stopLab } from '../../helpers/lab-fixture.js';
import { fixturePath } from '../../helpers/paths.js';

let lab: Lab | undefined;
test.before(async () => {
  lab = await startLab(fixturePath('lab', 'host-network.yaml'));
});
test.after(async () => {
  await stopLab(lab);
});

async function traceJson(args: string[]) {
  const r = await runCliAgainst(lab!.kubeconfigPath!, [...args, '-tcp', '-o', 'json']);
  return { code: r.code, stderr: r.stderr, result: r.stdout ? (JSON.parse(r.stdout) as TraceResult) : undefined };
}

test('pod to a host-network pod on another node: out through the sender node management port', async () => {
  const { code, result } = await traceJson(['-src', 'client', '-src-namespace', 'apps', '-dst', 'exporter-b', '-dst-namespace', 'monitoring', '-dst-port', '9100']);
  assert.is(code, 0);
  const fwd = result!.legs.find((l) => l.id === 'ovn-forward')!;
  assert.match(fwd.reason!, /output to "k8s-node-a"/);
  assert.not.ok(result!.legs.some((l) => l.id === 'ovn-forward-remote'), 'no remote leg to a host-network destination');
});

test('host-network pod to a pod on another node: enters through k8s-<node> with the management address', async () => {
  const { code, result } = await traceJson(['-src', 'exporter-a', '-src-namespace', 'monitoring', '-dst', 'server', '-dst-namespace', 'apps', '-dst-port', '8080']);
  assert.is(code, 0);
  const fwd = result!.legs.find((l) => l.id === 'ovn-forward')!;
  assert.match(fwd.command!.argv.at(-1)!, /^inport=="k8s-node-a" && eth\.src==0a:58:0a:f4:01:02 && eth\.dst==0a:58:0a:f4:01:01 && ip4\.src==10\.244\.1\.2 /);
  assert.is(result!.legs.find((l) => l.id === 'ovn-reply-remote')!.verdict, 'delivered', 'the reply reaches the management port on the other zone');
  assert.ok(result!.legs.find((l) => l.id === 'ofproto-forward')!.command!.argv.at(-1)!.startsWith('in_port=ovn-k8s-mp0,'));
});

test('both pods on the host network is refused with exit 2', async () => {
  const { code, stderr } = await traceJson(['-src', 'exporter-a', '-src-namespace', 'monitoring', '-dst', 'exporter-b', '-dst-namespace', 'monitoring']);
  assert.is(code, 2);
  assert.match(stderr, /both pods are on the host network/);
});

test.run();
