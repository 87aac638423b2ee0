/**
 * Issue 13 §5: the RBAC files shipped in deploy/rbac/ are enough and each rule is needed. For each
 * way of use the YAML is applied to the lab's API server with the real kubectl, a lab user is bound
 * to exactly those rules (the lab evaluates Roles, ClusterRoles and bindings as Kubernetes does;
 * the test acts as the user through impersonation, a kubeconfig `as:`), `kubectl auth can-i --as`
 * is asked what the user may do, and every trace kind runs through the real CLI. Then each rule is
 * removed in turn: the first trace kind that needs it exits 3 with a message naming the verb and
 * resource (or, for the rules the drivers treat as optional, prints a warning naming them and
 * keeps its verdict), and the rule is put back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import type { Lab } from '../../lab/lab.js';
import { runCliProcess, type CliProcessRun } from '../helpers/cli-process.js';
import { startLab, stopLab } from '../helpers/lab-fixture.js';
import { repoRoot } from '../helpers/paths.js';

/** One trace kind: CLI arguments and the exit code it has with every rule in place. */
interface TraceKind {
  name: string;
  args: string[];
  code: number;
}

interface RbacDoc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: V1PolicyRule[];
}

let tmp: string | undefined;

/** The YAML documents of a deploy/rbac file. */
function rbacDocs(file: string): RbacDoc[] {
  return parseAllDocuments(readFileSync(join(repoRoot, 'deploy', 'rbac', file), 'utf8')).map((d) => d.toJS() as RbacDoc);
}

/** A copy of the admin kubeconfig that impersonates `user` (kubeconfig `as:`). */
function kubeconfigAs(adminKubeconfig: string, user: string): string {
  const kc = parse(readFileSync(adminKubeconfig, 'utf8')) as { users: Array<{ user: Record<string, unknown> }> };
  for (const u of kc.users) u.user.as = user;
  const path = join(tmp!, `kubeconfig-as-${user}`);
  writeFileSync(path, stringify(kc));
  return path;
}

async function kubectl(kubeconfig: string, args: string[]): Promise<CliProcessRun> {
  return runCliProcess(['--kubeconfig', kubeconfig, ...args], { command: ['/usr/bin/kubectl'], timeoutMs: 30_000 });
}

async function canI(adminKubeconfig: string, user: string, args: string[]): Promise<boolean> {
  const r = await kubectl(adminKubeconfig, ['auth', 'can-i', `--as=${user}`, ...args]);
  assert.ok(r.stdout.trim() === 'yes' || r.stdout.trim() === 'no', `kubectl auth can-i ${args.join(' ')}: ${r.stdout} ${r.stderr}`);
  return r.stdout.trim() === 'yes';
}

async function trace(kubeconfig: string, kind: TraceKind): Promise<CliProcessRun> {
  return runCliProcess([...kind.args, '--kubeconfig', kubeconfig], { timeoutMs: 90_000 });
}

/** The message a refused rule must produce: "cannot <one of its verbs> <its resource>". */
function refusal(rule: V1PolicyRule): RegExp {
  const resource = rule.resources![0]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`cannot (${rule.verbs.join('|')}) ${resource}`);
}

/** Replaces the rules of a (Cluster)Role in the lab. */
async function setRules(api: RbacAuthorizationV1Api, doc: RbacDoc, rules: V1PolicyRule[]): Promise<void> {
  if (doc.kind === 'ClusterRole') {
    const cur = await api.readClusterRole({ name: doc.metadata.name });
    await api.replaceClusterRole({ name: doc.metadata.name, body: { ...cur, rules } });
  } else {
    const ns = doc.metadata.namespace!;
    const cur = await api.readNamespacedRole({ name: doc.metadata.name, namespace: ns });
    await api.replaceNamespacedRole({ name: doc.metadata.name, namespace: ns, body: { ...cur, rules } });
  }
}

/**
 * Every trace kind with every rule: the expected exit codes, and no warning about a permission.
 */
async function assertAllKindsRun(kubeconfig: string, kinds: TraceKind[]): Promise<void> {
  for (const kind of kinds) {
    const r = await trace(kubeconfig, kind);
    assert.is(r.code, kind.code, `${kind.name}: exit ${r.code}\n${r.stderr}`);
    // Warnings go to stdout in text mode (with the trace), to stderr otherwise.
    assert.not.match(r.stderr + r.stdout, /permission denied|forbidden/i, `${kind.name}: no permission problem\n${r.stderr}${r.stdout}`);
  }
}

/**
 * Removes each rule of each role in `docs` in turn and checks that the first trace kind that needs
 * it fails with exit 3 naming the verb and resource (optional rules: a warning naming them).
 */
async function assertEachRuleNeeded(adminKubeconfig: string, userKubeconfig: string, docs: RbacDoc[], kinds: TraceKind[], optional: (doc: RbacDoc, rule: V1PolicyRule) => boolean): Promise<number> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const api = kc.makeApiClient(RbacAuthorizationV1Api);
  let checked = 0;
  for (const doc of docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')) {
    for (const [i, rule] of doc.rules!.entries()) {
      const label = `${doc.kind} ${doc.metadata.name} rule ${rule.verbs.join(',')} ${rule.resources!.join(',')}`;
      await setRules(api, doc, doc.rules!.filter((_, j) => j !== i));
      try {
        const want = refusal(rule);
        let hit: { kind: TraceKind; run: CliProcessRun } | undefined;
        for (const kind of kinds) {
          const run = await trace(userKubeconfig, kind);
          if (run.code !== kind.code || want.test(run.stderr + run.stdout)) {
            hit = { kind, run };
            break;
          }
        }
        assert.ok(hit, `${label}: some trace kind needs it`);
        const printed = hit.run.stderr + hit.run.stdout;
        if (optional(doc, rule)) {
          assert.is(hit.run.code, hit.kind.code, `${label} is optional: ${hit.kind.name} keeps its exit code\n${printed}`);
          assert.match(printed, new RegExp(`(warning|could not|cannot|skipped)[^\n]*${want.source}`, 'i'), `${label}: a warning naming it\n${printed}`);
        } else {
          assert.is(hit.run.code, 3, `${label}: ${hit.kind.name} exits 3\n${printed}`);
          assert.match(hit.run.stderr, want, `${label}: the error names the verb and resource\n${hit.run.stderr}`);
        }
        checked++;
      } finally {
        await setRules(api, doc, doc.rules!);
      }
    }
  }
  return checked;
}

test.before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cni-trace-rbac-'));
});

test.after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const OVN_KINDS: TraceKind[] = [
  // Ordered so that the kind needing a rule comes early (each removal stops at the first kind hit).
  { name: 'missing pod (named, exit 2)', args: ['--src', 'nosuch', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080'], code: 2 },
  { name: 'pod -> pod dropped by default deny', args: ['--src', 'client', '--src-namespace', 'frontend', '--dst', 'db', '--dst-namespace', 'backend', '--tcp', '--dst-port', '5432'], code: 1 },
  { name: 'pod -> Service', args: ['--src', 'client', '--src-namespace', 'frontend', '--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80'], code: 0 },
  { name: 'pod -> pod', args: ['--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080'], code: 0 },
  { name: 'pod -> IP', args: ['--src', 'client', '--src-namespace', 'frontend', '--dst-ip', '8.8.8.8', '--udp', '--dst-port', '53'], code: 0 },
];

test('OVN-Kubernetes: deploy/rbac/ovn-kubernetes.yaml is enough for every trace kind, and every rule is needed', async () => {
  let lab: Lab | undefined;
  try {
    lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
    const admin = lab.kubeconfigPath!;
    const applied = await kubectl(admin, ['apply', '--validate=false', '-f', join(repoRoot, 'deploy', 'rbac', 'ovn-kubernetes.yaml')]);
    assert.is(applied.code, 0, applied.stderr);
    const user = 'cni-trace-user';
    // What Kubernetes' own client says the user may do (SelfSubjectAccessReview as the user).
    assert.ok(await canI(admin, user, ['list', 'pods', '--all-namespaces']));
    // (`pods/exec` as an argument would be TYPE/NAME: the subresource is its own flag.)
    assert.ok(await canI(admin, user, ['create', 'pods', '--subresource=exec', '-n', 'ovn-kubernetes']));
    assert.ok(await canI(admin, user, ['get', 'pods', '--subresource=exec', '-n', 'ovn-kubernetes']));
    assert.not.ok(await canI(admin, user, ['create', 'pods', '--subresource=exec', '-n', 'frontend']), 'exec only in the OVN namespace');
    assert.not.ok(await canI(admin, user, ['delete', 'pods', '-n', 'ovn-kubernetes']));
    assert.not.ok(await canI(admin, user, ['list', 'secrets', '-n', 'ovn-kubernetes']));
    assert.not.ok(await canI(admin, 'someone-else', ['list', 'pods', '--all-namespaces']), 'nothing for an unbound user');

    const asUser = kubeconfigAs(admin, user);
    await assertAllKindsRun(asUser, OVN_KINDS);
    const unbound = await trace(kubeconfigAs(admin, 'someone-else'), OVN_KINDS[1]!);
    assert.is(unbound.code, 3, unbound.stderr);
    // Naming the isolating NetworkPolicies is best effort in the driver: a warning, same verdict.
    const checked = await assertEachRuleNeeded(admin, asUser, rbacDocs('ovn-kubernetes.yaml'), OVN_KINDS, (_doc, rule) => rule.resources!.includes('networkpolicies'));
    assert.is(checked, 7, 'six ClusterRole rules and the exec Role');
  } finally {
    await stopLab(lab);
  }
});

const ANTREA_KINDS: TraceKind[] = [
  { name: 'antctl -D naming neither pod nor Service (exit 2)', args: ['-S', 'frontend/client', '-D', 'backend/nosuch', '-f', 'tcp,tcp_dst=80'], code: 2 },
  { name: 'pod -> pod, default-rule drop', args: ['-S', 'frontend/client', '-D', 'backend/web', '-f', 'tcp,tcp_dst=80'], code: 1 },
  { name: 'pod -> pod with OVS flow detail', args: ['-S', 'frontend/client', '-D', 'backend/web', '-f', 'tcp,tcp_dst=8080', '--loglevel', '2'], code: 0 },
  { name: 'pod -> pod', args: ['-S', 'frontend/client', '-D', 'backend/web', '-f', 'tcp,tcp_dst=8080'], code: 0 },
  { name: 'pod -> Service', args: ['--src', 'client', '--src-namespace', 'frontend', '--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80'], code: 0 },
  { name: 'pod -> Service, every backend', args: ['--src', 'client', '--src-namespace', 'frontend', '--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80', '--all-backends'], code: 0 },
  { name: 'live traffic, dropped only', args: ['-S', 'frontend/client', '-D', 'backend/db', '-L', '--dropped-only', '-f', 'tcp,tcp_dst=5432', '-t', '30'], code: 1 },
];

test('Antrea: deploy/rbac/antrea.yaml and traceflow-viewer.yaml are enough, and every rule is needed', async () => {
  let lab: Lab | undefined;
  try {
    lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'antrea.yaml'));
    const admin = lab.kubeconfigPath!;
    for (const file of ['antrea.yaml', 'traceflow-viewer.yaml']) {
      const applied = await kubectl(admin, ['apply', '--validate=false', '-f', join(repoRoot, 'deploy', 'rbac', file)]);
      assert.is(applied.code, 0, applied.stderr);
    }
    const user = 'cni-trace-user';
    const viewer = 'cni-trace-viewer';
    assert.ok(await canI(admin, user, ['create', 'traceflows.crd.antrea.io']));
    assert.ok(await canI(admin, user, ['delete', 'traceflows.crd.antrea.io']));
    assert.ok(await canI(admin, user, ['create', 'pods', '--subresource=exec', '-n', 'kube-system']));
    assert.not.ok(await canI(admin, user, ['create', 'pods', '--subresource=exec', '-n', 'backend']));
    assert.ok(await canI(admin, viewer, ['get', 'traceflows.crd.antrea.io']));
    assert.ok(await canI(admin, viewer, ['list', 'traceflows.crd.antrea.io']));
    assert.not.ok(await canI(admin, viewer, ['create', 'traceflows.crd.antrea.io']), 'the viewer creates nothing');
    assert.not.ok(await canI(admin, viewer, ['delete', 'traceflows.crd.antrea.io']));

    const asUser = kubeconfigAs(admin, user);
    await assertAllKindsRun(asUser, ANTREA_KINDS);
    const optional = (doc: RbacDoc, rule: V1PolicyRule) => doc.kind === 'Role' || rule.resources!.includes('networkpolicies');
    const checked = await assertEachRuleNeeded(admin, asUser, rbacDocs('antrea.yaml'), ANTREA_KINDS, optional);
    assert.is(checked, 6, 'five ClusterRole rules and the OVS-detail Role');

    // The read-only viewer renders a Traceflow that the tracing user kept.
    const kept = await trace(asUser, { name: 'kept', args: ['-S', 'frontend/client', '-D', 'backend/web', '-f', 'tcp,tcp_dst=8080', '--keep', '-o', 'json'], code: 0 });
    assert.is(kept.code, 0, kept.stderr);
    const name = (JSON.parse(kept.stdout) as { legs: Array<{ observations: unknown }>; native?: { object?: { metadata?: { name?: string } } } }).native?.object?.metadata?.name;
    assert.ok(name, 'the kept Traceflow is named in the result');
    const asViewer = kubeconfigAs(admin, viewer);
    const viewKinds: TraceKind[] = [{ name: '--traceflow NAME', args: ['--traceflow', name!, '-o', 'json'], code: 0 }];
    await assertAllKindsRun(asViewer, viewKinds);
    const viewed = await trace(asViewer, viewKinds[0]!);
    assert.is((JSON.parse(viewed.stdout) as { verdict: string }).verdict, 'delivered');
    const viewerChecked = await assertEachRuleNeeded(admin, asViewer, rbacDocs('traceflow-viewer.yaml'), viewKinds, () => false);
    assert.is(viewerChecked, 1);

    // One verb of a rule: without `delete` the trace still answers, but the Traceflow it made
    // stays in the cluster — exit 3, naming the verb and resource, never a quiet success.
    const doc = rbacDocs('antrea.yaml').find((d) => d.kind === 'ClusterRole')!;
    const kc = new KubeConfig();
    kc.loadFromFile(admin);
    const api = kc.makeApiClient(RbacAuthorizationV1Api);
    await setRules(api, doc, doc.rules!.map((r) => (r.resources!.includes('traceflows') ? { ...r, verbs: r.verbs.filter((v) => v !== 'delete') } : r)));
    try {
      const noDelete = await trace(asUser, ANTREA_KINDS[3]!);
      assert.is(noDelete.code, 3, noDelete.stderr);
      assert.match(noDelete.stderr, /cannot delete traceflows/);
      assert.match(noDelete.stderr, /CLEANUP_FAILED/);
    } finally {
      await setRules(api, doc, doc.rules!);
    }
  } finally {
    await stopLab(lab);
  }
});

test.run();
