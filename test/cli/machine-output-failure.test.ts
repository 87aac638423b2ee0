/**
 * Issue 13 §4: with `-o json|yaml|junit` every failure of the real CLI (bin/cni-trace.js) prints an
 * error document on stdout — bad usage (exit 2), a runtime failure (exit 3: unreachable cluster,
 * missing permission on the lab's emulated API) and an interrupt (130) — parsed back with real
 * parsers (JSON.parse, the yaml package, xml2js). A successful trace still prints its result.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { parseStringPromise } from 'xml2js';
import type { Lab } from '../../lab/lab.js';
import { runCliProcess, type CliProcessRun } from '../helpers/cli-process.js';
import { startLab, stopLab } from '../helpers/lab-fixture.js';
import { repoRoot } from '../helpers/paths.js';

const FORMATS = ['json', 'yaml', 'junit'] as const;
type Format = (typeof FORMATS)[number];

let lab: Lab | undefined;
let tmp: string | undefined;

test.before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cni-trace-machine-failure-'));
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
});

test.after(async () => {
  await stopLab(lab);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface ErrorDoc {
  apiVersion: string;
  kind: string;
  code: string;
  message: string;
  exitCode: number;
  partialResult?: { cni?: string; legs: unknown[]; source?: { ip?: string } };
}

/** The error document of a run, parsed with the real parser of its format. */
async function errorDocument(run: CliProcessRun, format: Format): Promise<ErrorDoc> {
  assert.ok(run.stdout.trim() !== '', `an error document on stdout (stderr: ${run.stderr})`);
  if (format === 'json') return JSON.parse(run.stdout) as ErrorDoc;
  if (format === 'yaml') return parseYaml(run.stdout) as ErrorDoc;
  const xml = (await parseStringPromise(run.stdout)) as {
    testsuites: { $: Record<string, string>; testsuite: Array<{ $: Record<string, string>; properties: Array<{ property: Array<{ $: { name: string; value: string } }> }>; testcase: Array<{ error?: Array<{ $: { message: string; type: string } }> }> }> };
  };
  const suites = xml.testsuites.testsuite;
  assert.is(suites.length, 1);
  assert.is(xml.testsuites.$.errors, '1');
  const suite = suites[0]!;
  assert.is(suite.$.tests, '1');
  assert.is(suite.$.errors, '1');
  const error = suite.testcase[0]!.error?.[0];
  assert.ok(error, 'the test case is an <error>');
  const props = Object.fromEntries(suite.properties[0]!.property.map((p) => [p.$.name, p.$.value]));
  assert.is(props.code, error.$.type);
  return { apiVersion: 'cni-trace.dev/v1alpha1', kind: 'TraceError', code: error.$.type, message: error.$.message, exitCode: Number(props.exitCode) };
}

function assertEnvelope(doc: ErrorDoc, code: string, exitCode: number, message: RegExp): void {
  assert.is(doc.apiVersion, 'cni-trace.dev/v1alpha1');
  assert.is(doc.kind, 'TraceError');
  assert.is(doc.code, code);
  assert.is(doc.exitCode, exitCode);
  assert.match(doc.message, message);
}

test('bad usage (exit 2): the error document names the argument, in every machine format', async () => {
  for (const format of FORMATS) {
    const r = await runCliProcess(['-src', 'a', '-tcp', '-dst', 'b', '-dst-port', '99999', '-o', format], { env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
    assert.is(r.code, 2, r.stderr);
    assertEnvelope(await errorDocument(r, format), 'INVALID_ARGUMENT', 2, /--dst-port.*99999/);
    assert.match(r.stderr, /--dst-port/, 'the human message stays on stderr');
  }
  // The format is known even when the bad flag comes first, and with `--output=` spelling.
  const r = await runCliProcess(['--nope', '--output=json'], { env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
  assert.is(r.code, 2);
  assertEnvelope(await errorDocument(r, 'json'), 'INVALID_ARGUMENT', 2, /--nope/);
});

test('unreachable cluster (exit 3): CLUSTER_ERROR document', async () => {
  const kubeconfig = join(tmp!, 'unreachable.yaml');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\n' +
      'users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
  );
  for (const format of FORMATS) {
    const r = await runCliProcess(['--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080', '--kubeconfig', kubeconfig, '-o', format]);
    assert.is(r.code, 3, r.stderr);
    assertEnvelope(await errorDocument(r, format), 'CLUSTER_ERROR', 3, /cannot reach the Kubernetes API server/);
  }
});

test('missing permission on the lab (exit 3): FORBIDDEN document naming verb and resource', async () => {
  for (const format of FORMATS) {
    const r = await runCliProcess(['--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080', '--kubeconfig', lab!.restrictedKubeconfigPath!, '-o', format]);
    assert.is(r.code, 3, r.stderr);
    const doc = await errorDocument(r, format);
    assertEnvelope(doc, 'FORBIDDEN', 3, /create pods\/exec/);
  }
});

test('interrupted (130): INTERRUPTED document with what the trace had learnt', async () => {
  for (const format of FORMATS) {
    const r = await runCliProcess(['--src', 'client', '--src-namespace', 'frontend', '--dst', 'db', '--dst-namespace', 'backend', '--tcp', '--dst-port', '5432', '--loglevel', '5', '--kubeconfig', lab!.kubeconfigPath!, '-o', format], {
      // Once discovery is done the driver is known and the endpoints are resolved: interrupt then.
      signal: 'SIGINT',
      signalWhen: /discovery done/,
    });
    assert.is(r.code, 130, r.stderr);
    const doc = await errorDocument(r, format);
    assertEnvelope(doc, 'INTERRUPTED', 130, /^interrupted/);
    if (format !== 'junit') {
      assert.is(doc.partialResult?.cni, 'ovn-kubernetes', 'the partial result names the driver');
      assert.is(doc.partialResult?.source?.ip, '10.244.1.5', 'and the resolved source');
    }
  }
});

test('a successful trace still prints the result, not an error document', async () => {
  const r = await runCliProcess(['--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080', '--kubeconfig', lab!.kubeconfigPath!, '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { verdict: string; kind?: string };
  assert.is(result.verdict, 'delivered');
  assert.is(result.kind, undefined);
});

test.run();
