import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import {
  KUBE_API_CONFIG_FILE,
  KUBE_API_ENDPOINT_FILE,
  KUBE_API_URL_FILE,
  launchKubeApi,
  waitForEndpointFile,
  type KubeApiLaunchConfig,
  type LaunchedKubeApi,
} from '../../../lab/kube-api/lab-kube-api.js';
import { buildClusterObjects } from '../../../lab/kube-api/scenario-objects.js';
import { loadScenarioFile } from '../../../lab/scenario/scenario-loader.js';
import { repoRoot } from '../../helpers/paths.js';

const serveJs = fileURLToPath(new URL('../../../lab/kube-api/serve.js', import.meta.url));
const scenario = loadScenarioFile(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
const config: KubeApiLaunchConfig = {
  objects: buildClusterObjects(scenario),
  exec: { 'ovn-kubernetes/ovnkube-node-ovn-worker': { wrap: ['env', 'FROM_MAP=1'], env: { NODE_VAR: 'ovn-worker' } } },
  restrictedUserDenies: scenario.restrictedUserDenies,
};

let dir = '';
let child: ChildProcess | undefined;
let inProcess: LaunchedKubeApi | undefined;

async function execOut(kc: KubeConfig, pod: string, command: string[]): Promise<{ out: string; status?: V1Status }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    new Exec(kc)
      .exec('ovn-kubernetes', pod, 'ovnkube-controller', command, stdout, null, null, false, (status) => setImmediate(() => resolve({ out, status })))
      .then((ws) => ws.on('close', () => setTimeout(() => resolve({ out }), 50)))
      .catch(reject);
  });
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cni-trace-kube-api-serve-'));
});

test.after(async () => {
  if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
  await inProcess?.server.stop();
  await rm(dir, { recursive: true, force: true });
});

test('the daemon serves the configured objects and exec map, and cleans up on SIGTERM', async () => {
  await writeFile(join(dir, KUBE_API_CONFIG_FILE), JSON.stringify(config));
  child = spawn(process.execPath, [serveJs, '--state', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
  const endpoint = await waitForEndpointFile(dir, child.pid!, 20_000).catch((err) => {
    throw new Error(`${(err as Error).message}: ${stderr}`);
  });
  assert.match(endpoint.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.is((await readFile(join(dir, KUBE_API_URL_FILE), 'utf8')).trim(), endpoint.url);
  assert.equal(Object.keys(endpoint.kubeconfigs).sort(), ['admin', 'restricted']);

  const kc = new KubeConfig();
  kc.loadFromFile(endpoint.kubeconfigs.admin!);
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'ovn-kubernetes', labelSelector: 'app=ovnkube-node' });
  assert.equal(pods.items.map((p) => p.spec?.nodeName), ['ovn-worker', 'ovn-worker2']);

  const viaMap = await execOut(kc, 'ovnkube-node-ovn-worker', ['sh', '-c', 'echo "$FROM_MAP $NODE_VAR"']);
  assert.is(viaMap.out, '1 ovn-worker\n');
  assert.is(viaMap.status?.status, 'Success');
  const unmapped = await execOut(kc, 'ovnkube-node-ovn-worker2', ['true']);
  assert.match(unmapped.status?.message ?? '', /has no runtime in the lab/);

  child.kill('SIGTERM');
  assert.is(await exited, 0);
  assert.not.ok(existsSync(join(dir, KUBE_API_ENDPOINT_FILE)), 'endpoint file removed');
  assert.not.ok(existsSync(join(dir, KUBE_API_URL_FILE)), 'url file removed');
});

test('waitForEndpointFile fails fast when the daemon dies', async () => {
  await writeFile(join(dir, 'broken.json'), '{"objects": 3}');
  const bad = spawn(process.execPath, [serveJs, '--state', dir, '--config', join(dir, 'broken.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  bad.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => bad.on('exit', (c) => r(c)));
  assert.is(code, 1);
  assert.match(stderr, /expected a JSON object with an "objects" array/);
  try {
    await waitForEndpointFile(dir, bad.pid!, 2000);
    assert.unreachable('should fail');
  } catch (err) {
    assert.match((err as Error).message, /exited before it was ready/);
  }
});

test('plain HTTP mode: kubeconfig skips TLS verification and REST + exec work', async () => {
  const sub = join(dir, 'http');
  inProcess = await launchKubeApi({ ...config, tls: false }, sub, { execResolver: (t) => ({ argv: t.command }) });
  assert.match(inProcess.endpoint.url, /^http:\/\//);
  assert.is(inProcess.endpoint.caData, undefined);
  const text = await readFile(inProcess.kubeconfigs.admin!, 'utf8');
  assert.match(text, /insecure-skip-tls-verify: true/);
  const kc = new KubeConfig();
  kc.loadFromFile(inProcess.kubeconfigs.admin!);
  const ns = await kc.makeApiClient(CoreV1Api).listNamespace();
  assert.ok(ns.items.some((n) => n.metadata?.name === 'ovn-kubernetes'));
  const r = await execOut(kc, 'ovnkube-node-ovn-worker2', ['echo', 'over-ws']);
  assert.is(r.out, 'over-ws\n');
  await inProcess.server.stop();
  inProcess = undefined;
});

test.run();
