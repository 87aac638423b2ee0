// DropAttributor on a real logged drop (OVN 23.03 capture, test/fixtures/ovn/acl-log): the NB is
// unreachable, so the ACL is named from what ovn-trace printed (its LOG line and match), and the
// default-deny sentence uses the port the ACL saw behind the Service.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { KubeClient } from '../../../core/kube/kube-client.js';
import type { CommandRunner, CommandSpec } from '../../../core/runner/command-runner.js';
import { DropAttributor } from '../../../drivers/ovn/attribution/drop-attributor.js';
import { loggedAclName } from '../../../drivers/ovn/attribution/acl-attribution.js';
import { policyPortOfOvnTrace } from '../../../drivers/ovn/attribution/policy-port.js';
import { parseOvnTrace } from '../../../drivers/ovn/parsers/index.js';
import { loadCapture } from '../helpers/captured-fixture.js';

const policies: V1NetworkPolicy[] = [
  { metadata: { namespace: 'backend', name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
  { metadata: { namespace: 'backend', name: 'allow-frontend-to-web' }, spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 8080 }] }] } },
];
const kube = { listNetworkPolicies: async (ns?: string) => policies.filter((p) => p.metadata?.namespace === ns) } as unknown as KubeClient;
const lookups: string[][] = [];
const unreachableNb: CommandRunner = {
  target: 'test',
  run: async (spec: CommandSpec) => {
    lookups.push(spec.argv);
    return { stdout: '', stderr: 'ovn-sbctl: unix:/var/run/ovn/ovnsb_db.sock: database connection failed (No such file or directory)', exitCode: 1, durationMs: 1, target: 'test' };
  },
};

const run = loadCapture('ovn', 'acl-log/ovn-trace-acl-log-service-default-deny');
const trace = parseOvnTrace(run.stdout, { exitCode: run.exitCode });
const leaf = trace.dropLeaves.find((l) => !l.generated)!;
const base = {
  sender: { namespace: 'frontend', name: 'client', label: 'frontend/client', labels: { app: 'client' } },
  receiver: { namespace: 'backend', name: 'db', label: 'backend/db', labels: { app: 'db' } },
  protocol: 'tcp',
  port: policyPortOfOvnTrace(trace, leaf, run.command.split(/\s+/))!.port!,
};

test('logged default deny behind a Service, NB unreachable: isolation named, backend port in the sentence', async () => {
  const res = await new DropAttributor(kube, new AbortController().signal).attribute(
    { lflowUuid: leaf.table!.uuid!, stage: leaf.table!.stage, match: leaf.table!.match!, aclLog: leaf.aclLog!, ...base },
    unreachableNb,
  );
  assert.ok(lookups.length > 0, 'the SB was asked first');
  assert.equal(res?.drop, {
    type: 'default-deny',
    direction: 'ingress',
    isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'backend', name: 'default-deny' }],
    explanation: 'ingress of backend/db denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/8080 from frontend/client',
  });
  assert.is(res?.aclLog?.name, 'NP:backend:Ingress');
});

test('the logged ACL name alone (no uuid, no match) still names the default deny', async () => {
  const res = await new DropAttributor(kube, new AbortController().signal).attribute({ stage: leaf.table!.stage, aclLog: leaf.aclLog!, ...base }, unreachableNb);
  assert.is(res?.drop.type, 'default-deny');
  assert.match(res!.drop.explanation, /isolated by NetworkPolicy backend\/default-deny; no rule allows tcp\/8080/);
});

test('ofproto/trace legs (no LOG line): the name comes from the logical flow\'s log(name=...)', async () => {
  const sb = loadCapture('ovn', 'acl-log/ovn-sbctl-acl-log-logical-flow');
  assert.is(loggedAclName(JSON.parse(sb.stdout).data[0][2]), 'NP:backend:Ingress');
  const sbOnly: CommandRunner = {
    target: 'test',
    run: async (spec: CommandSpec) =>
      spec.argv[0] === 'ovn-sbctl'
        ? { stdout: sb.stdout, stderr: '', exitCode: 0, durationMs: 1, target: 'test' }
        : { stdout: '', stderr: 'ovn-nbctl: database connection failed', exitCode: 1, durationMs: 1, target: 'test' },
  };
  // The receiver is only an address here: its namespace comes from the ACL's name alone.
  const res = await new DropAttributor(kube, new AbortController().signal).attribute(
    { lflowUuid: sb.command.split(' ').at(-1)!, stage: 'table 46', sender: base.sender, receiver: { label: '10.244.1.7' }, protocol: 'tcp', port: 8080 },
    sbOnly,
  );
  assert.equal(res?.drop, {
    type: 'default-deny',
    direction: 'ingress',
    isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'backend', name: 'default-deny' }],
    explanation: 'ingress of 10.244.1.7 denied: isolated by NetworkPolicy backend/default-deny; no rule allows tcp/8080 from frontend/client',
  });
});

test('an ACL row without external_ids: the owner comes from its port group\'s ids', async () => {
  const acl = loadCapture('ovn', 'acl-log/ovn-nbctl-acl-log-acl-without-ids');
  const pg = loadCapture('ovn', 'acl-log/ovn-nbctl-acl-log-port-group-current');
  const sbFlow = JSON.stringify({ data: [[['uuid', '00000000-0000-0000-0000-000000000001'], 'reg0[9] == 1 && (outport == @x)', 'drop;', ['map', [['stage-hint', 'd0d1118d'], ['stage-name', 'ls_out_acl']]]]], headings: ['_uuid', 'match', 'actions', 'external_ids'] });
  const seen: string[] = [];
  const nbUp: CommandRunner = {
    target: 'test',
    run: async (spec: CommandSpec) => {
      seen.push(spec.argv.slice(-2).join(' '));
      const out = (stdout: string) => ({ stdout, stderr: '', exitCode: 0, durationMs: 1, target: 'test' });
      if (spec.argv[0] === 'ovn-sbctl') return out(sbFlow);
      if (spec.argv.includes('ACL')) return out(acl.stdout);
      return out(pg.stdout);
    },
  };
  const res = await new DropAttributor(kube, new AbortController().signal).attribute({ lflowUuid: '00000000', stage: 'ls_out_acl', ...base, port: 6666 }, nbUp);
  assert.equal(seen, ['Logical_Flow 00000000', 'ACL d0d1118d', 'Port_Group a15748117436255092147']);
  assert.equal(res?.drop, {
    type: 'rule',
    policy: { kind: 'NetworkPolicy', namespace: 'backend', name: 'allow-frontend-to-web' },
    direction: 'ingress',
    explanation: 'ingress of backend/db dropped by NetworkPolicy backend/allow-frontend-to-web',
  });
});

test('legacy default deny named after a policy (real NB row): default-deny isolation of the source, not that policy', async () => {
  const rows = JSON.parse(loadCapture('ovn', 'acl-log/ovn-nbctl-acl-log-acls').stdout) as { headings: string[]; data: unknown[][] };
  const nameAt = rows.headings.indexOf('name');
  const row = rows.data.find((r) => r[nameAt] === 'frontend_allow-to-backend')!;
  const one = JSON.stringify({ headings: rows.headings, data: [row] });
  const t = parseOvnTrace(loadCapture('ovn', 'acl-log/ovn-trace-acl-log-egress-default-deny').stdout);
  const egressLeaf = t.dropLeaves.find((l) => !l.generated)!;
  assert.is(egressLeaf.aclLog?.name, 'frontend_allow-to-backend', 'the logged name looks like a policy');
  const nbUp: CommandRunner = {
    target: 'test',
    run: async (spec: CommandSpec) => {
      const out = (stdout: string) => ({ stdout, stderr: '', exitCode: 0, durationMs: 1, target: 'test' });
      if (spec.argv[0] === 'ovn-sbctl') return out(JSON.stringify({ data: [[['uuid', 'u'], egressLeaf.table!.match!, 'x', ['map', [['stage-hint', 'abcd1234']]]]], headings: ['_uuid', 'match', 'actions', 'external_ids'] }));
      return out(one);
    },
  };
  const egressPolicies = { listNetworkPolicies: async (ns?: string) => (ns === 'frontend' ? [{ metadata: { namespace: 'frontend', name: 'allow-to-backend' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 8080 }] }] } }] : []) } as unknown as KubeClient;
  const res = await new DropAttributor(egressPolicies, new AbortController().signal).attribute(
    { lflowUuid: egressLeaf.table!.uuid!, stage: egressLeaf.table!.stage, aclLog: egressLeaf.aclLog!, sender: base.sender, receiver: { namespace: 'backend', name: 'web', label: 'backend/web', labels: { app: 'web' } }, protocol: 'tcp', port: 9090 },
    nbUp,
  );
  assert.equal(res?.drop, {
    type: 'default-deny',
    direction: 'egress',
    isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'frontend', name: 'allow-to-backend' }],
    explanation: 'egress of frontend/client denied: isolated by NetworkPolicy frontend/allow-to-backend; no rule allows tcp/9090 to backend/web',
  });
});

test.run();
