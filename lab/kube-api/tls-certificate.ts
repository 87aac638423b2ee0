/**
 * A self-signed serving certificate for the lab API server, made with the `openssl` CLI (Node's
 * crypto cannot issue X.509 certificates). The certificate is its own CA: kubeconfigs carry it as
 * `certificate-authority-data`, so clients verify TLS exactly as against a real cluster.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** PEM key pair of a serving certificate. */
export interface ServingCertificate {
  certPem: string;
  keyPem: string;
}

/** Raised when the certificate cannot be generated (e.g. no openssl). */
export class TlsSetupError extends Error {
  readonly code = 'KUBE_API_TLS_SETUP';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsSetupError';
  }
}

/** Generates an EC P-256 certificate valid for 127.0.0.1, ::1 and localhost. */
export async function generateServingCertificate(commonName = 'cni-trace-lab-apiserver'): Promise<ServingCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'cni-trace-lab-tls-'));
  try {
    const key = join(dir, 'tls.key');
    const cert = join(dir, 'tls.crt');
    try {
      await execa('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '30',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyCertSign',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ]);
    } catch (err) {
      throw new TlsSetupError(`could not create the lab API server certificate with openssl: ${(err as Error).message}. Install openssl or start the server with tls: false.`, { cause: err });
    }
    return { certPem: await readFile(cert, 'utf8'), keyPem: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
