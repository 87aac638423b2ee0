// Datapath-action classification, cookie normalisation and table-feature names. Real action
// strings come from the captured traces; the kernel tunnel form is the reference doc's (§7.5),
// which this machine's dummy/userspace datapaths cannot print.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import {
  classifyDatapathActions,
  describeDatapathActions,
  linkControllers,
  parseOfprotoTrace,
  normalizeCookie,
  parseTableFeatures,
  splitTopLevel,
} from '../../../drivers/ovs-common/index.js';
import { fixturePath } from '../../helpers/paths.js';
import { decodeOvnControllerUserdata } from '../../../drivers/ovn/ovn-controller-actions.js';
import { loadCapture } from '../helpers/captured-fixture.js';

function lastDatapathActions(name: string): string {
  const lines = loadCapture('ovs', name).stdout.split('\n').filter((l) => l.startsWith('Datapath actions: '));
  return lines[lines.length - 1].slice('Datapath actions: '.length);
}

test('splitTopLevel keeps nested brackets and quoted text whole', () => {
  assert.equal(splitTopLevel('ct(commit,zone=3,mark=0/0x1,nat(src)),set(eth(src=a,dst=b)),3'), [
    'ct(commit,zone=3,mark=0/0x1,nat(src))',
    'set(eth(src=a,dst=b))',
    '3',
  ]);
  assert.equal(splitTopLevel('a="x,(y",b'), ['a="x,(y"', 'b']);
});

test('real endings: output, explicit drop, implicit drop, controller, recirculation', () => {
  const out = classifyDatapathActions(lastDatapathActions('ofproto-trace-pod-to-pod-same-node'));
  assert.equal([out.outcome, out.outputPorts, out.explicitDrop], ['output', ['4'], false]);
  assert.equal(out.actions, ['ct(commit,zone=13,mark=0/0x1,nat(src))', '4']);

  const drop = classifyDatapathActions(lastDatapathActions('ofproto-trace-acl-default-deny'));
  assert.equal([drop.outcome, drop.explicitDrop, drop.outputPorts], ['drop', true, []]);

  const noOutput = classifyDatapathActions(lastDatapathActions('ofproto-trace-routing-miss'));
  assert.equal([noOutput.outcome, noOutput.explicitDrop], ['drop', false]);

  const controller = classifyDatapathActions(lastDatapathActions('ofproto-trace-acl-reject'));
  assert.is(controller.outcome, 'controller');
  assert.equal(controller.outputPorts, []);

  const recirc = classifyDatapathActions(lastDatapathActions('ofproto-trace-service-clusterip'));
  assert.equal([recirc.outcome, recirc.recirculationId], ['recirculate', '0x11']);

  const firstBlock = classifyDatapathActions('ct(zone=3,nat),recirc(0x1)');
  assert.equal([firstBlock.outcome, firstBlock.recirculationId], ['recirculate', '0x1']);
});

test('native tunnel (userspace datapath capture): tnl_push header fields', () => {
  const s = classifyDatapathActions(lastDatapathActions('ofproto-trace-pod-to-pod-cross-zone-native-tunnel'));
  assert.is(s.outcome, 'tunnel');
  assert.is(s.tunnelForm, 'native');
  assert.equal(s.outputPorts, ['6']);
  assert.is(s.tunnel?.tunnelId, '0xff0003');
  assert.is(s.tunnel?.destination, '172.18.0.3');
  assert.is(s.tunnel?.udpDestination, 6081);
  assert.equal(s.tunnel?.geneveOptions, [{ optionClass: '0x102', type: '0x80', length: 4, data: '0x20003' }]);
});

test('kernel tunnel (reference §7.5): set(tunnel(...)) before the port', () => {
  const s = classifyDatapathActions(
    'set(tunnel(tun_id=0xff0003,dst=172.18.0.2,ttl=64,tp_dst=6081,geneve({class=0x102,type=0x80,len=4,0x20004}),flags(df|csum|key))),5',
  );
  assert.is(s.outcome, 'tunnel');
  assert.is(s.tunnelForm, 'kernel');
  assert.equal(s.outputPorts, ['5']);
  assert.equal(s.tunnel, {
    tunnelId: '0xff0003', destination: '172.18.0.2', ttl: 64, udpDestination: 6081, encapsulation: 'geneve',
    geneveOptions: [{ optionClass: '0x102', type: '0x80', length: 4, data: '0x20004' }], flags: 'df|csum|key',
  });
  // Setting tunnel metadata without outputting anything is not a tunnel delivery.
  assert.is(classifyDatapathActions('set(tunnel(tun_id=0x1,dst=10.0.0.1)),drop').outcome, 'drop');
});

test('dummy datapath: a tunnel port number only counts as a tunnel when named', () => {
  const text = lastDatapathActions('ofproto-trace-pod-to-pod-cross-zone-dummy-tunnel');
  assert.ok(text.endsWith(',5'));
  assert.is(classifyDatapathActions(text).outcome, 'output');
  const named = classifyDatapathActions(text, new Set(['5']));
  assert.equal([named.outcome, named.tunnelForm, named.tunnel], ['tunnel', 'port', undefined]);
});

test('clone(...) bodies and bare actions', () => {
  const s = classifyDatapathActions('clone(ct_clear,set(eth(src=a)),7),ct_clear,pop_vlan');
  assert.equal([s.outcome, s.outputPorts], ['output', ['7']]);
  assert.is(classifyDatapathActions(undefined).outcome, 'error');
});

test('nested grammar: check_pkt_len branches, sample, dec_ttl, tnl_pop, controller fields, unknown actions', () => {
  // Forms printed by format_odp_actions (lib/odp-util.c); the upstream corpus test
  // (test/corpus/ofproto-trace-corpus.test.ts) checks them on real outputs.
  const cpl = classifyDatapathActions('check_pkt_len(size=1414,gt(userspace(pid=0,controller(reason=1,dont_send=1,continuation=0,recirc_id=4,rule_cookie=0xab,controller_id=0,max_len=65535))),le(set(eth(src=0a:58:64:40:00:01)),3))');
  assert.equal([cpl.outcome, cpl.outputPorts, cpl.shallowOutputPorts, cpl.nestedOutput], ['output', ['3'], [], true]);
  assert.is(cpl.lengthChecks.length, 1);
  assert.equal([cpl.lengthChecks[0].size, cpl.lengthChecks[0].greater.outcome, cpl.lengthChecks[0].lessOrEqual.outcome], [1414, 'controller', 'output']);
  assert.is(cpl.controllers[0].context, 'check_pkt_len(size=1414).gt');
  assert.equal([cpl.controllers[0].ruleCookie, cpl.controllers[0].dontSend, cpl.controllers[0].recirculationId], ['0xab', true, '4']);
  assert.is(describeDatapathActions(cpl), 'output to port 3 (longer than 1414 bytes: handed to the controller; up to 1414 bytes: output to port 3)');
  // Only larger packets meet the controller; the traced (minimal) packet takes le and is dropped.
  const largeOnly = classifyDatapathActions('check_pkt_len(size=1414,gt(userspace(pid=0,controller(reason=1,dont_send=1,continuation=0,recirc_id=4,rule_cookie=0xab,controller_id=0,max_len=65535))),le(drop))');
  assert.equal([largeOnly.outcome, largeOnly.controllers.length, largeOnly.lengthChecks[0].greater.outcome], ['drop', 1, 'controller']);
  assert.is(describeDatapathActions(largeOnly), 'dropped (longer than 1414 bytes: handed to the controller; up to 1414 bytes: dropped)');
  const bothEmpty = classifyDatapathActions('check_pkt_len(size=200,gt(drop),le(drop))');
  assert.equal([bothEmpty.outcome, bothEmpty.explicitDrop], ['drop', false]);

  const sampled = classifyDatapathActions('sample(sample=100.0%,actions(3)),4');
  assert.equal([sampled.outputPorts, sampled.shallowOutputPorts], [['3', '4'], ['4']]);
  const ttl = classifyDatapathActions('dec_ttl(le_1(userspace(pid=0,controller(reason=2,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535)))),2');
  assert.equal([ttl.outcome, ttl.outputPorts, ttl.controllers[0].context], ['output', ['2'], 'dec_ttl.le_1']);

  const pop = classifyDatapathActions('tnl_pop(6081)');
  assert.equal([pop.outcome, pop.tunnelPops], ['recirculate', ['6081']]);
  assert.match(describeDatapathActions(pop), /decapsulated and recirculated into tunnel port 6081/);
  assert.equal(classifyDatapathActions('lb_output(1)').outputPorts, ['lb_output(1)']);
  assert.equal(classifyDatapathActions('"my port",2').outputPorts, ['my port', '2']);

  // An attribute OVS itself did not know, a malformed list, an unknown name: never a drop.
  for (const text of ['action42(01 02)', 'ct(commit),***4 leftover bytes*** (01020304)', 'frobnicate(1)', 'check_pkt_len(error)', 'bad length 8, expected 4 for: meter(1)']) {
    const u = classifyDatapathActions(text);
    assert.is(u.outcome, 'unknown', text);
    assert.ok(u.unknownActions.length > 0, text);
  }
  // Output still wins when it is visible.
  assert.is(classifyDatapathActions('frobnicate(1),2').outcome, 'output');
});

test('real OVN check_pkt_len (gateway_mtu on the GR): larger packets to the controller, the traced one recirculates and is output', () => {
  const run = loadCapture('ovs', 'handoff-ofproto-trace-gateway-mtu-egress');
  const trace = parseOfprotoTrace(run.stdout, { controllerUserdata: decodeOvnControllerUserdata });
  const withCheck = trace.blocks.find((b) => b.datapathActions?.includes('check_pkt_len('));
  assert.ok(withCheck, 'a block with check_pkt_len');
  const s = classifyDatapathActions(withCheck.datapathActions);
  assert.is(s.lengthChecks.length, 1);
  const [check] = s.lengthChecks;
  assert.is(check.size, 1414); // gateway_mtu 1400 + the Ethernet header
  assert.is(check.greater.outcome, 'controller');
  assert.is(check.lessOrEqual.outcome, 'recirculate');
  // Not a drop and not a controller hand-off: the traced packet goes on in the le branch.
  assert.is(s.outcome, 'recirculate');
  const next = trace.blocks[trace.blocks.indexOf(withCheck) + 1];
  assert.is(next.recirculation?.id, s.recirculationId);
  // What the larger packet would meet: OVN's icmp4_error (fragmentation needed).
  linkControllers(s.controllers, withCheck, decodeOvnControllerUserdata);
  assert.equal(s.controllers.map((c) => [c.context, c.purpose?.name]), [['check_pkt_len(size=1414).gt', 'icmp4_error']]);
  assert.match(describeDatapathActions(s), /longer than 1414 bytes: handed to the controller; up to 1414 bytes: recirculated/);
  assert.is(trace.summary.outcome, 'output');
});

test('cookies: lower-case, no leading zeros, 8-digit OVN UUID prefix', () => {
  assert.equal(normalizeCookie('0x1461328'), { hex: '0x1461328', uuidPrefix: '01461328' }); // reference §8 example
  assert.equal(normalizeCookie('0XB25EAA7A'), { hex: '0xb25eaa7a', uuidPrefix: 'b25eaa7a' });
  assert.equal(normalizeCookie('0x0000abc'), { hex: '0xabc', uuidPrefix: '00000abc' });
  assert.equal(normalizeCookie('0x0'), { hex: '0x0', uuidPrefix: '00000000' });
  // Antrea's 64-bit cookies are kept whole.
  assert.equal(normalizeCookie('0x1030000000000'), { hex: '0x1030000000000', uuidPrefix: '1030000000000' });
  assert.is(normalizeCookie('cookie'), undefined);
});

test('parseTableFeatures: named tables from the captured dump-table-features', () => {
  const text = readFileSync(fixturePath('ovs', 'ovs-ofctl-dump-table-features.txt'), 'utf8');
  const names = parseTableFeatures(text);
  assert.equal([...names.entries()], [[0, 'PipelineRootClassifier'], [1, 'Classifier'], [2, 'SpoofGuard']]);
  assert.is(names.has(253), false); // printed as "table 253:", no name
  assert.equal([...parseTableFeatures('  table 7 ("a \\"quoted\\" name"):\n').entries()], [[7, 'a "quoted" name']]);
});

test.run();
