/**
 * traceAll: bounded concurrency, results in request order, failures kept per request, one
 * client and one scope for the batch (closed at the end); the shared HTTPS agent of a loaded
 * kubeconfig.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Observable } from 'rxjs';
import { container } from 'tsyringe';
import { TRACE_DRIVER, type ClusterContext, type DriverDetection, type TraceContext, type TraceDriver } from '../../core/driver.js';
import type { DriverEvent } from '../../core/events.js';
import { KubeClient } from '../../core/kube/kube-client.js';
import { loadKubeConfig } from '../../core/kube/kube-config-loader.js';
import type { TraceRequest } from '../../core/model.js';
import { createTraceRequest } from '../../core/request-defaults.js';
import { traceAll } from '../../core/trace-all.js';
import { TraceScope } from '../../core/trace-scope.js';

/** A driver that takes a while per trace, records concurrency, clients and scopes, and fails for pod "bad". */
class SlowDriver implements TraceDriver {
  readonly id = 'slow';
  readonly description = 'slow test driver';
  running = 0;
  peak = 0;
  readonly kubes = new Set<unknown>();
  readonly scopes = new Set<unknown>();

  async detect(cluster: ClusterContext): Promise<DriverDetection> {
    this.scopes.add(cluster.scope);
    return { applies: true, reason: 'always' };
  }

  trace(request: TraceRequest, ctx: TraceContext): Observable<DriverEvent> {
    return new Observable<DriverEvent>((sub) => {
      this.running++;
      this.peak = Math.max(this.peak, this.running);
      this.kubes.add(ctx.kube());
      if (ctx.scope) ctx.scope.shared('slow:count', () => ({ n: 0 })).n++;
      const delay = 5 + ((request.destination.kind === 'pod' ? Number(request.destination.name.replace(/\D/g, '')) : 0) % 3) * 5;
      setTimeout(() => {
        this.running--;
        if (request.destination.kind === 'pod' && request.destination.name === 'bad') return sub.error(new Error('no such pod'));
        const leg = { id: 'l', tool: 't', direction: 'forward' as const, description: 'd', verdict: 'delivered' as const, decisive: true, observations: [], durationMs: 1 };
        sub.next({ type: 'leg-finished', leg });
        sub.complete();
      }, delay);
    });
  }
}

const req = (name: string) => createTraceRequest({ source: { kind: 'pod', namespace: 'a', name: 'src' }, destination: { kind: 'pod', namespace: 'b', name }, packet: { protocol: 'tcp', dstPort: 80 } });

function kubeconfig(dir: string): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    ['apiVersion: v1', 'kind: Config', 'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]', 'users: [{name: u, user: {token: t}}]', 'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', ''].join('\n'),
  );
  return path;
}

test('bounded concurrency, request order, a failure stays with its request, one client and one closed scope', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-all-'));
  try {
    const driver = new SlowDriver();
    const c = container.createChildContainer();
    c.register(TRACE_DRIVER, { useValue: driver });
    const names = ['p1', 'p2', 'bad', 'p4', 'p5', 'p6', 'p7'];
    const out = await traceAll(names.map(req), { container: c, kube: { kubeconfig: kubeconfig(dir) }, concurrency: 3 });
    assert.equal(out.map((o) => (o.request.destination as { name: string }).name), names);
    assert.is(out[2]!.error?.message, 'no such pod');
    assert.ok(out.filter((_, i) => i !== 2).every((o) => o.result?.verdict === 'delivered'));
    assert.is(driver.peak, 3);
    assert.is(driver.kubes.size, 1, 'one Kubernetes client for the batch');
    assert.is(driver.scopes.size, 1, 'one scope for the batch');
    const scope = [...driver.scopes][0] as TraceScope;
    assert.ok(scope instanceof TraceScope && scope.closed, 'the batch scope is closed at the end');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a scope passed in is shared and left open for the caller', async () => {
  const driver = new SlowDriver();
  const c = container.createChildContainer();
  c.register(TRACE_DRIVER, { useValue: driver });
  const scope = new TraceScope();
  const kube = new KubeClient(loadKubeConfig({ kubeconfig: kubeconfig(mkdtempSync(join(tmpdir(), 'cni-trace-all-'))) }));
  await traceAll([req('p1'), req('p2')], { container: c, kube, scope });
  assert.is(scope.closed, false);
  assert.is(scope.shared('slow:count', () => ({ n: 0 })).n, 2);
  let closed = false;
  scope.onClose(() => {
    closed = true;
  });
  await scope.close();
  assert.ok(closed && scope.closed && scope.signal.aborted);
});

test('a loaded kubeconfig hands out one kept-alive agent per cluster, user and TLS settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-trace-agent-'));
  try {
    const kc = loadKubeConfig({ kubeconfig: kubeconfig(dir) });
    const create = (kc as unknown as { createAgent: (c: unknown, o: unknown) => { keepAlive?: boolean } }).createAgent.bind(kc);
    const cluster = kc.getCurrentCluster();
    const a = create(cluster, { rejectUnauthorized: false });
    assert.is(create(cluster, { rejectUnauthorized: false }), a);
    assert.is.not(create(cluster, { rejectUnauthorized: true }), a);
    assert.is(a.keepAlive, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
