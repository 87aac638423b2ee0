import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OUTPUT_FORMATS, formatJson, formatJunit, formatResult, formatText, formatYaml, type OutputFormat } from '../../formatters/index.js';
import { loadResult } from './result-fixtures.js';

test('formatResult dispatches on the output format', () => {
  const r = loadResult('ovn-default-deny-drop');
  assert.equal([...OUTPUT_FORMATS], ['text', 'json', 'yaml', 'junit']);
  assert.is(formatResult(r, { output: 'text', level: 2, color: true }), formatText(r, { level: 2, color: true }));
  assert.is(formatResult(r, { output: 'text' }), formatText(r, { level: 0, color: false }));
  assert.is(formatResult(r, { output: 'json', level: 5, color: true }), formatJson(r));
  assert.is(formatResult(r, { output: 'yaml' }), formatYaml(r));
  assert.is(formatResult(r, { output: 'junit' }), formatJunit(r));
});

test('formatResult refuses an unknown format, naming the valid ones', () => {
  const r = loadResult('ovn-default-deny-drop');
  assert.throws(() => formatResult(r, { output: 'xml' as OutputFormat }), /unknown output format "xml"; use one of text, json, yaml, junit/);
});

test('formatters do not change the result they render', () => {
  const r = loadResult('antrea-internode-delivered');
  const before = JSON.stringify(r);
  for (const output of OUTPUT_FORMATS) formatResult(r, { output, level: 5, color: true });
  assert.is(JSON.stringify(r), before);
});

test.run();
