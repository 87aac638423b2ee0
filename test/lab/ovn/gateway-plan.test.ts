import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadScenario, loadScenarioFile } from '../../../lab/scenario/scenario-loader.js';
import { planOvnCluster } from '../../../lab/ovn/topology-plan.js';
import { nodeAddressing } from '../../../lab/ovn/ovn-names.js';
import { planLoadBalancers } from '../../../lab/ovn/load-balancer-plan.js';
import type { DbCommand } from '../../../lab/ovn/ovn-plan-types.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';
import { repoRoot } from '../../helpers/paths.js';

const scenario = (): Scenario => loadScenarioFile(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
const with_ = (ovn: Scenario['ovn']): Scenario => loadScenario({ ...scenario(), ovn });
const flat = (txns: DbCommand[][]): DbCommand[] => txns.flat();
const has = (cmds: DbCommand[], ...argv: string[]): boolean => cmds.some((c) => argv.every((a, i) => c[i] === a));
const find = (cmds: DbCommand[], ...argv: string[]): DbCommand | undefined => cmds.find((c) => argv.every((a, i) => c[i] === a));

test('shared gateway mode (default): GR_<node> bound to the chassis, join and ext switches named as ovn-kubernetes does', () => {
  const s = scenario();
  const plan = planOvnCluster(s);
  const [a1] = nodeAddressing(s);
  const z1 = flat(plan.zones[0]!.nbTransactions);
  assert.ok(has(z1, 'lr-add', 'GR_ovn-worker'));
  const grOptions = find(z1, 'set', 'Logical_Router', 'GR_ovn-worker')!;
  assert.ok(grOptions.includes(`options:"chassis"=${JSON.stringify(a1!.chassisId)}`), grOptions.join(' '));
  assert.ok(grOptions.includes('options:"lb_force_snat_ip"="router_ip"'));
  assert.ok(grOptions.includes('external_ids:"physical_ip"="172.18.0.2"'));
  // join: rtoj-ovn_cluster_router 100.64.0.1, rtoj-GR_<node> 100.64.0.<node id> with the 0a:58 MAC and gateway_mtu.
  assert.ok(has(z1, 'ls-add', 'join'));
  assert.ok(has(z1, 'lrp-add', 'ovn_cluster_router', 'rtoj-ovn_cluster_router', '0a:58:64:40:00:01', '100.64.0.1/16', 'fd98::1/64'));
  assert.ok(has(z1, 'lrp-add', 'GR_ovn-worker', 'rtoj-GR_ovn-worker', '0a:58:64:40:00:02', '100.64.0.2/16', 'fd98::2/64'));
  assert.ok(has(z1, 'set', 'Logical_Router_Port', 'rtoj-GR_ovn-worker', 'options:"gateway_mtu"="1400"'));
  assert.ok(has(z1, 'lsp-set-options', 'jtor-GR_ovn-worker', 'router-port=rtoj-GR_ovn-worker'));
  assert.ok(has(z1, 'lsp-set-options', 'jtor-ovn_cluster_router', 'router-port=rtoj-ovn_cluster_router'));
  // ext_<node>: rtoe-GR_<node> with the node IP and breth0's MAC, a localnet port breth0_<node> on physnet.
  assert.ok(has(z1, 'lrp-add', 'GR_ovn-worker', 'rtoe-GR_ovn-worker', '02:42:ac:12:00:02', '172.18.0.2/16'));
  assert.ok(has(z1, 'ls-add', 'ext_ovn-worker'));
  assert.ok(has(z1, 'lsp-set-type', 'breth0_ovn-worker', 'localnet'));
  assert.ok(has(z1, 'lsp-set-addresses', 'breth0_ovn-worker', 'unknown'));
  assert.ok(has(z1, 'lsp-set-options', 'breth0_ovn-worker', 'network_name=physnet'));
  assert.ok(has(z1, 'lsp-set-options', 'etor-GR_ovn-worker', 'router-port=rtoe-GR_ovn-worker', 'nat-addresses=router', 'exclude-lb-vips-from-garp=true'));
  // Routes and NAT.
  assert.ok(has(z1, 'lr-route-add', 'GR_ovn-worker', '10.244.0.0/16', '100.64.0.1'));
  assert.ok(has(z1, 'lr-route-add', 'GR_ovn-worker', '0.0.0.0/0', '172.18.0.1', 'rtoe-GR_ovn-worker'));
  assert.ok(has(z1, 'lr-route-add', 'GR_ovn-worker', '169.254.169.0/29', '169.254.169.4', 'rtoe-GR_ovn-worker'));
  assert.ok(has(z1, 'lr-nat-add', 'GR_ovn-worker', 'snat', '172.18.0.2', '10.244.0.0/16'));
  assert.ok(has(z1, 'lr-nat-add', 'GR_ovn-worker', 'snat', '172.18.0.2', '100.64.0.2'));
  assert.ok(has(z1, '--policy=src-ip', 'lr-route-add', 'ovn_cluster_router', '10.244.1.0/24', '100.64.0.2'));
  assert.ok(has(z1, 'lr-route-add', 'ovn_cluster_router', '100.64.0.2', '100.64.0.2'));
  // Interconnect: the remote GR's join address via its transit address; no remote GR in this zone.
  assert.ok(has(z1, 'lr-route-add', 'ovn_cluster_router', '100.64.0.3', '100.88.0.3'));
  assert.not.ok(has(z1, 'lr-add', 'GR_ovn-worker2'));
  assert.ok(has(z1, 'lr-policy-add', 'ovn_cluster_router', '1004', 'inport == "rtos-ovn-worker" && ip4.dst == 172.18.0.2 /* ovn-worker */', 'reroute', '10.244.1.2'));
  // The GR has learned its neighbours on the node network.
  assert.equal(plan.zones[0]!.macBindings, [
    { router: 'GR_ovn-worker', port: 'rtoe-GR_ovn-worker', ip: '172.18.0.1', mac: '02:42:ac:12:00:01' },
    { router: 'GR_ovn-worker', port: 'rtoj-GR_ovn-worker', ip: '100.64.0.1', mac: '0a:58:64:40:00:01' },
    { router: 'GR_ovn-worker', port: 'rtoj-GR_ovn-worker', ip: 'fd98::1', mac: '0a:58:64:40:00:01' },
    { router: 'GR_ovn-worker', port: 'rtoe-GR_ovn-worker', ip: '172.18.0.3', mac: '02:42:ac:12:00:03' },
  ]);
  // Each node's OVS has the provider bridge.
  assert.equal(plan.nodes[0]!.externalBridge, { name: 'breth0', uplink: 'eth0', mac: '02:42:ac:12:00:02' });
});

test('local gateway mode keeps the GR but sends pod egress to the management port', () => {
  const z1 = flat(planOvnCluster(with_({ mode: 'interconnect', gatewayMode: 'local' })).zones[0]!.nbTransactions);
  assert.ok(has(z1, 'lr-add', 'GR_ovn-worker'));
  assert.ok(has(z1, '--policy=src-ip', 'lr-route-add', 'ovn_cluster_router', '10.244.1.0/24', '10.244.1.2'));
  assert.not.ok(has(z1, '--policy=src-ip', 'lr-route-add', 'ovn_cluster_router', '10.244.1.0/24', '100.64.0.2'));
});

test('central mode: one join switch with every GR, each bound to its own chassis', () => {
  const s = with_({ mode: 'central' });
  const [a1, a2] = nodeAddressing(s);
  const plan = planOvnCluster(s);
  assert.is(plan.zones.length, 1);
  const z = flat(plan.zones[0]!.nbTransactions);
  assert.is(z.filter((c) => c[0] === 'ls-add' && c[1] === 'join').length, 1);
  for (const [node, a] of [['ovn-worker', a1!], ['ovn-worker2', a2!]] as const) {
    assert.ok(find(z, 'set', 'Logical_Router', `GR_${node}`)!.includes(`options:"chassis"=${JSON.stringify(a.chassisId)}`));
    assert.ok(has(z, 'lsp-add', 'join', `jtor-GR_${node}`));
    assert.ok(has(z, 'ls-add', `ext_${node}`));
  }
  assert.ok(has(z, '--policy=src-ip', 'lr-route-add', 'ovn_cluster_router', '10.244.2.0/24', '100.64.0.3'));
});

test('NodePort services: a node_router+switch load balancer per node on its switch and GR; cluster LBs in clusterLBGroup', () => {
  const s = scenario();
  const lbs = planLoadBalancers(s);
  const np = lbs.find((l) => l.name === 'Service_backend/web_TCP_node_router+switch_ovn-worker2')!;
  assert.equal(np.vips, { '172.18.0.3:30080': '10.244.1.6:8080' });
  assert.equal(np.scope, { node: 'ovn-worker2' });
  assert.equal(lbs.find((l) => l.name === 'Service_backend/web_TCP_cluster')!.vips, { '10.96.0.10:80': '10.244.1.6:8080' });
  const plan = planOvnCluster(s);
  const z2 = flat(plan.zones[1]!.nbTransactions);
  const idOf = (name: string): string | undefined => z2.find((c) => c[1] === 'create' && c[2] === 'Load_Balancer' && c.includes(`name=${JSON.stringify(name)}`))?.[0]?.slice('--id='.length);
  const nodeLb = idOf('Service_backend/web_TCP_node_router+switch_ovn-worker2');
  assert.ok(nodeLb, 'the local node LB is created in its zone');
  assert.is(idOf('Service_backend/web_TCP_node_router+switch_ovn-worker'), undefined, "another node's LB is not");
  assert.ok(has(z2, 'add', 'Logical_Router', 'GR_ovn-worker2', 'load_balancer', nodeLb!));
  assert.ok(has(z2, 'add', 'Logical_Switch', 'ovn-worker2', 'load_balancer', nodeLb!));
  const group = find(z2, '--id=@lbg_cluster', 'create', 'Load_Balancer_Group')!;
  assert.ok(group.includes('name="clusterLBGroup"'));
  assert.is(group.at(-1), `load_balancer=[${idOf('Service_backend/web_TCP_cluster')},${idOf('Service_frontend/dns_UDP_cluster')}]`);
  assert.ok(has(z2, 'add', 'Logical_Router', 'GR_ovn-worker2', 'load_balancer_group', '@lbg_cluster'));
  assert.ok(has(z2, 'add', 'Logical_Switch', 'ovn-worker2', 'load_balancer_group', '@lbg_cluster'));
});

test('externalIPs join the cluster load balancer VIPs (externalTrafficPolicy Cluster)', () => {
  const raw = scenario();
  raw.services![0]!.externalIPs = ['192.168.10.10'];
  const lb = planLoadBalancers(loadScenario(raw)).find((l) => l.name === 'Service_backend/web_TCP_cluster')!;
  assert.equal(lb.vips, { '10.96.0.10:80': '10.244.1.6:8080', '192.168.10.10:80': '10.244.1.6:8080' });
});

test.run();
