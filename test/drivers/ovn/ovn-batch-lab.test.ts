/**
 * OVN traces in a batch (traceAll: shared node discovery, shared ovn-detrace per node, shared
 * attribution look-ups) give the same results as the same traces run one by one.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { container } from 'tsyringe';
import type { TraceRequest, TraceResult } from '../../../core/model.js';
import { createTraceRequest } from '../../../core/request-defaults.js';
import { traceAll } from '../../../core/trace-all.js';
import { traceToResult } from '../../../core/tracer.js';
import { registerOvnDriver } from '../../../drivers/ovn/index.js';
import type { Lab } from '../../../lab/lab.js';
import { startLab, stopLab } from '../../helpers/lab-fixture.js';
import { repoRoot } from '../../helpers/paths.js';

let lab: Lab | undefined;

test.before(async () => {
  lab = await startLab(join(repoRoot, 'lab', 'scenarios', 'default.yaml'));
});

test.after(async () => {
  await stopLab(lab);
});

const pod = (namespace: string, name: string) => ({ kind: 'pod' as const, namespace, name });
const requests: TraceRequest[] = [
  createTraceRequest({ source: pod('frontend', 'client'), destination: pod('backend', 'web'), packet: { protocol: 'tcp', dstPort: 8080 } }),
  createTraceRequest({ source: pod('frontend', 'client'), destination: pod('frontend', 'api'), packet: { protocol: 'tcp', dstPort: 8080 } }),
  createTraceRequest({ source: pod('frontend', 'client'), destination: pod('backend', 'db'), packet: { protocol: 'tcp', dstPort: 5432 } }),
  createTraceRequest({ source: pod('frontend', 'api'), destination: pod('backend', 'db'), packet: { protocol: 'tcp', dstPort: 5432 } }),
  createTraceRequest({ source: pod('frontend', 'client'), destination: { kind: 'service', namespace: 'backend', name: 'web' }, packet: { protocol: 'tcp', dstPort: 80 } }),
  createTraceRequest({ source: pod('frontend', 'client'), destination: pod('frontend', 'api'), packet: { protocol: 'tcp', dstPort: 8080 }, skipDetrace: true }),
];

/** A result without what legitimately differs between runs: timings and OVS recirculation ids. */
function comparable(r: TraceResult): string {
  return JSON.stringify({ ...r, startedAt: undefined, durationMs: undefined }, (k, v) => (k === 'durationMs' ? undefined : v))
    .replace(/(recirc_id=|recirc_id\(|recirc\(|recirculation=|"recirculation":")0x[0-9a-f]+/g, '$1R');
}

test('traceAll gives what one-by-one traces give', async () => {
  const drivers = container.createChildContainer();
  registerOvnDriver(drivers);
  const kube = { kubeconfig: lab!.kubeconfigPath! };
  const single: TraceResult[] = [];
  for (const r of requests) single.push(await traceToResult(r, { container: drivers, kube }));
  const batch = await traceAll([...requests, ...requests], { container: drivers, kube, concurrency: 4 });
  batch.forEach((o, i) => {
    assert.ok(o.result, o.error?.message);
    assert.is(comparable(o.result!), comparable(single[i % requests.length]!), `request ${i % requests.length}`);
  });
  assert.ok(single.some((r) => r.legs.some((l) => l.tool === 'ovn-detrace' && l.verdict === 'delivered')), 'ovn-detrace ran');
  assert.ok(single.some((r) => r.verdict === 'dropped' && r.drop), 'a drop was attributed');
});

test.run();
