import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planNodePortViaGateway, type NodePortPlanInput } from '../../../drivers/ovn/legs/gateway-legs.js';
import type { PlanEndpoint } from '../../../drivers/ovn/legs/leg-plan.js';

const client: PlanEndpoint = {
  label: 'frontend/client',
  name: 'client',
  ip: '10.244.1.5',
  mac: '0a:58:0a:f4:01:05',
  node: 'ovn-worker',
  zone: 'ovn-worker',
  logicalPort: 'frontend_client',
  gatewayMac: '0a:58:0a:f4:01:01',
  transitMac: '0a:58:64:58:00:02',
  ovsPort: 'veth-client',
  localnetPort: 'breth0_ovn-worker',
  localnetOfport: 6,
};
const web: PlanEndpoint = { ...client, label: 'backend/web', name: 'web', ip: '10.244.1.6', mac: '0a:58:0a:f4:01:06', logicalPort: 'backend_web' };
const input = (backend: PlanEndpoint): NodePortPlanInput => ({
  src: client,
  srcNodeIp: '172.18.0.2',
  srcNodeMac: '02:42:ac:12:00:02',
  target: { name: 'ovn-worker2', zone: 'ovn-worker2', ip: '172.18.0.3', localnetPort: 'breth0_ovn-worker2', mac: '02:42:ac:12:00:03', joinIp: '100.64.0.3', transitMac: '0a:58:64:58:00:03' },
  nodePort: 30080,
  backend,
  backendPort: 8080,
  packet: { family: 'ip4', protocol: 'tcp', ttl: 64, srcPort: 52888, dstPort: 30080 },
  serviceLabel: 'web',
});

test('NodePort on another node, backend in a third zone: out of the source GR, in from the target localnet, across the transit switch', () => {
  const legs = planNodePortViaGateway(input(web));
  assert.equal(legs.map((l) => l.id), ['ovn-nodeport-out', 'ofproto-nodeport-out', 'ovn-nodeport-in', 'ovn-nodeport-in-remote']);
  const [out, of, into, remote] = legs;
  assert.equal(out!.expect, { kind: 'ovn-output', port: 'breth0_ovn-worker', type: 'localnet' });
  assert.match(out!.argv.at(-1)!, /ip4\.dst==172\.18\.0\.3 .*tcp\.dst==30080/);
  assert.equal(of!.expect, { kind: 'ofproto-output', ofport: 6 });
  assert.is(into!.node, 'ovn-worker2');
  assert.ok(into!.argv.includes('--lb-dst=10.244.1.6:8080'));
  assert.match(into!.argv.at(-1)!, /^inport=="breth0_ovn-worker2" && eth\.src==02:42:ac:12:00:02 && eth\.dst==02:42:ac:12:00:03 && ip4\.src==172\.18\.0\.2 && ip4\.dst==172\.18\.0\.3 && ip\.ttl==62/);
  assert.equal(into!.expect, { kind: 'ovn-output', port: 'tstor-ovn-worker', type: 'remote' });
  // After the target GR: DNAT to the backend, SNAT to the GR's join address (lb_force_snat_ip=router_ip).
  assert.is(remote!.node, 'ovn-worker');
  assert.match(remote!.argv.at(-1)!, /^inport=="tstor-ovn-worker2" && eth\.src==0a:58:64:58:00:03 && eth\.dst==0a:58:64:58:00:02 && ip4\.src==100\.64\.0\.3 && ip4\.dst==10\.244\.1\.6 .*tcp\.dst==8080/);
  assert.is(remote!.from, '100.64.0.3');
  assert.equal(remote!.expect, { kind: 'ovn-output', port: 'backend_web' });
});

test('NodePort on another node with the backend there: no transit hop', () => {
  const local: PlanEndpoint = { ...web, node: 'ovn-worker2', zone: 'ovn-worker2' };
  const legs = planNodePortViaGateway(input(local));
  assert.equal(legs.map((l) => l.id), ['ovn-nodeport-out', 'ofproto-nodeport-out', 'ovn-nodeport-in']);
  assert.equal(legs[2]!.expect, { kind: 'ovn-output', port: 'backend_web' });
});

test.run();
