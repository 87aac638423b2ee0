// A Traceflow read from the API is checked before the driver uses it: a timestamp out of range
// (which made `toISOString` throw: "internal error") or a status of the wrong shape is a typed
// TRACEFLOW_MALFORMED error naming the Traceflow and the field.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reportTimestamp } from '../../../../drivers/antrea-ovs/traceflow/observation-normalize.js';
import { evaluateTraceflow } from '../../../../drivers/antrea-ovs/traceflow/traceflow-evaluation.js';
import { checkTraceflowObject, TraceflowDataError } from '../../../../drivers/antrea-ovs/traceflow/traceflow-shape.js';
import type { Traceflow } from '../../../../drivers/antrea-ovs/traceflow/traceflow-types.js';
import { createTraceRequest } from '../../../../core/request-defaults.js';
import { fixturePath } from '../../../helpers/paths.js';

const load = (name: string): Traceflow => JSON.parse(readFileSync(fixturePath('antrea', 'traceflow', `${name}.json`), 'utf8')) as Traceflow;

function malformed(tf: unknown, field: RegExp) {
  try {
    checkTraceflowObject(tf);
  } catch (err) {
    assert.instance(err, TraceflowDataError, String(err));
    assert.is((err as TraceflowDataError).code, 'TRACEFLOW_MALFORMED');
    assert.is((err as TraceflowDataError).exitCode, 3);
    assert.match((err as TraceflowDataError).field, field);
    assert.match((err as Error).message, /kubectl get traceflow .* -o yaml/);
    return;
  }
  assert.unreachable(`expected TRACEFLOW_MALFORMED for ${field}`);
}

test('captured Traceflows pass unchanged', () => {
  for (const name of ['internode-delivered', 'same-node-service-delivered', 'anp-drop', 'default-deny-drop', 'icmp-internode']) {
    const tf = load(name);
    assert.is(checkTraceflowObject(tf), tf);
  }
});

test('a timestamp out of range: typed error; the normalizer itself no longer throws', () => {
  const tf = load('anp-drop');
  tf.status!.results![0]!.timestamp = 1e20;
  malformed(tf, /^status\.results\[0\]\.timestamp$/);
  assert.is(reportTimestamp(1e20), undefined);
  // Before: evaluateTraceflow of a timed-out Traceflow with such a report threw a RangeError.
  tf.status!.phase = 'Failed';
  tf.status!.reason = 'Traceflow timeout';
  const request = createTraceRequest({ source: { kind: 'pod', namespace: 'frontend', name: 'client' }, destination: { kind: 'pod', namespace: 'backend', name: 'db' }, packet: { protocol: 'tcp', dstPort: 5432 } });
  assert.is(evaluateTraceflow(tf, { request, sourceLabel: 'frontend/client', destinationLabel: 'backend/db' }).verdict, 'inconclusive');
});

test('a status of the wrong shape is named by field', () => {
  const base = () => load('internode-delivered');
  let tf: any = base();
  tf.status.results = 'x';
  malformed(tf, /^status\.results$/);
  tf = base();
  tf.status.results[1].observations = {};
  malformed(tf, /^status\.results\[1\]\.observations$/);
  tf = base();
  tf.status.results[0].observations[0].component = 7;
  malformed(tf, /^status\.results\[0\]\.observations\[0\]\.component$/);
  tf = base();
  tf.status.results[0].observations[2].tunnelDstIP = '172.18.0.3,in_port=1';
  malformed(tf, /tunnelDstIP$/);
  tf = base();
  tf.status.capturedPacket = { srcIP: '10.10.1.5', dstIP: 'fe80::1%eth0' };
  malformed(tf, /^status\.capturedPacket\.dstIP$/);
  tf = base();
  tf.status.results[0].node = 'node a';
  malformed(tf, /\.node$/);
  malformed({ metadata: {} }, /^metadata\.name$/);
  malformed(null, /^the object$/);
});

test.run();
