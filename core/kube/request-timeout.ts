/**
 * `--request-timeout`, as kubectl spells and reads it: the longest one API request may take, from
 * opening the connection to the last byte of the answer. kubectl's default is 0 (wait forever);
 * a trace has its own deadline, and an unanswered request should be named rather than end as a
 * trace timeout, so cni-trace waits {@link DEFAULT_REQUEST_TIMEOUT_MS} unless told otherwise.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CniTraceError, InvalidArgumentError } from '../errors.js';

/** Default request timeout (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** One Go duration term: a number and a unit (`1.5s`, `300ms`, `2m`). */
const GO_DURATION = /^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads a request timeout the way client-go's clientcmd does: a bare integer is seconds, anything
 * else a Go duration with units (`1s`, `2m`, `1m30s`); `0` means no timeout. Returns milliseconds.
 */
export function parseRequestTimeout(value: string): number {
  const v = value.trim();
  const invalid = () =>
    new InvalidArgumentError('request-timeout', `"${value}" is not a timeout: use a single integer in seconds, or an integer followed by a unit (e.g. 1s, 2m, 3h); 0 means no timeout`);
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!GO_DURATION.test(v)) throw invalid();
  let ms = 0;
  for (const m of v.matchAll(TERM)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isFinite(ms)) throw invalid();
  return Math.ceil(ms);
}

/** An API request got no (complete) answer within the request timeout. */
export class RequestTimeoutError extends CniTraceError {
  constructor(what: string, timeoutMs: number) {
    super(
      'TIMEOUT',
      `${what}: the API server did not answer within ${formatMs(timeoutMs)} (--request-timeout); check that the cluster is reachable and healthy, or raise --request-timeout`,
      3,
    );
  }
}

/** `1.5s`, `30s`, `200ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))}s` : `${ms}ms`;
}

const timeouts = new WeakMap<KubeConfig, number>();

/** The request timeout set on a KubeConfig by {@link applyRequestTimeout} (0: none). */
export function requestTimeoutOf(kc: KubeConfig): number {
  return timeouts.get(kc) ?? 0;
}

/**
 * Bounds every API call client-node makes through `kc` (its generated API clients): each request
 * gets an abort signal that fires after `timeoutMs`, which node-fetch honours from connect to the
 * end of the body. Watches and exec upgrades read the value with {@link requestTimeoutOf} and
 * apply their own (idle, connect) bounds. Returns `kc`.
 */
export function applyRequestTimeout(kc: KubeConfig, timeoutMs: number): KubeConfig {
  timeouts.set(kc, timeoutMs);
  if (timeoutMs <= 0) return kc;
  // applySecurityAuthentication runs for every request of a generated API client, after the
  // request context is built and before it is sent: the one place each request passes through.
  const target = kc as unknown as { applySecurityAuthentication: (context: { setSignal(s: AbortSignal): void }) => Promise<void> };
  const original = target.applySecurityAuthentication.bind(kc);
  target.applySecurityAuthentication = async (context) => {
    await original(context);
    context.setSignal(AbortSignal.timeout(timeoutMs));
  };
  return kc;
}

/** Whether a failure is the abort of a request (node-fetch's AbortError, or the DOM one). */
export function isAbortError(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}
