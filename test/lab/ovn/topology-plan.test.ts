import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadScenarioFile, loadScenario } from '../../../lab/scenario/scenario-loader.js';
import { planOvnCluster } from '../../../lab/ovn/topology-plan.js';
import { hashForOvn, nodeAddressing, podOvsPortName } from '../../../lab/ovn/ovn-names.js';
import { defaultDenyPortGroupName, l4Matches, planNetworkPolicies, policyPortGroupName } from '../../../lab/ovn/network-policy-plan.js';
import { planLoadBalancers } from '../../../lab/ovn/load-balancer-plan.js';
import type { DbCommand } from '../../../lab/ovn/ovn-plan-types.js';
import { repoRoot } from '../../helpers/paths.js';

const scenario = () => loadScenarioFile(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
const flat = (txns: DbCommand[][]): DbCommand[] => txns.flat();
const has = (cmds: DbCommand[], ...argv: string[]): boolean => cmds.some((c) => argv.every((a, i) => c[i] === a));

test('HashForOVN is FNV-1a 64 in decimal with an "a" prefix', () => {
  assert.is(hashForOvn(''), 'a14695981039346656037');
  assert.is(hashForOvn('a'), `a${0xaf63dc4c8601ec8cn}`);
});

test('node addressing follows ovn-kubernetes', () => {
  const [w1, w2] = nodeAddressing(scenario());
  assert.is(w1!.rtosMac, '0a:58:0a:f4:01:01');
  assert.equal(w1!.rtosNetworks, ['10.244.1.1/24', 'fd00:10:244:1::1/64']);
  assert.is(w1!.mgmtMac, '0a:58:0a:f4:01:02');
  assert.is(w2!.nodeId, 3);
  assert.is(w2!.rtotsMac, '0a:58:64:58:00:03');
  assert.equal(w2!.rtotsNetworks, ['100.88.0.3/16', 'fd97::3/64']);
});

test('interconnect: one zone per node with local and remote transit ports', () => {
  const plan = planOvnCluster(scenario());
  assert.is(plan.mode, 'interconnect');
  assert.equal(plan.zones.map((z) => z.name), ['ovn-worker', 'ovn-worker2']);
  const z1 = flat(plan.zones[0]!.nbTransactions);
  assert.ok(has(z1, 'lsp-add', 'ovn-worker', 'frontend_client'));
  assert.ok(has(z1, 'lsp-set-addresses', 'frontend_client', '0a:58:0a:f4:01:05 10.244.1.5 fd00:10:244:1::5'));
  assert.ok(has(z1, 'lsp-set-port-security', 'frontend_client', '0a:58:0a:f4:01:05 10.244.1.5 fd00:10:244:1::5'));
  assert.not.ok(has(z1, 'lsp-add', 'ovn-worker', 'frontend_api'), 'remote pods are not in the local zone');
  assert.ok(has(z1, 'lrp-add', 'ovn_cluster_router', 'rtos-ovn-worker', '0a:58:0a:f4:01:01', '10.244.1.1/24', 'fd00:10:244:1::1/64'));
  assert.ok(has(z1, 'lsp-set-addresses', 'k8s-ovn-worker', '0a:58:0a:f4:01:02 10.244.1.2 fd00:10:244:1::2'));
  assert.ok(has(z1, 'lsp-set-type', 'tstor-ovn-worker', 'router'));
  assert.ok(has(z1, 'lsp-set-type', 'tstor-ovn-worker2', 'remote'));
  assert.ok(has(z1, 'lsp-set-options', 'tstor-ovn-worker2', 'requested-chassis=ovn-worker2', 'requested-tnl-key=3'));
  assert.ok(has(z1, 'lrp-add', 'ovn_cluster_router', 'rtots-ovn-worker', '0a:58:64:58:00:02', '100.88.0.2/16', 'fd97::2/64'));
  assert.ok(has(z1, 'lr-route-add', 'ovn_cluster_router', '10.244.2.0/24', '100.88.0.3'));
  assert.ok(has(z1, 'lr-route-add', 'ovn_cluster_router', 'fd00:10:244:2::/64', 'fd97::3'));
  // Chassis are named by UUID system-ids (as on real nodes); remote ports still request the node (hostname).
  const [a1, a2] = nodeAddressing(scenario());
  assert.equal(plan.zones[0]!.remoteChassis, [{ name: a2!.chassisId, hostname: 'ovn-worker2', encapIp: '172.18.0.3' }]);
  assert.equal(plan.zones[0]!.remotePortBindings, [{ port: 'tstor-ovn-worker2', chassis: a2!.chassisId }]);
  const n1 = plan.nodes[0]!;
  assert.is(n1.chassisExternalIds['system-id'], a1!.chassisId);
  assert.is(n1.chassisExternalIds.hostname, 'ovn-worker');
  assert.is(n1.chassisExternalIds['ovn-bridge-mappings'], 'physnet:breth0');
  assert.is(n1.chassisExternalIds['ovn-encap-ip'], '172.18.0.2');
  assert.is(n1.chassisExternalIds['ovn-is-interconn'], 'true');
  assert.equal(n1.expectedBindings.sort(), ['backend_web', 'etor-GR_ovn-worker', 'frontend_client', 'k8s-ovn-worker', 'ops_probe']);
  assert.is(n1.ports.find((p) => p.ifaceId === 'k8s-ovn-worker')!.name, 'ovn-k8s-mp0');
  assert.is(n1.ports.find((p) => p.ifaceId === 'frontend_client')!.name, podOvsPortName('frontend', 'client'));
  assert.is(podOvsPortName('frontend', 'client').length, 15);
});

test('central: one zone, no transit switch, every node switch on one router', () => {
  const s = scenario();
  s.ovn = { mode: 'central' };
  const plan = planOvnCluster(loadScenario(s));
  assert.is(plan.zones.length, 1);
  const z = flat(plan.zones[0]!.nbTransactions);
  assert.ok(has(z, 'ls-add', 'ovn-worker'));
  assert.ok(has(z, 'ls-add', 'ovn-worker2'));
  assert.not.ok(has(z, 'ls-add', 'transit_switch'));
  assert.is(plan.nodes[0]!.chassisExternalIds['ovn-is-interconn'], undefined);
  assert.is(plan.zones[0]!.remoteChassis.length, 0);
});

test('services become per-protocol load balancers with ovn-k names and owners', () => {
  const s = scenario();
  s.services![0]!.clusterIPv6 = 'fd00:10:96::10';
  const lbs = planLoadBalancers(loadScenario(s));
  const web = lbs.find((l) => l.name === 'Service_backend/web_TCP_cluster')!;
  assert.is(web.protocol, 'tcp');
  assert.equal(web.vips, { '10.96.0.10:80': '10.244.1.6:8080', '[fd00:10:96::10]:80': '[fd00:10:244:1::6]:8080' });
  assert.is(web.externalIds['k8s.ovn.org/owner'], 'backend/web');
  const dns = lbs.find((l) => l.name === 'Service_frontend/dns_UDP_cluster')!;
  assert.equal(dns.vips, { '10.96.0.53:53': '10.244.2.9:5353' });
});

test('network policies: default deny per namespace, allow ACLs traceable to the policy', () => {
  const s = scenario();
  const local = (p: { node: string }): boolean => p.node === 'ovn-worker';
  const plan = planNetworkPolicies(s, local);
  const ingressDeny = plan.portGroups.find((pg) => pg.name === defaultDenyPortGroupName('backend', 'Ingress'))!;
  // Current ovn-kubernetes (since 2024-04) names port groups by the hash of their primary id.
  assert.is(ingressDeny.name, hashForOvn('default-network-controller:NetpolNamespace:backend:Ingress'));
  assert.is(ingressDeny.externalIds['k8s.ovn.org/owner-type'], 'NetpolNamespace');
  assert.is(defaultDenyPortGroupName('backend', 'Ingress', true), `${hashForOvn('backend')}_ingressDefaultDeny`);
  assert.equal(ingressDeny.ports, ['backend_web'], 'only local selected pods');
  const drop = ingressDeny.acls.find((a) => a.action === 'drop')!;
  assert.is(drop.priority, 1000);
  assert.is(drop.direction, 'to-lport');
  assert.is(drop.match, `outport == @${ingressDeny.name}`);
  assert.is(drop.externalIds['k8s.ovn.org/owner-type'], 'NetpolNamespace');
  assert.is(drop.externalIds['k8s.ovn.org/name'], 'backend');
  assert.is(drop.externalIds['k8s.ovn.org/id'], 'default-network-controller:NetpolNamespace:backend:Ingress:defaultDeny');
  const arp = ingressDeny.acls.find((a) => a.action === 'allow')!;
  assert.is(arp.priority, 1001);
  assert.match(arp.match, /&& \(arp \|\| nd\)$/);
  const egressDeny = plan.portGroups.find((pg) => pg.name === defaultDenyPortGroupName('backend', 'Egress'))!;
  assert.equal(egressDeny.ports, [], 'Ingress-only policies leave the egress group empty');
  assert.is(egressDeny.acls[0]!.direction, 'from-lport');
  assert.is(egressDeny.acls[0]!.options['apply-after-lb'], 'true');

  const pg = plan.portGroups.find((p) => p.name === policyPortGroupName('backend', 'allow-frontend-to-web'))!;
  assert.equal(pg.ports, ['backend_web']);
  assert.is(pg.acls.length, 1);
  const allow = pg.acls[0]!;
  assert.is(allow.name, 'NP:backend:allow-frontend-to-web:Ingress:0');
  assert.is(allow.action, 'allow-related');
  assert.is(allow.externalIds['k8s.ovn.org/owner-type'], 'NetworkPolicy');
  assert.is(allow.externalIds['k8s.ovn.org/owner-controller'], 'default-network-controller');
  assert.is(allow.externalIds['k8s.ovn.org/name'], 'backend:allow-frontend-to-web');
  assert.is(allow.externalIds['k8s.ovn.org/id'], 'default-network-controller:NetworkPolicy:backend:allow-frontend-to-web:Ingress:0:tcp:-1');
  const frontendV4 = plan.addressSets.find((a) => a.externalIds['k8s.ovn.org/name'] === 'frontend' && a.externalIds['ip-family'] === 'v4')!;
  assert.equal(frontendV4.addresses, ['10.244.1.5', '10.244.2.7', '10.244.2.9'], 'peer address sets hold pods of every zone');
  assert.ok(allow.match.startsWith(`(ip4.src == {$${frontendV4.name}} || ip6.src == {$`));
  assert.match(allow.match, /&& tcp && tcp\.dst==8080 && outport == @a\d+$/);
  // The other zone has the same policy but without local pods in its port groups.
  const remote = planNetworkPolicies(s, (p) => p.node === 'ovn-worker2');
  assert.equal(remote.portGroups.find((p) => p.name === defaultDenyPortGroupName('backend', 'Ingress'))!.ports, ['backend_db']);
});

test('L4 matches grouped by protocol like ovn-kubernetes', () => {
  assert.equal([...l4Matches(undefined)], [['None', 'None']]);
  assert.equal([...l4Matches([{ protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }, { protocol: 'UDP', port: 1000, endPort: 2000 }])], [
    ['tcp', 'tcp && tcp.dst=={80,443}'],
    ['udp', 'udp && 1000<=udp.dst<=2000'],
  ]);
  assert.equal([...l4Matches([{ protocol: 'TCP', port: 'http' }])], [['tcp', 'tcp']]);
});

test('L4 matches: a port-less or named entry beside numbered entries of its protocol adds nothing (getProtocolPortsMap)', () => {
  // ovn-kubernetes' addPortPolicy stores a named port as Port.IntVal (0) and a port-less entry as 0;
  // getProtocolPortsMap appends nothing for port 0, so getL4Match builds the protocol's match from
  // the numbers alone (go-controller/pkg/libovsdb/util/acl.go). Only a protocol with no number
  // and no range is matched whole.
  assert.equal([...l4Matches([{ port: 80 }, { protocol: 'TCP', port: 'http' }])], [['tcp', 'tcp && tcp.dst==80']]);
  assert.equal([...l4Matches([{ protocol: 'TCP' }, { protocol: 'TCP', port: 443 }, { protocol: 'UDP' }])], [
    ['tcp', 'tcp && tcp.dst==443'],
    ['udp', 'udp'],
  ]);
  assert.equal([...l4Matches([{ protocol: 'UDP', port: 'dns' }, { protocol: 'UDP', port: 5400, endPort: 5401 }])], [['udp', 'udp && 5400<=udp.dst<=5401']]);
  // endPort equal to port is a single port, as in ovn-kubernetes.
  assert.equal([...l4Matches([{ protocol: 'TCP', port: 80, endPort: 80 }, { protocol: 'TCP' }])], [['tcp', 'tcp && tcp.dst==80']]);
});

test('ipBlock peers and egress rules', () => {
  const s = scenario();
  s.networkPolicies!.push({
    name: 'egress-out',
    namespace: 'frontend',
    spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'UDP', port: 53 }] }] },
  });
  const plan = planNetworkPolicies(loadScenario(s), () => true);
  const pg = plan.portGroups.find((p) => p.name === policyPortGroupName('frontend', 'egress-out'))!;
  assert.is(pg.acls.length, 1);
  const acl = pg.acls[0]!;
  assert.is(acl.direction, 'from-lport');
  assert.is(acl.options['apply-after-lb'], 'true');
  assert.is(acl.match, `ip4.dst == 10.0.0.0/8 && ip4.dst != {10.1.0.0/16} && udp && udp.dst==53 && inport == @${pg.name}`);
  assert.is(acl.externalIds['ip-block-index'], '0');
  assert.is(acl.externalIds.direction, 'Egress');
  const egressDeny = plan.portGroups.find((p) => p.name === defaultDenyPortGroupName('frontend', 'Egress'))!;
  assert.equal(egressDeny.ports, ['frontend_client']);
});

test.run();
