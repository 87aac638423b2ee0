// The Antrea OVS detail builds an ofproto/trace flow from the node's OVS (interface MAC, ofport or
// name) and the pods' status or the Traceflow (addresses): a value OVS would misread is named and
// the detail skipped, instead of being spliced into `in_port=...,dl_src=...`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unusableFlowValue } from '../../../drivers/antrea-ovs/ovs-detail/ovs-detail-run.js';

const entry = { inPort: 5, srcMac: 'aa:35:25:46:0e:11', dstMac: '02:00:00:00:00:02' };
const packet = { family: 'ip4' as const, protocol: 'tcp' as const, srcIp: '10.10.1.5', dstIp: '10.10.2.5', dstPort: 5432 };

test('valid values build a flow', () => {
  assert.is(unusableFlowValue(entry, packet), undefined);
  assert.is(unusableFlowValue({ ...entry, inPort: 'antrea-tun0' }, packet), undefined);
});

test('each spliced value is checked, and named in the reason', () => {
  assert.match(unusableFlowValue({ ...entry, srcMac: 'aa:35:25:46:0e:11,in_port=1' }, packet)!, /source MAC "aa:35:25:46:0e:11,in_port=1" is not a MAC address/);
  assert.match(unusableFlowValue({ ...entry, dstMac: '' }, packet)!, /destination MAC "" is not a MAC/);
  assert.match(unusableFlowValue({ ...entry, inPort: 'tun0,actions=drop' }, packet)!, /in_port "tun0,actions=drop"/);
  assert.match(unusableFlowValue({ ...entry, inPort: 0 }, packet)!, /in_port 0 is not an OpenFlow port/);
  assert.match(unusableFlowValue(entry, { ...packet, dstIp: 'fe80::1%eth0' })!, /destination address "fe80::1%eth0" is not an IPv4 address/);
  assert.match(unusableFlowValue(entry, { ...packet, srcIp: 'fd00::5' })!, /source address "fd00::5" is not an IPv4 address/);
});

test.run();
