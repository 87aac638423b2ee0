/**
 * Recognises a failed TLS handshake with the API server in whatever a client threw (the error,
 * its `cause` chain, or an AggregateError's `errors`), by Node's TLS error codes, and says what
 * to check. Pure.
 */
import { TlsError } from '../errors.js';

/** What each family of TLS failure means, and what the user should check. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);
const TIME = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const NAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID']);
const HANDSHAKE = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;

/** The first TLS error code found on `err` or what it wraps. */
export function tlsErrorCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 6) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNTRUSTED.has(code) || TIME.has(code) || NAME.has(code) || HANDSHAKE.test(code))) return code;
  const nested = [(err as { cause?: unknown }).cause, ...(Array.isArray((err as { errors?: unknown }).errors) ? ((err as { errors: unknown[] }).errors) : [])];
  for (const n of nested) {
    const found = tlsErrorCode(n, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * A {@link TlsError} when `err` is a failed TLS handshake with `server` (the kubeconfig's cluster
 * URL), else undefined.
 */
export function tlsFailure(err: unknown, server: string | undefined): TlsError | undefined {
  const code = tlsErrorCode(err);
  if (!code) return undefined;
  const where = server ?? 'the API server';
  const ca = 'the CA in the kubeconfig ("certificate-authority-data" or "certificate-authority" of the cluster entry, or --certificate-authority with kubectl)';
  let what: string;
  if (UNTRUSTED.has(code)) what = `its certificate is not signed by a CA cni-trace trusts (${code}); check ${ca} is the CA that signed the server's certificate`;
  else if (TIME.has(code)) what = `its certificate ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'} (${code}); check this machine's clock, then renew the server's certificate`;
  else if (NAME.has(code)) what = `its certificate is not issued for that host name (${code}); check the "server" URL in the kubeconfig (or set "tls-server-name" to a name the certificate holds)`;
  else what = `the TLS handshake failed (${code}); check that the "server" URL in the kubeconfig is the API server's https address`;
  return new TlsError(where, code, `TLS with ${where} failed: ${what}`, { cause: err });
}
