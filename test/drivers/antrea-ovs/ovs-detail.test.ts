import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GLOBAL_VIRTUAL_MAC, ofprotoFlow } from '../../../drivers/antrea-ovs/ovs-detail/ofproto-flow.js';
import { interfaceNamed, parseInterfaces, podInterface } from '../../../drivers/antrea-ovs/ovs-detail/ovs-interfaces.js';
import { decodeCookie, decodeRegisters, pipelineObservations } from '../../../drivers/antrea-ovs/ovs-detail/pipeline-annotation.js';
import { parseOfprotoTrace } from '../../../drivers/ovs-common/index.js';
import { fixturePath } from '../../helpers/paths.js';

test('cookie categories and rounds (reference §5.2)', () => {
  assert.equal(decodeCookie('0x2070000000000'), { round: 2, category: 'Traceflow' });
  assert.equal(decodeCookie('0x1020000000001'), { round: 1, category: 'NetworkPolicy' });
  assert.equal(decodeCookie('0x1030000000000'), { round: 1, category: 'Service' });
  assert.equal(decodeCookie('0xff0000000000'), { round: 0, category: 'category 255' });
  assert.is(decodeCookie('zz'), undefined);
});

test('register marks: set_field and load writes, and matches', () => {
  assert.equal(decodeRegisters('', ['set_field:0x3/0xf->reg0', 'goto_table:4']).sets, ['PktSourceField=local pod (3)']);
  assert.equal(decodeRegisters('', ['set_field:0x200000/0x600000->reg0']).sets, ['OutputRegField=output to OpenFlow port (1)']);
  assert.equal(decodeRegisters('', ['load:0x2->NXM_NX_REG0[11..12]']).sets, ['APDispositionField=reject (2)']);
  assert.equal(decodeRegisters('', ['set_field:0x4->reg6']).sets, ['TFIngressConjIDField=4']);
  assert.equal(decodeRegisters('reg0=0xc00/0x1c00,reg3=0x1', []).matches, ['APDenyRegMark=deny (1)', 'APDispositionField=drop (1)', 'EndpointIP/APConjID=1']);
});

test('interfaces: pod port by pod-name and pod-namespace, its attached MAC over the host side\'s', () => {
  const json = JSON.stringify({
    headings: ['name', 'ofport', 'mac_in_use', 'mac', 'external_ids'],
    data: [
      ['antrea-tun0', 1, '6e:00:00:00:00:01', ['set', []], ['map', [['antrea-type', 'tunnel']]]],
      ['antrea-gw0', 2, '02:00:00:00:00:02', '02:00:00:00:00:02', ['map', [['antrea-type', 'gateway']]]],
      ['client-1f2e3d', 5, 'ee:ee:ee:ee:ee:ee', ['set', []], ['map', [['attached-mac', 'aa:35:25:46:0e:11'], ['pod-name', 'client'], ['pod-namespace', 'frontend']]]],
      ['client-other', ['set', []], ['set', []], ['set', []], ['map', [['pod-name', 'client'], ['pod-namespace', 'other']]]],
    ],
  });
  const ifaces = parseInterfaces(json);
  assert.equal(podInterface(ifaces, 'frontend', 'client'), { name: 'client-1f2e3d', ofport: 5, mac: 'aa:35:25:46:0e:11', externalIds: { 'attached-mac': 'aa:35:25:46:0e:11', 'pod-name': 'client', 'pod-namespace': 'frontend' } });
  assert.equal(podInterface(ifaces, 'other', 'client')?.ofport, undefined, 'no ofport yet');
  assert.is(interfaceNamed(ifaces, 'antrea-gw0')?.mac, '02:00:00:00:00:02');
  assert.throws(() => parseInterfaces('{"x":1}'), /not an ovs-vsctl JSON table/);
});

test('flows: sender from the pod port, receiver from the tunnel with the global virtual MAC, IPv6 and ICMP forms', () => {
  // The shared OVS builder's syntax: tcp_src/tcp_dst, udp_dst (OVS 3.1 rejects tp_dst with udp:
  // the old expectation 'tp_dst=53' was that bug) and icmpv6_type (icmp_type with icmp6 is
  // rejected: the old expectation 'icmp_type=128' was that bug). Real-OVS acceptance of every
  // form: test/drivers/ovs-common/ofproto-flow.test.ts.
  assert.is(
    ofprotoFlow({ inPort: 1, srcMac: GLOBAL_VIRTUAL_MAC, dstMac: GLOBAL_VIRTUAL_MAC }, { family: 'ip4', protocol: 'tcp', srcIp: '10.10.1.5', dstIp: '10.10.2.5', srcPort: 10000, dstPort: 5432, tcpFlags: 2 }),
    'in_port=1,tcp,dl_src=aa:bb:cc:dd:ee:ff,dl_dst=aa:bb:cc:dd:ee:ff,nw_src=10.10.1.5,nw_dst=10.10.2.5,nw_ttl=64,tcp_dst=5432,tcp_src=10000,tcp_flags=0x002',
  );
  assert.is(ofprotoFlow({ inPort: 'p', srcMac: 'a', dstMac: 'b' }, { family: 'ip6', protocol: 'icmp', srcIp: 'fd00::1', dstIp: 'fd00::2', ttl: 3 }), 'in_port=p,icmp6,dl_src=a,dl_dst=b,ipv6_src=fd00::1,ipv6_dst=fd00::2,nw_ttl=3,icmpv6_type=128,icmpv6_code=0');
  assert.is(ofprotoFlow({ inPort: 4, srcMac: 'a', dstMac: 'b' }, { family: 'ip4', protocol: 'udp', srcIp: '1.1.1.1', dstIp: '2.2.2.2', dstPort: 53 }), 'in_port=4,udp,dl_src=a,dl_dst=b,nw_src=1.1.1.1,nw_dst=2.2.2.2,nw_ttl=64,udp_dst=53');
});

test('captured receiver trace (ANP drop): named tables, the dropping flow marked terminal with its policy registers', () => {
  const text = readFileSync(fixturePath('antrea', 'ofproto-trace-receiver-anp-drop.txt'), 'utf8');
  const trace = parseOfprotoTrace(text);
  const names = new Map([[0, 'PipelineRootClassifier'], [3, 'Classifier'], [26, 'IngressMetric']]);
  const obs = pipelineObservations(trace, names, 'antrea-worker2');
  assert.is(obs[0]!.stage, 'PipelineRootClassifier');
  assert.ok(obs.some((o) => o.stage === 'table 6'), 'unnamed tables keep their number');
  const dropped = obs.filter((o) => o.terminal);
  assert.is(dropped.length, 1);
  assert.is(dropped[0]!.stage, 'IngressMetric');
  assert.is(dropped[0]!.action, 'dropped');
  assert.is(dropped[0]!.detail?.cookieCategory, 'NetworkPolicy');
  assert.equal(dropped[0]!.detail?.registersMatched, ['APDenyRegMark=deny (1)', 'APDispositionField=drop (1)', 'EndpointIP/APConjID=1']);
  assert.is(obs.at(-1), dropped[0], 'the pipeline ends there');
});

test.run();
