import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseStringPromise } from 'xml2js';
import { CNI_TRACE_API_VERSION, formatTraceError, traceErrorReport } from '../../formatters/index.js';
import { RESULT_NAMES, loadResult } from './result-fixtures.js';

test('the error document: envelope fields, partialResult only when the trace learnt something', () => {
  const bare = traceErrorReport({ code: 'CLUSTER_ERROR', message: 'cannot reach', exitCode: 3 }, { legs: [], warnings: [] });
  assert.equal(bare, { apiVersion: CNI_TRACE_API_VERSION, kind: 'TraceError', code: 'CLUSTER_ERROR', message: 'cannot reach', exitCode: 3 });
  const r = loadResult(RESULT_NAMES[0]!);
  const partial = { request: r.request, cni: r.cni, legs: r.legs.slice(0, 1), warnings: ['w'] };
  const withPartial = traceErrorReport({ code: 'INTERRUPTED', message: 'interrupted', exitCode: 130 }, partial);
  assert.equal(withPartial.partialResult, partial);
  assert.equal(JSON.parse(formatTraceError(withPartial, 'json')), withPartial);
  assert.equal(parse(formatTraceError(withPartial, 'yaml')), withPartial);
});

test('JUnit: one suite, one <error> case typed by the code; control characters are made safe', async () => {
  const r = loadResult(RESULT_NAMES[0]!);
  const report = traceErrorReport({ code: 'FORBIDDEN', message: 'permission denied: cannot create pods/exec \u0007<x>', exitCode: 3 }, { request: r.request, cni: r.cni, legs: r.legs.slice(0, 1), warnings: [] });
  const xml = (await parseStringPromise(formatTraceError(report, 'junit'))) as {
    testsuites: { $: Record<string, string>; testsuite: Array<{ $: Record<string, string>; testcase: Array<{ error: Array<{ $: { type: string; message: string } }> }>; 'system-out'?: string[] }> };
  };
  assert.is(xml.testsuites.$.errors, '1');
  const suite = xml.testsuites.testsuite[0]!;
  assert.is(suite.$.tests, '1');
  assert.match(suite.$.name, /^cni-trace /, 'named after the trace');
  const error = suite.testcase[0]!.error[0]!;
  assert.is(error.$.type, 'FORBIDDEN');
  assert.is(error.$.message, 'permission denied: cannot create pods/exec \\x07<x>');
  assert.match(suite['system-out']![0]!, /finished before the failure/);
});

test.run();
