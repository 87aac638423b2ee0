import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { formatJson, formatYaml } from '../../formatters/index.js';
import { RESULT_NAMES, loadResult } from './result-fixtures.js';

test('JSON: the result object, 2-space indent, trailing newline; parses back to the same object', () => {
  for (const name of RESULT_NAMES) {
    const r = loadResult(name);
    const out = formatJson(r);
    assert.equal(JSON.parse(out), r, name);
    assert.ok(out.endsWith('}\n'), name);
    assert.ok(out.startsWith('{\n  "request": {\n    "source": {'), name);
  }
});

test('YAML: parses back with the yaml package to the same object', () => {
  for (const name of RESULT_NAMES) {
    const r = loadResult(name);
    const out = formatYaml(r);
    assert.equal(parse(out), r, name);
    assert.ok(out.endsWith('\n'), name);
  }
});

test('YAML: raw output is a literal block, and long lines are not folded', () => {
  const r = loadResult('ovn-default-deny-drop');
  const out = formatYaml(r);
  assert.ok(out.includes('    rawOutput: |'), 'literal block');
  assert.ok(out.includes(`      ${r.legs[0]!.rawOutput!.split('\n')[0]}`), 'first raw line verbatim');
  const longFlow = r.legs[0]!.observations.find((o) => o.stage === 'lr_in_ip_routing')!.flow!;
  assert.ok(out.split('\n').some((l) => l.includes(longFlow)), 'long flow on one line');
});

test('YAML: a shared object is written out twice, not as an anchor and alias', () => {
  const r = loadResult('antrea-anp-drop');
  const policy = r.legs[0]!.observations.at(-1)!.policy!;
  if (r.drop?.type === 'rule') r.drop.policy = policy;
  r.legs[0]!.observations[0]!.policy = policy;
  const out = formatYaml(r);
  assert.not.match(out, /[&*]a\d+\b/);
  assert.equal(parse(out), JSON.parse(JSON.stringify(r)));
});

test.run();
