// Lab lifecycle edge cases: refusing bad scenarios before anything starts, cleaning up after a
// failed start, central mode, and the `lab` CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { execa } from 'execa';
import { Lab } from '../../lab/lab.js';
import { runLabCli } from '../../lab/lab-cli.js';
import { readLabState } from '../../lab/lab-state.js';
import { isProcessAlive, type ManagedProcess } from '../../lab/process/process-control.js';
import type { Scenario } from '../../lab/scenario/scenario-types.js';
import { repoRoot } from '../helpers/paths.js';

const scenarioPath = join(repoRoot, 'lab', 'scenarios', 'default.yaml');
const base = (): Scenario => parse(readFileSync(scenarioPath, 'utf8')) as Scenario;
const dirs: string[] = [];
const seen: ManagedProcess[] = [];
const newStateDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cni-lab-lc-'));
  dirs.push(d);
  return d;
};
const remember = (stateDir: string): void => {
  const st = readLabState(stateDir);
  if (st) seen.push(...st.processes);
};

test.after(async () => {
  for (const d of dirs) {
    if (readLabState(d)) await Lab.down(d).catch(() => {});
    rmSync(d, { recursive: true, force: true });
  }
  for (const p of seen) if (isProcessAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
});

test('a bad scenario fails before anything starts, naming the entry', async () => {
  const stateDir = join(newStateDir(), 'never');
  const s = base();
  s.pods[3]!.node = 'ghost';
  try {
    await Lab.up(s, { stateDir, apiServer: 'none' });
    assert.unreachable('bad scenario accepted');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'LAB_BAD_SCENARIO');
    assert.match((err as Error).message, /pods\[3\] "backend\/db": node "ghost" is not defined/);
  }
  assert.not.ok(existsSync(stateDir), 'no state directory was created');
});

test('Ctrl-C during up stops everything that was started', async () => {
  const stateDir = newStateDir();
  let interrupted = false;
  const log = (m: string): void => {
    remember(stateDir);
    // Interrupt as soon as the first daemons are being started.
    if (!interrupted && /starting OVN/.test(m)) {
      interrupted = true;
      process.kill(process.pid, 'SIGINT');
    }
  };
  try {
    await Lab.up(scenarioPath, { stateDir, apiServer: 'none', log });
    assert.unreachable('up survived SIGINT');
  } catch (err) {
    assert.match((err as Error).message, /interrupted by SIGINT/);
  }
  assert.ok(seen.length >= 1, `processes were started before the interrupt (${seen.length})`);
  for (const p of seen) assert.not.ok(isProcessAlive(p.pid), `${p.name} pid ${p.pid} survived the interrupt`);
  assert.is(readLabState(stateDir), undefined);
  assert.is(process.listenerCount('SIGINT'), 0, 'signal handlers removed');
  // The state dir is free again.
  const lab = await Lab.up(scenarioPath, { stateDir, apiServer: 'none' });
  seen.push(...lab.processes);
  await lab.down();
});

test('central mode: one NB/SB for all nodes, cross-node trace reaches the pod directly', async () => {
  const s = base();
  s.name = 'central';
  s.ovn = { mode: 'central' };
  const stateDir = newStateDir();
  const lab = await Lab.up(s, { stateDir, apiServer: 'none' });
  seen.push(...lab.processes);
  try {
    assert.is(lab.zones.length, 1);
    // Central NB, SB, northd; per node ovsdb-server, ovs-vswitchd, ovn-controller and its view holder.
    assert.is(lab.processes.length, 3 + 2 * 4);
    const w1 = lab.node('ovn-worker');
    const out = (
      await execa('ovn-trace', [
        '--db',
        `unix:${w1.sbSocket}`,
        'ovn-worker',
        'inport=="frontend_client" && eth.src==0a:58:0a:f4:01:05 && eth.dst==0a:58:0a:f4:01:01 && ip4.src==10.244.1.5 && ip4.dst==10.244.2.7 && ip.ttl==64 && tcp.dst==8080 && tcp.src==52888',
      ])
    ).stdout;
    assert.match(out, /output to "frontend_api", type ""/);
    // Both nodes' views show the same central databases under the usual names.
    const cmd = lab.nodeExec('ovn-worker2', ['ovn-nbctl', '--db', 'unix:/var/run/ovn/ovnnb_db.sock', '--bare', '--columns=name', 'list', 'Logical_Switch']);
    const r = await execa(cmd.argv[0]!, cmd.argv.slice(1), { env: cmd.env });
    // Shared gateway mode: the node switches, one join switch and each node's external switch.
    assert.equal(r.stdout.split('\n').filter(Boolean).sort(), ['ext_ovn-worker', 'ext_ovn-worker2', 'join', 'ovn-worker', 'ovn-worker2']);
  } finally {
    await lab.down();
  }
  for (const p of lab.processes) assert.not.ok(isProcessAlive(p.pid));
});

test('lab CLI: up (API server daemon), status, down; --no-api', async () => {
  const stateDir = newStateDir();
  let out = '';
  let err = '';
  const o = (s: string): void => void (out += s);
  const e = (s: string): void => void (err += s);
  assert.is(await runLabCli(['up', scenarioPath, '--state-dir', stateDir], o, e), 0, err);
  remember(stateDir);
  assert.match(out, /Lab "default" is up \(interconnect, 2 nodes\)/);
  assert.match(out, new RegExp(`kubeconfig: ${stateDir}/kubeconfig `));
  assert.match(out, /ovn-trace --db unix:\S+ovnsb_db\.sock ovn-worker/);
  const api = seen.find((p) => p.name === 'kube-api-server')!;
  assert.ok(api && isProcessAlive(api.pid), 'API server daemon runs after up returned');
  const kc = parse(readFileSync(join(stateDir, 'kubeconfig'), 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  assert.match(kc.clusters[0]!.cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  out = '';
  assert.is(await runLabCli(['status', '--state-dir', stateDir], o, e), 0);
  assert.match(out, /processes: 15\/15 running/);
  out = '';
  err = '';
  assert.is(await runLabCli(['up', scenarioPath, '--state-dir', stateDir], o, e), 1);
  assert.match(err, /already running.*\[LAB_ALREADY_RUNNING\]/s);
  assert.is(await runLabCli(['down', '--state-dir', stateDir], o, e), 0);
  assert.match(out, /stopped \(15 processes\)/);
  for (const p of seen) assert.not.ok(isProcessAlive(p.pid), `${p.name} still runs`);
  assert.not.ok(existsSync(join(stateDir, 'kubeconfig')), 'kubeconfig removed with the lab');
  err = '';
  assert.is(await runLabCli(['down', '--state-dir', stateDir], o, e), 1);
  assert.match(err, /LAB_NOT_FOUND/);
  assert.is(await runLabCli(['up', '--bogus'], o, e), 2);
  out = '';
  assert.is(await runLabCli(['up', scenarioPath, '--state-dir', stateDir, '--no-api'], o, e), 0, err);
  remember(stateDir);
  assert.match(out, /no Kubernetes API/);
  assert.is(await runLabCli(['down', '--state-dir', stateDir], o, e), 0);
});

test.run();
