import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExample } from '../../examples/custom-driver.js';

test('custom driver example: a local address is delivered through the real core', async () => {
  const result = await runExample('127.0.0.1');
  assert.is(result.cni, 'host-route');
  assert.is(result.verdict, 'delivered');
  assert.is(result.legs.length, 1);
  assert.equal(result.legs[0]!.command?.argv, ['ip', '-j', 'route', 'get', '127.0.0.1']);
  assert.is(result.legs[0]!.observations[0]!.port, 'lo');
});

test('custom driver example: an address behind the default route leaves the host', async () => {
  const { execFileSync } = await import('node:child_process');
  const hasDefault = execFileSync('ip', ['-j', 'route', 'show', 'default'], { encoding: 'utf8' }).trim() !== '[]';
  const result = await runExample('192.0.2.77');
  // With a default route the kernel forwards it; without one it is unreachable (dropped).
  assert.is(result.verdict, hasDefault ? 'left-cluster' : 'dropped');
  assert.ok(result.legs[0]!.rawOutput!.length > 0);
});

test.run();
