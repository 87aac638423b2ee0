/**
 * The gateway-router legs judged on real ovn-trace / ofproto/trace output captured from the
 * shared-gateway lab (test/fixtures/ovn/gateway/*.cmd say how), and the gateway discovery parsers
 * on annotations as ovn-kubernetes writes them.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CommandOutput } from '../../../core/runner/command-runner.js';
import { nodeAddresses, parseJoinAddrs, parseL3GatewayConfig } from '../../../drivers/ovn/discovery/cluster-discovery.js';
import { localnetPatchPort, nodeLocalnetPort, parseNodeProbe, type NodeProbe } from '../../../drivers/ovn/discovery/node-probe.js';
import { evaluateOfprotoLeg, evaluateOvnTraceLeg } from '../../../drivers/ovn/legs/leg-evaluation.js';
import type { PlannedLeg } from '../../../drivers/ovn/legs/leg-plan.js';
import { fixturePath } from '../../helpers/paths.js';

const output = (file: string): CommandOutput => ({ stdout: readFileSync(fixturePath('ovn', 'gateway', file), 'utf8'), stderr: '', exitCode: 0, durationMs: 1, target: 'fixture' });
const leg = (over: Partial<PlannedLeg>): PlannedLeg => ({ id: 'x', tool: 'ovn-trace', direction: 'forward', description: 'd', from: 'a', to: 'b', node: 'ovn-worker', argv: [], decisive: true, ...over });

test('pod → external: ovn-trace leaves through the localnet port of ext_<node> after the GR SNAT', () => {
  const e = evaluateOvnTraceLeg(leg({ expect: { kind: 'ovn-output', port: 'breth0_ovn-worker', type: 'localnet' } }), output('pod-to-external.ovn-trace.txt'));
  assert.is(e.leg.verdict, 'delivered', e.leg.reason);
  assert.ok(e.ovnTrace!.nat.some((n) => n.kind === 'snat' && /172\.18\.0\.2/.test(`${n.args ?? ''} ${n.action}`)), JSON.stringify(e.ovnTrace!.nat));
  // The GR checks the packet size against gateway_mtu (check_pkt_larger) on the way.
  assert.match(e.leg.rawOutput!, /check_pkt_larger\(1414\)/);
});

test('pod → external: ofproto/trace reaches br-int\'s patch port to breth0 (through check_pkt_len)', () => {
  const out = output('pod-to-external.ofproto-trace.txt');
  assert.match(out.stdout, /check_pkt_len\(size=1414,gt\(/, 'the datapath actions nest the rest of the path in check_pkt_len');
  const e = evaluateOfprotoLeg(leg({ tool: 'ovs-appctl ofproto/trace', expect: { kind: 'ofproto-output', ofport: 6 } }), out);
  assert.is(e.leg.verdict, 'delivered', e.leg.reason);
});

test('NodePort from another node: enters GR_<node> from its localnet port, DNAT to the backend, across the transit switch', () => {
  const e = evaluateOvnTraceLeg(leg({ node: 'ovn-worker2', expect: { kind: 'ovn-output', port: 'tstor-ovn-worker', type: 'remote' } }), output('nodeport-from-localnet.ovn-trace.txt'));
  assert.is(e.leg.verdict, 'delivered', e.leg.reason);
  assert.ok(e.ovnTrace!.loadBalancing.some((lb) => lb.backends.includes('10.244.1.6:8080')));
});

test('l3-gateway-config, node-primary-ifaddr and the GR join addresses as ovn-kubernetes writes them', () => {
  const raw = JSON.stringify({
    default: {
      mode: 'shared',
      'bridge-id': 'breth0',
      'interface-id': 'breth0_ovn-worker',
      'mac-address': '02:42:ac:12:00:02',
      'ip-addresses': ['172.18.0.2/16'],
      'ip-address': '172.18.0.2/16',
      'next-hops': ['172.18.0.1'],
      'next-hop': '172.18.0.1',
      'node-port-enable': 'true',
      'vlan-id': '0',
    },
  });
  const gw = parseL3GatewayConfig('ovn-worker', raw, { current: '{"default":{"ipv4":"100.64.0.2/16","ipv6":"fd98::2/64"}}' })!;
  assert.equal(gw, {
    mode: 'shared',
    localnetPort: 'breth0_ovn-worker',
    mac: '02:42:ac:12:00:02',
    ips: ['172.18.0.2'],
    nextHops: ['172.18.0.1'],
    gatewayRouter: 'GR_ovn-worker',
    externalSwitch: 'ext_ovn-worker',
    joinIps: ['100.64.0.2', 'fd98::2'],
  });
  // The older annotation forms: singular ip-address/next-hop, node-gateway-router-lrp-ifaddr.
  const old = parseL3GatewayConfig('n1', JSON.stringify({ default: { mode: 'local', 'ip-address': '10.0.0.5/24', 'next-hop': '10.0.0.1' } }), { legacy: '{"ipv4":"100.64.0.4/16"}' })!;
  assert.equal([old.ips, old.nextHops, old.joinIps], [['10.0.0.5'], ['10.0.0.1'], ['100.64.0.4']]);
  assert.equal(parseJoinAddrs(undefined, undefined), []);
  assert.is(parseL3GatewayConfig('n1', 'not json'), undefined);
  assert.equal(
    nodeAddresses({ metadata: { name: 'n1', annotations: { 'k8s.ovn.org/l3-gateway-config': raw, 'k8s.ovn.org/node-primary-ifaddr': '{"ipv4":"172.18.0.2/16"}' } }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'n1' }] } }),
    ['172.18.0.2'],
  );
});

test('the localnet patch port is found by ovn-controller\'s patch-<br-int>-to-<localnet port> name', () => {
  const probe: NodeProbe = {
    interfaces: [
      { name: 'patch-br-int-to-breth0_ovn-worker', ofport: 6, type: 'patch', externalIds: {}, options: { peer: 'patch-breth0_ovn-worker-to-br-int' } },
      { name: 'patch-breth0_ovn-worker-to-br-int', ofport: 2, type: 'patch', externalIds: {}, options: { peer: 'patch-br-int-to-breth0_ovn-worker' } },
    ],
    localnetPorts: [],
    ovnTraceAvailable: true,
    detraceChecked: false,
    errors: [],
  };
  assert.is(localnetPatchPort(probe, 'breth0_ovn-worker')?.ofport, 6);
  assert.is(localnetPatchPort(probe, 'br-ex_ovn-worker'), undefined);
});

test("the node's localnet port from the SB (ovnkube-trace's way): `<bridge>_<node>` on physnet", () => {
  // Real `ovn-sbctl --format=json --columns=logical_port,options find Port_Binding type=localnet` output (lab, zone ovn-worker).
  const section = '{"data":[["breth0_ovn-worker",["map",[["network_name","physnet"]]]]],"headings":["logical_port","options"]}';
  const text = ['=== router-ports', '{"data":[],"headings":["logical_port","mac"]}', '=== rc 0', '=== localnet-ports', section, '=== rc 0', '=== interfaces', '{"data":[],"headings":["name","ofport","type","external_ids","options","mac_in_use"]}', '=== rc 0'].join('\n');
  const probe = parseNodeProbe('ovn-worker', text, { detraceChecked: false });
  assert.equal(probe.localnetPorts, [{ port: 'breth0_ovn-worker', network: 'physnet' }]);
  assert.is(nodeLocalnetPort(probe, 'ovn-worker'), 'breth0_ovn-worker');
  assert.is(nodeLocalnetPort(probe, 'ovn-worker2'), undefined);
  // OpenShift's br-ex, central mode with every node's port in one SB.
  const central = { ...probe, localnetPorts: [{ port: 'br-ex_master-0', network: 'physnet' }, { port: 'br-ex_worker-1', network: 'physnet' }] };
  assert.is(nodeLocalnetPort(central, 'worker-1'), 'br-ex_worker-1');
  // A probe without the section (an older script) is not an error.
  assert.equal(parseNodeProbe('n', text.replace(/=== localnet-ports[\s\S]*?=== rc 0\n/, ''), { detraceChecked: false }).errors, []);
});

test.run();
