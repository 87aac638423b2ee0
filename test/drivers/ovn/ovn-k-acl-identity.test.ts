// decodeOvnKubernetesAcl on ACL rows as ovn-kubernetes itself writes them. Every row below is
// taken from ovn-kubernetes' own source or test expectations (github.com/ovn-org/ovn-kubernetes,
// go-controller/), not from our lab:
// - current style: pkg/ovn/policy_test.go getDefaultDenyDataHelper / getGressACLs (master
//   6c366bb49), whose names, external_ids and port group names come from
//   pkg/libovsdb/util/acl.go GetACLName, pkg/libovsdb/ops/db_object_ids.go getExternalIDs /
//   getUniqueID and pkg/libovsdb/util/port_group.go GetPortGroupName;
// - legacy style: the "before" rows of pkg/ovn/external_ids_syncer/acl/acl_sync_test.go (the
//   rows the syncer converts), and pkg/ovn/policy.go buildACL/buildDenyACLs of 871c1fb74
//   (May 2022), which named the default-deny ACL `<namespace>_<first policy's name>`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeOvnKubernetesAcl, decodeOvnKubernetesPortGroup } from '../../../drivers/ovn/attribution/ovn-k-acl-identity.js';
import { parsePortGroupLookup } from '../../../drivers/ovn/attribution/acl-attribution.js';
import { loadCapture } from '../helpers/captured-fixture.js';
import { aclOwner } from '../../../drivers/ovn/attribution/acl-attribution.js';
import { hashForOvn } from '../../../drivers/ovn/ovn-k-names.js';

const CONTROLLER = 'default-network-controller';
const ns = 'namespace1';
const policy = 'networkpolicy1';

// db_object_ids.go: external_ids = owner-controller, owner-type, the type's keys, and
// k8s.ovn.org/id = controller:owner-type:values of the type's keys in order.
function currentIds(ownerType: string, keys: [string, string][]): Record<string, string> {
  const ids: Record<string, string> = { 'k8s.ovn.org/owner-controller': CONTROLLER, 'k8s.ovn.org/owner-type': ownerType };
  for (const [k, v] of keys) ids[k] = v;
  ids['k8s.ovn.org/id'] = [CONTROLLER, ownerType, ...keys.map(([, v]) => v)].join(':');
  return ids;
}
// port_group.go GetPortGroupName: HashForOVN of the port group's k8s.ovn.org/id.
const currentDenyPg = (dir: 'Ingress' | 'Egress') => hashForOvn(`${CONTROLLER}:NetpolNamespace:${ns}:${dir}`);
const currentPolicyPg = hashForOvn(`${CONTROLLER}:NetworkPolicy:${ns}:${policy}`);

// policy_test.go getDefaultDenyDataHelper: ingress deny and ARP allow, egress deny.
const currentIngressDeny = {
  name: `NP:${ns}:Ingress`,
  direction: 'to-lport',
  priority: 1000,
  match: `outport == @${currentDenyPg('Ingress')}`,
  action: 'drop',
  externalIds: currentIds('NetpolNamespace', [['k8s.ovn.org/name', ns], ['direction', 'Ingress'], ['type', 'defaultDeny']]),
};
const currentIngressArpAllow = {
  name: `NP:${ns}:Ingress`,
  direction: 'to-lport',
  priority: 1001,
  match: `outport == @${currentDenyPg('Ingress')} && (arp || nd)`,
  action: 'allow',
  externalIds: currentIds('NetpolNamespace', [['k8s.ovn.org/name', ns], ['direction', 'Ingress'], ['type', 'arpAllow']]),
};
const currentEgressDeny = {
  name: `NP:${ns}:Egress`,
  direction: 'from-lport',
  priority: 1000,
  match: `inport == @${currentDenyPg('Egress')}`,
  action: 'drop',
  externalIds: currentIds('NetpolNamespace', [['k8s.ovn.org/name', ns], ['direction', 'Egress'], ['type', 'defaultDeny']]),
};
// policy_test.go getGressACLs: the selector peers' ACL of ingress rule 0 (ip-block-index -1, protocol None).
const currentGress = {
  name: `NP:${ns}:${policy}:Ingress:0`,
  direction: 'to-lport',
  priority: 1001,
  match: `ip4.src == {$a10148211500778908391} && outport == @${currentPolicyPg}`,
  action: 'allow-related',
  externalIds: currentIds('NetworkPolicy', [
    ['k8s.ovn.org/name', `${ns}:${policy}`],
    ['direction', 'Ingress'],
    ['gress-index', '0'],
    ['port-policy-protocol', 'None'],
    ['ip-block-index', '-1'],
  ]),
};

// acl_sync_test.go "updates default deny policy acls", before rows (policyNamespace; joinACLName = "_").
const legacyNs = 'policyNamespace';
const legacyEgressDeny = {
  name: `${legacyNs}_egressDefaultDeny`,
  direction: 'from-lport',
  priority: 1000,
  match: `inport == @${hashForOvn(legacyNs)}_egressDefaultDeny`,
  action: 'drop',
  externalIds: { 'default-deny-policy-type': 'Egress' },
};
const legacyIngressArp = {
  name: `${legacyNs}_ARPallowPolicy`,
  direction: 'to-lport',
  priority: 1001,
  match: `outport == @${hashForOvn(legacyNs)}_ingressDefaultDeny && (arp || nd)`,
  action: 'drop',
  externalIds: { 'default-deny-policy-type': 'Ingress' },
};
// policy.go (871c1fb74) buildDenyACLs: the deny ACL is named namespacePortGroupACLName(ns, pg, policy) = "<ns>_<policy>".
const legacyDenyNamedAfterPolicy = {
  name: `${legacyNs}_policyName`,
  direction: 'to-lport',
  priority: 1000,
  match: `outport == @${hashForOvn(legacyNs)}_ingressDefaultDeny`,
  action: 'drop',
  externalIds: { 'default-deny-policy-type': 'Ingress' },
};
// acl_sync_test.go "updates gress policy acls", first and last before rows.
const legacyGressIpBlock = {
  name: `${legacyNs}_policyName_0`,
  direction: 'to-lport',
  priority: 1001,
  match: 'ip4.dst == 10.244.1.5/32 && inport == @a2653181086423119552',
  action: 'allow-related',
  externalIds: { l4Match: 'tcp && 6380<=tcp.dst<=7000', ipblock_cidr: 'true', namespace: legacyNs, policy: 'policyName', policy_type: 'Egress', Egress_num: '0' },
};
const legacyGressSelectors = {
  name: `${legacyNs}_policyName_0`,
  direction: 'from-lport',
  priority: 1001,
  match: '(ip4.src == {$a3733136965153973077} || (ip4.src == 169.254.169.5 && ip4.dst == {$a3733136965153973077})) && outport == @a2653181086423119552',
  action: 'allow-related',
  externalIds: { l4Match: 'None', ipblock_cidr: 'false', namespace: legacyNs, policy: 'policyName', policy_type: 'Ingress', Ingress_num: '0' },
};
// acl_sync_test.go "updates multicast acls": the same legacy key on a multicast ACL (priority 1011).
const legacyMulticastDeny = {
  name: 'clusterPortGroup_DefaultDenyMulticastEgress',
  direction: 'from-lport',
  priority: 1011,
  match: '(ip4.mcast || mldv1 || mldv2 || (ip6.dst[120..127] == 0xff && ip6.dst[116] == 1))',
  action: 'drop',
  externalIds: { 'default-deny-policy-type': 'Egress' },
};

test('current style: namespace default deny and its ARP allow', () => {
  assert.equal(decodeOvnKubernetesAcl(currentIngressDeny), {
    kind: 'default-deny', namespace: ns, direction: 'ingress', aclType: 'defaultDeny', style: 'current', evidence: 'k8s.ovn.org/owner-type=NetpolNamespace',
  });
  assert.is((decodeOvnKubernetesAcl(currentIngressArpAllow) as { aclType: string }).aclType, 'arpAllow');
  assert.equal(aclOwner(currentEgressDeny), { type: 'default-deny', namespace: ns, direction: 'egress' });
});

test('current style: a NetworkPolicy rule ACL', () => {
  assert.equal(decodeOvnKubernetesAcl(currentGress), {
    kind: 'network-policy', namespace: ns, name: policy, direction: 'ingress', gressIndex: 0, protocol: 'None', ipBlockIndex: -1, style: 'current',
  });
  assert.equal(aclOwner(currentGress), { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: ns, name: policy, rule: 'ingress[0]' }, direction: 'ingress' });
});

test('current style without the NB row: the hashed default-deny port group of a candidate namespace, or the ACL name', () => {
  // What attribution has when the NB cannot be read: ovn-trace's match (and the logged name).
  const matchOnly = { match: currentIngressDeny.match, externalIds: {} };
  assert.equal(aclOwner(matchOnly, ['other', ns]), { type: 'default-deny', namespace: ns, direction: 'ingress' });
  assert.equal(aclOwner(matchOnly, ['other']), undefined, 'no candidate hashes to it: nothing is claimed');
  assert.equal(aclOwner({ name: `NP:${ns}:Egress`, externalIds: {} }), { type: 'default-deny', namespace: ns, direction: 'egress' });
  assert.equal(aclOwner({ name: currentGress.name, externalIds: {} }), { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: ns, name: policy, rule: 'ingress[0]' }, direction: 'ingress' });
  assert.equal(aclOwner({ name: 'ANP:deny-all:Egress:3', externalIds: {} }), { type: 'rule', policy: { kind: 'AdminNetworkPolicy', name: 'deny-all', rule: '3' }, direction: 'egress' });
  // A name cut at 63 characters loses its tail: the policy and index are not guessed.
  const cut = `NP:${ns}:${'p'.repeat(60)}:Ingress:0`.slice(0, 63);
  assert.is(aclOwner({ name: cut, externalIds: {} }), undefined);
});

test('legacy style: default deny by default-deny-policy-type, ARP allow, and the port group suffix', () => {
  assert.equal(decodeOvnKubernetesAcl(legacyEgressDeny), {
    kind: 'default-deny', namespace: legacyNs, direction: 'egress', aclType: 'defaultDeny', style: 'legacy', evidence: 'default-deny-policy-type=Egress',
  });
  assert.is((decodeOvnKubernetesAcl(legacyIngressArp) as { aclType: string }).aclType, 'arpAllow');
  // The 2020 form: no name at all, only the key and the port group.
  const { name: _unnamed, ...unnamed } = legacyEgressDeny;
  assert.equal(aclOwner(unnamed), { type: 'default-deny', direction: 'egress' });
  assert.equal(aclOwner(unnamed, [legacyNs]), { type: 'default-deny', namespace: legacyNs, direction: 'egress' });
  assert.equal(aclOwner({ match: legacyEgressDeny.match, externalIds: {} }, [legacyNs]), { type: 'default-deny', namespace: legacyNs, direction: 'egress' });
});

test('legacy default deny named after a policy is default-deny isolation, not that policy', () => {
  assert.equal(aclOwner(legacyDenyNamedAfterPolicy), { type: 'default-deny', namespace: legacyNs, direction: 'ingress' });
  // Whatever other owner fields say: the default-deny marks win.
  const mixed = { ...legacyDenyNamedAfterPolicy, externalIds: { ...legacyDenyNamedAfterPolicy.externalIds, namespace: legacyNs, policy: 'policyName', policy_type: 'Ingress' } };
  assert.equal(aclOwner(mixed), { type: 'default-deny', namespace: legacyNs, direction: 'ingress' });
  const current = { ...currentIngressDeny, externalIds: { ...currentIngressDeny.externalIds, policy: 'allow-web', namespace: ns, policy_type: 'Ingress' } };
  assert.equal(aclOwner(current), { type: 'default-deny', namespace: ns, direction: 'ingress' });
  const ownerSaysPolicy = { ...currentIngressDeny, externalIds: { ...currentGress.externalIds } };
  assert.equal(aclOwner(ownerSaysPolicy, [ns]), { type: 'default-deny', namespace: ns, direction: 'ingress' }, 'a match on the default-deny port group');
});

test('legacy style: rule ACLs with their rule index, ipBlock index and L4 match', () => {
  assert.equal(decodeOvnKubernetesAcl(legacyGressIpBlock), {
    kind: 'network-policy', namespace: legacyNs, name: 'policyName', direction: 'egress', gressIndex: 0, ipBlockIndex: 0, l4Match: 'tcp && 6380<=tcp.dst<=7000', style: 'legacy',
  });
  assert.equal(decodeOvnKubernetesAcl({ ...legacyGressIpBlock, externalIds: { ...legacyGressIpBlock.externalIds, ipblock_cidr: '2' } }), {
    kind: 'network-policy', namespace: legacyNs, name: 'policyName', direction: 'egress', gressIndex: 0, ipBlockIndex: 1, l4Match: 'tcp && 6380<=tcp.dst<=7000', style: 'legacy',
  });
  assert.equal(aclOwner(legacyGressSelectors), { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: legacyNs, name: 'policyName', rule: 'ingress[0]' }, direction: 'ingress' });
});

test('a multicast ACL with the legacy key is not a namespace default deny', () => {
  assert.is(decodeOvnKubernetesAcl(legacyMulticastDeny).kind, 'unknown');
  assert.is(aclOwner(legacyMulticastDeny), undefined);
});

test('port groups in both conventions (real ovn-nbctl list Port_Group output, test/fixtures/ovn/acl-log)', () => {
  const pg = (name: string) => parsePortGroupLookup(loadCapture('ovn', `acl-log/${name}`).stdout)!;
  assert.equal(decodeOvnKubernetesPortGroup(pg('ovn-nbctl-acl-log-port-group-current')), { kind: 'network-policy', namespace: 'backend', name: 'allow-frontend-to-web', style: 'current' });
  assert.equal(decodeOvnKubernetesPortGroup(pg('ovn-nbctl-acl-log-port-group-legacy')), { kind: 'network-policy', namespace: 'frontend', name: 'allow-to-backend', style: 'legacy' });
  const dd = pg('ovn-nbctl-acl-log-port-group-legacy-default-deny');
  assert.equal(decodeOvnKubernetesPortGroup(dd), { kind: 'default-deny', direction: 'egress', style: 'legacy' });
  assert.equal(decodeOvnKubernetesPortGroup(dd, { candidateNamespaces: ['backend', 'frontend'] }), { kind: 'default-deny', namespace: 'frontend', direction: 'egress', style: 'legacy' });
  // The current default-deny port group's ids (db_object_types.go PortGroupNetpolNamespace).
  assert.equal(decodeOvnKubernetesPortGroup({ name: currentDenyPg('Ingress'), externalIds: currentIds('NetpolNamespace', [['k8s.ovn.org/name', ns], ['direction', 'Ingress']]) }), {
    kind: 'default-deny', namespace: ns, direction: 'ingress', style: 'current',
  });
});

test.run();
