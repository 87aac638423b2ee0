import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadScenario, loadScenarioFile } from '../../../lab/scenario/scenario-loader.js';
import { ScenarioError } from '../../../lab/scenario/scenario-error.js';
import { aclCreateCommand, defaultDenyPortGroupName, networkPolicyCommands, planNetworkPolicies, policyPortGroupName } from '../../../lab/ovn/network-policy-plan.js';
import { hashForOvn } from '../../../lab/ovn/ovn-names.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';
import { repoRoot } from '../../helpers/paths.js';

const scenario = (): Scenario => loadScenarioFile(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));

test('ACL logging: the namespace annotation sets log, severity and name on its policy ACLs (not the ARP allow)', () => {
  const plan = planNetworkPolicies(scenario(), () => true);
  const opsDeny = plan.portGroups.find((pg) => pg.name === defaultDenyPortGroupName('ops', 'Ingress'))!;
  const drop = opsDeny.acls.find((a) => a.action === 'drop')!;
  assert.is(drop.log, true);
  assert.is(drop.severity, 'info');
  assert.is(drop.name, 'NP:ops:Ingress');
  assert.is(drop.meter, 'acl-logging');
  const arp = opsDeny.acls.find((a) => a.action === 'allow')!;
  assert.is(arp.log, undefined);
  const cmd = aclCreateCommand(drop, '@x');
  assert.ok(cmd.includes('log=true') && cmd.includes('severity=info') && cmd.includes('name="NP:ops:Ingress"') && cmd.includes('meter="acl-logging"'), cmd.join(' '));
  // backend has no annotation: no logging, but the meter is named as ovn-kubernetes always does.
  const backendDeny = plan.portGroups.find((pg) => pg.name === defaultDenyPortGroupName('backend', 'Ingress'))!.acls.find((a) => a.action === 'drop')!;
  assert.is(backendDeny.log, undefined);
  assert.ok(networkPolicyCommands(plan).some((c) => c.join(' ') === '--fair meter-add acl-logging drop 20 pktps'));
});

test('ACL logging of allow rules follows the "allow" level', () => {
  const raw = scenario();
  raw.namespaces!.find((n) => n.name === 'backend')!.annotations = { 'k8s.ovn.org/acl-logging': '{"allow":"notice"}' };
  const plan = planNetworkPolicies(loadScenario(raw), () => true);
  const allow = plan.portGroups.find((pg) => pg.name === policyPortGroupName('backend', 'allow-frontend-to-web'))!.acls[0]!;
  assert.is(allow.log, true);
  assert.is(allow.severity, 'notice');
  const deny = plan.portGroups.find((pg) => pg.name === defaultDenyPortGroupName('backend', 'Ingress'))!.acls.find((a) => a.action === 'drop')!;
  assert.is(deny.log, undefined, 'no "deny" level: the drop is not logged');
});

test('legacy external_ids (ovn-kubernetes before 2023-04): names and keys of that release', () => {
  const raw = scenario();
  raw.ovn = { mode: 'interconnect', aclExternalIds: 'legacy' };
  const plan = planNetworkPolicies(loadScenario(raw), () => true);
  const pgName = hashForOvn('backend_allow-frontend-to-web');
  assert.is(policyPortGroupName('backend', 'allow-frontend-to-web', true), pgName);
  const pg = plan.portGroups.find((p) => p.name === pgName)!;
  assert.equal(pg.externalIds, { name: 'backend_allow-frontend-to-web' });
  const allow = pg.acls[0]!;
  assert.is(allow.name, 'backend_allow-frontend-to-web_0');
  assert.equal(allow.externalIds, { l4Match: 'tcp && tcp.dst==8080', ipblock_cidr: 'false', namespace: 'backend', policy: 'allow-frontend-to-web', policy_type: 'Ingress', Ingress_num: '0' });
  const denyPg = plan.portGroups.find((p) => p.name === defaultDenyPortGroupName('backend', 'Ingress', true))!;
  assert.equal(denyPg.externalIds, { name: `${hashForOvn('backend')}_ingressDefaultDeny` });
  const [drop, arp] = [denyPg.acls.find((a) => a.action === 'drop')!, denyPg.acls.find((a) => a.action === 'allow')!];
  assert.is(drop.name, 'backend_ingressDefaultDeny');
  assert.equal(drop.externalIds, { 'default-deny-policy-type': 'Ingress' });
  assert.is(arp.name, 'backend_ARPallowPolicy');
  assert.equal(arp.externalIds, { 'default-deny-policy-type': 'Ingress' });
});

test('v2023: current ACL ids with the port groups of before 2024-04 (the form in OpenShift docs)', () => {
  const raw = scenario();
  raw.ovn = { aclExternalIds: 'v2023' };
  const plan = planNetworkPolicies(loadScenario(raw), () => true);
  const denyPg = plan.portGroups.find((p) => p.name === `${hashForOvn('backend')}_ingressDefaultDeny`)!;
  assert.equal(denyPg.externalIds, { name: `${hashForOvn('backend')}_ingressDefaultDeny` });
  assert.is(denyPg.acls.find((a) => a.action === 'drop')!.externalIds['k8s.ovn.org/owner-type'], 'NetpolNamespace');
  assert.is(denyPg.acls.find((a) => a.action === 'drop')!.match, `outport == @${hashForOvn('backend')}_ingressDefaultDeny`);
  const pg = plan.portGroups.find((p) => p.name === hashForOvn('backend_allow-frontend-to-web'))!;
  assert.is(pg.acls[0]!.name, 'NP:backend:allow-frontend-to-web:Ingress:0');
});

test('legacy ipblock_cidr numbering: "true" for the first ipBlock, then its number', () => {
  const raw = scenario();
  raw.ovn = { aclExternalIds: 'legacy' };
  raw.networkPolicies!.push({
    name: 'blocks',
    namespace: 'frontend',
    spec: { podSelector: { matchLabels: { app: 'client' } }, ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16' } }, { ipBlock: { cidr: '172.16.0.0/12' } }, { podSelector: { matchLabels: { app: 'api' } } }] }] },
  });
  const acls = planNetworkPolicies(loadScenario(raw), () => true).portGroups.find((p) => p.name === hashForOvn('frontend_blocks'))!.acls;
  assert.equal(acls.map((a) => a.externalIds.ipblock_cidr), ['true', '2', 'false']);
  assert.ok(acls.every((a) => a.externalIds.l4Match === 'None'));
});

test('named ports in a policy allow the whole protocol on OVN (ovn-kubernetes issue 2117)', () => {
  const plan = planNetworkPolicies(scenario(), () => true);
  const acl = plan.portGroups.find((pg) => pg.name === policyPortGroupName('backend', 'allow-ops-to-web'))!.acls[0]!;
  assert.match(acl.match, / && tcp && outport == @/);
  assert.not.match(acl.match, /tcp\.dst/);
});

test('the validator refuses what the OVN flavour does not model, naming the entry', () => {
  const bad = (mutate: (s: Scenario) => void, re: RegExp): void => {
    const s = scenario();
    mutate(s);
    try {
      loadScenario(s);
      assert.unreachable('accepted');
    } catch (err) {
      assert.instance(err, ScenarioError);
      assert.ok((err as ScenarioError).issues.some((i) => re.test(i)), (err as ScenarioError).issues.join('\n'));
    }
  };
  bad((s) => void (s.namespaces![0]!.annotations = { 'k8s.ovn.org/acl-logging': 'deny=info' }), /annotations\["k8s\.ovn\.org\/acl-logging"\]: must be JSON/);
  bad((s) => void (s.namespaces![0]!.annotations = { 'k8s.ovn.org/acl-logging': '{"deny":"loud"}' }), /deny must be one of alert, warning, notice, info, debug/);
  bad((s) => void (s.namespaces![0]!.annotations = { 'k8s.ovn.org/acl-logging': '{"pass":"info"}' }), /unknown key "pass"/);
  bad((s) => void (s.ovn = { gatewayMode: 'hybrid' as never }), /ovn\.gatewayMode: must be "shared"/);
  bad((s) => void (s.ovn = { aclExternalIds: 'v0' as never }), /ovn\.aclExternalIds/);
  bad((s) => void delete s.services![0]!.ports[0]!.nodePort, /needs nodePort 30000-32767/);
  bad((s) => void (s.services![1]!.ports[0]!.nodePort = 30053), /nodePort is only allowed on a service of type NodePort/);
  bad((s) => void (s.services![0]!.type = 'LoadBalancer' as never), /LoadBalancer and ExternalName services are not modelled/);
  bad((s) => void (s.nodes[0]!.nodeIP = '172.18.0.1'), /gateway \(\.1\)/);
  bad((s) => {
    s.services![1]!.type = 'NodePort';
    s.services![1]!.ports[0]!.nodePort = 30080;
    s.services![1]!.ports[0]!.protocol = 'TCP';
  }, /nodePort 30080\/TCP is already used by service "backend\/web"/);
});

test.run();
