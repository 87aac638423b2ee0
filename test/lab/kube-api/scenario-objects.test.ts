import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { buildClusterObjects, OVN_IMAGE, stableUid } from '../../../lab/kube-api/scenario-objects.js';
import type { KubeObject } from '../../../lab/kube-api/kube-object.js';
import { loadScenario, loadScenarioFile } from '../../../lab/scenario/scenario-loader.js';
import { nodeAddressing } from '../../../lab/ovn/ovn-names.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';
import { repoRoot } from '../../helpers/paths.js';

const TS = '2026-11-01T10:00:00Z';
const scenario = loadScenarioFile(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
const objects = buildClusterObjects(scenario, { timestamp: TS });

const find = (objs: KubeObject[], kind: string, name: string, namespace?: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === namespace);
  if (!o) throw new Error(`no ${kind} ${namespace ?? ''}/${name}`);
  return o as any;
};
const all = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];

test('namespaces: scenario ones plus default, kube-system and ovn-kubernetes, with the name label', () => {
  assert.equal(all(objects, 'Namespace').map((n) => n.metadata.name).sort(), ['backend', 'default', 'frontend', 'kube-system', 'ops', 'ovn-kubernetes']);
  assert.equal(find(objects, 'Namespace', 'frontend').metadata.labels, { team: 'frontend', 'kubernetes.io/metadata.name': 'frontend' });
});

test('nodes carry InternalIP, pod CIDRs and the ovn-kubernetes interconnect annotations', () => {
  const n = find(objects, 'Node', 'ovn-worker');
  assert.equal(n.status.addresses[0], { type: 'InternalIP', address: '172.18.0.2' });
  assert.equal(n.spec.podCIDRs, ['10.244.1.0/24', 'fd00:10:244:1::/64']);
  const a = n.metadata.annotations;
  assert.equal(JSON.parse(a['k8s.ovn.org/node-subnets']), { default: ['10.244.1.0/24', 'fd00:10:244:1::/64'] });
  assert.is(a['k8s.ovn.org/zone-name'], 'ovn-worker');
  assert.is(a['k8s.ovn.org/node-id'], '2');
  assert.is(find(objects, 'Node', 'ovn-worker2').metadata.annotations['k8s.ovn.org/node-id'], '3');
  assert.equal(JSON.parse(a['k8s.ovn.org/node-transit-switch-port-ifaddr']), { ipv4: '100.88.0.2/16', ipv6: 'fd97::2/64' });
  const gw = JSON.parse(a['k8s.ovn.org/l3-gateway-config']).default;
  assert.is(gw.mode, 'shared', "the scenario's gateway mode: ovn-kubernetes' default, shared");
  assert.is(a['k8s.ovn.org/node-chassis-id'], nodeAddressing(scenario)[0]!.chassisId);
  assert.match(a['k8s.ovn.org/node-chassis-id'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(JSON.parse(a['k8s.ovn.org/node-gateway-router-lrp-ifaddrs']), { default: { ipv4: '100.64.0.2/16', ipv6: 'fd98::2/64' } });
  assert.equal(JSON.parse(a['k8s.ovn.org/node-primary-ifaddr']), { ipv4: '172.18.0.2/16' });
  assert.is(gw['interface-id'], 'breth0_ovn-worker');
  assert.equal(gw['ip-addresses'], ['172.18.0.2/16']);
  assert.is(gw['next-hop'], '172.18.0.1');
  assert.is(gw['mac-address'], '02:42:ac:12:00:02');
  assert.is(buildClusterObjects(scenario, { gatewayMode: 'local' }).find((o) => o.kind === 'Node')!.metadata.annotations!['k8s.ovn.org/l3-gateway-config']!.includes('"mode":"local"'), true);
  const local = loadScenario({ ...structuredClone(scenario), ovn: { mode: 'interconnect', gatewayMode: 'local' } });
  assert.is(JSON.parse(buildClusterObjects(local).find((o) => o.kind === 'Node')!.metadata.annotations!['k8s.ovn.org/l3-gateway-config']!).default.mode, 'local');
});

test('pods: placement, IPs, Running/Ready and the pod-networks annotation with 0a:58 MACs', () => {
  const client = find(objects, 'Pod', 'client', 'frontend');
  assert.is(client.spec.nodeName, 'ovn-worker');
  assert.is(client.status.phase, 'Running');
  assert.is(client.status.podIP, '10.244.1.5');
  assert.equal(client.status.podIPs, [{ ip: '10.244.1.5' }, { ip: 'fd00:10:244:1::5' }]);
  assert.is(client.status.hostIP, '172.18.0.2');
  assert.is(client.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'True');
  assert.equal(JSON.parse(client.metadata.annotations['k8s.ovn.org/pod-networks']), {
    default: {
      ip_addresses: ['10.244.1.5/24', 'fd00:10:244:1::5/64'],
      mac_address: '0a:58:0a:f4:01:05',
      gateway_ips: ['10.244.1.1', 'fd00:10:244:1::1'],
      routes: [
        { dest: '10.244.0.0/16', nextHop: '10.244.1.1' },
        { dest: '100.64.0.0/16', nextHop: '10.244.1.1' },
        { dest: 'fd00:10:244::/48', nextHop: 'fd00:10:244:1::1' },
        { dest: 'fd98::/64', nextHop: 'fd00:10:244:1::1' },
      ],
      ip_address: '10.244.1.5/24',
      gateway_ip: '10.244.1.1',
      role: 'primary',
    },
  });
  for (const p of scenario.pods) {
    const pod = find(objects, 'Pod', p.name, p.namespace);
    const mac = JSON.parse(pod.metadata.annotations['k8s.ovn.org/pod-networks']).default.mac_address;
    const expected = `0a:58:${p.ip!.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join(':')}`;
    assert.is(mac, expected, `${p.namespace}/${p.name}`);
  }
  const api = find(objects, 'Pod', 'api', 'frontend');
  assert.equal(api.spec.containers[0].ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  assert.is(api.metadata.uid, stableUid('Pod/frontend/api'));
});

test('ovnkube-node pods: one per node, host network, current container set', () => {
  const pods = all(objects, 'Pod').filter((p) => p.metadata.namespace === 'ovn-kubernetes');
  assert.equal(pods.map((p) => p.metadata.name), ['ovnkube-node-ovn-worker', 'ovnkube-node-ovn-worker2']);
  const p = pods[0];
  assert.is(p.metadata.labels.app, 'ovnkube-node');
  assert.is(p.spec.nodeName, 'ovn-worker');
  assert.is(p.spec.hostNetwork, true);
  assert.is(p.status.podIP, '172.18.0.2');
  assert.equal(p.spec.containers.map((c: { name: string }) => c.name), ['nb-ovsdb', 'sb-ovsdb', 'ovn-northd', 'ovnkube-controller', 'ovn-controller', 'ovs-metrics-exporter']);
  assert.ok(p.spec.containers.every((c: { image: string }) => c.image === OVN_IMAGE));
  assert.is(p.metadata.ownerReferences[0].kind, 'DaemonSet');
  assert.is(find(objects, 'DaemonSet', 'ovnkube-node', 'ovn-kubernetes').status.numberReady, 2);
});

test('services and EndpointSlices: numeric targetPort, UDP, ready conditions, targetRef', () => {
  const web = find(objects, 'Service', 'web', 'backend');
  // The default scenario's web service is a NodePort service (30080).
  assert.is(web.spec.type, 'NodePort');
  assert.equal(web.spec.ports, [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }]);
  assert.equal(web.spec.clusterIPs, ['10.96.0.10']);
  assert.equal(web.spec.ipFamilies, ['IPv4']);
  const slices = all(objects, 'EndpointSlice').filter((s) => s.metadata.labels['kubernetes.io/service-name'] === 'dns');
  assert.is(slices.length, 1);
  const s = slices[0];
  assert.is(s.metadata.namespace, 'frontend');
  assert.is(s.addressType, 'IPv4');
  assert.match(s.metadata.name, /^dns-[a-z0-9]{5}$/);
  assert.equal(s.ports, [{ name: 'dns', port: 5353, protocol: 'UDP' }]);
  assert.equal(s.endpoints, [
    {
      addresses: ['10.244.2.9'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'ovn-worker2',
      targetRef: { kind: 'Pod', namespace: 'frontend', name: 'dns', uid: stableUid('Pod/frontend/dns') },
    },
  ]);
  const ep = find(objects, 'Endpoints', 'web', 'backend');
  assert.equal(ep.subsets[0].addresses.map((a: { ip: string }) => a.ip), ['10.244.1.6']);
  assert.equal(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
});

test('named targetPorts resolve per pod; dual-stack services get a slice per family; not-ready pods', () => {
  const raw = structuredClone(scenario) as Scenario;
  raw.pods.push(
    { name: 'api2', namespace: 'frontend', node: 'ovn-worker', labels: { app: 'api' }, ip: '10.244.1.20', ipv6: 'fd00:10:244:1::20', ports: [{ name: 'http', containerPort: 9090 }], ready: false },
    { name: 'api3', namespace: 'frontend', node: 'ovn-worker', labels: { app: 'api' }, ip: '10.244.1.21' },
  );
  raw.services!.push({ name: 'api', namespace: 'frontend', clusterIP: '10.96.0.20', clusterIPv6: 'fd00:10:96::20', selector: { app: 'api' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] });
  const objs = buildClusterObjects(loadScenario(raw), { timestamp: TS });
  const slices = all(objs, 'EndpointSlice').filter((s) => s.metadata.labels['kubernetes.io/service-name'] === 'api');
  const summary = slices
    .map((s) => `${s.addressType} ${s.ports.map((p: { port: number }) => p.port).join(',') || '-'} ${s.endpoints.map((e: any) => `${e.targetRef.name}:${e.conditions.ready}`).join(',')}`)
    .sort();
  assert.equal(summary, [
    'IPv4 - api3:true',
    'IPv4 8080 api:true',
    'IPv4 9090 api2:false',
    'IPv6 8080 api:true',
    'IPv6 9090 api2:false',
  ]);
  const v6 = slices.find((s) => s.addressType === 'IPv6' && s.ports[0]?.port === 8080);
  assert.equal(v6.endpoints[0].addresses, ['fd00:10:244:2::7']);
  const svc = find(objs, 'Service', 'api', 'frontend');
  assert.equal(svc.spec.ipFamilies, ['IPv4', 'IPv6']);
  assert.is(svc.spec.ipFamilyPolicy, 'PreferDualStack');
  assert.is(svc.spec.ports[0].targetPort, 'http');
  const ep = find(objs, 'Endpoints', 'api', 'frontend');
  assert.ok(ep.subsets.some((s: any) => s.notReadyAddresses?.[0]?.ip === '10.244.1.20'));
  const api2 = find(objs, 'Pod', 'api2', 'frontend');
  assert.is(api2.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'False');
});

test('central mode: global zone, legacy ovnkube-node containers and central db/master pods', () => {
  const raw = structuredClone(scenario) as Scenario;
  raw.ovn = { mode: 'central' };
  const objs = buildClusterObjects(loadScenario(raw), { timestamp: TS });
  const node = find(objs, 'Node', 'ovn-worker2');
  assert.is(node.metadata.annotations['k8s.ovn.org/zone-name'], 'global');
  assert.is(node.metadata.annotations['k8s.ovn.org/node-transit-switch-port-ifaddr'], undefined);
  const ovnPods = all(objs, 'Pod').filter((p) => p.metadata.namespace === 'ovn-kubernetes');
  assert.equal(ovnPods.map((p) => `${p.metadata.name}@${p.spec.nodeName}`), [
    'ovnkube-node-ovn-worker@ovn-worker',
    'ovnkube-node-ovn-worker2@ovn-worker2',
    'ovnkube-db-ovn-worker@ovn-worker',
    'ovnkube-master-ovn-worker@ovn-worker',
  ]);
  assert.equal(ovnPods[0].spec.containers.map((c: { name: string }) => c.name), ['ovnkube-node', 'ovn-controller', 'ovs-metrics-exporter']);
  assert.equal(ovnPods[2].spec.containers.map((c: { name: string }) => c.name), ['nb-ovsdb', 'sb-ovsdb']);
});

test('network policies keep their spec with defaulted policyTypes; output is deterministic', () => {
  const np = find(objects, 'NetworkPolicy', 'allow-frontend-to-web', 'backend');
  assert.equal(np.spec.podSelector, { matchLabels: { app: 'web' } });
  assert.equal(np.spec.ingress[0].ports, [{ protocol: 'TCP', port: 8080 }]);
  const raw = structuredClone(scenario) as Scenario;
  raw.networkPolicies!.push({ name: 'egress-only', namespace: 'frontend', spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] } });
  const objs = buildClusterObjects(loadScenario(raw), { timestamp: TS });
  assert.equal(find(objs, 'NetworkPolicy', 'egress-only', 'frontend').spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(buildClusterObjects(scenario, { timestamp: TS }), objects);
});

test.run();
