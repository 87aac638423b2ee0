// Reliability: every bad input is refused before any request that writes or execs, on the
// OVN-Kubernetes lab. The real CLI runs as a child process against the lab's API server daemon,
// whose request log shows what each run asked for. Bad command lines exit 2; bad values in the
// cluster (annotations the CNI writes, pod status) exit 3 with INVALID_CLUSTER_DATA.
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RefusalTally, runCliProcess, startLoggingLab, stopLoggingLab, type LoggingLab } from './input-refusal-helpers.js';

let l: LoggingLab | undefined;
let core: CoreV1Api;
const tally = new RefusalTally('input refusals (OVN-Kubernetes)');
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const SRC = ['--src', 'client', '--src-namespace', 'frontend'];

test.before(async () => {
  l = await startLoggingLab('lab/scenarios/default.yaml');
  const kc = new KubeConfig();
  kc.loadFromFile(l.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});

test.after(async () => {
  console.log(tally.report());
  await stopLoggingLab(l);
});

test('control: a good trace does exec (the log sees execs, so a refusal\'s zero is meaningful)', async () => {
  const r = await runCliProcess(l!, [...SRC, '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080', '--skip-detrace']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.ok(r.requests.some((q) => q.path.endsWith('/exec')), 'the good trace exec\'d into a node');
});

test('command lines that slipped through are refused with exit 2, naming the flag', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[...SRC, '--dst-ip', 'fe80::1%eth0'], /invalid --dst-ip: "fe80::1%eth0" is a zone-scoped IPv6 address/],
    [['-S', 'frontend/client', '-D', 'fe80::1%eth0'], /invalid --destination: .*zone-scoped/],
    [[...SRC, '--dst', 'web', '--dst-namespace', 'backend', '--udp', '--tcp-flags', 'SYN'], /invalid --tcp-flags: TCP flags cannot be used with UDP/],
    [[...SRC, '--dst', 'web', '--dst-namespace', 'backend', '--ovn-namespace', 'Not_A_Namespace'], /invalid --ovn-namespace: "Not_A_Namespace"/],
    [[...SRC, '--dst', 'web', '--dst-namespace', 'backend', '--dst', 'db'], /invalid --dst: --dst is given twice/],
    [[...SRC, '--dst', 'web', '--dst-namespace', 'backend', '-dst-namespace', 'frontend'], /invalid --dst-namespace: --dst-namespace and -dst-namespace both set it/],
    [[...SRC, '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '99999'], /invalid --dst-port: port 99999 is outside 1-65535/],
    [[...SRC, '--dst', 'Web'], /invalid --dst: "Web" is not a valid pod name/],
    [[...SRC, '--dst', 'nope', '--dst-namespace', 'backend'], /pod backend\/nope not found/],
    [[...SRC, '--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '81'], /invalid --dst-port: service backend\/web has no TCP port 81/],
  ];
  for (const [args, fragment] of cases) tally.refused(await runCliProcess(l!, args), 2, fragment, args.join(' '));
});

test('-D <IPv6> when the source pod has no IPv6 address: exit 2, the same wording as Antrea', async () => {
  const before = (await core.readNamespacedPodStatus({ namespace: 'frontend', name: 'client' })).status!.podIPs!;
  await core.patchNamespacedPodStatus({ namespace: 'frontend', name: 'client', body: { status: { podIPs: [{ ip: '10.244.1.5' }] } } }, mergePatch);
  try {
    tally.refused(await runCliProcess(l!, ['-S', 'frontend/client', '-D', 'fd00::5']), 2, /invalid --src: pod frontend\/client has no IPv6 address \(podIPs: 10\.244\.1\.5\); check --addr-family/, '-D fd00::5 (IPv4-only pod)');
  } finally {
    await core.patchNamespacedPodStatus({ namespace: 'frontend', name: 'client', body: { status: { podIPs: before } } }, mergePatch);
  }
});

test('bad values in pod and node annotations refuse the trace (exit 3) naming object, annotation and value, before any exec', async () => {
  const pod = await core.readNamespacedPod({ namespace: 'frontend', name: 'client' });
  const original = pod.metadata!.annotations!['k8s.ovn.org/pod-networks']!;
  const node = await core.readNode({ name: 'ovn-worker' });
  const originalSubnets = node.metadata!.annotations!['k8s.ovn.org/node-subnets']!;
  const trace = [...SRC, '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080'];
  const podCases: Array<[string, RegExp]> = [
    [original.replace(/"mac_address":"[^"]+"/, '"mac_address":"0a:58:0a:f4:01:05 || 1"'), /pod frontend\/client: annotation k8s\.ovn\.org\/pod-networks \(default\.mac_address\) holds "0a:58:0a:f4:01:05 \|\| 1", which is not a MAC address.*\[INVALID_CLUSTER_DATA\]/],
    ['{"default":{"mac_address":', /annotation k8s\.ovn\.org\/pod-networks holds .* not JSON/],
  ];
  try {
    for (const [value, fragment] of podCases) {
      await core.patchNamespacedPod({ namespace: 'frontend', name: 'client', body: { metadata: { annotations: { 'k8s.ovn.org/pod-networks': value } } } }, mergePatch);
      tally.refused(await runCliProcess(l!, trace), 3, fragment, `pod-networks ${value}`);
    }
  } finally {
    await core.patchNamespacedPod({ namespace: 'frontend', name: 'client', body: { metadata: { annotations: { 'k8s.ovn.org/pod-networks': original } } } }, mergePatch);
  }
  const nodeCases: Array<[Record<string, string>, RegExp]> = [
    [{ 'k8s.ovn.org/node-subnets': '{"default":["10.244.1.0/24,in_port=1"]}' }, /node ovn-worker: annotation k8s\.ovn\.org\/node-subnets holds .* not an IP prefix/],
    [{ 'k8s.ovn.org/zone-name': 'zone "a"' }, /node ovn-worker: annotation k8s\.ovn\.org\/zone-name holds "zone \\"a\\""/],
  ];
  const originalZone = node.metadata!.annotations!['k8s.ovn.org/zone-name'];
  try {
    for (const [annotations, fragment] of nodeCases) {
      await core.patchNode({ name: 'ovn-worker', body: { metadata: { annotations } } }, mergePatch);
      tally.refused(await runCliProcess(l!, trace), 3, fragment, JSON.stringify(annotations));
      await core.patchNode({ name: 'ovn-worker', body: { metadata: { annotations: { 'k8s.ovn.org/node-subnets': originalSubnets, 'k8s.ovn.org/zone-name': originalZone ?? null } } } }, mergePatch);
    }
  } finally {
    await core.patchNode({ name: 'ovn-worker', body: { metadata: { annotations: { 'k8s.ovn.org/node-subnets': originalSubnets, 'k8s.ovn.org/zone-name': originalZone ?? null } } } }, mergePatch);
  }
  // Restored: the same trace runs again.
  const ok = await runCliProcess(l!, [...trace, '--skip-detrace']);
  assert.ok(ok.code === 0 || ok.code === 1, ok.stderr);
});

test.run();
