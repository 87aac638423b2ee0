#!/usr/bin/env node
// Writes the krew plugin manifest (plugins/cni-trace.yaml) for a release archive: version from
// package.json, and the archive's download `uri` and `sha256` (computed from the built archive).
//
//   node scripts/krew-manifest.mjs --archive cni-trace-v0.1.0.tar.gz --uri https://.../cni-trace-v0.1.0.tar.gz
//   node scripts/krew-manifest.mjs --build out/ --uri-base https://.../download/v0.1.0/
//       (--build: makes the archive first: `npm pack` (prepack builds dist/), the package unpacked
//        as cni-trace/ with its production dependencies installed, tar.gz with fixed owner,
//        order and mtime so the same sources give the same sha256)
//   [--manifest PATH] (default plugins/cni-trace.yaml)
//
// krew installs the archive, then links `kubectl-cni_trace` to `bin`: cni-trace/bin/cni-trace.js,
// a Node script (#!/usr/bin/env node) that loads dist/ relative to itself, so Node >= 20.5 must be
// on the user's PATH (said in the manifest's caveats). One archive serves every platform krew
// selects (pure JavaScript); Windows is left out because krew links the file as is and Windows does
// not run a shebang script.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { archive: { type: 'string' }, uri: { type: 'string' }, build: { type: 'string' }, 'uri-base': { type: 'string' }, manifest: { type: 'string' } },
  strict: true,
});

function fail(message) {
  console.error(`krew-manifest: ${message}`);
  process.exit(2);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = `v${pkg.version}`;
const archiveName = `cni-trace-${version}.tar.gz`;

/** Builds the release archive into `outDir`; returns its path. */
function buildArchive(outDir) {
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'cni-trace-krew-'));
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    const stage = join(tmp, 'stage');
    mkdirSync(stage);
    execFileSync('tar', ['-xzf', join(tmp, packed[0].filename), '-C', stage]);
    renameSync(join(stage, 'package'), join(stage, 'cni-trace'));
    execFileSync('npm', ['install', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: join(stage, 'cni-trace'), stdio: ['ignore', 'inherit', 'inherit'] });
    const out = join(resolve(outDir), archiveName);
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--use-compress-program=gzip -n', '-cf', out, '-C', stage, 'cni-trace']);
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

let archive = values.archive;
let uri = values.uri;
if (values.build !== undefined) {
  archive = buildArchive(values.build);
  if (!uri && values['uri-base']) uri = `${values['uri-base'].replace(/\/?$/, '/')}${archiveName}`;
}
if (!archive) fail('give --archive PATH (a built .tar.gz) or --build OUT_DIR');
if (!uri) fail('give --uri URL (where the archive is downloaded from) or, with --build, --uri-base URL');
if (!/^https:\/\/\S+$/.test(uri)) fail(`--uri must be an https URL (got ${JSON.stringify(uri)})`);

const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
const manifestPath = values.manifest ?? join(root, 'plugins', 'cni-trace.yaml');
const doc = parseDocument(readFileSync(manifestPath, 'utf8'));
doc.setIn(['spec', 'version'], version);
const platforms = doc.getIn(['spec', 'platforms']);
if (!platforms || platforms.items.length === 0) fail(`${manifestPath} has no spec.platforms`);
for (const p of platforms.items) {
  p.set('uri', uri);
  p.set('sha256', sha256);
}
writeFileSync(manifestPath, doc.toString({ lineWidth: 0 }));
console.log(`${manifestPath}: ${version}, ${uri}, sha256 ${sha256}`);
