/**
 * Issue 13 §5: the published package runs. `npm pack` of a clean copy of the sources (its
 * `prepack` builds dist/), a check that the tarball holds only what runs (built product JS and
 * types, the bin, README, LICENSE, the RBAC and krew manifests) and that every `exports` path and
 * bin resolves in it, then `npm install -g --prefix <tmp>` of the tarball, and the installed
 * `cni-trace --version`, `kubectl cni-trace --help` (kubectl finds the `kubectl-cni_trace` plugin on
 * PATH) and real traces against the lab. Every temp dir is removed, also on failure.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Lab } from '../../lab/lab.js';
import { runCliProcess } from '../helpers/cli-process.js';
import { startLab, stopLab } from '../helpers/lab-fixture.js';
import { repoRoot } from '../helpers/paths.js';

const run = promisify(execFile);

/** What a clean checkout needs for `npm pack` (the product sources and the packaged files). */
const SOURCES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'bin', 'core', 'cli', 'drivers', 'formatters', 'plugins', 'deploy'];

/** Every path the tarball may hold (below `package/`). */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^bin\/cni-trace\.js$/,
  /^dist\/(core|drivers|formatters|cli)\/.+\.(js|d\.ts)$/,
  /^deploy\/rbac\/[a-z0-9-]+\.yaml$/,
  /^plugins\/cni-trace\.yaml$/,
];

let tmp: string | undefined;
let lab: Lab | undefined;
let tarball = '';
let prefix = '';

test.before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cni-trace-pack-'));
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
});

test.after(async () => {
  await stopLab(lab);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** npm with a bounded time; its own cache, so the user's npm settings apply. */
async function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, { cwd, timeout: 180_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
}

test('npm pack of a clean copy builds dist/ (prepack) and holds only what runs', async () => {
  const src = join(tmp!, 'src');
  mkdirSync(src);
  for (const entry of SOURCES) cpSync(join(repoRoot, entry), join(src, entry), { recursive: true });
  assert.not.ok(existsSync(join(src, 'dist')), 'the copy starts without dist/');
  // The build needs typescript and the types: the repository's installed node_modules.
  symlinkSync(realpathSync(join(repoRoot, 'node_modules')), join(src, 'node_modules'));
  const out = join(tmp!, 'out');
  mkdirSync(out);
  const packed = await npm(['pack', '--json', '--pack-destination', out], src);
  const info = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(out, info[0]!.filename);
  assert.ok(existsSync(tarball), 'the tarball was written');
  const files = info[0]!.files.map((f) => f.path);
  const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
  assert.equal(stray, [], `only product files in the tarball: ${stray.join(', ')}`);
  for (const f of files) assert.not.match(f, /(^|\/)(test|lab|bench|fixtures|examples)\//, f);
  for (const must of ['dist/cli/bin-main.js', 'dist/cli/main.js', 'dist/core/index.d.ts', 'LICENSE', 'README.md', 'plugins/cni-trace.yaml']) assert.ok(files.includes(must), `tarball has ${must}`);
  assert.ok(files.some((f) => f.startsWith('deploy/rbac/')), 'tarball has the RBAC manifests');

  // Every exports target, main, types and bin resolves to a file in the tarball.
  const pkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, Record<string, string>>; bin: Record<string, string> };
  const targets = [pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((e) => Object.values(e)), ...Object.values(pkg.bin)];
  for (const t of targets) assert.ok(files.includes(t.replace(/^\.\//, '')), `${t} is in the tarball`);
});

test('npm install -g --prefix of the tarball: bins and library exports work', async () => {
  assert.ok(tarball, 'packed by the previous test');
  prefix = join(tmp!, 'prefix');
  const install = (mode: string) => npm(['install', '--global', '--prefix', prefix, tarball, mode], tmp!);
  try {
    await install('--offline');
  } catch (err) {
    // npm 11 resolves a tarball's dependency ranges from *full* packuments, while the repository's
    // own install (from its lockfile) leaves only the tarballs and abbreviated packuments in the
    // cache: `--offline` then fails with ENOTCACHED. `--prefer-offline` fetches just the missing
    // packuments from the registry once (the tarballs still come from the cache); from then on
    // `--offline` works on this machine.
    if (!/ENOTCACHED/.test(String((err as { stderr?: string }).stderr ?? err))) throw err;
    await install('--prefer-offline');
  }
  const bin = join(prefix, 'bin');
  for (const name of ['cni-trace', 'kubectl-cni_trace']) assert.ok(existsSync(join(bin, name)), `bin ${name} installed`);

  const version = await runCliProcess(['--version'], { command: [join(bin, 'cni-trace')] });
  assert.is(version.code, 0, version.stderr);
  const pkgVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  assert.match(version.stdout, new RegExp(`^cni-trace ${pkgVersion.replace(/\./g, '\\.')}\\n`));
  assert.match(version.stdout, new RegExp(`node ${process.version.replace(/\./g, '\\.')}`));
  assert.match(version.stdout, /ovn-kubernetes .*OVN-Kubernetes/);
  assert.match(version.stdout, /antrea .*Traceflow/);

  const env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  const help = await runCliProcess(['cni-trace', '--help'], { command: ['/usr/bin/kubectl'], env });
  assert.is(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: cni-trace /);
  assert.match(help.stdout, /Exit codes:/);

  // The library entry points resolve from a consumer of the installed package.
  const consumer = join(prefix, 'lib', 'consumer.mjs');
  writeFileSync(
    consumer,
    "const core = await import('cni-trace'); const f = await import('cni-trace/formatters');\n" +
      "const ovn = await import('cni-trace/drivers/ovn'); const antrea = await import('cni-trace/drivers/antrea-ovs');\n" +
      "console.log([typeof core.trace, typeof core.createTraceRequest, typeof f.formatResult, typeof f.formatTraceError, typeof ovn.registerOvnDriver, typeof antrea.registerAntreaDriver].join(' '));\n",
  );
  const lib = await run(process.execPath, [consumer], { timeout: 30_000 });
  assert.is(lib.stdout.trim(), 'function function function function function function');
});

test('the installed package traces against the lab (as cni-trace and as kubectl cni-trace)', async () => {
  assert.ok(prefix, 'installed by the previous test');
  const bin = join(prefix, 'bin');
  const args = ['--src', 'client', '--src-namespace', 'frontend', '--dst', 'web', '--dst-namespace', 'backend', '--tcp', '--dst-port', '8080', '--kubeconfig', lab!.kubeconfigPath!, '-o', 'json'];
  const direct = await runCliProcess(args, { command: [join(bin, 'cni-trace')] });
  assert.is(direct.code, 0, direct.stderr);
  const result = JSON.parse(direct.stdout) as { cni: string; verdict: string };
  assert.is(result.cni, 'ovn-kubernetes');
  assert.is(result.verdict, 'delivered');

  const env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  const viaKubectl = await runCliProcess(['cni-trace', ...args.slice(0, -2), '--loglevel', '0'], { command: ['/usr/bin/kubectl'], env });
  assert.is(viaKubectl.code, 0, viaKubectl.stderr);
  assert.match(viaKubectl.stdout, /Verdict: delivered/);
  const dropped = await runCliProcess(['cni-trace', '--src', 'client', '--src-namespace', 'frontend', '--dst', 'db', '--dst-namespace', 'backend', '--tcp', '--dst-port', '5432', '--kubeconfig', lab!.kubeconfigPath!], { command: ['/usr/bin/kubectl'], env });
  assert.is(dropped.code, 1, dropped.stderr);
  assert.match(dropped.stdout, /Verdict: dropped .*backend\/default-deny/);
});

test.run();
