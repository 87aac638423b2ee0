/**
 * The seed document's ovnkube-trace command lines (OpenShift docs), unchanged, against labs that
 * reproduce the page's cluster: same output lines, same answers.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Lab } from '../../../lab/lab.js';
import { runCliAgainst, startLab, stopLab } from '../../helpers/lab-fixture.js';
import { fixturePath } from '../../helpers/paths.js';

async function withLab(scenario: string, fn: (kubeconfig: string) => Promise<void>) {
  let lab: Lab | undefined;
  try {
    lab = await startLab(fixturePath('lab', scenario));
    await fn(lab.kubeconfigPath!);
  } finally {
    await stopLab(lab);
  }
}

const dnsArgs = (dst: string) => ['-src-namespace', 'default', '-src', 'web', '-dst-namespace', 'openshift-dns', '-dst', dst, '-udp', '-dst-port', '53', '-loglevel', '0'];
const prodArgs = (level: string) => ['-src-namespace', 'prod', '-src', 'test-6459', '-dst-namespace', 'default', '-dst', 'web', '-tcp', '-dst-port', '80', '-loglevel', level];

test('DNS example: same node and different node print the documented lines', async () => {
  await withLab('openshift-docs.yaml', async (kc) => {
    const same = await runCliAgainst(kc, dnsArgs('dns-default-p8t5h'));
    assert.is(same.code, 0, same.stderr);
    assert.equal(same.stdout.split('\n').slice(0, 6), [
      'ovn-trace source pod to destination pod indicates success from web to dns-default-p8t5h',
      'ovn-trace destination pod to source pod indicates success from dns-default-p8t5h to web',
      'ovs-appctl ofproto/trace source pod to destination pod indicates success from web to dns-default-p8t5h',
      'ovs-appctl ofproto/trace destination pod to source pod indicates success from dns-default-p8t5h to web',
      'ovn-detrace source pod to destination pod indicates success from web to dns-default-p8t5h',
      'ovn-detrace destination pod to source pod indicates success from dns-default-p8t5h to web',
    ]);
    const other = await runCliAgainst(kc, dnsArgs('dns-default-8s42x'));
    assert.is(other.code, 0, other.stderr);
    assert.equal(other.stdout.split('\n').slice(0, 8), [
      'ovn-trace source pod to destination pod indicates success from web to dns-default-8s42x',
      'ovn-trace (remote) source pod to destination pod indicates success from web to dns-default-8s42x',
      'ovn-trace destination pod to source pod indicates success from dns-default-8s42x to web',
      'ovn-trace (remote) destination pod to source pod indicates success from dns-default-8s42x to web',
      'ovs-appctl ofproto/trace source pod to destination pod indicates success from web to dns-default-8s42x',
      'ovs-appctl ofproto/trace destination pod to source pod indicates success from dns-default-8s42x to web',
      'ovn-detrace source pod to destination pod indicates success from web to dns-default-8s42x',
      'ovn-detrace destination pod to source pod indicates success from dns-default-8s42x to web',
    ]);
  });
});

test('default-deny example: failure, and at level 2 the ACL that drops it', async () => {
  await withLab('openshift-docs-default-deny.yaml', async (kc) => {
    const r0 = await runCliAgainst(kc, prodArgs('0'));
    assert.is(r0.code, 1);
    // Across zones the drop is on the receiving zone: the "(remote)" leg fails.
    assert.ok(r0.stdout.includes('ovn-trace (remote) source pod to destination pod indicates failure from test-6459 to web'), r0.stdout);
    assert.match(r0.stdout, /Verdict: dropped .*isolated by NetworkPolicy default\/deny-by-default; no rule allows tcp\/80 from prod\/test-6459/);
    const r2 = await runCliAgainst(kc, prodArgs('2'));
    assert.match(r2.stdout, />>> .*ls_out_acl.*NetworkPolicy default\/deny-by-default/);
    assert.match(r2.stdout, /_ingressDefaultDeny/);
  });
});

test('after web-allow-prod: the same command succeeds', async () => {
  await withLab('openshift-docs-allow-prod.yaml', async (kc) => {
    const r = await runCliAgainst(kc, prodArgs('0'));
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.startsWith('ovn-trace source pod to destination pod indicates success from test-6459 to web\n'));
  });
});

test.run();
