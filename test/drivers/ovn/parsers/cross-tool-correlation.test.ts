// The correlation key across the three tools (reference §8): ovn-trace `uuid XXXXXXXX` =
// ofproto/trace cookie (zero-padded) = the SB logical flow ovn-detrace prints for that cookie.
// All pairs come from the same sandbox capture, so these checks survive a re-capture.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOvnDetrace, parseOvnTrace } from '../../../../drivers/ovn/parsers/index.js';
import type { DetraceLogicalFlowRecord, OvnTrace, OvnTraceNode, OvnTraceTableNode } from '../../../../drivers/ovn/parsers/index.js';
import { parseOfprotoTrace } from '../../../../drivers/ovs-common/index.js';
import type { OfprotoTrace } from '../../../../drivers/ovs-common/index.js';
import { loadCapture } from '../../helpers/captured-fixture.js';

const ovn = (name: string): OvnTrace => parseOvnTrace(loadCapture('ovn', name).stdout);
const ofp = (name: string): OfprotoTrace => parseOfprotoTrace(loadCapture('ovs', name).stdout);

function ovnTables(t: OvnTrace): OvnTraceTableNode[] {
  const out: OvnTraceTableNode[] = [];
  const walk = (nodes: OvnTraceNode[]): void => {
    for (const n of nodes) {
      if (n.kind === 'table') out.push(n);
      walk(n.children);
    }
  };
  walk(t.sections[0]?.nodes ?? []);
  return out;
}

function detraceFlow(detraceName: string, cookie: string): DetraceLogicalFlowRecord | undefined {
  const d = parseOvnDetrace(loadCapture('ovn', detraceName).stdout);
  return d.flows
    .filter((f) => f.cookie === cookie)
    .flatMap((f) => f.records)
    .find((r): r is DetraceLogicalFlowRecord => r.kind === 'logical-flow');
}

test('the flow that drops in ofproto/trace is the logical flow ovn-trace (with --ct=new) ends at', () => {
  const pairs: [string, string, string][] = [
    ['ovn-trace-acl-default-deny-ct-new', 'ofproto-trace-acl-default-deny', 'ovn-detrace-acl-default-deny'],
    ['ovn-trace-acl-explicit-deny-ct-new', 'ofproto-trace-acl-explicit-deny', 'ovn-detrace-acl-explicit-deny'],
    ['ovn-trace-acl-reject', 'ofproto-trace-acl-reject', 'ovn-detrace-acl-reject'],
    ['ovn-trace-routing-miss', 'ofproto-trace-routing-miss', 'ovn-detrace-routing-miss'],
  ];
  for (const [o, f, d] of pairs) {
    const leaf = ovn(o).dropLeaves.find((l) => !l.generated);
    const last = ofp(f).summary.lastTable;
    assert.ok(leaf?.table?.uuid && last?.cookie, o);
    assert.is(last.cookieUuidPrefix, leaf.table.uuid, `${o} vs ${f}`);
    const lf = detraceFlow(d, last.cookie);
    assert.equal(lf && [lf.stage, lf.priority], [leaf.table.stage, leaf.table.priority], d);
    // ovn-trace prints the match as northd wrote it; ovn-detrace prints the SB row: the same text.
    assert.is(lf?.match, leaf.table.match, d);
  }
});

test('the VIP flow: ovn-trace uuid = zero-padded OpenFlow cookie (OVS drops leading zeros)', () => {
  const lb = ovn('ovn-trace-service-no-lb-dst').loadBalancing[0];
  const last = ofp('ofproto-trace-service-clusterip').summary.lastTable;
  assert.is(last?.cookieUuidPrefix, lb.table?.uuid);
  assert.is(last?.cookie, `0x${lb.table?.uuid?.replace(/^0+/, '')}`);
});

test('same packet, both tools: they visit the same logical flows except where conntrack assumptions differ', () => {
  const pairs: [string, string][] = [
    ['ovn-trace-pod-to-pod-same-node-ct-new', 'ofproto-trace-pod-to-pod-same-node'],
    ['ovn-trace-acl-default-deny-ct-new', 'ofproto-trace-acl-default-deny'],
    ['ovn-trace-pod-to-external-snat', 'ofproto-trace-pod-to-external-snat'],
  ];
  for (const [o, f] of pairs) {
    const cookies = new Set(ofp(f).blocks.flatMap((b) => b.tables.map((v) => v.cookieUuidPrefix)));
    const tables = ovnTables(ovn(o));
    const missing = tables.filter((tb) => !cookies.has(tb.uuid));
    assert.ok(tables.length > 30, o);
    assert.ok(missing.length <= 2, `${o}: ${missing.map((m) => m.stage).join(', ')}`);
    for (const m of missing) assert.match(m.stage, /^ls_(in|out)_(acl|acl_hint|stateful)$/, o);
  }
});

test('ovn-detrace names the port binding of the first OpenFlow table, the traced inport', () => {
  const d = parseOvnDetrace(loadCapture('ovn', 'ovn-detrace-pod-to-pod-same-node').stdout);
  const pb = d.flows[0].records.find((r) => r.kind === 'port-binding');
  const inport = ovn('ovn-trace-pod-to-pod-same-node').sections[0].nodes[0];
  assert.ok(inport.kind === 'pipeline');
  assert.is(pb?.kind === 'port-binding' ? pb.logicalPort : undefined, inport.inport);
});

test.run();
