import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidrContains, formatIp, macFromIp, mustParseIp, parseCidr, parseIp } from '../../../lab/scenario/ip-address.js';

test('parses and formats IPv4 and IPv6', () => {
  assert.is(formatIp(mustParseIp('10.244.1.5')), '10.244.1.5');
  assert.is(formatIp(mustParseIp('fd00:10:244:1:0:0:0:5')), 'fd00:10:244:1::5');
  assert.is(formatIp(mustParseIp('::')), '::');
  assert.is(formatIp(mustParseIp('::ffff:10.0.0.1')), '::ffff:a00:1');
  for (const bad of ['10.0.0', '10.0.0.256', '01.2.3.4', '1::2::3', 'fd00::g', '', 'a']) assert.is(parseIp(bad), undefined, bad);
});

test('CIDR containment and strict host bits', () => {
  const c = parseCidr('10.244.1.0/24')!;
  assert.ok(cidrContains(c, mustParseIp('10.244.1.254')));
  assert.not.ok(cidrContains(c, mustParseIp('10.244.2.1')));
  assert.not.ok(cidrContains(c, mustParseIp('fd00::1')));
  assert.is(parseCidr('10.244.1.5/24', true), undefined);
  const v6 = parseCidr('fd00:10:244:1::/64', true)!;
  assert.ok(cidrContains(v6, mustParseIp('fd00:10:244:1::6')));
});

test('ovn-kubernetes MACs are 0a:58 + IPv4 bytes', () => {
  assert.is(macFromIp(mustParseIp('10.244.1.5')), '0a:58:0a:f4:01:05');
  assert.is(macFromIp(mustParseIp('100.88.0.3')), '0a:58:64:58:00:03');
});

test.run();
