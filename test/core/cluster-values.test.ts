import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIpAddress, isIpPrefix, isMacAddress, isOfport, isOvnName, requireIp, requireMac, requireOvnName } from '../../core/cluster-values.js';
import { ClusterDataError, InvalidArgumentError } from '../../core/errors.js';
import { podAddresses, requirePodAddress, requireServiceAddress } from '../../core/endpoint-address.js';

const origin = { kind: 'pod', namespace: 'frontend', name: 'client', field: 'annotation k8s.ovn.org/pod-networks' };

test('MACs: six hex pairs, nothing that could extend an OVS or OVN field', () => {
  for (const ok of ['0a:58:0a:f4:01:05', 'AA:55:aa:55:00:0e']) assert.ok(isMacAddress(ok), ok);
  for (const bad of ['0a:58:0a:f4:01', '0a:58:0a:f4:01:05,in_port=1', '0a:58:0a:f4:01:05 && ip', '0a-58-0a-f4-01-05', '', 5, undefined]) assert.not.ok(isMacAddress(bad), String(bad));
});

test('addresses and prefixes: no zone, family respected, prefix length bounded', () => {
  assert.ok(isIpAddress('10.244.1.5'));
  assert.ok(isIpAddress('fd00:10:244:1::5', 'ip6'));
  assert.not.ok(isIpAddress('fd00::5', 'ip4'));
  assert.not.ok(isIpAddress('fe80::1%eth0'));
  assert.not.ok(isIpAddress('10.244.1.5/24'));
  assert.not.ok(isIpAddress('10.244.1.5 && tcp'));
  assert.ok(isIpPrefix('10.244.1.0/24'));
  assert.ok(isIpPrefix('fd00:10:244:1::/64'));
  assert.not.ok(isIpPrefix('10.244.1.0/33'));
  assert.not.ok(isIpPrefix('fd00::/129'));
  assert.not.ok(isIpPrefix('10.244.1.0'));
  assert.not.ok(isIpPrefix('fe80::%eth0/64'));
});

test('OVN/OVS names and ofports', () => {
  for (const ok of ['ovn-worker', 'frontend_client', 'k8s-ovn-worker', '33e820dd00afc60', 'node-1.example.com', 'c0ffee00-aaaa-bbbb-cccc-1234567890ab']) assert.ok(isOvnName(ok), ok);
  for (const bad of ['', 'a b', 'a"b', 'a,b', 'x=y', 'p(1)', '-lead', 'x'.repeat(400)]) assert.not.ok(isOvnName(bad), bad);
  assert.ok(isOfport(1));
  assert.ok(isOfport(65534));
  for (const bad of [0, -1, 1.5, 70000, '3']) assert.not.ok(isOfport(bad), String(bad));
});

test('require*: a bad value is a ClusterDataError naming the object, field and value (exit 3)', () => {
  assert.is(requireMac('0a:58:0a:f4:01:05', origin), '0a:58:0a:f4:01:05');
  try {
    requireMac('0a:58:zz', origin);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ClusterDataError);
    const e = err as ClusterDataError;
    assert.is(e.code, 'INVALID_CLUSTER_DATA');
    assert.is(e.exitCode, 3);
    assert.match(e.message, /^pod frontend\/client: annotation k8s.ovn.org\/pod-networks holds "0a:58:zz", which is not a MAC address/);
    assert.match(e.message, /kubectl get pod -n frontend client -o yaml/);
  }
  assert.throws(() => requireIp('fe80::1%eth0', origin), (e: Error) => e instanceof ClusterDataError && /without a %zone/.test(e.message));
  assert.throws(() => requireOvnName('a"b', { kind: 'node', name: 'n1', field: 'annotation k8s.ovn.org/zone-name' }), (e: Error) => /node n1: annotation k8s.ovn.org\/zone-name holds "a\\"b"/.test(e.message));
});

test('pod addresses: every listed IP checked; a missing family is the user\'s (exit 2), named the same for every CNI', () => {
  const pod = { metadata: { namespace: 'frontend', name: 'client' }, status: { podIPs: [{ ip: '10.244.1.5' }] } };
  assert.equal(podAddresses(pod), ['10.244.1.5']);
  assert.is(requirePodAddress(pod, 'ip4', 'src'), '10.244.1.5');
  try {
    requirePodAddress(pod, 'ip6', 'src');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.is((err as InvalidArgumentError).exitCode, 2);
    assert.match((err as Error).message, /^invalid --src: pod frontend\/client has no IPv6 address \(podIPs: 10.244.1.5\); check --addr-family/);
  }
  assert.throws(() => podAddresses({ metadata: { namespace: 'a', name: 'b' }, status: { podIPs: [{ ip: '10.0.0.1,in_port=2' }] } }), (e: Error) => e instanceof ClusterDataError && /status.podIPs/.test(e.message));
});

test('service addresses: the family\'s ClusterIP, headless and missing families refused on --service', () => {
  const svc = (clusterIPs: string[]) => ({ metadata: { namespace: 'backend', name: 'web' }, spec: { clusterIPs } });
  assert.is(requireServiceAddress(svc(['10.96.0.10', 'fd00:10:96::a']), 'ip6'), 'fd00:10:96::a');
  assert.throws(() => requireServiceAddress(svc(['10.96.0.10']), 'ip6'), (e: Error) => e instanceof InvalidArgumentError && /^invalid --service: service backend\/web has no IPv6 ClusterIP$/.test(e.message));
  assert.throws(() => requireServiceAddress(svc(['None']), 'ip4'), (e: Error) => /is headless/.test(e.message));
  assert.throws(() => requireServiceAddress(svc(['10.96.0.10 || 1']), 'ip4'), (e: Error) => e instanceof ClusterDataError && /service backend\/web: spec.clusterIPs/.test(e.message));
});

test.run();
