/**
 * Issue 13 §5: plugins/cni-trace.yaml has the shape krew's documentation requires of a plugin
 * manifest (krew.sigs.k8s.io "Writing Krew plugin manifests": apiVersion
 * krew.googlecontainertools.github.com/v1alpha2, kind Plugin, metadata.name equal to the file name,
 * spec.version a semantic version with the "v" prefix, shortDescription, and per platform a
 * selector, uri, sha256 and bin), agrees with package.json, and scripts/krew-manifest.mjs fills
 * uri/sha256 from an archive.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths.js';

const run = promisify(execFile);
const MANIFEST = join(repoRoot, 'plugins', 'cni-trace.yaml');
const SEMVER_V = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

interface Platform {
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  uri?: string;
  sha256?: string;
  bin?: string;
  files?: Array<{ from?: string; to?: string }>;
}

interface KrewPlugin {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: { version?: string; homepage?: string; shortDescription?: string; description?: string; platforms?: Platform[] };
}

/** Every problem of a manifest against krew's documented required fields (empty: valid). */
function krewProblems(m: KrewPlugin, fileName: string): string[] {
  const problems: string[] = [];
  if (m.apiVersion !== 'krew.googlecontainertools.github.com/v1alpha2') problems.push(`apiVersion ${m.apiVersion}`);
  if (m.kind !== 'Plugin') problems.push(`kind ${m.kind}`);
  const name = m.metadata?.name;
  if (!name || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) problems.push(`metadata.name ${name}`);
  if (`${name}.yaml` !== fileName) problems.push(`metadata.name ${name} does not match the file ${fileName}`);
  if (!m.spec?.version || !SEMVER_V.test(m.spec.version)) problems.push(`spec.version ${m.spec?.version} (semver with a "v" prefix)`);
  if (!m.spec?.shortDescription?.trim()) problems.push('spec.shortDescription missing');
  if (m.spec?.homepage !== undefined && !/^https?:\/\/\S+$/.test(m.spec.homepage)) problems.push(`spec.homepage ${m.spec.homepage}`);
  const platforms = m.spec?.platforms ?? [];
  if (platforms.length === 0) problems.push('spec.platforms empty');
  platforms.forEach((p, i) => {
    const at = `spec.platforms[${i}]`;
    const sel = p.selector;
    if (!sel || (!sel.matchLabels && !sel.matchExpressions)) problems.push(`${at}.selector missing`);
    for (const e of sel?.matchExpressions ?? []) {
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) problems.push(`${at} selector operator ${e.operator}`);
      if ((e.operator === 'In' || e.operator === 'NotIn') && !(e.values && e.values.length > 0)) problems.push(`${at} selector ${e.key} without values`);
    }
    if (!p.uri || !/^https:\/\/\S+\.(tar\.gz|tgz|zip)$/.test(p.uri)) problems.push(`${at}.uri ${p.uri}`);
    if (!p.sha256 || !/^[a-f0-9]{64}$/.test(p.sha256)) problems.push(`${at}.sha256 ${p.sha256}`);
    if (!p.bin || p.bin.startsWith('/') || p.bin.split('/').includes('..')) problems.push(`${at}.bin ${p.bin}`);
    for (const f of p.files ?? []) if (!f.from || !f.to) problems.push(`${at}.files entry without from/to`);
  });
  return problems;
}

test('plugins/cni-trace.yaml has every field krew requires', () => {
  const m = parse(readFileSync(MANIFEST, 'utf8')) as KrewPlugin;
  assert.equal(krewProblems(m, basename(MANIFEST)), []);
});

test('the manifest agrees with package.json: version, and bin is the kubectl-cni_trace script', () => {
  const m = parse(readFileSync(MANIFEST, 'utf8')) as KrewPlugin;
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; files: string[] };
  assert.is(m.spec!.version, `v${pkg.version}`);
  for (const p of m.spec!.platforms!) {
    // The archive holds cni-trace/ (the package); its files are copied to the plugin dir as is.
    assert.equal(p.files, [{ from: 'cni-trace/*', to: '.' }]);
    assert.is(`./${p.bin}`, pkg.bin['kubectl-cni_trace']);
    const oses = p.selector!.matchExpressions!.find((e) => e.key === 'os')!.values!;
    assert.not.ok(oses.includes('windows'), 'a shebang script cannot run as a krew bin on Windows');
  }
  assert.ok(pkg.files.includes('plugins/cni-trace.yaml'), 'the manifest ships in the npm package');
  // The validator itself refuses what krew refuses.
  assert.ok(krewProblems({ ...m, spec: { ...m.spec, version: '0.1.0' } }, 'cni-trace.yaml').some((p) => p.startsWith('spec.version')));
  assert.ok(krewProblems(m, 'other.yaml').length > 0);
  assert.ok(krewProblems({ ...m, spec: { ...m.spec, platforms: [{ ...m.spec!.platforms![0], sha256: 'abc' }] } }, 'cni-trace.yaml').some((p) => p.includes('sha256')));
});

test('scripts/krew-manifest.mjs fills uri and sha256 from an archive', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cni-trace-krew-test-'));
  try {
    mkdirSync(join(tmp, 'cni-trace', 'bin'), { recursive: true });
    writeFileSync(join(tmp, 'cni-trace', 'bin', 'cni-trace.js'), '#!/usr/bin/env node\n');
    const archive = join(tmp, 'cni-trace-test.tar.gz');
    await run('tar', ['-czf', archive, '-C', tmp, 'cni-trace']);
    const manifest = join(tmp, 'cni-trace.yaml');
    copyFileSync(MANIFEST, manifest);
    const uri = 'https://downloads.example.test/v9/cni-trace-test.tar.gz';
    await run(process.execPath, [join(repoRoot, 'scripts', 'krew-manifest.mjs'), '--archive', archive, '--uri', uri, '--manifest', manifest], { timeout: 30_000 });
    const m = parse(readFileSync(manifest, 'utf8')) as KrewPlugin;
    const want = createHash('sha256').update(readFileSync(archive)).digest('hex');
    for (const p of m.spec!.platforms!) {
      assert.is(p.sha256, want);
      assert.is(p.uri, uri);
    }
    assert.equal(krewProblems(m, 'cni-trace.yaml'), []);
    assert.match(readFileSync(manifest, 'utf8'), /^# krew plugin manifest/, 'comments kept');
    // A non-https uri is refused (exit 2) and leaves the manifest alone.
    const before = readFileSync(manifest, 'utf8');
    const bad = await run(process.execPath, [join(repoRoot, 'scripts', 'krew-manifest.mjs'), '--archive', archive, '--uri', 'ftp://x/y.tar.gz', '--manifest', manifest]).then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
    assert.is(bad, 2);
    assert.is(readFileSync(manifest, 'utf8'), before);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
