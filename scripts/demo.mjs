#!/usr/bin/env node
// `npm run demo`: sets itself up (npm deps, build, the Debian OVS/OVN packages when root), brings
// up the default lab (2 nodes, real OVN/OVS, emulated Kubernetes API), runs the real cni-trace
// CLI for four traces, and tears the lab down again, even on failure or Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function step(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) step('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
if (!existsSync(join(root, 'dist', 'cli', 'bin-main.js')) || process.env.CNI_TRACE_DEMO_REBUILD !== '0') {
  step(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], 'build');
}
{
  const r = spawnSync('bash', [join(root, 'scripts', 'ensure-system-deps.sh')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('demo: the lab needs Open vSwitch and OVN (Debian packages openvswitch-switch ovn-central ovn-host ovn-common python3-openvswitch); run the demo as root to install them.');
    process.exit(1);
  }
}

const { Lab } = await import(join(root, 'dist', 'lab', 'lab.js'));
const stateDir = mkdtempSync(join(tmpdir(), 'cni-trace-demo-'));
let lab;
let exitCode = 0;
let stopping;
/** Stops the lab once; every caller (signal, EPIPE, normal end) waits for the same shutdown. */
const stop = () =>
  (stopping ??= (async () => {
    if (lab) {
      try {
        process.stdout.write('\n$ lab down\n');
      } catch {
        // stdout may be gone (EPIPE): the lab must still stop.
      }
      await lab.down();
    }
    rmSync(stateDir, { recursive: true, force: true });
  })());
// Ctrl-C, a closed terminal, kill, or a reader that went away (`npm run demo | head`) must not
// leave the lab's daemons running. While the lab comes up, Lab.up handles signals itself (it
// stops what it started and throws); afterwards these handlers stop it.
const onSignal = (sig) => {
  console.error(`\ndemo: ${sig}, stopping the lab`);
  stop().finally(() => process.exit(130));
};
let outputGone = false;
process.stdout.on('error', (err) => {
  // Nobody reads any more: skip the remaining traces; the finally block below stops the lab.
  if (err.code === 'EPIPE') outputGone = true;
  else throw err;
});

function trace(title, args) {
  if (outputGone) return Promise.resolve(-1);
  console.log(`\n### ${title}\n$ cni-trace ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'cni-trace.js'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: lab.kubeconfigPath },
    });
    // Relayed through this process so a closed stdout reaches the EPIPE handler above.
    child.stdout.on('data', (d) => process.stdout.write(d));
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => {
      console.log(`(exit code ${code})`);
      resolve(code);
    });
  });
}

try {
  console.log('$ lab up lab/scenarios/default.yaml');
  lab = await Lab.up(join(root, 'lab', 'scenarios', 'default.yaml'), { stateDir, apiServer: 'in-process', log: (m) => console.log(`  ${m}`) });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, onSignal);
  console.log(`  lab is up: ${lab.nodes.length} nodes, kubeconfig ${lab.kubeconfigPath}`);
  const expectations = [
    ['Same node: frontend/client -> backend/web (allowed by allow-frontend-to-web)', ['--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080'], 0],
    ['Across nodes: frontend/client -> frontend/api', ['--src', 'client', '--src-namespace', 'frontend', '--dst', 'api', '--dst-namespace', 'frontend', '--tcp', '--dst-port', '8080'], 0],
    ['To a Service: frontend/client -> service backend/web port 80', ['--src', 'client', '--src-namespace', 'frontend', '--service', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80'], 0],
    ['Blocked by policy: frontend/client -> backend/db (log level 2)', ['--src', 'client', '--src-namespace', 'frontend', '--dst', 'db', '--dst-namespace', 'backend', '--tcp', '--dst-port', '5432', '--loglevel', '2'], 1],
  ];
  for (const [title, args, expected] of expectations) {
    const code = await trace(title, args);
    if (code !== expected && !outputGone) {
      console.error(`demo: expected exit code ${expected}, got ${code}`);
      exitCode = 1;
    }
  }
} catch (err) {
  console.error(`demo: ${err.message}`);
  exitCode = 1;
} finally {
  await stop();
}
console.log(exitCode === 0 ? '\ndemo: all four traces gave the expected answer' : '\ndemo: FAILED');
process.exit(exitCode);
