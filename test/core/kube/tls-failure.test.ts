// TLS failures against real HTTPS servers on 127.0.0.1 (certificates made with openssl at test
// time) through the real @kubernetes/client-node and the real CLI: each is TLS_ERROR naming the
// server and what to check, not "internal error" or "cannot reach".
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TlsError } from '../../../core/errors.js';
import { KubeClient } from '../../../core/kube/kube-client.js';
import { repoRoot } from '../../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'cni-trace-tls-'));
const servers: Server[] = [];
const path = (f: string) => join(dir, f);

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and a server certificate it signs with `san` valid for `days` (negative: already expired). */
function makeCa(name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}
function makeServerCert(name: string, ca: string, san: string, days: number): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=kube-apiserver']);
  writeFileSync(path(`${name}.ext`), `subjectAltName=${san}\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', String(days), '-extfile', `${name}.ext`]);
}

async function serve(cert: string): Promise<string> {
  const server = createServer({ key: readFileSync(path(`${cert}.key`)), cert: readFileSync(path(`${cert}.crt`)) }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function kubeconfigFor(server: string, ca: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: readFileSync(path(`${ca}.crt`)).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

const urls: Record<string, string> = {};

test.before(async () => {
  makeCa('ca');
  makeCa('other-ca');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  makeServerCert('good', 'ca', 'IP:127.0.0.1', 2);
  makeServerCert('expired', 'ca', 'IP:127.0.0.1', -1);
  makeServerCert('wrong-name', 'ca', 'DNS:api.example.com', 2);
  for (const name of ['good', 'self', 'expired', 'wrong-name']) urls[name] = await serve(name);
});

test.after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

async function tlsErrorOf(server: string, ca: string): Promise<TlsError> {
  try {
    await new KubeClient(kubeconfigFor(server, ca)).listPods({});
  } catch (err) {
    assert.instance(err, TlsError, String(err));
    return err as TlsError;
  }
  throw new Error('expected a TLS failure');
}

test('the right CA works (control)', async () => {
  assert.equal(await new KubeClient(kubeconfigFor(urls.good!, 'ca')).listPods({}), []);
});

test('a CA that did not sign the server certificate', async () => {
  const e = await tlsErrorOf(urls.good!, 'other-ca');
  assert.is(e.code, 'TLS_ERROR');
  assert.is(e.exitCode, 3);
  assert.is(e.server, urls.good);
  assert.match(e.message, new RegExp(`^TLS with ${urls.good!.replace(/[.]/g, '\\.')} failed: its certificate is not signed by a CA`));
  assert.match(e.message, /certificate-authority-data/);
});

test('a self-signed server certificate', async () => {
  const e = await tlsErrorOf(urls.self!, 'ca');
  assert.is(e.tlsCode, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.match(e.message, /not signed by a CA cni-trace trusts/);
});

test('an expired certificate: check the clock', async () => {
  const e = await tlsErrorOf(urls.expired!, 'ca');
  assert.is(e.tlsCode, 'CERT_HAS_EXPIRED');
  assert.match(e.message, /has expired .*clock/);
});

test('a certificate for another host name', async () => {
  const e = await tlsErrorOf(urls['wrong-name']!, 'ca');
  assert.is(e.tlsCode, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.match(e.message, /not issued for that host name.*"server" URL/);
});

test('the real CLI: exit 3, TLS_ERROR naming the server, no "internal error"', async () => {
  const kubeconfig = path('kubeconfig.yaml');
  writeFileSync(kubeconfig, kubeconfigFor(urls.self!, 'ca').exportConfig());
  // Asynchronously: the servers live in this process and must keep answering.
  const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [join(repoRoot, 'bin', 'cni-trace.js'), '--kubeconfig', kubeconfig, '--src', 'a', '--dst', 'b'], { encoding: 'utf8', timeout: 30_000 }, (_err, _stdout, stderr) =>
      resolve({ status: child.exitCode, stderr }),
    );
  });
  assert.is(r.status, 3, r.stderr);
  assert.match(r.stderr, /TLS with https:\/\/127\.0\.0\.1:\d+ failed: .*\[TLS_ERROR\]/);
  assert.not.match(r.stderr, /internal error/);
});

test.run();
