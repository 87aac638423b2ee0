// parseOvnDetrace on every captured ovn-detrace run: the 23.03 layout (echoed lines stripped) and
// the 25.09+ layout (indentation kept), the latter produced by the installed script with that
// release's output change applied (test/fixtures/ovn/capture/README.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parseOvnDetrace } from '../../../../drivers/ovn/parsers/index.js';
import type { DetraceFlow, DetraceLogicalFlowRecord, OvnDetrace } from '../../../../drivers/ovn/parsers/index.js';
import { parseOfprotoTrace } from '../../../../drivers/ovs-common/index.js';
import { fixturePath } from '../../../helpers/paths.js';
import { listCaptures, loadCapture } from '../../helpers/captured-fixture.js';

function parse(name: string): OvnDetrace {
  const run = loadCapture('ovn', name);
  return parseOvnDetrace(run.stdout, { stderr: run.stderr, exitCode: run.exitCode });
}

function stdinOf(name: string): string {
  const stdin = loadCapture('ovn', name).stdin;
  if (!stdin) throw new Error(`${name} has no stdin`);
  return readFileSync(fixturePath(stdin), 'utf8');
}

function logicalFlow(flow: DetraceFlow | undefined): DetraceLogicalFlowRecord | undefined {
  return flow?.records.find((r): r is DetraceLogicalFlowRecord => r.kind === 'logical-flow');
}

const byCookie = (d: OvnDetrace, cookie: string): DetraceFlow[] => d.flows.filter((f) => f.cookie === cookie);

test('every capture: layout detected, the echoed trace is the input, every cookie line is a flow', () => {
  const names = listCaptures('ovn', 'ovn-detrace-').filter((n) => !n.includes('-error-'));
  assert.ok(names.length >= 14, `expected the captured set, found ${names.length}`);
  for (const name of names) {
    const run = loadCapture('ovn', name);
    assert.is(run.exitCode, 0, name);
    const d = parse(name);
    const input = stdinOf(name).split('\n');
    assert.is(d.style, name.startsWith('ovn-detrace-indented-') ? 'indented' : 'stripped', name);
    const echoed = d.echoedText.split('\n');
    // ovn-detrace prints the empty read at end of input as one more empty line.
    assert.equal(echoed, [...input.map((l) => (d.style === 'indented' ? l.trimEnd() : l.trim())), ''], name);
    // One flow per table line with a cookie, in input order, each with at least one record.
    const cookieTables = input.filter((l) => /^\s*\d+\. .*cookie 0x/.test(l)).map((l) => /cookie (0x[0-9a-f]+)/.exec(l)?.[1]);
    const tableFlows = d.flows.filter((f) => f.tableId !== undefined && f.cookie);
    assert.equal(tableFlows.map((f) => f.cookie), cookieTables, name);
    for (const f of tableFlows) assert.ok(f.records.length > 0, `${name} line ${f.line}`);
    assert.equal([d.orphanRecords, d.errors, d.unavailableDatabases], [[], [], []], name);
    // Logical flows always come with the datapaths listed before them.
    for (const f of d.flows) for (const r of f.records) if (r.kind === 'logical-flow') assert.ok(r.datapaths.length > 0, name);
  }
});

test('default deny: the drop flow, its logical flow and the ACL behind it', () => {
  const d = parse('ovn-detrace-acl-default-deny');
  const of = parseOfprotoTrace(stdinOf('ovn-detrace-acl-default-deny'));
  const dropCookie = of.summary.lastTable?.cookie ?? '';
  assert.is(dropCookie, '0xc379c94f');
  const [flow] = byCookie(d, dropCookie);
  assert.equal([flow.tableId, flow.text, flow.cookieUuidPrefix], [46, '46. reg0=0x200/0x200,reg15=0x4,metadata=0x1, priority 2000, cookie 0xc379c94f', 'c379c94f']);
  const lf = logicalFlow(flow);
  assert.equal(lf && [lf.table, lf.stage, lf.priority, lf.match, lf.actions], [
    4, 'ls_out_acl', 2000, 'reg0[9] == 1 && (outport == @a10148211500778908391_ingressDefaultDeny)', '/* drop */',
  ]);
  assert.equal(lf?.datapaths.map((p) => [p.name, p.pipeline]), [['ovn-worker', 'egress']]);
  assert.match(lf?.datapaths[0].uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-/);
  assert.equal(lf?.hints, [{
    kind: 'acl', direction: 'to-lport', priority: 1000, match: 'outport == @a10148211500778908391_ingressDefaultDeny', action: 'drop', log: false, fields: {},
  }]);
});

test('allow, explicit deny and reject ACLs', () => {
  const acl = (name: string) => parse(name).flows.flatMap((f) => logicalFlow(f)?.hints.filter((h) => h.kind === 'acl') ?? []);
  assert.equal(acl('ovn-detrace-pod-to-pod-same-node'), [{
    kind: 'acl', direction: 'to-lport', priority: 1001,
    match: '(ip4.src == {$a5154718082306775057} || ip6.src == {$a5154718082306775055}) && tcp && tcp.dst==8080 && outport == @a13757831473522396340',
    action: 'allow-related', log: false, fields: {},
  }]);
  assert.equal(acl('ovn-detrace-acl-explicit-deny').map((h) => h.kind === 'acl' && [h.direction, h.priority, h.action, h.match]), [
    ['from-lport', 30000, 'drop', 'inport == @a17436497227410931744 && ip4.dst == 10.244.2.5 && tcp && tcp.dst == 5432'],
  ]);
  assert.equal(acl('ovn-detrace-acl-reject').map((h) => h.kind === 'acl' && [h.priority, h.action]), [[30001, 'reject']]);
});

test('port bindings, router ports, routes, policies, NAT, MAC binding, multicast group', () => {
  const same = parse('ovn-detrace-pod-to-pod-same-node');
  const first = same.flows[0];
  assert.equal([first.tableId, first.ofport, first.cookie], [0, 1, '0x60fae618']);
  assert.equal(first.records, [{
    kind: 'port-binding', logicalPort: 'frontend_client', tunnelKey: 3,
    datapath: { name: 'ovn-worker', uuid: '757f9cec-f6fe-4708-9b89-7aaa7fab76ae' }, chassisName: 'ovn-worker', chassisHostname: 'ovn-worker',
  }]);
  const stor = same.flows.flatMap((f) => f.records).find((r) => r.kind === 'port-binding' && r.logicalPort === 'stor-ovn-worker');
  assert.equal(stor, { kind: 'port-binding', logicalPort: 'stor-ovn-worker', tunnelKey: 1, datapath: { name: 'ovn-worker', uuid: '757f9cec-f6fe-4708-9b89-7aaa7fab76ae' } });
  const hints = same.flows.flatMap((f) => logicalFlow(f)?.hints ?? []);
  assert.ok(hints.some((h) => h.kind === 'logical-switch-port' && h.name === 'backend_web' && h.text.startsWith('backend_web type  (addresses [')));
  assert.ok(hints.some((h) => h.kind === 'logical-router-port' && h.name === 'rtos-ovn-worker'));
  assert.ok(hints.some((h) => h.kind === 'logical-router-policy' && h.name === '102' && h.text.includes('action allow')));

  const snat = parse('ovn-detrace-pod-to-external-snat');
  const snatHints = snat.flows.flatMap((f) => logicalFlow(f)?.hints ?? []);
  assert.equal(snatHints.filter((h) => h.kind === 'nat'), [{
    kind: 'nat', name: '172.18.0.2', text: 'external IP 172.18.0.2 external_mac [] logical_ip 10.244.1.0/24 logical_port [] type snat',
  }]);
  assert.equal(snatHints.filter((h) => h.kind === 'route').map((h) => h.kind !== 'acl' && h.text), [
    '1.1.1.0/24 via 100.64.0.2 (port []), policy=[]',
    "0.0.0.0/0 via 172.18.0.1 (port ['rtoe-GR_ovn-worker']), policy=[]",
  ]);
  const records = snat.flows.flatMap((f) => f.records);
  const mac = records.find((r) => r.kind === 'mac-binding');
  assert.equal(mac && { ...mac, datapath: mac.kind === 'mac-binding' ? mac.datapath?.name : undefined }, {
    kind: 'mac-binding', ip: '172.18.0.1', logicalPort: 'rtoe-GR_ovn-worker', mac: '02:42:ac:12:00:01', datapath: 'GR_ovn-worker',
  });
  const mc = records.find((r) => r.kind === 'multicast-group');
  assert.equal(mc?.kind === 'multicast-group' && [mc.name, mc.tunnelKey, mc.ports, mc.datapath?.name], ['_MC_unknown', 32769, ['breth0_ovn-worker'], 'ext_ovn-worker']);
});

test('load balancers (NB hint) on the ClusterIP flows', () => {
  const lb = parse('ovn-detrace-service-clusterip').flows.flatMap((f) => logicalFlow(f)?.hints ?? []).filter((h) => h.kind === 'load-balancer');
  assert.is(lb.length, 2);
  assert.equal(lb[0].kind !== 'acl' && [lb[0].name, lb[0].text.includes("vips {'10.96.0.10:80': '10.244.1.6:8080'")], ['Service_backend/web_TCP_cluster', true]);
});

test('--ovs: OVS interfaces go to the line that named the OpenFlow port', () => {
  for (const name of ['ovn-detrace-pod-to-pod-same-node-with-ovs', 'ovn-detrace-indented-pod-to-pod-same-node-with-ovs']) {
    const d = parse(name);
    const withIface = d.flows.filter((f) => f.records.some((r) => r.kind === 'ovs-interface'));
    assert.equal(withIface.map((f) => [f.tableId, f.ofport, f.records.filter((r) => r.kind === 'ovs-interface')]), [
      [0, 1, [{ kind: 'ovs-interface', name: 'veth-client', ifaceId: 'frontend_client' }]],
      [undefined, 2, [{ kind: 'ovs-interface', name: 'veth-web', ifaceId: 'backend_web' }]],
    ], name);
    assert.is(withIface[1].text, 'output:2', name);
    // The port-binding records of the same block stay with the cookie line.
    assert.ok(withIface[0].records.some((r) => r.kind === 'port-binding'), name);
  }
});

test('both layouts carry the same records; only the indented one gives nesting depth', () => {
  for (const c of ['pod-to-pod-same-node', 'acl-default-deny', 'service-clusterip', 'pod-to-pod-cross-zone-native-tunnel', 'pod-to-pod-same-node-with-ovs']) {
    const stripped = parse(`ovn-detrace-${c}`);
    const indented = parse(`ovn-detrace-indented-${c}`);
    const key = (d: OvnDetrace) => d.flows.map((f) => [f.line, f.text, f.cookie, f.tableId, f.ofport, f.records]);
    assert.equal(key(indented), key(stripped), c);
    assert.ok(stripped.flows.every((f) => f.depth === undefined), c);
    assert.ok(indented.flows.filter((f) => f.tableId !== undefined).every((f) => f.depth !== undefined), c);
  }
  const indented = parse('ovn-detrace-indented-pod-to-pod-same-node');
  const nested = indented.flows.find((f) => f.tableId === 73);
  assert.equal([nested?.depth, indented.flows[0].depth], [1, 0]);
  // The echoed text of the indented layout is an ofproto/trace again.
  const again = parseOfprotoTrace(indented.echoedText);
  assert.equal([again.blocks.length, again.summary.outcome], [3, 'output']);
});

test('failures: NB unreachable (23.03 traceback), Python ovs package missing', () => {
  const nb = parse('ovn-detrace-error-nb-unavailable');
  assert.equal(nb.unavailableDatabases, ['NB']);
  assert.equal(nb.errors, [
    'Unable to connect to unix:$SANDBOX/no-such-nb.sock, error: No such file or directory',
    'Exception: Unable to connect to unix:$SANDBOX/no-such-nb.sock',
  ]);
  assert.equal(nb.flows, []);
  const py = parse('ovn-detrace-error-python-ovs-missing');
  assert.equal(py.errors, [
    'ERROR: Please install the correct Open vSwitch python support libraries (3.1.0). Alternatively, check that your PYTHONPATH is pointing to the correct location.',
  ]);
  assert.equal([py.flows, py.echoedText], [[], '']);
});

test('newer versions: "not available" stderr, cookie= input, chassis, duplicates, logged ACLs with extra fields', () => {
  // Record texts as ovn_detrace.py prints them (print_p / print_h formats); the stderr line is the
  // 24.09+ message quoted in the reference (§7.6).
  const stdout = [
    ' cookie=0xab12, duration=1.0s, table=8, priority=50,metadata=0x1 actions=resubmit(,9)',
    '  * Chassis: chassis-name "ovn-worker", chassis-str "ovn-worker"',
    '   * [Duplicate uuid cookie]',
    '  * Chassis: chassis-name "ovn-worker2", chassis-str "host2"',
    ' 8. metadata=0x1, priority 50, cookie 0xab13',
    '  * Logical datapaths:',
    '  *     "sw" (11111111-2222-3333-4444-555555555555) [egress]',
    '  * Logical flow: table=4 (ls_out_acl_eval), priority=2000, match=(outport == @pg && (ip4.src == 10.0.0.1)), actions=(reg8[17] = 1; next;)',
    '   * ACL: to-lport, priority=1000, match=(outport == @pg && (ip4.src == 10.0.0.1)), drop (log), name=NP:ns:Ingress, tier=2',
    '   * [Duplicate uuid hint]',
    '   * QoS: priority 10 direction from-lport match ip action {} bandwidth {}',
  ].join('\n');
  const d = parseOvnDetrace(stdout, { stderr: 'The connection to SB DB is not available, SB information will be missing from the detrace.\n' });
  assert.equal(d.unavailableDatabases, ['SB']);
  assert.equal(d.flows.map((f) => [f.cookie, f.cookieUuidPrefix, f.tableId, f.duplicateCookie]), [['0xab12', '0000ab12', undefined, true], ['0xab13', '0000ab13', 8, false]]);
  assert.equal(d.flows[0].records, [
    { kind: 'chassis', chassisName: 'ovn-worker', chassisHostname: 'ovn-worker' },
    { kind: 'chassis', chassisName: 'ovn-worker2', chassisHostname: 'host2' },
  ]);
  const lf = logicalFlow(d.flows[1]);
  assert.equal([lf?.stage, lf?.match, lf?.actions], ['ls_out_acl_eval', 'outport == @pg && (ip4.src == 10.0.0.1)', 'reg8[17] = 1; next;']);
  assert.equal(lf?.hints, [
    { kind: 'acl', direction: 'to-lport', priority: 1000, match: 'outport == @pg && (ip4.src == 10.0.0.1)', action: 'drop', log: true, fields: { name: 'NP:ns:Ingress', tier: '2' } },
    { kind: 'unknown', text: '[Duplicate uuid hint]' },
    { kind: 'qos', name: '10', text: 'priority 10 direction from-lport match ip action {} bandwidth {}' },
  ]);
  assert.is(d.style, 'indented');
});

test.run();
