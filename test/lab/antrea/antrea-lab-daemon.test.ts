// The Antrea lab with the API server as a daemon (what `npm run lab -- up lab/scenarios/antrea.yaml`
// starts): the Traceflow controller and webhook run inside the daemon, and `Lab.down` from the
// state directory stops the daemon and every OVS process by pid.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Lab } from '../../../lab/lab.js';
import { isProcessAlive, type ManagedProcess } from '../../../lab/process/process-control.js';
import { readLabState } from '../../../lab/lab-state.js';
import { repoRoot } from '../../helpers/paths.js';

const stateDir = mkdtempSync(join(tmpdir(), 'cni-antrea-daemon-'));
let recorded: ManagedProcess[] = [];

test.after(async () => {
  try {
    if (readLabState(stateDir)) await Lab.down(stateDir);
  } finally {
    for (const p of recorded) if (isProcessAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('daemon API server: webhook and controller run in the daemon; down leaves no process', async () => {
  const lab = await Lab.up(join(repoRoot, 'lab', 'scenarios', 'antrea.yaml'), { stateDir, apiServer: 'daemon', handleSignals: false });
  recorded = readLabState(stateDir)!.processes;
  assert.ok(recorded.some((p) => p.name === 'kube-api-server'));
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(lab.kubeconfigPath!);
  const co = kc.makeApiClient(k8s.CustomObjectsApi);
  const GVP = { group: 'crd.antrea.io', version: 'v1beta1', plural: 'traceflows' };
  const body = (name: string, spec: object) => ({ apiVersion: 'crd.antrea.io/v1beta1', kind: 'Traceflow', metadata: { name }, spec });
  try {
    await co.createClusterCustomObject({ ...GVP, body: body('x', { destination: { namespace: 'frontend', pod: 'api' } }) });
    assert.unreachable('the webhook let a Traceflow without source through');
  } catch (err) {
    assert.match(String((err as k8s.ApiException<string>).body), /traceflowvalidator\.antrea\.io.*source Pod must be specified/);
  }
  await co.createClusterCustomObject({ ...GVP, body: body('daemon-inter', { source: { namespace: 'frontend', pod: 'client' }, destination: { namespace: 'frontend', pod: 'api' } }) });
  let status: any = {};
  for (let i = 0; i < 50 && status.phase !== 'Succeeded'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = ((await co.getClusterCustomObject({ ...GVP, name: 'daemon-inter' })) as any).status ?? {};
  }
  assert.is(status.phase, 'Succeeded');
  assert.is(status.results[0].observations.at(-1).tunnelDstIP, '172.18.0.3');
  const { stopped } = await Lab.down(stateDir);
  assert.is(stopped, 5);
  assert.ok(recorded.every((p) => !isProcessAlive(p.pid)));
});

test.run();
