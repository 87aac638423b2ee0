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

test.run();
