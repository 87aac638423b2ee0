/** The OVN driver's pure modules, on output captured from the lab's real tools (test/fixtures/ovn/lab). */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1Pod } from '@kubernetes/client-node';
import { aclOwner, defaultDenyInMatch, hashForOvn, parseAclLookup, parseLogicalFlowLookup } from '../../../drivers/ovn/attribution/acl-attribution.js';
import { lbDst, ofprotoFlow, ovnMicroflow, replyPacket, type OvnPacket } from '../../../drivers/ovn/commands/microflow.js';
import { podMac, toolsContainer } from '../../../drivers/ovn/discovery/cluster-discovery.js';
import { interfaceForLogicalPort, parseNodeProbe, tunnelTo } from '../../../drivers/ovn/discovery/node-probe.js';
import { evaluateOvnTraceLeg } from '../../../drivers/ovn/legs/leg-evaluation.js';
import { planPodToPod, type PlanEndpoint } from '../../../drivers/ovn/legs/leg-plan.js';
import { receivingNodeFlow, tunnelArrivalFromTrace } from '../../../drivers/ovn/legs/receiving-node.js';
import { parseOfprotoTrace } from '../../../drivers/ovs-common/ofproto-trace-parser.js';
import { fixturePath } from '../../helpers/paths.js';
import { loadCapture } from '../helpers/captured-fixture.js';

const lab = (name: string) => readFileSync(fixturePath('ovn', 'lab', name), 'utf8');

test('node probe: router MACs survive dual-stack output, interfaces, tunnels, detrace check', () => {
  const probe = parseNodeProbe('ovn-worker', lab('node-probe-ovn-worker.txt'));
  assert.equal(probe.errors, []);
  assert.is(probe.rtosMac, '0a:58:0a:f4:01:01');
  assert.is(probe.rtotsMac, '0a:58:64:58:00:02');
  const client = interfaceForLogicalPort(probe, 'frontend_client');
  assert.ok(client, 'pod port found by iface-id');
  assert.type(client!.ofport, 'number');
  assert.ok(tunnelTo(probe, '172.18.0.3'), 'geneve tunnel to the other node');
  assert.is(probe.ovnTraceAvailable, true);
  assert.is(probe.detraceUnavailable, undefined);
});

test('node probe: failed sections and a missing ovn-detrace are reported, not thrown', () => {
  const text = ['=== router-ports', 'ovn-sbctl: unix:/var/run/ovn/ovnsb_db.sock: database connection failed (No such file or directory)', '=== rc 1', '=== interfaces', '{"data":[],"headings":["name","ofport","type","external_ids","options","mac_in_use"]}', '=== rc 0', '=== ovn-trace', '/usr/bin/ovn-trace', '=== rc 0', '=== ovn-detrace', 'ovn-detrace not installed', '=== rc 1', '=== nb', '', '=== rc 0'].join('\n');
  const probe = parseNodeProbe('n1', text);
  assert.match(probe.errors[0]!, /ovn-sbctl failed: .*database connection failed/);
  assert.is(probe.rtosMac, undefined);
  assert.is(probe.detraceUnavailable, 'ovn-detrace not installed');
});

test('ACL attribution: logical flow → stage-hint → NB ACL → default-deny owner', () => {
  const flow = parseLogicalFlowLookup(lab('sb-logical-flow-lookup-acl.txt'))!;
  assert.ok(flow.stageHint, 'stage-hint present');
  assert.match(flow.match!, /_ingressDefaultDeny/);
  const acl = parseAclLookup(lab('nb-acl-lookup-default-deny.txt'))!;
  assert.ok(acl.uuid!.startsWith(flow.stageHint!));
  assert.equal(aclOwner(acl), { type: 'default-deny', namespace: 'backend', direction: 'ingress' });
});

test('ACL owners in the forms ovn-kubernetes has written over time', () => {
  assert.equal(
    aclOwner({ externalIds: { 'k8s.ovn.org/owner-type': 'NetworkPolicy', 'k8s.ovn.org/name': 'backend:allow-web', direction: 'Ingress', 'gress-index': '0' } }),
    { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: 'backend', name: 'allow-web', rule: 'ingress[0]' }, direction: 'ingress' },
  );
  assert.equal(
    aclOwner({ externalIds: { 'k8s.ovn.org/owner-type': 'AdminNetworkPolicy', 'k8s.ovn.org/name': 'cluster-deny', direction: 'Egress', 'k8s.ovn.org/priority': '10' } }),
    { type: 'rule', policy: { kind: 'AdminNetworkPolicy', name: 'cluster-deny', rule: '10' }, direction: 'egress' },
  );
  assert.equal(aclOwner({ name: 'prod_ingressDefaultDeny', externalIds: {} }), { type: 'default-deny', namespace: 'prod', direction: 'ingress' });
  assert.equal(aclOwner({ externalIds: { policy: 'web-allow-prod', namespace: 'default', policy_type: 'Ingress' } }), {
    type: 'rule',
    policy: { kind: 'NetworkPolicy', namespace: 'default', name: 'web-allow-prod' },
    direction: 'ingress',
  });
  assert.is(aclOwner({ externalIds: {} }), undefined);
});

test('default-deny port group names: ovn-kubernetes HashForOVN of the namespace', () => {
  const acl = parseAclLookup(lab('nb-acl-lookup-default-deny.txt'))!;
  const dd = defaultDenyInMatch(acl.match!)!;
  assert.equal(dd, { portGroup: `${hashForOvn('backend')}_ingressDefaultDeny`, direction: 'ingress' });
});

test('leg evaluation: the remote leg ends at the default-deny ACL; verdict from the expected terminal', () => {
  const stdout = lab('ovn-trace-remote-leg-default-deny.txt');
  const plan = { id: 'ovn-forward-remote', tool: 'ovn-trace' as const, direction: 'forward' as const, description: '(remote) source pod to destination pod', from: 'client', to: 'db', node: 'ovn-worker2', argv: ['ovn-trace'], decisive: true, expect: { kind: 'ovn-output' as const, port: 'backend_db' } };
  const { leg, dropLeaf } = evaluateOvnTraceLeg(plan, { stdout, stderr: '', exitCode: 0, durationMs: 5, target: 't' });
  assert.is(leg.verdict, 'dropped');
  assert.match(leg.reason!, /no output to "backend_db": the traced packet ends at ls_out_acl/);
  assert.match(dropLeaf!.table!.stage, /acl/);
  const terminal = leg.observations.filter((o) => o.terminal);
  assert.is(terminal.length, 1);
  assert.is(terminal[0]!.cookie, dropLeaf!.table!.uuid);
  const delivered = evaluateOvnTraceLeg({ ...plan, expect: { kind: 'ovn-output', port: 'somewhere-else' } }, { stdout: 'unknown port "x"\n', stderr: '', exitCode: 0, durationMs: 1, target: 't' });
  assert.is(delivered.leg.verdict, 'error', 'exit code 0 with an error string is an error');
});

test('receiving node: tunnel key and geneve metadata replayed from the sender trace (dummy datapath)', () => {
  const trace = parseOfprotoTrace(lab('ofproto-trace-cross-node-sender.txt'));
  const arrival = tunnelArrivalFromTrace(trace)!;
  assert.match(arrival.tunnelId, /^0x[0-9a-f]+$/);
  assert.match(arrival.metadata0!, /^0x[0-9a-f]+$/);
  assert.ok(BigInt(arrival.metadata0!) > 0xffffn, 'ingress port key moved into bits 16..30');
  assert.is(arrival.ttl, 63);
  const flow = receivingNodeFlow({ tunnelPort: 'ovn-ovn-wor-0', arrival, packet: { family: 'ip4', protocol: 'tcp', ttl: 64, srcIp: '10.244.1.5', dstIp: '10.244.2.7', srcMac: 'x', dstMac: 'y', dstPort: 8080, srcPort: 52888 }, srcNodeIp: '172.18.0.2', dstNodeIp: '172.18.0.3' });
  assert.match(flow, /^in_port=ovn-ovn-wor-0,tun_id=0x[0-9a-f]+,tun_src=172\.18\.0\.2,tun_dst=172\.18\.0\.3,tun_metadata0=0x[0-9a-f]+,tcp,/);
  assert.match(flow, /nw_ttl=63/);
});

test('microflows: ovn-trace and ofproto/trace syntax for both families', () => {
  const p: OvnPacket = { family: 'ip4', protocol: 'udp', ttl: 64, srcIp: '10.244.1.5', dstIp: '10.244.2.9', srcMac: '0a:58:0a:f4:01:05', dstMac: '0a:58:0a:f4:01:01', dstPort: 53, srcPort: 52888 };
  assert.is(ovnMicroflow('frontend_client', p), 'inport=="frontend_client" && eth.src==0a:58:0a:f4:01:05 && eth.dst==0a:58:0a:f4:01:01 && ip4.src==10.244.1.5 && ip4.dst==10.244.2.9 && ip.ttl==64 && udp.dst==53 && udp.src==52888');
  // OVS 3.1 rejects tp_dst with udp: udp_dst/udp_src are used.
  assert.is(ofprotoFlow('veth1', p), 'in_port=veth1,udp,dl_src=0a:58:0a:f4:01:05,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.5,nw_dst=10.244.2.9,nw_ttl=64,udp_dst=53,udp_src=52888');
  const v6: OvnPacket = { ...p, family: 'ip6', protocol: 'tcp', srcIp: 'fd00::5', dstIp: 'fd00::7' };
  assert.match(ofprotoFlow('veth1', v6), /,tcp6,.*ipv6_src=fd00::5,ipv6_dst=fd00::7,/);
  assert.match(ovnMicroflow('p', v6), /ip6\.src==fd00::5 && ip6\.dst==fd00::7/);
  assert.is(lbDst('fd00::6', 8080), '[fd00::6]:8080');
  assert.is(lbDst('10.244.1.6', 8080), '10.244.1.6:8080');
  const reply = replyPacket({ ...p, protocol: 'tcp', tcpFlags: 2 }, 'm2', 'm1');
  assert.equal([reply.srcIp, reply.dstIp, reply.srcPort, reply.dstPort, reply.tcpFlags], ['10.244.2.9', '10.244.1.5', 53, 52888, 0x12]);
});

test('leg plan: ovnkube-trace order first, enough --ct=new, true reply with est,rpl', () => {
  const ep = (name: string, node: string, ip: string): PlanEndpoint => ({ label: `ns/${name}`, name, ip, mac: `m-${name}`, node, zone: node, logicalPort: `ns_${name}`, gatewayMac: `gw-${node}`, transitMac: `tr-${node}`, ovsPort: `veth-${name}`, ofport: 3, nodeIp: node === 'a' ? '172.18.0.2' : '172.18.0.3' });
  const legs = planPodToPod({ src: ep('client', 'a', '10.0.1.5'), dst: ep('web', 'b', '10.0.2.6'), packet: { family: 'ip4', protocol: 'tcp', ttl: 64, dstPort: 80, srcPort: 52888 }, tunnelOfports: { a: [9], b: [9] }, skipDetrace: false });
  assert.equal(legs.slice(0, 8).map((l) => `${l.tool} ${l.description}`), [
    'ovn-trace source pod to destination pod',
    'ovn-trace (remote) source pod to destination pod',
    'ovn-trace destination pod to source pod',
    'ovn-trace (remote) destination pod to source pod',
    'ovs-appctl ofproto/trace source pod to destination pod',
    'ovs-appctl ofproto/trace destination pod to source pod',
    'ovn-detrace source pod to destination pod',
    'ovn-detrace destination pod to source pod',
  ]);
  const forward = legs[0]!;
  assert.ok(forward.argv.filter((a) => a === '--ct=new').length >= 4);
  assert.equal(forward.expect, { kind: 'ovn-output', port: 'tstor-b', type: 'remote' });
  assert.ok(legs[1]!.argv.at(-1)!.startsWith('inport=="tstor-a" && eth.src==tr-a && eth.dst==tr-b'));
  assert.match(legs[1]!.argv.at(-1)!, /ip\.ttl==63/);
  const reply = legs.find((l) => l.id === 'ovn-reply')!;
  assert.ok(reply.argv.includes('--ct=est,rpl'));
  assert.match(reply.argv.at(-1)!, /tcp\.dst==52888 && tcp\.src==80/);
  // The reply's --ct-next values are derived at run time from the path (one per conntrack
  // recirculation, ovs-vswitchd(8)); a single hard-coded `trk,est,rpl` was the defect of issue 12
  // item 1. Its conntrack is the forward packet's on the destination's node: the receiving-node trace.
  assert.equal(legs.find((l) => l.id === 'ofproto-reply')!.physicalCt, { kind: 'reply', committedBy: ['ofproto-forward-remote'] });
  assert.is(legs.find((l) => l.id === 'ovn-reverse')!.decisive, false, 'ovnkube-trace style reverse legs do not decide');
});

test('tools container is found from the pod spec, not by a hard-coded name', () => {
  const pod = (containers: Array<{ name: string; mounts: string[] }>): V1Pod => ({ spec: { containers: containers.map((c) => ({ name: c.name, volumeMounts: c.mounts.map((m) => ({ name: m, mountPath: m })) })) } });
  assert.is(toolsContainer(pod([{ name: 'ovs-metrics-exporter', mounts: ['/var/run/openvswitch'] }, { name: 'ovnkube-controller', mounts: ['/var/run/ovn/', '/var/run/openvswitch'] }])), 'ovnkube-controller');
  assert.is(toolsContainer(pod([{ name: 'ovn-controller', mounts: [] }, { name: 'other', mounts: [] }])), 'ovn-controller');
  assert.is(toolsContainer(pod([{ name: 'custom', mounts: ['/run/ovn', '/run/openvswitch'] }, { name: 'ovnkube-node', mounts: [] }])), 'custom');
  assert.is(podMac({ metadata: { annotations: { 'k8s.ovn.org/pod-networks': '{"default":{"mac_address":"0a:58:0a:f4:01:09"}}' } } }, '10.244.1.5'), '0a:58:0a:f4:01:09');
  assert.is(podMac({ metadata: {} }, '10.244.1.5'), '0a:58:0a:f4:01:05');
});


test('VIP leg without --lb-dst: ovn-trace\'s random backend does not decide, the backend list does', () => {
  // Captured on the lab: ovn-trace picked the isolated backend mix-3 at random and dropped there.
  const run = loadCapture('ovn', 'ovn-trace-service-vip-random-backend-isolated');
  assert.match(run.stdout, /outport = "mixed_mix-3"/);
  assert.match(run.stdout, /drop;\s*$/);
  const plan = { id: 'ovn-service-vip', tool: 'ovn-trace' as const, direction: 'forward' as const, description: 'source pod to service clusterIP', from: 'client', to: 'mix', node: 'node-a', argv: ['ovn-trace'], decisive: true };
  const out = { stdout: run.stdout, stderr: '', exitCode: 0, durationMs: 5, target: 't' };
  // For the reachable backend mix-1: listed, so the VIP check passes (it was "dropped" before).
  const listed = evaluateOvnTraceLeg({ ...plan, expect: { kind: 'ovn-output', port: '', lbBackend: '10.244.1.11:8080' } }, out).leg;
  assert.is(listed.verdict, 'delivered', listed.reason);
  assert.match(listed.reason!, /lists 10\.244\.1\.11:8080/);
  const missing = evaluateOvnTraceLeg({ ...plan, expect: { kind: 'ovn-output', port: '', lbBackend: '10.244.1.99:8080' } }, out).leg;
  assert.is(missing.verdict, 'dropped');
  assert.match(missing.reason!, /does not list 10\.244\.1\.99:8080/);
});

test.run();
