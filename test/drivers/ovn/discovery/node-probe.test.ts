// A node probe's answer that is not what OVS/OVN print is a typed NODE_PROBE_MALFORMED error
// naming the node and the value (it was an "internal error": a bare SyntaxError/TypeError).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeProbeError, parseNodeProbe } from '../../../../drivers/ovn/discovery/node-probe.js';
import { fixturePath } from '../../../helpers/paths.js';

const real = readFileSync(fixturePath('ovn', 'lab', 'node-probe-ovn-worker.txt'), 'utf8');

function malformed(text: string, fragment: RegExp) {
  try {
    parseNodeProbe('ovn-worker', text);
  } catch (err) {
    assert.instance(err, NodeProbeError, String(err));
    assert.is((err as NodeProbeError).code, 'NODE_PROBE_MALFORMED');
    assert.is((err as NodeProbeError).exitCode, 3);
    assert.match((err as Error).message, /^node ovn-worker: the node probe's answer cannot be used/);
    assert.match((err as Error).message, fragment);
    return;
  }
  assert.unreachable(`expected NODE_PROBE_MALFORMED matching ${fragment}`);
}

test('the real probe of the lab parses unchanged', () => {
  const probe = parseNodeProbe('ovn-worker', real);
  assert.is(probe.rtosMac, '0a:58:0a:f4:01:01');
  assert.is(probe.interfaces.length, 5);
});

test('output that is not the JSON table: typed error, not a SyntaxError', () => {
  malformed(real.replace(/\{"data":\[\["33e8[^\n]*/, '{"data":[["33e8'), /not JSON/);
  malformed(real.replace('"headings":["logical_port","mac"]', '"headings":"x"'), /no "headings" and "data" arrays/);
  malformed(real.replace(/\{"data":\[\["stor[^\n]*/, '{"data":[7],"headings":["logical_port","mac"]}'), /a row is not an array/);
  malformed(real.replace('["map",[["attached-mac","0a:58:0a:f4:01:06"]', '["map",[["attached-mac"]'), /a map is not a list of pairs/);
});

test('values that would be spliced into flows are checked', () => {
  malformed(real.replace('0a:58:0a:f4:01:01 10.244.1.1/24', 'zz:58:0a:f4:01:01 10.244.1.1/24'), /Port_Binding "rtos-ovn-worker" has mac .* not a MAC address/);
  malformed(real.replace('"aa:55:aa:55:00:0e"', '"aa:55:aa:55:00:0e,in_port=9"'), /mac_in_use "aa:55:aa:55:00:0e,in_port=9", not a MAC address/);
  malformed(real.replace('["attached-mac","0a:58:0a:f4:01:06"]', '["attached-mac","nope"]'), /external_ids:attached-mac "nope"/);
  malformed(real.replace('"33e820dd00afc60",1', '"33e8 20dd",1'), /named "33e8 20dd"/);
  malformed(real.replace('"33e820dd00afc60",1', '"33e820dd00afc60",70000'), /ofport 70000, not an OpenFlow port number/);
  malformed(real.replace('["remote_ip","172.18.0.3"]', '["remote_ip","172.18.0.3.4"]'), /options:remote_ip "172.18.0.3.4"/);
  malformed(real.replace('["iface-id","backend_web"]', '["iface-id","backend web"]'), /iface-id "backend web"/);
});

test.run();
