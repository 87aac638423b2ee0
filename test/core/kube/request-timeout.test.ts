import { KubeConfig } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../../core/errors.js';
import { ExponentialBackoff } from '../../../core/kube/backoff.js';
import { applyRequestTimeout, parseRequestTimeout, requestTimeoutOf } from '../../../core/kube/request-timeout.js';

test('--request-timeout is read as clientcmd reads it: bare integer seconds, Go durations, 0 = none', () => {
  assert.is(parseRequestTimeout('0'), 0);
  assert.is(parseRequestTimeout('5'), 5000);
  assert.is(parseRequestTimeout('1s'), 1000);
  assert.is(parseRequestTimeout('2m'), 120_000);
  assert.is(parseRequestTimeout('1m30s'), 90_000);
  assert.is(parseRequestTimeout('1.5s'), 1500);
  assert.is(parseRequestTimeout('300ms'), 300);
  assert.is(parseRequestTimeout('3h'), 10_800_000);
  for (const bad of ['', '-1', '5x', 's', '1 s', '1d']) {
    assert.throws(() => parseRequestTimeout(bad), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'request-timeout', bad);
  }
});

test('applyRequestTimeout gives every generated API request an abort signal and records the value', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  applyRequestTimeout(kc, 1234);
  assert.is(requestTimeoutOf(kc), 1234);
  let signal: AbortSignal | undefined;
  const context = { setSignal: (s: AbortSignal) => (signal = s), setHeaderParam: () => undefined, setAgent: () => undefined };
  await (kc as unknown as { applySecurityAuthentication(c: unknown): Promise<void> }).applySecurityAuthentication(context);
  assert.ok(signal instanceof AbortSignal && !signal.aborted);
  await new Promise((r) => setTimeout(r, 1300));
  assert.ok(signal.aborted, 'aborted once the timeout passed');
});

test('back-off: client-go reflector parameters, jittered, capped, reset', () => {
  let rnd = 0;
  let now = 0;
  const b = new ExponentialBackoff({ random: () => rnd, now: () => now });
  assert.equal([b.next(), b.next(), b.next(), b.next()], [800, 1600, 3200, 6400]);
  for (let i = 0; i < 10; i++) b.next();
  assert.is(b.next(), 30_000, 'capped at 30 s');
  rnd = 0.999;
  assert.ok(b.next() < 60_000 && b.next() > 59_000, 'jitter stretches by up to the wait itself');
  now += 121_000;
  rnd = 0;
  assert.is(b.next(), 800, 'starts over after two quiet minutes');
  b.next();
  b.reset();
  assert.is(b.next(), 800);
});

test.run();
