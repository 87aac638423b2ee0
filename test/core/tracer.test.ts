import 'reflect-metadata';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Observable, toArray, lastValueFrom } from 'rxjs';
import { container } from 'tsyringe';
import { CleanupTracker } from '../../core/cleanup-tracker.js';
import { TRACE_DRIVER, type TraceContext, type TraceDriver } from '../../core/driver.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { DriverEvent, TraceEvent } from '../../core/events.js';
import { createTraceRequest } from '../../core/request-defaults.js';
import { LocalCommandRunner } from '../../core/runner/local-command-runner.js';
import { trace, traceToResult } from '../../core/tracer.js';
import { ScriptedDriver } from '../helpers/test-drivers.js';

const request = createTraceRequest({
  source: { kind: 'pod', namespace: 'frontend', name: 'client' },
  destination: { kind: 'pod', namespace: 'backend', name: 'db' },
  packet: { protocol: 'tcp', dstPort: 5432 },
});

function withDrivers(...drivers: TraceDriver[]) {
  const c = container.createChildContainer();
  for (const d of drivers) c.register(TRACE_DRIVER, { useValue: d });
  return c;
}

test('stream order: started, resolved, legs, finished; cold until subscribed', async () => {
  const driver = new ScriptedDriver('ovn-kubernetes', true, ['delivered', 'delivered']);
  const stream = trace(request, { container: withDrivers(driver) });
  assert.is(driver.detectCalls, 0, 'cold');
  const events = await lastValueFrom(stream.pipe(toArray()));
  const types = events.map((e) => e.type).filter((t) => t !== 'log');
  assert.equal(types, ['started', 'resolved', 'leg-started', 'leg-finished', 'leg-started', 'leg-finished', 'finished']);
  const finished = events.at(-1) as Extract<TraceEvent, { type: 'finished' }>;
  assert.is(finished.result.verdict, 'delivered');
  assert.is(finished.result.cni, 'ovn-kubernetes');
  assert.is(finished.result.legs.length, 2);
  assert.equal(JSON.parse(JSON.stringify(finished.result)), finished.result, 'JSON-serialisable');
});

test('a dropped decisive leg decides the verdict and carries the policy', async () => {
  const result = await traceToResult(request, { container: withDrivers(new ScriptedDriver('ovn-kubernetes', true, ['delivered', 'dropped'])) });
  assert.is(result.verdict, 'dropped');
  assert.equal(result.drop, { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: 'ns', name: 'deny' }, explanation: 'denied by ns/deny' });
  assert.match(result.reason, /denied by ns\/deny/);
});

test('no decisive leg is inconclusive, not dropped', async () => {
  const result = await traceToResult(request, { container: withDrivers(new ScriptedDriver('ovn-kubernetes', true, [])) });
  assert.is(result.verdict, 'inconclusive');
});

test('an invalid request fails before any driver is asked', async () => {
  const driver = new ScriptedDriver('ovn-kubernetes', true);
  const bad = { ...request, packet: { ...request.packet, dstPort: 99999 } };
  try {
    await traceToResult(bad, { container: withDrivers(driver) });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.is((err as InvalidArgumentError).argument, 'dst-port');
  }
  assert.is(driver.detectCalls, 0);
});

/** A driver that starts a real long-running process and registers clean-up. */
class SlowDriver implements TraceDriver {
  readonly id = 'slow';
  readonly description = 'runs sleep';
  cleanedUp = false;
  constructor(private readonly pidFile: string) {}
  async detect() {
    return { applies: true, reason: 'always' };
  }
  validate(r: typeof request) {
    if (r.packet.dstPort === 1) throw new InvalidArgumentError('dst-port', 'slow driver refuses port 1');
  }
  trace(_r: typeof request, context: TraceContext) {
    return new Observable<DriverEvent>((sub) => {
      context.addCleanup(async () => {
        await new Promise((r) => setTimeout(r, 50));
        this.cleanedUp = true;
      });
      sub.next({ type: 'leg-started', legId: 'l', tool: 'sleep', direction: 'forward', description: 'sleeping' });
      new LocalCommandRunner()
        .run({ argv: ['sh', '-c', `echo $$ > ${this.pidFile}; exec sleep 60`], signal: context.signal })
        .then(() => sub.complete(), (err) => sub.error(err));
    });
  }
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('unsubscribing kills child processes and runs clean-up', async () => {
  const pidFile = `/tmp/cni-trace-tracer-${process.pid}`;
  rmSync(pidFile, { force: true });
  const driver = new SlowDriver(pidFile);
  const tracker = new CleanupTracker();
  const sub = trace(request, { container: withDrivers(driver), cleanup: tracker }).subscribe();
  for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile);
  assert.ok(alive(pid));
  sub.unsubscribe();
  assert.ok(await tracker.settled(5000));
  assert.ok(driver.cleanedUp, 'clean-up ran');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(alive(pid), 'sleep was killed');
});

test('driver-specific validation runs before the trace', async () => {
  const driver = new SlowDriver('/tmp/unused');
  try {
    await traceToResult({ ...request, packet: { ...request.packet, dstPort: 1 } }, { container: withDrivers(driver) });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /slow driver refuses port 1/);
  }
});

test.run();
