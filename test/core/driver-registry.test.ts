import 'reflect-metadata';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { container } from 'tsyringe';
import { DriverRegistry } from '../../core/driver-registry.js';
import { TRACE_DRIVER, type ClusterContext } from '../../core/driver.js';
import { DriverSelectionError } from '../../core/errors.js';
import { ScriptedDriver } from '../helpers/test-drivers.js';

const logs: string[] = [];
const cluster: ClusterContext = {
  kube: () => {
    throw new Error('not needed');
  },
  log: (_l, m) => logs.push(m),
};

function registry(...drivers: ScriptedDriver[]) {
  const c = container.createChildContainer();
  for (const d of drivers) c.register(TRACE_DRIVER, { useValue: d });
  return new DriverRegistry(c);
}

test('picks the only driver whose detection applies', async () => {
  const r = registry(new ScriptedDriver('antrea', false), new ScriptedDriver('ovn-kubernetes', true));
  const { driver, detection } = await r.select(undefined, cluster);
  assert.is(driver.id, 'ovn-kubernetes');
  assert.match(detection.reason, /pods found/);
});

test('none applying: says so with every reason', async () => {
  const r = registry(new ScriptedDriver('antrea', false), new ScriptedDriver('ovn-kubernetes', false));
  try {
    await r.select('auto', cluster);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DriverSelectionError);
    assert.match((err as Error).message, /no supported CNI detected.*antrea: no antrea pods; ovn-kubernetes: no ovn-kubernetes pods.*--cni/);
  }
});

test('several applying: asks for --cni', async () => {
  const r = registry(new ScriptedDriver('antrea', true), new ScriptedDriver('ovn-kubernetes', true));
  try {
    await r.select(undefined, cluster);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /several CNIs detected \(antrea, ovn-kubernetes\).*--cni/);
  }
});

test('--cni overrides detection, by id or alias; unknown is a usage error', async () => {
  const ovn = new ScriptedDriver('ovn-kubernetes', false, ['delivered'], ['ovn']);
  const r = registry(new ScriptedDriver('antrea', true), ovn);
  assert.is((await r.select('ovn', cluster)).driver.id, 'ovn-kubernetes');
  assert.is(ovn.detectCalls, 0, 'forced driver is not asked to detect');
  try {
    await r.select('calico', cluster);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DriverSelectionError);
    assert.is((err as DriverSelectionError).exitCode, 2);
    assert.match((err as Error).message, /unknown CNI "calico" \(known: auto, antrea, ovn-kubernetes\)/);
  }
});

test('no driver registered', async () => {
  try {
    await registry().select(undefined, cluster);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /no CNI driver is registered/);
  }
});

test.run();
