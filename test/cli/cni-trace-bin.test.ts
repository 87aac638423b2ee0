import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers/paths.js';

const bin = join(repoRoot, 'bin', 'cni-trace.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    // No cluster: a usage error must be reported before any cluster access.
    env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', ...env },
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('ovnkube-trace spelling with a bad port exits 2 naming dst-port', () => {
  const r = run(['-src', 'a', '-tcp', '-dst', 'b', '-dst-port', '99999']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--dst-port/);
  assert.match(r.stderr, /99999/);
  assert.is(r.stdout, '');
});

test('other usage errors exit 2 and name the argument', () => {
  for (const [args, name] of [
    [['-src', 'a', '-tcp', '-udp', '-dst', 'b'], '--udp'],
    [['-src', 'a', '-tcp'], '--dst'],
    [['-S', 'a', '-D', 'b', '--dropped-only'], '--dropped-only'],
    [['--src', 'a', '--dst', 'b', '--nope'], '--nope'],
    [['--src', 'Bad_Name', '--dst', 'b'], '--src'],
  ] as Array<[string[], string]>) {
    const r = run(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(name), `${args.join(' ')} should name ${name}: ${r.stderr}`);
  }
});

test('--help lists every flag and examples, exits 0', () => {
  const r = run(['--help']);
  assert.is(r.code, 0);
  for (const flag of ['--src', '--src-namespace', '--dst', '--dst-namespace', '--service', '--dst-ip', '--tcp', '--udp', '--icmp', '--dst-port', '--src-port', '--tcp-flags', '--addr-family', '--live-traffic', '--dropped-only', '--timeout', '--cni', '--loglevel', '--output', '--skip-detrace', '--kubeconfig', '--context', '--no-color']) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
  }
  assert.match(r.stdout, /Examples:/);
  assert.match(r.stdout, /Exit codes:/);
});

test('a missing kubeconfig is a runtime error (exit 3) that says what to do', () => {
  const r = run(['--src', 'a', '--dst', 'b', '--tcp', '--kubeconfig', '/nonexistent/kc']);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /kubeconfig/);
});

test.run();
