/**
 * End to end through ovn-kubernetes' shared gateway topology (the default lab scenario): pod →
 * external through GR_<node> and the localnet port, pod → NodePort on its own node (the node
 * switch's load balancer) and on another node (out of one GR, into the other), host → pod through
 * the management port, pod → another node's host through the localnet port.
 *
 * The verdicts are checked against ovn-kubernetes' documented behaviour, not against the lab:
 * egress SNATs to the node IP; a NodePort reached on another node is SNATed by that node's GR to
 * its join address (lb_force_snat_ip=router_ip), so a NetworkPolicy that only admits a namespace
 * does not admit it.
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
  const r = await runCliAgainst(lab!.kubeconfigPath!, [...args, '-o', 'json']);
  return { code: r.code, stderr: r.stderr, result: JSON.parse(r.stdout) as TraceResult };
};
const legOf = (r: TraceResult, id: string) => {
  const l = r.legs.find((x) => x.id === id);
  if (!l) throw new Error(`no leg ${id} in ${r.legs.map((x) => x.id).join(', ')}`);
  return l;
};

test('pod → external IP: SNAT to the node IP on GR_<node>, out of ext_<node>\'s localnet port (left-cluster)', async () => {
  const { code, result } = await trace(['--src', 'client', '--src-namespace', 'frontend', '--dst-ip', '8.8.8.8', '--tcp', '--dst-port', '443']);
  assert.is(code, 0);
  assert.is(result.verdict, 'left-cluster');
  const ovn = legOf(result, 'ovn-forward');
  assert.is(ovn.verdict, 'left-cluster');
  assert.match(ovn.reason!, /out through "breth0_ovn-worker" \(type localnet\) with SNAT .*172\.18\.0\.2/);
  assert.match(ovn.rawOutput!, /GR_ovn-worker/);
  const of = legOf(result, 'ofproto-forward');
  assert.is(of.verdict, 'left-cluster', of.reason);
  assert.match(of.rawOutput!, /check_pkt_len\(size=1414,/, 'gateway_mtu on the GR: the datapath actions nest in check_pkt_len');
});

test('pod → IPv6 external from IPv4-only nodes: the GR has no IPv6 default route, so it is dropped there (not "delivered" by the outputs on the way)', async () => {
  const { code, result } = await trace(['--src', 'client', '--src-namespace', 'frontend', '--dst-ip', '2001:db8::1', '--addr-family', 'ip6', '--tcp', '--dst-port', '443']);
  assert.is(code, 1);
  assert.is(result.verdict, 'dropped');
  const ovn = legOf(result, 'ovn-forward');
  assert.is(ovn.verdict, 'dropped');
  assert.match(ovn.reason!, /never left the cluster: the traced packet ends at lr_in_ip_routing of GR_ovn-worker/);
  assert.is(legOf(result, 'ofproto-forward').verdict, 'dropped');
});

test('pod → NodePort on its own node: the node switch load balancer DNATs to the backend', async () => {
  const { code, result } = await trace(['--src', 'client', '--src-namespace', 'frontend', '--dst-ip', '172.18.0.2', '--tcp', '--dst-port', '30080']);
  assert.is(code, 0);
  assert.is(result.verdict, 'delivered');
  const vip = legOf(result, 'ovn-service-vip');
  assert.match(vip.reason!, /lists 10\.244\.1\.6:8080/);
  assert.match(vip.command!.argv.at(-1)!, /ip4\.dst==172\.18\.0\.2 .*tcp\.dst==30080/);
  assert.is(legOf(result, 'ovn-forward').verdict, 'delivered');
});

test('pod → NodePort on another node: out of GR_<src>, into GR_<node> from its localnet port; SNAT to the join address meets the policy', async () => {
  const { code, result } = await trace(['--src', 'client', '--src-namespace', 'frontend', '--dst-ip', '172.18.0.3', '--tcp', '--dst-port', '30080']);
  assert.is(legOf(result, 'ovn-nodeport-out').verdict, 'delivered', 'reaches breth0_ovn-worker');
  assert.is(legOf(result, 'ofproto-nodeport-out').verdict, 'delivered');
  const inLeg = legOf(result, 'ovn-nodeport-in');
  assert.is(inLeg.verdict, 'delivered', inLeg.reason);
  assert.match(inLeg.command!.argv.at(-1)!, /^inport=="breth0_ovn-worker2" && eth\.src==02:42:ac:12:00:02 && eth\.dst==02:42:ac:12:00:03 && ip4\.src==172\.18\.0\.2 && ip4\.dst==172\.18\.0\.3/);
  assert.ok(inLeg.command!.argv.includes('--lb-dst=10.244.1.6:8080'));
  // Across the transit switch to web's zone, from GR_ovn-worker2's join address: backend/web only admits
  // frontend and ops, so the default deny drops it — ovn-kubernetes' real behaviour for NodePorts on other nodes.
  const remote = legOf(result, 'ovn-nodeport-in-remote');
  assert.match(remote.command!.argv.at(-1)!, /ip4\.src==100\.64\.0\.3 && ip4\.dst==10\.244\.1\.6/);
  assert.is(remote.verdict, 'dropped');
  assert.is(code, 1);
  assert.is(result.verdict, 'dropped');
  assert.is(result.drop?.type, 'default-deny');
  assert.match(JSON.stringify(result.drop), /100\.64\.0\.3/);
});

test('node → pod: the host (a host-network pod) enters through k8s-<node> with the management address', async () => {
  const { code, result } = await trace(['--src', 'ovnkube-node-ovn-worker', '--src-namespace', 'ovn-kubernetes', '--dst', 'api', '--dst-namespace', 'frontend', '--tcp', '--dst-port', '8080']);
  assert.is(code, 0);
  assert.is(result.verdict, 'delivered');
  assert.match(legOf(result, 'ovn-forward').command!.argv.at(-1)!, /^inport=="k8s-ovn-worker" && .*ip4\.src==10\.244\.1\.2 /);
});

test("pod → another node's host: shared gateway mode sends it out of the sender's localnet port", async () => {
  const { result } = await trace(['--src', 'client', '--src-namespace', 'frontend', '--dst', 'ovnkube-node-ovn-worker2', '--dst-namespace', 'ovn-kubernetes', '--tcp', '--dst-port', '10250']);
  const fwd = legOf(result, 'ovn-forward');
  assert.is(fwd.verdict, 'delivered', fwd.reason);
  assert.match(fwd.reason!, /output to "breth0_ovn-worker", type "localnet"/);
  assert.not.ok(result.legs.some((l) => l.id === 'ovn-forward-remote'));
  assert.is(legOf(result, 'ofproto-forward').verdict, 'delivered');
});

test.run();
