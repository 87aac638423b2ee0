// Values the OVN driver reads from pods and nodes are checked where they are read, before they
// reach an ovn-trace microflow or an ofproto/trace flow.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClusterDataError } from '../../../../core/errors.js';
import { ovnNodeFromObjects, podEndpoint, podMac } from '../../../../drivers/ovn/discovery/cluster-discovery.js';
import { ovnMicroflow } from '../../../../drivers/ovn/commands/microflow.js';

function pod(annotations: Record<string, string>, ips = ['10.244.1.5'], node = 'ovn-worker'): V1Pod {
  return { metadata: { namespace: 'frontend', name: 'client', annotations }, spec: { nodeName: node, containers: [] }, status: { podIPs: ips.map((ip) => ({ ip })) } };
}
const goodNetworks = '{"default":{"ip_addresses":["10.244.1.5/24"],"mac_address":"0a:58:0a:f4:01:05","gateway_ips":["10.244.1.1"],"role":"primary"}}';
const toolsPod: V1Pod = { metadata: { namespace: 'ovn-kubernetes', name: 'ovnkube-node-x' }, spec: { containers: [{ name: 'ovnkube-controller' }] } };

function node(annotations: Record<string, string>, internalIp = '172.18.0.2'): V1Node {
  return { metadata: { name: 'ovn-worker', annotations }, status: { addresses: [{ type: 'InternalIP', address: internalIp }] } };
}

function refused(fn: () => unknown, fragment: RegExp) {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ClusterDataError, String(err));
    assert.match((err as Error).message, fragment);
    return;
  }
  assert.unreachable(`expected a ClusterDataError matching ${fragment}`);
}

test('pod-networks: a good annotation gives its MAC; a bad MAC or bad JSON is refused naming the pod and annotation', () => {
  assert.is(podEndpoint(pod({ 'k8s.ovn.org/pod-networks': goodNetworks }), 'ip4', 'src').mac, '0a:58:0a:f4:01:05');
  // Before: this value went into `eth.src==...` of the microflow unchecked.
  const spliced = goodNetworks.replace('0a:58:0a:f4:01:05', '0a:58:0a:f4:01:05 || 1');
  refused(() => podEndpoint(pod({ 'k8s.ovn.org/pod-networks': spliced }), 'ip4', 'src'), /^pod frontend\/client: annotation k8s.ovn.org\/pod-networks \(default.mac_address\) holds "0a:58:0a:f4:01:05 \|\| 1", which is not a MAC address/);
  refused(() => podMac(pod({ 'k8s.ovn.org/pod-networks': '{"default":' })), /annotation k8s.ovn.org\/pod-networks holds .* not JSON/);
  refused(() => podMac(pod({ 'k8s.ovn.org/pod-networks': '{"default":{"mac_address":42}}' })), /not a MAC/);
  // No annotation: OVN-Kubernetes' 0a:58 rule, as before.
  assert.is(podEndpoint(pod({}), 'ip4', 'src').mac, '0a:58:0a:f4:01:05');
});

test('pod status and node name: addresses and nodeName are checked', () => {
  refused(() => podEndpoint(pod({}, ['10.244.1.5 && ip4.dst==0.0.0.0']), 'ip4', 'src'), /pod frontend\/client: status.podIPs holds/);
  refused(() => podEndpoint(pod({}, ['10.244.1.5'], 'bad node"'), 'ip4', 'src'), /spec.nodeName/);
  const ep = podEndpoint(pod({ 'k8s.ovn.org/pod-networks': goodNetworks }), 'ip4', 'src');
  // What reaches ovn-trace is only checked values.
  assert.match(ovnMicroflow(ep.logicalPort, { family: 'ip4', protocol: 'icmp', srcMac: ep.mac, dstMac: '0a:58:0a:f4:01:01', srcIp: ep.ip, dstIp: '10.244.1.6', ttl: 64 }), /^inport=="frontend_client" && eth.src==0a:58:0a:f4:01:05 /);
});

test('node annotations: zone, subnets and InternalIP are checked where read', () => {
  const n = ovnNodeFromObjects('ovn-worker', node({ 'k8s.ovn.org/zone-name': 'ovn-worker', 'k8s.ovn.org/node-subnets': '{"default":["10.244.1.0/24","fd00:10:244:1::/64"]}' }), toolsPod, 'ovn-kubernetes');
  assert.equal(n.subnets, ['10.244.1.0/24', 'fd00:10:244:1::/64']);
  assert.is(n.zone, 'ovn-worker');
  assert.is(n.tools.container, 'ovnkube-controller');
  refused(() => ovnNodeFromObjects('ovn-worker', node({ 'k8s.ovn.org/zone-name': 'zone a' }), toolsPod, 'ovn-kubernetes'), /^node ovn-worker: annotation k8s.ovn.org\/zone-name holds "zone a"/);
  refused(() => ovnNodeFromObjects('ovn-worker', node({ 'k8s.ovn.org/node-subnets': '{"default":["10.244.1.0/40"]}' }), toolsPod, 'ovn-kubernetes'), /node-subnets holds "10.244.1.0\/40", which is not an IP prefix/);
  refused(() => ovnNodeFromObjects('ovn-worker', node({ 'k8s.ovn.org/node-subnets': 'not json' }), toolsPod, 'ovn-kubernetes'), /node-subnets holds "not json"/);
  refused(() => ovnNodeFromObjects('ovn-worker', node({}, '172.18.0.2%eth0'), toolsPod, 'ovn-kubernetes'), /status.addresses \(InternalIP\)/);
});

test.run();
