// The shared ofproto/trace flow builder against the real `ovs-appctl ofproto/trace` (OVS 3.1,
// dummy datapath, throw-away run dir): every tcp/udp/icmp × IPv4/IPv6 form, through the shared
// builder and through both drivers' wrappers, must be accepted and read back as the packet meant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ofprotoTraceArgv, ofprotoTraceFlow, parseOfprotoTrace } from '../../../drivers/ovs-common/index.js';
import type { OfprotoFlowPacket } from '../../../drivers/ovs-common/index.js';
import { ofprotoFlow as ovnOfprotoFlow } from '../../../drivers/ovn/commands/microflow.js';
import { ofprotoFlow as antreaOfprotoFlow, ofprotoTraceArgv as antreaTraceArgv } from '../../../drivers/antrea-ovs/ovs-detail/ofproto-flow.js';
import { startDummyOvs, type DummyOvs } from '../../helpers/dummy-ovs.js';

let ovs: DummyOvs | undefined;

test.before(async () => {
  ovs = await startDummyOvs();
  await ovs.vsctl('add-br', 'br0', '--', 'add-port', 'br0', 'p1', '--', 'set', 'interface', 'p1', 'ofport_request=1', '--', 'add-port', 'br0', 'p2', '--', 'set', 'interface', 'p2', 'ofport_request=2');
  await ovs.run(['ovs-ofctl', 'add-flow', 'br0', 'in_port=1,actions=output:2']);
});

test.after(async () => {
  await ovs?.stop();
});

const ADDRESSES = {
  ip4: { srcIp: '10.244.1.5', dstIp: '10.244.2.9' },
  ip6: { srcIp: 'fd00:10:244:1::5', dstIp: 'fd00:10:244:2::9' },
} as const;

function packet(family: 'ip4' | 'ip6', protocol: 'tcp' | 'udp' | 'icmp'): OfprotoFlowPacket {
  return {
    family,
    protocol,
    ...ADDRESSES[family],
    srcMac: '0a:58:0a:f4:01:05',
    dstMac: '0a:58:0a:f4:01:01',
    ttl: 63,
    ...(protocol !== 'icmp' ? { srcPort: 52888, dstPort: 5353 } : {}),
    ...(protocol === 'tcp' ? { tcpFlags: 0x002 } : {}),
  };
}

/** Runs the trace and returns the `Flow:` OVS read, failing on any tool error. */
async function traced(argv: string[]): Promise<string> {
  const out = await ovs!.run(argv);
  const trace = parseOfprotoTrace(out.stdout, { stderr: out.stderr, exitCode: out.exitCode });
  assert.is(out.exitCode, 0, `${argv.at(-1)}: ${out.stderr}`);
  assert.equal(trace.errors, [], argv.at(-1));
  assert.is(trace.summary.outcome, 'output', argv.at(-1));
  return trace.blocks[0].flow ?? '';
}

/** What OVS must read back from the flow of `p`. */
function expectedFields(p: OfprotoFlowPacket): string[] {
  const v6 = p.family === 'ip6';
  const fields = [v6 ? `ipv6_src=${p.srcIp}` : `nw_src=${p.srcIp}`, v6 ? `ipv6_dst=${p.dstIp}` : `nw_dst=${p.dstIp}`, `nw_ttl=${p.ttl}`, `dl_src=${p.srcMac}`];
  if (p.protocol === 'icmp') fields.push(`icmp_type=${v6 ? 128 : 8}`, 'icmp_code=0');
  else fields.push(`tp_src=${p.srcPort}`, `tp_dst=${p.dstPort}`);
  if (p.protocol === 'tcp') fields.push('tcp_flags=syn');
  return fields;
}

for (const family of ['ip4', 'ip6'] as const) {
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    test(`shared builder: ${protocol} over ${family} is accepted and read back by ofproto/trace`, async () => {
      const p = packet(family, protocol);
      const flow = await traced(ofprotoTraceArgv('br0', ofprotoTraceFlow(1, p)));
      const keyword = protocol === 'icmp' ? (family === 'ip6' ? 'icmp6' : 'icmp') : family === 'ip6' ? `${protocol}6` : protocol;
      assert.ok(flow.startsWith(`${keyword},in_port=1,`), flow);
      for (const f of expectedFields(p)) assert.ok(flow.split(',').includes(f), `${f} in ${flow}`);
    });

    test(`driver wrappers: ${protocol} over ${family} (OVN by port name, Antrea by number) are accepted`, async () => {
      const p = packet(family, protocol);
      const ovnFlow = await traced(ofprotoTraceArgv('br0', ovnOfprotoFlow('p1', { ...p, srcMac: p.srcMac!, dstMac: p.dstMac!, ttl: p.ttl! })));
      for (const f of expectedFields(p)) assert.ok(ovnFlow.split(',').includes(f), `OVN: ${f} in ${ovnFlow}`);
      const antrea = antreaTraceArgv(antreaOfprotoFlow({ inPort: 1, srcMac: p.srcMac!, dstMac: p.dstMac! }, p));
      assert.is(antrea[2], 'br-int');
      const antreaFlow = await traced(['ovs-appctl', 'ofproto/trace', 'br0', antrea[3]]);
      for (const f of expectedFields(p)) assert.ok(antreaFlow.split(',').includes(f), `Antrea: ${f} in ${antreaFlow}`);
    });
  }
}

test('the forms OVS 3.1 rejects are rejected here too (the harness can fail)', async () => {
  for (const flow of ['in_port=1,udp,nw_src=1.1.1.1,nw_dst=2.2.2.2,tp_dst=53', 'in_port=1,icmp6,ipv6_src=fd00::1,ipv6_dst=fd00::2,icmp_type=128,icmp_code=0']) {
    const out = await ovs!.run(['ovs-appctl', 'ofproto/trace', 'br0', flow]);
    const trace = parseOfprotoTrace(out.stdout, { stderr: out.stderr, exitCode: out.exitCode });
    assert.is.not(out.exitCode, 0, flow);
    assert.is(trace.summary.outcome, 'error', flow);
    assert.match(trace.errors.join('\n'), /prerequisites not met/);
  }
});

test('argv: --names and one --ct-next per conntrack state, before the bridge', async () => {
  assert.equal(ofprotoTraceArgv('br-int', 'in_port=1'), ['ovs-appctl', 'ofproto/trace', 'br-int', 'in_port=1']);
  assert.equal(ofprotoTraceArgv('br-int', 'f', { ctNext: ['trk,est,rpl', 'trk,est'], names: true }), [
    'ovs-appctl', 'ofproto/trace', '--names', '--ct-next', 'trk,est,rpl', '--ct-next', 'trk,est', 'br-int', 'f',
  ]);
  // ovs-vswitchd takes that argv as is.
  const out = await ovs!.run(ofprotoTraceArgv('br0', ofprotoTraceFlow(1, packet('ip4', 'udp')), { ctNext: ['trk,est,rpl', 'trk,est'], names: true }));
  assert.is(out.exitCode, 0, out.stderr);
  assert.match(out.stdout, /Datapath actions: p2/);
});

test.run();
